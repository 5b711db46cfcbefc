"""The proxy's conversations page in a real browser: a move supersedes the old city, the
history shows it, the last recall and its tokens are on the page."""

from __future__ import annotations

import os
from pathlib import Path

import openai
import pytest

from tests.proxy.conftest import ADMIN, Proxied

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MISSING = f"{CHROMIUM} is missing: install Debian's chromium (or run `make test`, which does)"

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def test_the_graph_changes_live(proxy: Proxied) -> None:
    ai = openai.OpenAI(base_url=proxy.url, api_key="none", max_retries=0)

    def say(text: str) -> None:
        ai.chat.completions.create(
            model="m", user="ana", messages=[{"role": "user", "content": text}]
        )

    say("I live in Berlin and I work as a nurse.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{proxy.root}/conversations")
        expect(page.locator("#error")).to_contain_text("admin token")  # says what to do
        page.fill("#token", "wrong")
        page.dispatch_event("#token", "change")
        expect(page.locator("#error")).to_contain_text("wrong")
        page.fill("#token", ADMIN)
        page.dispatch_event("#token", "change")
        page.wait_for_function("document.querySelectorAll('#user option').length > 1")
        page.select_option("#user", "ana")
        page.wait_for_function("window.mags.cy.getElementById('n:Berlin').length === 1")
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#recall-tokens")).to_contain_text("tokens")

        say("Big news: I moved to Munich!")
        page.wait_for_function(
            "window.mags.cy.getElementById('n:Munich').length === 1", timeout=20_000
        )
        assert page.evaluate("window.mags.cy.getElementById('n:Berlin').length") == 0
        expect(page.locator("#history")).to_contain_text("ana lives_in Berlin")
        expect(page.locator("#history")).to_contain_text("superseded")
        expect(page.locator("#recall")).to_contain_text("Berlin")  # what went into that request
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "proxy-conversations.png"))
        browser.close()
    assert errors == []
