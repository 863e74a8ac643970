"""Connect Exchange (EWS) with a typed sign-in, tested against the EWS sandbox before anything is saved."""

from __future__ import annotations

import base64
import itertools
import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.base import SandboxServer
from syncengine.models import Mailbox, MailboxStatus, Provider
from syncengine.services.connectors import mail_connector_for
from syncengine.services.mailboxes import mailbox_suspend
from syncengine.services.sessions import session_run
from tests.support.people import Person

pytestmark = pytest.mark.django_db
PASSWORD = "Exch-Passw0rd!"
_numbers = itertools.count(1)
URL = "/connect/exchange/"


@pytest.fixture
def exchange(settings: Any, ews_server: SandboxServer) -> SandboxServer:
    settings.EWS_SERVICE_ENDPOINT = f"{ews_server.url}/EWS/Exchange.asmx"
    return ews_server


@pytest.fixture
def smtp(alice: Person, exchange: SandboxServer) -> str:
    address = f"ed{next(_numbers)}@{alice.organization.slug}.example"
    exchange.app.create_mailbox(address, "Ed", username=f"CONTOSO\\ed{next(_numbers)}", password=PASSWORD)
    return address


def _soap_calls(server: SandboxServer, operation: str | None = None) -> list[dict[str, Any]]:
    return [
        r for r in server.app.requests(path="/EWS/Exchange.asmx") if operation in (None, r.get("operation"))
    ]


def _post(client: Client, smtp: str, password: str = PASSWORD, url: str = URL, **extra: str) -> Any:
    return client.post(url, {"address": smtp, "username": smtp, "password": password, **extra})


def test_it_is_at_connect_exchange_and_linked_from_the_connect_page(alice: Person, alice_client: Client):
    assert reverse("onboarding:exchange") == URL
    page = alice_client.get(reverse("onboarding:connect")).content.decode()
    assert f'href="{URL}?org={alice.organization.pk}">Connect Exchange</a>' in page
    form = alice_client.get(URL).content.decode()
    assert 'type="password"' in form and "csrfmiddlewaretoken" in form
    assert Client().get(URL).status_code == 302  # sign in first


def test_it_connects_a_mailbox_after_one_ews_call_that_proves_the_password(
    alice: Person, alice_client: Client, exchange: SandboxServer, smtp: str, caplog: Any
):
    caplog.set_level(logging.DEBUG)
    response = _post(alice_client, smtp)

    assert response.status_code == 302 and response["Location"] == reverse("dashboard:home")
    mailbox = Mailbox.objects.get(provider=Provider.EWS, address=smtp)
    assert (mailbox.owner, mailbox.organization) == (alice.user, alice.organization)
    assert mailbox.provider_account == {"primary_smtp_address": smtp, "service_endpoint": ""}
    assert mailbox.credentials == {"username": smtp, "password": PASSWORD, "auth_type": "basic"}
    assert [r["operation"] for r in _soap_calls(exchange)] == ["GetFolder"]
    basic = base64.b64encode(f"{smtp}:{PASSWORD}".encode()).decode()
    assert PASSWORD not in caplog.text and basic not in caplog.text
    # What was saved is what the engine signs in with.
    exchange.app.create_item(
        smtp, "calendar", {"Subject": "x", "Start": "2030-01-01T10:00:00Z", "End": "2030-01-01T11:00:00Z"}
    )
    mail_connector_for(mailbox).check_sign_in()


def test_it_refuses_a_wrong_password_saves_nothing_and_never_echoes_it(
    alice_client: Client, exchange: SandboxServer, smtp: str
):
    response = _post(alice_client, smtp, password="Wr0ng-Secret-123")

    assert response.status_code == 400
    page = response.content.decode()
    assert "did not accept this username and password" in page
    assert "Wr0ng-Secret-123" not in page
    assert smtp in page  # the rest of the form is kept
    assert not Mailbox.objects.filter(address=smtp).exists()
    assert len(_soap_calls(exchange)) == 1  # one try, no retries with a wrong password


def test_it_requires_https_and_an_endpoint_when_the_server_has_none(
    alice_client: Client, exchange: SandboxServer, smtp: str, settings: Any
):
    plain = _post(alice_client, smtp, service_endpoint="http://mail.example.com/EWS/Exchange.asmx")
    assert plain.status_code == 400 and "must start with https://" in plain.content.decode()
    settings.EWS_SERVICE_ENDPOINT = ""
    missing = _post(alice_client, smtp)
    assert missing.status_code == 400 and "EWS URL" in missing.content.decode()
    assert _soap_calls(exchange) == [] and not Mailbox.objects.filter(address=smtp).exists()


def test_it_keeps_a_typed_endpoint_on_an_allowed_host_for_the_mailbox(
    alice_client: Client, exchange: SandboxServer, smtp: str, settings: Any
):
    endpoint = f"{exchange.url}/EWS/Exchange.asmx"
    settings.EWS_SERVICE_ENDPOINT = ""
    settings.EWS_ALLOWED_HOSTS = [f"127.0.0.1:{exchange.port}"]

    assert _post(alice_client, smtp, service_endpoint=endpoint).status_code == 302

    mailbox = Mailbox.objects.get(address=smtp)
    assert mailbox.provider_account == {"primary_smtp_address": smtp, "service_endpoint": endpoint}


def test_it_reconnects_a_mailbox_suspended_for_a_changed_password(
    alice: Person, alice_client: Client, exchange: SandboxServer, smtp: str
):
    assert _post(alice_client, smtp).status_code == 302
    mailbox = Mailbox.objects.get(address=smtp)
    exchange.app.set_password(smtp, "New-Passw0rd-2")
    mailbox_suspend(
        mailbox=mailbox,
        reason="Exchange no longer accepts this mailbox's sign-in: reconnect the mailbox.",
        automatic=True,
        code="MAIL_AUTH_REVOKED",
    )
    url = f"{URL}?mailbox={mailbox.pk}"
    dashboard = alice_client.get("/").content.decode()
    assert f'href="{url}"' in dashboard, "the dashboard offers the one-click Reconnect"
    form = alice_client.get(url).content.decode()
    assert f'value="{smtp}"' in form and "Reconnect" in form

    refused = _post(alice_client, smtp, url=url)  # still the old password
    assert refused.status_code == 400 and Mailbox.objects.get(pk=mailbox.pk).suspended

    done = _post(alice_client, smtp, password="New-Passw0rd-2", url=url)

    assert done.status_code == 302
    again = Mailbox.objects.get(pk=mailbox.pk)
    assert not again.suspended and again.status != MailboxStatus.SUSPENDED
    assert again.credentials["password"] == "New-Passw0rd-2"
    assert Mailbox.objects.filter(address=smtp).count() == 1


def test_it_reconnects_only_the_users_own_exchange_mailbox(
    alice: Person, alice_client: Client, exchange: SandboxServer, smtp: str, make_person: Any
):
    other = make_person("otto")
    assert alice_client.get(f"{URL}?mailbox={other.mailbox.pk}").status_code == 404
    assert alice_client.get(f"{URL}?mailbox={alice.mailbox.pk}").status_code == 404  # a Graph mailbox
    assert alice_client.get(f"{URL}?mailbox=abc").status_code == 404
    assert alice_client.get(f"{URL}?org=999999").status_code == 404


def test_it_never_sends_a_password_to_a_host_a_member_typed(
    alice_client: Client, exchange: SandboxServer, smtp: str, settings: Any
):
    settings.EWS_ALLOWED_HOSTS = []
    for endpoint in ("https://169.254.169.254/EWS/Exchange.asmx", "https://127.0.0.1:6379/EWS/Exchange.asmx"):
        refused = _post(alice_client, smtp, service_endpoint=endpoint)
        assert (
            refused.status_code == 400 and "not one this service may connect to" in refused.content.decode()
        )
    assert _soap_calls(exchange) == [] and not Mailbox.objects.filter(address=smtp).exists()


def test_it_refuses_at_sync_time_an_endpoint_no_longer_allowed(
    alice_client: Client, exchange: SandboxServer, smtp: str, settings: Any
):
    assert _post(alice_client, smtp).status_code == 302
    mailbox = Mailbox.objects.get(address=smtp)
    Mailbox.objects.filter(pk=mailbox.pk).update(  # e.g. repointed behind the engine's back
        provider_account={"primary_smtp_address": smtp, "service_endpoint": "https://evil.example/EWS"}
    )
    before = len(_soap_calls(exchange))

    session = session_run(mailbox_id=mailbox.pk)

    assert session is not None and session.outcome == "failed" and "EWS_ALLOWED_HOSTS" in session.error
    assert len(_soap_calls(exchange)) == before


def test_it_gives_one_message_whatever_answered_the_sign_in_check(
    alice_client: Client, exchange: SandboxServer, smtp: str, settings: Any
):
    settings.EWS_ALLOWED_HOSTS = ["127.0.0.1:9", f"127.0.0.1:{exchange.port}"]
    closed = _post(alice_client, smtp, service_endpoint="https://127.0.0.1:9/EWS/Exchange.asmx")
    not_ews = _post(alice_client, smtp, service_endpoint=f"{exchange.url}/not-ews")
    texts = [r.content.decode() for r in (closed, not_ews)]
    assert [r.status_code for r in (closed, not_ews)] == [400, 400]
    assert all("could not be checked with this Exchange server" in t for t in texts)
