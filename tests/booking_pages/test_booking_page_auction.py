"""The auction page after the award: "You won" for the winner only, the award's state for
the customer, reputation beside each bidder for the customer only, the customer's trust
signals for providers; and the booking pages' statement counts."""

from __future__ import annotations

from typing import Any

from helpers import recorded_statements

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import User


def auction_page(as_user: Any, user: User, booking: Booking) -> str:
    return as_user(user).text(f"/auctions/{booking.auction_id}")


def test_the_winner_sees_you_won_with_a_link_to_answer(as_user: Any, booking: Booking, provider: User) -> None:
    page = auction_page(as_user, provider, booking)
    assert "You won this job" in page
    assert f'href="/bookings/{booking.id}"' in page
    assert "Answer the offer" in page


def test_the_other_bidder_does_not_see_you_won(as_user: Any, booking: Booking, rival: User) -> None:
    page = auction_page(as_user, rival, booking)
    assert "You won" not in page
    assert f'href="/bookings/{booking.id}"' not in page


def test_an_anonymous_visitor_does_not_see_you_won(client: Any, booking: Booking) -> None:
    assert "You won" not in client.get(f"/auctions/{booking.auction_id}").get_data(as_text=True)


def test_the_customer_sees_who_was_awarded_and_until_when(as_user: Any, booking: Booking, customer: User) -> None:
    page = auction_page(as_user, customer, booking)
    assert "Awarded to <strong>ravi</strong> for ₹1,500, waiting for confirmation (until" in page
    assert f'href="/bookings/{booking.id}"' in page


def test_the_customer_sees_the_booking_confirmed(as_user: Any, confirmed: Booking, customer: User) -> None:
    assert "Confirmed: <strong>ravi</strong>" in auction_page(as_user, customer, confirmed)


def test_after_a_decline_the_customer_reads_that_the_next_bid_was_offered(
    as_user: Any, booking: Booking, customer: User, provider: User
) -> None:
    services.decline_booking(provider, booking.id, None)
    page = auction_page(as_user, customer, booking)
    assert "Awarded to <strong>meena</strong> for ₹1,600" in page
    assert "offered to the next bid" in page


def test_the_customer_sees_each_bidders_reputation(
    as_user: Any, completed: Booking, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    services.write_review(customer, completed.id, 4)
    services.write_review(provider, completed.id, 5)
    second = make_auction(title="Paint the balcony railings")
    make_bid(provider, second, 1500)
    page = as_user(customer).text(f"/auctions/{second.id}")
    assert "★ 4.0 (1)" in page
    assert "1 completed" in page
    assert "confirms 100%" in page


def test_other_providers_see_no_reputation_and_no_names(
    as_user: Any, completed: Booking, customer: User, provider: User, rival: User, make_auction: Any, make_bid: Any
) -> None:
    services.write_review(customer, completed.id, 4)
    services.write_review(provider, completed.id, 5)
    second = make_auction(title="Paint the balcony railings")
    make_bid(provider, second, 1500)
    page = as_user(rival).text(f"/auctions/{second.id}")
    assert "bid-reputation" not in page
    assert "★ 4.0" not in page
    assert "ravi" not in page


def test_providers_see_the_customers_trust_signals(as_user: Any, booking: Booking, rival: User) -> None:
    page = auction_page(as_user, rival, booking)
    assert "About this customer" in page
    assert "Awards jobs" in page


def test_the_customer_does_not_see_their_own_trust_panel(as_user: Any, booking: Booking, customer: User) -> None:
    assert "About this customer" not in auction_page(as_user, customer, booking)


def test_anonymous_visitors_see_no_trust_signals(client: Any, booking: Booking) -> None:
    assert "About this customer" not in client.get(f"/auctions/{booking.auction_id}").get_data(as_text=True)


# --------------------------------------------------------------------------- statement counts


def statements_for(user: Any, path: str) -> int:
    user.get(path)  # warm: first-request setup is not per-request cost
    with recorded_statements() as statements:
        assert user.get(path).status_code == 200
    return len(statements)


def test_the_customers_auction_page_reads_the_same_number_of_statements_however_many_bidders(
    as_user: Any, customer: User, make_auction: Any, make_bid: Any, make_user: Any
) -> None:
    few, many = make_auction(title="Fix the front door"), make_auction(title="Fix the back door")
    make_bid(make_user(provider=True), few, 1900)
    for n in range(6):
        make_bid(make_user(provider=True), many, 1900 - n * 50)
    user = as_user(customer)
    assert statements_for(user, f"/auctions/{few.id}") == statements_for(user, f"/auctions/{many.id}")


def test_my_bookings_reads_the_same_number_of_statements_however_many_bookings(
    as_user: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    user = as_user(provider)

    def award_one(title: str) -> None:
        job = make_auction(title=title)
        bid = make_bid(provider, job, 1500)
        services.award_auction(customer, job.id, bid.id)

    award_one("Fix the front door")
    one = statements_for(user, "/bookings")
    for n in range(4):
        award_one(f"Fix window number {n}")
    assert statements_for(user, "/bookings") == one


def test_the_profile_reads_the_same_number_of_statements_however_many_reviews(
    client: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    def reviewed_job(title: str) -> None:
        job = make_auction(title=title)
        bid = make_bid(provider, job, 1500)
        services.award_auction(customer, job.id, bid.id)
        booking = db.session.query(Booking).filter_by(bid_id=bid.id).one()
        services.confirm_booking(provider, booking.id)
        services.complete_booking(customer, booking.id)
        services.write_review(customer, booking.id, 5, title)
        services.write_review(provider, booking.id, 5)

    profile = f"/users/{provider.id}"
    reviewed_job("Fix the front door")
    client.get(profile)
    with recorded_statements() as statements:
        client.get(profile)
    one = len(statements)
    for n in range(3):
        reviewed_job(f"Fix window number {n}")
    with recorded_statements() as statements:
        page = client.get(profile).get_data(as_text=True)
    assert len(statements) == one
    assert "Fix window number 2" in page
