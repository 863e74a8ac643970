"""JSON status for the dashboard's live refresh: one view per operation, own serializer."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.cards import live_version
from syncengine import selectors


class MailboxStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.EmailField()
    status = serializers.CharField()
    suspended = serializers.BooleanField()
    suspended_reason = serializers.CharField()
    last_synced_at = serializers.DateTimeField(allow_null=True)
    next_due_at = serializers.DateTimeField()
    running = serializers.BooleanField()
    latest_session_id = serializers.IntegerField(allow_null=True)
    latest_outcome = serializers.CharField(allow_null=True)
    open_issues = serializers.IntegerField()
    # Per stream of the latest session: {"events": {"found": 300, "done": 120, "first": true}}.
    progress = serializers.DictField(child=serializers.DictField())
    version = serializers.CharField()  # changes whenever the dashboard's card would show something new


class MailboxStatusApi(APIView):
    def get(self, request: Request, mailbox_id: int) -> Response:
        mailbox = get_object_or_404(selectors.mailboxes_of(user=request.user), pk=mailbox_id)
        latest = next(iter(selectors.recent_sessions(mailbox=mailbox, limit=1)), None)
        data = {
            "id": mailbox.pk,
            "address": mailbox.address,
            "status": mailbox.status,
            "suspended": mailbox.suspended,
            "suspended_reason": mailbox.suspended_reason,
            "last_synced_at": mailbox.last_synced_at,
            "next_due_at": mailbox.next_due_at,
            "running": bool(mailbox.lease_token),
            "latest_session_id": latest.pk if latest else None,
            "latest_outcome": latest.outcome if latest else None,
            "open_issues": selectors.open_issue_count(mailbox=mailbox),
            "progress": latest.progress if latest else {},
            "version": live_version(mailbox, latest),
        }
        return Response(MailboxStatusSerializer(data).data)
