"""What must hold on every database the suite runs on (SQLite, PostgreSQL, MySQL/MariaDB):
text in any script and emoji round-trips, times keep their microseconds, the listing reads
each page off its sort's index, and database URLs get the driver and options we ship.

Covered elsewhere, not repeated here: case-insensitive unique usernames and emails and
login in either case (test_auth.py), "no bids last" in both directions of the lowest-bid
sort (auctions/test_auction_listing.py). A username in Devanagari is refused by the
registration form itself (letters, digits, '.', '_' and '-' only), so only titles,
descriptions, locations and bid notes carry other scripts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from helpers import auction_payload, bid_url, offer
from sqlalchemy import event, insert, make_url, select, text

from bidbazaar.config import engine_options, normalise_database_url
from bidbazaar.database import is_mysql
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, utcnow

# A decomposed nukta (फ + U+093C, not the precomposed फ़ U+095E): nothing on the way may
# normalise it. 🧹 is four bytes in UTF-8 (MySQL's three-byte "utf8" cannot store it), and
# 🧑‍🔧 is a ZWJ sequence of two of them.
TITLE = "सफ\u093cाई 🧹 3BHK"
DESCRIPTION = "साप्ताहिक सफ\u093cाई, 3 कमरे 🧑\u200d🔧 — अपना सामान लाएँ। Weekly cleaning, own supplies."
LOCATION = "मुंबई, महाराष्ट्र"
NOTES = "मैं रविवार को आ सकता हूँ 🙏🏽 (Sunday works)"


# --------------------------------------------------------------------------- utf8mb4


def test_an_auction_in_devanagari_and_emoji_reads_back_exactly_as_posted(client, customer, bearer):
    posted = client.post(
        "/api/auctions",
        json=auction_payload(title=TITLE, description=DESCRIPTION, location=LOCATION),
        headers=bearer(customer),
    )
    assert posted.status_code == 201, posted.get_json()

    read = client.get(f"/api/auctions/{posted.get_json()['auction']['id']}").get_json()["auction"]

    sent = (TITLE, DESCRIPTION, LOCATION)
    assert tuple(read[key].encode() for key in ("title", "description", "location")) == tuple(s.encode() for s in sent)


def test_bid_notes_with_emoji_read_back_exactly_as_posted(client, auction, provider, bearer):
    headers = bearer(provider)
    posted = client.post(bid_url(auction), json=offer(1500, notes=NOTES), headers=headers)
    assert posted.status_code == 201, posted.get_json()

    bids = client.get(bid_url(auction), headers=headers).get_json()["bids"]

    assert [bid["notes"].encode() for bid in bids] == [NOTES.encode()]


# --------------------------------------------------------------------------- microseconds


@pytest.fixture
def two_bids_in_one_second(auction, provider, rival, make_bid, time_machine) -> tuple[list[int], list[Any]]:
    """Two bids 1.001 ms apart within the same second; their ids and the clock at each."""
    first_at = utcnow().replace(microsecond=123_456) + timedelta(seconds=5)
    second_at = first_at + timedelta(microseconds=1_001)
    time_machine.move_to(first_at, tick=False)
    first = make_bid(provider, auction, 1500)
    time_machine.move_to(second_at, tick=False)
    second = make_bid(rival, auction, 1400)
    return [first.id, second.id], [first_at, second_at]


def test_two_bids_within_one_second_keep_their_microseconds_and_their_order(auction, two_bids_in_one_second):
    ids, times = two_bids_in_one_second
    db.session.commit()  # a fresh read, not the instances the factory left behind

    stored = db.session.execute(
        select(Bid.id, Bid.created_at).where(Bid.auction_id == auction.id).order_by(Bid.created_at.desc())
    ).all()

    assert [tuple(row) for row in stored] == list(reversed(list(zip(ids, times, strict=True))))


def test_an_event_log_written_within_one_second_reads_back_in_seq_order_and_verifies(
    client, auction, two_bids_in_one_second
):
    events = client.get(f"/api/auctions/{auction.id}/events").get_json()["events"]

    assert [(e["seq"], e["type"]) for e in events] == [(1, "auction_created"), (2, "bid_placed"), (3, "bid_placed")]
    # Each link hashes its event's time to the microsecond: a column that dropped them
    # would break the chain on the first read.
    assert client.get(f"/api/auctions/{auction.id}/events/verify").get_json() == {"valid": True, "events": 3}


# --------------------------------------------------------------------------- the listing's indexes

#: The index each listing sort must read its page's ids from, by (sort, descending).
SORT_INDEXES = {
    ("created_at", False): "ix_auctions_created_at_id",
    ("created_at", True): "ix_auctions_created_at_id",
    ("budget_max", False): "ix_auctions_budget_max_id",
    ("budget_max", True): "ix_auctions_budget_max_id",
    ("deadline", False): "ix_auctions_deadline_id",
    ("deadline", True): "ix_auctions_deadline_id",
    ("lowest_bid", False): "ix_auctions_lowest_bid_rising_id",
    ("lowest_bid", True): "ix_auctions_lowest_bid_falling_id",
    ("bid_count", False): "ix_auctions_bid_count_id",
    ("bid_count", True): "ix_auctions_bid_count_id",
}
CATALOGUE = 200


@pytest.fixture
def catalogue(make_auction) -> None:
    """CATALOGUE auctions with varied sort keys (one posted through the rules, the rest
    copied from it in one INSERT), then fresh planner statistics, so that the plans below
    are those of a real catalogue rather than of a table the planner would just scan."""
    posted = make_auction()
    row = db.session.execute(select(Auction.__table__).where(Auction.id == posted.id)).one()._asdict()
    for generated in ("id", "lowest_bid_rising", "lowest_bid_falling"):
        del row[generated]
    db.session.execute(
        insert(Auction.__table__),
        [
            {
                **row,
                "created_at": row["created_at"] + timedelta(seconds=n),
                "deadline": row["deadline"] + timedelta(minutes=n),
                "budget_max": row["budget_min"] + n,
                "bid_count": n % 7,
                "lowest_bid": None if n % 7 == 0 else row["budget_min"] - n % 50,
            }
            for n in range(1, CATALOGUE)
        ],
    )
    db.session.commit()
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(text("ANALYZE auctions"))
    elif is_mysql(db.engine):
        db.session.execute(text("ANALYZE TABLE auctions")).all()
    db.session.commit()  # SQLite's planner picks the sort index without statistics


@pytest.fixture
def page_statement(client) -> Callable[[str], tuple[str, Any]]:
    """The page statement (SQL and parameters) that GET /api/auctions?<query> really ran."""

    def capture(query: str) -> tuple[str, Any]:
        ran: list[tuple[str, Any]] = []

        def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            ran.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(f"/api/auctions?{query}")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.get_json()
        pages = [(sql, parameters) for sql, parameters in ran if "LIMIT" in sql.upper()]
        assert len(pages) == 1, ran
        return pages[0]

    return capture


def ids_subquery_plan(sql: str, parameters: Any) -> Iterator[tuple[str, bool]]:
    """For each access step of the plan of the page's ids subquery: (its description,
    whether the rows it yields are sorted apart from any index)."""
    connection = db.session.connection()
    dialect = db.engine.dialect.name
    try:
        if dialect == "postgresql":
            # Make a sort the planner's last resort: one that remains means no index can
            # give this order.
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, parameters).scalar_one()
            if isinstance(plan, str):  # psycopg hands json back parsed; be safe if not
                plan = json.loads(plan)
            yield from _postgres_limit_steps(plan[0]["Plan"])
        elif is_mysql(db.engine):
            for row in connection.exec_driver_sql("EXPLAIN " + sql, parameters).mappings():
                if row["select_type"] == "DERIVED" and row["table"] == "auctions":
                    yield f"{row['type']} {row['key']}", "filesort" in (row["Extra"] or "").lower()
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters).all()
            subquery = next(node for node, _, _, detail in rows if detail.startswith(("MATERIALIZE", "CO-ROUTINE")))
            inside = {subquery}
            for node, parent, _, detail in rows:
                if parent in inside:
                    inside.add(node)
                    yield detail, detail.startswith("USE TEMP B-TREE")
    finally:
        db.session.rollback()


def _postgres_limit_steps(node: dict[str, Any], under_limit: bool = False) -> Iterator[tuple[str, bool]]:
    under_limit = under_limit or node["Node Type"] == "Limit"
    if under_limit:
        yield f"{node['Node Type']} {node.get('Index Name', '')}", node["Node Type"] in ("Sort", "Incremental Sort")
    for child in node.get("Plans", []):
        yield from _postgres_limit_steps(child, under_limit)


@pytest.mark.parametrize(("sort", "descending"), sorted(SORT_INDEXES))
def test_each_listing_sort_reads_its_page_off_its_index_without_sorting_the_auctions(
    catalogue, page_statement, sort, descending
):
    sql, parameters = page_statement(f"sort={sort}&order={'desc' if descending else 'asc'}")

    steps = list(ids_subquery_plan(sql, parameters))

    assert steps and not any(sorted_apart for _, sorted_apart in steps), steps
    assert any(SORT_INDEXES[sort, descending] in description for description, _ in steps), steps


# --------------------------------------------------------------------------- database URLs


def test_a_bare_mysql_url_gets_pymysql_and_utf8mb4():
    assert normalise_database_url("mysql://bb@db.example:3306/bidbazaar") == (
        "mysql+pymysql://bb@db.example:3306/bidbazaar?charset=utf8mb4"
    )


def test_a_bare_mariadb_url_gets_pymysql_and_utf8mb4():
    assert normalise_database_url("mariadb://bb@db.example/bidbazaar") == (
        "mariadb+pymysql://bb@db.example/bidbazaar?charset=utf8mb4"
    )


def test_a_mysql_url_that_names_its_driver_keeps_it_and_still_gets_utf8mb4():
    assert normalise_database_url("mysql+mysqldb://bb@db.example/bidbazaar") == (
        "mysql+mysqldb://bb@db.example/bidbazaar?charset=utf8mb4"
    )


def test_an_explicit_mysql_charset_is_kept():
    url = make_url(normalise_database_url("mysql://bb@db.example/bidbazaar?charset=latin1"))

    assert url.query == {"charset": "latin1"}


def test_a_password_with_at_and_percent_signs_survives_normalising():
    url = make_url(normalise_database_url("mysql://bb:p%40ss%25w0rd@db.example/bidbazaar"))

    assert (url.drivername, url.username, url.password, url.host) == ("mysql+pymysql", "bb", "p@ss%w0rd", "db.example")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_bare_postgresql_url_gets_psycopg_3_and_nothing_else(scheme):
    assert (
        normalise_database_url(f"{scheme}://bb@db.example/bidbazaar") == "postgresql+psycopg://bb@db.example/bidbazaar"
    )


@pytest.mark.parametrize("url", ["sqlite:///bidding_platform.db", "sqlite:////var/lib/bb/bb.db", "sqlite://"])
def test_a_sqlite_url_is_left_untouched(url):
    assert normalise_database_url(url) == url


def test_mysql_engines_run_at_read_committed():
    assert engine_options("mysql+pymysql://bb@db.example/bidbazaar?charset=utf8mb4")["isolation_level"] == (
        "READ COMMITTED"
    )


@pytest.mark.parametrize("url", ["postgresql+psycopg://bb@db.example/bidbazaar", "sqlite:///bb.db"])
def test_postgresql_and_sqlite_engines_keep_their_own_isolation_level(url):
    assert "isolation_level" not in engine_options(url)


def test_on_mysql_the_apps_connections_run_at_read_committed_with_the_configured_lock_wait(app):
    if not is_mysql(db.engine):
        pytest.skip("MySQL/MariaDB session settings")
    connection = db.session.connection()

    settings = (connection.get_isolation_level(), connection.scalar(text("SELECT @@innodb_lock_wait_timeout")))

    assert settings == ("READ COMMITTED", app.config["LOCK_WAIT_TIMEOUT_SECONDS"])
