"""Helpers of the admin console tests (fixtures are in this package's conftest)."""

from __future__ import annotations

import re
from typing import Any

from helpers import html


def user_rows(client: Any, path: str) -> list[str]:
    """The usernames of the users table's rows, in order, on the page at `path`."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return re.findall(r'<tr data-username="([^"]+)">', html(response))


def post(client: Any, path: str, token: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": token, **data})
