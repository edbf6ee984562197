"""The Questions section in a real browser (Debian's Chromium through Playwright, as in
tests/test_browser.py; skipped without them): a provider asks through the form, the
customer answers through theirs, and an anonymous watcher sees the answer appear live,
masked and without the asker's name."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import PASSWORD
from live_server import LiveServer

from bidbazaar.models import Auction, User

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} not found although CI is set: run bash .ci/install-browser")
    pytest.skip(f"{CHROMIUM} not found", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
expect = sync_api.expect
LIVE_WITHIN_MS = 2000


@pytest.fixture
def frozen() -> None:
    """The live server runs on the real clock: so does this test."""


@pytest.fixture
def open_page(app: Any, database_url: str) -> Iterator[Callable[[], Any]]:
    """Pages in fresh browser contexts on a live server; any JS error fails the test."""
    errors: list[str] = []
    with LiveServer(database_url) as server, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )

        def _open() -> Any:
            context = browser.new_context(base_url=server.url)
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            return page

        yield _open
        browser.close()
        logged = re.split(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", server.stderr_text(), flags=re.MULTILINE)
        # As in tests/test_browser.py: a page left while its socket upgrades logs ConnectionClosed.
        assert not [r for r in logged if "Traceback" in r and "ConnectionClosed" not in r], server.stderr_text()
    assert not errors, errors


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#current-user")).to_have_text(username)


def test_asked_on_the_page_answered_on_the_page_and_shown_live_to_a_watcher(
    open_page: Callable[[], Any], make_user: Callable[..., User], make_auction: Callable[..., Auction]
) -> None:
    asha = make_user("asha_c")
    make_user("ravi_p", provider=True)
    auction = make_auction(creator=asha, title="Fix the bathroom geyser")

    ravi = open_page()
    log_in(ravi, "ravi_p")
    ravi.goto(f"/auctions/{auction.id}")
    ravi.get_by_role("button", name="Ask in public").click()  # empty: the error under the field
    expect(ravi.locator("#body-error")).to_contain_text("This field is required.")
    ravi.fill("#body", "Which brand is the geyser? Call me on 98765 43210")
    ravi.get_by_role("button", name="Ask in public").click()
    expect(ravi.locator(".flash-success")).to_contain_text("Your question is published")
    expect(ravi.locator("#question-list")).to_contain_text("You asked")

    watcher = open_page()
    watcher.goto(f"/auctions/{auction.id}")
    expect(watcher.locator("#auction-live")).to_have_attribute("data-live", "joined")
    expect(watcher.locator("#question-list")).to_contain_text("A provider asked")
    expect(watcher.locator("#question-list")).to_contain_text("Call me on [contact hidden]")

    customer = open_page()
    log_in(customer, "asha_c")
    customer.goto(f"/auctions/{auction.id}")
    expect(customer.locator("#question-list")).to_contain_text("98765 43210")  # the customer's own view
    customer.locator(".answer-form textarea").fill("Racold, 15 litres. Mail me: asha@example.com")
    customer.get_by_role("button", name="Answer in public").click()
    expect(customer.locator(".flash-success")).to_contain_text("Your answer is published")

    answer = watcher.locator("#question-list .answer-body")
    expect(answer).to_have_text("Racold, 15 litres. Mail me: [contact hidden]", timeout=LIVE_WITHIN_MS)
    expect(watcher.locator("#question-list")).not_to_contain_text(re.compile("ravi_p|98765"))
