"""The job passing down the bids: through three providers to `unfilled`, ties, skipped
bids, and reposting the job as a new auction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from booking_helpers import chain, event_count, events, fresh_auction, make_due, notes
from sqlalchemy import update

from bidbazaar import services
from bidbazaar.booking_models import BookingStatus
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, User, utcnow


def test_the_offer_cascades_through_three_providers_to_unfilled(awarded, provider, rival, third, customer):
    deal = awarded((third, 1700), (rival, 1600), (provider, 1500))
    services.decline_booking(provider, deal.booking.id, "busy")
    make_due(deal.current().id, "respond_by")
    assert services.sweep_bookings().lapsed == 1
    services.decline_booking(third, deal.current().id)

    bookings = chain(deal.auction.id)
    assert [(b.round, b.provider_id, b.status) for b in bookings] == [
        (1, provider.id, BookingStatus.DECLINED),
        (2, rival.id, BookingStatus.LAPSED),
        (3, third.id, BookingStatus.DECLINED),
    ]
    auction = fresh_auction(deal.auction.id)
    assert auction.status == AuctionStatus.EXPIRED and auction.winning_bid_id is None
    for kind in ("booking_declined", "booking_lapsed"):
        assert event_count(deal.auction.id, kind) == {"booking_declined": 2, "booking_lapsed": 1}[kind]
    assert event_count(deal.auction.id, "booking_offered") == 3
    reasons = [e.payload["reason"] for e in events(deal.auction.id, "auction_updated")]
    assert reasons == ["offer_declined", "offer_lapsed", "no_bids_left"]
    assert services.verify_event_chain(deal.auction.id)["valid"] is True
    assert len(notes(customer, "booking_unfilled")) == 1


def test_the_auctions_winning_bid_follows_the_current_offer(awarded, provider, rival):
    deal = awarded((rival, 1600), (provider, 1500))
    assert fresh_auction(deal.auction.id).winning_bid_id == deal.bids[1].id
    services.decline_booking(provider, deal.booking.id)
    assert fresh_auction(deal.auction.id).winning_bid_id == deal.bids[0].id
    statuses = {bid.id: bid.status for bid in db.session.scalars(db.select(Bid))}
    assert statuses == {deal.bids[0].id: "accepted", deal.bids[1].id: "rejected"}


def test_equal_amounts_go_to_the_earliest_bid(awarded, provider, rival, third):
    deal = awarded((rival, 1700), (third, 1600), (provider, 1500))
    # Two bids at one amount cannot be placed (each must undercut); make them equal after.
    db.session.execute(update(Bid).where(Bid.id.in_([deal.bids[0].id, deal.bids[1].id])).values(amount=1650))
    db.session.commit()
    services.decline_booking(provider, deal.booking.id)
    assert deal.current().bid_id == deal.bids[0].id


def test_a_deactivated_providers_bid_is_skipped(awarded, provider, rival, third):
    deal = awarded((third, 1700), (rival, 1600), (provider, 1500))
    db.session.execute(update(User).where(User.id == rival.id).values(is_active=False))
    db.session.commit()
    services.decline_booking(provider, deal.booking.id)
    assert deal.current().provider_id == third.id


def test_a_withdrawn_bid_is_never_offered(customer, make_auction, make_bid, provider, rival):
    auction = make_auction()
    withdrawn = make_bid(rival, auction, 1600)
    winner = make_bid(provider, auction, 1500)
    services.withdraw_bid(rival, auction.id, withdrawn.id)
    services.award_auction(customer, auction.id, winner.id)
    services.decline_booking(provider, chain(auction.id)[0].id)
    assert len(chain(auction.id)) == 1
    assert fresh_auction(auction.id).status == AuctionStatus.EXPIRED


def test_a_provider_with_two_bids_is_offered_the_job_once(awarded, provider, rival):
    deal = awarded((provider, 1900), (rival, 1800), (provider, 1700))
    services.decline_booking(provider, deal.booking.id)
    second = deal.current()
    assert second.provider_id == rival.id
    services.decline_booking(rival, second.id)
    assert [b.provider_id for b in chain(deal.auction.id)] == [provider.id, rival.id]
    assert fresh_auction(deal.auction.id).status == AuctionStatus.EXPIRED


def test_remaining_bids_lists_each_untried_provider_once_lowest_first(awarded, provider, rival, third):
    deal = awarded((third, 1900), (rival, 1800), (third, 1700), (provider, 1600))
    remaining = services.remaining_bids(fresh_auction(deal.auction.id))
    assert [bid.id for bid in remaining] == [deal.bids[2].id, deal.bids[1].id]


# --------------------------------------------------------------------------- repost


def test_an_unfilled_job_is_reposted_prefilled_from_the_old_auction(awarded, provider, customer):
    deal = awarded((provider, 1500))
    services.decline_booking(provider, deal.booking.id)
    posted = services.repost_auction(customer, deal.auction.id, {"deadline": utcnow() + timedelta(days=2)})
    old = fresh_auction(deal.auction.id)
    new = db.session.get(Auction, posted.auction_id)
    assert (new.title, new.description, new.category_id, new.budget_max) == (
        old.title,
        old.description,
        old.category_id,
        old.budget_max,
    )
    assert new.status == AuctionStatus.ACTIVE
    assert events(deal.auction.id, "auction_reposted")[0].payload["new_auction_id"] == new.id


def test_a_job_cannot_be_reposted_while_a_booking_is_in_play(awarded, provider, customer):
    deal = awarded((provider, 1500))
    with pytest.raises(DomainError):
        services.repost_auction(customer, deal.auction.id, {"deadline": utcnow() + timedelta(days=2)})
    services.confirm_booking(provider, deal.booking.id)
    with pytest.raises(DomainError):
        services.repost_auction(customer, deal.auction.id, {"deadline": utcnow() + timedelta(days=2)})
    assert db.session.query(Auction).count() == 1


def test_a_second_repost_of_the_same_auction_is_refused_pointing_at_the_first(awarded, provider, customer):
    deal = awarded((provider, 1500))
    services.decline_booking(provider, deal.booking.id)
    first = services.repost_auction(customer, deal.auction.id, {"deadline": utcnow() + timedelta(days=2)})

    with pytest.raises(DomainError) as refused:
        services.repost_auction(customer, deal.auction.id, {"deadline": utcnow() + timedelta(days=3)})

    assert (refused.value.code, refused.value.details) == ("CONFLICT", {"new_auction_id": first.auction_id})
    assert db.session.query(Auction).count() == 2
