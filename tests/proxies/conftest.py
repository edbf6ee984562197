"""Fixtures of the proxy tests: a third and a fourth provider beside `provider` and `rival`."""

from __future__ import annotations

import pytest


@pytest.fixture
def third(make_user):
    return make_user("kiran", provider=True)


@pytest.fixture
def manual_bidder(make_user):
    """A provider who only ever bids by hand."""
    return make_user("dev", provider=True)


@pytest.fixture
def opener(make_user):
    """A provider whose one manual bid opens the auction before the proxies are planted."""
    return make_user("opener", provider=True)
