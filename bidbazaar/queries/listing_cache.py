"""Anonymous listings and auction details, and customers' trust signals, served from memory
while the catalogue stands still.

An anonymous `GET /api/auctions` is the same page for everyone until an auction or a category
is written, and an anonymous `GET /api/auctions/{id}` the same detail until its auction, its
bids, its category or its creator's public profile is. A customer's trust signals (what a
provider's detail shows of the creator) stay the same until their auctions, bookings or
reviews are written. Every commit that wrote one of those tables bumps the *catalogue
version* (after the commit, so a reader never files a page read before it under the new
version); a cached page is served only while the version it was read at is still current,
and at most LISTING_CACHE_SECONDS. A hit opens no database session: an
anonymous request has no credential to load and the version is in memory, or one Redis GET
away.

Where the version lives decides how exact the cache is:

- one process (the embedded default): in memory, exact for every write this process makes;
  a write by another process (a CLI command, say) shows within LISTING_CACHE_SECONDS.
- several processes with SOCKETIO_MESSAGE_QUEUE on Redis: in Redis, exact across them.

The version is read before the page, so a page read while a write commits is filed under the
old version and never served once the bump lands.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger(__name__)

#: The tables whose rows a listing or a detail shows (categories' names, the bids, and the
#: creator's public profile included), and those a customer's trust is counted from. Every
#: bid also writes its auction's row; bids is here so that no future write to a bid alone can
#: go unnoticed.
CATALOGUE_TABLES = frozenset({"auctions", "bids", "bookings", "categories", "reviews", "users"})
_WROTE = "bidbazaar_catalogue_written"
#: How many pages a cache keeps before it starts afresh: free-text queries must not grow it
#: forever. A detail (50 bids) weighs about 20 KB, so that cache keeps fewer.
MAX_LISTING_PAGES = 4096
MAX_DETAILS = 1024


class LocalVersion:
    """The catalogue version of this process alone."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def current(self) -> int | None:
        return self._value

    def bump(self) -> None:
        with self._lock:
            self._value += 1


class RedisVersion:
    """The catalogue version shared by every process on one Redis; None when Redis fails
    (the request then reads the database, and nothing is cached)."""

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.key = f"bidbazaar:catalogue-version:{namespace}"

    def current(self) -> int | None:
        try:
            return int(self._client.get(self.key) or 0)
        except Exception:
            log.warning("catalogue version unavailable: listings read the database", exc_info=True)
            return None

    def bump(self) -> None:
        try:
            self._client.incr(self.key)
        except Exception:  # a page cached under the old version lives out its seconds
            log.warning("could not bump the catalogue version", exc_info=True)


@dataclass(frozen=True)
class _Cached:
    version: int
    expires: float
    page: Any


class ListingCache:
    """Pages of the anonymous listing by raw query string, each valid for one catalogue version."""

    def __init__(
        self,
        version: LocalVersion | RedisVersion,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_pages: int = MAX_LISTING_PAGES,
    ) -> None:
        self.version = version
        self.seconds = seconds
        self.clock = clock
        self.max_pages = max_pages
        self._pages: dict[Hashable, _Cached] = {}

    def get(self, key: Hashable, read: Callable[[], Any], still_true: Callable[[Any], bool] | None = None) -> Any:
        """The page for `key`: cached if read at the current version (and `still_true` of it,
        for what time alone changes), else `read()` (and kept)."""
        if self.seconds <= 0:
            return read()
        version = self.version.current()  # before the page: see the module's docstring
        now = self.clock()
        cached = self._pages.get(key)
        if (
            cached is not None
            and cached.version == version
            and cached.expires > now
            and (still_true is None or still_true(cached.page))
        ):
            return cached.page
        page = read()
        if version is not None:
            if len(self._pages) >= self.max_pages:
                self._pages.clear()
            self._pages[key] = _Cached(version, now + self.seconds, page)
        return page

    def catalogue_changed(self) -> None:
        """After a commit that wrote an auction or a category."""
        self.version.bump()


def anonymous_listings() -> ListingCache:
    """This application's cache of anonymous listing pages."""
    return current_app.extensions["bidbazaar_listing_cache"]


def anonymous_details() -> ListingCache:
    """This application's cache of anonymous auction details (the same catalogue version)."""
    return current_app.extensions["bidbazaar_detail_cache"]


def customer_trusts() -> ListingCache:
    """This application's cache of customers' trust signals by user id (the same version)."""
    return current_app.extensions["bidbazaar_trust_cache"]


def init_app(app: Flask) -> None:
    """Give the app its cache (the version where SOCKETIO_MESSAGE_QUEUE says) and watch every
    session for commits that wrote the catalogue."""
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if queue.startswith(("redis://", "rediss://", "unix://")):
        # One version per database: two deployments may share a Redis.
        database = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
        version: LocalVersion | RedisVersion = RedisVersion(queue, database)
    else:
        version = LocalVersion()
    app.extensions["bidbazaar_listing_cache"] = ListingCache(version, app.config["LISTING_CACHE_SECONDS"])
    app.extensions["bidbazaar_detail_cache"] = ListingCache(
        version, app.config["LISTING_CACHE_SECONDS"], max_pages=MAX_DETAILS
    )
    app.extensions["bidbazaar_trust_cache"] = ListingCache(version, app.config["LISTING_CACHE_SECONDS"])
    for name, listener in (
        ("after_flush", _flushed),
        ("do_orm_execute", _executed),
        ("after_commit", _committed),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _mark(session: Session) -> None:
    if has_app_context() and "bidbazaar_listing_cache" in current_app.extensions:
        # The cache itself, so the bump reaches it even from a commit outside the app context.
        session.info[_WROTE] = current_app.extensions["bidbazaar_listing_cache"]


def _flushed(session: Session, _context: Any) -> None:
    # After the flush the session still lists what it wrote (SQLAlchemy's after_flush).
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in CATALOGUE_TABLES:
            _mark(session)
            return


def _executed(state: ORMExecuteState) -> None:
    # UPDATE/INSERT/DELETE statements (the sweeps' conditional updates) skip the flush.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in CATALOGUE_TABLES:
            _mark(state.session)


def _committed(session: Session) -> None:
    cache = session.info.pop(_WROTE, None)
    if cache is not None:
        cache.catalogue_changed()


def _forget(session: Session) -> None:
    # A real rollback: nothing was written. (A savepoint's rollback keeps the mark: the
    # writes before it may still commit, and a needless bump only costs one miss.)
    session.info.pop(_WROTE, None)
