"""axe-core in every page, at both widths, for every kind of visitor (issue 18, "Accessible to
everyone"); and the screenshots in docs/screenshots/ ("Show it"). See docs/accessibility.md.

One live server and one data set serve the whole module: a customer's open auction with two
bids, a question and a watcher; an awarded one with its booking offer; a cancelled one to post
again; a saved search. Each (visitor, width) has one logged-in browser page that walks its
pages. axe-core comes from npm (tests/a11y, `npm ci` there): the page's CSP forbids injected
script tags, so its source is evaluated in the page. A serious or critical violation fails.

`test_every_page_route_is_walked_or_excused` keeps the walk complete: a new GET page route
fails it until it is walked or excused with a reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import PASSWORD, ROOT, category_id, empty_tables
from live_server import DEFAULT_ENV, LiveServer

from app import create_app
from bidbazaar import services
from bidbazaar.config import TestConfig
from bidbazaar.extensions import db
from bidbazaar.models import User, utcnow
from bidbazaar.seed import seed_categories
from bidbazaar.services import email_preferences

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
WIDTHS = {"1280": {"width": 1280, "height": 900}, "360": {"width": 360, "height": 780}}
FAILING_IMPACTS = ("serious", "critical")

if not CHROMIUM.exists():
    if os.environ.get("CI"):  # .ci/run installs the browser first: there a missing one is a failure
        raise RuntimeError(f"{CHROMIUM} not found although CI is set: run bash .ci/install-browser")
    pytest.skip(f"{CHROMIUM} not found: bash .ci/install-browser", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
expect = sync_api.expect

#: Who visits (None: nobody logged in) and what they open. {open}, {awarded}, ... are the data
#: set's ids (`world`). Every GET page route appears here or in EXCUSED.
WALK: dict[str | None, list[str]] = {
    None: [
        "/",
        "/auctions",
        "/auctions?status=closed",
        "/auctions/{open}",
        "/auctions/{awarded}",
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password?token=not-a-real-token",
        "/verify-email?token=not-a-real-token",
        "/email/unsubscribe?token={unsubscribe}",
        "/users/{ravi}",
        "/no-such-page",
    ],
    "asha": [
        "/auctions/{open}",
        "/auctions/{cancelled}",
        "/auctions/new",
        "/auctions/{open}/edit",
        "/auctions/{cancelled}/repost",
        "/bookings",
        "/bookings/{booking}",
        "/my/watching",
        "/notifications",
        "/profile",
        "/settings/email",
    ],
    "ravi": [
        "/auctions/{open}",
        "/auctions/{awarded}",
        "/my/bids",
        "/alerts",
        "/bookings/{booking}",
        "/my/watching",
        "/notifications",
        "/profile",
    ],
    "root": [
        "/admin/",
        "/admin/users",
        "/admin/users/{ravi}",
        "/admin/auctions",
        "/admin/auctions/closing-unbid",
        "/admin/auctions/{open}",
        "/admin/bookings",
        "/admin/bookings/attention",
        "/admin/no-shows",
        "/admin/reviews",
        "/admin/categories",
        "/admin/categories/{plumbing}",
        "/admin/outbox",
    ],
}

#: Stand-ins for the data set's ids, to match the walk's paths against the routes.
DUMMY_IDS = {"open": 1, "awarded": 2, "cancelled": 3, "booking": 1, "ravi": 2, "plumbing": 1, "unsubscribe": "t"}

#: GET page routes the walk leaves out, each with the reason.
EXCUSED: dict[str, str] = {}

#: The screenshots (docs/screenshots/<name>-<width>.png): who, where, and the height to keep
#: (the top of long pages: what a person sees first).
SHOTS = [
    ("home", None, "/", 1400),
    ("auctions", None, "/auctions", 1400),
    ("auction-provider", "ravi", "/auctions/{open}", 1600),
    ("auction-new", "asha", "/auctions/new", 1400),
    ("my-bids", "ravi", "/my/bids", 1000),
    ("bookings", "asha", "/bookings/{booking}", 1400),
    ("admin-dashboard", "root", "/admin/", 1600),
    ("admin-users", "root", "/admin/users", 1000),
]

WALKED = [(who, path) for who, paths in WALK.items() for path in paths]


# --------------------------------------------------------------------------- the data set and server


@pytest.fixture(scope="module")
def world(_schema: None, database_url: str) -> Iterator[dict[str, Any]]:
    """The module's data, built once through the services; the ids the walk's paths name."""
    config = TestConfig(database_url)
    config.SECRET_KEY = DEFAULT_ENV["SECRET_KEY"]  # the unsubscribe token must verify on the live server
    app = create_app(config)
    with app.app_context():
        empty_tables()
        seed_categories()
        asha, ravi, meena = user("asha"), user("ravi", provider=True), user("meena", provider=True)
        user("root", admin=True)
        sink = auction(asha, "Fix the kitchen sink leak", "Plumbing")
        services.place_bid(meena, sink.auction_id, bid("1600"))
        services.place_bid(ravi, sink.auction_id, bid("1500"))
        question = services.ask_question(ravi, sink.auction_id, "Is the old tap to be replaced as well?")
        services.answer_question(asha, sink.auction_id, question.id, "Yes, please bring a new one.")
        services.watch_auction(ravi, sink.auction_id)
        cleaning = auction(asha, "Deep cleaning before Diwali", "Cleaning")
        won = services.place_bid(ravi, cleaning.auction_id, bid("1800"))
        services.award_auction(asha, cleaning.auction_id, won.bid_id)
        painting = auction(asha, "Repaint a 2BHK, two coats", "Painting")
        services.cancel_auction(asha, painting.auction_id)
        services.create_saved_search(ravi, {"name": "Plumbing jobs", "q": "leak"})
        for title, category, amount in (
            ("Move a 1BHK across town", "Local Shifting", "1750.50"),
            ("Weekly cleaning, 3BHK", "Cleaning", None),
        ):
            more = auction(asha, title, category)  # a list and a home page with more than one card
            if amount:
                services.place_bid(meena, more.auction_id, bid(amount))
        ids = {
            "open": sink.auction_id,
            "awarded": cleaning.auction_id,
            "cancelled": painting.auction_id,
            "booking": booking_id(cleaning.auction_id),
            "ravi": ravi.id,
            "plumbing": category_id("Plumbing"),
            "unsubscribe": email_preferences.unsubscribe_token(asha.id, "digest"),
        }
        db.session.remove()
        for engine in db.engines.values():  # the live server is the one using the database now
            engine.dispose()
    yield ids


def user(name: str, provider: bool = False, admin: bool = False) -> User:
    from werkzeug.security import generate_password_hash

    created = User(
        username=name,
        email=f"{name}@example.com",
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
        is_service_provider=provider,
        provider_verified=provider,
        is_admin=admin,
        email_verified=True,
    )
    db.session.add(created)
    db.session.commit()
    return created


def auction(creator: User, title: str, category: str) -> Any:
    return services.create_auction(
        creator,
        {
            "title": title,
            "description": f"{title}: a flat in Andheri West; tools and materials by the provider.",
            "category_id": category_id(category),
            "location": "Andheri West, Mumbai",
            "budget_min": Decimal("1000"),
            "budget_max": Decimal("2000"),
            "deadline": utcnow() + timedelta(days=2),
            "requirements": None,
        },
    )


def bid(amount: str) -> dict[str, Any]:
    return {"amount": Decimal(amount), "description": "Two people, half a day, our own tools."}


def booking_id(auction_id: int) -> int:
    from bidbazaar.booking_models import Booking

    return db.session.scalars(db.select(Booking.id).where(Booking.auction_id == auction_id)).one()


@pytest.fixture(scope="module")
def server(world: dict[str, Any], database_url: str) -> Iterator[LiveServer]:
    # No closing sweeps: the data set must not change under the walk.
    with LiveServer(database_url, env={"CLOSE_SWEEP_SECONDS": "0"}) as live:
        yield live
        assert not unexpected_tracebacks(live.stderr_text()), live.stderr_text()


def unexpected_tracebacks(stderr: str) -> list[str]:
    """Logged tracebacks, less a browser leaving a page while its socket upgrades (benign)."""
    records = re.split(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", stderr, flags=re.MULTILINE)
    return [r for r in records if "Traceback" in r and "simple_websocket.errors.ConnectionClosed" not in r]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"{AXE} missing: run (cd tests/a11y && npm ci)"
        if os.environ.get("CI"):
            raise RuntimeError(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def visitor(server: LiveServer) -> Iterator[Callable[[str | None, str], Any]]:
    """visitor(who, width): that person's browser page at that width, logged in once."""
    pages: dict[tuple[str | None, str], Any] = {}
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

        def _page(who: str | None, width: str) -> Any:
            if (who, width) not in pages:
                context = browser.new_context(viewport=WIDTHS[width], base_url=server.url)
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                if who:
                    page.goto("/login")
                    page.fill("#username", who)
                    page.fill("#password", PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    expect(page.locator("#current-user")).to_have_text(who)
                pages[who, width] = page
            return pages[who, width]

        yield _page
        browser.close()
    assert not errors, errors


def resolved(path: str, world: dict[str, Any]) -> str:
    return path.format(**world)


# --------------------------------------------------------------------------- axe-core


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
        assert page.evaluate("typeof window.axe.run === 'function'"), "axe-core did not load into the page"
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:6]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > 6:
            lines.append(f"    ... and {len(violation['nodes']) - 6} more")
    return "\n".join(lines)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(("who", "path"), WALKED, ids=[f"{who or 'anonymous'}:{path}" for who, path in WALKED])
def test_axe_finds_no_serious_or_critical_violation(
    visitor: Callable[..., Any], world: dict[str, Any], axe_source: str, who: str | None, path: str, width: str
) -> None:
    page = visitor(who, width)
    response = page.goto(resolved(path, world))
    assert response is not None and response.status < 500, response and response.status
    expect(page.locator("main#main h1").first).to_be_visible()

    violations = axe_violations(page, axe_source)

    if violations:
        pytest.fail(f"{who or 'anonymous'} at {width} px on {path}:\n{readable(violations)}", pytrace=False)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_serious_or_critical_violation_in_a_form_showing_its_errors(
    visitor: Callable[..., Any], axe_source: str, width: str
) -> None:
    page = visitor(None, width)
    page.goto("/register")
    page.fill("#username", "x")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#username-error")).to_be_visible()
    # The field's hint and its error are both read with it (templates/_macros.html).
    expect(page.locator("#username")).to_have_attribute("aria-describedby", "username-hint username-error")

    violations = axe_violations(page, axe_source)

    if violations:
        pytest.fail(f"the register form with errors at {width} px:\n{readable(violations)}", pytrace=False)


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    visitor: Callable[..., Any], world: dict[str, Any]
) -> None:
    for width in WIDTHS:
        page = visitor("asha", width)
        page.goto("/auctions")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        expect(page.locator("main#main")).to_have_css("outline-style", "none")


def test_a_focused_button_shows_the_3px_focus_ring(visitor: Callable[..., Any]) -> None:
    for width in WIDTHS:
        page = visitor(None, width)
        page.goto("/login")
        page.locator("#password").focus()
        page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
        button = page.get_by_role("button", name="Log in")
        expect(button).to_be_focused()
        expect(button).to_have_css("outline-width", "3px")
        expect(button).to_have_css("outline-color", "rgb(16, 24, 40)")


# --------------------------------------------------------------------------- completeness


def test_every_page_route_is_walked_or_excused() -> None:
    app = create_app(TestConfig("sqlite://"))
    adapter = app.url_map.bind("localhost")
    walked = set()
    for _, path in WALKED:
        try:
            walked.add(adapter.match(urlsplit(resolved(path, DUMMY_IDS)).path, method="GET")[0])
        except Exception:  # the 404 page: no route
            continue
    page_routes = {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/api")
    }

    missing = {endpoint: rule for endpoint, rule in page_routes.items() if endpoint not in walked | set(EXCUSED)}

    assert not missing, f"GET page routes neither walked nor excused (add them to WALK): {missing}"
    assert set(EXCUSED) <= set(page_routes), "an excused route no longer exists"


# --------------------------------------------------------------------------- screenshots


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="SCREENSHOTS=1 rewrites docs/screenshots/")
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_of_the_main_pages(visitor: Callable[..., Any], world: dict[str, Any], width: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, who, path, keep in SHOTS:
        page = visitor(who, width)
        page.goto(resolved(path, world))
        expect(page.locator("main#main h1").first).to_be_visible()
        if path.startswith("/auctions/{"):  # an auction page: wait for its live state
            expect(page.locator("#auction-live")).to_have_attribute("data-live", "joined")
        page.mouse.move(0, 0)
        height = min(keep, page.evaluate("document.documentElement.scrollHeight"))
        clip = {"x": 0, "y": 0, "width": WIDTHS[width]["width"], "height": height}
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True, clip=clip, animations="disabled")
