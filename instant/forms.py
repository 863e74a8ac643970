"""The org admin's instant sync form; its ranges come from the model's validators."""

from __future__ import annotations

from django import forms

from instant.models import InstantSettings


class InstantSettingsForm(forms.ModelForm):
    class Meta:
        model = InstantSettings
        fields = [
            "enabled",
            "from_salesforce",
            "trigger_on_add",
            "trigger_on_update",
            "trigger_on_delete",
            "min_seconds_between",
        ]
