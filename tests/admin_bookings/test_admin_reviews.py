"""Review moderation: every review (published or not, hidden or not) with filters, and the
Hide button calling services.hide_review with a required reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from admin_helpers import reloaded, statements
from helpers import db_state, html, log_in

from bidbazaar import queries, services
from bidbazaar.booking_models import Booking, Review
from bidbazaar.models import User


def hide(client: Any, token: str, review: Review, reason: str) -> Any:
    return client.post(f"/admin/reviews/{review.id}/hide", data={"csrf_token": token, "reason": reason})


def listed(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-review-id="(\d+)"', body)]


def test_the_list_shows_published_and_unpublished_reviews_newest_first(
    client: Any, admin_token: str, reviewed: tuple[Review, Review], book: Callable[..., Booking], rival: User,
    customer: User,
) -> None:  # fmt: skip
    waiting = services.write_review(customer, book(rival, 1300, upto="completed").id, 4, "Fine.")
    by_customer, by_provider = reviewed

    body = html(client.get("/admin/reviews"))

    assert listed(body) == [waiting.id, by_provider.id, by_customer.id]
    assert "not yet published" in body and "Came late, left a mess." in body and "Fine." in body


def test_the_list_filters_by_state_stars_and_username(
    client: Any, admin: User, admin_token: str, reviewed: tuple[Review, Review], book: Callable[..., Booking],
    rival: User, customer: User,
) -> None:  # fmt: skip
    waiting = services.write_review(customer, book(rival, 1300, upto="completed").id, 4)
    by_customer, by_provider = reviewed
    services.hide_review(admin, by_customer.id, "Personal remarks.")

    assert listed(html(client.get("/admin/reviews?state=unpublished"))) == [waiting.id]
    assert listed(html(client.get("/admin/reviews?state=published"))) == [by_provider.id]
    assert listed(html(client.get("/admin/reviews?state=hidden"))) == [by_customer.id]
    assert listed(html(client.get("/admin/reviews?rating=5"))) == [by_provider.id]
    assert listed(html(client.get("/admin/reviews?q=MEEN"))) == [waiting.id]  # the subject, meena


def test_a_bad_review_filter_is_a_400(client: Any, admin_token: str) -> None:
    for query in ("state=gone", "rating=6", "rating=x", "page=0"):
        response = client.get(f"/admin/reviews?{query}")
        assert response.status_code == 400, query
        assert "Please correct the filters." in html(response)


def test_hiding_a_review_keeps_it_with_who_hid_it_and_why(
    client: Any, admin: User, admin_token: str, reviewed: tuple[Review, Review]
) -> None:
    by_customer, _ = reviewed

    response = hide(client, admin_token, by_customer, "Names a person.")

    assert response.status_code == 302
    after = reloaded(Review, by_customer.id)
    assert after.hidden_at is not None
    assert (after.hidden_by, after.hidden_reason) == (admin.id, "Names a person.")
    body = html(client.get("/admin/reviews?state=hidden"))
    assert f"Review #{by_customer.id} hidden" in body
    assert "by root" in body and "Names a person." in body


def test_a_hidden_review_is_no_longer_among_the_published_reviews(
    client: Any, admin_token: str, reviewed: tuple[Review, Review], provider: User
) -> None:
    by_customer, _ = reviewed
    assert [r.id for r in queries.published_reviews(provider.id).items] == [by_customer.id]

    hide(client, admin_token, by_customer, "Names a person.")

    reloaded(Review, by_customer.id)
    assert queries.published_reviews(provider.id).items == []


def test_hiding_without_a_reason_is_refused_and_changes_nothing(
    client: Any, admin_token: str, reviewed: tuple[Review, Review]
) -> None:
    by_customer, _ = reviewed
    before = db_state()

    for reason in ("", "   "):
        hide(client, admin_token, by_customer, reason)

    assert db_state() == before
    assert "Say why the review is hidden." in html(client.get("/admin/reviews"))


def test_hiding_a_hidden_review_again_is_flashed_and_changes_nothing(
    client: Any, admin_token: str, reviewed: tuple[Review, Review]
) -> None:
    by_customer, _ = reviewed
    hide(client, admin_token, by_customer, "Names a person.")
    client.get("/admin/reviews")
    before = db_state()

    hide(client, admin_token, by_customer, "Again.")

    assert db_state() == before
    assert "already hidden" in html(client.get("/admin/reviews"))


def test_a_hidden_review_offers_no_hide_button(
    client: Any, admin: User, admin_token: str, reviewed: tuple[Review, Review]
) -> None:
    by_customer, by_provider = reviewed
    services.hide_review(admin, by_customer.id, "Names a person.")

    body = html(client.get("/admin/reviews"))

    assert f"/admin/reviews/{by_customer.id}/hide" not in body
    assert f"/admin/reviews/{by_provider.id}/hide" in body


def test_non_admins_posting_hide_get_403_and_nothing_changes(
    client: Any, reviewed: tuple[Review, Review], provider: User
) -> None:
    by_customer, _ = reviewed
    token = log_in(client, provider)  # the reviewed provider would like it gone

    assert hide(client, token, by_customer, "I disagree.").status_code == 403
    assert reloaded(Review, by_customer.id).hidden_at is None


def test_the_review_list_runs_the_same_number_of_statements_for_two_reviews_or_six(
    client: Any, admin: User, admin_token: str, reviewed: tuple[Review, Review], book: Callable[..., Booking],
    customer: User, rival: User,
) -> None:  # fmt: skip
    services.hide_review(admin, reviewed[0].id, "Names a person.")
    with statements() as two:
        client.get("/admin/reviews")
    for n in range(2):
        booking = book(rival, 1300 - n, upto="completed")
        services.write_review(customer, booking.id, 3)
        services.write_review(rival, booking.id, 4)
    services.hide_review(admin, reviewed[1].id, "Rude.")
    with statements() as six:
        body = html(client.get("/admin/reviews"))

    assert len(listed(body)) == 6
    assert len(two) == len(six)
