"""Playwright (Python) driving Debian's Chromium for journey tests. Never a downloaded browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dozor.core.tests.tools import require_tool

CHROMIUM = os.environ.get("DOZOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = require_tool("chromium", CHROMIUM, package="chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class ConsoleWatcher:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message: object) -> None:
        if getattr(message, "type", "") == "error":
            self.errors.append(str(getattr(message, "text", message)))

    def on_page_error(self, error: object) -> None:
        self.errors.append(str(error))


@pytest.fixture
def page(browser, live_server) -> Iterator[tuple[object, ConsoleWatcher]]:  # type: ignore[no-untyped-def]
    from dozor.packs import pack_load

    pack_load(code="kz")  # transactional tests start from a flushed database
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watcher = ConsoleWatcher()
    page.on("console", watcher.on_console)
    page.on("pageerror", watcher.on_page_error)
    page.set_default_timeout(15000)
    yield page, watcher
    context.close()


def screenshot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


JOURNEY_PASSWORD = "correct-horse-battery-staple"


def sign_in(  # type: ignore[no-untyped-def]
    browser, live_server, username: str, console: ConsoleWatcher, *, language: str = "", password: str = ""
):
    """A new browser context signed in as ``username`` (console errors go to ``console``); with
    ``language``, the interface is switched to it. Returns (context, page)."""
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    page.set_default_timeout(30000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or JOURNEY_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    if language:
        page.click(f"[data-testid=lang-{language}]")
        page.wait_for_selector(f"html[lang={language}]")
    return context, page
