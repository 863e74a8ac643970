"""Reads and writes of the blocklists. ``blocklist_for`` is what the sync engine calls: once per
session, fresh from the database, so a change made on a page applies from the next session on
(the reference needed a sign-out; we do not)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from blocklists.core import (
    EXAMPLE,
    REASON_INTERNAL,
    Blocklist,
    BlocklistInputError,
    validate_domain,
    validate_entry,
)
from blocklists.free_domains import DEFAULT_FREE_EMAIL_DOMAINS
from blocklists.models import (
    NOTE_MAX_LENGTH,
    BlocklistSettings,
    FreeDomainChange,
    OrgBlocklistEntry,
    UserBlocklistEntry,
    UserEntryAction,
)
from syncengine.models import Mailbox, Organization, SyncSettings


class BlocklistError(Exception):
    """A blocklist change that is not allowed; the message says why, for the person who asked."""


class EntriesError(BlocklistInputError):
    """Some of the typed entries are malformed: one message per problem, nothing was added."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass
class AddResult:
    """What happened to each entry of an add: new, already there, or already always blocked."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)


# --- reads ------------------------------------------------------------------------------------


def blocklist_settings_for(organization: Organization) -> BlocklistSettings:
    """The organization's blocklist options; the defaults (unsaved) when it never changed them,
    so reading never writes."""
    found = BlocklistSettings.objects.filter(organization=organization).first()
    return found or BlocklistSettings(organization=organization)


def internal_domains_of(organization: Organization) -> list[str]:
    """The organization's own domains (SyncSettings.internal_domains), always blocked. Read only:
    an organization without sync settings yet simply has none."""
    raw = SyncSettings.objects.filter(organization=organization).values_list("internal_domains", flat=True)
    text = next(iter(raw), "") or ""
    domains: list[str] = []
    for piece in text.replace(";", ",").split(","):
        try:
            domain = validate_domain(piece)
        except BlocklistInputError:
            continue  # a malformed domain there blocks nothing; the org settings page owns that field
        if domain not in domains:
            domains.append(domain)
    return domains


def internal_addresses_of(organization: Organization) -> list[str]:
    """The organization's own mailbox addresses: colleagues, internal whatever their domain (a
    small company on gmail.com has no internal domain to list)."""
    return sorted(
        {
            a.lower()
            for a in Mailbox.objects.filter(organization=organization).values_list("address", flat=True)
        }
    )


def free_domains_of(organization: Organization) -> list[str]:
    """The organization's free-email-domain list (the global defaults with its own changes),
    sorted; whether it applies is ``BlocklistSettings.free_domains_enabled``."""
    domains = set(DEFAULT_FREE_EMAIL_DOMAINS)
    for domain, included in FreeDomainChange.objects.filter(organization=organization).values_list(
        "domain", "included"
    ):
        if included:
            domains.add(domain)
        else:
            domains.discard(domain)
    return sorted(domains)


def _lifting_allowed(options: BlocklistSettings) -> bool:
    return options.users_may_remove_org_entries


def blocklist_for(user: AbstractBaseUser | None, organization: Organization) -> Blocklist:
    """The blocklist a session of ``user``'s mailbox in ``organization`` applies: internal domains
    and the organization's own mailbox addresses, the user's entries, the org entries (less those
    the user lifted, where the org permits it) and the free-email domains (when on).
    ``user`` may be None for the org-wide layers only. Six small queries, no writes."""
    options = blocklist_settings_for(organization)
    org_values = set(
        OrgBlocklistEntry.objects.filter(organization=organization).values_list("value", flat=True)
    )
    own: list[str] = []
    if user is not None:
        rows = UserBlocklistEntry.objects.filter(organization=organization, user=user).values_list(
            "value", "action"
        )
        for value, action in rows:
            if action == UserEntryAction.BLOCK:
                own.append(value)
            elif _lifting_allowed(options):
                org_values.discard(value)
    return Blocklist.build(
        internal_domains=internal_domains_of(organization),
        internal_addresses=internal_addresses_of(organization),
        user=own,
        org=org_values,
        free_domains=free_domains_of(organization) if options.free_domains_enabled else (),
    )


def blocklist_for_mailbox(mailbox: Mailbox) -> Blocklist:
    """``blocklist_for`` the mailbox's owner in the mailbox's organization."""
    return blocklist_for(mailbox.owner, mailbox.organization)


def _internally_blocked(value: str, internal: Iterable[str]) -> bool:
    """Whether an internal domain already covers this entry (a domain is tested as an address in it)."""
    probe = value if "@" in value else f"postmaster@{value}"
    return Blocklist.build(internal_domains=internal).reason(probe) == REASON_INTERNAL


def _entries_add(
    *, organization: Organization, texts: Iterable[str], note: str, store: Callable[[str, str], bool]
) -> AddResult:
    """The add path both layers share: validate every text first (all or nothing), leave out what
    an internal domain already blocks, and let ``store(value, note)`` write one entry of its layer
    (True: it is added now; False: it was there already)."""
    values = _validated(texts)
    checked_note = _checked_note(note)
    internal = internal_domains_of(organization)
    result = AddResult()
    for value in values:
        if _internally_blocked(value, internal):
            result.internal.append(value)
            continue
        (result.added if store(value, checked_note) else result.already).append(value)
    return result


def entry_remove(*, entry: OrgBlocklistEntry | UserBlocklistEntry) -> None:
    """Remove one row of either layer: an org entry, or one of a user's own rows (a block of theirs,
    or a lift, so the org entry applies to them again)."""
    entry.delete()


# --- writes: the org admins' layer ------------------------------------------------------------


@transaction.atomic
def org_entries_add(
    *, organization: Organization, texts: Iterable[str], added_by: AbstractBaseUser | None, note: str = ""
) -> AddResult:
    """Add entries to the org layer. Every text is validated first: one malformed entry refuses
    the whole batch (BlocklistInputError with every problem), so nothing is half-added."""

    def store(value: str, checked_note: str) -> bool:
        _, created = OrgBlocklistEntry.objects.get_or_create(
            organization=organization, value=value, defaults={"added_by": added_by, "note": checked_note}
        )
        return created

    return _entries_add(organization=organization, texts=texts, note=note, store=store)


def blocklist_settings_save(
    *, organization: Organization, free_domains_enabled: bool, users_may_remove_org_entries: bool
) -> BlocklistSettings:
    options, _ = BlocklistSettings.objects.update_or_create(
        organization=organization,
        defaults={
            "free_domains_enabled": free_domains_enabled,
            "users_may_remove_org_entries": users_may_remove_org_entries,
        },
    )
    return options


@transaction.atomic
def free_domains_add(
    *, organization: Organization, texts: Iterable[str], changed_by: AbstractBaseUser | None
) -> AddResult:
    """Put domains on the organization's free-email-domain list (validated as domains only)."""
    domains = _validated(texts, validate=validate_domain)
    current = set(free_domains_of(organization))
    result = AddResult()
    for domain in domains:
        if domain in current:
            result.already.append(domain)
            continue
        if domain in DEFAULT_FREE_EMAIL_DOMAINS:  # a default taken out earlier: undo that
            FreeDomainChange.objects.filter(organization=organization, domain=domain).delete()
        else:
            FreeDomainChange.objects.update_or_create(
                organization=organization,
                domain=domain,
                defaults={"included": True, "changed_by": changed_by},
            )
        current.add(domain)
        result.added.append(domain)
    return result


@transaction.atomic
def free_domain_remove(
    *, organization: Organization, domain: str, changed_by: AbstractBaseUser | None
) -> None:
    """Take a domain off the organization's free-email-domain list."""
    if domain not in free_domains_of(organization):
        raise BlocklistError(f"{domain} is not on the free-email-domain list.")
    if domain in DEFAULT_FREE_EMAIL_DOMAINS:
        FreeDomainChange.objects.update_or_create(
            organization=organization, domain=domain, defaults={"included": False, "changed_by": changed_by}
        )
    else:
        FreeDomainChange.objects.filter(organization=organization, domain=domain).delete()


def free_domains_reset(*, organization: Organization) -> None:
    """Back to the global default list."""
    FreeDomainChange.objects.filter(organization=organization).delete()


# --- writes: the user's layer -----------------------------------------------------------------


@transaction.atomic
def user_entries_add(
    *, user: AbstractBaseUser, organization: Organization, texts: Iterable[str], note: str = ""
) -> AddResult:
    """Add entries to the user's own layer (validated like the org layer: all or nothing).
    Blocking a value the user had lifted from the org list turns the lift into a block."""

    def store(value: str, checked_note: str) -> bool:
        entry, created = UserBlocklistEntry.objects.get_or_create(
            organization=organization, user=user, value=value, defaults={"note": checked_note}
        )
        if created:
            return True
        if entry.action == UserEntryAction.ALLOW:
            entry.action = UserEntryAction.BLOCK
            entry.save(update_fields=["action"])
            return True
        return False

    return _entries_add(organization=organization, texts=texts, note=note, store=store)


def user_org_entry_lift(
    *, user: AbstractBaseUser, organization: Organization, org_entry: OrgBlocklistEntry
) -> None:
    """Lift an org entry for this user only, where the organization permits it."""
    if org_entry.organization_id != organization.pk:
        raise BlocklistError("That entry is not on this organization's blocklist.")
    if not blocklist_settings_for(organization).users_may_remove_org_entries:
        raise BlocklistError(
            f"{organization} does not let users remove entries of the organization's blocklist."
        )
    own = UserBlocklistEntry.objects.filter(
        organization=organization, user=user, value=org_entry.value
    ).first()
    if own is not None and own.action == UserEntryAction.BLOCK:
        raise BlocklistError(f"You block {org_entry.shown} yourself: remove it from your own entries first.")
    if own is None:  # get_or_create: a double click lifts once
        UserBlocklistEntry.objects.get_or_create(
            organization=organization,
            user=user,
            value=org_entry.value,
            defaults={"action": UserEntryAction.ALLOW},
        )


def _checked_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise EntriesError([f"A note holds at most {NOTE_MAX_LENGTH} characters (this one has {len(note)})."])
    return note


def _validated(texts: Iterable[str], validate: Callable[[str], str] = validate_entry) -> list[str]:
    """Each text validated (in order, duplicates once); all problems at once when any is wrong."""
    values: list[str] = []
    problems: list[str] = []
    for text in texts:
        try:
            value = validate(text)
        except BlocklistInputError as error:
            problems.append(str(error))
            continue
        if value not in values:
            values.append(value)
    if problems:
        raise EntriesError(problems)
    if not values:
        raise EntriesError([f"Enter {EXAMPLE}."])
    return values
