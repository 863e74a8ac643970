from django.urls import path

from autoresolve import views

app_name = "autoresolve"

urlpatterns = [
    path("org/<int:organization_id>/", views.org_settings, name="org_settings"),
    path("org/<int:organization_id>/records/<int:record_id>/undo/", views.undo, name="undo"),
]
