"""Fixtures of the security checklist's tests: a small world of two customers' auctions,
bids from two providers and a notification for each customer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Category, Notification


@pytest.fixture
def world(customer, provider, rival, admin, make_auction, make_bid) -> dict[str, Any]:
    """Two customers' auctions, bids from two providers, and a notification for each customer."""
    auction = make_auction()
    bid = make_bid(provider, auction, 1500)
    rival_bid = make_bid(rival, auction, 1400)
    other = make_auction(admin, title="Paint a 2BHK flat in Pune")
    other_bid = make_bid(provider, other, 1800)
    db.session.add(Notification(user_id=admin.id, type="test", message="For the admin only", data={}))
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.user_id == customer.id))
    return {
        "auction": auction,
        "bid": bid,
        "rival_bid": rival_bid,
        "other": other,
        "other_bid": other_bid,
        "note": note,
        "category": db.session.scalar(select(Category).where(Category.name == "Plumbing")),
    }
