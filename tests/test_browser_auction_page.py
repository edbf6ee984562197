"""The auction page guides a bidding provider, live, in a real browser (issue 18), at 1280 and
360 px wide: two providers in two browser contexts against the real server as in
test_browser.py. The standing flips to "You were outbid" and the limit ("Enter ₹1,699 or
less") follows the lowest bid without a reload; a live bid row reads like a server-rendered
one (IST time, estimated duration, "(you)"); the closing toast and panel name the winning
bid; on a phone the job comes before the bid form. Skips like test_browser.py without
/usr/bin/chromium. The server-rendered side is in tests/test_auction_page.py."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from test_browser import (  # noqa: F401  (fixtures)
    browser,
    expect,
    log_in,
    open_page,
    place_bid,
    screenshot,
    server,
    wait_live,
)

from bidbazaar.extensions import db
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, Bid, User

WIDTHS = {"1280": {"width": 1280, "height": 800}, "360": {"width": 360, "height": 740}}
LIVE_WITHIN_MS = 2000
#: What a bid row says, live or rendered (the creator's rendered rows add the bidder's record).
ROW_PARTS = ".bid-amount, .bid-who, .bid-status, .bid-time, .bid-description"


@pytest.fixture(params=sorted(WIDTHS), ids=lambda width: f"{width}px")
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return WIDTHS[request.param]


@pytest.fixture
def job(make_auction: Callable[..., Auction], make_user: Callable[..., User]) -> Auction:
    """An open job (budget ₹1,000 to ₹2,000) with its customer and two providers, no bids yet."""
    make_user("ravi_g", provider=True)
    make_user("meena_g", provider=True)
    return make_auction(creator=make_user("asha_g"), title="Service two split ACs", budget_max=Decimal("2000"))


@pytest.fixture
def visit(open_page: Callable[..., Any], viewport: dict[str, int], job: Auction) -> Callable[[str], Any]:  # noqa: F811
    """The job's page, at this test's width, in a fresh browser context logged in as `who`."""

    def _visit(who: str) -> Any:
        page = open_page(viewport=viewport)
        log_in(page, who)
        page.goto(f"/auctions/{job.id}")
        wait_live(page)
        return page

    return _visit


def bid(page: Any, amount: str, duration: str = "") -> None:
    """Place a bid through the page's form (the page reloads on the answer)."""
    if duration:
        page.fill("#estimated_duration", duration)
    place_bid(page, amount, "Both units: filters, coils and gas pressure check.")
    expect(page.locator(".flash-success")).to_contain_text("Your bid is in")
    wait_live(page)


def server_time_of(amount: str) -> str:
    """A bid's time as the server renders a row's (templates/auction.html)."""
    db.session.rollback()  # a fresh read: the server wrote the bid
    placed = db.session.query(Bid).filter_by(amount=Decimal(amount)).one()
    return placed.created_at.astimezone(PAGE_TIMEZONE).strftime("%d %b, %H:%M:%S IST")


# --------------------------------------------------------------------------- standing and limit


def test_the_outbid_provider_sees_its_standing_and_limit_change_without_a_reload(visit: Callable[[str], Any]) -> None:
    ravi = visit("ravi_g")
    expect(ravi.locator("#amount-hint")).to_have_text("Enter ₹2,000 or less")
    bid(ravi, "1800")
    expect(ravi.locator("#my-standing")).to_have_text("You hold the lowest bid")
    expect(ravi.locator("#bid-form")).to_be_hidden()
    ravi.evaluate("window.__sameDocument = true")

    meena = visit("meena_g")
    expect(meena.locator("#amount-hint")).to_have_text("Enter ₹1,799 or less")
    bid(meena, "1700")

    expect(ravi.locator("#my-standing")).to_have_text("You were outbid", timeout=LIVE_WITHIN_MS)
    expect(ravi.locator("#bid-form")).to_be_visible()
    expect(ravi.locator("#amount-hint")).to_have_text("Enter ₹1,699 or less")
    expect(ravi.locator("#amount")).to_have_attribute("max", "1699.00")
    assert ravi.evaluate("window.__sameDocument") is True
    screenshot(ravi, f"auction-outbid-{ravi.viewport_size['width']}")


def test_a_providers_own_bid_from_another_tab_arrives_marked_you_and_leading(visit: Callable[[str], Any]) -> None:
    ravi = visit("ravi_g")
    bid(ravi, "1800")
    meena = visit("meena_g")
    bid(meena, "1700")
    expect(ravi.locator("#my-standing")).to_have_text("You were outbid", timeout=LIVE_WITHIN_MS)

    bid(visit("ravi_g"), "1600")  # the same provider in a second tab
    expect(ravi.locator("#bid-list .bid").first.locator(".bid-who")).to_have_text(
        "Bidder 1 (you)", timeout=LIVE_WITHIN_MS
    )
    expect(ravi.locator("#my-standing")).to_have_text("You hold the lowest bid")
    expect(ravi.locator("#bid-form")).to_be_hidden()
    expect(meena.locator("#my-standing")).to_have_text("You were outbid")
    expect(meena.locator("#amount-hint")).to_have_text("Enter ₹1,599 or less")


# --------------------------------------------------------------------------- live rows


def test_a_live_bid_row_carries_the_ist_time_and_duration_like_a_rendered_one(visit: Callable[[str], Any]) -> None:
    asha = visit("asha_g")
    bid(visit("meena_g"), "1700", duration="3 hours")
    live_row = asha.locator("#bid-list .bid").first
    expect(live_row.locator(".bid-description")).to_contain_text("· 3 hours", timeout=LIVE_WITHIN_MS)
    expect(live_row.locator(".bid-time")).to_have_text(server_time_of("1700"))
    live = live_row.locator(ROW_PARTS).all_inner_texts()

    asha.reload()
    wait_live(asha)
    assert asha.locator("#bid-list .bid").first.locator(ROW_PARTS).all_inner_texts() == live


# --------------------------------------------------------------------------- closing


def test_the_closing_toast_and_panel_name_the_winning_bid(visit: Callable[[str], Any]) -> None:
    ravi = visit("ravi_g")
    bid(ravi, "1800")
    meena = visit("meena_g")
    bid(meena, "1650")
    asha = visit("asha_g")

    asha.locator(".bid", has_text="meena_g").get_by_role("button", name="Award this bid").click()
    expect(asha.locator(".flash-success")).to_contain_text("Awarded")

    expect(ravi.locator("#live-messages")).to_contain_text("Won by ₹1,650 (Bidder 2).", timeout=LIVE_WITHIN_MS)
    expect(ravi.locator("#closed-winner")).to_have_text("Won by ₹1,650 (Bidder 2).")
    expect(ravi.locator("#deadline-label")).to_have_text("Closed")
    expect(ravi.locator("#my-standing")).to_be_hidden()
    expect(meena.locator("#my-standing")).to_have_text("You won", timeout=LIVE_WITHIN_MS)
    screenshot(ravi, f"auction-closed-{ravi.viewport_size['width']}")


# --------------------------------------------------------------------------- layout


def test_the_job_description_comes_before_the_bid_form_only_on_a_phone(
    visit: Callable[[str], Any], viewport: dict[str, int]
) -> None:
    ravi = visit("ravi_g")
    job_top = ravi.locator(".panel.about").bounding_box()["y"]
    form_top = ravi.locator("#bid-panel").bounding_box()["y"]
    if viewport["width"] < 640:
        assert job_top < form_top
    else:
        assert form_top < job_top
    assert ravi.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
