from django.contrib import admin

from audit.staff_admin import StaffAdmin
from emails.models import EmailSettings, MailboxEmailSettings, PendingEmail, SavedEmail, SavedEmailMailbox


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


@admin.register(PendingEmail)
class PendingEmailAdmin(StaffAdmin):
    organization_path = "mailbox__organization"
    list_display = ("mailbox", "internet_message_id", "reason", "attempts", "updated_at")
    readonly_fields = ("mailbox", "internet_message_id", "conversation_id", "mail_id", "reason", "attempts")
