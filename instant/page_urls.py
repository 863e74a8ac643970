from django.urls import path

from instant import pages

app_name = "instant_pages"

urlpatterns = [
    path("org/<int:organization_id>/", pages.org_settings, name="org_settings"),
    # A console tab (console/pages.py names it): the organization's listeners, for admins and support.
    path("console/<int:organization_id>/listeners/", pages.console_listeners, name="console_listeners"),
]
