"""End to end in a real headless Chromium (Debian's, driven by Playwright), with screenshots as artifacts.

Screenshots go to $SHOPAGENT_ARTIFACTS (default: test-artifacts/ in the repository). Without
/usr/bin/chromium these tests skip here and fail under CI, which installs it.
"""

from __future__ import annotations

import json

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import skimage
from conftest import require

ASTRONAUT = Path(skimage.__file__).parent / "data" / "astronaut.png"
ARTIFACTS = Path(os.environ.get("SHOPAGENT_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    require(chromium is not None, "Debian's chromium is not installed (apt-get install chromium; make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, ui_server: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def shot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def send(page, text: str, photo: Path | None = None) -> None:  # noqa: ANN001
    box = page.locator("#message textarea")
    if photo is not None:
        page.locator("#message input[type=file]").set_input_files(str(photo))
        page.wait_for_timeout(500)
    box.fill(text)
    box.press("Enter")


def answers(page) -> int:  # noqa: ANN001
    return page.locator("#chat .message.bot, #chat [data-testid='bot']").count()


def test_type_a_query_and_see_product_cards(page, ui_server: str) -> None:  # noqa: ANN001
    page.goto(ui_server + "/")
    send(page, "I'm looking for a dress")
    page.locator("#cards img").first.wait_for()
    assert page.locator("#cards img").count() >= 1
    assert "search_products" in page.locator("#chat").inner_text()
    assert page.locator("#cards img").first.get_attribute("alt") is not None
    page.wait_for_function("document.querySelector('#cards img').naturalWidth > 0", timeout=30_000)  # it loads
    assert shot(page, "shopper-search").stat().st_size > 10_000


def test_upload_a_photo_and_get_size_advice(page, ui_server: str) -> None:  # noqa: ANN001
    page.goto(ui_server + "/")
    page.locator("input[type=number]").first.fill("4")  # signed in as a customer with a size history
    send(page, "show me t-shirts")
    page.locator("#cards img").first.wait_for()
    send(page, "what size should I take for the first one?", photo=ASTRONAUT)
    page.locator("#size-advice h3").wait_for()
    assert "Confidence" in page.locator("#size-advice").inner_text()
    shot(page, "shopper-size-advice")


def test_click_try_on_and_see_the_picture(page, ui_server: str) -> None:  # noqa: ANN001
    page.goto(ui_server + "/")
    send(page, "hi", photo=ASTRONAUT)  # the photo joins the conversation
    page.get_by_text("What are you looking for today?").wait_for()
    send(page, "show me t-shirts")
    page.locator("#cards img").first.wait_for()
    page.locator("#cards img").first.click()
    page.wait_for_function("document.querySelector('#product textarea, #product input').value !== ''")
    page.get_by_role("button", name="Try on").click()
    page.locator("#tryon img").first.wait_for()
    assert page.locator("#tryon img").count() == 2  # before and after, on a slider
    assert "on your photo" in page.locator("#chat").inner_text()
    shot(page, "shopper-try-on")


def test_the_staff_page_asks_for_a_login(page, ui_server: str) -> None:  # noqa: ANN001
    page.goto(ui_server + "/staff/")
    page.wait_for_load_state("networkidle")
    text = page.content()
    assert "Customer-care staff only" in text or "login" in text.lower()
    assert "Customer-care copilot" not in page.locator("body").inner_text()
    shot(page, "staff-login")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", "correct horse 1")
    page.click("button[type=submit]")
    page.wait_for_selector("#find-customer", timeout=60_000)  # signed in: the copilot itself
    assert "Customer-care copilot" in page.locator("body").inner_text()
    shot(page, "staff-copilot")


def test_a_reload_continues_the_conversation(page, ui_server: str) -> None:  # noqa: ANN001
    page.goto(ui_server + "/")
    before = page.evaluate("localStorage.getItem('shopagent-conversation')")
    send(page, "I'm looking for a dress")
    page.locator("#cards img").first.wait_for()  # answered
    page.wait_for_function(f"localStorage.getItem('shopagent-conversation') !== {json.dumps(before)}")  # key kept
    page.reload()  # what a server restart does to the tab's state: only the browser's copy of the key is left
    page.wait_for_function("(document.querySelector('#chat')?.innerText || '').includes('looking for a dress')",
                           timeout=60_000)
    shot(page, "shopper-after-reload")
