"""The seams feature apps plug into: each registers here from its ``AppConfig.ready()``, and the engine
calls what is registered without importing the app (imports point one way: features -> engine).

- **Session steps**: work a session does after its streams, with the same connectors and lease, and
  guarded like a stream (email saving is one).
- **People rules**: whom a mailbox's activities may name (the blocklists: the org's and the user's
  layers, the free-email domains, the company's own people).
- **Link filters**: which business records the linker picks for a new activity (the email settings).
- **Retention**: what a feature app keeps that the daily clean-up removes once old.
- **Session observers**: told when a session has ended and the mailbox's state is stored (the
  notifications). An observer's failure is logged and never touches the session.
- **People maker**: makes Salesforce records for the participants of items being saved whom no Lead or
  Contact has (autoresolving), so the items link to them in the same session.

Nothing registered: every address may be named, the linker uses the reference's filters, and a
session syncs its streams only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from syncengine.core.linking import LinkFilters

if TYPE_CHECKING:
    from syncengine.models import Mailbox, Organization, SyncSession
    from syncengine.services.leases import Lease


@dataclass(frozen=True)
class PeopleRules:
    """``blocked``: never linked as a Contact or Lead, never made one. ``relatable``: may be related to
    an activity (colleagues are blocked as Contacts, and related as the Users they are)."""

    blocked: Callable[[str], bool]
    relatable: Callable[[str], bool]
    free_email_domains: frozenset[str] = frozenset()


NOBODY_BLOCKED = PeopleRules(blocked=lambda address: False, relatable=bool)


@dataclass(frozen=True)
class Unresolved:
    """A participant of an item being saved whom Salesforce knows nothing of."""

    address: str
    display_name: str = ""
    text: str = ""  # an email they sent (its plain and HTML bodies), for their signature
    html: str = ""
    resource: bool = False  # a room or equipment
    mailing_list: bool = False
    source: str = ""  # the email or meeting, in words, for the org admin's list
    auto_saved: bool = False  # the item is saved because auto-save chose it (not a category or folder)


# The issue code of people who could not be made (the emails step and the calendar's attendees).
AUTORESOLVE_FAILED = "AUTORESOLVE_FAILED"


@dataclass(frozen=True)
class MadePerson:
    address: str
    sobject: str  # Lead or Contact
    id: str
    account_id: str = ""


@dataclass(frozen=True)
class PeopleMade:
    people: tuple[MadePerson, ...] = ()
    problem: str = ""  # why some could not be made, in words, for an issue


PeopleMaker = Callable[["Mailbox", Any, Sequence[Unresolved]], PeopleMade]
# Of these addresses, the ones the maker would make a record for (no Salesforce call): a meeting
# with no Contact or Lead among its people is saved only if one of them is about to become one.
PeopleMakeable = Callable[["Mailbox", Sequence[str]], frozenset[str]]


@dataclass(frozen=True)
class PeopleMaking:
    """What the people-making app offers: ``make`` the records, say which addresses it would
    ``makeable``, and whether it is ``enabled`` for an organization (the settings that rely on it
    check this)."""

    make: PeopleMaker
    makeable: PeopleMakeable
    enabled: Callable[[Organization], bool]


@dataclass(frozen=True)
class StepContext:
    """What a session step gets: the session's mailbox, lease, connectors and clock."""

    mailbox: Mailbox
    lease: Lease
    session: SyncSession | None
    mail: Any  # the mailbox's connector (connectors/base.py says what each side offers)
    crm: Any
    now: datetime


class StepReport(Protocol):
    issues: int

    def as_dict(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class SessionStep:
    """``run`` returns its report, or None when it has nothing to do for this mailbox (its feature is
    off for the organization, or the provider cannot do it). ``stream`` names it in counts and issues."""

    stream: str
    title: str  # "Emails were not saved this time"
    run: Callable[[StepContext], StepReport | None]


@dataclass(frozen=True)
class SessionEnded:
    """A session that ended, and the mailbox as it left it (status, suspension, failures in a row).
    A session runs only in a mailbox that is not suspended: a suspended one was suspended by it."""

    mailbox: Mailbox
    session: SyncSession


_steps: list[SessionStep] = []
_observers: dict[str, Callable[[SessionEnded], None]] = {}
_retention: dict[str, Callable[[datetime], int]] = {}
_people_rules: list[Callable[[Mailbox], PeopleRules]] = []
_link_filters: list[Callable[[Mailbox], LinkFilters]] = []
_people_making: list[PeopleMaking] = []


def register_session_step(step: SessionStep) -> None:
    if all(s.stream != step.stream for s in _steps):  # ready() may run twice (tests, autoreload)
        _steps.append(step)


def register_people_rules(rules_for: Callable[[Mailbox], PeopleRules]) -> None:
    _people_rules[:] = [rules_for]


def register_link_filters(filters_for: Callable[[Mailbox], LinkFilters]) -> None:
    _link_filters[:] = [filters_for]


def register_people_maker(making: PeopleMaking) -> None:
    _people_making[:] = [making]


def people_makeable(mailbox: Mailbox, addresses: Sequence[str]) -> frozenset[str]:
    """The addresses a session's people maker would make records for (none when no app makes people)."""
    if not _people_making or not addresses:
        return frozenset()
    return _people_making[0].makeable(mailbox, addresses)


def people_maker_registered() -> bool:
    return bool(_people_making)


def people_making_enabled(organization: Organization) -> bool:
    """Whether an app makes people for this organization (Forced and Smart auto-save need it)."""
    return bool(_people_making) and _people_making[0].enabled(organization)


def people_make(mailbox: Mailbox, crm: Any, people: Sequence[Unresolved]) -> PeopleMade:
    """The records made for ``people`` (none when no app makes people, or none is unresolved)."""
    if not _people_making or not people:
        return PeopleMade()
    return _people_making[0].make(mailbox, crm, people)


def register_session_observer(name: str, observer: Callable[[SessionEnded], None]) -> None:
    _observers[name] = observer  # by name: ready() may run twice


def session_observers() -> list[Callable[[SessionEnded], None]]:
    return list(_observers.values())


def register_retention(name: str, clean_up: Callable[[datetime], int]) -> None:
    """``clean_up(cutoff)`` removes the app's rows older than the retention cutoff; returns how many."""
    _retention[name] = clean_up


def retention_steps() -> dict[str, Callable[[datetime], int]]:
    return dict(_retention)


def session_steps() -> list[SessionStep]:
    return list(_steps)


def people_rules_for(mailbox: Mailbox) -> PeopleRules:
    return _people_rules[0](mailbox) if _people_rules else NOBODY_BLOCKED


def link_filters_for(mailbox: Mailbox) -> LinkFilters:
    """The org's link filters, with the free-email domains of its people rules (its own edits of the
    list included): every linker of the org reads this one."""
    filters = _link_filters[0](mailbox) if _link_filters else LinkFilters()
    free = people_rules_for(mailbox).free_email_domains
    return replace(filters, free_email_domains=free) if free else filters
