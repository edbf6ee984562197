"""The page chrome in a real browser (issue 18): toasts that can be dismissed and never cover
the bid form, the phone header's Menu, and an open page whose session the server ended.

At 1280 x 800 and 360 x 740, against the real server as in test_browser.py (whose fixtures this
module borrows); skips like it without /usr/bin/chromium. Toasts are made through the live
script's own BB.toast (the notification handler calls the same function); their delay is the
region's data-dismiss-ms, shortened here instead of waiting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from test_browser import browser, expect, log_in, open_page, server, wait_live  # noqa: F401  (fixtures)

from bidbazaar.models import User

WIDTHS = {"1280": {"width": 1280, "height": 800}, "360": {"width": 360, "height": 740}}
PHONE = WIDTHS["360"]


def toast(page: Any, text: str) -> None:
    page.evaluate("text => window.BidBazaar.toast(text)", text)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and (a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
    )


def provider_on_auction(
    new_page: Callable[..., Any], make_user: Callable[..., User], make_auction: Any, width: str
) -> tuple[Any, Any]:
    """A provider's page (from the open_page fixture) on an open auction, live; and the auction."""
    make_user("ravi_c", provider=True)
    auction = make_auction(title="Fix the kitchen sink leak")
    page = new_page(viewport=WIDTHS[width])
    log_in(page, "ravi_c")
    page.goto(f"/auctions/{auction.id}")
    wait_live(page)
    return page, auction


# --------------------------------------------------------------------------- toasts


@pytest.mark.parametrize("width", WIDTHS)
def test_a_toast_is_dismissed_by_its_button(open_page: Callable[..., Any], width: str) -> None:  # noqa: F811
    page = open_page(viewport=WIDTHS[width])
    page.goto("/")
    toast(page, "You were outbid")
    toasts = page.locator("#live-messages .toast")
    expect(toasts).to_have_count(1)

    toasts.get_by_role("button", name="Dismiss notification").click()

    expect(toasts).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_escape_dismisses_the_newest_toast(open_page: Callable[..., Any], width: str) -> None:  # noqa: F811
    page = open_page(viewport=WIDTHS[width])
    page.goto("/")
    toast(page, "First news")
    toast(page, "Second news")

    page.keyboard.press("Escape")

    expect(page.locator("#live-messages .toast-text")).to_have_text(["First news"])


@pytest.mark.parametrize("width", WIDTHS)
def test_at_most_three_toasts_show_and_the_oldest_goes_first(open_page: Callable[..., Any], width: str) -> None:  # noqa: F811
    page = open_page(viewport=WIDTHS[width])
    page.goto("/")
    for n in range(1, 5):
        toast(page, f"News {n}")

    expect(page.locator("#live-messages .toast-text")).to_have_text(["News 2", "News 3", "News 4"])


@pytest.mark.parametrize("width", WIDTHS)
def test_a_toast_goes_by_itself_after_the_regions_delay(open_page: Callable[..., Any], width: str) -> None:  # noqa: F811
    page = open_page(viewport=WIDTHS[width])
    page.goto("/")
    region = page.locator("#live-messages")
    expect(region).to_have_attribute("data-dismiss-ms", "8000")
    region.evaluate("el => el.setAttribute('data-dismiss-ms', '50')")  # instead of waiting 8 s

    toast(page, "Soon gone")

    expect(page.locator("#live-messages .toast")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_toasts_never_cover_the_bid_form(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
    make_auction: Any,
    width: str,
) -> None:
    page, _ = provider_on_auction(open_page, make_user, make_auction, width)
    for n in range(1, 4):
        toast(page, f"You were outbid on “Fix the kitchen sink leak”: the lowest bid is now ₹1,65{n}.")
    toasts = page.locator("#live-messages .toast")
    expect(toasts).to_have_count(3)

    for where in ("the form", "the page's end"):
        if where == "the form":
            page.locator("#bid-form").scroll_into_view_if_needed()
        else:
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        form = page.locator("#bid-form").bounding_box()
        for n in range(3):
            assert not overlaps(toasts.nth(n).bounding_box(), form), (width, where, n)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]


# --------------------------------------------------------------------------- the phone menu


def test_the_phone_header_is_one_line_with_a_menu_that_opens_and_closes(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    make_user("ravi_c", provider=True, admin=True)  # every link the header can show
    page = open_page(viewport=PHONE)
    log_in(page, "ravi_c")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    # One line: the brand and the button share a centre. Waited for, not read once: on a
    # loaded machine the first read can land before the header's last layout pass.
    page.wait_for_function(
        """() => {
            const centre = (el) => { const box = el.getBoundingClientRect(); return box.y + box.height / 2; };
            const brand = document.querySelector(".brand");
            const button = document.querySelector('.site-header button[aria-controls="site-nav"]');
            return Math.abs(centre(brand) - centre(button)) < 4;
        }""",
        timeout=5000,
    )
    button = menu.bounding_box()
    assert page.locator(".site-header").bounding_box()["height"] < 2 * button["height"]
    expect(menu).to_have_attribute("aria-controls", "site-nav")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="My bids")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()


def test_the_phone_menu_button_carries_the_unread_count(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
    make_auction: Any,
    make_bid: Any,
) -> None:
    ravi = make_user("ravi_c", provider=True)
    auction = make_auction()
    make_bid(ravi, auction, 1800)
    make_bid(make_user("meena_c", provider=True), auction, 1700)  # ravi is told he was outbid
    page = open_page(viewport=PHONE)

    log_in(page, "ravi_c")

    expect(page.get_by_role("button", name="Menu 1 unread")).to_be_visible()
    expect(page.locator("#menu-badge")).to_be_visible()


def test_the_phone_menu_works_from_the_keyboard(open_page: Callable[..., Any]) -> None:  # noqa: F811
    page = open_page(viewport=PHONE)
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    menu.focus()

    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Auctions")).to_be_focused()
    page.keyboard.press("Escape")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()


def test_the_desktop_header_shows_its_links_without_a_menu_button(open_page: Callable[..., Any]) -> None:  # noqa: F811
    page = open_page(viewport=WIDTHS["1280"])
    page.goto("/")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()


# --------------------------------------------------------------------------- a session ended elsewhere


@pytest.mark.parametrize("width", WIDTHS)
def test_a_deactivated_users_open_page_says_they_were_signed_out(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
    make_auction: Any,
    width: str,
) -> None:
    make_user("root_c", admin=True)
    page, auction = provider_on_auction(open_page, make_user, make_auction, width)
    admin = open_page()
    log_in(admin, "root_c")
    admin.goto("/admin/users?q=ravi_c")

    admin.locator('tr[data-username="ravi_c"]').get_by_role("button", name="Deactivate").click()

    expect(admin.locator(".flash-success")).to_contain_text("ravi_c was deactivated")
    login_again = re.compile(rf"/login\?next=%2Fauctions%2F{auction.id}$")
    expect(page.locator("#live-state")).to_have_text("You were signed out. Log in again")
    expect(page.locator("#live-state").get_by_role("link", name="Log in again")).to_have_attribute("href", login_again)
    notice = page.locator("#live-messages .toast", has_text="You were signed out.")
    expect(notice.get_by_role("link", name="Log in again")).to_have_attribute("href", login_again)
    expect(page.locator("body")).to_have_attribute("data-session", "ended")
    expect(page.locator("body")).to_have_attribute("data-socket", "disconnected")  # and no retry after it


@pytest.mark.parametrize("width", WIDTHS)
def test_logging_out_in_another_tab_says_so_on_the_open_page(
    open_page: Callable[..., Any],  # noqa: F811
    make_user: Callable[..., User],
    make_auction: Any,
    width: str,
) -> None:
    page, _ = provider_on_auction(open_page, make_user, make_auction, width)
    other_tab = page.context.new_page()  # the same cookie session
    other_tab.goto("/")

    if width == "360":
        other_tab.get_by_role("button", name="Menu").click()

    other_tab.get_by_role("button", name="Log out").click()

    expect(page.locator("#live-state")).to_have_text("You were signed out. Log in again")
