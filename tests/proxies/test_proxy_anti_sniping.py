"""Auto bids count for anti-sniping exactly as manual ones: a late auto bid moves the deadline."""

from __future__ import annotations

from datetime import timedelta

from proxy_helpers import floor_of, manual
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent


def extensions(auction) -> list[AuctionEvent]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(AuctionEvent).where(AuctionEvent.auction_id == auction.id, AuctionEvent.type == "auction_extended")
        )
    )


def test_a_late_auto_bid_set_by_a_floor_extends_the_deadline(app, auction, provider, time_machine):
    window = app.config["SNIPE_WINDOW_SECONDS"]
    late = auction.deadline - timedelta(seconds=10)
    time_machine.move_to(late, tick=False)
    floor_of(provider, auction, 1500)
    assert db.session.get(Auction, auction.id, populate_existing=True).deadline == late + timedelta(seconds=window)
    assert len(extensions(auction)) == 1


def test_an_auto_bid_answering_later_extends_again(app, auction, provider, rival, time_machine):
    window = app.config["SNIPE_WINDOW_SECONDS"]
    floor_of(provider, auction, 1500)
    first = auction.deadline - timedelta(seconds=10)
    time_machine.move_to(first, tick=False)
    manual(rival, auction, 1900)  # extends; provider's proxy answers at the same moment
    later = first + timedelta(seconds=window - 5)
    time_machine.move_to(later, tick=False)
    manual(rival, auction, 1800)  # extends again; the auto answer is at the same moment
    current = db.session.get(Auction, auction.id, populate_existing=True)
    assert current.deadline == min(
        later + timedelta(seconds=window),
        current.scheduled_deadline + timedelta(seconds=app.config["SNIPE_MAX_EXTENSION_SECONDS"]),
    )
    assert current.lowest_bid == 1799
