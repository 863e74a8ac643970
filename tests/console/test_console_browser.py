"""Each console persona's main path clicked through in a real headless Chromium on a live server:
the org admin finds who is broken and downloads the CSV; support traces a meeting to its Salesforce
Event, resyncs it, and the change missed by the change reads reaches the calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from audit.models import AuditEntry
from sandbox.base import SandboxServer
from syncengine.models import ItemPair, Mailbox, Membership, Role, SyncCursor
from syncengine.services.sessions import session_run
from tests.onboarding.browser import (
    chromium,
    click_button,
    click_link,
    fill,
    log_in,
    policy_violations,
    wait_for_text,
)
from tests.support.calendar import in_days
from tests.support.people import Person, event_body

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def browser(sandboxes: tuple[SandboxServer, SandboxServer], tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(sandboxes[0], tmp_path / "chromium-profile") as driver:
        yield driver


def member(username: str, person: Person, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, organization=person.organization, role=role)
    return user


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_org_admin_who_is_broken_and_exports_it(
    browser: WebDriver, live_server: Any, person: Person, make_person: Any
):
    broken = make_person("bert", organization=person.organization)
    session_run(mailbox_id=person.mailbox.pk)
    Mailbox.objects.filter(pk=broken.mailbox.pk).update(
        suspended=True, cause_code="MAIL_AUTH_REVOKED", suspended_reason="Consent was revoked"
    )
    member("olga", person, Role.ORG_ADMIN)

    log_in(browser, live_server.url, "olga", PASSWORD)
    click_link(browser, "Console")
    wait_for_text(browser, "People and mailboxes")
    browser.find_element(By.NAME, "health").send_keys("Reconnect")
    click_button(browser, "Filter")
    wait_for_text(browser, "Reconnect the mailbox: Consent was revoked")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-health]")
    csv_link = browser.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    exported = requests.get(str(csv_link), cookies=cookies, timeout=20)

    assert [r.get_attribute("data-health") for r in rows] == ["reconnect"]
    assert broken.mailbox.address in exported.text and person.mailbox.address not in exported.text
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert policy_violations(browser) == []


@pytest.mark.django_db(transaction=True)
def test_it_lets_support_trace_a_meeting_and_resync_it(
    browser: WebDriver, live_server: Any, person: Person, q_sync: None
):
    created = person.outlook.create_event(**event_body("Board prep", in_days(1), in_days(1, 11)))
    session_run(mailbox_id=person.mailbox.pk)
    pair = ItemPair.objects.get(mailbox=person.mailbox)
    person.salesforce.Event.update(pair.crm_id, {"Location": "Room 7"})
    # The change reads missed it: the Salesforce cursor already stands past the change.
    cursor = SyncCursor.objects.get(mailbox=person.mailbox, stream="events", side="crm")
    window, _, _ = cursor.value.rpartition("|")
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    SyncCursor.objects.filter(pk=cursor.pk).update(value=f"{window}|{later}" if window else later)
    member("sam", person, Role.SUPPORT)

    log_in(browser, live_server.url, "sam", PASSWORD)
    browser.get(f"{live_server.url}/console/")
    click_link(browser, "Item trace")
    fill(browser, q="Board prep")
    click_button(browser, "Find")
    wait_for_text(browser, "Created in Salesforce")
    links = [
        a.get_attribute("href") or "" for a in browser.find_elements(By.CSS_SELECTOR, "a[target=_blank]")
    ]
    click_button(browser, "Resync this item safely")
    wait_for_text(browser, "A session is queued now")

    assert any(f"/lightning/r/Event/{pair.crm_id}/view" in link for link in links)
    assert any("outlook.office365.com/owa/" in link for link in links)
    assert person.outlook.get_event(created["id"])["location"]["displayName"] == "Room 7"
    assert AuditEntry.objects.filter(source="console", actor_name="sam").exists()
    assert policy_violations(browser) == []
