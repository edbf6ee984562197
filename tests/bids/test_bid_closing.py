"""Closing an auction at its deadline: the lowest active bid wins, exactly once."""

from __future__ import annotations

from datetime import timedelta

from helpers import count, fresh

from bidbazaar import services
from bidbazaar.models import Auction, AuctionEvent, Bid, Notification, utcnow

# --------------------------------------------------------------------------- closing


def test_closing_accepts_the_lowest_active_bid_and_rejects_the_rest(auction, make_bid, provider, rival, clock):
    first = make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)
    clock(0)

    assert services.close_if_expired(auction.id) is True

    closed = fresh(Auction, auction.id)
    assert closed.status == "completed" and closed.winning_bid_id == lowest.id
    assert fresh(Bid, lowest.id).status == "accepted"
    assert fresh(Bid, first.id).status == "rejected"


def test_closing_skips_a_withdrawn_lowest_bid(auction, make_bid, provider, rival, clock):
    first = make_bid(provider, auction, 1500)
    withdrawn = make_bid(rival, auction, 1400)
    services.withdraw_bid(rival, auction.id, withdrawn.id)
    clock(0)

    services.close_if_expired(auction.id)

    assert fresh(Auction, auction.id).winning_bid_id == first.id
    assert fresh(Bid, withdrawn.id).status == "withdrawn"


def test_closing_without_bids_expires_the_auction(auction, clock):
    clock(0)

    assert services.close_if_expired(auction.id) is True
    assert fresh(Auction, auction.id).status == "expired"
    assert fresh(Auction, auction.id).winning_bid_id is None


def test_closing_with_only_withdrawn_bids_expires_the_auction(auction, make_bid, provider, clock):
    bid = make_bid(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, bid.id)
    clock(0)

    services.close_if_expired(auction.id)

    assert fresh(Auction, auction.id).status == "expired"


def test_an_auction_before_its_deadline_is_not_closed(auction, clock):
    clock(-0.001)

    assert services.close_if_expired(auction.id) is False
    assert fresh(Auction, auction.id).status == "active"


def test_closing_happens_exactly_once(auction, make_bid, provider, clock):
    make_bid(provider, auction, 1500)
    clock(1)

    results = [services.close_if_expired(auction.id), services.close_if_expired(auction.id)]

    assert results == [True, False]
    assert count(AuctionEvent, AuctionEvent.type == "auction_closed") == 1
    assert count(Notification, Notification.type == "auction_won") == 1
    assert count(Notification, Notification.type == "auction_closed") == 1


def test_flask_close_expired_closes_due_auctions_once(runner, make_auction, make_bid, provider, time_machine):
    now = utcnow()
    due_with_bid = make_auction(deadline=now + timedelta(hours=1))
    due_empty = make_auction(deadline=now + timedelta(hours=2))
    later = make_auction(deadline=now + timedelta(days=2))
    make_bid(provider, due_with_bid, 1500)
    time_machine.move_to(now + timedelta(hours=3), tick=False)

    first = runner.invoke(args=["close-expired"])
    second = runner.invoke(args=["close-expired"])

    assert first.exit_code == 0, first.output
    assert "Closed 2 auctions." in first.output
    assert "Closed 0 auctions." in second.output
    assert fresh(Auction, due_with_bid.id).status == "completed"
    assert fresh(Auction, due_empty.id).status == "expired"
    assert fresh(Auction, later.id).status == "active"
    assert count(AuctionEvent, AuctionEvent.type == "auction_closed") == 2
