from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("blocklist/", include("blocklists.urls")),
    path("emails/", include("emails.urls")),
    path("autoresolve/", include("autoresolve.urls")),
    path("instant/", include("instant.page_urls")),
    path("connect/", include("onboarding.urls")),
    path("hooks/", include("instant.urls")),
    path("console/", include("console.urls")),
    path("api/", include("api.urls")),
    path("", include("dashboard.urls")),
]
