"""Fixtures the watching tests share: a JSON caller with bearer tokens, a refusal that must
leave the database as it was, and a statement counter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import assert_error, db_state
from sqlalchemy import event

from bidbazaar.extensions import db
from bidbazaar.models import User


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
def refused(api) -> Callable[..., dict[str, Any]]:
    """refused(method, path, user, status, code): refused with this error, and every row of
    every table is as it was. Returns the body."""

    def check(method: str, path: str, user: User | None, status: int, code: str, json: Any = None) -> dict[str, Any]:
        if user is not None:
            api.login(user)  # the token row exists before the snapshot
        before = db_state()
        body = assert_error(api(method, path, user, json), status, code)
        assert db_state() == before
        return body

    return check


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
