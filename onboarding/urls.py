from django.urls import path

from onboarding import flows, views, views_exchange, views_org

app_name = "onboarding"

# Callback paths are the redirect URIs to register with each provider app (after PUBLIC_BASE_URL);
# each flow's URL names are "<flow key>_start" and "<flow key>_callback".
urlpatterns = [
    path("", views.connect, name="connect"),
    path("microsoft/", views.start, {"flow": flows.MICROSOFT}, name="microsoft_start"),
    path("microsoft/callback/", views.callback, {"flow": flows.MICROSOFT}, name="microsoft_callback"),
    path(
        "microsoft/admin/<int:organization_id>/",
        views.start,
        {"flow": flows.MICROSOFT_ADMIN},
        name="microsoft_admin_start",
    ),
    path(
        "microsoft/admin/callback/",
        views.callback,
        {"flow": flows.MICROSOFT_ADMIN},
        name="microsoft_admin_callback",
    ),
    path("microsoft/admin/<int:organization_id>/mailboxes/", views_org.org_mailboxes, name="org_mailboxes"),
    path("salesforce/", views.start, {"flow": flows.SALESFORCE}, name="salesforce_start"),
    path("salesforce/callback/", views.callback, {"flow": flows.SALESFORCE}, name="salesforce_callback"),
    path("google/", views.start, {"flow": flows.GOOGLE}, name="google_start"),
    path("google/callback/", views.callback, {"flow": flows.GOOGLE}, name="google_callback"),
    path("exchange/", views_exchange.exchange, name="exchange"),
]
