"""The emails waiting for a retry move from ``PendingEmail`` rows into the engine's retry ledger (their
``SyncIssue``'s ``details["pending"]``, syncengine/services/retries.py), so nothing pending is lost."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

STREAM = "emails"


def _pending(row):
    return {
        "side": "mail",
        "id": row.internet_message_id,
        "deleted": False,
        "attempts": row.attempts,
        "reason": row.reason,
        "problem": row.last_error,
        "permanent": False,
        "thread": row.conversation_id,
    }


def pending_rows_to_issues(apps, schema_editor):
    PendingEmail = apps.get_model("emails", "PendingEmail")
    SavedEmail = apps.get_model("emails", "SavedEmail")
    SyncIssue = apps.get_model("syncengine", "SyncIssue")
    for row in PendingEmail.objects.select_related("mailbox"):
        pending = _pending(row)
        # The email's retry issues (a person's choice to hide or stop them kept as it is).
        issues = SyncIssue.objects.filter(
            mailbox_id=row.mailbox_id,
            stream=STREAM,
            mail_id=row.internet_message_id[:512],
            details__has_key="pending",
        )
        found = False
        for issue in issues:
            issue.details = {**issue.details, "pending": pending, "permanent": False}
            issue.save(update_fields=["details"])
            found = True
        if found:
            continue
        subject = (
            SavedEmail.objects.filter(
                organization_id=row.mailbox.organization_id, internet_message_id=row.internet_message_id
            )
            .values_list("subject", flat=True)
            .first()
            or "(no subject)"
        )
        now = timezone.now()
        SyncIssue.objects.create(
            mailbox_id=row.mailbox_id,
            stream=STREAM,
            code="EMAIL_NOT_SAVED",
            message=(
                f"The email “{subject}” could not be saved to Salesforce: "
                f"{row.last_error or 'no reason given'}. The next session tries again."
            ),
            mail_id=row.internet_message_id[:512],
            item_label=subject[:300],
            details={"pending": pending, "permanent": False, "reason": row.reason},
            retry="auto",
            first_seen_at=row.created_at,
            last_seen_at=now,
        )


def issues_to_pending_rows(apps, schema_editor):
    PendingEmail = apps.get_model("emails", "PendingEmail")
    SyncIssue = apps.get_model("syncengine", "SyncIssue")
    due = Q(retry="auto") | Q(retry="", resolved=False)
    for issue in SyncIssue.objects.filter(due, stream=STREAM, details__pending__side="mail"):
        pending = issue.details["pending"]
        PendingEmail.objects.get_or_create(
            mailbox_id=issue.mailbox_id,
            internet_message_id=pending["id"],
            defaults={
                "conversation_id": pending.get("thread", ""),
                "reason": pending.get("reason", ""),
                "attempts": pending.get("attempts", 1),
                "last_error": pending.get("problem", ""),
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0003_savedthread_complete"),
        ("syncengine", "0020_pair_mail_intent"),
    ]

    operations = [
        migrations.RunPython(pending_rows_to_issues, issues_to_pending_rows),
        migrations.CreateModel(
            name="EmailRetry",
            fields=[],
            options={
                "verbose_name": "email waiting for a retry",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("syncengine.syncissue",),
        ),
        migrations.DeleteModel(
            name="PendingEmail",
        ),
    ]
