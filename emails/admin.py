from django.contrib import admin

from audit.staff_admin import StaffAdmin
from emails.models import EmailRetry, EmailSettings, MailboxEmailSettings, SavedEmail, SavedEmailMailbox


@admin.register(EmailSettings)
class EmailSettingsAdmin(StaffAdmin):
    list_display = ("organization", "enabled", "save_as", "auto_track", "backfill_days", "max_attachment_mb")


@admin.register(MailboxEmailSettings)
class MailboxEmailSettingsAdmin(StaffAdmin):
    organization_path = "mailbox__organization"
    list_display = ("mailbox", "auto_save", "activated_at")


class SaverInline(admin.TabularInline):
    model = SavedEmailMailbox
    extra = 0
    readonly_fields = ("mailbox", "mail_id", "reason", "saved_at")


@admin.register(SavedEmail)
class SavedEmailAdmin(StaffAdmin):
    """The ledger: read it here, never edit it (the stream owns it)."""

    list_display = ("subject", "organization", "crm_object", "crm_id", "saved_at")
    search_fields = ("subject", "internet_message_id", "crm_id")
    readonly_fields = [f.name for f in SavedEmail._meta.fields]
    inlines = [SaverInline]


@admin.register(EmailRetry)
class EmailRetryAdmin(StaffAdmin):
    """The emails waiting for a retry (the retry ledger, kept on their issues): read them here."""

    organization_path = "mailbox__organization"
    list_display = (
        "mailbox",
        "internet_message_id",
        "reason",
        "attempts",
        "resolved",
        "retry",
        "last_seen_at",
    )
    readonly_fields = [f.name for f in EmailRetry._meta.fields]

    @admin.display(description="InternetMessageId")
    def internet_message_id(self, obj: EmailRetry) -> str:
        return str(obj.pending.get("id", ""))

    @admin.display(description="saved because")
    def reason(self, obj: EmailRetry) -> str:
        return str(obj.pending.get("reason", ""))

    @admin.display(description="attempts")
    def attempts(self, obj: EmailRetry) -> int:
        return int(obj.pending.get("attempts") or 1)
