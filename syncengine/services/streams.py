"""Which streams a mailbox syncs, and how each one reads, scopes and maps (from the org's settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from connectors.neutral.times import Window
from connectors.salesforce import queries
from mapping.calendar_sources import SourceFields, source_rules, window_condition
from mapping.defaults import contact_rules, event_rules, task_rules
from mapping.services import rules_for
from syncengine.core.rules import StreamRules, one_way
from syncengine.core.scope import EventScope
from syncengine.models import CalendarSource, Mailbox, Organization, SyncSettings
from syncengine.services.connectors import supported_streams


@dataclass(frozen=True)
class StreamSpec:
    rules: StreamRules
    windowed: bool  # calendar items: only a sliding window of time is synced
    label_field: str  # the Salesforce field people recognise a record by
    crm_scope: Callable[[Window | None], str]  # SOQL condition for a stream's first, full read
    window_days: tuple[int, int] = (14, 60)
    scope: EventScope | None = None  # calendar items: which ones are saved at all
    tag_category: bool = False  # give synced items the "Salesforce" category
    natural_key: tuple[str, ...] = ()  # neutral fields that find an existing record instead of a twin
    # "org": look in all of Salesforce (contacts, meetings); "own": in the user's records just read.
    natural_key_scope: str = "org"
    mail_stream: str = ""  # the mailbox stream read and written, when not the stream itself
    mail_category: str = ""  # the category items made in the mailbox get (a calendar source's)
    only_category: str = ""  # mailbox items not synced yet count only with this category
    crm_filter: str = ""  # SOQL every Salesforce read of the stream adds
    link_records: bool = False  # new records get their business record (WhatId) from the linker
    continuous_attendees: bool = True  # meetings: attendee changes after the first save follow too

    @property
    def stream(self) -> str:
        return self.rules.stream

    @property
    def mail_side_stream(self) -> str:
        return self.mail_stream or self.rules.stream

    def window(self, now: datetime) -> Window | None:
        """The sliding window, aligned to whole days so the delta cursor stays valid all day."""
        if not self.windowed:
            return None
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        back, ahead = self.window_days
        return Window(start=day - timedelta(days=back), end=day + timedelta(days=ahead + 1))


def _event_scope(window: Window | None) -> str:
    if window is None:
        return ""
    return queries.event_window(window.start, window.end)


def sync_settings_for(organization: Organization) -> SyncSettings:
    found, _ = SyncSettings.objects.get_or_create(
        organization=organization,
        defaults={
            "window_days_back": settings.SYNC_WINDOW_DAYS_BACK,
            "window_days_ahead": settings.SYNC_WINDOW_DAYS_AHEAD,
            "max_delete_share": settings.SYNC_MAX_DELETE_SHARE,
        },
    )
    return found


def event_scope(
    options: SyncSettings, mailbox: Mailbox | None, foreign_categories: frozenset[str] = frozenset()
) -> EventScope:
    domains = {d.strip().lower().lstrip("@") for d in options.internal_domains.split(",") if d.strip()}
    return EventScope(
        autosave_meetings=mailbox.autosave_meetings if mailbox else True,
        autosave_appointments=mailbox.autosave_appointments if mailbox else True,
        save_unresponded_invitations=options.save_unresponded_invitations,
        save_internal_meetings=options.save_internal_meetings,
        save_meetings_without_people=options.save_meetings_without_people,
        internal_domains=frozenset(domains),
        foreign_categories=foreign_categories,
    )


def calendar_source_specs(sources: list[CalendarSource], days: tuple[int, int]) -> list[StreamSpec]:
    """Other Salesforce objects shown in the calendar, one way (mapping.calendar_sources)."""
    specs: list[StreamSpec] = []
    for source in sources:
        fields = SourceFields(
            crm_object=source.crm_object,
            subject_field=source.subject_field,
            start_field=source.start_field,
            end_field=source.end_field,
            date_field=source.date_field,
            description_field=source.description_field,
        )

        def scope(window: Window | None, fields: SourceFields = fields) -> str:
            return window_condition(fields, window.start, window.end) if window else ""

        specs.append(
            StreamSpec(
                source_rules(source.stream, fields, two_way=source.two_way),
                windowed=True,
                label_field=source.subject_field,
                crm_scope=scope,
                window_days=days,
                mail_stream="events",
                mail_category=source.category,
                only_category=source.category,
            )
        )
    return specs


def stream_specs(organization: Organization, mailbox: Mailbox | None = None) -> list[StreamSpec]:
    """The streams to sync, in order; ``mailbox`` adds its owner's own auto-save toggles."""
    options = sync_settings_for(organization)
    common = {
        "conflict_policy": options.conflict_policy,
        "max_delete_share": options.max_delete_share,
        "max_delete_min_count": settings.SYNC_MAX_DELETE_MIN_COUNT,
    }
    specs: list[StreamSpec] = []
    days = (options.window_days_back, options.window_days_ahead)
    every_source = list(CalendarSource.objects.filter(organization=organization).order_by("pk"))
    sources = [source for source in every_source if source.enabled]
    if options.sync_events:
        rules = event_rules(
            create_in_mail=options.events_from_salesforce,
            delete_in_mail=not options.events_deleted_in_salesforce_leave_mailbox,
            **common,
        )
        # Stopped sources too: their items stay in calendars and are never saved as Events.
        foreign = frozenset(source.category for source in every_source)
        specs.append(
            StreamSpec(
                one_way(rules_for(organization, rules), options.events_direction),
                windowed=True,
                label_field="Subject",
                crm_scope=_event_scope,
                window_days=days,
                scope=event_scope(options, mailbox, foreign),
                link_records=True,
                tag_category=options.tag_synced_items,
                continuous_attendees=options.sync_attendees_continuously,
                natural_key=("subject", "start"),
            )
        )
    specs += calendar_source_specs(sources, days)
    if options.sync_tasks:
        # Open Salesforce tasks come down at first; afterwards every change to the user's tasks.
        rules = one_way(rules_for(organization, task_rules(**common)), options.tasks_direction)
        specs.append(
            StreamSpec(
                rules,
                False,
                "Subject",
                lambda w: "Status != 'Completed'",
                natural_key=("subject", "due_date"),
                natural_key_scope="own",  # a task matches only the same owner's
                # Tasks that record saved emails belong to email saving, not to the To Do list.
                crm_filter="TaskSubtype != 'Email'",
                link_records=True,
            )
        )
    if options.sync_contacts:
        rules = one_way(
            rules_for(organization, contact_rules(auto_removal=options.contacts_auto_removal, **common)),
            options.contacts_direction,
        )
        specs.append(StreamSpec(rules, False, "Name", lambda w: "", natural_key=("email",)))
    return specs


STREAM_NAMES = {"events": "calendar items", "tasks": "tasks", "contacts": "contacts"}


def unsupported_streams(mailbox: Mailbox) -> list[str]:
    """What the org syncs that this mailbox's provider cannot (said on the dashboard, never skipped
    silently): plain names, in the order the streams run."""
    supported = supported_streams(mailbox)
    wanted = dict.fromkeys(spec.mail_side_stream for spec in stream_specs(mailbox.organization, mailbox))
    return [STREAM_NAMES.get(stream, stream) for stream in wanted if stream not in supported]
