"""The staff page in a real browser: Debian's headless Chromium, driven by Playwright.

The helpline runs under gunicorn (development mode, so plain http on 127.0.0.1 is allowed).
No browser is downloaded: Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from .conftest import ROOT
from .test_reload import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USER, PASSWORD = "staff", "a long test password"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run every test: {what}")
    pytest.skip(what)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copytree(ROOT / "prompts", site / "prompts")
    running = Server(site, HELPLINE_STAFF_USER=USER,
                     HELPLINE_STAFF_PASSWORD_HASH=generate_password_hash(PASSWORD))
    yield running
    running.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A page in a fresh headless Chromium profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 1000})
        try:
            yield browser.new_page()
        finally:
            browser.close()


def log_in(page: Any, base: str, password: str) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", USER)
    page.fill("#password", password)
    page.click("form button[type=submit]")


def test_staff_try_the_helpline_in_a_browser(server: Server, page: Any, tmp_path: Path) -> None:
    """Wrong password refused; then log in, text and call through the keypad, find the audio."""
    from playwright.sync_api import expect

    base = f"http://127.0.0.1:{server.port}"
    log_in(page, base, "not the password")
    expect(page.locator("#login-error")).to_have_text("Wrong name or password.")
    assert page.url == f"{base}/staff/login"

    log_in(page, base, PASSWORD)
    expect(page.locator("h1")).to_have_text("Try the helpline")
    assert page.url == f"{base}/staff/"

    # SMS: start in Dutch, then press 1 on the keypad.
    page.click("#sms button.start[lang=nl]")
    first = page.locator("#sms-thread li.helpline").nth(0)
    expect(first.locator(".text")).to_contain_text("Hulplijn mensenhandel. Informatie en hulp.")
    expect(first.locator(".segments")).to_have_text("2 segments · GSM-7 · 284 characters")
    page.click("#sms .keypad button[data-key='1']")
    second = page.locator("#sms-thread li.helpline").nth(1)
    expect(second.locator(".text")).to_contain_text("Je rechten")
    expect(second.locator(".segments")).to_contain_text("segment")

    # Call: the language menu in every language, then 2 for English.
    page.click("#call-start")
    expect(page.locator("#call-log li.say", has_text="For English, press 2.")).to_have_count(1)
    expect(page.locator("#call-status")).to_have_text("Waiting for a key (or silence).")
    page.click("#call .keypad button[data-key='2']")
    main_menu = page.locator("#call-log li.say", has_text="Main menu.")
    expect(main_menu).to_have_count(1)
    expect(main_menu.locator(".lang")).to_have_text("en-GB")
    audio = page.locator("#call audio")
    assert audio.count() >= 1
    expect(page.locator("#call-audio-note")).to_contain_text("Twilio's voice says the text above")
    page.screenshot(path=str(tmp_path / "staff-phone.png"), full_page=True)
