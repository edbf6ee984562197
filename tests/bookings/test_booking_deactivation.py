"""Deactivating a party of a booking: a provider's offer is declined and passes on, the
customer of a confirmed booking is told, a customer's offer is withdrawn and the chain
ends; award, cascade and the sweeper never pick an inactive provider."""

from __future__ import annotations

from typing import Any

from booking_helpers import chain, fresh_auction, make_due, notes
from sqlalchemy import update

from bidbazaar import accounts, services
from bidbazaar.booking_models import BookingStatus, Party
from bidbazaar.extensions import db
from bidbazaar.models import AuctionStatus, User
from bidbazaar.services.deactivation import settle_deactivated_accounts


def deactivate(app: Any, user: User) -> Any:
    """Deactivate as the admin console does (accounts.set_active inside a request)."""
    with app.test_request_context():
        return accounts.set_active(db.session.merge(user), False)


def test_deactivating_a_provider_with_an_offer_declines_it_and_passes_it_on(app, awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    taken = deactivate(app, provider)
    assert taken.open_offers == 1
    first, second = chain(deal.auction.id)
    assert (first.status, first.ended_by, first.reason) == (
        BookingStatus.DECLINED,
        Party.SYSTEM,
        "provider_deactivated",
    )
    assert (second.provider_id, second.status) == (rival.id, BookingStatus.OFFERED)
    assert len(notes(customer, "booking_declined")) == 1


def test_deactivating_a_provider_with_a_confirmed_booking_tells_the_customer(app, confirmed, provider, customer):
    deactivate(app, provider)
    (booking,) = chain(confirmed.auction.id)
    assert booking.status == BookingStatus.CONFIRMED
    (note,) = notes(customer, "booking_party_deactivated")
    assert note.data["deactivated"] == "provider"


def test_deactivating_a_customer_with_a_confirmed_booking_tells_the_provider(app, confirmed, provider, customer):
    deactivate(app, customer)
    assert notes(provider, "booking_party_deactivated")[0].data["deactivated"] == "customer"


def test_deactivating_a_customer_with_an_offer_withdraws_it_and_ends_the_chain(app, awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    deactivate(app, customer)
    (booking,) = chain(deal.auction.id)
    assert (booking.status, booking.reason) == (BookingStatus.WITHDRAWN, "customer_deactivated")
    auction = fresh_auction(deal.auction.id)
    assert auction.status == AuctionStatus.EXPIRED and auction.winning_bid_id is None
    assert len(notes(provider, "booking_cancelled")) == 1
    assert notes(rival, "booking_offered") == []


def test_the_sweeper_never_passes_a_lapsed_offer_to_an_inactive_provider(awarded, provider, rival, third):
    deal = awarded((third, 1700), (rival, 1600), (provider, 1500))
    db.session.execute(update(User).where(User.id == rival.id).values(is_active=False))
    db.session.commit()
    make_due(deal.booking.id, "respond_by")
    services.sweep_bookings()
    assert deal.current().provider_id == third.id


def test_the_close_at_the_deadline_never_offers_to_an_inactive_provider(make_auction, make_bid, provider, rival):
    auction = make_auction()
    make_bid(rival, auction, 1600)
    make_bid(provider, auction, 1500)
    db.session.execute(update(User).where(User.id == provider.id).values(is_active=False))
    auction.deadline = auction.deadline.replace(year=2020)
    db.session.commit()
    services.close_expired_auctions()
    (booking,) = chain(auction.id)
    assert booking.provider_id == rival.id


def test_settling_old_deactivations_declines_the_offers_they_still_hold(app, awarded, provider, rival):
    deal = awarded((rival, 1600), (provider, 1500))
    db.session.execute(update(User).where(User.id == provider.id).values(is_active=False))
    db.session.commit()
    assert settle_deactivated_accounts().open_offers == 1
    assert [b.status for b in chain(deal.auction.id)] == [BookingStatus.DECLINED, BookingStatus.OFFERED]
    assert settle_deactivated_accounts().open_offers == 0
