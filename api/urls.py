from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import tokens, views

app_name = "api"
urlpatterns = [
    path("v1/mailboxes/", views.MailboxList.as_view(), name="mailboxes"),
    path("v1/mailboxes/<int:mailbox_id>/force-sync/", views.ForceSync.as_view(), name="force_sync"),
    path("v1/mailboxes/<int:mailbox_id>/suspend/", views.Suspend.as_view(), name="suspend"),
    path("v1/mailboxes/<int:mailbox_id>/resume/", views.Resume.as_view(), name="resume"),
    path("v1/organizations/", views.OrganizationList.as_view(), name="organizations"),
    path("v1/organizations/<int:organization_id>/people/", views.PeopleList.as_view(), name="people"),
    path("v1/organizations/<int:organization_id>/sessions/", views.SessionList.as_view(), name="sessions"),
    path("v1/organizations/<int:organization_id>/issues/", views.IssueList.as_view(), name="issues"),
    path("v1/organizations/<int:organization_id>/trace/", views.Trace.as_view(), name="trace"),
    path("v1/organizations/<int:organization_id>/resync/", views.Resync.as_view(), name="resync"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", tokens.tokens, name="tokens"),
]
