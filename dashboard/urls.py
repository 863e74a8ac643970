from django.urls import path

from dashboard import api, org_audit, org_sources, org_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("mailboxes/<int:mailbox_id>/force-sync/", views.force_sync, name="force_sync"),
    path("mailboxes/<int:mailbox_id>/sessions/", views.sessions, name="sessions"),
    path("mailboxes/<int:mailbox_id>/card/", views.card, name="card"),
    path("mailboxes/<int:mailbox_id>/autosave/", views.autosave, name="autosave"),
    path("mailboxes/<int:mailbox_id>/suspend/", views.suspend, name="suspend"),
    path("mailboxes/<int:mailbox_id>/resume/", views.resume, name="resume"),
    path("issues/<int:issue_id>/dismiss/", views.dismiss_issue, name="dismiss_issue"),
    path("issues/<int:issue_id>/retry/", views.retry_issue, name="retry_issue"),
    path("issues/<int:issue_id>/stop-retrying/", views.stop_retrying_issue, name="stop_retrying_issue"),
    path(
        "mailboxes/<int:mailbox_id>/held-deletions/<str:stream>/<str:decision>/",
        views.decide_deletions,
        name="decide_deletions",
    ),
    path("org/<int:organization_id>/settings/", org_views.org_settings, name="org_settings"),
    path("org/<int:organization_id>/mappings/<str:stream>/", org_views.org_mappings, name="org_mappings"),
    path(
        "org/<int:organization_id>/mappings/<str:stream>/reset/",
        org_views.org_mapping_reset,
        name="org_mapping_reset",
    ),
    path(
        "org/<int:organization_id>/calendar-sources/",
        org_sources.org_calendar_sources,
        name="org_calendar_sources",
    ),
    path(
        "org/<int:organization_id>/calendar-sources/<int:source_id>/remove/",
        org_sources.org_calendar_source_remove,
        name="org_calendar_source_remove",
    ),
    path("org/<int:organization_id>/audit/", org_audit.org_audit, name="org_audit"),
    path("api/mailboxes/<int:mailbox_id>/status/", api.MailboxStatusApi.as_view(), name="api_status"),
]
