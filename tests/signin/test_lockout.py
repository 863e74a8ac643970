"""Failed sign-ins are throttled per account and per address (django-axes), on our login page and
the Django admin's, and the lockout page says when to try again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.signin import PASSWORD, sign_in, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user(username="alice", password=PASSWORD)


def rewind_attempts(by: timedelta) -> None:
    """Time travel: every recorded failure happened ``by`` earlier than it did."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - by)


def test_it_locks_out_an_account_after_repeated_failed_sign_ins(alice: User):
    # A brute force spread over many addresses: each address fails once, the account fills up.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", f"guess-{n}", f"203.0.113.{n + 1}")

    client, status = sign_in("alice", PASSWORD, "198.51.100.7")

    assert status == 429
    assert not signed_in(client)
    other = User.objects.create_user(username="bob", password=PASSWORD)
    client, status = sign_in(other.username, PASSWORD, "198.51.100.7")
    assert status == 302 and signed_in(client)


def test_it_does_not_lock_out_an_account_before_the_limit(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", f"guess-{n}", f"203.0.113.{n + 1}")

    client, status = sign_in("alice", PASSWORD, "198.51.100.7")

    assert status == 302 and signed_in(client)


def test_it_locks_out_an_address_trying_many_accounts(alice: User):
    # Password spraying: one address, one guess at each of many accounts.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(f"someone-{n}", "Summer2024!", "203.0.113.9")

    client, status = sign_in("alice", PASSWORD, "203.0.113.9")

    assert status == 429
    assert not signed_in(client)
    client, status = sign_in("alice", PASSWORD, "198.51.100.7")
    assert status == 302 and signed_in(client)


def test_it_lets_a_user_in_after_the_cool_off(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", f"guess-{n}", "203.0.113.9")
    cool_off = settings.AXES_COOLOFF_TIME

    rewind_attempts(cool_off - timedelta(minutes=1))
    assert sign_in("alice", PASSWORD, "203.0.113.9")[1] == 429

    rewind_attempts(timedelta(minutes=1, seconds=1))
    client, status = sign_in("alice", PASSWORD, "203.0.113.9")
    assert status == 302 and signed_in(client)


def test_it_does_not_push_the_cool_off_back_for_attempts_made_while_locked_out(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", f"guess-{n}", "203.0.113.9")
    rewind_attempts(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))

    # Refused without checking the password, and not counted: the end of the lockout stays put.
    assert sign_in("alice", "another-guess", "203.0.113.9")[1] == 429
    rewind_attempts(timedelta(minutes=1, seconds=1))

    client, status = sign_in("alice", PASSWORD, "203.0.113.9")
    assert status == 302 and signed_in(client)


def test_it_says_when_to_try_again(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", f"guess-{n}", "203.0.113.9")
    client = Client(REMOTE_ADDR="203.0.113.9")

    answer = client.post(reverse("login"), {"username": "alice", "password": "last-guess"})

    assert answer.status_code == 429
    until = AccessAttempt.objects.get().attempt_time + settings.AXES_COOLOFF_TIME
    html = answer.content.decode()
    assert "Too many failed sign-ins" in html
    assert f"Try again after {timezone.localtime(until):%H:%M} UTC" in html
    assert f'datetime="{until.isoformat()}"' in html
    assert 0 < int(answer["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert 'name="password"' not in html


def test_it_tells_the_earliest_time_the_lockout_really_ends(alice: User):
    # Failures from two browsers at one address, five minutes apart: the lockout ends when the
    # older record ages out (what is left is under the limit), not when the newest one does.
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", f"guess-{n}", "203.0.113.9", HTTP_USER_AGENT="first browser")
    rewind_attempts(timedelta(minutes=5))
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="second browser")

    answer = client.post(reverse("login"), {"username": "alice", "password": "last-guess"})

    older = AccessAttempt.objects.get(user_agent="first browser").attempt_time
    until = older + settings.AXES_COOLOFF_TIME
    assert f'datetime="{until.isoformat()}"' in answer.content.decode()
    rewind_attempts(until - timezone.now() + timedelta(seconds=1))
    client, status = sign_in("alice", PASSWORD, "203.0.113.9")
    assert status == 302 and signed_in(client)


def test_it_locks_out_the_admin_login_too(db: None):
    User.objects.create_superuser("support", "support@example.com", PASSWORD)
    admin_login = reverse("admin:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("support", f"guess-{n}", f"203.0.113.{n + 1}", path=admin_login)

    client, status = sign_in("support", PASSWORD, "198.51.100.7", path=admin_login)

    assert status == 429
    assert not signed_in(client)


def test_it_shares_one_count_between_our_login_and_the_admin_login(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", f"guess-{n}", f"203.0.113.{n + 1}", path=reverse("admin:login"))
    sign_in("alice", "last-guess", "203.0.113.99")

    assert sign_in("alice", PASSWORD, "198.51.100.7")[1] == 429


def test_it_does_not_trust_x_forwarded_for_by_default(alice: User):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(f"someone-{n}", "Summer2024!", "203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")

    _, status = sign_in("alice", PASSWORD, "203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200")

    assert status == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_it_counts_the_address_the_proxy_saw_when_one_is_configured(alice: User, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The client forges the left-hand entries; our proxy appends the address it saw, at the end.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(f"someone-{n}", "Summer2024!", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 203.0.113.9")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert sign_in("alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")[1] == 429
    client, status = sign_in("alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert status == 302 and signed_in(client)


def test_it_falls_back_to_the_socket_address_when_the_proxy_header_is_short_or_garbled(alice: User, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    sign_in("alice", "guess-1", "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    sign_in("alice", "guess-2", "10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address, 10.0.0.3")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}
