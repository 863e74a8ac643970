"""The email settings pages: a user's auto-save choice per mailbox (with what was saved lately), and the
org admin's email settings. Thin: who may see what is decided here (a user only their own mailboxes; the
org page through the org admin guard of dashboard/org_pages.py; anyone else gets 404), the rules live
in emails/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.org_pages import administered_or_404, settings_form_page
from emails.forms import AutoSaveForm, EmailSettingsForm
from emails.models import SavedEmailMailbox
from emails.services import (
    email_settings_for,
    email_settings_save,
    mailbox_auto_save_set,
    mailbox_email_settings_for,
)
from syncengine import selectors
from syncengine.models import Mailbox

RECENT = 20


def _own_mailbox(request: HttpRequest, mailbox_id: int) -> Mailbox:
    """Only the mailbox's owner changes its auto-save; anyone else gets 404."""
    return get_object_or_404(selectors.mailboxes_of(user=request.user), pk=mailbox_id)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    mailboxes = selectors.mailboxes_of(user=request.user).order_by("pk")
    rows = []
    for mailbox in mailboxes:
        own = mailbox_email_settings_for(mailbox)
        org = email_settings_for(mailbox.organization)
        rows.append(
            {
                "mailbox": mailbox,
                "form": AutoSaveForm(initial={"auto_save": own.auto_save}, prefix=f"m{mailbox.pk}"),
                "settings": own,
                "org": org,
            }
        )
    recent = (
        SavedEmailMailbox.objects.filter(mailbox__in=selectors.mailboxes_of(user=request.user))
        .select_related("saved_email", "mailbox")
        .order_by("-saved_at")[:RECENT]
    )
    return render(request, "emails/mine.html", {"rows": rows, "recent": recent})


@login_required
@require_POST
def mailbox_auto_save(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _own_mailbox(request, mailbox_id)
    form = AutoSaveForm(request.POST, prefix=f"m{mailbox.pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the auto-save options; nothing was changed.")
        return HttpResponseRedirect(reverse("emails:mine"))
    before = mailbox_email_settings_for(mailbox)
    row = mailbox_auto_save_set(mailbox=mailbox, auto_save=form.cleaned_data["auto_save"])
    note = ""
    if before.activated_at is None and row.activated_at is not None:
        days = email_settings_for(mailbox.organization).backfill_days
        note = f" The next session also saves the matching emails of the last {days} days."
    messages.success(request, f"Auto-save for {mailbox.address}: {row.get_auto_save_display()}.{note}")
    return HttpResponseRedirect(reverse("emails:mine"))


@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = administered_or_404(request, organization_id)
    return settings_form_page(
        request,
        organization,
        EmailSettingsForm,
        email_settings_for(organization),
        save=lambda form: email_settings_save(settings=form.save(commit=False)),
        what="email settings",
        url_name="emails:org_settings",
        template="emails/org_settings.html",
        active="emails",
    )
