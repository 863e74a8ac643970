"""The Gmail listener against the Google sandbox's Gmail and Cloud Pub/Sub, through
google-api-python-client and the Supervisor that ``manage.py listen`` runs: it keeps each Google
mailbox's Gmail watch on the operator's topic, and a notice pulled from the subscription wakes the
mailbox it names (acked after the wake, so a crash in between loses nothing)."""

from __future__ import annotations

import base64
import json
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_q.brokers import get_broker

from emails.models import EmailSettings
from instant.listeners import gmail_pubsub
from instant.listeners.gmail_pubsub import listener_name
from instant.models import InstantSettings, ListenerLease, ListenerState, MailboxWake, NotificationChannel
from instant.services.listener_health import listener_health
from instant.services.maintenance import instant_maintain
from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from syncengine.models import Mailbox, Trigger
from tests.support.gmail_pubsub import Operator, make_operator
from tests.support.instant import queued_sessions, wait_for
from tests.support.listeners import lease_of, listening, wait_for_events, wait_until_listening
from tests.support.people import Person
from tests.support.sessions import start_manage

pytestmark = pytest.mark.django_db(transaction=True)
SETTINGS = (
    "GMAIL_PUBSUB_PROJECT",
    "GMAIL_PUBSUB_TOPIC",
    "GMAIL_PUBSUB_SUBSCRIPTION",
    "GMAIL_PUBSUB_KEY_FILE",
)


def _point_at(settings: Any, operator: Operator, key_file: Path) -> None:
    key_file.write_text(json.dumps(operator.key))
    key_file.chmod(0o600)
    settings.GMAIL_PUBSUB_PROJECT = operator.project
    settings.GMAIL_PUBSUB_TOPIC = operator.topic.rpartition("/")[2]
    settings.GMAIL_PUBSUB_SUBSCRIPTION = operator.subscription.rpartition("/")[2]
    settings.GMAIL_PUBSUB_KEY_FILE = str(key_file)
    settings.GOOGLE_API_URL = operator.server.url
    settings.SALESFORCE_PUBSUB_TARGET = ""  # only the Gmail listener runs here


@pytest.fixture
def operator(settings: Any, google_server: SandboxServer, sandbox_ca: SandboxCA, tmp_path: Path) -> Operator:
    """The operator's project, topic, subscription and service account key, and the engine's settings."""
    made = make_operator(google_server, sandbox_ca)
    _point_at(settings, made, tmp_path / "gmail-pubsub-key.json")
    return made


def saving_emails(person: Person) -> Person:
    """Gmail is watched where the engine saves emails: turn that on for the person's organization."""
    EmailSettings.objects.update_or_create(organization=person.organization, defaults={"enabled": True})
    return person


@pytest.fixture
def on_google(on_google: Person) -> Person:
    """The instant tests' Google mailbox, in an organization that saves emails."""
    return saving_emails(on_google)


@pytest.fixture
def gina(operator: Operator, on_google: Person) -> Person:
    """A Gmail mailbox that had its first session, on a server with Gmail's Pub/Sub set up."""
    return on_google


def _woken(person: Person) -> list[str]:
    return queued_sessions(person.mailbox.pk)


def _gmail_watch(operator: Operator, address: str) -> Any:
    """Gmail's own watch of the address, as the sandbox holds it (None when none is on)."""
    with operator.app.lock:
        return next((w for w in operator.app.gmail_push.watches.values() if w.email == address), None)


def _waiting(operator: Operator) -> int:
    """Messages the subscription still holds (not acked)."""
    with operator.app.lock:
        return len(operator.app.pubsub.subscriptions[operator.subscription].messages)


def _publish(operator: Operator, *payloads: bytes) -> None:
    """Messages on the topic as anyone allowed to publish could put them there."""
    messages = [{"data": base64.b64encode(p).decode()} for p in payloads]
    operator.pubsub().projects().topics().publish(topic=operator.topic, body={"messages": messages}).execute()


def _mail(operator: Operator, person: Person, subject: str) -> None:
    """An email arrives in the person's Gmail inbox."""
    operator.app.deliver_mail(person.mailbox.address, "lee@client.example", subject, "Please send the quote")


def test_it_wakes_a_watched_gmail_mailbox_when_an_email_arrives(gina: Person, operator: Operator) -> None:
    name = listener_name()
    with listening():
        wait_until_listening(name)
        channel = NotificationChannel.objects.get(mailbox=gina.mailbox)
        assert _gmail_watch(operator, gina.mailbox.address).topic == operator.topic
        _mail(operator, gina, "Quote")
        wait_for(lambda: _woken(gina))
        lease = wait_for(lambda: ListenerLease.objects.filter(name=name, events__gte=1, wakes__gte=1).first())
    assert name == f"gmail-pubsub:{operator.subscription.rpartition('/')[2]}"
    assert _woken(gina) == [Trigger.NOTIFICATION]
    assert lease.kind == "gmail-pubsub" and lease.organization_id is None and lease.wakes == 1
    assert channel.provider == "google" and channel.stream == "emails"
    assert (
        channel.resource == f"gmail:{operator.topic}"
        and channel.channel_id == f"gmail-watch:{gina.mailbox.pk}"
    )
    assert _waiting(operator) == 0  # acked once the mailbox was woken


def test_it_acks_a_bad_message_and_still_wakes_for_the_others(gina: Person, operator: Operator) -> None:
    name = listener_name()
    with listening():
        wait_until_listening(name)
        _publish(operator, b"not json", json.dumps({"emailAddress": gina.mailbox.address}).encode(), b"[1]")
        _mail(operator, gina, "After the bad ones")
        wait_for(lambda: _woken(gina))
        lease = wait_for_events(name, 4)
        wait_for(lambda: _waiting(operator) == 0)
    assert _woken(gina) == [Trigger.NOTIFICATION]
    assert lease.state == ListenerState.LISTENING and lease.wakes == 1
    assert lease.message.startswith("3 unreadable Pub/Sub message(s) acked and dropped")
    assert gina.mailbox.address not in lease.message  # what a message said is never repeated


def test_it_wakes_nobody_for_an_address_it_does_not_know(gina: Person, operator: Operator) -> None:
    name = listener_name()
    with listening():
        wait_until_listening(name)
        _publish(
            operator, json.dumps({"emailAddress": "stranger@elsewhere.example", "historyId": 7}).encode()
        )
        lease = wait_for_events(name, 1)
        wait_for(lambda: _waiting(operator) == 0)
    assert lease.wakes == 0
    assert _woken(gina) == [] and not MailboxWake.objects.exists()


def test_it_wakes_the_mailbox_with_notices_a_crashed_listener_pulled_but_never_acked(
    settings: Any, gina: Person, operator: Operator, google_server: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    env = {
        **{name: str(getattr(settings, name)) for name in SETTINGS},
        **{
            name: str(getattr(settings, name))
            for name in ("GOOGLE_API_URL", "GOOGLE_TOKEN_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET")
        },
        "SALESFORCE_PUBSUB_TARGET": "",
        "LISTENER_LEASE_SECONDS": "3",
        "LISTENER_PASS_SECONDS": "0.3",
    }
    name = listener_name()
    # Its ack is held, then refused: the listener dies with the notice pulled, the mailbox woken, no ack.
    google_server.app.add_fault(status=503, delay=15, path=r":acknowledge$")
    first = start_manage("listen", env=env)
    try:
        held = wait_until_listening(name, timeout=60)
        assert f":{first.pid}:" in held.holder
        _mail(operator, gina, "Heard by the process about to die")
        wait_for(lambda: _woken(gina), timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _waiting(operator) == 1  # never acked: Pub/Sub still holds it
    get_broker().purge_queue()
    MailboxWake.objects.all().delete()  # as if the dead process's session had been lost too
    with listening(holder="the-next-process"):
        wait_for(lambda: _woken(gina), timeout=40)  # once the lease ran out and the ack deadline passed
        wait_for(lambda: _waiting(operator) == 0)
    lease = lease_of(name)
    # The dead process counted nothing (it counts after the ack): the next one counted the redelivery.
    assert lease is not None and lease.takeovers == 1 and lease.events == 1 and lease.wakes == 1


def test_it_opens_each_gmail_watch_and_renews_it_a_day_before_it_ends(
    settings: Any, gina: Person, operator: Operator
) -> None:
    settings.GMAIL_WATCH_CHECK_SECONDS = 0.3
    name = listener_name()
    with listening():
        wait_until_listening(name)
        channel = NotificationChannel.objects.get(mailbox=gina.mailbox)
        week = channel.expires_at - timezone.now()
        assert timedelta(days=7) - timedelta(minutes=2) < week <= timedelta(days=7)
        assert len(channel.secret_hash) == 64
        time.sleep(1.5)  # several look-overs: a watch a week from its end is left as it is
        assert NotificationChannel.objects.get(pk=channel.pk).renewed_at is None

        # Gmail's watch ends tomorrow (the sandbox has already ended it: nothing is published).
        NotificationChannel.objects.filter(pk=channel.pk).update(
            expires_at=timezone.now() + timedelta(hours=23)
        )
        operator.app.expire_gmail_watch(gina.mailbox.address)
        renewed = wait_for(
            lambda: NotificationChannel.objects.filter(pk=channel.pk, renewed_at__isnull=False).first()
        )
        assert renewed.expires_at > timezone.now() + timedelta(days=6)
        assert renewed.channel_id == channel.channel_id
        _mail(operator, gina, "After the renewal")
        wait_for(lambda: _woken(gina))


def test_it_neither_wakes_a_suspended_mailbox_nor_keeps_its_gmail_watch(
    gina: Person, operator: Operator
) -> None:
    name = listener_name()
    with listening():
        wait_until_listening(name)
        assert NotificationChannel.objects.filter(mailbox=gina.mailbox).exists()
        Mailbox.objects.filter(pk=gina.mailbox.pk).update(suspended=True)
        _mail(operator, gina, "For a suspended mailbox")
        lease = wait_for_events(name, 1)
        wait_for(lambda: not NotificationChannel.objects.filter(mailbox=gina.mailbox).exists())
        assert _gmail_watch(operator, gina.mailbox.address) is None  # Gmail was told to stop
        _mail(operator, gina, "Not published any more")
        assert _waiting(operator) == 0
    assert lease.wakes == 0 and _woken(gina) == []


def test_it_stops_the_gmail_watches_of_an_organization_that_turns_instant_sync_off(
    settings: Any, gina: Person, operator: Operator
) -> None:
    settings.GMAIL_WATCH_CHECK_SECONDS = 0.3
    with listening():
        wait_until_listening(listener_name())
        assert _gmail_watch(operator, gina.mailbox.address) is not None
        InstantSettings.objects.create(organization=gina.organization, enabled=False)
        wait_for(lambda: not NotificationChannel.objects.filter(mailbox=gina.mailbox).exists())
        wait_for(lambda: _gmail_watch(operator, gina.mailbox.address) is None)


def test_it_watches_no_mailbox_before_its_first_session(gina: Person, operator: Operator) -> None:
    Mailbox.objects.filter(pk=gina.mailbox.pk).update(last_synced_at=None)
    with listening():
        wait_until_listening(listener_name())
    assert not NotificationChannel.objects.exists()
    assert _gmail_watch(operator, gina.mailbox.address) is None


def test_it_leaves_the_gmail_watch_alone_when_maintenance_keeps_the_calendar_channels(
    instant: str, gina: Person, operator: Operator
) -> None:
    with listening():
        wait_until_listening(listener_name())
    watch = NotificationChannel.objects.get(mailbox=gina.mailbox)
    NotificationChannel.objects.filter(pk=watch.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    report = instant_maintain()  # the Gmail watch ends soon: it is the listener's to renew, not this
    assert report["opened"] == 1 and report["renewed"] == 0 and report["failed"] == 0
    calendar = NotificationChannel.objects.get(mailbox=gina.mailbox, stream="events")
    assert calendar.resource == "primary"  # the Calendar channel the Gmail watch did not stand in for
    kept = NotificationChannel.objects.get(pk=watch.pk)
    assert kept.resource == watch.resource and kept.channel_id == watch.channel_id and kept.renewed_at is None
    Mailbox.objects.filter(pk=gina.mailbox.pk).update(suspended=True)
    assert instant_maintain()["closed"] == 1  # the Calendar channel; the listener stops the watch
    assert list(NotificationChannel.objects.values_list("pk", flat=True)) == [watch.pk]


@pytest.mark.parametrize("empty", SETTINGS)
def test_it_runs_no_gmail_listener_unless_all_four_settings_are_set(
    settings: Any, gina: Person, empty: str
) -> None:
    assert [spec.name for spec in gmail_pubsub.wanted()] == [listener_name()]
    setattr(settings, empty, "")
    assert gmail_pubsub.wanted() == []
    with listening() as supervisor:
        supervisor.tick()
        assert not any(name.startswith("gmail-pubsub") for name in supervisor.slots)
    assert not ListenerLease.objects.filter(kind="gmail-pubsub").exists()
    assert not NotificationChannel.objects.exists()


def test_it_is_unavailable_while_gmail_may_not_publish_to_the_topic(
    settings: Any, on_google: Person, google_server: SandboxServer, sandbox_ca: SandboxCA, tmp_path: Path
) -> None:
    ungranted = make_operator(google_server, sandbox_ca, grant_gmail=False)
    _point_at(settings, ungranted, tmp_path / "key.json")
    name = listener_name()
    with listening():
        lease = wait_for(
            lambda: ListenerLease.objects.filter(name=name, state=ListenerState.UNAVAILABLE).first()
        )
    assert "gmail-api-push@system.gserviceaccount.com" in lease.message
    assert "sync on the schedule" in lease.message


def test_it_is_unavailable_while_the_key_file_cannot_be_read(
    settings: Any, gina: Person, operator: Operator, tmp_path: Path
) -> None:
    settings.GMAIL_PUBSUB_KEY_FILE = str(tmp_path / "nowhere.json")
    name = listener_name()
    with listening():
        lease = wait_for(
            lambda: ListenerLease.objects.filter(name=name, state=ListenerState.UNAVAILABLE).first()
        )
    assert lease.message.startswith(
        "GMAIL_PUBSUB_KEY_FILE: The Pub/Sub service account key file cannot be read"
    )
    assert str(tmp_path) not in lease.message  # every organization's page shows it: no server paths
    assert not NotificationChannel.objects.exists()


def test_it_reconnects_after_pubsub_fails_for_a_moment(
    gina: Person, operator: Operator, google_server: SandboxServer
) -> None:
    name = listener_name()
    with listening():
        wait_until_listening(name)
        google_server.app.add_fault(status=503, count=2, path=r":pull$")
        wait_for(lambda: ListenerLease.objects.filter(name=name, state=ListenerState.RECONNECTING).first())
        wait_until_listening(name)
        _mail(operator, gina, "After the outage")
        wait_for(lambda: _woken(gina))


def test_it_wakes_every_organizations_mailbox_of_one_gmail_account_and_keeps_the_watch_they_share(
    settings: Any, gina: Person, operator: Operator, make_person: Any
) -> None:
    """Two organizations each connected the same Gmail account: Gmail holds one watch for it."""
    settings.GMAIL_WATCH_CHECK_SECONDS = 0.3
    other = saving_emails(make_person("olaf"))
    user = operator.app.accounts.require_user(gina.mailbox.address)
    Mailbox.objects.filter(pk=other.mailbox.pk).update(
        provider="google",
        address=gina.mailbox.address.upper(),  # as that organization typed it
        provider_account={"email": gina.mailbox.address},
        credentials={"refresh_token": operator.app.issue_refresh_token(user.id, settings.GOOGLE_CLIENT_ID)},
        last_synced_at=timezone.now(),
    )
    name = listener_name()
    with listening():
        wait_until_listening(name)
        assert NotificationChannel.objects.filter(mailbox__in=[gina.mailbox, other.mailbox]).count() == 2
        _mail(operator, gina, "For both organizations")
        wait_for(lambda: _woken(gina) and queued_sessions(other.mailbox.pk))
        Mailbox.objects.filter(pk=gina.mailbox.pk).update(suspended=True)
        wait_for(lambda: not NotificationChannel.objects.filter(mailbox=gina.mailbox).exists())
        assert _gmail_watch(operator, gina.mailbox.address) is not None  # the other org's is still on
        get_broker().purge_queue()
        MailboxWake.objects.all().delete()
        _mail(operator, gina, "Only for the other organization")
        wait_for(lambda: queued_sessions(other.mailbox.pk))
    assert _woken(gina) == []


def test_it_shows_the_gmail_listener_on_every_organizations_listener_page(
    gina: Person, operator: Operator, make_person: Any
) -> None:
    other = make_person("otto")
    with listening():
        wait_until_listening(listener_name())
        pages = [listener_health(p.organization.pk) for p in (gina, other)]
    for rows in pages:
        gmail = [r for r in rows if r.name == listener_name()]
        assert len(gmail) == 1 and gmail[0].shared
        assert gmail[0].kind == "Gmail notifications (Pub/Sub)"


def test_it_is_unavailable_while_the_subscription_is_missing(
    settings: Any, gina: Person, operator: Operator
) -> None:
    settings.GMAIL_PUBSUB_SUBSCRIPTION = "nobody-made-this"
    name = listener_name()
    with listening():
        lease = wait_for(
            lambda: ListenerLease.objects.filter(name=name, state=ListenerState.UNAVAILABLE).first()
        )
    assert lease.message.startswith("The Pub/Sub subscription (GMAIL_PUBSUB_SUBSCRIPTION) does not exist")
    assert not NotificationChannel.objects.exists()  # no watch publishes where nobody pulls


def test_it_watches_no_gmail_mailbox_of_an_organization_that_does_not_save_emails(gina: Person) -> None:
    EmailSettings.objects.filter(organization=gina.organization).update(enabled=False)
    with listening():
        wait_until_listening(listener_name())
    assert not NotificationChannel.objects.filter(mailbox=gina.mailbox, stream="emails").exists()
