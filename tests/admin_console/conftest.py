"""Fixtures for the admin console's users, cancellation, category and chart tests: a
logged-in admin on `client`."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import log_in

from bidbazaar.models import User


@pytest.fixture
def admin_token(client: Any, admin: User) -> str:
    """The admin is logged in on `client`; this is the session's CSRF token."""
    return log_in(client, admin)
