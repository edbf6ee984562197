"""Where reputation shows through the API: beside each bidder in the customer's view of their
auction, the customer's trust signals for providers, the booking for its two parties, a
user's public profile and published reviews; and where it must not (other providers,
anonymous watchers: a record next to "Bidder N" would link the pseudonym to an account)."""

from __future__ import annotations

from helpers import recorded_statements

from bidbazaar import services
from bidbazaar.booking_models import Booking, BookingStatus, Review
from bidbazaar.extensions import db


def auction_view(api, booking, user=None):
    response = api("GET", f"/api/auctions/{booking.auction_id}", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["auction"]


def reviewed(completed, customer, provider, customer_stars=4, provider_stars=5):
    services.write_review(customer, completed.id, customer_stars, "Tidy work")
    services.write_review(provider, completed.id, provider_stars, "Clear brief")


def test_the_customer_sees_each_bidders_reputation_beside_the_bid(api, completed, customer, provider, conforms):
    reviewed(completed, customer, provider)

    auction = auction_view(api, completed, customer)

    by_bidder = {bid["user_id"]: bid["reputation"] for bid in auction["bids"]}
    assert by_bidder[provider.id]["rating"] == 4 and by_bidder[provider.id]["completed"] == 1
    assert auction["winning_bid"]["reputation"] == by_bidder[provider.id]
    conforms(auction, "AuctionDetail")


def test_other_providers_and_anonymous_watchers_see_no_reputation(api, completed, rival):
    for viewer in (rival, None):
        auction = auction_view(api, completed, viewer)
        others = [bid for bid in auction["bids"] if not bid["is_mine"]]
        assert others and not any("reputation" in bid or "user_id" in bid for bid in others)
        assert "reputation" not in (auction["winning_bid"] or {})


def test_providers_see_the_customers_trust_signals_and_customers_do_not_see_their_own(
    api, completed, customer, provider, rival, conforms
):
    reviewed(completed, customer, provider)

    trust = auction_view(api, completed, rival)["customer_trust"]

    assert (trust["award_rate"], trust["completed"], trust["rating"], trust["rating_count"]) == (1, 1, 5, 1)
    assert "customer_trust" not in auction_view(api, completed, customer)
    assert "customer_trust" not in auction_view(api, completed)
    conforms(trust, "CustomerTrust")


def test_a_providers_second_look_at_the_auction_counts_the_customers_trust_from_memory(api, completed, rival):
    first = auction_view(api, completed, rival)["customer_trust"]

    with recorded_statements() as statements:
        again = auction_view(api, completed, rival)["customer_trust"]

    assert again == first
    assert not any("reviews" in statement for statement in statements)


def test_a_booking_written_alone_counts_in_the_customers_trust_at_once(api, done, rival):
    assert auction_view(api, done, rival)["customer_trust"]["completed"] == 0

    # Not services.complete_booking: it also records an auction event, which would move the
    # version by itself; a write to the booking's row alone must too.
    db.session.get(Booking, done.id).status = BookingStatus.COMPLETED
    db.session.commit()

    assert auction_view(api, done, rival)["customer_trust"]["completed"] == 1


def test_a_hidden_review_leaves_the_customers_trust_at_once(api, completed, customer, provider, rival, admin):
    reviewed(completed, customer, provider)
    assert auction_view(api, completed, rival)["customer_trust"]["rating_count"] == 1

    review = db.session.scalar(db.select(Review).where(Review.subject_id == customer.id))
    services.hide_review(admin, review.id, "Abusive")

    assert auction_view(api, completed, rival)["customer_trust"]["rating_count"] == 0


def test_the_booking_shows_in_the_auction_for_its_two_parties_only(api, offered, customer, provider, rival):
    assert auction_view(api, offered, customer)["booking"]["id"] == offered.id
    assert auction_view(api, offered, provider)["booking"]["status"] == "offered"
    assert "booking" not in auction_view(api, offered, rival)
    assert "booking" not in auction_view(api, offered)


def test_the_contacts_in_the_auctions_booking_wait_for_the_confirmation(api, offered, customer, provider):
    before = auction_view(api, offered, customer)["booking"]["provider"]
    services.confirm_booking(provider, offered.id)
    after = auction_view(api, offered, customer)["booking"]["provider"]

    assert "email" not in before
    assert after["email"] == provider.email


def test_a_providers_public_profile_carries_its_reputation(api, completed, customer, provider, conforms):
    reviewed(completed, customer, provider, customer_stars=3)

    user = api("GET", f"/api/users/{provider.id}").get_json()["user"]

    assert (user["reputation"]["rating"], user["reputation"]["rating_count"]) == (3, 1)
    assert user["reputation"]["confirmation_rate"] == 1 and user["reputation"]["completion_rate"] == 1
    assert "email" not in user and "phone" not in user
    conforms(user, "PublicProfile")


def test_a_customers_public_profile_has_trust_signals_and_no_provider_record(api, completed, customer, provider):
    reviewed(completed, customer, provider)

    user = api("GET", f"/api/users/{customer.id}").get_json()["user"]

    assert user["reputation"] is None
    assert user["customer_trust"]["rating"] == 5 and user["customer_trust"]["completed"] == 1


def test_a_users_reviews_list_only_published_visible_ones(api, completed, customer, provider, admin, conforms):
    services.write_review(customer, completed.id, 4, "Tidy work")
    assert api("GET", f"/api/users/{provider.id}/reviews").get_json()["reviews"] == []  # double-blind

    services.write_review(provider, completed.id, 5, "Clear brief")
    listed = api("GET", f"/api/users/{provider.id}/reviews").get_json()
    assert [(r["rating"], r["comment"]) for r in listed["reviews"]] == [(4, "Tidy work")]
    assert listed["pagination"]["total"] == 1
    conforms(listed["reviews"][0], "Review")

    services.hide_review(admin, listed["reviews"][0]["id"], "Names a phone number")
    assert api("GET", f"/api/users/{provider.id}/reviews").get_json()["reviews"] == []


def test_an_unknown_users_reviews_are_not_found(api):
    assert api("GET", "/api/users/999999/reviews").status_code == 404


def test_the_customers_auction_view_reads_the_same_statements_for_one_bidder_or_five(
    api, customer, make_user, make_auction, make_bid, count_statements
):
    def statements_for(bidders: int) -> int:
        auction = make_auction()
        for n in range(bidders):
            make_bid(make_user(provider=True), auction, 1900 - n * 10)
        api.login(customer)
        return count_statements(lambda: api("GET", f"/api/auctions/{auction.id}", customer))

    assert statements_for(1) == statements_for(5)
