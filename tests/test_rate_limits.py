"""Rate limits (issue 6, checklist 16-17): each limit lets exactly its quota through, then
answers 429 RATE_LIMITED with Retry-After and changes nothing; Redis down changes neither."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask_socketio.test_client import SocketIOTestClient as SocketIOClient
from helpers import PASSWORD, assert_error, count

from app import create_app
from bidbazaar.config import Config, TestConfig
from bidbazaar.extensions import socketio
from bidbazaar.models import AuthToken, Bid, User
from bidbazaar.rate_limits import limiter

NS = "/auctions"
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/7"  # nothing listens on port 1
LIVE_REDIS = "redis://127.0.0.1:6379/7"  # DB 7: never the message queue's DB 0


@pytest.fixture
def config(config: TestConfig) -> TestConfig:
    """Every test here runs with limits on (TestConfig turns them off for the suite)."""
    config.RATELIMIT_ENABLED = True
    return config


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> Any:
    """A still clock, set before any row or token is made: windows pass only when a test
    shifts it."""
    time_machine.move_to(datetime(2030, 1, 7, 10, 0, tzinfo=UTC), tick=False)
    return time_machine


def register(client: Any, name: str, **kwargs: Any) -> Any:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    return client.post("/api/auth/register", json=body, **kwargs)


def login(client: Any, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post("/api/auth/login", json={"username": username, "password": password}, **kwargs)


def from_address(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def assert_rate_limited(response: Any, limit: str) -> dict[str, Any]:
    body = assert_error(response, 429, "RATE_LIMITED")
    assert body["details"]["limit"] == limit
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= body["details"]["retry_after"] + 1
    assert response.headers["X-Request-ID"]
    return body


# =========================================================================== login


def test_login_allows_10_a_minute_from_one_address_then_429(app, client, make_user, frozen):
    users = [make_user() for _ in range(11)]
    for user in users[:10]:
        assert login(client, user.username).status_code == 200
    tokens = count(AuthToken)

    response = login(client, users[10].username)

    assert_rate_limited(response, "10 per 1 minute")
    assert count(AuthToken) == tokens


def test_login_allows_10_a_minute_for_one_account_from_many_addresses(app, client, customer, frozen):
    for n in range(10):
        assert login(client, customer.username, **from_address(f"10.0.0.{n}")).status_code == 200
    tokens = count(AuthToken)

    response = login(client, customer.username, **from_address("10.0.0.99"))

    assert_rate_limited(response, "10 per 1 minute")
    assert count(AuthToken) == tokens


def test_the_login_limit_counts_an_account_by_username_and_by_email_alike(app, client, customer, frozen):
    for n in range(10):
        name = customer.username if n % 2 else customer.email
        assert login(client, name, **from_address(f"10.0.1.{n}")).status_code == 200

    assert_rate_limited(login(client, customer.email.upper(), **from_address("10.0.1.99")), "10 per 1 minute")


def test_the_login_window_passes(app, client, customer, frozen):
    for _ in range(10):
        login(client, customer.username)
    assert login(client, customer.username).status_code == 429

    frozen.shift(timedelta(seconds=61))

    assert login(client, customer.username).status_code == 200


def test_the_sixth_failure_for_one_account_in_15_minutes_is_429_even_with_the_right_password(
    app, client, customer, frozen
):
    for n in range(5):  # from five addresses: the account is what is counted
        assert_error(
            login(client, customer.username, "wrong", **from_address(f"10.0.2.{n}")), 401, "INVALID_CREDENTIALS"
        )
    tokens = count(AuthToken)

    response = login(client, customer.username, **from_address("10.0.2.99"))

    body = assert_rate_limited(response, "5 per 15 minute")
    assert 14 * 60 < body["details"]["retry_after"] <= 15 * 60
    assert count(AuthToken) == tokens


def test_failed_logins_are_forgotten_after_15_minutes(app, client, customer, frozen):
    for _ in range(5):
        login(client, customer.username, "wrong")
    frozen.shift(timedelta(minutes=14))
    assert login(client, customer.username).status_code == 429

    frozen.shift(timedelta(minutes=1, seconds=1))

    assert login(client, customer.username).status_code == 200


def test_successful_logins_do_not_count_as_failures(app, client, customer, frozen):
    for _ in range(4):
        login(client, customer.username, "wrong")
    for _ in range(3):
        assert login(client, customer.username).status_code == 200

    assert login(client, customer.username, "wrong").status_code == 401


def test_failures_for_one_account_do_not_lock_another(app, client, customer, provider, frozen):
    for _ in range(5):
        login(client, customer.username, "wrong")

    assert login(client, provider.username).status_code == 200


# =========================================================================== register


def test_register_allows_5_a_minute_from_one_address_then_429(app, client, frozen):
    for n in range(5):
        assert register(client, f"newbie{n}").status_code == 201
    users = count(User)

    response = register(client, "newbie5")

    assert_rate_limited(response, "5 per 1 minute")
    assert count(User) == users


def test_another_address_may_still_register(app, client, frozen):
    for n in range(5):
        register(client, f"newbie{n}")

    assert register(client, "elsewhere", **from_address("10.0.3.1")).status_code == 201


# =========================================================================== bids


@pytest.fixture
def bidding(app, auction, provider, rival, make_bid, bearer) -> dict[str, Any]:
    """The provider holds the lowest bid, so its further bids are refused (409) but counted."""
    return {"auction": auction, "headers": bearer(provider), "rival": rival, "make_bid": make_bid}


def post_bid(client: Any, bidding: dict[str, Any], amount: int) -> Any:
    return client.post(
        f"/api/auctions/{bidding['auction'].id}/bids",
        json={"amount": amount, "description": "Can start tomorrow."},
        headers=bidding["headers"],
    )


def test_bids_allow_30_a_minute_per_user_then_429_and_nothing_is_stored(client, bidding, frozen):
    assert post_bid(client, bidding, 1900).status_code == 201
    for _ in range(29):
        assert_error(post_bid(client, bidding, 1800), 409, "ALREADY_LOWEST")
    bidding["make_bid"](bidding["rival"], bidding["auction"], 1700)  # now a bid of 1600 would be valid
    bids = count(Bid)

    response = post_bid(client, bidding, 1600)

    assert_rate_limited(response, "30 per 1 minute")
    assert count(Bid) == bids


def test_the_bid_limit_is_per_user(client, bidding, bearer, make_user, frozen):
    for _ in range(30):
        post_bid(client, bidding, 1900)
    other = {**bidding, "headers": bearer(make_user("third", provider=True))}

    assert post_bid(client, other, 1500).status_code == 201


def socket_for(app: Any, headers: dict[str, str]) -> SocketIOClient:
    token = headers["Authorization"].split(" ", 1)[1]
    with app.app_context():  # a fresh context per connection and event, as in the server
        sock = socketio.test_client(app, namespace=NS, auth={"token": token})
    assert sock.is_connected(NS)
    return sock


def socket_bid(sock: SocketIOClient, auction_id: int, amount: int) -> dict[str, Any]:
    body = {"auction_id": auction_id, "amount": amount, "description": "Over the socket."}
    with sock.app.app_context():
        return sock.emit("place_bid", body, namespace=NS, callback=True)


def test_socket_bids_share_the_rest_counter_and_answer_rate_limited(app, client, bidding, frozen):
    app.config["BID_RATE_LIMIT"] = "3 per minute"
    sock = socket_for(app, bidding["headers"])
    try:
        assert post_bid(client, bidding, 1900).status_code == 201
        assert socket_bid(sock, bidding["auction"].id, 1800)["code"] == "ALREADY_LOWEST"
        bidding["make_bid"](bidding["rival"], bidding["auction"], 1700)
        assert socket_bid(sock, bidding["auction"].id, 1600)["ok"] is True
        bids = count(Bid)

        answer = socket_bid(sock, bidding["auction"].id, 1500)
        rest = post_bid(client, bidding, 1500)
    finally:
        sock.disconnect(NS)

    assert answer["ok"] is False and answer["code"] == "RATE_LIMITED", answer
    assert set(answer) >= {"error", "code", "details"}
    assert answer["details"]["limit"] == "3 per 1 minute" and answer["details"]["retry_after"] >= 1
    assert_rate_limited(rest, "3 per 1 minute")
    assert count(Bid) == bids


def test_socket_bids_are_not_limited_when_limits_are_off(app, client, bidding, frozen):
    app.config["RATELIMIT_ENABLED"] = False
    app.config["BID_RATE_LIMIT"] = "1 per minute"
    sock = socket_for(app, bidding["headers"])
    try:
        answers = [socket_bid(sock, bidding["auction"].id, 1900 - n) for n in range(3)]
    finally:
        sock.disconnect(NS)

    assert [a.get("code") for a in answers] == [None, "ALREADY_LOWEST", "ALREADY_LOWEST"]


# =========================================================================== the global default


def test_every_other_route_has_the_default_limit_per_address(app, client, frozen):
    app.config["DEFAULT_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/categories").status_code == 200

    assert_rate_limited(client.get("/api/categories"), "3 per 1 minute")
    assert client.get("/api/categories", **from_address("10.0.4.1")).status_code == 200


def test_the_default_limit_answers_pages_with_an_html_429(app, client, frozen):
    app.config["DEFAULT_RATE_LIMIT"] = "1 per minute"
    client.get("/")

    response = client.get("/")

    assert response.status_code == 429 and response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) >= 1


def test_the_signed_out_bid_page_spends_the_default_limit_per_address(app, client, frozen, auction):
    app.config["DEFAULT_RATE_LIMIT"] = "2 per minute"
    form = {"amount": "1500", "description": "Fix it"}
    for _ in range(2):
        assert client.post(f"/auctions/{auction.id}/bids", data=form).status_code == 401

    response = client.post(f"/auctions/{auction.id}/bids", data=form)

    assert response.status_code == 429 and response.mimetype == "text/html"


def test_health_is_never_rate_limited(app, client, frozen):
    app.config["DEFAULT_RATE_LIMIT"] = "1 per minute"

    statuses = {client.get("/api/health").status_code for _ in range(5)}

    assert 429 not in statuses


def test_the_default_limit_is_300_a_minute(monkeypatch):
    monkeypatch.delenv("DEFAULT_RATE_LIMIT", raising=False)

    assert Config().DEFAULT_RATE_LIMIT == "300 per minute"


# =========================================================================== switches and settings


def limiter_hooks(app: Any) -> list[Any]:
    """The request hooks Flask-Limiter added to the app (bound methods or partials of it)."""
    hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    return [h for h in hooks if limiter in (getattr(h, "__self__", None), *getattr(h, "args", ()))]


def test_an_app_built_with_limits_on_checks_them_on_every_request(app):
    assert len(limiter_hooks(app)) == 3


def test_an_app_built_with_limits_off_runs_no_rate_limit_hook(config, request):
    config.RATELIMIT_ENABLED = False  # before the app is built
    assert limiter_hooks(request.getfixturevalue("app")) == []


def test_ratelimit_enabled_false_turns_every_limit_off(app, client, customer, frozen):
    app.config["RATELIMIT_ENABLED"] = False
    for _ in range(12):
        assert login(client, customer.username, "wrong").status_code == 401
    for n in range(7):
        assert register(client, f"free{n}").status_code == 201

    assert login(client, customer.username).status_code == 200


def test_ratelimit_enabled_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    assert Config().RATELIMIT_ENABLED is False
    monkeypatch.delenv("RATELIMIT_ENABLED")
    assert Config().RATELIMIT_ENABLED is True


def test_the_suite_runs_with_limits_off():
    assert TestConfig("sqlite://").RATELIMIT_ENABLED is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEFAULT_RATE_LIMIT", "100 per minute"),
        ("LOGIN_RATE_LIMIT", "20 per minute"),
        ("LOGIN_FAILURE_LIMIT", "3 per 10 minutes"),
        ("REGISTER_RATE_LIMIT", "2 per minute;10 per day"),
        ("BID_RATE_LIMIT", "60 per minute"),
        ("RATELIMIT_STORAGE_URI", LIVE_REDIS),
    ],
)
def test_each_limit_comes_from_the_environment(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    assert getattr(Config(), variable) == value


def test_a_limit_that_does_not_parse_stops_the_server_at_start(monkeypatch):
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10 per minit")

    with pytest.raises(RuntimeError, match="LOGIN_RATE_LIMIT"):
        Config().validate()


def test_an_app_with_limits_off_leaves_another_apps_limits_on(app, client, database_url, frozen):
    """The Limiter object is process-wide; the on/off switch must still be per app."""
    app.config["REGISTER_RATE_LIMIT"] = "1 per minute"
    other = create_app(TestConfig(database_url))  # limits off
    try:
        assert register(client, "first").status_code == 201
        assert register(client, "second").status_code == 429
    finally:
        from bidbazaar.extensions import db

        with other.app_context():
            db.engine.dispose()


# =========================================================================== Redis


def test_with_redis_unreachable_limits_are_still_enforced_in_memory(_schema, config, frozen, caplog):
    config.RATELIMIT_STORAGE_URI = CLOSED_PORT_REDIS
    app = create_app(config)
    client = app.test_client()
    try:
        statuses = [register(client, f"offline{n}").status_code for n in range(6)]
        again = register(client, "offline6")
    finally:
        with app.app_context():
            from bidbazaar.extensions import db

            db.engine.dispose()

    assert statuses == [201] * 5 + [429]
    assert_rate_limited(again, "5 per 1 minute")
    assert "falling back to in-memory storage" in caplog.text


def test_with_redis_unreachable_socket_bids_are_still_limited(_schema, config, frozen):
    config.RATELIMIT_STORAGE_URI = CLOSED_PORT_REDIS
    config.BID_RATE_LIMIT = "1 per minute"
    app = create_app(config)
    try:
        with app.test_request_context():
            from bidbazaar import rate_limits
            from bidbazaar.errors import DomainError

            rate_limits.charge_bid(42)
            with pytest.raises(DomainError) as refused:
                rate_limits.charge_bid(42)
    finally:
        with app.app_context():
            from bidbazaar.extensions import db

            db.engine.dispose()

    assert refused.value.code == "RATE_LIMITED"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_with_redis_the_counters_live_in_redis(_schema, config, frozen):
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI starts Redis on 127.0.0.1:6379 (.ci/run)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    config.RATELIMIT_STORAGE_URI = LIVE_REDIS
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    store = redis.Redis.from_url(LIVE_REDIS)
    app = create_app(config)
    client = app.test_client()
    try:
        statuses = [
            register(client, f"r{uuid.uuid4().hex[:10]}", **from_address(address)).status_code for _ in range(6)
        ]
        keys = store.keys(f"*ip:{address}*")
    finally:
        for key in store.keys(f"*ip:{address}*"):
            store.delete(key)
        with app.app_context():
            from bidbazaar.extensions import db

            db.engine.dispose()

    assert statuses == [201] * 5 + [429]
    assert keys, "the register counter should be a Redis key"


def test_a_login_refused_before_the_view_is_not_counted(app, client, customer, frozen):
    """A body that is not JSON is a 415 from the request guards: no attempt was made."""
    for _ in range(12):
        assert client.post("/api/auth/login", data="username=asha", content_type="text/plain").status_code == 415

    assert login(client, customer.username).status_code == 200


# --------------------------------------------------------------------------- the HTML forms


def csrf_from(page: Any) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_the_login_page_is_limited_like_the_api(client, make_user):
    make_user("asha")
    token = csrf_from(client.get("/login"))
    for _ in range(5):
        response = client.post("/login", data={"username": "asha", "password": "wrong", "csrf_token": token})
        assert response.status_code == 400  # the form, with "Invalid username or password"
    refused = client.post("/login", data={"username": "asha", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert count(AuthToken) == 0


def test_the_register_page_is_limited_like_the_api(client):
    for i in range(6):
        token = csrf_from(client.get("/register"))  # each registration signs in: a new session's token
        response = client.post(
            "/register",
            data={
                "username": f"walkin{i}",
                "email": f"walkin{i}@example.com",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
                "csrf_token": token,
            },
        )
        assert response.status_code == (302 if i < 5 else 429), i
    assert count(User) == 5


# --------------------------------------------------------------------------- one failure budget per account


def form_login(client: Any, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    token = csrf_from(client.get("/login"))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs)


def change_password(client: Any, headers: dict[str, str], current: str) -> Any:
    body = {"current_password": current, "new_password": "a-much-better-passphrase"}
    return client.put("/api/users/profile", json=body, headers=headers)


def test_failures_on_the_api_and_the_login_form_share_one_budget(app, client, customer, frozen):
    for _ in range(3):
        assert login(client, customer.username, "wrong").status_code == 401
    for _ in range(2):
        assert form_login(client, customer.username, "wrong").status_code == 400

    assert_rate_limited(login(client, customer.username), "5 per 15 minute")


def test_api_failures_lock_the_login_form_too(app, client, customer, frozen):
    for _ in range(5):
        login(client, customer.username, "wrong")

    refused = form_login(client, customer.username)

    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert count(AuthToken) == 0


def test_the_login_form_and_the_api_share_the_per_address_login_limit(app, client, make_user, frozen):
    users = [make_user() for _ in range(11)]
    for user in users[:5]:
        assert login(client, user.username).status_code == 200
    for user in users[5:10]:
        assert form_login(app.test_client(), user.username).status_code == 302

    assert_rate_limited(login(client, users[10].username), "10 per 1 minute")


def test_a_wrong_current_password_spends_the_login_failure_budget(app, client, customer, frozen):
    headers = {"Authorization": f"Bearer {login(client, customer.username).get_json()['access_token']}"}
    for _ in range(5):
        assert_error(change_password(app.test_client(), headers, "wrong"), 400, "VALIDATION_ERROR")

    assert_rate_limited(login(client, customer.username), "5 per 15 minute")


def test_a_locked_account_cannot_change_its_password_even_with_the_right_one(app, client, customer, frozen):
    headers = {"Authorization": f"Bearer {login(client, customer.username).get_json()['access_token']}"}
    for _ in range(5):
        login(client, customer.username, "wrong")

    assert_rate_limited(change_password(app.test_client(), headers, PASSWORD), "5 per 15 minute")


def test_a_locked_account_may_still_edit_its_profile_without_a_password(app, client, customer, frozen):
    headers = {"Authorization": f"Bearer {login(client, customer.username).get_json()['access_token']}"}
    for _ in range(5):
        login(client, customer.username, "wrong")

    response = app.test_client().put("/api/users/profile", json={"is_service_provider": True}, headers=headers)

    assert response.status_code == 200, response.get_json()


def test_a_wrong_current_password_on_the_profile_form_spends_the_same_budget(app, client, customer, frozen):
    assert form_login(client, customer.username).status_code == 302
    for _ in range(5):
        token = csrf_from(client.get("/profile"))
        data = {"csrf_token": token, "email": customer.email, "current_password": "wrong", "new_password": "x" * 12}
        assert client.post("/profile", data=data).status_code == 400

    assert_rate_limited(login(app.test_client(), customer.username), "5 per 15 minute")
