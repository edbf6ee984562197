"""Engine setup and the one way to run a write that must be serialised.

SQLite: WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for write transactions
so two bids on one auction queue up instead of failing with "database is locked".
PostgreSQL and MySQL/MariaDB: callers lock the auction row with SELECT ... FOR UPDATE
inside the same transaction; the database is the source of truth, never a check done
before it. A transaction the database killed to break a deadlock is run again (`retried`).
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from bidbazaar.config import MYSQL_BACKENDS
from bidbazaar.extensions import db, log

_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_WRITE_LOCKED = "bidbazaar_write_locked"
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_mysql(engine: Engine) -> bool:
    """MySQL or MariaDB (SQLAlchemy names the dialect after the URL's scheme)."""
    return engine.dialect.name in MYSQL_BACKENDS


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and transaction handling, or MySQL's lock wait timeout;
    PostgreSQL needs nothing here."""
    if is_mysql(engine):
        _configure_mysql(engine)
    if not is_sqlite(engine):
        return
    from flask import current_app

    busy_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves: pysqlite's implicit BEGIN is always DEFERRED.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = _begin_immediate.get()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        connection.info[_WRITE_LOCKED] = immediate

    @event.listens_for(engine, "before_cursor_execute")
    def _upgrade_before_first_write(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        # A deferred transaction that read first and then writes fails at once with
        # "database is locked" (SQLITE_BUSY_SNAPSHOT) if anyone committed in between,
        # without waiting for busy_timeout. So before its first write, swap the read
        # snapshot for a write lock, queueing behind other writers. Only reads are
        # released: rules that must read-then-write consistently use write_transaction().
        if connection.info.get(_WRITE_LOCKED, True) or not _WRITE_STATEMENT.match(statement):
            return
        raw = cursor.connection
        try:
            raw.execute("COMMIT")
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise OperationalError(statement, parameters, exc) from exc
        connection.info[_WRITE_LOCKED] = True


def _configure_mysql(engine: Engine) -> None:
    from flask import current_app

    wait_seconds = max(1, int(current_app.config["LOCK_WAIT_TIMEOUT_SECONDS"]))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {wait_seconds}")
        cursor.close()


#: Error numbers and SQLSTATEs of a transaction the database rolled back to break a deadlock:
#: MySQL/MariaDB's ER_LOCK_DEADLOCK and PostgreSQL's deadlock_detected.
_DEADLOCK_ERRNOS = {1213}
_DEADLOCK_SQLSTATES = {"40P01"}
#: Attempts in all, the first included, before the deadlock reaches the door as a 503.
DEADLOCK_ATTEMPTS = 3

P = ParamSpec("P")
R = TypeVar("R")


def is_deadlock(exc: BaseException) -> bool:
    """Did the database kill this transaction to break a deadlock (so running it again is safe)?"""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    errno = orig.args[0] if orig is not None and orig.args else None
    return errno in _DEADLOCK_ERRNOS or getattr(orig, "sqlstate", None) in _DEADLOCK_SQLSTATES


def pause_before_retry(attempt: int) -> None:
    """Jittered backoff, so the two sides of a deadlock do not meet again at once."""
    time.sleep(random.uniform(0.005, 0.025) * attempt)


def retried(write: Callable[P, R]) -> Callable[P, R]:
    """Run `write` (a service function whose transaction is its own) again when the
    database broke a deadlock by rolling it back, up to DEADLOCK_ATTEMPTS in all.

    InnoDB deadlocks where PostgreSQL does not (a foreign key check share-locks the parent
    row, which PostgreSQL's FOR KEY SHARE would not conflict on); the loser was rolled back
    whole, so nothing of it is left to undo. After the last attempt the error goes on to
    the doors, which answer 503 with Retry-After. Other errors are never retried.
    """

    @wraps(write)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                return write(*args, **kwargs)
            except DBAPIError as exc:
                if attempt == DEADLOCK_ATTEMPTS or not is_deadlock(exc):
                    raise
                db.session.rollback()
                log.warning(
                    "deadlock in %s, attempt %d of %d: running it again", write.__name__, attempt, DEADLOCK_ATTEMPTS
                )
                pause_before_retry(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return run


class AfterCommit(list[Callable[[], None]]):
    """Callables that run only after the commit succeeded (live events and notifications
    must never announce what was rolled back).

    `before_commit` callables run after the transaction's last flush, just before the
    commit: a payload that needs a database-assigned id is rendered there, so a write
    with several such rows pays one flush instead of one per row.
    """

    def __init__(self) -> None:
        super().__init__()
        self.before_commit: list[Callable[[], None]] = []
        self._batches: dict[str, list[Any]] = {}

    def batch(
        self,
        key: str,
        prepare: Callable[[list[Any]], None],
        then: Callable[[list[Any]], None] | None = None,
    ) -> list[Any]:
        """A list the transaction's writers share under `key`; `prepare` gets it once, among
        the before_commit callables: rows for many items then cost one query, not one each.
        `then` gets it once after the commit, in the place of the batch's first use."""
        items = self._batches.get(key)
        if items is None:
            items = self._batches[key] = []
            self.before_commit.append(lambda: prepare(items))
            if then is not None:
                self.append(lambda: then(items))
        return items


class _Turn:
    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


_turns: weakref.WeakValueDictionary[Hashable, _Turn] = weakref.WeakValueDictionary()
_turns_guard = threading.Lock()


@contextmanager
def local_turn(key: Hashable) -> Iterator[None]:
    """Let one request of this process at a time into the block for `key` (an auction).

    The database lock stays the source of truth across processes; this only stops a
    process's own requests from queueing on it. Otherwise, under gevent, up to the
    whole connection pool waits on one auction's row lock, while the holder's next
    statement waits for its turn on the event loop behind them: one hot auction then
    took ~50 bids/s on PostgreSQL (bench/RESULTS.md). Waiting here holds no connection.
    """
    with _turns_guard:
        turn = _turns.get(key)
        if turn is None:
            turn = _turns[key] = _Turn()
    with turn.lock:
        yield


@contextmanager
def write_transaction(turn: Hashable | None = None) -> Iterator[AfterCommit]:
    """Run the block as one serialised write transaction and commit it; see AfterCommit.

    With `turn` (e.g. an auction), the process's requests for the same key enter one at
    a time (local_turn), waiting without holding a database connection.
    """
    session = db.session()  # the real Session: scoped_session lacks in_transaction()
    if session.in_transaction():
        # End the read snapshot opened while loading the user: a deferred SQLite
        # transaction that later writes fails at once instead of waiting its turn. It
        # also hands the connection back to the pool while this request waits below.
        # Nothing was written, so what was read stays loaded (no reload of the user).
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    after_commit = AfterCommit()
    with local_turn(turn) if turn is not None else nullcontext():
        token = _begin_immediate.set(True)
        try:
            session.connection()
        finally:
            _begin_immediate.reset(token)
        try:
            yield after_commit
            if after_commit.before_commit:
                session.flush()
                for prepare in after_commit.before_commit:
                    prepare()
            session.commit()
        except BaseException:
            session.rollback()
            raise
    for callback in after_commit:
        try:
            callback()
        except Exception:  # an unreachable socket must never undo a committed bid
            log.exception("after-commit callback failed")
