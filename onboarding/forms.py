"""Input of the org admin's page: which addresses to sync org-wide, and who owns them."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from syncengine.models import Organization

MAX_ADDRESSES = 50  # one Graph lookup each, inside one request


class OrgMailboxesForm(forms.Form):
    addresses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "sales@contoso.com\nrep@contoso.com"}),
        help_text=f"One address per line (or separated by commas), up to {MAX_ADDRESSES}.",
        max_length=MAX_ADDRESSES * 320,
    )
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Whose Salesforce connection the mailboxes sync with, and who sees them on the dashboard.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = get_user_model().objects.filter(memberships__organization=organization).order_by("username")
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]

    def clean_addresses(self) -> list[str]:
        raw = [a.strip().lower() for a in re.split(r"[\s,;]+", self.cleaned_data["addresses"]) if a.strip()]
        addresses = list(dict.fromkeys(raw))
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad[:10])}")
        if not addresses:
            raise ValidationError("Enter at least one address.")
        if len(addresses) > MAX_ADDRESSES:
            raise ValidationError(
                f"At most {MAX_ADDRESSES} addresses at a time (you entered {len(addresses)})."
            )
        return addresses
