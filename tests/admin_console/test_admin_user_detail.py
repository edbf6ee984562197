"""The admin's page about one user: profile facts, their auctions, bids, bookings and
reviews, and the verify / deactivate buttons there too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from console_helpers import post
from helpers import fresh, html
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, User


def test_the_page_shows_the_users_facts(client: Any, admin_token: str, provider: User) -> None:
    page = html(client.get(f"/admin/users/{provider.id}"))
    assert "<h1>ravi</h1>" in page
    assert "ravi@example.com" in page
    assert "unverified" in page


def test_the_page_lists_the_auctions_a_customer_posted(
    client: Any, admin_token: str, customer: User, auction: Auction
) -> None:
    page = html(client.get(f"/admin/users/{customer.id}"))
    assert f'href="/admin/auctions/{auction.id}">Fix kitchen sink leak</a>' in page


def test_the_page_lists_the_bids_a_provider_placed(
    client: Any, admin_token: str, provider: User, auction: Auction, make_bid: Callable[..., Bid]
) -> None:
    make_bid(provider, auction, 1234)
    page = html(client.get(f"/admin/users/{provider.id}"))
    assert "₹1,234" in page.split('id="user-bids"')[1]


def test_the_page_lists_bookings_and_reviews_on_either_side(
    client: Any, admin_token: str, customer: User, provider: User, auction: Auction, make_bid: Callable[..., Bid]
) -> None:
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    booking = db.session.scalar(select(Booking).where(Booking.auction_id == auction.id))
    services.confirm_booking(provider, booking.id)
    services.mark_done(provider, booking.id)
    services.complete_booking(customer, booking.id)
    services.write_review(customer, booking.id, 4, "Tidy work.")

    page = html(client.get(f"/admin/users/{provider.id}"))

    bookings = page.split('id="user-bookings"')[1].split("</section>")[0]
    reviews = page.split('id="user-reviews"')[1].split("</section>")[0]
    assert f"#{booking.id}" in bookings and "provider" in bookings
    assert "Tidy work." in reviews and "4/5" in reviews


def test_verifying_from_the_page_returns_to_it(client: Any, admin_token: str, provider: User) -> None:
    page = html(client.get(f"/admin/users/{provider.id}"))
    assert f'action="/admin/users/{provider.id}/verify"' in page

    response = post(client, f"/admin/users/{provider.id}/verify", admin_token, next=f"/admin/users/{provider.id}")

    assert response.headers["Location"] == f"/admin/users/{provider.id}"
    assert fresh(User, provider.id).provider_verified is True


def test_the_page_offers_deactivation_with_its_stakes(
    client: Any, admin_token: str, customer: User, auction: Auction
) -> None:
    page = html(client.get(f"/admin/users/{customer.id}"))
    assert "1 open auction will be cancelled" in page


def test_an_unknown_user_is_a_404(client: Any, admin_token: str) -> None:
    assert client.get("/admin/users/999999").status_code == 404


def test_booking_rows_link_their_users_to_the_detail_page(
    client: Any, admin_token: str, customer: User, provider: User, auction: Auction, make_bid: Callable[..., Bid]
) -> None:
    services.award_auction(customer, auction.id, make_bid(provider, auction, 1500).id)
    page = html(client.get("/admin/bookings"))
    assert f'href="/admin/users/{provider.id}">ravi</a>' in page
    assert f'href="/admin/users/{customer.id}">asha</a>' in page
