"""Reviews on the booking page (double-blind, one reply) and the public profile, which shows
published, visible reviews only."""

from __future__ import annotations

from typing import Any

from helpers import db_state
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import Booking, Review
from bidbazaar.extensions import db
from bidbazaar.models import User


def review_of(author: User) -> Review:
    db.session.commit()
    return db.session.scalar(select(Review).where(Review.author_id == author.id))


def test_the_review_form_shows_after_completion(as_user: Any, completed: Booking, customer: User) -> None:
    assert "Publish review" in as_user(customer).text(f"/bookings/{completed.id}")


def test_the_review_form_is_absent_before_completion(as_user: Any, confirmed: Booking, customer: User) -> None:
    assert "Publish review" not in as_user(customer).text(f"/bookings/{confirmed.id}")


def test_a_review_through_the_form_is_kept_unpublished_until_the_other_side_writes(
    as_user: Any, completed: Booking, customer: User, provider: User
) -> None:
    page = as_user(customer).follow(f"/bookings/{completed.id}/review", rating="4", comment="Tidy work")
    assert "Thank you" in page
    review = review_of(customer)
    assert (review.rating, review.comment, review.published_at) == (4, "Tidy work", None)
    provider_page = as_user(provider).text(f"/bookings/{completed.id}")
    assert "Tidy work" not in provider_page
    assert "you will see it once it is published" in provider_page


def test_when_both_sides_have_written_both_reviews_show(
    as_user: Any, completed: Booking, customer: User, provider: User
) -> None:
    services.write_review(customer, completed.id, 4, "Tidy work")
    as_user(provider).follow(f"/bookings/{completed.id}/review", rating="5", comment="Clear brief")
    page = as_user(customer).text(f"/bookings/{completed.id}")
    assert "Tidy work" in page
    assert "Clear brief" in page


def test_a_rating_out_of_range_is_refused_and_nothing_changes(as_user: Any, completed: Booking, customer: User) -> None:
    user = as_user(customer)
    before = db_state()
    user.follow(f"/bookings/{completed.id}/review", rating="6")
    assert db_state() == before


def test_a_second_review_is_refused_with_a_flash(as_user: Any, completed: Booking, customer: User) -> None:
    services.write_review(customer, completed.id, 4)
    user = as_user(customer)
    before = db_state()
    assert "You have already reviewed this booking" in user.follow(f"/bookings/{completed.id}/review", rating="3")
    assert db_state() == before


def test_the_reviewed_side_replies_once_in_public(
    as_user: Any, completed: Booking, customer: User, provider: User
) -> None:
    services.write_review(customer, completed.id, 3, "Late by an hour")
    services.write_review(provider, completed.id, 5)
    review = review_of(customer)
    user = as_user(provider)
    page = user.follow(f"/reviews/{review.id}/reply", reply="Traffic, sorry", next=f"/users/{provider.id}")
    assert "Your reply is public." in page
    assert "Traffic, sorry" in page
    assert "You have already replied" in user.follow(f"/reviews/{review.id}/reply", reply="Again")


def test_the_author_cannot_reply_to_their_own_review(
    as_user: Any, completed: Booking, customer: User, provider: User
) -> None:
    services.write_review(customer, completed.id, 3)
    services.write_review(provider, completed.id, 5)
    user = as_user(customer)
    before = db_state()
    assert "Only the reviewed user can reply" in user.follow(f"/reviews/{review_of(customer).id}/reply", reply="Hi")
    assert db_state() == before


def test_the_profile_shows_published_reviews_with_replies(
    client: Any, completed: Booking, customer: User, provider: User
) -> None:
    services.write_review(customer, completed.id, 4, "Tidy work")
    services.write_review(provider, completed.id, 5, "Clear brief")
    services.reply_to_review(provider, review_of(customer).id, "Thank you")
    page = client.get(f"/users/{provider.id}").get_data(as_text=True)
    assert "Tidy work" in page
    assert "Thank you" in page
    assert "★ 4.0 (1)" in page
    assert "Clear brief" not in page  # that one is about the customer


def test_the_profile_hides_reviews_not_yet_published(
    client: Any, completed: Booking, customer: User, provider: User
) -> None:
    services.write_review(customer, completed.id, 4, "Tidy work")
    page = client.get(f"/users/{provider.id}").get_data(as_text=True)
    assert "Tidy work" not in page
    assert "No published reviews yet." in page


def test_the_profile_hides_reviews_an_admin_hid(
    client: Any, completed: Booking, customer: User, provider: User, admin: User
) -> None:
    services.write_review(customer, completed.id, 1, "Rude words")
    services.write_review(provider, completed.id, 5)
    services.hide_review(admin, review_of(customer).id, "Abusive")
    assert "Rude words" not in client.get(f"/users/{provider.id}").get_data(as_text=True)


def test_a_customers_profile_shows_trust_signals(client: Any, completed: Booking, customer: User) -> None:
    page = client.get(f"/users/{customer.id}").get_data(as_text=True)
    assert 'id="trust"' in page
    assert 'id="reputation"' not in page


def test_an_unknown_profile_is_not_found(client: Any, app: Any) -> None:
    assert client.get("/users/999").status_code == 404
