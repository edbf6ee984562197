"""Helpers the test modules share (fixtures live in conftest.py): the factories' payloads,
database reads, error-shape checks, the auction and bid tests' before/after states and bodies,
logging in through the API and the forms, and the Socket.IO test client's acknowledged emit.

Test modules import from here, never from conftest or from each other.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg.errors
import pymysql.err
from socketio import packet as socket_packet
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from bidbazaar.database import is_mysql
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, Category, IdempotencyRecord, Notification, User, utcnow
from devtools.processes import ROOT as ROOT  # re-exported: the repository root

#: Every user the factories make has this password.
PASSWORD = "password123"
#: The Socket.IO namespace of the auctions.
NS = "/auctions"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# --------------------------------------------------------------------------- data


def category_id(name: str = "Plumbing") -> int:
    """The id of the seeded category called `name`."""
    return db.session.scalar(select(Category.id).where(Category.name == name))


def auction_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/auctions body (JSON-ready)."""
    body = {
        "title": "Weekly cleaning, 3BHK",
        "description": "Weekly cleaning for a 3-bedroom flat in Andheri West, own supplies.",
        "category_id": category_id("Cleaning"),
        "location": "Mumbai, Maharashtra",
        "budget_min": 1000,
        "budget_max": 2000,
        "deadline": (utcnow() + timedelta(days=2)).isoformat(),
    }
    body.update(overrides)
    return body


def count(model: Any, *where: Any) -> int:
    """Rows in the database now, read in a fresh transaction."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def empty_tables() -> None:
    """Every table emptied, ids from 1 again (the `app` fixture, and module-wide data sets).

    DELETE rather than TRUNCATE: on a handful of rows it is ~10x faster on PostgreSQL."""
    db.session.execute(text("UPDATE auctions SET winning_bid_id = NULL"))
    # InnoDB checks a foreign key row by row, even within one DELETE: subcategories first.
    db.session.execute(text("UPDATE categories SET parent_id = NULL"))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        for table in db.metadata.sorted_tables:
            if "id" in table.c:  # watches has a composite key and no sequence
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))
    elif is_mysql(db.engine):
        for table in db.metadata.sorted_tables:  # ids from 1 again, as on the other two
            db.session.execute(text(f"ALTER TABLE {table.name} AUTO_INCREMENT = 1"))
    elif has_sqlite_sequence():
        db.session.execute(text("DELETE FROM sqlite_sequence"))
    db.session.commit()


def has_sqlite_sequence() -> bool:
    return db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_sequence'")) > 0


def db_state() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, read in a fresh transaction: equal means nothing changed."""
    db.session.commit()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return state


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the one error shape with this status and code; returns the body."""
    body = response.get_json()
    assert response.status_code == status, body
    assert body is not None and body["code"] == code, body
    assert set(body) >= {"error", "code", "details"}
    return body


# --------------------------------------------------------------------------- auctions and bids

#: A fixed deadline the auction tests move the clock around.
DEADLINE = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def auction_state(auction_id: int | None = None) -> dict[str, Any]:
    """Row counts, plus one auction's row and its bids: equal before and after = unchanged."""
    state: dict[str, Any] = {
        model.__tablename__: count(model) for model in (Auction, Bid, AuctionEvent, Notification, IdempotencyRecord)
    }
    if auction_id is not None:
        state["auction"] = dict(
            db.session.execute(select(Auction.__table__).where(Auction.id == auction_id)).one()._mapping
        )
        state["bids"] = db.session.execute(
            select(Bid.id, Bid.status, Bid.amount).where(Bid.auction_id == auction_id).order_by(Bid.id)
        ).all()
    return state


def bidding_state(auction_id: int) -> dict[str, Any]:
    """Row counts plus the auction's row and its bids: equal before and after = unchanged."""
    db.session.commit()  # a fresh snapshot
    return {
        "counts": [count(m) for m in (Auction, Bid, AuctionEvent, Notification, IdempotencyRecord)],
        "auction": dict(db.session.execute(select(Auction.__table__).where(Auction.id == auction_id)).one()._mapping),
        "bids": db.session.execute(
            select(Bid.id, Bid.status, Bid.amount).where(Bid.auction_id == auction_id).order_by(Bid.id)
        ).all(),
    }


def anonymous_browser(client: Any) -> dict[str, str]:
    """A visitor who has not logged in: its browser holds a session cookie and CSRF token."""
    return {"X-CSRFToken": client.get("/api/auth/csrf").get_json()["csrf_token"]}


def fresh(model: Any, ident: int) -> Any:
    """The row `ident` of `model` as the database holds it now."""
    db.session.commit()  # end the read snapshot so other sessions' commits are visible
    return db.session.get(model, ident)


def bid_url(auction: Auction) -> str:
    """Where bids on `auction` are placed and listed."""
    return f"/api/auctions/{auction.id}/bids"


def offer(amount: Any, **fields: Any) -> dict[str, Any]:
    """A valid POST .../bids body for `amount`."""
    return {"amount": amount, "description": "Licensed plumber, parts included.", **fields}


# --------------------------------------------------------------------------- the database's refusals


def mysql_error(errno: int, message: str) -> OperationalError:
    """What SQLAlchemy raises when MySQL/MariaDB fails a statement with `errno` (1213 a
    deadlock, 1205 a lock wait timeout), with the exception PyMySQL itself builds inside."""
    return OperationalError("SELECT ... FOR UPDATE", {}, pymysql.err.OperationalError(errno, message))


def postgres_deadlock() -> OperationalError:
    """What SQLAlchemy raises when PostgreSQL breaks a deadlock (SQLSTATE 40P01, via psycopg)."""
    return OperationalError("SELECT ... FOR UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


# --------------------------------------------------------------------------- routes


def sample_args(world: dict[str, Any], customer: User) -> dict[str, Any]:
    """Real ids from the security `world` for each URL argument of the routes."""
    return {
        "auction_id": world["auction"].id,
        "bid_id": world["bid"].id,
        "user_id": customer.id,
        "category_id": world["category"].id,
        "filename": "does-not-exist.css",
    }


def routes(app: Any, methods: set[str], prefix: str = "") -> Iterator[tuple[Any, str]]:
    """Every (rule, method) of the app under `prefix` for these methods."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods & methods):
                yield rule, method


def url_for_rule(rule: Any, args: dict[str, Any]) -> str:
    """The rule's path with a real id for each known argument (1 for any other)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(args.get(m.group(1), 1)), rule.rule)


# --------------------------------------------------------------------------- the API's credentials


def login(app: Any, user: User, password: str = PASSWORD) -> tuple[Any, dict[str, Any]]:
    """A fresh test client logged in with a cookie session, and the login response body."""
    client = app.test_client()
    response = client.post("/api/auth/login", json={"username": user.username, "password": password})
    assert response.status_code == 200, response.get_json()
    return client, response.get_json()


def csrf(body: dict[str, Any]) -> dict[str, str]:
    """The CSRF header for cookie writes, from a login response body."""
    return {"X-CSRFToken": body["csrf_token"]}


def bearer_of(body: dict[str, Any]) -> dict[str, str]:
    """The bearer header from a login response body."""
    return {"Authorization": f"Bearer {body['access_token']}"}


def session_secret(app: Any, client: Any) -> str:
    """Flask-Login's user id inside the signed session cookie."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return data["_user_id"]


# --------------------------------------------------------------------------- the pages' forms


def html(response: Any) -> str:
    """The page's text."""
    return response.get_data(as_text=True)


def csrf_token(client: Any, path: str = "/") -> str:
    """The CSRF token in the form on the page at `path`."""
    match = CSRF.search(html(client.get(path)))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: Any, user: User) -> str:
    """Log in through the form; returns the new session's CSRF token."""
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client, "/login"), "username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, html(response)
    return csrf_token(client, "/")


# --------------------------------------------------------------------------- Socket.IO test client


def ack(sock: Any, event: str, data: Any) -> Any:
    """Emit `event` on the test socket and return the handler's acknowledgement."""
    with sock.app.app_context():  # each event gets its own context, as in the server
        return sock.emit(event, data, namespace=NS, callback=True)


def race(app: Any, *calls: Callable[[], Any], timeout: float = 30.0) -> list[Any]:
    """Run the calls at once, one thread each (released together by a barrier), each in a
    fresh app context and database session, as several server processes would; returns
    each call's result or the exception it raised, in order."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call: Callable[[], Any]) -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                results[index] = call()
            except Exception as exc:  # the refusal is the result
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    return results


@contextmanager
def sent_packets(sock: Any) -> Iterator[list[tuple[str, Any]]]:
    """What the server sends the test socket while the block runs, in order: (kind, data)
    with kind "EVENT" (data `[name, payload]`), "DISCONNECT", "CONNECT_ERROR" (data
    `{message, data?}`), ... (the test client itself keeps events only while connected)."""
    server = sock.socketio.server
    sent: list[tuple[str, Any]] = []
    send_packet, send_eio_packet = server._send_packet, server._send_eio_packet

    def note(eio_sid: str, pkt: Any) -> None:
        if eio_sid == sock.eio_sid:
            sent.append((socket_packet.packet_names[pkt.packet_type], pkt.data))

    def record_packet(eio_sid: str, pkt: Any) -> None:
        note(eio_sid, pkt)
        send_packet(eio_sid, pkt)

    def record_eio_packet(eio_sid: str, eio_pkt: Any) -> None:  # room emits arrive encoded
        note(eio_sid, socket_packet.Packet(encoded_packet=eio_pkt.data))
        send_eio_packet(eio_sid, eio_pkt)

    server._send_packet, server._send_eio_packet = record_packet, record_eio_packet
    try:
        yield sent
    finally:
        server._send_packet, server._send_eio_packet = send_packet, send_eio_packet


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The SQL statements the block sends, in order (their texts, not their values)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def error_variants(schema: dict[str, Any]) -> list[tuple[list[str], dict[str, Any]]]:
    """An error response schema's variants (openapi.operations.error): each variant's codes and
    the `allOf` part that narrows `Error` to them (`code`, and `details` where they are known)."""
    variants = schema.get("oneOf", [schema])
    found = []
    for variant in variants:
        narrowed = variant["allOf"][1]["properties"]
        code = narrowed["code"]
        found.append(([code["const"]] if "const" in code else list(code["enum"]), narrowed))
    return found
