"""A real headless Chromium (the system's chromium + chromedriver) driven by Selenium.

Selenium Manager never runs: the driver's path is given, so nothing is downloaded. Chromium
trusts exactly the sandboxes' TLS key (``--ignore-certificate-errors-spki-list``), as a browser
trusts a real provider's certificate; nothing else about TLS is relaxed.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from sandbox.base import SandboxServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 20


def spki_hash(server: SandboxServer) -> str:
    """base64(sha256(SubjectPublicKeyInfo)) of the certificate the server presents."""
    parts = urlsplit(server.url)
    pem = ssl.get_server_certificate((parts.hostname or "127.0.0.1", parts.port or 443))
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@contextmanager
def chromium(trusted: SandboxServer, profile: Path) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    assert not missing, f"run scripts/ensure-browser first: {', '.join(missing)} missing"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespaces for Chromium's sandbox
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
        f"--ignore-certificate-errors-spki-list={spki_hash(trusted)}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for policy violations
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    # A page that is being replaced by the next one answers "stale" for a moment: look again.
    return WebDriverWait(
        driver, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    )


def wait_for_text(driver: WebDriver, text: str) -> None:
    _wait(driver).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text, message=f"{text!r} never appeared"
    )


def wait_for_url(driver: WebDriver, prefix: str) -> None:
    _wait(driver).until(lambda d: d.current_url.startswith(prefix), message=f"never reached {prefix}")


def fill(driver: WebDriver, **fields: str) -> None:
    for name, value in fields.items():
        element = _wait(driver).until(lambda d, n=name: d.find_element(By.NAME, n))
        element.clear()
        element.send_keys(value)


def _click(driver: WebDriver, by: str, selector: str) -> None:
    def clicked(d: WebDriver) -> bool:
        d.find_element(by, selector).click()
        return True

    _wait(driver).until(clicked, message=f"cannot click {selector}")


def click_button(driver: WebDriver, label: str) -> None:
    _click(driver, By.XPATH, f"//button[normalize-space()='{label}']")


def click_link(driver: WebDriver, label: str) -> None:
    _click(driver, By.LINK_TEXT, label)


def policy_violations(driver: WebDriver) -> list[str]:
    """What the console said about the Content-Security-Policy since the last call (reading empties it)."""
    messages = [entry["message"] for entry in driver.get_log("browser")]
    return [message for message in messages if "Content Security Policy" in message]


def log_in(driver: WebDriver, base_url: str, username: str, password: str) -> None:
    driver.get(f"{base_url}/accounts/login/")
    fill(driver, username=username, password=password)
    click_button(driver, "Sign in")
    wait_for_text(driver, "Your sync")
