"""Fixtures the watching tests share: a refusal that must leave the database as it was
(the JSON caller `api` and `count_statements` are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import assert_error, db_state

from bidbazaar.models import User


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
