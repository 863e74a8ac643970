"""The operations console: the pages org admins and support staff run the sync from. Thin views:
the guard (console/access.py), one read or one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from console.access import console_organization_or_404, console_organizations, is_org_admin
from console.csv_export import csv_response
from console.history import PERIODS, issues_of, sessions_of
from console.membership import pending_invitations
from console.models import ResyncRequest, SyncPreview
from console.pages import console_context
from console.people import PersonRow, people_rows
from console.people_views import InviteForm
from console.previews import full_resync, preview_request
from console.resync import ResyncTarget, resync_request
from console.sources import error_source
from console.stats import OUTCOME_COLORS, organization_stats, stacked_bars
from console.trace import people_made_matching, trace_find, what_happened
from syncengine.models import (
    ConnectionStatus,
    JournalEntry,
    Mailbox,
    Membership,
    Organization,
    Outcome,
    SalesforceConnection,
    SyncSession,
)
from syncengine.services.failures import cause_advice
from syncengine.services.health import HEALTH_LABELS, health_of

PAGE_SIZE = 50


def _mailbox_id(request: HttpRequest) -> int | None:
    value = request.GET.get("mailbox", "")
    return int(value) if value.isdigit() else None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    organizations = list(console_organizations(user=request.user))
    if not organizations:
        raise Http404  # a plain user's page is the dashboard
    if len(organizations) == 1:
        return HttpResponseRedirect(reverse("console:people", args=[organizations[0].pk]))
    return render(request, "console/index.html", {"organizations": organizations})


@login_required
def people(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    query, health = request.GET.get("q", "").strip(), request.GET.get("health", "")
    rows = people_rows(organization=organization, now=timezone.now(), query=query, health=health)
    if request.GET.get("format") == "csv":
        return csv_response(f"people-{organization.slug}.csv", PEOPLE_CSV_HEADER, _people_csv(rows))
    counts: dict[str, int] = {}
    for row in people_rows(organization=organization, now=timezone.now()):
        for mb in row.mailboxes:
            counts[mb.health.key] = counts.get(mb.health.key, 0) + 1
    context = console_context(
        request,
        organization,
        "people",
        rows=rows,
        query=query,
        health=health,
        health_choices=[(key, label, counts.get(key, 0)) for key, label in HEALTH_LABELS.items()],
        may_change=is_org_admin(user=request.user, organization=organization),
        invite_form=InviteForm(),
        invitations=pending_invitations(organization),
    )
    return render(request, "console/people.html", context)


@login_required
def person(request: HttpRequest, organization_id: int, user_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), organization=organization, user_id=user_id
    )
    now = timezone.now()
    connection = SalesforceConnection.objects.filter(organization=organization, user_id=user_id).first()
    connected = connection is not None and connection.status != ConnectionStatus.REVOKED
    mailboxes = []
    for mailbox in Mailbox.objects.filter(organization=organization, owner_id=user_id).order_by("address"):
        open_issues = issues_of(organization=organization, mailbox_id=mailbox.pk)
        mailboxes.append(
            {
                "mailbox": mailbox,
                "health": health_of(
                    mailbox, now=now, salesforce_connected=connected, open_issues=open_issues.count()
                ),
                "advice": cause_advice(
                    code=mailbox.cause_code, suspended=mailbox.suspended, next_try=mailbox.next_due_at
                ),
                "sessions": sessions_of(organization=organization, now=now, mailbox_id=mailbox.pk, period="")[
                    :20
                ],
                "issues": open_issues[:20],
                "settings": _mailbox_settings(mailbox),
            }
        )
    context = console_context(
        request,
        organization,
        "people",
        member=membership,
        connection=connection,
        mailboxes=mailboxes,
        may_change=is_org_admin(user=request.user, organization=organization),
    )
    return render(request, "console/person.html", context)


PEOPLE_CSV_HEADER = [
    "username",
    "name",
    "role",
    "mailbox",
    "provider",
    "health",
    "why",
    "last synced",
    "open issues",
]


def _people_csv(rows: list[PersonRow]) -> list[list[object]]:
    """One line per mailbox; a person with none has one line of their own."""
    lines: list[list[object]] = []
    for row in rows:
        person_cells = [row.user.username, row.user.get_full_name(), row.role_label]
        if not row.mailboxes:
            lines.append([*person_cells, "", "", "", "", "", ""])
        for mb in row.mailboxes:
            synced = mb.mailbox.last_synced_at
            lines.append(
                [
                    *person_cells,
                    mb.mailbox.address,
                    mb.mailbox.get_provider_display(),
                    mb.health.label,
                    mb.health.why,
                    synced.isoformat() if synced else "",
                    mb.open_issues,
                ]
            )
    return lines


def _mailbox_settings(mailbox: Mailbox) -> list[tuple[str, str]]:
    email = getattr(mailbox, "email_settings", None)
    return [
        ("Sync interval", f"{mailbox.sync_interval_minutes} minutes"),
        ("Auto-save meetings", "on" if mailbox.autosave_meetings else "off"),
        ("Auto-save appointments", "on" if mailbox.autosave_appointments else "off"),
        ("Email auto-save", email.get_auto_save_display() if email is not None else "off"),
    ]


@login_required
def sessions(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    outcome, period = request.GET.get("outcome", ""), request.GET.get("period", "week")
    found = sessions_of(
        organization=organization,
        now=timezone.now(),
        outcome=outcome,
        mailbox_id=_mailbox_id(request),
        period=period,
    )
    if request.GET.get("format") == "csv":
        return csv_response(
            f"sessions-{organization.slug}.csv",
            [
                "mailbox",
                "trigger",
                "outcome",
                "started",
                "finished",
                "seconds",
                "error code",
                "error",
                "counts",
                "api calls",
            ],
            (
                [
                    s.mailbox.address,
                    s.get_trigger_display(),
                    s.get_outcome_display(),
                    s.started_at.isoformat(),
                    s.finished_at.isoformat() if s.finished_at else "",
                    s.duration_seconds or "",
                    s.error_code,
                    s.error,
                    s.counts,
                    s.api_calls,
                ]
                for s in found.iterator()
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = console_context(
        request,
        organization,
        "sessions",
        page=page,
        outcome=outcome,
        period=period,
        outcomes=Outcome.choices,
        periods=[*PERIODS, "all"],
        mailbox_filter=_mailbox_id(request),
        csv_query=_with(request, format="csv"),
    )
    return render(request, "console/sessions.html", context)


def _with(request: HttpRequest, **values: str) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


@login_required
def issues(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    state, code, stream = (
        request.GET.get("state", "open"),
        request.GET.get("code", ""),
        request.GET.get("stream", ""),
    )
    found = issues_of(
        organization=organization, state=state, code=code, stream=stream, mailbox_id=_mailbox_id(request)
    )
    if request.GET.get("format") == "csv":
        return csv_response(
            f"issues-{organization.slug}.csv",
            [
                "mailbox",
                "stream",
                "code",
                "item",
                "message",
                "mail id",
                "salesforce id",
                "occurrences",
                "first seen",
                "last seen",
                "resolved",
            ],
            (
                [
                    i.mailbox.address,
                    i.stream,
                    i.code,
                    i.item_label,
                    i.message,
                    i.mail_id,
                    i.crm_id,
                    i.occurrences,
                    i.first_seen_at.isoformat(),
                    i.last_seen_at.isoformat(),
                    "yes" if i.resolved else "no",
                ]
                for i in found.iterator()
            ),
        )
    codes = sorted(set(issues_of(organization=organization, state="all").values_list("code", flat=True)))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = console_context(
        request,
        organization,
        "issues",
        page=page,
        state=state,
        code=code,
        stream=stream,
        codes=codes,
        csv_query=_with(request, format="csv"),
    )
    return render(request, "console/issues.html", context)


@login_required
def session_detail(request: HttpRequest, organization_id: int, session_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    session = get_object_or_404(
        SyncSession.objects.select_related("mailbox"), pk=session_id, mailbox__organization=organization
    )
    if request.GET.get("format") == "log":
        response = HttpResponse(session.log, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.log"'
        return response
    entries = [
        {"entry": e, "what": what_happened(e)}
        for e in JournalEntry.objects.filter(session=session).order_by("stream", "pk")
    ]
    counts = [
        {"stream": stream, "direction": direction, **tally}
        for stream, directions in sorted((session.counts or {}).items())
        if isinstance(directions, dict)
        for direction, tally in sorted(directions.items())
        if isinstance(tally, dict)
    ]
    issues = [{"issue": i, "source": error_source(i.code, i.details)} for i in session.issues.all()]
    context = console_context(
        request,
        organization,
        "sessions",
        session=session,
        entries=entries,
        counts=counts,
        issues=issues,
        error_source=error_source(session.error_code) if session.error_code else "",
    )
    return render(request, "console/session.html", context)


@login_required
def trace(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    query = request.GET.get("q", "").strip()
    found = trace_find(organization=organization, query=query) if query else []
    items = [
        {"item": t, "timeline": [{"entry": e, "what": what_happened(e)} for e in t.entries]} for t in found
    ]
    requests = ResyncRequest.objects.filter(mailbox__organization=organization).select_related("mailbox")[:10]
    made = people_made_matching(organization=organization, query=query) if query else []
    context = console_context(
        request, organization, "trace", query=query, items=items, resyncs=requests, people_made=made
    )
    return render(request, "console/trace.html", context)


@login_required
@require_POST
def resync(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    mailbox = get_object_or_404(Mailbox, pk=request.POST.get("mailbox", ""), organization=organization)
    target = ResyncTarget(
        mailbox=mailbox,
        stream=request.POST.get("stream", "")[:20],
        sync_key=request.POST.get("sync_key", "")[:80],
        mail_id=request.POST.get("mail_id", "")[:512],
        crm_id=request.POST.get("crm_id", "")[:18],
        label=request.POST.get("label", "")[:300],
    )
    done = resync_request(actor=request.user, target=target)
    (messages.error if done.state == "refused" else messages.success)(request, done.message)
    back = reverse("console:trace", args=[organization.pk])
    query = request.POST.get("q", "")
    return HttpResponseRedirect(f"{back}?{urlencode({'q': query})}" if query else back)


@login_required
def statistics(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    stats = organization_stats(organization=organization, now=timezone.now())
    labels = [f"{d.day:%b %d}" for d in stats.days]
    sessions_chart = stacked_bars(
        [
            (label, {str(k): v for k, v in d.outcomes.items()})
            for label, d in zip(labels, stats.days, strict=True)
        ],
        {str(k): v for k, v in OUTCOME_COLORS.items()},
    )
    items_chart = stacked_bars(
        [
            (
                label,
                {
                    "to Salesforce": sum(d.to_salesforce.values()),
                    "to the mailbox": sum(d.to_mailbox.values()),
                    "failed": d.failed_items,
                },
            )
            for label, d in zip(labels, stats.days, strict=True)
        ],
        {"to Salesforce": "#0b5cad", "to the mailbox": "#1b7f4b", "failed": "#b3261e"},
    )
    streams = sorted({s for d in stats.days for s in (*d.to_salesforce, *d.to_mailbox)})
    totals = [
        {
            "stream": stream,
            "to_salesforce": sum(d.to_salesforce.get(stream, 0) for d in stats.days),
            "to_mailbox": sum(d.to_mailbox.get(stream, 0) for d in stats.days),
        }
        for stream in streams
    ]
    context = console_context(
        request,
        organization,
        "statistics",
        stats=stats,
        first=labels[0] if labels else "",
        last=labels[-1] if labels else "",
        sessions_chart=sessions_chart,
        items_chart=items_chart,
        outcome_colors=[(Outcome(k).label, v) for k, v in OUTCOME_COLORS.items()],
        totals=totals,
    )
    return render(request, "console/statistics.html", context)


def _mailbox_of(request: HttpRequest, organization: Organization) -> Mailbox:
    return get_object_or_404(Mailbox, pk=request.POST.get("mailbox", ""), organization=organization)


@login_required
@require_POST
def preview(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    mailbox = _mailbox_of(request, organization)
    asked = preview_request(actor=request.user, mailbox=mailbox, from_scratch=request.POST.get("full") == "1")
    return HttpResponseRedirect(reverse("console:preview_detail", args=[organization.pk, asked.pk]))


@login_required
def preview_detail(request: HttpRequest, organization_id: int, preview_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    shown = get_object_or_404(
        SyncPreview.objects.select_related("mailbox"), pk=preview_id, mailbox__organization=organization
    )
    context = console_context(request, organization, "people", preview=shown)
    return render(request, "console/preview.html", context)


@login_required
@require_POST
def full_resync_view(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = console_organization_or_404(request, organization_id)
    mailbox = _mailbox_of(request, organization)
    messages.info(
        request, full_resync(actor=request.user, mailbox=mailbox, stream=request.POST.get("stream", "")[:20])
    )
    return HttpResponseRedirect(reverse("console:person", args=[organization.pk, mailbox.owner_id]))
