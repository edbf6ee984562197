"""Forms in a real browser at 1280x800 and 360x740: the creator's edit page, a bid typed
before the session ended elsewhere that survives the round trip through logging in, and a
new user welcomed (not welcomed back)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from helpers import PASSWORD
from test_browser import browser, expect, log_in, open_page, screenshot, server  # noqa: F401  (fixtures)

from bidbazaar.models import Auction, User

WIDTHS = {"1280": {"width": 1280, "height": 800}, "360": {"width": 360, "height": 740}}


@pytest.fixture(params=list(WIDTHS))
def width(request: Any) -> str:
    return request.param


def log_out_in_another_tab(page: Any) -> None:
    """The same browser, another tab: its logout ends the session the first tab relies on."""
    other = page.context.new_page()
    other.goto("/")
    with other.expect_navigation():
        other.locator("form[action='/logout']").evaluate("form => form.submit()")
    other.close()


def test_the_creator_edits_an_auction_from_its_page(
    open_page: Callable[..., Any],  # noqa: F811
    make_auction: Callable[..., Auction],
    make_user: Callable[..., User],
    width: str,
) -> None:
    auction = make_auction(creator=make_user("asha_e"), title="Fix the bathroom tap")
    page = open_page(WIDTHS[width])
    log_in(page, "asha_e")
    page.goto(f"/auctions/{auction.id}")

    page.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(rf"/auctions/{auction.id}/edit$"))
    page.fill("#title", "Tap")  # too short, and a budget range upside down: both shown at once
    page.fill("#budget_max", "500")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#budget_max-error")).to_contain_text("₹1,000")
    screenshot(page, f"auction-edit-errors-{width}")

    page.fill("#title", "Fix the bathroom tap and shower")
    page.fill("#budget_max", "2500")
    page.fill("#requirements", "Bring a spare cartridge")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/auctions/{auction.id}$"))
    expect(page.locator(".flash-success")).to_contain_text("Your changes are saved")
    expect(page.locator("h1")).to_have_text("Fix the bathroom tap and shower")


def test_a_bid_typed_before_the_session_ended_survives_logging_in_again(
    open_page: Callable[..., Any],  # noqa: F811
    make_auction: Callable[..., Auction],
    make_user: Callable[..., User],
    width: str,
) -> None:
    make_user("ravi_s", provider=True)
    auction = make_auction(title="Repaint the balcony railing")
    page = open_page(WIDTHS[width])
    log_in(page, "ravi_s")
    page.goto(f"/auctions/{auction.id}")
    page.fill("#amount", "1750")
    page.fill("#description", "Scrape, prime and two coats of enamel")
    page.fill("#notes", "Can start on Saturday")

    log_out_in_another_tab(page)
    page.get_by_role("button", name="Place bid").click()

    expect(page.locator("h1")).to_have_text("You were signed out")
    expect(page.locator("#amount")).to_have_value("1750")
    expect(page.locator("#description")).to_have_value("Scrape, prime and two coats of enamel")
    expect(page.locator("#notes")).to_have_value("Can start on Saturday")
    screenshot(page, f"bid-signed-out-{width}")
    page.get_by_role("link", name="Log in to bid").click()
    page.fill("#username", "ravi_s")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/auctions/{auction.id}$"))
    expect(page.locator("#bid-form")).to_be_visible()


def test_a_new_user_is_welcomed_and_signed_in(open_page: Callable[..., Any], width: str) -> None:  # noqa: F811
    page = open_page(WIDTHS[width])
    page.goto("/register")
    page.fill("#username", f"kavya{width}")
    page.fill("#email", f"kavya{width}@example.com")
    page.fill("#password", "a-long-password")
    page.fill("#confirm_password", "a-long-password")
    page.get_by_role("button", name="Create account").click()

    expect(page.locator(".flash-success")).to_have_text(re.compile(rf"Welcome to Bid Bazaar, kavya{width}\."))
    expect(page.locator(".flash-success")).not_to_contain_text("back")
