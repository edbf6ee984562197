"""The auction list in a real browser at 1280 and 360 px (issue 18): 12 open cards a page,
each saying how long is left; Next/Previous walk the pages; after page 1 the filters fold
under a summary that opens; the closed switch brings closed jobs in; the search box finds a
city. Skips like test_browser.py without /usr/bin/chromium. The server-rendered details of
each rule are in tests/test_listing_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_browser import browser, expect, open_page, server  # noqa: F401  (fixtures)

from bidbazaar.extensions import db
from bidbazaar.models import Auction

WIDTHS = {"1280": {"width": 1280, "height": 800}, "360": {"width": 360, "height": 740}}


@pytest.fixture(params=sorted(WIDTHS), ids=lambda width: f"{width}px")
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return WIDTHS[request.param]


@pytest.fixture
def jobs(make_auction: Callable[..., Auction]) -> dict[str, Auction]:
    """13 open jobs (one in Pune) and one that has ended."""
    for n in range(12):
        make_auction(
            title=f"Deep clean flat {n}", location="Mumbai", deadline=datetime.now(UTC) + timedelta(days=2 + n)
        )
    pune = make_auction(title="Service two split ACs", location="Pune, Maharashtra")
    ended = make_auction(title="Paint the balcony railing", location="Mumbai")
    ended.status = "expired"
    db.session.commit()
    return {"pune": pune, "ended": ended}


@pytest.fixture
def listing(open_page: Callable[..., Any], viewport: dict[str, int], jobs: dict[str, Auction]) -> Any:  # noqa: F811
    page = open_page(viewport=viewport)
    page.goto("/auctions")
    return page


def test_the_first_page_shows_twelve_open_cards_each_with_its_time_left(listing: Any) -> None:
    cards = listing.locator(".auction-card")

    expect(cards).to_have_count(12)
    expect(listing.locator(".auction-card .time-left")).to_have_count(12)
    for text in listing.locator(".auction-card .time-left").all_inner_texts():
        assert text.endswith(" left"), text
    expect(listing.get_by_text("Paint the balcony railing")).to_have_count(0)


def test_next_and_previous_walk_the_pages_and_fold_the_filters_after_the_first(listing: Any) -> None:
    expect(listing.locator("#filters")).to_have_attribute("open", "")
    listing.get_by_role("link", name="Next →").click()

    expect(listing.locator(".auction-card")).to_have_count(1)
    expect(listing.locator("#filters")).not_to_have_attribute("open", "")
    expect(listing.locator("#filters-summary")).to_be_visible()
    listing.locator("#filters summary").click()
    expect(listing.locator("#q")).to_be_visible()

    listing.get_by_role("link", name="← Previous").click()
    expect(listing.locator(".auction-card")).to_have_count(12)


def test_the_closed_switch_brings_ended_jobs_in(listing: Any) -> None:
    listing.locator("#closed-switch").click()
    listing.locator("#filters").evaluate("d => d.open = true")
    listing.fill("#q", "balcony")
    listing.get_by_role("button", name="Search").click()

    expect(listing.locator(".auction-card")).to_have_count(1)
    expect(listing.locator(".auction-card .time-left")).to_contain_text("Closed")
    expect(listing.locator(".auction-card .meta")).to_contain_text("Ended without award")


def test_the_search_box_finds_a_city(listing: Any) -> None:
    listing.fill("#q", "pune")
    listing.get_by_role("button", name="Search").click()

    expect(listing.locator(".auction-card")).to_have_count(1)
    expect(listing.locator(".auction-card .card-title")).to_have_text("Service two split ACs")
