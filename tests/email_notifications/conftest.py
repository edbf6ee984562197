"""Fixtures the notification email tests share (helpers are in notify_mail_helpers.py):
users whose addresses are verified, so notifications may be emailed to them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bidbazaar.models import User


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    """A customer with a verified address."""
    return make_user("priya", email_verified=True)


@pytest.fixture
def seller(make_user: Callable[..., User]) -> User:
    """A provider with a verified address."""
    return make_user("arjun", provider=True, email_verified=True)


@pytest.fixture
def other_seller(make_user: Callable[..., User]) -> User:
    """A second provider with a verified address."""
    return make_user("divya", provider=True, email_verified=True)
