"""A reason when cancelling an auction: required in the admin form, stored, in the event log,
in the bidders' notification and on the auction page; optional for the creator and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from console_helpers import post
from helpers import assert_error, fresh, html, log_in
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, Notification, User

REASON = "The customer found someone locally; sorry for the trouble."


def cancel_event(auction_id: int) -> dict[str, Any]:
    db.session.commit()
    event = db.session.scalar(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == "auction_cancelled")
    )
    assert event is not None
    return event.payload


def cancelled_note(user: User, auction_id: int) -> Notification:
    db.session.commit()
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.auction_id == auction_id,
            Notification.type == "auction_cancelled",
        )
    )


def test_the_admin_form_requires_a_reason(client: Any, admin_token: str, auction: Auction) -> None:
    response = post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason="  ")
    assert "Say why the auction is cancelled." in html(client.get(response.headers["Location"]))
    assert fresh(Auction, auction.id).status == "active"


def test_the_admin_reason_is_at_most_300_characters(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason="x" * 301)
    assert fresh(Auction, auction.id).status == "active"


def test_the_admin_reason_is_stored_on_the_auction(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason=REASON)
    cancelled = fresh(Auction, auction.id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", REASON)


def test_the_cancel_event_carries_the_reason_beside_its_keys(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason=REASON)
    assert cancel_event(auction.id) == {"status": "cancelled", "winning_bid": None, "cancel_reason": REASON}


def test_each_bidder_is_notified_with_the_reason(
    client: Any,
    admin_token: str,
    auction: Auction,
    provider: User,
    rival: User,
    make_bid: Callable[..., Bid],
) -> None:
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason=REASON)
    for bidder in (provider, rival):
        note = cancelled_note(bidder, auction.id)
        assert note.message == f'"Fix kitchen sink leak" was cancelled: {REASON}'
        assert note.data == {"cancel_reason": REASON}


def test_the_auction_page_shows_the_reason_once_cancelled(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason=REASON)
    client.get("/logout")
    page = html(client.get(f"/auctions/{auction.id}"))
    assert f'<span id="cancel-reason">Reason given: <span class="prewrap">{REASON}</span>' in page


def test_the_admin_auction_page_shows_the_reason(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason=REASON)
    assert REASON in html(client.get(f"/admin/auctions/{auction.id}")).split('id="cancel-reason"')[1]


def test_the_creator_may_cancel_without_a_reason(client: Any, auction: Auction, customer: User) -> None:
    token = log_in(client, customer)
    post(client, f"/auctions/{auction.id}/cancel", token)
    assert (fresh(Auction, auction.id).status, fresh(Auction, auction.id).cancel_reason) == ("cancelled", None)
    assert cancel_event(auction.id)["cancel_reason"] is None


def test_the_creators_optional_reason_goes_through_too(client: Any, auction: Auction, customer: User) -> None:
    token = log_in(client, customer)
    post(client, f"/auctions/{auction.id}/cancel", token, reason=REASON)
    assert fresh(Auction, auction.id).cancel_reason == REASON


def test_the_api_takes_an_optional_reason(client: Any, auction: Auction, customer: User, bearer: Any) -> None:
    response = client.post(f"/api/auctions/{auction.id}/cancel", json={"reason": REASON}, headers=bearer(customer))
    assert response.status_code == 200
    assert cancel_event(auction.id)["cancel_reason"] == REASON
    detail = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]
    assert detail["cancel_reason"] == REASON


def test_the_api_cancels_without_a_body(client: Any, auction: Auction, customer: User, bearer: Any) -> None:
    response = client.post(f"/api/auctions/{auction.id}/cancel", headers=bearer(customer))
    assert response.status_code == 200
    assert fresh(Auction, auction.id).cancel_reason is None


def test_the_api_refuses_a_reason_over_300_characters(
    client: Any, auction: Auction, customer: User, bearer: Any
) -> None:
    response = client.post(f"/api/auctions/{auction.id}/cancel", json={"reason": "x" * 301}, headers=bearer(customer))
    assert "reason" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert fresh(Auction, auction.id).status == "active"
