"""Give mailboxes suspended before causes were stored their cause code (once, from the old reasons).

Those suspended "after N failed sessions" get none: the cause was transient, and the dashboard offers
Resume for them instead of a Reconnect that would not help.
"""

from django.db import migrations

USER_PREFIX = "Suspended by user: "
SALESFORCE_MARKERS = ("reconnect Salesforce", "Connect Salesforce")
REPEATED_FAILURES = "Suspended after "


def _code(reason: str) -> str:
    if reason.startswith(USER_PREFIX):
        return "USER_SUSPENDED"
    if any(marker in reason for marker in SALESFORCE_MARKERS):
        return "CRM_AUTH_REVOKED"
    if reason.startswith(REPEATED_FAILURES):
        return ""
    return "MAIL_AUTH_REVOKED"


def backfill(apps, schema_editor):
    Mailbox = apps.get_model("syncengine", "Mailbox")
    for mailbox in Mailbox.objects.filter(suspended=True, cause_code="").only("pk", "suspended_reason"):
        code = _code(mailbox.suspended_reason)
        if code:
            Mailbox.objects.filter(pk=mailbox.pk).update(cause_code=code)


class Migration(migrations.Migration):
    dependencies = [("syncengine", "0015_sessions_lease_cause_queue")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
