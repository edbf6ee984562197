"""Fixtures the bid tests share: a clock frozen relative to the auction's deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def clock(time_machine, auction):
    """Freeze time at a moment relative to the auction's deadline: clock(-60) is 60 s before."""

    def at(seconds_from_deadline: float) -> None:
        time_machine.move_to(auction.deadline + timedelta(seconds=seconds_from_deadline), tick=False)

    return at
