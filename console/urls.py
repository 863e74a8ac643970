from django.urls import path

from console import notifications, people_views, views

app_name = "console"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:organization_id>/people/", views.people, name="people"),
    path("<int:organization_id>/people/<int:user_id>/", views.person, name="person"),
    path("<int:organization_id>/people/invite/", people_views.invite_person, name="invite"),
    path(
        "<int:organization_id>/people/invitations/<int:invitation_id>/withdraw/",
        people_views.withdraw_invitation,
        name="withdraw_invitation",
    ),
    path(
        "<int:organization_id>/people/<int:user_id>/remove/", people_views.remove_member, name="remove_member"
    ),
    path("join/<str:token>/", people_views.join, name="join"),
    path("<int:organization_id>/sessions/", views.sessions, name="sessions"),
    path("<int:organization_id>/sessions/<int:session_id>/", views.session_detail, name="session"),
    path("<int:organization_id>/issues/", views.issues, name="issues"),
    path("<int:organization_id>/statistics/", views.statistics, name="statistics"),
    path("<int:organization_id>/trace/", views.trace, name="trace"),
    path("<int:organization_id>/trace/resync/", views.resync, name="resync"),
    path("<int:organization_id>/previews/", views.preview, name="preview"),
    path("<int:organization_id>/previews/<int:preview_id>/", views.preview_detail, name="preview_detail"),
    path("<int:organization_id>/full-resync/", views.full_resync_view, name="full_resync"),
    path("<int:organization_id>/notifications/", notifications.notifications, name="notifications"),
]
