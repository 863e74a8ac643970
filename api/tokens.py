"""The page where a person makes and revokes their API tokens; a new token is shown once."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from api.models import ApiToken, new_token, token_digest

MOST_TOKENS = 20


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'nightly export'")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # signed in: login_required
    made = ""
    form = TokenForm()
    mine = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if request.method == "POST" and "revoke" in request.POST:
        mine.filter(pk=request.POST.get("revoke", "")).update(revoked_at=timezone.now())
    elif request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid() and mine.count() < MOST_TOKENS:
            made = new_token()
            ApiToken.objects.create(
                user=user, name=form.cleaned_data["name"], digest=token_digest(made), hint=made[:10]
            )
            form = TokenForm()
        elif form.is_valid():
            form.add_error(None, f"At most {MOST_TOKENS} tokens: revoke one first.")
    context = {"form": form, "made": made, "tokens": mine.all()}
    return render(request, "api/tokens.html", context)
