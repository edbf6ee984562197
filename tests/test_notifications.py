"""Stored notifications, the hash-chained event log, and sockets ending with their credentials."""

from __future__ import annotations

import pytest
from helpers import PASSWORD, assert_error, count
from sqlalchemy import select, update

from bidbazaar import accounts, services
from bidbazaar.extensions import db
from bidbazaar.models import AuctionEvent, Notification

NS = "/auctions"


def types_for(user) -> list[str]:
    """The user's notification types in the order they were written (by id: without an ORDER BY,
    PostgreSQL returns heap order, and rows land in space earlier tests freed)."""
    db.session.commit()
    return [
        n.type
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def test_undercutting_notifies_the_creator_and_the_outbid_provider(auction, customer, provider, rival, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    assert types_for(customer) == ["new_bid", "new_bid"]
    assert types_for(provider) == ["outbid"]
    assert types_for(rival) == []


def test_closing_tells_the_winner_the_losers_and_the_creator(
    auction, customer, provider, rival, make_bid, time_machine
):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    time_machine.move_to(auction.deadline)
    services.close_if_expired(auction.id)
    assert types_for(rival) == ["auction_won", "booking_offered"]  # the offer to confirm (issue 14)
    assert types_for(provider) == ["outbid", "auction_lost"]
    assert types_for(customer)[-1] == "auction_closed"


def test_cancelling_tells_every_bidder(auction, customer, provider, rival, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    services.cancel_auction(customer, auction.id)
    assert types_for(provider)[-1] == "auction_cancelled"
    assert types_for(rival) == ["auction_cancelled"]


def test_notifications_list_newest_first_with_an_unread_filter(client, auction, provider, rival, make_bid, bearer):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    make_bid(provider, auction, 1300)
    headers = bearer(rival)
    body = client.get("/api/notifications", headers=headers).get_json()
    assert [n["type"] for n in body["notifications"]] == ["outbid"]
    assert body["unread_count"] == 1
    note_id = body["notifications"][0]["id"]
    assert client.post("/api/notifications/read", json={"ids": [note_id]}, headers=headers).get_json() == {
        "marked": 1,
        "unread_count": 0,
    }
    assert client.get("/api/notifications?unread_only=true", headers=headers).get_json()["notifications"] == []
    assert client.get("/api/users/profile", headers=headers).get_json()["user"]["unread_count"] == 0


def test_marking_all_read_touches_only_my_notifications(client, auction, customer, provider, rival, make_bid, bearer):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    response = client.post("/api/notifications/read", json={"all": True}, headers=bearer(customer))
    assert response.get_json()["marked"] == 2
    assert count(Notification, Notification.read_at.is_(None)) == 1  # the provider's outbid


def test_another_users_notification_id_is_not_found_and_nothing_is_marked(
    client, auction, customer, provider, rival, make_bid, bearer
):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    outbid_id = db.session.scalar(select(Notification.id).where(Notification.user_id == provider.id))
    own_id = db.session.scalar(select(Notification.id).where(Notification.user_id == customer.id))
    response = client.post("/api/notifications/read", json={"ids": [own_id, outbid_id]}, headers=bearer(customer))
    assert assert_error(response, 404, "NOT_FOUND")["details"] == {"ids": [outbid_id]}
    assert count(Notification, Notification.read_at.is_not(None)) == 0


def test_marking_read_needs_ids_or_all(client, customer, bearer):
    assert_error(client.post("/api/notifications/read", json={}, headers=bearer(customer)), 400, "VALIDATION_ERROR")
    assert_error(
        client.post("/api/notifications/read", json={"ids": ["1"]}, headers=bearer(customer)), 400, "VALIDATION_ERROR"
    )


def test_notifications_need_a_login(client):
    assert_error(client.get("/api/notifications"), 401, "AUTH_REQUIRED")


# --------------------------------------------------------------------------- event log


def test_every_change_is_logged_with_consecutive_seq(client, auction, customer, provider, rival, make_bid):
    first = make_bid(provider, auction, 1500)
    bid = make_bid(rival, auction, 1400)
    services.withdraw_bid(rival, auction.id, bid.id)
    services.update_auction(customer, auction.id, {"requirements": "Bring a ladder"})
    services.award_auction(customer, auction.id, first.id)
    events = client.get(f"/api/auctions/{auction.id}/events").get_json()["events"]
    assert [e["type"] for e in events] == [
        "auction_created",
        "bid_placed",
        "bid_placed",
        "bid_withdrawn",
        "auction_updated",
        "auction_awarded",
        "booking_offered",
    ]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6, 7]


def test_the_events_timeline_hides_bidders_from_the_public(client, auction, provider, make_bid, bearer):
    make_bid(provider, auction, 1500, notes="call before coming")
    public = client.get(f"/api/auctions/{auction.id}/events").get_json()["events"][1]["payload"]["bid"]
    assert not {"user_id", "username", "description", "notes"} & set(public)
    own = client.get(f"/api/auctions/{auction.id}/events", headers=bearer(provider)).get_json()["events"][1]
    assert own["payload"]["bid"]["notes"] == "call before coming"


def test_verify_reports_a_valid_chain(client, auction, provider, rival, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    assert client.get(f"/api/auctions/{auction.id}/events/verify").get_json() == {"valid": True, "events": 3}


def test_verify_reports_the_first_tampered_event(client, auction, provider, rival, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    event = db.session.scalar(select(AuctionEvent).where(AuctionEvent.seq == 2))
    forged = {**event.payload, "lowest_bid": 1}
    db.session.execute(update(AuctionEvent).where(AuctionEvent.id == event.id).values(payload=forged))
    db.session.commit()
    body = client.get(f"/api/auctions/{auction.id}/events/verify").get_json()
    assert body == {"valid": False, "events": 1, "broken_seq": 2}


def test_verify_reports_a_deleted_event(client, auction, provider, rival, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    db.session.execute(AuctionEvent.__table__.delete().where(AuctionEvent.seq == 2))
    db.session.commit()
    assert client.get(f"/api/auctions/{auction.id}/events/verify").get_json()["broken_seq"] == 3


# --------------------------------------------------------------------------- sockets end with credentials


@pytest.fixture
def provider_socket(socket_client, provider):
    sock = socket_client(provider)
    assert sock.is_connected(NS)
    return sock


def test_a_password_change_disconnects_the_users_sockets(app, client, provider, provider_socket, bearer):
    response = client.put(
        "/api/users/profile",
        json={"current_password": PASSWORD, "new_password": "a-new-long-password"},
        headers=bearer(provider),
    )
    assert response.status_code == 200, response.get_json()
    assert not provider_socket.is_connected(NS)


def test_deactivation_disconnects_the_users_sockets(app, provider, provider_socket):
    with app.test_request_context():
        accounts.set_active(db.session.merge(provider), False)
    assert not provider_socket.is_connected(NS)
