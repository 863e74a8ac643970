from django.urls import path

from instant import pages

app_name = "instant_pages"

urlpatterns = [path("org/<int:organization_id>/", pages.org_settings, name="org_settings")]
