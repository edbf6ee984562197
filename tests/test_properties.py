"""Property-based tests (hypothesis) for issue 11's input classes, at every door.

Generated: integers of any size, decimals with any exponent (and NaN, Infinity, negative
zero), text with lone surrogates, controls and NUL, and JSON values of every type, in
keys as well as values. Sent to every JSON write route, the query strings of every
listing and search page, path ids, the HTML forms, and every Socket.IO event. The
property: never a 5xx (nor an INTERNAL_ERROR ack); an API error has the
{"error", "code", "details"} shape; a rejected request leaves the database as it was.

One world (users, two auctions, a bid, tokens, logged-in page clients) is built per
test and shared by its examples on purpose, which is why the function-scoped-fixture
health check is suppressed: each example compares the database with its own snapshot
taken just before it. Bounded for CI (derandomized, PROPERTY_MAX_EXAMPLES per test):
the module runs in well under half a minute on 2 cores.
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson
import pytest
from helpers import NS, PASSWORD, ack, auction_payload, log_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidbazaar.extensions import db, socketio

MAX_EXAMPLES = int(os.environ.get("PROPERTY_MAX_EXAMPLES", "60"))
PROPERTY_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases in every CI run; no .hypothesis/ example database
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERROR_KEYS = {"error", "code", "details"}


# =========================================================================== strategies


class Literal(str):
    """A JSON number written exactly as generated (`1E+1000000`, `-0.0`): no Python value renders so."""


def json_text(value: Any) -> str:
    """JSON text for a generated value; lone surrogates become \\udXXX escapes, as a client would send."""
    if isinstance(value, Literal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return json.dumps(value)


integers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**420), max_value=10**420),  # past float's 1e308 and the 64-bit columns
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1, 10**400]),
)
#: Exponents small, and far past Decimal's context (Emax 999999) where abs() and quantize() overflow.
exponents = st.one_of(st.integers(-30, 30), st.integers(10**6 - 2, 10**30), st.integers(-(10**30), -(10**6 - 2)))
decimal_texts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda m, e: f"{m}E{e}", st.integers(-(10**12), 10**12), exponents),
    st.builds(lambda m, e: f"{m}e{e}", st.decimals(allow_nan=False, allow_infinity=False), exponents),
    st.sampled_from(["-0", "-0.00", "0E+1000000", "1E1000000", "1e-1000000", "99999999.995", "1e99999999999999999999"]),
)
#: The same as JSON number literals (NaN and Infinity are not JSON: those are text here).
json_numbers = decimal_texts.filter(lambda t: t[-1].isdigit() and not t.startswith("s")).map(Literal)
#: Text a URL or an HTML form can carry (its encoding has no room for lone surrogates).
form_text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(["\x00", "a\r\nb", "\t", " "])
#: Text a JSON string or key can carry: anything, lone surrogates and controls included.
any_text = st.one_of(
    st.text(st.characters(categories=["Cs", "Cc", "Lo", "Ll"]), max_size=8),
    st.sampled_from(["\ud800", "\udfff", "a\ud800b", "\x00"]),
    form_text,
)
json_scalars = st.one_of(st.none(), st.booleans(), integers, json_numbers, any_text)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=6
)

#: Each input class, as JSON values ("key": a member named by hostile text) ...
JSON_CLASSES: dict[str, st.SearchStrategy[Any]] = {
    "int": integers | json_numbers,  # and a fraction or an exponent where an integer belongs
    "ids": st.lists(integers, min_size=1, max_size=3),
    "money": json_numbers,
    "text": any_text,
    "any": json_values,
}
#: ... and as the text of a query string or an HTML form.
FORM_CLASSES: dict[str, st.SearchStrategy[str]] = {
    "int": integers.map(str) | decimal_texts,
    "money": decimal_texts | integers.map(str),
    "text": form_text,
}


def pick(routes: list[Any], fields_of: Any, classes: dict[str, Any], data: Any) -> tuple[Any, str, Any]:
    """An input class first (so each is drawn as often as the others), then a route and a field
    of that class with a value of it; class "key" is a member named by hostile text."""
    kinds = [*sorted({kind for route in routes for kind in fields_of(route).values()} & set(classes)), "key"]
    kind = data.draw(st.sampled_from(kinds))
    route = data.draw(st.sampled_from([r for r in routes if kind == "key" or kind in fields_of(r).values()]))
    if kind == "key":
        return route, data.draw(any_text), data.draw(json_values)
    name = data.draw(st.sampled_from(sorted(n for n, k in fields_of(route).items() if k == kind)))
    return route, name, data.draw(classes[kind])


# =========================================================================== the world


def table_rows() -> list[list[tuple[Any, ...]]]:
    """Every row of every table, read in a fresh transaction."""
    db.session.commit()
    return [sorted(map(tuple, db.session.execute(t.select()).all()), key=repr) for t in db.metadata.sorted_tables]


class World:
    def __init__(self, app: Any, headers: dict[str, dict[str, str]], pages: dict[str, tuple[Any, str]]) -> None:
        self.app = app
        self.client = app.test_client()
        self.headers = headers
        self.pages = pages  # role -> (a logged-in cookie client, its CSRF token)

    def check(self, send: Any) -> Any:
        """Send one request; no 5xx, the error shape on /api, nothing written when refused."""
        before = table_rows()
        response = send()
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        if response.status_code >= 400 and response.is_json:
            assert set(response.get_json()) == ERROR_KEYS, response.get_json()
        if response.status_code >= 400:
            assert table_rows() == before
        return response


@pytest.fixture
def world(app, customer, provider, rival, admin, make_auction, make_bid, bearer) -> World:
    first = make_auction(customer)  # id 1: bids, updates and events
    make_bid(rival, first, 1800)  # id 1
    make_auction(customer, title="Paint the living room")  # id 2, no bids: nothing to award
    headers = {"customer": bearer(customer), "provider": bearer(provider), "admin": bearer(admin), "nobody": {}}
    pages = {}
    for role, user in (("provider", provider), ("customer", customer), ("admin", admin)):
        page_client = app.test_client()
        pages[role] = (page_client, log_in(page_client, user))
    return World(app, headers, pages)


# =========================================================================== JSON write routes

LONG = "A description long enough for every rule here."
WRITE_ROUTES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("post", "/api/auth/register", "nobody", {"username": "newuser", "email": "n@example.com", "password": PASSWORD}),
    ("post", "/api/auth/login", "nobody", {"username": "asha", "password": PASSWORD}),
    ("put", "/api/users/profile", "customer", {"email": "asha@example.com", "is_service_provider": False}),
    ("post", "/api/auctions", "customer", {}),  # auction_payload(), built inside the app context
    ("put", "/api/auctions/1", "customer", {"description": LONG}),
    ("post", "/api/auctions/2/award", "customer", {"bid_id": 1}),
    ("post", "/api/auctions/1/bids", "provider", {"amount": 1500, "description": LONG}),
    ("post", "/api/notifications/read", "customer", {"all": True}),
    ("post", "/api/categories", "admin", {"name": "Gardening", "description": LONG}),
    ("put", "/api/categories/1", "admin", {"description": LONG}),
]
AUCTION_FIELDS = {
    **dict.fromkeys(["title", "description", "location", "deadline", "requirements"], "text"),
    **{"category_id": "int", "budget_min": "money", "budget_max": "money"},
}
CATEGORY_FIELDS = {"name": "text", "description": "text", "parent_id": "int"}
#: Each JSON write route's fields by input class ("any" for booleans: any JSON value goes there).
FIELDS: dict[str, dict[str, str]] = {
    "/api/auth/register": {"username": "text", "email": "text", "password": "text", "is_service_provider": "any"},
    "/api/auth/login": {"username": "text", "password": "text"},
    "/api/users/profile": {"email": "text", "is_service_provider": "any", "current_password": "text"},
    "/api/auctions": AUCTION_FIELDS,
    "/api/auctions/1": AUCTION_FIELDS,
    "/api/auctions/2/award": {"bid_id": "int"},
    "/api/auctions/1/bids": {"amount": "money", "description": "text", "estimated_duration": "text", "notes": "text"},
    "/api/notifications/read": {"ids": "ids", "all": "any"},
    "/api/categories": CATEGORY_FIELDS,
    "/api/categories/1": CATEGORY_FIELDS,
}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_json_write_route_answers_a_hostile_body_with_a_server_error(world, data):
    (method, path, who, base), name, value = pick(WRITE_ROUTES, lambda r: FIELDS[r[1]], JSON_CLASSES, data)
    if path == "/api/auctions":
        base = json.loads(json_text(auction_payload()))
    body = {**base, name: value}
    if data.draw(st.integers(0, 9)) == 0:  # sometimes not an object at all
        body = data.draw(json_values)

    world.check(
        lambda: world.client.open(
            path, method=method, data=json_text(body), content_type="application/json", headers=world.headers[who]
        )
    )


# =========================================================================== query strings and path ids

SEARCH = {
    **dict.fromkeys(["category", "created_by", "page", "per_page"], "int"),
    **dict.fromkeys(["min_budget", "max_budget"], "money"),
    **dict.fromkeys(["status", "location", "q", "mine", "sort", "order"], "text"),
}
PAGING = {"page": "int", "per_page": "int", "unread_only": "text", "flat": "text"}
LISTINGS: list[tuple[str, str, dict[str, str]]] = [
    ("/api/auctions", "nobody", SEARCH),
    ("/api/auctions/1/bids", "customer", PAGING),
    ("/api/auctions/1/events", "nobody", PAGING),
    ("/api/notifications", "customer", PAGING),
    ("/api/categories", "nobody", PAGING),
]
PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("/auctions", "provider", SEARCH),
    ("/admin/auctions", "admin", SEARCH),
    ("/admin/users", "admin", {"q": "text", "page": "int"}),
    ("/notifications", "customer", PAGING),
]


def form_members(routes: list[Any], fields_of: Any, data: Any) -> tuple[Any, dict[str, str]]:
    """A route and one or two of its fields, each with text of an input class (drawn class first)."""
    route, name, value = pick(routes, fields_of, FORM_CLASSES, data)
    members = {name: value} if name in fields_of(route) else {}  # hostile keys: see the JSON test
    other = data.draw(st.sampled_from(sorted(fields_of(route))))
    members.setdefault(other, data.draw(FORM_CLASSES[fields_of(route)[other]]))
    return route, members


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_listing_or_search_page_answers_a_hostile_query_string_with_a_server_error(world, data):
    (path, who, _), query = form_members(LISTINGS + PAGES, lambda r: r[2], data)
    if path.startswith("/api/"):
        world.check(lambda: world.client.get(path, query_string=query, headers=world.headers[who]))
    else:
        page_client, _ = world.pages[who]
        world.check(lambda: page_client.get(path, query_string=query))


ID_PATHS = [
    ("get", "/api/auctions/{}"),
    ("put", "/api/auctions/{}"),
    ("post", "/api/auctions/{}/bids"),
    ("delete", "/api/auctions/1/bids/{}"),
    ("get", "/api/users/{}"),
    ("put", "/api/categories/{}"),
    ("get", "/auctions/{}"),
    ("post", "/admin/users/{}/verify"),
]


@PROPERTY_SETTINGS
@given(method_path=st.sampled_from(ID_PATHS), number=integers)
def test_no_path_id_of_any_size_gets_a_server_error(world, method_path, number):
    method, template = method_path
    path = template.format(number)
    if path.startswith("/api/"):
        world.check(lambda: world.client.open(path, method=method, json={}, headers=world.headers["admin"]))
    else:
        page_client, token = world.pages["admin"]
        world.check(lambda: page_client.open(path, method=method, data={"csrf_token": token}))


# =========================================================================== HTML forms

FORMS: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    (
        "/auctions/1/bids",
        "provider",
        {"amount": "1500", "description": LONG, "estimated_duration": "", "notes": ""},
        {"amount": "money", "description": "text", "estimated_duration": "text", "notes": "text"},
    ),
    ("/auctions/2/award", "customer", {"bid_id": "1"}, {"bid_id": "int"}),
    ("/admin/categories", "admin", {"name": "Gardening", "description": LONG, "parent_id": ""}, CATEGORY_FIELDS),
    (
        "/auctions/new",
        "customer",
        {
            "title": "Weekly cleaning, 3BHK",
            "description": LONG,
            "category_id": "1",
            "location": "Mumbai, Maharashtra",
            "budget_min": "1000",
            "budget_max": "2000",
            "deadline": "2099-01-01T10:00",
            "requirements": "",
        },
        AUCTION_FIELDS,
    ),
]


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_html_form_answers_hostile_fields_with_a_server_error(world, data):
    (path, who, base, _), members = form_members(FORMS, lambda f: f[3], data)
    page_client, token = world.pages[who]
    body = {**base, **members, "csrf_token": token}

    world.check(lambda: page_client.post(path, data=body))


# =========================================================================== Socket.IO events

EVENTS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("join_auction", {"auction_id": 1, "since_seq": 0}, {"auction_id": "int", "since_seq": "int"}),
    ("leave_auction", {"auction_id": 1}, {"auction_id": "int"}),
    (
        "place_bid",
        {"auction_id": 1, "amount": 1500, "description": LONG, "client_bid_id": "k1"},
        {"auction_id": "int", "amount": "money", "description": "text", "notes": "text", "client_bid_id": "text"},
    ),
    ("sync_time", {}, {"any": "any"}),
]


@pytest.fixture
def sockets(world, provider, bearer) -> Any:
    token = world.headers["provider"]["Authorization"].removeprefix("Bearer ")
    with world.app.app_context():
        socks = {
            "anonymous": socketio.test_client(world.app, namespace=NS),
            "provider": socketio.test_client(world.app, namespace=NS, auth={"token": token}),
        }
    yield socks
    for sock in socks.values():
        if sock.is_connected(NS):
            sock.disconnect(NS)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_socket_event_acknowledges_a_hostile_payload_with_an_internal_error(sockets, data):
    (event, base, _), name, value = pick(EVENTS, lambda e: e[2], JSON_CLASSES, data)
    payload: Any = {**base, name: value}
    if data.draw(st.integers(0, 9)) == 0:  # sometimes not an object at all
        payload = data.draw(json_values)
    sock = sockets[data.draw(st.sampled_from(sorted(sockets)))]
    before = table_rows()

    answer = ack(sock, event, orjson.Fragment(json_text(payload).encode()))

    assert isinstance(answer, dict) and "ok" in answer, answer
    if not answer["ok"]:
        assert answer["code"] not in ("INTERNAL_ERROR", "SERVICE_UNAVAILABLE"), answer
        assert set(answer) == {"ok", *ERROR_KEYS}, answer
        assert table_rows() == before
    assert sock.is_connected(NS)
