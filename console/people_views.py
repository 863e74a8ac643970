"""The org admin's actions on the people page (invite, withdraw an invitation, remove a member) and
the page an invited person joins on. Support and operators read the people page; only the
organization's own admins change who is in it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from console.access import console_organization_or_404, is_org_admin
from console.membership import invitation_accept, invitation_for, invite, member_remove
from console.models import Invitation
from syncengine.models import Membership, Organization, Role


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.USER)


def _administered(request: HttpRequest, organization_id: int) -> Organization | None:
    organization = console_organization_or_404(request, organization_id)
    if not is_org_admin(user=request.user, organization=organization):
        return None
    return organization


@login_required
@require_POST
def invite_person(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = _administered(request, organization_id)
    if organization is None:
        return HttpResponseForbidden("Only the organization's admins invite people.")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give an email address and a role to invite someone.")
    else:
        done = invite(
            actor=request.user,
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        where = (
            "An email with this link was sent"
            if done.sent
            else "The email could not be sent; pass on this link"
        )
        messages.success(request, f"{done.invitation.email} is invited. {where}: {done.link}")
    return HttpResponseRedirect(reverse("console:people", args=[organization.pk]))


@login_required
@require_POST
def withdraw_invitation(request: HttpRequest, organization_id: int, invitation_id: int) -> HttpResponse:
    organization = _administered(request, organization_id)
    if organization is None:
        return HttpResponseForbidden("Only the organization's admins withdraw invitations.")
    Invitation.objects.filter(pk=invitation_id, organization=organization, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    messages.success(request, "The invitation was withdrawn: its link no longer works.")
    return HttpResponseRedirect(reverse("console:people", args=[organization.pk]))


@login_required
@require_POST
def remove_member(request: HttpRequest, organization_id: int, user_id: int) -> HttpResponse:
    organization = _administered(request, organization_id)
    if organization is None:
        return HttpResponseForbidden("Only the organization's admins remove people.")
    membership = get_object_or_404(
        Membership.objects.select_related("user"), organization=organization, user_id=user_id
    )
    try:
        member_remove(actor=request.user, membership=membership)
    except PermissionError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"{membership.user.username} is no longer a member: their mailboxes stopped syncing "
            "and keep their state.",
        )
    return HttpResponseRedirect(reverse("console:people", args=[organization.pk]))


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: a signed-in person joins with one click, a new one makes an account."""
    invitation = invitation_for(token)
    if invitation is None:
        return render(request, "console/join.html", {"gone": True}, status=404)
    form: UserCreationForm[User] | None = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            form = UserCreationForm(request.POST)
            if not form.is_valid():
                return render(request, "console/join.html", {"invitation": invitation, "form": form})
            user = form.save(commit=False)
            user.email = invitation.email
            user.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except PermissionError as refusal:
            return render(request, "console/join.html", {"gone": True, "why": str(refusal)}, status=409)
        messages.success(
            request, f"You joined {invitation.organization}. Connect your mailbox and Salesforce next."
        )
        return HttpResponseRedirect(reverse("onboarding:connect"))
    if not request.user.is_authenticated:
        form = UserCreationForm(initial={"username": invitation.email.split("@")[0]})
    return render(request, "console/join.html", {"invitation": invitation, "form": form})
