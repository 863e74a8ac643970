"""Who owns a meeting's Salesforce Event (pure): the reference's rules for in-org organizers.

A meeting several internal people hold has one Event. When its organizer is a synced user of the org,
the organizer's mailbox owns it, whichever mailbox saved it first: the Event's owner becomes the
organizer's Salesforce user when their mailbox first saves it, and only the organizer deleting the
meeting deletes the Event. An attendee deleting their copy only lets go of it (the reference's
deletion table: "the attendee is deleted/declined in Salesforce"). When the organizer is not a synced
user (someone outside, or a colleague without a synced mailbox), the first mailbox to save the meeting
owns the Event, as before.

The reference's ISE-013: with unanswered invitations not saved (the org's setting), an invitation the
attendee has not accepted "cannot be synchronized until the organizer synchronizes it".
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from syncengine.core.scope import ANSWERED

AWAITS_ORGANIZER = "AWAITS_ORGANIZER"
AWAITS_ORGANIZER_MESSAGE = (
    "ISE-013: Meeting for attendees cannot be synchronized until the organizer synchronizes it. "
    "It is tried again at every session, and saved as soon as the organizer's mailbox has saved it "
    "(or once you accept the invitation)."
)


class Role(StrEnum):
    ORGANIZER = "organizer"  # this mailbox is the organizer's: it owns the Event
    ATTENDEE = "attendee"  # the organizer is another synced user: their mailbox owns the Event
    UNKNOWN = "unknown"  # the organizer is no synced user: the first mailbox to save it owns it


def _address(value: str) -> str:
    return value.strip().lower()


def meeting_role(*, organizer: str, response: str, own_address: str, synced_users: Collection[str]) -> Role:
    """This mailbox's part in a meeting. ``synced_users``: lower-case addresses of the org's synced
    users (this mailbox's own among them or not); ``response``: this mailbox's answer to it."""
    who = _address(organizer)
    if response == "organizer" or (who and who == _address(own_address)):
        return Role.ORGANIZER
    if who and who in synced_users:
        return Role.ATTENDEE
    return Role.UNKNOWN


def awaits_organizer(
    *, role: Role, response: str, save_unresponded_invitations: bool, organizer_saved: bool
) -> bool:
    """ISE-013: an attendee's invitation that is not accepted (unanswered or declined) waits for the
    organizer's mailbox to save the meeting, unless the org saves unanswered invitations. Only an
    organizer who syncs can save it first; a meeting from anyone else is saved as the scope says."""
    if role is not Role.ATTENDEE or save_unresponded_invitations or response in ANSWERED:
        return False
    return not organizer_saved
