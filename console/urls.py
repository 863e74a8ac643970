from django.urls import path

from console import notifications, views

app_name = "console"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:organization_id>/people/", views.people, name="people"),
    path("<int:organization_id>/people/<int:user_id>/", views.person, name="person"),
    path("<int:organization_id>/sessions/", views.sessions, name="sessions"),
    path("<int:organization_id>/sessions/<int:session_id>/", views.session_detail, name="session"),
    path("<int:organization_id>/issues/", views.issues, name="issues"),
    path("<int:organization_id>/statistics/", views.statistics, name="statistics"),
    path("<int:organization_id>/trace/", views.trace, name="trace"),
    path("<int:organization_id>/trace/resync/", views.resync, name="resync"),
    path("<int:organization_id>/notifications/", notifications.notifications, name="notifications"),
]
