"""Our pages and the Django admin under the Content-Security-Policy in a real headless Chromium:
everything they need still loads and runs, and nothing is refused; an injected script is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from syncengine.models import Role
from tests.onboarding.browser import log_in, policy_violations, wait_for_text
from tests.support.people import Person

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def live(onboarding_settings: Any, live_server: Any) -> str:
    onboarding_settings.PUBLIC_BASE_URL = live_server.url
    return str(live_server.url)


@pytest.fixture
def boss(make_person: Callable[..., Person]) -> Person:
    """An org admin who is also a superuser, so one sign-in opens our pages and the admin."""
    person = make_person("boss", role=Role.ORG_ADMIN)
    person.user.is_staff = person.user.is_superuser = True
    person.user.save()
    return person


def visit(driver: WebDriver, url: str, text: str) -> list[str]:
    driver.get(url)
    wait_for_text(driver, text)
    return policy_violations(driver)


@pytest.mark.django_db(transaction=True)
def test_it_shows_our_pages_and_the_admin_without_a_policy_violation(
    browser: WebDriver, live: str, boss: Person
):
    org = boss.organization.pk
    log_in(browser, live, boss.user.username, PASSWORD)
    pages = [
        (reverse("dashboard:home"), "Your sync"),
        (reverse("onboarding:connect"), "Connect your mailbox"),
        (reverse("dashboard:org_settings", args=[org]), "Sync settings"),
        (reverse("dashboard:org_mappings", args=[org, "events"]), "Mapping"),
        (reverse("blocklists:org_page", args=[org]), "Free email domains"),
        (reverse("emails:mine"), "mail"),
        (reverse("admin:index"), "Site administration"),
        (reverse("admin:auth_user_change", args=[boss.user.pk]), "Change user"),
        (reverse("admin:axes_accessattempt_changelist"), "access attempt"),
        (reverse("admin:syncengine_mailbox_changelist"), "mailbox"),
    ]

    violations = {path: visit(browser, live + path, text) for path, text in pages}

    assert {path: found for path, found in violations.items() if found} == {}
    browser.get(live + reverse("blocklists:org_page", args=[org]))
    chips = browser.find_element(By.CSS_SELECTOR, "ul.chips")
    assert chips.value_of_css_property("display") == "flex"  # the style sheet that replaced the inline one
    browser.get(live + reverse("admin:auth_user_change", args=[boss.user.pk]))
    wait_for_text(browser, "Change user")
    assert browser.find_elements(By.CSS_SELECTOR, ".selector-filter")  # the admin's own scripts ran


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_injected_inline_script(browser: WebDriver, live: str, boss: Person):
    log_in(browser, live, boss.user.username, PASSWORD)
    policy_violations(browser)

    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s);"
    )

    assert browser.execute_script("return window.injected") is None
    assert any("script-src" in message for message in policy_violations(browser))
