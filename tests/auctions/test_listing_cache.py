"""The anonymous listing served from memory: no database on a hit, and never a page older
than the last write to an auction or a category (queries/listing_cache.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from helpers import category_id, recorded_statements
from sqlalchemy import select, update

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Category
from bidbazaar.queries.listing_cache import ListingCache, LocalVersion, RedisVersion

LIVE_REDIS = "redis://127.0.0.1:6379/7"  # DB 7: never the message queue's DB 0


def titles(client: Any, query: str = "") -> list[str]:
    response = client.get(f"/api/auctions{query}")
    assert response.status_code == 200, response.get_json()
    return [a["title"] for a in response.get_json()["auctions"]]


def test_a_repeated_anonymous_listing_reads_no_database(client, make_auction):
    make_auction(title="Paint the hall")
    titles(client)

    with recorded_statements() as statements:
        assert titles(client) == ["Paint the hall"]

    assert statements == []


def test_each_query_string_is_its_own_page(client, make_auction):
    make_auction(title="Paint the hall")
    make_auction(title="Fix the tap")

    assert titles(client) == ["Fix the tap", "Paint the hall"]
    assert titles(client, "?order=asc") == ["Paint the hall", "Fix the tap"]


def test_a_new_auction_shows_in_the_next_anonymous_listing(client, make_auction):
    make_auction(title="Paint the hall")
    titles(client)

    make_auction(title="Fix the tap")

    assert titles(client) == ["Fix the tap", "Paint the hall"]


def test_a_bid_shows_its_amount_in_the_next_anonymous_listing(client, auction, make_bid, provider):
    client.get("/api/auctions")

    make_bid(provider, auction, 1500)

    assert client.get("/api/auctions").get_json()["auctions"][0]["lowest_bid"] == 1500


def test_a_conditional_update_of_auctions_empties_the_cache_too(client, auction):
    titles(client)

    db.session.execute(update(Auction).where(Auction.id == auction.id).values(title="Retitled by a sweep"))
    db.session.commit()

    assert titles(client) == ["Retitled by a sweep"]


def test_a_renamed_category_shows_in_the_next_anonymous_listing(client, auction):
    client.get("/api/auctions")

    plumbing = db.session.get(Category, category_id("Plumbing"))
    services.save_category({"name": "Plumbing and drains", "parent_id": plumbing.parent_id}, plumbing)

    assert client.get("/api/auctions").get_json()["auctions"][0]["category_name"] == "Plumbing and drains"


def test_a_write_that_rolled_back_keeps_the_cached_page(app, client, auction):
    titles(client)
    version = app.extensions["bidbazaar_listing_cache"].version.current()

    db.session.get(Auction, auction.id).title = "Never committed"
    db.session.flush()
    db.session.rollback()
    db.session.execute(select(1))  # the session's next transaction writes no auction
    db.session.commit()

    assert app.extensions["bidbazaar_listing_cache"].version.current() == version
    with recorded_statements() as statements:
        assert titles(client) == ["Fix kitchen sink leak"]
    assert statements == []


def test_a_signed_in_viewer_reads_its_own_page(client, auction, customer, bearer):
    assert client.get("/api/auctions").get_json()["auctions"][0]["is_mine"] is False

    mine = client.get("/api/auctions", headers=bearer(customer)).get_json()["auctions"][0]

    assert mine["is_mine"] is True


def test_a_refused_query_is_refused_every_time(client):
    for _ in range(2):
        assert client.get("/api/auctions?mine=true").status_code == 401


# --------------------------------------------------------------------------- the cache alone


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_page_lives_at_most_its_seconds_when_nothing_bumps_the_version():
    clock = Clock()
    cache = ListingCache(LocalVersion(), 5, clock)
    reads = iter(["first", "second"])
    assert cache.get(b"", lambda: next(reads)) == "first"

    clock.now += 4.9
    assert cache.get(b"", lambda: next(reads)) == "first"
    clock.now += 0.2
    assert cache.get(b"", lambda: next(reads)) == "second"


def test_zero_seconds_turns_the_cache_off():
    cache = ListingCache(LocalVersion(), 0)
    reads = iter(["first", "second"])

    assert [cache.get(b"", lambda: next(reads)) for _ in range(2)] == ["first", "second"]


def test_a_full_cache_starts_afresh_instead_of_growing():
    cache = ListingCache(LocalVersion(), 60, max_pages=2)
    reads = iter(["a", "b", "c", "a again"])
    for key in (b"a", b"b", b"c"):
        cache.get(key, lambda: next(reads))

    assert cache.get(b"a", lambda: next(reads)) == "a again"


def test_a_page_no_longer_true_is_read_again():
    cache = ListingCache(LocalVersion(), 60)
    reads = iter(["open", "closed"])
    cache.get(b"", lambda: next(reads))

    assert cache.get(b"", lambda: next(reads), still_true=lambda page: page != "open") == "closed"


@pytest.fixture
def shared_version() -> Any:
    namespace = f"test-{uuid.uuid4().hex}"
    first, second = RedisVersion(LIVE_REDIS, namespace), RedisVersion(LIVE_REDIS, namespace)
    yield first, second
    first._client.delete(first.key)


def test_a_write_in_one_process_empties_the_other_processes_caches_through_redis(shared_version):
    here, there = (ListingCache(version, 60) for version in shared_version)
    reads = iter(["before", "after"])
    assert there.get(b"", lambda: next(reads)) == "before"

    here.catalogue_changed()

    assert there.get(b"", lambda: next(reads)) == "after"


def test_with_redis_down_every_request_reads_the_database():
    cache = ListingCache(RedisVersion("redis://127.0.0.1:1/7", "down"), 60)
    reads = iter(["first", "second"])

    assert [cache.get(b"", lambda: next(reads)) for _ in range(2)] == ["first", "second"]
