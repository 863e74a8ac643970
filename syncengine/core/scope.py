"""Which calendar items are saved to Salesforce (pure): the reference's auto-save patterns.

- An item with the "Salesforce" category is saved, whatever else holds (the user asked for it).
- An item with the "Salesforce Unsync" category is removed from Salesforce and not saved again.
- Otherwise items are auto-saved: meetings (with attendees) the user organises or accepted, and
  appointments (no attendees), each by the user's toggle; never private items; invitations not
  responded to and internal meetings (everyone in the company's domains) only when the org says so.
- Once saved, an item stays synced while it is in the window: removing the category does not
  unsync it (the category is put back), only "Salesforce Unsync" or deleting it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SALESFORCE_CATEGORY = "Salesforce"
UNSYNC_CATEGORY = "Salesforce Unsync"
ANSWERED = {"organizer", "accepted", "tentativelyAccepted"}


class Decision(StrEnum):
    SAVE = "save"
    SKIP = "skip"
    UNSYNC = "unsync"


@dataclass(frozen=True)
class EventScope:
    autosave_meetings: bool = True
    autosave_appointments: bool = True
    save_unresponded_invitations: bool = False
    save_internal_meetings: bool = False
    save_meetings_without_people: bool = False  # SalesforceEventAutoTrackIncludingNotShared
    internal_domains: frozenset[str] = field(default_factory=frozenset)
    # Categories of items another stream shows in the calendar (Salesforce records of another object).
    foreign_categories: frozenset[str] = field(default_factory=frozenset)


def has_category(categories: Iterable[str], name: str) -> bool:
    wanted = name.casefold()
    return any(str(c).strip().casefold() == wanted for c in categories)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


# Why an item is not saved, as a code (the journal and the pages put it in words: LEFT_OUT_WHY).
FOREIGN_CATEGORY = "foreign_category"
PRIVATE = "private"
APPOINTMENTS_OFF = "appointments_off"
MEETINGS_OFF = "meetings_off"
NOT_ANSWERED = "not_answered"
INTERNAL_MEETING = "internal_meeting"
NO_PERSON_TO_LINK = "no_person_to_link"

LEFT_OUT_WHY = {
    FOREIGN_CATEGORY: "It shows a record of another Salesforce object in the calendar.",
    PRIVATE: "It is private: private items are never saved unless given the 'Salesforce' category.",
    APPOINTMENTS_OFF: "It is an appointment (no attendees) and auto-saving appointments is off.",
    MEETINGS_OFF: "It is a meeting and auto-saving meetings is off.",
    NOT_ANSWERED: "It is an invitation not answered yet, and the organization saves only answered ones.",
    INTERNAL_MEETING: "Everyone in it is from the company's own domains; internal meetings are not saved.",
    NO_PERSON_TO_LINK: (
        "No one in it is a Contact or Lead in Salesforce (leaving out the blocklisted), so it has nothing "
        "to be linked to."
    ),
}


def event_decision(meta: Mapping[str, Any], scope: EventScope) -> Decision:
    """What to do with a calendar item that is not (or no longer) paired, from its metadata."""
    categories = meta.get("categories") or []
    if any(has_category(categories, name) for name in scope.foreign_categories):
        return Decision.SKIP  # shown from another Salesforce object: never saved as an Event too
    if has_category(categories, UNSYNC_CATEGORY):
        return Decision.UNSYNC
    if has_category(categories, SALESFORCE_CATEGORY):
        return Decision.SAVE
    return Decision.SKIP if skip_reason(meta, scope) else Decision.SAVE


def skip_reason(meta: Mapping[str, Any], scope: EventScope) -> str:
    """Why auto-saving leaves this item out ("" when it saves it); the categories a person gives an
    item decide before this (event_decision)."""
    categories = meta.get("categories") or []
    if any(has_category(categories, name) for name in scope.foreign_categories):
        return FOREIGN_CATEGORY
    if meta.get("sensitivity") in ("private", "confidential"):
        return PRIVATE
    attendees = [str(a).lower() for a in meta.get("attendees") or []]
    if not attendees:
        return "" if scope.autosave_appointments else APPOINTMENTS_OFF
    if not scope.autosave_meetings:
        return MEETINGS_OFF
    if meta.get("response") not in ANSWERED and not scope.save_unresponded_invitations:
        return NOT_ANSWERED
    if is_internal(meta, scope) and not scope.save_internal_meetings:
        return INTERNAL_MEETING
    return ""


def is_internal(meta: Mapping[str, Any], scope: EventScope) -> bool:
    """Everyone in the meeting, organizer included, is from the company's own domains."""
    people = [str(a).lower() for a in meta.get("attendees") or []] + [
        str(meta.get("organizer") or "").lower()
    ]
    return bool(scope.internal_domains) and all(_domain(p) in scope.internal_domains for p in people if p)
