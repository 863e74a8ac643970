"""The REST API: the console's and the dashboard's data and actions, scoped exactly as the pages are
(a rep: their own mailboxes; org admins, support and operators: the organizations the console lets
them open, console/access.py). Thin views: the guard, one read or one service, a serializer."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import (
    ActionAnswerSerializer,
    IssueSerializer,
    MailboxSerializer,
    OrganizationSerializer,
    PersonSerializer,
    ResyncAnswerSerializer,
    ResyncAskSerializer,
    SessionSerializer,
    SuspendSerializer,
    TracedItemSerializer,
)
from console.access import console_organizations
from console.history import issues_of, sessions_of
from console.people import people_rows
from console.resync import ResyncTarget, resync_request
from console.trace import trace_find
from syncengine import selectors
from syncengine.models import Mailbox, Organization, SyncIssue, SyncSession
from syncengine.services.mailboxes import mailbox_force_sync, mailbox_resume, mailbox_suspend


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _organization(request: Request, organization_id: int) -> Organization:
    return get_object_or_404(console_organizations(user=request.user), pk=organization_id)


def _number(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


# -- a rep's own mailboxes ----------------------------------------------------------------------
class MailboxList(generics.ListAPIView):
    """The mailboxes of the signed-in person."""

    serializer_class = MailboxSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.mailboxes_of(user=self.request.user).order_by("address")


class _OwnMailboxAction(APIView):
    def mailbox(self, request: Request, mailbox_id: int) -> Mailbox:
        return get_object_or_404(selectors.mailboxes_of(user=request.user), pk=mailbox_id)


class ForceSync(_OwnMailboxAction):
    @extend_schema(request=None, responses=ActionAnswerSerializer)
    def post(self, request: Request, mailbox_id: int) -> Response:
        answer = mailbox_force_sync(mailbox=self.mailbox(request, mailbox_id))
        if answer:
            return _answer(True, "A session was queued; it starts within seconds.")
        if answer.refused == "too_soon" and answer.next_at is not None:
            return _answer(
                False, f"Force-synced a moment ago; the next may run at {answer.next_at:%H:%M:%S} UTC."
            )
        if answer.refused == "suspended":
            return _answer(False, "The mailbox is suspended: resume it to sync.")
        return _answer(False, "A session is already queued.")


class Suspend(_OwnMailboxAction):
    @extend_schema(request=SuspendSerializer, responses=ActionAnswerSerializer)
    def post(self, request: Request, mailbox_id: int) -> Response:
        mailbox = self.mailbox(request, mailbox_id)
        asked = SuspendSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        mailbox_suspend(mailbox=mailbox, reason=asked.validated_data["reason"] or "no reason given")
        return _answer(True, "Suspended: nothing syncs until it is resumed.")


class Resume(_OwnMailboxAction):
    @extend_schema(request=None, responses=ActionAnswerSerializer)
    def post(self, request: Request, mailbox_id: int) -> Response:
        mailbox_resume(mailbox=self.mailbox(request, mailbox_id))
        return _answer(True, "Resumed; a session was queued.")


def _answer(done: bool, message: str) -> Response:
    return Response(ActionAnswerSerializer({"done": done, "message": message}).data)


# -- the console's organizations ----------------------------------------------------------------
class OrganizationList(generics.ListAPIView):
    """The organizations the signed-in person runs the sync for (org admin, support, operator)."""

    serializer_class = OrganizationSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return console_organizations(user=self.request.user)


class PeopleList(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str), OpenApiParameter("health", str)],
        responses=PersonSerializer(many=True),
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = _organization(request, organization_id)
        rows = people_rows(
            organization=organization,
            now=timezone.now(),
            query=request.query_params.get("q", "").strip(),
            health=request.query_params.get("health", ""),
        )
        return Response(PersonSerializer(rows, many=True).data)


class SessionList(generics.ListAPIView):
    serializer_class = SessionSerializer
    pagination_class = Pages

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str),
            OpenApiParameter("mailbox", int),
            OpenApiParameter("period", str, enum=["day", "week", "month", "all"]),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a user
            return SyncSession.objects.none()
        request = self.request
        return sessions_of(
            organization=_organization(request, self.kwargs["organization_id"]),
            now=timezone.now(),
            outcome=request.query_params.get("outcome", ""),
            mailbox_id=_number(request, "mailbox"),
            period=request.query_params.get("period", "week"),
        )


class IssueList(generics.ListAPIView):
    serializer_class = IssueSerializer
    pagination_class = Pages

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=["open", "resolved", "all"]),
            OpenApiParameter("code", str),
            OpenApiParameter("stream", str),
            OpenApiParameter("mailbox", int),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SyncIssue.objects.none()
        request = self.request
        return issues_of(
            organization=_organization(request, self.kwargs["organization_id"]),
            state=request.query_params.get("state", "open"),
            code=request.query_params.get("code", ""),
            stream=request.query_params.get("stream", ""),
            mailbox_id=_number(request, "mailbox"),
        )


class Trace(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)], responses=TracedItemSerializer(many=True)
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = _organization(request, organization_id)
        found = trace_find(organization=organization, query=request.query_params.get("q", ""))
        return Response(TracedItemSerializer(found, many=True).data)


class Resync(APIView):
    @extend_schema(
        request=ResyncAskSerializer, responses={202: ResyncAnswerSerializer, 409: ResyncAnswerSerializer}
    )
    def post(self, request: Request, organization_id: int) -> Response:
        organization = _organization(request, organization_id)
        asked = ResyncAskSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        mailbox = Mailbox.objects.filter(pk=data["mailbox"], organization=organization).first()
        if mailbox is None:
            raise Http404
        done = resync_request(
            actor=request.user,
            target=ResyncTarget(
                mailbox=mailbox,
                stream=data["stream"],
                sync_key=data["sync_key"],
                mail_id=data["mail_id"],
                crm_id=data["crm_id"],
                label=data["label"],
            ),
        )
        code = status.HTTP_409_CONFLICT if done.state == "refused" else status.HTTP_202_ACCEPTED
        return Response(ResyncAnswerSerializer(done).data, status=code)
