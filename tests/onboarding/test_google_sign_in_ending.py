"""Google names a refresh token's end when it has one (a "Testing" app's 7 days, time-based access):
the engine keeps it at sign-in, and the person and their org admins are told the day before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notify.services import notifications_hourly
from sandbox.base import SandboxServer
from syncengine.models import Mailbox, Membership, Role
from tests.support.onboarding import Consent, Newcomer, back, started

pytestmark = pytest.mark.django_db


def test_it_keeps_the_end_google_names_and_tells_them_the_day_before(
    bob: Newcomer, google: SandboxServer, consent: Consent
):
    google.app.limit_refresh_tokens(settings.GOOGLE_CLIENT_ID, days=7)  # a "Testing" app's refresh tokens
    User.objects.filter(pk=bob.user.pk).update(email=bob.address)
    admin = User.objects.create_user(username="olga", email="olga@org.example")
    organization = Membership.objects.get(user=bob.user).organization
    Membership.objects.create(user=admin, organization=organization, role=Role.ORG_ADMIN)

    back(bob.client, consent.google(started(bob.client.get(reverse("onboarding:google_start"))), bob.address))
    mailbox = Mailbox.objects.get(owner=bob.user)
    ends = datetime.fromtimestamp(mailbox.credentials["refresh_expires_at"], UTC)
    assert abs(ends - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    notifications_hourly()  # a week away: too early for a sign-in that only lives a week
    notifications_hourly(now=ends - timedelta(hours=20))
    notifications_hourly(now=ends - timedelta(hours=19))

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sorted(sent.to) == [bob.address, "olga@org.example"]
    assert sent.subject == (
        f"The Google sign-in for {bob.address} ends on {ends:%d %B}: sign in again to keep syncing"
    )
    assert "Google gave this sign-in a fixed lifetime" in sent.body
    assert "http://testserver/connect/" in sent.body
