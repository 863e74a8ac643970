"""Pure converters between the neutral (mail-side) vocabulary and Salesforce field values.

Neutral date-times are UTC strings "YYYY-MM-DDTHH:MM:SSZ"; every converter is total: it returns a
value for None and for odd input instead of raising mid-session.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_instant(value: str | None) -> datetime | None:
    """Parse Graph ("2026-11-27T10:00:00.0000000", UTC implied) and Salesforce ("...000+0000") forms."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if text.endswith("+0000"):
        text = text[:-5] + "+00:00"
    if "." in text:  # Python wants at most 6 fractional digits; Graph sends 7
        head, _, tail = text.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def neutral_instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def instant_to_salesforce(value: str | None) -> str | None:
    parsed = parse_instant(value)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if parsed else None


def instant_from_salesforce(value: str | None) -> str | None:
    return neutral_instant(parse_instant(value))


def text_to_salesforce(value: str | None) -> str | None:
    return value or None  # Salesforce stores "" as null; None keeps the round trip stable


def text_from_salesforce(value: str | None) -> str:
    return value or ""


SHOW_AS_TO_SALESFORCE = {"free": "Free", "oof": "OutOfOffice"}  # everything else is Busy
SHOW_AS_FROM_SALESFORCE = {"Free": "free", "OutOfOffice": "oof", "Busy": "busy"}


def show_as_to_salesforce(value: str | None) -> str:
    return SHOW_AS_TO_SALESFORCE.get(value or "busy", "Busy")


def show_as_from_salesforce(value: str | None) -> str:
    return SHOW_AS_FROM_SALESFORCE.get(value or "Busy", "busy")


def sensitivity_to_is_private(value: str | None) -> bool:
    return value in ("private", "confidential")


def is_private_to_sensitivity(value: Any) -> str:
    return "private" if value is True else "normal"


def boolean(value: Any) -> bool:
    return value is True


def email_to_salesforce(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def email_from_salesforce(value: str | None) -> str:
    return value.strip().lower() if value else ""


def last_name_to_salesforce(value: str | None) -> str:
    """Salesforce requires LastName: a contact saved without one is filed under "(no name)"."""
    return value.strip() if value and value.strip() else "(no name)"
