"""The admin console in a real browser at 1280 and 360 px (Debian's Chromium through
Playwright, the real server as in test_browser.py): the dashboard's figures and legible
charts, the closing-unbid link, and tables that scroll inside their box while the page never
scrolls sideways. Skips like test_browser.py without /usr/bin/chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from test_browser import DESKTOP, PHONE, browser, expect, log_in, open_page, screenshot, server  # noqa: F401

from bidbazaar import services
from bidbazaar.models import Auction, User, utcnow

WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])

#: Overlapping boxes among the elements a selector matches (none: the labels are legible).
OVERLAPS = """selector => {
  const boxes = [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect());
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) hits.push([a.left, b.left]);
  }));
  return hits;
}"""


def page_scroll_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def console(
    make_user: Callable[..., User], make_auction: Callable[..., Auction], make_bid: Any, customer: User
) -> dict[str, Auction]:
    """An admin, a long-named provider, one auction awarded today and three open ones near the
    24-hour line: only the two unbid ones closing within 24 hours count as closing unbid."""
    make_user("root_admin", admin=True)
    ravi = make_user("ravi_with_a_rather_long_username", provider=True)
    awarded = make_auction(title="Deep cleaning before Diwali")
    services.award_auction(customer, awarded.id, make_bid(ravi, awarded, 1800).id)
    soon = make_auction(title="Fix the bathroom tap", deadline=utcnow() + timedelta(hours=5))
    sooner = make_auction(title="Unblock the kitchen drain", deadline=utcnow() + timedelta(hours=3))
    make_bid(ravi, make_auction(title="Service the geyser", deadline=utcnow() + timedelta(hours=4)), 1500)
    make_auction(title="Repaint the balcony", deadline=utcnow() + timedelta(hours=30))
    return {"soon": soon, "sooner": sooner}


@WIDTHS
def test_the_dashboard_shows_the_figures_an_admin_acts_on(
    open_page: Callable[..., Any],  # noqa: F811
    console: dict[str, Auction],
    viewport: dict[str, int],
) -> None:
    admin = open_page(viewport)
    log_in(admin, "root_admin")
    admin.goto("/admin/")

    figures = admin.locator("#period-figures")
    expect(figures.locator('[data-figure="awarded_period"]')).to_have_text("1")
    expect(figures.locator('[data-figure="unawarded_period"]')).to_be_visible()
    expect(figures.locator('[data-figure="value_awarded_period"]')).to_have_text("₹1,800")
    expect(figures.locator('[data-figure="signups_period"]')).to_have_text("3")
    expect(figures.locator('[data-figure="closing_unbid"]')).to_have_text("2")
    for chart in ("bids-per-day", "outcomes-per-day", "signups-per-day", "auctions-by-status"):
        expect(admin.locator(f"#{chart}")).to_be_visible()
    screenshot(admin, f"admin-dashboard-figures-{viewport['width']}")


@WIDTHS
def test_the_charts_labels_are_legible_and_never_overlap(
    open_page: Callable[..., Any],  # noqa: F811
    console: dict[str, Auction],
    viewport: dict[str, int],
) -> None:
    admin = open_page(viewport)
    log_in(admin, "root_admin")
    admin.goto("/admin/")

    for chart in ("bids-per-day", "outcomes-per-day", "signups-per-day"):
        expect(admin.locator(f"#{chart} text.x-tick")).to_have_count(5)  # one a week, today's last
        assert admin.evaluate(OVERLAPS, f"#{chart} text.x-tick") == [], chart
        assert admin.evaluate(OVERLAPS, f"#{chart} text.y-tick") == [], chart
        height = admin.locator(f"#{chart} text.x-tick").first.bounding_box()["height"]
        assert height >= 10, (chart, height)  # scaled down no further than a legible size
    assert page_scroll_width(admin) <= viewport["width"]


@WIDTHS
def test_the_closing_unbid_figure_opens_exactly_those_jobs(
    open_page: Callable[..., Any],  # noqa: F811
    console: dict[str, Auction],
    viewport: dict[str, int],
) -> None:
    admin = open_page(viewport)
    log_in(admin, "root_admin")
    admin.goto("/admin/")

    admin.locator('[data-figure="closing_unbid"]').click()

    expect(admin).to_have_url(re.compile(r"/admin/auctions/closing-unbid$"))
    rows = admin.locator("#closing-unbid-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-auction-id", str(console["sooner"].id))
    expect(rows.nth(1)).to_have_attribute("data-auction-id", str(console["soon"].id))


@WIDTHS
def test_admin_pages_never_scroll_sideways(
    open_page: Callable[..., Any],  # noqa: F811
    console: dict[str, Auction],
    viewport: dict[str, int],
) -> None:
    admin = open_page(viewport)
    log_in(admin, "root_admin")

    for path in ("/admin/", "/admin/users", "/admin/auctions", "/admin/auctions/closing-unbid", "/admin/bookings"):
        admin.goto(path)
        expect(admin.locator("main#main h1").first).to_be_visible()
        assert page_scroll_width(admin) <= viewport["width"], path


def test_on_a_phone_the_users_table_scrolls_inside_its_box_from_the_keyboard(
    open_page: Callable[..., Any],  # noqa: F811
    console: dict[str, Auction],
) -> None:
    admin = open_page(PHONE)
    log_in(admin, "root_admin")
    admin.goto("/admin/users")
    region = admin.get_by_role("region", name="Users")
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")  # wider than the phone

    region.focus()
    admin.keyboard.press("ArrowRight")

    expect(region).to_be_focused()
    admin.wait_for_function("() => document.querySelector('.admin-scroll').scrollLeft > 0")
    assert page_scroll_width(admin) <= PHONE["width"]
