"""The migration history builds the same schema as the models, on an empty database (R17)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bidbazaar.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A brand-new database of the suite's kind: a SQLite file, or a scratch PostgreSQL or
    MySQL/MariaDB database on the suite's server."""
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"bb_migrate_{uuid.uuid4().hex[:8]}"
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    else:  # MySQL/MariaDB: no maintenance database to connect to, and DDL commits itself
        admin = create_engine(url.set(database=""))
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        drop = f"DROP DATABASE IF EXISTS `{name}`"
    with admin.connect() as conn:
        conn.execute(text(create))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(drop))
        admin.dispose()


def flask_db(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def insert_user_with_auctions(
    conn: Connection, username: str, email: str, *, provider: bool, lowest_bids: tuple[str | None, ...]
) -> None:
    """User 1, category 1 and one active auction of user 1 per lowest bid, in plain SQL (the
    schema of an older revision: no application code)."""
    conn.execute(
        text(
            "INSERT INTO users (username, email, password_hash, is_service_provider, provider_verified,"
            " is_admin, is_active, created_at, updated_at) VALUES (:username, :email, 'x',"
            " :provider, false, false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"username": username, "email": email, "provider": provider},
    )
    conn.execute(text("INSERT INTO categories (name, created_at) VALUES ('Cleaning', CURRENT_TIMESTAMP)"))
    for lowest in lowest_bids:
        conn.execute(
            text(
                "INSERT INTO auctions (title, description, category_id, created_by, location, budget_min,"
                " budget_max, deadline, scheduled_deadline, status, created_at, updated_at, bid_count,"
                " lowest_bid, bidder_count, event_seq) VALUES ('t', 'd', 1, 1, 'Pune', 1000, 2000,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0,"
                " :lowest, 0, 0)"
            ),
            {"lowest": lowest},
        )


def test_upgrading_twice_reaches_head_and_matches_the_models(empty_database: str) -> None:
    first = flask_db(empty_database, "upgrade")
    assert first.returncode == 0, first.stderr
    second = flask_db(empty_database, "upgrade")
    assert second.returncode == 0, second.stderr
    assert "Running upgrade" not in second.stderr  # idempotent: nothing left to run

    current = flask_db(empty_database, "current")
    heads = flask_db(empty_database, "heads")
    assert current.stdout.split()[0] == heads.stdout.split()[0]

    check = flask_db(empty_database, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_the_migrated_schema_keeps_case_insensitive_uniqueness(empty_database: str) -> None:
    assert flask_db(empty_database, "upgrade").returncode == 0
    engine = create_engine(normalise_database_url(empty_database))
    try:
        with engine.begin() as conn:
            insert = text(
                "INSERT INTO users (username, email, password_hash, is_service_provider, provider_verified,"
                " is_admin, is_active, created_at, updated_at)"
                " VALUES (:u, :e, 'x', false, false, false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
            conn.execute(insert, {"u": "Asha", "e": "asha@example.com"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"u": "asha", "e": "other@example.com"})
        assert {"auctions", "bids", "auction_events"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrading_a_database_with_accounts_and_bids_fills_the_new_keys_and_goes_back(empty_database: str) -> None:
    """0003 on a database in use: the generated keys cover rows written before it, the old
    rule (no second "asha") holds throughout, and the downgrade returns to 0002."""
    assert flask_db(empty_database, "upgrade", "0002").returncode == 0
    engine = create_engine(normalise_database_url(empty_database))
    try:
        with engine.begin() as conn:
            insert_user_with_auctions(conn, "Asha", "Asha@Example.com", provider=False, lowest_bids=("1500.00", None))

        upgraded = flask_db(empty_database, "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username_key, email_key FROM users")).one() == ("asha", "asha@example.com")
            keys = conn.execute(text("SELECT lowest_bid_rising, lowest_bid_falling FROM auctions ORDER BY id")).all()
        assert [(Decimal(str(a)), Decimal(str(b))) for a, b in keys] == [
            (Decimal("1500"), Decimal("1500")),
            (Decimal("100000000"), Decimal("0")),
        ]

        downgraded = flask_db(empty_database, "downgrade", "0002")
        assert downgraded.returncode == 0, downgraded.stderr
        assert "username_key" not in {c["name"] for c in inspect(engine).get_columns("users")}
    finally:
        engine.dispose()


def test_upgrading_marks_the_auctions_that_already_have_proxy_bids_and_goes_back(empty_database: str) -> None:
    """0009 on a database in use: an auction with a proxy row is marked, one without is not."""
    assert flask_db(empty_database, "upgrade", "0008").returncode == 0
    engine = create_engine(normalise_database_url(empty_database))
    try:
        with engine.begin() as conn:
            insert_user_with_auctions(conn, "asha", "asha@example.com", provider=True, lowest_bids=(None, None))
            conn.execute(
                text(
                    "INSERT INTO proxy_bids (auction_id, user_id, floor, description, set_at, created_at, updated_at)"
                    " VALUES (1, 1, 1500, 'd', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )

        upgraded = flask_db(empty_database, "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        with engine.connect() as conn:
            marked = conn.execute(text("SELECT id, has_proxies FROM auctions ORDER BY id")).all()
        assert [(auction_id, bool(flag)) for auction_id, flag in marked] == [(1, True), (2, False)]

        downgraded = flask_db(empty_database, "downgrade", "0007")
        assert downgraded.returncode == 0, downgraded.stderr
        assert "has_proxies" not in {c["name"] for c in inspect(engine).get_columns("auctions")}
        assert not any(i["name"].endswith("_trgm") for i in inspect(engine).get_indexes("auctions"))
    finally:
        engine.dispose()
