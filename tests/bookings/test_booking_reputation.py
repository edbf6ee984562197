"""Reputation after a scripted history, against figures worked out by hand
(definitions: queries/reputation.py and docs/lifecycle.md)."""

from __future__ import annotations

from decimal import Decimal

from booking_helpers import make_due

from bidbazaar import queries, services


def test_provider_reputation_and_customer_trust_after_a_scripted_history(
    awarded, customer, provider, rival, admin, make_auction, make_bid
):
    # 1. awarded, confirmed, done, completed; both review (5 for the provider, 4 for the customer).
    one = awarded((provider, 1500)).booking.id
    services.confirm_booking(provider, one)
    services.mark_done(provider, one)
    services.complete_booking(customer, one)
    services.write_review(customer, one, 5, "On time, tidy")
    services.write_review(provider, one, 4)
    # 2. declined.  3. confirmed, then cancelled by the customer.  4. lapsed.
    services.decline_booking(provider, awarded((provider, 1500)).booking.id)
    three = awarded((provider, 1500)).booking.id
    services.confirm_booking(provider, three)
    services.cancel_booking(customer, three, "Moved house")
    make_due(awarded((provider, 1500)).booking.id, "respond_by")
    services.sweep_bookings()
    # 5. confirmed, then a no-show the admin upheld.
    five = awarded((provider, 1500)).booking.id
    services.confirm_booking(provider, five)
    services.report_no_show(customer, five)
    services.decide_no_show(admin, five, True)
    # 6. an auction with a bid that the customer cancelled instead of awarding.
    sixth = make_auction()
    make_bid(rival, sixth, 1500)
    services.cancel_auction(customer, sixth.id)

    reputation = queries.provider_reputation([provider.id])[provider.id]
    assert reputation.rating == Decimal("5.0") and reputation.rating_count == 1
    assert reputation.completed == 1
    # confirmed 3 (1, 3, 5) of 5 answered or lapsed (+ 2 declined, 4 lapsed)
    assert reputation.confirmation_rate == Decimal("0.60")
    # completed 1 of 3 confirmed that ended (1 completed, 3 cancelled, 5 no-show)
    assert reputation.completion_rate == Decimal("0.33")
    assert (reputation.no_shows, reputation.cancellations) == (1, 0)

    trust = queries.customer_trust([customer.id])[customer.id]
    assert trust.award_rate == Decimal("0.83")  # 5 awarded of 6 closed with bids
    assert trust.completed == 1
    assert trust.rating == Decimal("4.0") and trust.rating_count == 1
    assert trust.cancellations == 1  # booking 3; the stop by choice of another bid would not count


def test_a_customers_pick_of_another_bid_is_not_a_cancellation(awarded, customer, provider, rival):
    deal = awarded((rival, 1600), (provider, 1500))
    services.reoffer_booking(customer, deal.booking.id, deal.bids[0].id)
    assert queries.customer_trust([customer.id])[customer.id].cancellations == 0


def test_a_hidden_review_does_not_count_in_the_rating(awarded, customer, provider, admin):
    booking_id = awarded((provider, 1500)).booking.id
    services.confirm_booking(provider, booking_id)
    services.complete_booking(customer, booking_id)
    review = services.write_review(customer, booking_id, 1)
    services.write_review(provider, booking_id, 5)
    services.hide_review(admin, review.id, "Personal abuse")
    reputation = queries.provider_reputation([provider.id])[provider.id]
    assert (reputation.rating, reputation.rating_count) == (None, 0)
