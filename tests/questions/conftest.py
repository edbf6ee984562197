"""Fixtures of the question tests: an asking provider's API headers, an auction with one
question, and a frozen clock (nothing here sleeps)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bidbazaar import services
from bidbazaar.models import Auction, User
from bidbazaar.provider_models import Question


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> Any:
    """A still clock set before any row is made: time passes only when a test moves it."""
    time_machine.move_to(datetime(2030, 1, 7, 10, 0, tzinfo=UTC), tick=False)
    return time_machine


@pytest.fixture
def asked(customer: User, provider: User, auction: Auction) -> Question:
    """provider's question on the customer's auction, unanswered."""
    return services.ask_question(provider, auction.id, "Is parking available for a van?")


@pytest.fixture
def ask(auction: Auction) -> Callable[..., Question]:
    """ask(user, body): a question through the service on the default auction."""

    def _ask(user: User, body: str = "Do you need the old tap removed?", on: Auction | None = None) -> Question:
        return services.ask_question(user, (on or auction).id, body)

    return _ask
