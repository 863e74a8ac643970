from django.urls import path

from onboarding import views, views_exchange, views_org

app_name = "onboarding"

# Callback paths are the redirect URIs to register with each provider app (after PUBLIC_BASE_URL).
urlpatterns = [
    path("", views.connect, name="connect"),
    path("microsoft/", views.microsoft_start, name="microsoft_start"),
    path("microsoft/callback/", views.microsoft_callback, name="microsoft_callback"),
    path("microsoft/admin/<int:organization_id>/", views.microsoft_admin_start, name="microsoft_admin_start"),
    path("microsoft/admin/callback/", views.microsoft_admin_callback, name="microsoft_admin_callback"),
    path("microsoft/admin/<int:organization_id>/mailboxes/", views_org.org_mailboxes, name="org_mailboxes"),
    path("salesforce/", views.salesforce_start, name="salesforce_start"),
    path("salesforce/callback/", views.salesforce_callback, name="salesforce_callback"),
    path("google/", views.google_start, name="google_start"),
    path("google/callback/", views.google_callback, name="google_callback"),
    path("exchange/", views_exchange.exchange, name="exchange"),
]
