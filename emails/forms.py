"""Validated input for the email settings pages."""

from __future__ import annotations

from django import forms

from emails.models import LINK_FILTER_FIELDS, AutoSave, EmailSettings
from syncengine.core.email_rules import MAKES_PEOPLE
from syncengine.extensions import people_making_enabled

FOLDER_FORBIDDEN = set("/\\")


class EmailSettingsForm(forms.ModelForm):
    """The org admin's email settings; ranges come from the model's validators."""

    class Meta:
        model = EmailSettings
        fields = [
            "enabled",
            "save_as",
            "auto_track",
            "save_threads",
            "tag_saved",
            "save_attachments",
            "max_attachment_mb",
            "backfill_days",
            "salesforce_folder",
            *LINK_FILTER_FIELDS,
        ]

    def clean_auto_track(self) -> str:
        mode = str(self.cleaned_data.get("auto_track") or "")
        if mode in MAKES_PEOPLE and not people_making_enabled(self.instance.organization):
            raise forms.ValidationError(
                "Forced and Smart save emails whose people Salesforce does not know yet, for them to be "
                "made: turn on autoresolving (Leads, Contacts or Person Accounts) on the 'New people' "
                "page first."
            )
        return mode

    def clean_salesforce_folder(self) -> str:
        name = " ".join(str(self.cleaned_data.get("salesforce_folder") or "").split())
        if not name:
            raise forms.ValidationError("Name the folder whose emails are saved, e.g. “Salesforce emails”.")
        if FOLDER_FORBIDDEN & set(name):
            raise forms.ValidationError("A top-level folder name cannot hold “/” or “\\”.")
        if name.casefold() in ("inbox", "sent items", "drafts", "deleted items", "junk email", "outbox"):
            raise forms.ValidationError(
                f"“{name}” is one of Outlook's own folders; choose a folder of its own."
            )
        return name


class AutoSaveForm(forms.Form):
    auto_save = forms.ChoiceField(choices=AutoSave.choices, label="Auto-save")
