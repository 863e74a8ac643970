from django.urls import path

from instant import views

app_name = "instant"
urlpatterns = [
    path("graph/", views.graph_hook, name="graph"),
    path("graph/lifecycle/", views.graph_lifecycle_hook, name="graph-lifecycle"),
    path("google/", views.google_hook, name="google"),
]
