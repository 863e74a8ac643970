"""Forms of the org admin pages: an organization's sync settings and its mapping tables."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mapping import registry
from mapping.models import MappingDirection
from mapping.services import mail_fields_of
from mapping.validation import Row
from syncengine.models import SyncSettings

WINDOW_MAX_DAYS = 365
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DELETE_SHARE_MIN, DELETE_SHARE_MAX = 0.05, 1.0


def _window_days(label: str, help_text: str) -> forms.IntegerField:
    bounds = f"Enter a number of days from 0 to {WINDOW_MAX_DAYS}."
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=WINDOW_MAX_DAYS,
        help_text=help_text,
        error_messages={"min_value": bounds, "max_value": bounds, "invalid": bounds},
    )


class SyncSettingsForm(forms.ModelForm):
    window_days_back = _window_days("Window: days back", "Calendar items that ended this many days ago")
    window_days_ahead = _window_days(
        "Window: days ahead", "Calendar items starting up to this many days ahead"
    )
    max_delete_share = forms.FloatField(
        label="Largest share one session may delete",
        min_value=DELETE_SHARE_MIN,
        max_value=DELETE_SHARE_MAX,
        help_text=SyncSettings._meta.get_field("max_delete_share").help_text
        + f" ({DELETE_SHARE_MIN} to {DELETE_SHARE_MAX}, e.g. 0.5 for half)",
        error_messages=dict.fromkeys(
            ("min_value", "max_value", "invalid"),
            f"Enter a share from {DELETE_SHARE_MIN} to {DELETE_SHARE_MAX} (e.g. 0.5 for half of a stream).",
        ),
    )

    def clean_internal_domains(self) -> str:
        return clean_domains(str(self.cleaned_data.get("internal_domains") or ""))

    class Meta:
        model = SyncSettings
        fields = [
            "sync_events",
            "sync_tasks",
            "sync_contacts",
            "conflict_policy",
            "events_direction",
            "tasks_direction",
            "contacts_direction",
            "events_from_salesforce",
            "events_deleted_in_salesforce_leave_mailbox",
            "contacts_auto_removal",
            "save_unresponded_invitations",
            "save_internal_meetings",
            "save_meetings_without_people",
            "internal_domains",
            "tag_synced_items",
            "sync_attendees_continuously",
            "window_days_back",
            "window_days_ahead",
            "max_delete_share",
        ]
        labels = {
            "sync_events": "Sync calendar items",
            "sync_tasks": "Sync tasks",
            "sync_contacts": "Sync contacts",
            "conflict_policy": "When both sides changed a field",
            "events_direction": "Calendar items sync",
            "tasks_direction": "Tasks sync",
            "contacts_direction": "Contacts sync",
            "events_from_salesforce": "Events from Salesforce",
            "events_deleted_in_salesforce_leave_mailbox": (
                "Events saved from the calendar and deleted in Salesforce stay in the calendar"
            ),
            "contacts_auto_removal": "Contacts auto-removal",
            "save_unresponded_invitations": "Save invitations not answered yet",
            "save_internal_meetings": "Save internal meetings",
            "save_meetings_without_people": "Save meetings with no Contact or Lead to link to",
            "tag_synced_items": "Salesforce category on synced items",
            "sync_attendees_continuously": "Keep attendees in step",
        }


def clean_domains(value: str) -> str:
    """Comma-separated e-mail domains, checked one by one (a typo would make meetings look external)."""
    domains = [d.strip().lower().lstrip("@") for d in value.replace("\n", ",").split(",") if d.strip()]
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise ValidationError(f"Not an e-mail domain: {', '.join(bad)} (write e.g. example.com).")
    return ", ".join(dict.fromkeys(domains))


def converter_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {registry.CONVERTERS[name].description}") for name in registry.names()]


class MappingRowForm(forms.Form):
    """One row of a mapping table. Whether the Salesforce field exists and suits the converter is
    checked against the org's describe by ``mapping_save``, not here."""

    mail_field = forms.ChoiceField(label="Mailbox field", required=False)
    crm_field = forms.CharField(label="Salesforce field", max_length=80)
    # Instead of a mailbox field: the value every new record gets (a required field nothing fills).
    value = forms.CharField(label="Fixed value", max_length=255, required=False)
    direction = forms.ChoiceField(
        label="Direction", choices=MappingDirection.choices, initial=MappingDirection.BOTH
    )
    # Each choice reads "name: description"; the page also lists the converters below the table.
    converter = forms.ChoiceField(label="Converter", initial="text")

    def __init__(self, *args: Any, stream: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mail_field"].choices = [("", "— fixed value")] + [(f, f) for f in mail_fields_of(stream)]
        self.fields["converter"].choices = converter_choices()
        self.fields["crm_field"].widget.attrs.update({"placeholder": "e.g. Region__c", "size": 18})
        self.fields["value"].widget.attrs.update({"placeholder": "only without a mailbox field", "size": 14})
        for field in self.fields.values():  # the page shows the labels once, as column headings
            field.widget.attrs.setdefault("aria-label", field.label)

    def clean_crm_field(self) -> str:
        return self.cleaned_data["crm_field"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mail_field, value = data.get("mail_field"), str(data.get("value") or "").strip()
        if not mail_field and not value:
            raise ValidationError("Choose a mailbox field, or give a fixed value for new records.")
        if mail_field and value:
            raise ValidationError("A row maps a mailbox field or gives a fixed value, not both.")
        data["value"] = value
        return data


class BaseMappingFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = self.rows()
        if not rows:
            raise ValidationError(
                "A table needs at least one row. To go back to the default table, use Reset to default."
            )
        # Salesforce field names are case-insensitive, and a table holds one row per field.
        seen: dict[str, str] = {}
        twice: list[str] = []
        for row in rows:
            first = seen.setdefault(row.crm_field.lower(), row.crm_field)
            if first is not row.crm_field and first not in twice:
                twice.append(first)
        if twice:
            raise ValidationError(
                [
                    f"{name} is mapped more than once: a Salesforce field can have only one row."
                    for name in twice
                ]
            )

    def rows(self) -> list[Row]:
        """The kept rows, in the order they were submitted (blank extra rows are skipped)."""
        return [
            Row(
                mail_field=form.cleaned_data["mail_field"],
                crm_field=form.cleaned_data["crm_field"],
                direction=form.cleaned_data["direction"],
                converter=form.cleaned_data["converter"],
                value=form.cleaned_data["value"],
            )
            for form in self.forms
            if form.cleaned_data and not (self.can_delete and self._should_delete_form(form))
        ]


MappingFormSet = forms.formset_factory(
    MappingRowForm,
    formset=BaseMappingFormSet,
    extra=2,
    can_delete=True,
    max_num=100,
    validate_max=True,
)
MAPPING_PREFIX = "rows"
