"""The journey after the award in a real browser (Debian's Chromium through Playwright, the
real server as in test_browser.py): the customer awards, the provider confirms and marks the
work done, the customer completes, both review, and the profiles show the reviews published.
Skips like test_browser.py without /usr/bin/chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from test_browser import browser, expect, log_in, open_page, screenshot, server  # noqa: F401  (fixtures)

from bidbazaar.models import Auction, User


def test_award_confirm_done_complete_and_both_review_in_the_pages(
    open_page: Callable[..., Any],  # noqa: F811
    make_auction: Callable[..., Auction],
    make_user: Callable[..., User],
    make_bid: Callable[..., Any],
) -> None:
    asha = make_user("asha_b")
    ravi = make_user("ravi_b", provider=True)
    auction = make_auction(creator=asha, title="Repaint the kitchen", budget_max=Decimal("5000"))
    make_bid(ravi, auction, "4200")

    customer = open_page()
    log_in(customer, "asha_b")
    customer.goto(f"/auctions/{auction.id}")
    customer.get_by_role("button", name="Award this bid").click()
    expect(customer.locator("#award-state")).to_contain_text("Awarded to ravi_b for ₹4,200, waiting for confirmation")

    provider = open_page()
    log_in(provider, "ravi_b")
    provider.get_by_role("link", name="My bookings").click()
    provider.locator("#bookings").get_by_role("link", name="Repaint the kitchen").click()
    expect(provider.locator("#time-left")).to_have_text(re.compile(r"^Confirm within 2[34]h \d+m$"))
    provider.get_by_role("button", name="Confirm the job").click()
    expect(provider.locator(".flash-success")).to_contain_text("Confirmed")
    expect(provider.locator("#contacts")).to_contain_text("asha_b@example.com")
    provider.get_by_role("button", name="Mark done").click()
    expect(provider.locator("#booking-status")).to_have_text("Marked done by the provider")

    customer.locator("#award-state").get_by_role("link", name="Open the booking").click()
    expect(customer.locator("#contacts")).to_contain_text("ravi_b@example.com")
    customer.get_by_role("button", name="Complete").click()
    expect(customer.locator(".flash-success")).to_contain_text("Completed")
    customer.locator("#review-form").get_by_label("★★★★", exact=True).check()
    customer.fill("#comment", "Neat lines, cleaned up after.")
    customer.get_by_role("button", name="Publish review").click()
    expect(customer.locator("#review-list")).to_contain_text("Neat lines")

    provider.reload()
    provider.locator("#review-form").get_by_label("★★★★★", exact=True).check()
    provider.fill("#comment", "Clear brief, paid on time.")
    provider.get_by_role("button", name="Publish review").click()
    expect(provider.locator("#review-list")).to_contain_text("Neat lines, cleaned up after.")

    provider.goto(f"/users/{ravi.id}")
    expect(provider.locator("#review-list")).to_contain_text("Neat lines, cleaned up after.")
    expect(provider.locator("#reputation")).to_contain_text("★ 4.0 (1)")
    provider.goto(f"/users/{asha.id}")
    expect(provider.locator("#review-list")).to_contain_text("Clear brief, paid on time.")
    screenshot(provider, "customer-profile-reviews")
