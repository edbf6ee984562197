"""Fixtures: a fresh app and emptied database per test (SQLite by default, PostgreSQL or
MySQL/MariaDB when TEST_DATABASE_URL is set), small factories for users, auctions and bids, and login helpers.

Fixtures only: the plain helpers test modules import are in tests/helpers.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import NS, PASSWORD, category_id, empty_tables  # noqa: E402
from socket_client import Watcher  # noqa: E402

from app import create_app  # noqa: E402
from bidbazaar.config import TestConfig  # noqa: E402
from bidbazaar.extensions import db, socketio  # noqa: E402
from bidbazaar.models import Auction, Bid, User, utcnow  # noqa: E402


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = create_app(TestConfig(database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        empty_tables()  # auctions.winning_bid_id -> bids is circular: DROP would fail
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def config(database_url: str) -> TestConfig:
    """Tests may change settings here before the app is built."""
    return TestConfig(database_url)


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (fresh `g` and DB session), as in a server.

    Without this, requests reuse the test's app context: Flask-Login's cached user and
    the SQLAlchemy session leak from one request into the next and hide real bugs.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema: None, config: TestConfig) -> Iterator[Any]:
    from bidbazaar.seed import seed_categories

    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        empty_tables()
        seed_categories()
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


# --------------------------------------------------------------------------- factories


@pytest.fixture
def make_user(app: Any) -> Callable[..., User]:
    from werkzeug.security import generate_password_hash

    counter = iter(range(1, 10_000))
    password_hash = generate_password_hash(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])

    def _make(
        username: str | None = None,
        *,
        provider: bool = False,
        verified: bool = False,
        admin: bool = False,
        active: bool = True,
        email_verified: bool = False,
    ) -> User:
        name = username or f"user{next(counter)}"
        user = User(
            username=name,
            email=f"{name}@example.com",
            password_hash=password_hash,
            is_service_provider=provider,
            provider_verified=verified,
            is_admin=admin,
            is_active=active,
            email_verified=email_verified,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def customer(make_user: Callable[..., User]) -> User:
    return make_user("asha")


@pytest.fixture
def provider(make_user: Callable[..., User]) -> User:
    return make_user("ravi", provider=True)


@pytest.fixture
def rival(make_user: Callable[..., User]) -> User:
    return make_user("meena", provider=True)


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("root", admin=True)


@pytest.fixture
def make_auction(app: Any, customer: User) -> Callable[..., Auction]:
    from bidbazaar import services

    def _make(creator: User | None = None, **fields: Any) -> Auction:
        data = {
            "title": "Fix kitchen sink leak",
            "description": "Kitchen sink leaks under the cabinet; need a plumber this week.",
            "category_id": category_id("Plumbing"),
            "location": "Mumbai, Maharashtra",
            "budget_min": Decimal("1000"),
            "budget_max": Decimal("2000"),
            "deadline": utcnow() + timedelta(days=1),
            "requirements": None,
        }
        data.update(fields)
        posted = services.create_auction(creator or customer, data)
        return db.session.get(Auction, posted.auction_id)

    return _make


@pytest.fixture
def auction(make_auction: Callable[..., Auction]) -> Auction:
    return make_auction()


@pytest.fixture
def make_bid(app: Any) -> Callable[..., Bid]:
    from bidbazaar import services

    def _make(bidder: User, auction: Auction, amount: str | int, **fields: Any) -> Bid:
        data = {"amount": Decimal(str(amount)), "description": "Will do it well.", **fields}
        placed = services.place_bid(bidder, auction.id, data)
        return db.session.get(Bid, placed.bid_id)

    return _make


# --------------------------------------------------------------------------- auth helpers


@pytest.fixture
def bearer(app: Any) -> Callable[[User], dict[str, str]]:
    """Headers with a fresh API token for the user (logged in through the real endpoint)."""

    def _headers(user: User) -> dict[str, str]:
        response = app.test_client().post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return _headers


@pytest.fixture
def socket_client(app: Any, bearer: Callable[[User], dict[str, str]]) -> Iterator[Callable[..., Any]]:
    """Connect Socket.IO test clients to /auctions: as `user` (with its API token), with
    explicit `auth`, or with a logged-in Flask client's cookie. Each connects in a fresh app
    context, as in the server; all are disconnected at teardown."""
    opened: list[Any] = []

    def connect(user: User | None = None, *, auth: dict[str, Any] | None = None, flask_client: Any = None) -> Any:
        if user is not None:
            auth = {"token": bearer(user)["Authorization"].removeprefix("Bearer ")}
        with app.app_context():
            sock = socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=flask_client)
        opened.append(sock)
        return sock

    yield connect
    for sock in opened:
        if sock.is_connected(NS):
            sock.disconnect(NS)


@pytest.fixture
def session_login(client: Any) -> Callable[[User], dict[str, str]]:
    """Log the test client in with a cookie session; returns the X-CSRFToken header."""

    def _login(user: User) -> dict[str, str]:
        response = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"X-CSRFToken": response.get_json()["csrf_token"]}

    return _login


# --------------------------------------------------------------------------- live clients


@pytest.fixture
def watchers() -> Iterator[Callable[..., Watcher]]:
    """Connect recording Socket.IO clients to a live server; all closed after the test."""
    opened: list[Watcher] = []

    def connect(url: str, token: str | None = None, transports: list[str] | None = None, **kwargs: Any) -> Watcher:
        watcher = Watcher(url, token, transports, **kwargs)
        opened.append(watcher)
        return watcher

    yield connect
    for watcher in opened:
        watcher.close()


@pytest.fixture
def api(client, bearer) -> Callable[..., Any]:
    """api(method, path, user=None, json=None): a JSON call with the user's bearer token
    (anonymous without one); tokens are made once per user."""
    tokens: dict[int, dict[str, str]] = {}

    def call(method: str, path: str, user: User | None = None, json: Any = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if user is not None:
            if user.id not in tokens:
                tokens[user.id] = bearer(user)
            headers = {**tokens[user.id], **headers}
        return client.open(path, method=method, json=json, headers=headers, **kwargs)

    call.login = lambda user: tokens.setdefault(user.id, bearer(user))  # type: ignore[attr-defined]
    return call


@pytest.fixture
def count_statements(app) -> Callable[[Callable[[], Any]], int]:
    """count_statements(call): how many SQL statements the call ran (its answer must be 200)."""

    def run(call: Callable[[], Any]) -> int:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = call()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.get_json()
        return len(statements)

    return run
