"""Reads and writes of the email settings (the org's and each mailbox's auto-save choice)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from emails.models import AutoSave, EmailSettings, MailboxEmailSettings
from syncengine.models import Mailbox, Organization, SyncCursor

# Cursor streams of the three folders (SyncCursor.stream holds at most 20 characters).
CURSOR_STREAMS = {"inbox": "email_inbox", "sent": "email_sent", "salesforce": "email_salesforce"}
CURSOR_SIDE = "mail"


def email_settings_for(organization: Organization) -> EmailSettings:
    """The organization's email settings; the defaults (unsaved, saving off) when it has none."""
    return EmailSettings.objects.filter(organization=organization).first() or EmailSettings(
        organization=organization
    )


def mailbox_email_settings_for(mailbox: Mailbox) -> MailboxEmailSettings:
    return MailboxEmailSettings.objects.filter(mailbox=mailbox).first() or MailboxEmailSettings(
        mailbox=mailbox
    )


def email_settings_save(*, settings: EmailSettings) -> EmailSettings:
    settings.updated_at = timezone.now()
    settings.save()
    return settings


@transaction.atomic
def mailbox_auto_save_set(*, mailbox: Mailbox, auto_save: str) -> MailboxEmailSettings:
    """Store a mailbox's auto-save choice. Switching it on for the first time starts the historical
    backfill: Inbox and Sent Items are read again from the start of the backfill window at the next
    session (the ledger keeps what was already saved from being saved twice)."""
    if auto_save not in AutoSave.values:
        raise ValueError(f"auto-save must be one of {', '.join(AutoSave.values)}, not {auto_save!r}")
    row, _ = MailboxEmailSettings.objects.select_for_update().get_or_create(mailbox=mailbox)
    now = timezone.now()
    if auto_save != AutoSave.OFF and row.activated_at is None:
        row.activated_at = now
        SyncCursor.objects.filter(
            mailbox=mailbox, stream__in=[CURSOR_STREAMS["inbox"], CURSOR_STREAMS["sent"]]
        ).delete()
    row.auto_save = auto_save
    row.updated_at = now
    row.save()
    return row
