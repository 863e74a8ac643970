from django.urls import path

from blocklists import views

app_name = "blocklists"

urlpatterns = [
    # The user's own layer: /blocklist/ for their (first) organization, /blocklist/in/<id>/ for any.
    path("", views.mine, name="mine"),
    path("in/<int:organization_id>/", views.user_page, name="user_page"),
    path("in/<int:organization_id>/add/", views.user_add, name="user_add"),
    path("in/<int:organization_id>/entries/<int:entry_id>/remove/", views.user_remove, name="user_remove"),
    path("in/<int:organization_id>/org-entries/<int:entry_id>/lift/", views.user_lift, name="user_lift"),
    # The org admin's layer.
    path("org/<int:organization_id>/", views.org_page, name="org_page"),
    path("org/<int:organization_id>/add/", views.org_add, name="org_add"),
    path("org/<int:organization_id>/entries/<int:entry_id>/remove/", views.org_remove, name="org_remove"),
    path("org/<int:organization_id>/options/", views.org_options, name="org_options"),
    path("org/<int:organization_id>/free-domains/add/", views.org_free_add, name="org_free_add"),
    path("org/<int:organization_id>/free-domains/remove/", views.org_free_remove, name="org_free_remove"),
    path("org/<int:organization_id>/free-domains/reset/", views.org_free_reset, name="org_free_reset"),
]
