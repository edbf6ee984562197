"""Fixtures the job alert tests share (helpers are in alert_helpers.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bidbazaar.models import User


@pytest.fixture
def third(make_user: Callable[..., User]) -> User:
    return make_user("kiran", provider=True)


@pytest.fixture
def api(client: Any, bearer: Callable[[User], dict[str, str]]) -> Callable[..., Any]:
    """api(user, "post", url, json=...): a request with the user's bearer token; one login
    per user (`api.login(user)` before a db_state() snapshot, so the token row exists)."""
    tokens: dict[int, dict[str, str]] = {}

    def call(user: User, method: str, url: str, **kwargs: Any) -> Any:
        return getattr(client, method)(url, headers=login(user), **kwargs)

    def login(user: User) -> dict[str, str]:
        if user.id not in tokens:
            tokens[user.id] = bearer(user)
        return tokens[user.id]

    call.login = login  # type: ignore[attr-defined]
    return call


@pytest.fixture(scope="session")
def conforms() -> Callable[[Any, str], None]:
    """conforms(body, "SavedSearch"): the body validates against that OpenAPI component."""
    from jsonschema import Draft202012Validator

    from bidbazaar import openapi

    document = openapi.build_document()

    def check(body: Any, component: str) -> None:
        schema = {**document, "$ref": f"#/components/schemas/{component}"}
        Draft202012Validator(schema).validate(json.loads(json.dumps(body, default=float)))

    return check
