"""Security checklist item 23: no user reaches another user's auctions, bids, notifications
or the admin's categories by changing an id in the URL or body.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

import pytest
from helpers import (
    assert_error,
    count,
    db_state,
)
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Bid, BidStatus, Notification

# =========================================================================== 23. IDOR


def test_another_user_cannot_edit_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().put(
        f"/api/auctions/{world['auction'].id}", json={"requirements": "Hijacked"}, headers=headers
    )

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_another_user_cannot_cancel_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post(f"/api/auctions/{world['auction'].id}/cancel", headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_another_user_cannot_award_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post(
        f"/api/auctions/{world['auction'].id}/award", json={"bid_id": world["rival_bid"].id}, headers=headers
    )

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_a_creator_cannot_award_a_bid_from_another_auction(app, world, customer, bearer):
    headers = bearer(customer)
    before = db_state()

    response = app.test_client().post(
        f"/api/auctions/{world['auction'].id}/award", json={"bid_id": world["other_bid"].id}, headers=headers
    )

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


def test_a_provider_cannot_withdraw_another_providers_bid(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().delete(f"/api/auctions/{world['auction'].id}/bids/{world['bid'].id}", headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before
    assert count(Bid, Bid.id == world["bid"].id, Bid.status == BidStatus.ACTIVE) == 1


def test_a_bid_cannot_be_withdrawn_through_another_auctions_url(app, world, provider, bearer):
    headers = bearer(provider)
    before = db_state()

    response = app.test_client().delete(f"/api/auctions/{world['other'].id}/bids/{world['bid'].id}", headers=headers)

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


def test_a_user_sees_only_its_own_notifications(app, world, rival, bearer):
    response = app.test_client().get("/api/notifications", headers=bearer(rival))

    assert response.status_code == 200, response.get_json()
    mine = {n.id for n in db.session.scalars(select(Notification).where(Notification.user_id == rival.id))}
    assert {n["id"] for n in response.get_json()["notifications"]} == mine
    assert world["note"].id not in mine


def test_marking_another_users_notification_read_leaves_it_unread(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post("/api/notifications/read", json={"ids": [world["note"].id]}, headers=headers)

    assert response.status_code in (200, 403, 404), response.get_json()
    assert db_state() == before


def test_marking_another_users_notification_read_is_not_found(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post("/api/notifications/read", json={"ids": [world["note"].id]}, headers=headers)

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/categories", {"name": "Gardening"}),
        ("PUT", "/api/categories/{id}", {"name": "Renamed"}),
        ("DELETE", "/api/categories/{id}", None),
    ],
)
def test_a_non_admin_cannot_change_categories(app, world, customer, bearer, method, path, body):
    headers = bearer(customer)
    before = db_state()

    response = app.test_client().open(path.format(id=world["category"].id), method=method, json=body, headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before
