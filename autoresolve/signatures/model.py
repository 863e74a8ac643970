"""What goes into the signature reader and what comes out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PhoneKind = Literal["work", "mobile", "fax"]

# Below this a field is left empty rather than written to a Lead or Contact: a wrong title or phone
# on a record people call from is worse than none.
WRITE_THRESHOLD = 0.8


@dataclass(frozen=True)
class SignedEmail:
    """An email as the reader needs it: its bodies and the sender as the mail client shows them."""

    text: str = ""
    html: str = ""
    from_name: str = ""
    from_address: str = ""


@dataclass(frozen=True)
class Found:
    value: str = ""
    confidence: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.value)


NOTHING = Found()


@dataclass(frozen=True)
class Phone:
    number: str  # E.164
    kind: PhoneKind
    confidence: float


@dataclass(frozen=True)
class Signature:
    first_name: Found = NOTHING
    last_name: Found = NOTHING
    title: Found = NOTHING
    company: Found = NOTHING
    street: Found = NOTHING
    city: Found = NOTHING
    postal_code: Found = NOTHING
    country: Found = NOTHING  # ISO 3166-1 alpha-2, only when the mail names the country
    phones: tuple[Phone, ...] = field(default_factory=tuple)

    TEXT_FIELDS = ("first_name", "last_name", "title", "company", "street", "city", "postal_code", "country")

    def confident(self, threshold: float = WRITE_THRESHOLD) -> dict[str, str]:
        """The text fields sure enough to write; the rest are left out."""
        found = {name: getattr(self, name) for name in self.TEXT_FIELDS}
        return {name: f.value for name, f in found.items() if f and f.confidence >= threshold}

    def confident_phones(self, threshold: float = WRITE_THRESHOLD) -> list[Phone]:
        return [phone for phone in self.phones if phone.confidence >= threshold]
