from django.urls import path

from emails import views

app_name = "emails"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("mailboxes/<int:mailbox_id>/auto-save/", views.mailbox_auto_save, name="auto_save"),
    path("org/<int:organization_id>/", views.org_settings, name="org_settings"),
]
