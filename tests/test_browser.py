"""The pages in a real browser: `python main.py` (tests/live_server.py) driven by Debian's
Chromium through Playwright for Python. No browser is downloaded: Chromium comes from the
`chromium` apt package (.ci/install-browser); without /usr/bin/chromium these tests skip.

Screenshots land in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import PASSWORD, category_id
from live_server import LiveServer

from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, User, utcnow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
LIVE_WITHIN_MS = 2000

if not CHROMIUM.exists():
    # CI installs the browser first (.ci/run); there a missing browser is a failure, not a skip.
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} not found although CI is set: run bash .ci/install-browser")
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium package (bash .ci/install-browser)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(app: Any, database_url: str) -> Iterator[LiveServer]:
    with LiveServer(database_url, env={"SNIPE_WINDOW_SECONDS": "0"}) as live:
        yield live
        assert not unexpected_tracebacks(live.stderr_text()), live.stderr_text()


LOG_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", re.MULTILINE)


def unexpected_tracebacks(stderr: str) -> list[str]:
    """The server's logged tracebacks, less one benign kind: a browser that navigates away
    while engine.io upgrades its socket from polling closes the WebSocket under the upgrade
    probe, and the development server logs simple_websocket's ConnectionClosed."""
    return [
        record
        for record in LOG_RECORD.split(stderr)
        if "Traceback" in record and "simple_websocket.errors.ConnectionClosed" not in record
    ]


@pytest.fixture
def open_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """A page in a fresh browser context (its own cookies), failing the test on a JS error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def _open(viewport: dict[str, int] = DESKTOP, init_script: str | None = None) -> Any:
        context = browser.new_context(viewport=viewport, base_url=server.url)
        context.set_default_timeout(10_000)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # A form re-rendered with its errors is a 400 document: only failing assets and scripts count.
        page.on("console", lambda msg: errors.append(msg.text) if is_script_error(msg) else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if failed_asset(r) else None)
        page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm prompts
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, errors


def is_script_error(message: Any) -> bool:
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def failed_asset(response: Any) -> bool:
    return response.status >= 400 and response.request.resource_type != "document"


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#current-user")).to_have_text(username)


def wait_live(page: Any) -> None:
    """The page's socket is connected and has joined the auction's room."""
    expect(page.locator("#auction-live")).to_have_attribute("data-live", "joined")


def place_bid(page: Any, amount: str, description: str) -> float:
    wait_live(page)  # leave the page only once its join_auction is answered (see report: socket_events race)
    page.fill("#amount", amount)
    page.fill("#description", description)
    started = time.monotonic()
    page.get_by_role("button", name="Place bid").click()
    return started


def ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000


# --------------------------------------------------------------------------- accounts and forms


def test_register_log_in_and_post_an_auction_through_the_forms(open_page: Callable[..., Any]) -> None:
    page = open_page()
    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.fill("#username", "kavya")
    page.fill("#email", "kavya@example.com")
    page.fill("#password", "a-long-password")
    page.fill("#confirm_password", "a-long-password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome to Bid Bazaar, kavya.")
    expect(page.locator("#current-user")).to_have_text("kavya")  # registered is signed in

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Post a job").click()
    page.fill("#title", "Tap")  # too short, and no description: errors next to the fields
    page.select_option("#category_id", str(category_id("Plumbing")))
    page.fill("#location", "Andheri West, Mumbai")
    page.fill("#budget_min", "800")
    page.fill("#budget_max", "1500")
    deadline = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE)
    page.fill("#deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Post the job").click()
    expect(page.locator("#title-error")).to_contain_text("between 5 and 200 characters")
    expect(page.locator("#description-error")).to_be_visible()
    expect(page.locator("#location")).to_have_value("Andheri West, Mumbai")  # what was typed is kept
    screenshot(page, "auction-new-errors")

    page.fill("#title", "Fix the kitchen tap")
    page.fill("#description", "The kitchen tap drips all night; needs a new cartridge or a new tap.")
    page.get_by_role("button", name="Post the job").click()
    expect(page).to_have_url(re.compile(r"/auctions/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text("Your job is posted")
    expect(page.locator("h1")).to_have_text("Fix the kitchen tap")
    expect(page.locator("#deadline-text")).to_contain_text(deadline.strftime("%d %b %Y, %H:%M"))
    wait_live(page)


# --------------------------------------------------------------------------- live bidding


def test_bids_appear_live_for_the_customer_and_the_outbid_provider_is_told(
    open_page: Callable[..., Any], make_auction: Callable[..., Auction], make_user: Callable[..., User]
) -> None:
    asha = make_user("asha_c")
    make_user("ravi_p", provider=True)
    make_user("meena_p", provider=True)
    auction = make_auction(creator=asha, title="Deep cleaning before Diwali", budget_max=Decimal("3150"))

    # The customer watches with a device clock two hours fast: the countdown must not care.
    customer = open_page(init_script="(() => { const real = Date.now; Date.now = () => real() + 2 * 3600 * 1000; })();")
    log_in(customer, "asha_c")
    customer.goto(f"/auctions/{auction.id}")
    wait_live(customer)
    expect(customer.locator("#countdown")).to_have_text(re.compile(r"^23:5\d:\d\d$"))
    customer.evaluate("window.__sameDocument = true")

    ravi = open_page()
    log_in(ravi, "ravi_p")
    ravi.goto(f"/auctions/{auction.id}")
    started = place_bid(ravi, "1800", "Two cleaners, five hours, our own supplies")
    expect(customer.locator("#lowest-bid")).to_have_text("₹1,800", timeout=LIVE_WITHIN_MS)
    assert ms_since(started) < LIVE_WITHIN_MS
    expect(customer.locator("#bid-count")).to_have_text("1")
    expect(customer.locator("#bid-list .bid")).to_have_count(1)
    expect(ravi.locator(".flash-success")).to_contain_text("Your bid is in")
    wait_live(ravi)
    expect(ravi.locator("#notification-badge")).to_have_text("0")

    meena = open_page()
    log_in(meena, "meena_p")
    meena.goto(f"/auctions/{auction.id}")
    started = place_bid(meena, "1650.50", "Three cleaners, four hours")
    expect(customer.locator("#lowest-bid")).to_have_text("₹1,650.50", timeout=LIVE_WITHIN_MS)
    assert ms_since(started) < LIVE_WITHIN_MS
    expect(customer.locator("#bid-list .bid")).to_have_count(2)
    wait_live(meena)
    # The creator's full view (username) arrives through its personal room; watchers see "Bidder N".
    expect(customer.locator("#bid-list .bid").first).to_contain_text("Bidder 2 · meena_p")
    expect(customer.locator("#notification-badge")).to_have_text("2")
    # Ravi was outbid: his badge goes up on the page he is looking at, and a toast says why.
    expect(ravi.locator("#notification-badge")).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(ravi.locator("#live-messages")).to_contain_text("You were outbid")
    expect(ravi.locator("#lowest-bid")).to_have_text("₹1,650.50")
    assert customer.evaluate("window.__sameDocument") is True  # no reload happened
    screenshot(customer, "auction-desktop")

    # An anonymous watcher on a phone sees the same auction, without identities.
    phone = open_page(viewport=PHONE)
    phone.goto(f"/auctions/{auction.id}")
    wait_live(phone)
    expect(phone.locator("#bid-list")).not_to_contain_text("meena_p")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "auction-360")

    # The customer awards Meena's bid from the live list: everyone's page closes.
    customer.locator(".bid", has_text="meena_p").get_by_role("button", name="Award this bid").click()
    expect(customer.locator(".flash-success")).to_contain_text("Awarded")
    wait_live(customer)
    expect(phone.locator("#closed-notice")).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(phone.locator("#countdown")).to_have_text("Closed")
    expect(ravi.locator("#bid-panel")).to_be_hidden()
    expect(meena.locator("#notification-badge")).to_have_text("2")  # auction_won, booking_offered
    screenshot(customer, "auction-desktop-awarded")

    ravi.goto("/notifications")
    expect(ravi.locator(".notification")).to_have_count(2)  # outbid, auction_lost
    screenshot(ravi, "notifications")
    ravi.get_by_role("button", name="Mark all as read").click()
    expect(ravi.locator("#notification-badge")).to_have_text("0")

    home = open_page()
    home.goto("/")
    expect(home.locator("#stat-savings")).to_have_text("₹1,499.50")  # 3150 budget - 1650.50


def test_home_and_auction_list_on_a_desktop_and_a_phone(
    open_page: Callable[..., Any], make_auction: Any, make_user: Callable[..., User], make_bid: Any
) -> None:
    painter = make_user("painter", provider=True)
    make_auction(title="Repaint a 2BHK, two coats", category_id=category_id("Painting"), location="Pune, Maharashtra")
    movers = make_auction(title="Move a 1BHK across town", category_id=category_id("Local Shifting"))
    make_bid(painter, movers, "1750.50")
    desktop = open_page()
    desktop.goto("/")
    expect(desktop.locator("#stat-active")).to_have_text("2")
    expect(desktop.locator(".auction-card")).to_have_count(2)
    screenshot(desktop, "home")

    phone = open_page(viewport=PHONE)
    for path in ("/", "/auctions", "/login", "/register", f"/auctions/{movers.id}"):
        phone.goto(path)
        if path.startswith("/auctions/"):
            wait_live(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    phone.goto("/")
    screenshot(phone, "home-360")
    phone.goto("/auctions?q=move")
    expect(phone.locator(".auction-card")).to_have_count(1)
    screenshot(phone, "auctions-360")

    log_in(phone, "painter")
    phone.goto(f"/auctions/{movers.id}")
    wait_live(phone)
    expect(phone.locator("#my-standing")).to_have_text("You hold the lowest bid")  # so no undercut form
    expect(phone.locator("#bid-form")).to_be_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "auction-provider-360")


# --------------------------------------------------------------------------- admin


def test_an_admin_deactivates_a_user_whose_next_page_load_is_logged_out(
    open_page: Callable[..., Any], make_user: Callable[..., User], make_auction: Any, make_bid: Any
) -> None:
    make_user("root_admin", admin=True)
    ravi = make_user("ravi_p", provider=True)
    meena = make_user("meena_p", provider=True)
    auction = make_auction(title="Fix the kitchen sink leak")
    make_bid(ravi, auction, 1800)
    make_bid(meena, auction, 1650)
    make_bid(ravi, auction, "1500.50")

    user = open_page()
    log_in(user, "ravi_p")
    expect(user.locator("body")).to_have_attribute("data-socket", "connected")

    admin = open_page()
    log_in(admin, "root_admin")
    admin.get_by_role("link", name="Admin", exact=True).click()
    expect(admin.locator("#bids-per-day rect.bar")).to_have_count(30)
    expect(admin.locator("#auctions-by-status rect.bar")).to_have_count(4)
    screenshot(admin, "admin-dashboard")

    admin.get_by_role("link", name="Users").click()
    admin.fill("#q", "ravi")
    admin.get_by_role("button", name="Filter").click()
    row = admin.locator('tr[data-username="ravi_p"]')
    row.get_by_role("button", name="Verify").click()
    expect(admin.locator(".flash-success")).to_contain_text("ravi_p is now a verified provider")
    row.get_by_role("button", name="Deactivate").click()
    expect(admin.locator(".flash-success")).to_contain_text("ravi_p was deactivated")
    expect(row).to_contain_text("deactivated")
    screenshot(admin, "admin-users")

    # The open socket is dropped at once, and the next page load is anonymous.
    expect(user.locator("body")).to_have_attribute("data-socket", re.compile("disconnected|refused"))
    user.reload()
    expect(user.locator("#login-link")).to_be_visible()
    expect(user.locator("#current-user")).to_have_count(0)
    user.goto("/notifications")
    expect(user).to_have_url(re.compile(r"/login\?next="))
    user.fill("#username", "ravi_p")
    user.fill("#password", PASSWORD)
    user.get_by_role("button", name="Log in").click()
    expect(user.locator("#password-error")).to_have_text("This account has been deactivated")  # right password
    user.get_by_role("link", name="Auctions").click()  # browsing still works, anonymously
    expect(user.locator(".auction-card")).to_have_count(1)

    # The rest of the console: an auction's bid chart, its cancellation, the category tree.
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Auctions").click()
    admin.get_by_role("link", name="Fix the kitchen sink leak").click()
    expect(admin.locator("#bid-amounts circle")).to_have_count(3)
    screenshot(admin, "admin-auction")
    admin.get_by_label("Reason (shown to the bidders)").fill("Duplicate of another job.")
    admin.get_by_role("button", name="Cancel auction").click()
    expect(admin.locator(".flash-success")).to_contain_text("cancelled")
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Categories").click()
    plumbing = admin.locator(f'li[data-category-id="{auction.category_id}"]')
    expect(plumbing.locator(".tree-row").get_by_role("button", name="Delete")).to_have_count(0)  # in use
    admin.fill("#name", "Gardening")
    admin.get_by_role("button", name="Create").click()
    expect(admin.locator(".flash-success")).to_contain_text("Gardening")
    screenshot(admin, "admin-categories")
