"""The bench's own database: created afresh, seeded with seed-demo, plus fixtures.

SQLite lives in a temp directory; PostgreSQL is the database `bb_bench` and MySQL/MariaDB
the database `bb_bench_my`, each dropped and created by this module and by nothing else
(never `test` or anyone else's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from devtools.processes import ROOT, mint_api_token

PG_HOST = "127.0.0.1"
PG_USER = "postgres"
PG_DATABASE = "bb_bench"
MY_HOST = "127.0.0.1"
MY_PORT = 3306
MY_USER = "root"
MY_DATABASE = "bb_bench_my"
#: The databases one run can measure, in the order `--db all` runs them.
KINDS = ("sqlite", "postgresql", "mysql")
#: Cheap hashes: the bench measures requests, not scrypt.
BENCH_ENV = {
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
    "APP_ENV": "development",
    "FLASK_DEBUG": "false",
    "RATELIMIT_ENABLED": "false",
    # The sweeper would close the seeded past-deadline auctions (a quarter of them) while
    # we measure; reads of open auctions never depend on it.
    "CLOSE_SWEEP_SECONDS": "0",
    # No mail sender beside the figures (in development it would write .eml files into the
    # repo's instance/mail); bench/mail.py turns it on for its own case.
    "MAIL_SEND_SECONDS": "0",
}
HOT_BUDGET = Decimal("99999999")
DETAIL_BIDS = 1000
SPREAD_AUCTIONS = 1000
BIDDERS = 64
#: Fresh hot auctions for the peer comparison (bench/peer.py): per concurrency (3) and
#: round (2), one for each peer worker (2), since both workers serve the peer's one copy;
#: Bid Bazaar bids on the first of each round's rows in its own database.
PEER_HOT_AUCTIONS = 12


@dataclass
class Fixtures:
    customer_id: int
    admin_token: str
    customer_token: str
    provider_tokens: list[str]
    detail_auction: int
    small_auction: int
    hot_auction: int
    hot8_auction: int
    spread_auctions: list[int] = field(default_factory=list)
    parent_category: int = 0
    peer_hot_auctions: list[int] = field(default_factory=list)


def database_url(kind: str, workdir: Path) -> str:
    """The URL the app is given: the bare scheme, so it gets the driver requirements.txt pins."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    if kind == "mysql":
        return f"mysql://{MY_USER}@{MY_HOST}:{MY_PORT}/{MY_DATABASE}"
    return f"postgresql://{PG_USER}@{PG_HOST}:5432/{PG_DATABASE}"


def mysql_statements(*statements: str, database: str | None = None) -> list[tuple]:
    """Run statements on the MySQL/MariaDB server with PyMySQL (pinned in requirements.txt,
    so no `mysql` client binary is needed); the rows of the last one."""
    import pymysql

    connection = pymysql.connect(host=MY_HOST, port=MY_PORT, user=MY_USER, database=database, autocommit=True)
    try:
        with connection.cursor() as cursor:
            rows: list[tuple] = []
            for statement in statements:
                cursor.execute(statement)
                rows = list(cursor.fetchall())
            return rows
    finally:
        connection.close()


def recreate(kind: str) -> None:
    """PostgreSQL: drop and create bb_bench; MySQL: bb_bench_my (SQLite starts from a new
    temp file)."""
    if kind == "postgresql":
        common = ["-h", PG_HOST, "-U", PG_USER]
        subprocess.run(["dropdb", "--if-exists", "--force", *common, PG_DATABASE], check=True)
        subprocess.run(["createdb", *common, PG_DATABASE], check=True)
    elif kind == "mysql":
        mysql_statements(
            f"DROP DATABASE IF EXISTS `{MY_DATABASE}`",
            f"CREATE DATABASE `{MY_DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        )


def analyze(kind: str) -> None:
    """PostgreSQL: what autovacuum does soon after a bulk load (fresh statistics, a visibility
    map for index-only scans), done at once so plans are not measured on empty statistics.
    MySQL/MariaDB: ANALYZE TABLE on every table, InnoDB's equivalent (its persistent
    statistics are otherwise recalculated in the background after 10 % of a table changed)."""
    if kind == "postgresql":
        subprocess.run(
            ["psql", "-q", "-h", PG_HOST, "-U", PG_USER, "-d", PG_DATABASE, "-c", "VACUUM ANALYZE"], check=True
        )
    elif kind == "mysql":
        tables = [row[0] for row in mysql_statements("SHOW TABLES", database=MY_DATABASE)]
        if tables:
            mysql_statements("ANALYZE TABLE " + ", ".join(f"`{t}`" for t in tables), database=MY_DATABASE)


def describe(app) -> str:
    """Which database server and driver the app talks to, e.g. `MariaDB 10.11.6 via pymysql`."""
    import sqlite3

    from sqlalchemy import text

    from bidbazaar.extensions import db

    with app.app_context():
        dialect = db.engine.dialect
        if dialect.name == "sqlite":
            version = f"SQLite {sqlite3.sqlite_version}"
        else:
            version = str(db.session.scalar(text("SELECT version()")))
            db.session.rollback()
            if dialect.name in ("mysql", "mariadb"):
                version = ("MariaDB " if "mariadb" in version.lower() else "MySQL ") + version.split("-")[0]
            else:
                version = " ".join(version.split()[:2])
        return f"{version} via {dialect.driver}"


def seed(url: str, auctions: int) -> float:
    """`flask --app app seed-demo --auctions N` into url; returns the seconds it took."""
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--auctions", str(auctions)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def make_app(url: str):
    """The application, in-process, against the bench database (no .env is read)."""
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from app import create_app
    from bidbazaar.config import Config

    return create_app(Config())


def _auction(db, creator: int, category: int, title: str, budget: Decimal, now):
    from bidbazaar.models import Auction, AuctionStatus

    deadline = now + timedelta(days=30)  # far from the anti-sniping window
    auction = Auction(
        title=title,
        description="Benchmark fixture: a job with a long deadline.",
        category_id=category,
        created_by=creator,
        location="Mumbai, Maharashtra",
        budget_min=Decimal("1"),
        budget_max=budget,
        deadline=deadline,
        scheduled_deadline=deadline,
        status=AuctionStatus.ACTIVE,
        alerts_matched_at=now,  # fixtures, not news for the job alerts
        created_at=now,
        updated_at=now,
    )
    db.session.add(auction)
    db.session.flush()
    return auction


def add_fixtures(app) -> Fixtures:
    """Bench users with bearer tokens, an auction with 1,000 bids, a hot auction, 1,000 spread ones."""
    from sqlalchemy import select

    from bidbazaar.extensions import db
    from bidbazaar.models import Bid, BidStatus, Category, User, utcnow

    with app.app_context():
        now = utcnow()

        def user(name: str, provider: bool, admin: bool = False) -> User:
            row = User(
                username=name,
                email=f"{name}@bench.example.com",
                password_hash="pbkdf2:sha256:1000$x$x",
                is_service_provider=provider,
                provider_verified=provider,
                is_admin=admin,
            )
            db.session.add(row)
            db.session.flush()
            return row

        customer = user("benchcustomer", False)
        admin = user("benchadmin", False, admin=True)
        providers = [user(f"benchprovider{i}", True) for i in range(1, BIDDERS + 1)]
        leaf = db.session.scalar(select(Category.id).where(Category.name == "Plumbing"))
        parent = db.session.scalar(select(Category.id).where(Category.name == "Home Repair"))

        detail = _auction(db, customer.id, leaf, "Benchmark: 1,000 bids", Decimal("1000000"), now)
        amount = detail.budget_max
        for n in range(DETAIL_BIDS):
            bidder = providers[n % len(providers)]
            amount -= 1
            db.session.add(
                Bid(
                    auction_id=detail.id,
                    user_id=bidder.id,
                    amount=amount,
                    description="Benchmark bid.",
                    status=BidStatus.ACTIVE,
                    bidder_number=n % len(providers) + 1,
                    created_at=now,
                    updated_at=now,
                )
            )
        detail.bid_count = DETAIL_BIDS
        detail.lowest_bid = amount
        detail.bidder_count = len(providers)
        small = _auction(db, customer.id, leaf, "Benchmark: no bids", Decimal("1000"), now)
        hot = _auction(db, customer.id, leaf, "Benchmark: hot auction", HOT_BUDGET, now)
        hot8 = _auction(db, customer.id, leaf, "Benchmark: hot auction, 8 bidders", HOT_BUDGET, now)
        spread = [_auction(db, customer.id, leaf, f"Benchmark spread #{i}", HOT_BUDGET, now).id for i in range(1000)]
        beside_peer = [
            _auction(db, customer.id, leaf, f"Benchmark: hot auction beside the peer #{i}", HOT_BUDGET, now).id
            for i in range(1, PEER_HOT_AUCTIONS + 1)
        ]
        fixtures = Fixtures(
            customer_id=customer.id,
            admin_token=mint_api_token(db.session, admin.id),
            customer_token=mint_api_token(db.session, customer.id),
            provider_tokens=[mint_api_token(db.session, p.id) for p in providers],
            detail_auction=detail.id,
            small_auction=small.id,
            hot_auction=hot.id,
            hot8_auction=hot8.id,
            spread_auctions=spread,
            parent_category=parent,
            peer_hot_auctions=beside_peer,
        )
        db.session.commit()
    return fixtures


def counts(app) -> dict[str, int]:
    from sqlalchemy import func, select

    from bidbazaar.extensions import db
    from bidbazaar.models import Auction, Bid

    with app.app_context():
        return {
            "auctions": db.session.scalar(select(func.count()).select_from(Auction)) or 0,
            "bids": db.session.scalar(select(func.count()).select_from(Bid)) or 0,
        }


INVARIANT_SQL = """
WITH ladder AS (
    SELECT amount, LAG(amount) OVER (ORDER BY id) AS previous
    FROM bids WHERE auction_id = :auction AND status = 'active'
)
SELECT
    (SELECT COUNT(*) FROM ladder WHERE previous IS NOT NULL AND amount > previous - :decrement) AS not_lower,
    (SELECT COUNT(*) FROM bids WHERE auction_id = :auction) AS bids,
    (SELECT COUNT(*) FROM auction_events WHERE auction_id = :auction) AS events,
    (SELECT MIN(amount) FROM bids WHERE auction_id = :auction AND status = 'active') AS lowest,
    a.bid_count, a.lowest_bid, a.event_seq
FROM auctions a WHERE a.id = :auction
"""


def check_invariant(app, auction_id: int) -> dict[str, object]:
    """After bidding: every accepted bid undercut the one before it by the decrement, and
    the counters on the auction row agree with the bid and event rows."""
    from sqlalchemy import text

    from bidbazaar.extensions import db

    with app.app_context():
        row = db.session.execute(text(INVARIANT_SQL), {"auction": auction_id, "decrement": 1}).mappings().one()
        db.session.rollback()
    row = dict(row)
    lowest = Decimal(str(row["lowest"])) if row["lowest"] is not None else None
    stored = Decimal(str(row["lowest_bid"])) if row["lowest_bid"] is not None else None
    row["ok"] = (
        row["not_lower"] == 0
        and row["bids"] == row["bid_count"]
        and row["events"] == row["event_seq"]
        and lowest == stored
    )
    return row
