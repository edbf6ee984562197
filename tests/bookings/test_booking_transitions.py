"""Each booking transition, and each refusal with its code and an unchanged database:
the other side is FORBIDDEN, a stranger gets NOT_FOUND, a wrong state is BOOKING_STATE,
an answer after the deadline is BOOKING_EXPIRED (the offer lapses and passes on once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from booking_helpers import chain, event_count, events, fresh_auction, fresh_booking, make_due, notes
from helpers import db_state
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import Booking, BookingStatus, Party
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import AuctionStatus, User


def refused(code: str, call: Callable[[], Any]) -> DomainError:
    """The call raises this DomainError and the database is exactly as it was."""
    before = db_state()
    with pytest.raises(DomainError) as raised:
        call()
    assert raised.value.code == code, raised.value
    assert db_state() == before
    return raised.value


# --------------------------------------------------------------------------- the offer


def test_an_award_offers_the_job_to_the_winning_bid_and_tells_the_provider(awarded, provider, customer):
    deal = awarded((provider, 1500))
    assert deal.booking.status == BookingStatus.OFFERED
    assert (deal.booking.customer_id, deal.booking.provider_id, deal.booking.round) == (customer.id, provider.id, 1)
    assert deal.auction.status == AuctionStatus.COMPLETED and deal.auction.winning_bid_id == deal.bids[0].id
    assert [n.data["booking_id"] for n in notes(provider, "booking_offered")] == [deal.booking.id]
    assert events(deal.auction.id, "booking_offered")[0].payload["by"] == Party.CUSTOMER


def test_the_close_at_the_deadline_offers_the_job_as_the_system(make_auction, make_bid, provider):
    auction = make_auction()
    make_bid(provider, auction, 1500)
    auction.deadline = auction.deadline.replace(year=2020)
    from bidbazaar.extensions import db

    db.session.commit()
    services.close_expired_auctions()
    (booking,) = chain(auction.id)
    assert booking.status == BookingStatus.OFFERED
    assert events(auction.id, "booking_offered")[0].payload["by"] == Party.SYSTEM


def test_the_provider_confirms_and_the_customer_is_told(awarded, provider, customer):
    deal = awarded((provider, 1500))
    services.confirm_booking(provider, deal.booking.id)
    booking = fresh_booking(deal.booking.id)
    assert booking.status == BookingStatus.CONFIRMED and booking.confirmed_at is not None
    assert len(notes(customer, "booking_confirmed")) == 1
    assert event_count(deal.auction.id, "booking_confirmed") == 1


def test_contact_details_show_only_once_confirmed(awarded, provider, customer):
    deal = awarded((provider, 1500))
    before = fresh_booking(deal.booking.id).to_dict(customer)
    assert "email" not in before["provider"] and "email" not in before["customer"]
    services.confirm_booking(provider, deal.booking.id)
    after = fresh_booking(deal.booking.id).to_dict(customer)
    assert after["provider"]["email"] == provider.email and after["customer"]["email"] == customer.email


def test_the_customer_cannot_confirm_the_providers_offer(awarded, provider, customer):
    deal = awarded((provider, 1500))
    refused("FORBIDDEN", lambda: services.confirm_booking(customer, deal.booking.id))


def test_a_stranger_confirming_an_offer_finds_no_booking(awarded, provider, rival):
    deal = awarded((provider, 1500))
    refused("NOT_FOUND", lambda: services.confirm_booking(rival, deal.booking.id))


def test_a_booking_that_does_not_exist_is_not_found(app, provider):
    refused("NOT_FOUND", lambda: services.confirm_booking(provider, 999))


def test_confirming_twice_is_a_booking_state_error(awarded, provider):
    deal = awarded((provider, 1500))
    services.confirm_booking(provider, deal.booking.id)
    error = refused("BOOKING_STATE", lambda: services.confirm_booking(provider, deal.booking.id))
    assert error.details == {"status": BookingStatus.CONFIRMED}


def test_confirming_after_the_deadline_lapses_the_offer_and_passes_it_on_once(awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    make_due(deal.booking.id, "respond_by")
    with pytest.raises(DomainError) as raised:
        services.confirm_booking(provider, deal.booking.id)
    assert raised.value.code == "BOOKING_EXPIRED"
    first, second = chain(deal.auction.id)
    assert (first.status, first.ended_by) == (BookingStatus.LAPSED, Party.SYSTEM)
    assert (second.status, second.provider_id) == (BookingStatus.OFFERED, rival.id)
    assert event_count(deal.auction.id, "booking_lapsed") == 1
    # A second late answer, and the sweeper, find nothing more to do.
    refused("BOOKING_STATE", lambda: services.confirm_booking(provider, deal.booking.id))
    assert services.sweep_bookings().lapsed == 0
    assert event_count(deal.auction.id, "booking_lapsed") == 1
    assert len(notes(customer, "booking_lapsed")) == 1


def test_declining_after_the_deadline_is_expired_too(awarded, provider):
    deal = awarded((provider, 1500))
    make_due(deal.booking.id, "respond_by")
    with pytest.raises(DomainError) as raised:
        services.decline_booking(provider, deal.booking.id, "busy")
    assert raised.value.code == "BOOKING_EXPIRED"
    assert fresh_booking(deal.booking.id).status == BookingStatus.LAPSED


def test_declining_passes_the_offer_to_the_next_lowest_bid(awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    services.decline_booking(provider, deal.booking.id, "Fully booked this week")
    first, second = chain(deal.auction.id)
    assert (first.status, first.ended_by, first.reason) == (
        BookingStatus.DECLINED,
        Party.PROVIDER,
        "Fully booked this week",
    )
    assert (second.round, second.provider_id, second.status) == (2, rival.id, BookingStatus.OFFERED)
    auction = fresh_auction(deal.auction.id)
    assert auction.status == AuctionStatus.COMPLETED and auction.winning_bid_id == deal.bids[0].id
    (updated,) = events(deal.auction.id, "auction_updated")
    assert updated.payload["reason"] == "offer_declined"
    assert notes(customer, "booking_declined")[0].data["next_booking_id"] == second.id
    assert len(notes(rival, "booking_offered")) == 1


def test_a_decline_reason_longer_than_the_column_is_a_validation_error(awarded, provider):
    deal = awarded((provider, 1500))
    refused("VALIDATION_ERROR", lambda: services.decline_booking(provider, deal.booking.id, "x" * 501))


def test_the_customer_cannot_decline_for_the_provider(awarded, provider, customer):
    deal = awarded((provider, 1500))
    refused("FORBIDDEN", lambda: services.decline_booking(customer, deal.booking.id))


def test_a_deactivated_provider_cannot_answer(app, awarded, provider):
    deal = awarded((provider, 1500))
    from sqlalchemy import update

    from bidbazaar.extensions import db

    db.session.execute(update(User).where(User.id == provider.id).values(is_active=False))
    db.session.commit()
    refused("AUTH_REQUIRED", lambda: services.confirm_booking(provider, deal.booking.id))


# --------------------------------------------------------------------------- the customer steers


def test_the_customer_offers_the_job_to_another_remaining_bid(awarded, provider, rival, third, customer):
    deal = awarded((third, 1700), (rival, 1600), (provider, 1500))
    picked = services.reoffer_booking(customer, deal.booking.id, deal.bids[0].id)
    first, second = chain(deal.auction.id)
    assert (first.status, first.reason, first.ended_by) == (BookingStatus.WITHDRAWN, "customer_choice", "customer")
    assert (second.id, second.provider_id, second.status) == (picked.id, third.id, BookingStatus.OFFERED)
    assert fresh_auction(deal.auction.id).winning_bid_id == deal.bids[0].id
    assert events(deal.auction.id, "booking_offered")[-1].payload["by"] == Party.CUSTOMER
    assert len(notes(provider, "booking_cancelled")) == 1


def test_the_customer_cannot_reoffer_to_a_bid_already_offered(awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    refused("CONFLICT", lambda: services.reoffer_booking(customer, deal.booking.id, deal.bids[1].id))


def test_the_customer_cannot_reoffer_to_a_bid_of_another_auction(awarded, provider, rival, customer):
    deal = awarded((provider, 1500))
    other = awarded((rival, 1500))
    refused("NOT_FOUND", lambda: services.reoffer_booking(customer, deal.booking.id, other.bids[0].id))


def test_the_provider_cannot_reoffer(awarded, provider, rival):
    deal = awarded((rival, 1600), (provider, 1500))
    refused("FORBIDDEN", lambda: services.reoffer_booking(provider, deal.booking.id, deal.bids[0].id))


def test_a_confirmed_booking_cannot_be_reoffered(confirmed, rival, customer):
    refused("BOOKING_STATE", lambda: services.reoffer_booking(customer, confirmed.booking.id, 1))


def test_the_customer_stops_the_chain_and_the_auction_ends_unfilled(awarded, provider, rival, customer):
    deal = awarded((rival, 1600), (provider, 1500))
    services.cancel_booking(customer, deal.booking.id, "Found someone offline")
    (booking,) = chain(deal.auction.id)
    assert (booking.status, booking.ended_by) == (BookingStatus.WITHDRAWN, Party.CUSTOMER)
    auction = fresh_auction(deal.auction.id)
    assert auction.status == AuctionStatus.EXPIRED and auction.winning_bid_id is None
    assert events(deal.auction.id, "auction_updated")[-1].payload["reason"] == "customer_stopped"
    assert len(notes(provider, "booking_cancelled")) == 1
    assert len(notes(customer, "booking_unfilled")) == 1


def test_a_provider_cannot_cancel_an_offer_only_decline_it(awarded, provider):
    deal = awarded((provider, 1500))
    refused("BOOKING_STATE", lambda: services.cancel_booking(provider, deal.booking.id, "changed my mind"))


def test_cancelling_without_a_reason_is_a_validation_error(confirmed, customer):
    refused("VALIDATION_ERROR", lambda: services.cancel_booking(customer, confirmed.booking.id, "  "))


def test_cancelling_with_a_reason_too_long_is_a_validation_error(confirmed, customer):
    refused("VALIDATION_ERROR", lambda: services.cancel_booking(customer, confirmed.booking.id, "x" * 501))


# --------------------------------------------------------------------------- after confirming


@pytest.mark.parametrize("side", ["customer", "provider"])
def test_either_side_cancels_a_confirmed_booking_and_the_other_is_told(confirmed, customer, provider, side):
    actor, other = (customer, provider) if side == "customer" else (provider, customer)
    services.cancel_booking(actor, confirmed.booking.id, "Plans changed")
    booking = fresh_booking(confirmed.booking.id)
    assert (booking.status, booking.ended_by, booking.reason) == (BookingStatus.CANCELLED, side, "Plans changed")
    (note,) = notes(other, "booking_cancelled")
    assert note.data["by"] == side and note.data["reason"] == "Plans changed"
    assert event_count(confirmed.auction.id, "booking_cancelled") == 1


def test_a_stranger_cancelling_finds_no_booking(confirmed, rival):
    refused("NOT_FOUND", lambda: services.cancel_booking(rival, confirmed.booking.id, "why not"))


def test_the_provider_marks_the_work_done_and_the_customer_is_told(confirmed, provider, customer, app):
    services.mark_done(provider, confirmed.booking.id)
    booking = fresh_booking(confirmed.booking.id)
    assert booking.status == BookingStatus.DONE
    days = app.config["BOOKING_AUTO_COMPLETE_DAYS"]
    assert (booking.auto_complete_at - booking.done_at).total_seconds() == days * 86400
    assert len(notes(customer, "booking_done")) == 1


def test_the_customer_cannot_mark_the_work_done(confirmed, customer):
    refused("FORBIDDEN", lambda: services.mark_done(customer, confirmed.booking.id))


def test_an_offer_cannot_be_marked_done(awarded, provider):
    deal = awarded((provider, 1500))
    refused("BOOKING_STATE", lambda: services.mark_done(provider, deal.booking.id))


def test_the_customer_completes_done_work_and_the_provider_is_told(done, customer, provider):
    services.complete_booking(customer, done.booking.id)
    booking = fresh_booking(done.booking.id)
    assert booking.status == BookingStatus.COMPLETED and booking.completed_at is not None
    assert len(notes(provider, "booking_completed")) == 1
    assert event_count(done.auction.id, "booking_completed") == 1


def test_the_provider_cannot_complete_the_booking(done, provider):
    refused("FORBIDDEN", lambda: services.complete_booking(provider, done.booking.id))


def test_an_offer_cannot_be_completed(awarded, provider, customer):
    deal = awarded((provider, 1500))
    refused("BOOKING_STATE", lambda: services.complete_booking(customer, deal.booking.id))


def test_a_completed_booking_cannot_be_cancelled(completed, customer):
    refused("BOOKING_STATE", lambda: services.cancel_booking(customer, completed.booking.id, "too late"))


# --------------------------------------------------------------------------- no-shows


def test_the_customer_reports_a_no_show_and_the_provider_is_told(confirmed, customer, provider):
    services.report_no_show(customer, confirmed.booking.id, "Nobody came on Saturday")
    booking = fresh_booking(confirmed.booking.id)
    assert booking.status == BookingStatus.DISPUTED and booking.no_show_note == "Nobody came on Saturday"
    assert len(notes(provider, "no_show_reported")) == 1


def test_the_provider_cannot_report_a_no_show(confirmed, provider):
    refused("FORBIDDEN", lambda: services.report_no_show(provider, confirmed.booking.id))


def test_an_upheld_no_show_ends_the_booking_against_the_provider(confirmed, customer, provider, admin):
    services.report_no_show(customer, confirmed.booking.id)
    services.decide_no_show(admin, confirmed.booking.id, True, "Provider admitted it")
    booking = fresh_booking(confirmed.booking.id)
    assert (booking.status, booking.decision, booking.decided_by) == (BookingStatus.NO_SHOW, "upheld", admin.id)
    assert len(notes(provider, "no_show_decided")) == len(notes(customer, "no_show_decided")) == 1


def test_a_rejected_no_show_completes_the_booking_with_the_decision_kept(confirmed, customer, admin):
    services.report_no_show(customer, confirmed.booking.id)
    returned = services.decide_no_show(admin, confirmed.booking.id, False, "Photos show the work")
    assert (returned.status, returned.decision) == (BookingStatus.COMPLETED, "rejected")
    booking = fresh_booking(confirmed.booking.id)
    assert (booking.status, booking.decision, booking.decision_note) == (
        BookingStatus.COMPLETED,
        "rejected",
        "Photos show the work",
    )
    assert event_count(confirmed.auction.id, "booking_completed") == 1


def test_only_an_admin_decides_a_no_show(confirmed, customer):
    services.report_no_show(customer, confirmed.booking.id)
    refused("FORBIDDEN", lambda: services.decide_no_show(customer, confirmed.booking.id, True))


def test_a_booking_without_a_report_cannot_be_decided(confirmed, admin):
    refused("BOOKING_STATE", lambda: services.decide_no_show(admin, confirmed.booking.id, True))


def test_a_no_show_report_after_the_auto_completion_time_completes_the_booking_instead(done, customer):
    make_due(done.booking.id, "auto_complete_at")
    with pytest.raises(DomainError) as raised:
        services.report_no_show(customer, done.booking.id, "late")
    assert raised.value.code == "BOOKING_EXPIRED"
    booking = fresh_booking(done.booking.id)
    assert (booking.status, booking.no_show_reported_at) == (BookingStatus.COMPLETED, None)
    assert event_count(done.auction.id, "booking_completed") == 1
    assert services.sweep_bookings().completed == 0


def test_the_longest_reason_on_the_longest_title_still_makes_one_notification(
    provider, customer, make_auction, make_bid
):
    auction = make_auction(title="T" * 200)
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    booking = db.session.scalar(select(Booking).where(Booking.bid_id == bid.id))
    services.confirm_booking(provider, booking.id)

    services.cancel_booking(customer, booking.id, "r" * 500)

    told = notes(provider, "booking_cancelled")[-1]
    assert len(told.message) <= 500 and told.message.endswith("…")
    assert told.data["reason"] == "r" * 500
