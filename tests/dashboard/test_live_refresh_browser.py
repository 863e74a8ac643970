"""The live refresh in a real headless Chromium: a session that finishes while the person types shows
its results, and what they typed stays (the page is not reloaded; the part they type in is kept). And
the mapping editor stays inside its card."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from sandbox.base import SandboxServer
from syncengine.services.sessions import session_run
from tests.onboarding.browser import WAIT_SECONDS, chromium, log_in, policy_violations, wait_for_text
from tests.support.calendar import in_days
from tests.support.people import Person, event_body

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def browser(sandboxes: tuple[SandboxServer, SandboxServer], tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(sandboxes[0], tmp_path / "chromium-profile") as driver:
        yield driver


def signed_in(browser: WebDriver, live_server: Any, person: Person) -> None:
    user: User = person.user
    user.set_password(PASSWORD)
    user.save()
    log_in(browser, live_server.url, user.get_username(), PASSWORD)


def wait_for(browser: WebDriver, css: str) -> None:
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, css), message=f"{css} never appeared"
    )


@pytest.mark.django_db(transaction=True)
def test_it_shows_a_new_sessions_results_and_keeps_what_the_person_is_typing(
    browser: WebDriver, live_server: Any, person: Person
):
    person.outlook.create_event(
        **event_body("Offsite planning", in_days(1), in_days(1, 11), categories=["Salesforce"])
    )
    signed_in(browser, live_server, person)
    browser.execute_script("window.notReloaded = true;")
    reason = browser.find_element(By.NAME, "reason")
    reason.send_keys("Away for the team offsite")

    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None
    wait_for(browser, f'tr[data-session="{session.pk}"]')

    assert browser.find_element(By.NAME, "reason").get_attribute("value") == "Away for the team offsite"
    assert browser.execute_script("return window.notReloaded === true;")
    assert "Offsite planning" in browser.find_element(
        By.CSS_SELECTOR, '[data-part="sessions"]'
    ).get_attribute("textContent")
    assert browser.find_element(By.CSS_SELECTOR, "[data-live-note]").is_displayed()
    assert policy_violations(browser) == []


@pytest.mark.django_db(transaction=True)
def test_it_swaps_everything_in_when_nobody_is_typing(browser: WebDriver, live_server: Any, person: Person):
    signed_in(browser, live_server, person)
    browser.execute_script("window.notReloaded = true;")

    session = session_run(mailbox_id=person.mailbox.pk)
    assert session is not None
    wait_for(browser, f'tr[data-session="{session.pk}"]')

    assert browser.execute_script("return window.notReloaded === true;")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-live-note]").is_displayed()
    assert "Synced" in browser.find_element(By.CSS_SELECTOR, '[data-part="state"]').text


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_mapping_editor_inside_its_card(browser: WebDriver, live_server: Any, make_person: Any):
    boss = make_person("boss", role="org_admin")
    signed_in(browser, live_server, boss)
    browser.set_window_size(1024, 800)
    browser.get(f"{live_server.url}/org/{boss.organization.pk}/mappings/events/")
    wait_for_text(browser, "Edit the table")

    spilling = browser.execute_script(
        "return Array.from(document.querySelectorAll('section.card'))"
        ".filter((card) => card.scrollWidth > card.clientWidth).length;"
    )

    assert spilling == 0
