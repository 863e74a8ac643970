"""Forms of the blocklist pages. Each typed entry is validated here for per-line messages; the
services validate again, so no path around the form stores a malformed entry."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

from blocklists.core import BlocklistInputError, parse_lines, validate_domain, validate_entry
from blocklists.models import NOTE_MAX_LENGTH

MAX_ENTRIES_PER_ADD = 500
MAX_PASTE_CHARACTERS = 100_000


def _clean_lines(text: str, validate: Callable[[str], str], what: str) -> list[str]:
    pieces = parse_lines(text)
    if not pieces:
        raise ValidationError(f"Enter {what}.")
    if len(pieces) > MAX_ENTRIES_PER_ADD:
        raise ValidationError(
            f"That is {len(pieces)} entries: add at most {MAX_ENTRIES_PER_ADD} at a time. Nothing was added."
        )
    problems: list[str] = []
    for piece in pieces:
        try:
            validate(piece)
        except BlocklistInputError as error:
            problems.append(str(error))
    if problems:
        raise ValidationError(problems)
    return pieces


def _pasted_lines_field(
    label: str, *, rows: int, cols: int, placeholder: str, help_text: str
) -> forms.CharField:
    """A text area for pasted lines (or comma-separated values), at most MAX_PASTE_CHARACTERS."""
    return forms.CharField(
        label=label,
        max_length=MAX_PASTE_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": rows, "cols": cols, "placeholder": placeholder}),
        help_text=help_text,
    )


class EntriesForm(forms.Form):
    """One or several addresses or domains (pasted lines, or separated by commas)."""

    entries = _pasted_lines_field(
        "Addresses or domains",
        rows=3,
        cols=50,
        placeholder="name@example.com\nexample.com",
        help_text="One per line (or separated by commas). A domain also covers its subdomains. No wildcards.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Optional: why these are blocked",
    )

    def clean_entries(self) -> list[str]:
        return _clean_lines(
            self.cleaned_data["entries"],
            validate_entry,
            "an address (name@example.com) or a domain (example.com)",
        )


class FreeDomainsForm(forms.Form):
    """Domains to put on the organization's free-email-domain list."""

    domains = _pasted_lines_field(
        "Domains",
        rows=2,
        cols=40,
        placeholder="freemail.example",
        help_text="One per line (or separated by commas): domains only, no addresses.",
    )

    def clean_domains(self) -> list[str]:
        return _clean_lines(self.cleaned_data["domains"], validate_domain, "a domain, such as example.com")


class BlocklistSettingsForm(forms.Form):
    free_domains_enabled = forms.BooleanField(
        label="Block free email domains",
        required=False,
        help_text="gmail.com, yahoo.com and the other domains of the list below: never linked, never "
        "auto-saved",
    )
    users_may_remove_org_entries = forms.BooleanField(
        label="Users may remove org entries",
        required=False,
        help_text="Each user may lift an entry of this list for themselves (internal domains excepted)",
    )


class CheckForm(forms.Form):
    """Which layer, if any, blocks an address: so people can see what the engine will do."""

    address = forms.CharField(label="Check an address", max_length=320)
