"""The org admin's autoresolve settings form."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from autoresolve.models import AutoresolveMode, AutoresolveSettings

_RECORD_ID = re.compile(r"^001[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")  # an Account id, 15 or 18 characters


class AutoresolveSettingsForm(forms.ModelForm):
    class Meta:
        model = AutoresolveSettings
        fields = [
            "mode",
            "auto_create_accounts",
            "auto_lookup_accounts",
            "fixed_account_id",
            "smart_create",
            "create_for_all_unresolved_recipients",
            "lead_source",
        ]

    def __init__(self, *args: Any, person_accounts_available: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not person_accounts_available:  # offered only where the org's describe has them
            mode = self.fields["mode"]
            mode.choices = [c for c in AutoresolveMode.choices if c[0] != AutoresolveMode.PERSON_ACCOUNTS]  # type: ignore[attr-defined]

    def clean_fixed_account_id(self) -> str:
        value = (self.cleaned_data.get("fixed_account_id") or "").strip()
        if value and not _RECORD_ID.match(value):
            raise forms.ValidationError(
                "Enter an Account's id: 15 or 18 letters and digits, starting with 001."
            )
        return value
