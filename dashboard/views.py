"""The user's sync dashboard. Thin views: check who is asking, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboard.cards import mailbox_card, session_rows
from dashboard.forms import AutoSaveForm, SuspendForm
from onboarding.selectors import salesforce_needs_reconnect
from syncengine import selectors
from syncengine.models import HeldDecision, Mailbox, SyncIssue, SyncSession
from syncengine.services.held import deletions_decide
from syncengine.services.issues import issue_dismiss, issue_retry_now, issue_stop_retrying
from syncengine.services.mailboxes import (
    mailbox_autosave_set,
    mailbox_force_sync,
    mailbox_resume,
    mailbox_suspend,
)

SESSIONS_PER_PAGE = 25


def _own_mailbox(request: HttpRequest, mailbox_id: int) -> Mailbox:
    """Someone else's mailbox answers 404: we do not even confirm it exists."""
    return get_object_or_404(selectors.mailboxes_of(user=request.user), pk=mailbox_id)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mailboxes = [mailbox_card(mailbox, now) for mailbox in selectors.mailboxes_of(user=request.user)]
    salesforce = [
        {
            "organization": organization,
            "connection": connection,
            "reconnect": salesforce_needs_reconnect(connection),
        }
        for organization, connection in selectors.salesforce_connections_of(user=request.user)
    ]
    context = {"mailboxes": mailboxes, "salesforce": salesforce, "suspend_form": SuspendForm()}
    return render(request, "dashboard/home.html", context)


@login_required
def card(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """One mailbox's card alone, for the live refresh to swap in the parts that changed."""
    mailbox = _own_mailbox(request, mailbox_id)
    context = {"item": mailbox_card(mailbox, timezone.now()), "suspend_form": SuspendForm()}
    return render(request, "dashboard/_mailbox_card.html", context)


@login_required
def sessions(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """A mailbox's whole session history, paged, each session's items by name."""
    mailbox = _own_mailbox(request, mailbox_id)
    found = SyncSession.objects.filter(mailbox=mailbox).order_by("-started_at", "-pk")
    page = Paginator(found, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = session_rows(mailbox, list(page.object_list))
    return render(
        request, "dashboard/sessions.html", {"mailbox": mailbox, "page": page, "session_rows": rows}
    )


@login_required
@require_POST
def autosave(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    form = AutoSaveForm(request.POST, prefix=f"m{mailbox.pk}")
    if not form.is_valid():  # two checkboxes cannot be invalid; a forged post changes nothing
        return HttpResponse("Unreadable settings.", status=400)
    mailbox_autosave_set(
        mailbox=mailbox,
        meetings=form.cleaned_data["autosave_meetings"],
        appointments=form.cleaned_data["autosave_appointments"],
    )
    messages.success(request, f"Your settings for {mailbox.address} are saved; the next session uses them.")
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def force_sync(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    answer = mailbox_force_sync(mailbox=mailbox)
    if answer.queued:
        messages.success(
            request, f"A sync session for {mailbox.address} was queued; it starts within seconds."
        )
    elif answer.refused == "suspended":
        messages.error(request, "This mailbox is suspended: resume it to sync.")
    elif answer.refused == "too_soon" and answer.next_at is not None:
        messages.info(
            request,
            f"{mailbox.address} was force-synced a moment ago; the next Force sync may run at "
            f"{answer.next_at:%H:%M:%S} (UTC).",
        )
    else:
        messages.info(request, f"A sync session for {mailbox.address} is already queued.")
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def suspend(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    form = SuspendForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    mailbox_suspend(mailbox=mailbox, reason=reason or "no reason given")
    messages.success(request, f"Sync for {mailbox.address} is suspended. Nothing syncs until you resume it.")
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def resume(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    mailbox_resume(mailbox=mailbox)
    messages.success(request, f"Sync for {mailbox.address} is resumed; a session was queued.")
    return HttpResponseRedirect(reverse("dashboard:home"))


def _own_open_issue(request: HttpRequest, issue_id: int) -> SyncIssue:
    return get_object_or_404(
        selectors.issues_of(user=request.user).select_related("mailbox"), pk=issue_id, resolved=False
    )


@login_required
@require_POST
def dismiss_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    if issue_dismiss(issue=_own_open_issue(request, issue_id)):
        messages.success(request, "The issue is hidden. The item is still retried at every session.")
    else:
        messages.success(request, "The issue was dismissed.")
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def retry_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _own_open_issue(request, issue_id)
    if issue_retry_now(issue=issue):
        messages.success(request, "A sync session was queued; it retries this item within seconds.")
    elif issue.mailbox.suspended:
        messages.error(request, "This mailbox is suspended: resume it to retry.")
    else:
        messages.info(request, "A session was queued a moment ago; it tries this item again.")
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def stop_retrying_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue_stop_retrying(issue=_own_open_issue(request, issue_id))
    messages.success(
        request,
        "The engine stopped trying this item. It stays unsynced until it changes or is tagged again.",
    )
    return HttpResponseRedirect(reverse("dashboard:home"))


@login_required
@require_POST
def decide_deletions(request: HttpRequest, mailbox_id: int, stream: str, decision: str) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    if decision not in (HeldDecision.CONFIRM, HeldDecision.RESTORE):
        return HttpResponse("Unknown decision.", status=400)
    count, queued = deletions_decide(mailbox=mailbox, stream=stream, decision=decision, user=request.user)
    if not count:
        messages.error(request, "No deletions are waiting for a decision there.")
    else:
        done = "deletes them" if decision == HeldDecision.CONFIRM else "restores them"
        when = "within seconds" if queued else "once you resume the mailbox"
        messages.success(
            request, f"{count} held {stream} deletions decided: the next session {done}, {when}."
        )
    return HttpResponseRedirect(reverse("dashboard:home"))
