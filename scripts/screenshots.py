#!/usr/bin/env python3
"""Screenshots of a running demo's pages, as one person sees them, for notes and the README.

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --login olga:PASSWORD \
        console-people=/console/1/people/ statistics=/console/1/statistics/

Signs in on the sign-in page like a person, then saves each ``NAME=PATH`` as ``docs/screenshots/NAME.png``
(the whole page, at most 4,000 pixels tall). Headless Chromium from scripts/ensure-browser; nothing is
downloaded, and the browser talks to the web server only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _browser() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(executable_path="/usr/bin/chromedriver"))


def _sign_in(browser: WebDriver, base: str, username: str, password: str) -> None:
    browser.get(f"{base}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--login", required=True, help="username:password")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("pages", nargs="+", help="NAME=PATH")
    args = parser.parse_args()
    username, _, password = args.login.partition(":")
    args.out.mkdir(parents=True, exist_ok=True)
    browser = _browser()
    try:
        _sign_in(browser, args.base, username, password)
        for page in args.pages:
            name, _, path = page.partition("=")
            browser.set_window_size(1280, 900)
            browser.get(f"{args.base}{path}")
            time.sleep(1)
            height, chrome = browser.execute_script(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
            )
            browser.set_window_size(1280, min(max(height + chrome, 900), 4000))
            time.sleep(0.5)  # the page lays itself out again at the new size
            browser.save_screenshot(str(args.out / f"{name}.png"))
            print(f"{name}.png: {browser.title}")
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
