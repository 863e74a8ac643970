"""What the API answers, one serializer per shape; every field is something the pages show."""

from __future__ import annotations

from rest_framework import serializers


class MailboxSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    address = serializers.EmailField()
    provider = serializers.CharField()
    status = serializers.CharField()
    suspended = serializers.BooleanField()
    suspended_reason = serializers.CharField()
    cause_code = serializers.CharField()
    last_synced_at = serializers.DateTimeField(allow_null=True)
    next_due_at = serializers.DateTimeField()


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    why = serializers.CharField()


class MailboxHealthSerializer(serializers.Serializer):
    mailbox = MailboxSerializer()
    health = HealthSerializer()
    open_issues = serializers.IntegerField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.CharField()
    mailboxes = MailboxHealthSerializer(many=True)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mailbox = serializers.IntegerField(source="mailbox_id")
    address = serializers.EmailField(source="mailbox.address")
    trigger = serializers.CharField()
    outcome = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    counts = serializers.JSONField()
    api_calls = serializers.JSONField()
    error = serializers.CharField()
    error_code = serializers.CharField()


class IssueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mailbox = serializers.IntegerField(source="mailbox_id")
    stream = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    item_label = serializers.CharField()
    mail_id = serializers.CharField()
    crm_object = serializers.CharField()
    crm_id = serializers.CharField()
    occurrences = serializers.IntegerField()
    resolved = serializers.BooleanField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


class JournalEntrySerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    at = serializers.DateTimeField()
    what = serializers.CharField()
    fields = serializers.JSONField()
    message = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    label = serializers.CharField()
    exact = serializers.BooleanField()


class TracedItemSerializer(serializers.Serializer):
    mailbox = serializers.IntegerField(source="mailbox.pk")
    stream = serializers.CharField()
    sync_key = serializers.CharField()
    label = serializers.CharField()
    mail_id = serializers.CharField()
    message_id = serializers.CharField(help_text="An email's InternetMessageId (Message-ID); empty otherwise")
    crm_object = serializers.CharField()
    crm_id = serializers.CharField()
    state = serializers.CharField()
    entries = JournalEntrySerializer(many=True)
    issues = IssueSerializer(many=True)
    links = LinkSerializer(many=True)


class ResyncAskSerializer(serializers.Serializer):
    mailbox = serializers.IntegerField()
    stream = serializers.CharField(max_length=20)
    sync_key = serializers.CharField(max_length=80, required=False, default="", allow_blank=True)
    mail_id = serializers.CharField(max_length=512, required=False, default="", allow_blank=True)
    crm_id = serializers.CharField(max_length=18, required=False, default="", allow_blank=True)
    label = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ResyncAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    message = serializers.CharField()


class SuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ActionAnswerSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    message = serializers.CharField()
