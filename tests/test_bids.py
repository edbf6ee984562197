"""The reverse-auction rule, bid by bid: who may bid, how low, until when; withdrawal,
anti-sniping, closing, exactly-once submission and how money and time are rendered.
Every refusal also proves the database did not change."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers import assert_error, count
from sqlalchemy import select

from bidbazaar import realtime, services
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, AuctionEvent, Bid, IdempotencyRecord, Notification, utcnow

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def db_state(auction_id: int) -> dict[str, Any]:
    """Row counts plus the auction's row and its bids: equal before and after = unchanged."""
    db.session.commit()  # a fresh snapshot
    return {
        "counts": [count(m) for m in (Auction, Bid, AuctionEvent, Notification, IdempotencyRecord)],
        "auction": dict(db.session.execute(select(Auction.__table__).where(Auction.id == auction_id)).one()._mapping),
        "bids": db.session.execute(
            select(Bid.id, Bid.status, Bid.amount).where(Bid.auction_id == auction_id).order_by(Bid.id)
        ).all(),
    }


def fresh(model: Any, ident: int) -> Any:
    db.session.commit()  # end the read snapshot so other sessions' commits are visible
    return db.session.get(model, ident)


def bid_url(auction: Auction) -> str:
    return f"/api/auctions/{auction.id}/bids"


def offer(amount: Any, **fields: Any) -> dict[str, Any]:
    return {"amount": amount, "description": "Licensed plumber, parts included.", **fields}


@pytest.fixture
def verification_required(config):
    config.REQUIRE_PROVIDER_VERIFICATION = True


@pytest.fixture
def clock(time_machine, auction):
    """Freeze time at a moment relative to the auction's deadline: clock(-60) is 60 s before."""

    def at(seconds_from_deadline: float) -> None:
        time_machine.move_to(auction.deadline + timedelta(seconds=seconds_from_deadline), tick=False)

    return at


# --------------------------------------------------------------------------- acceptance


def test_a_provider_bids_below_the_budget(client, auction, provider, bearer):
    response = client.post(
        bid_url(auction), json=offer(1500, estimated_duration="2 hours", notes="Weekend ok"), headers=bearer(provider)
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["bid"]["amount"] == 1500
    assert body["bid"]["status"] == "active"
    assert body["bid"]["is_mine"] is True
    assert body["auction"] == {
        "id": auction.id,
        "lowest_bid": 1500,
        "bid_count": 1,
        "deadline": body["auction"]["deadline"],
    }
    assert count(Bid) == 1


def test_an_emptied_optional_text_of_an_api_bid_is_stored_as_none(client, auction, provider, bearer):
    """REST and Socket.IO bodies reach place_bid with "" for an emptied optional text (the
    pages' field_values turns it into None for forms): whichever layer does it, it is None."""
    response = client.post(
        bid_url(auction), json=offer(1500, estimated_duration="", notes="  "), headers=bearer(provider)
    )

    assert response.status_code == 201, response.get_json()
    shown = response.get_json()["bid"]
    assert (shown["estimated_duration"], shown["notes"]) == (None, None)
    assert count(Bid, Bid.estimated_duration.is_(None), Bid.notes.is_(None)) == 1


def test_a_bid_needs_a_login(client, auction):
    before = db_state(auction.id)
    csrf = client.get("/api/auth/csrf").get_json()["csrf_token"]

    response = client.post(bid_url(auction), json=offer(1500), headers={"X-CSRFToken": csrf})

    assert_error(response, 401, "AUTH_REQUIRED")
    assert db_state(auction.id) == before


def test_a_bid_without_any_credentials_is_401(client, auction):
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500)), 401, "AUTH_REQUIRED")
    assert db_state(auction.id) == before


def test_a_bid_with_an_unknown_token_is_401(client, auction):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1500), headers={"Authorization": "Bearer not-a-token"})

    assert_error(response, 401, "AUTH_REQUIRED")
    assert db_state(auction.id) == before


def test_a_customer_who_is_not_a_provider_cannot_bid(client, auction, make_user, bearer):
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=bearer(make_user())), 403, "NOT_A_PROVIDER")
    assert db_state(auction.id) == before


@pytest.mark.usefixtures("verification_required")
def test_an_unverified_provider_cannot_bid_when_verification_is_required(app, client, auction, provider, bearer):
    assert app.config["REQUIRE_PROVIDER_VERIFICATION"] is True
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1500), headers=bearer(provider))

    assert_error(response, 403, "PROVIDER_NOT_VERIFIED")
    assert db_state(auction.id) == before


@pytest.mark.usefixtures("verification_required")
def test_a_verified_provider_bids_when_verification_is_required(client, auction, make_user, bearer):
    verified = make_user(provider=True, verified=True)

    response = client.post(bid_url(auction), json=offer(1500), headers=bearer(verified))

    assert response.status_code == 201, response.get_json()


def test_verification_is_not_required_by_default(app, client, auction, provider, bearer):
    assert provider.provider_verified is False

    assert client.post(bid_url(auction), json=offer(1500), headers=bearer(provider)).status_code == 201


def test_a_provider_cannot_bid_on_its_own_auction(client, make_auction, provider, bearer):
    own = make_auction(creator=provider)
    before = db_state(own.id)

    assert_error(client.post(bid_url(own), json=offer(1500), headers=bearer(provider)), 403, "SELF_BID")
    assert db_state(own.id) == before


def test_a_deactivated_provider_cannot_bid_even_through_the_service(auction, provider):
    provider.is_active = False
    db.session.commit()
    before = db_state(auction.id)

    with pytest.raises(DomainError) as refused:
        services.place_bid(provider, auction.id, {"amount": Decimal(1500), "description": "x"})

    assert refused.value.code == "AUTH_REQUIRED"
    assert db_state(auction.id) == before


def test_bidding_on_an_unknown_auction_is_404(client, provider, bearer):
    assert_error(client.post("/api/auctions/424242/bids", json=offer(1500), headers=bearer(provider)), 404, "NOT_FOUND")
    assert count(Bid) == 0


# --------------------------------------------------------------------------- deadline


def test_a_bid_one_millisecond_before_the_deadline_is_accepted(client, auction, provider, bearer, clock):
    headers = bearer(provider)
    clock(-0.001)

    assert client.post(bid_url(auction), json=offer(1500), headers=headers).status_code == 201


def test_a_bid_at_the_deadline_is_closed(client, auction, make_bid, provider, rival, bearer, clock):
    make_bid(provider, auction, 1500)
    headers = bearer(rival)
    clock(0)

    assert_error(client.post(bid_url(auction), json=offer(1400), headers=headers), 409, "AUCTION_CLOSED")
    assert count(Bid) == 1
    assert fresh(Auction, auction.id).status == "completed"


def test_a_bid_one_millisecond_after_the_deadline_is_closed(client, auction, provider, bearer, clock):
    headers = bearer(provider)
    clock(0.001)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=headers), 409, "AUCTION_CLOSED")
    assert count(Bid) == 0
    assert fresh(Auction, auction.id).status == "expired"


def test_a_bid_on_a_cancelled_auction_is_closed(client, auction, customer, provider, bearer):
    services.cancel_auction(customer, auction.id)
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=bearer(provider)), 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


# --------------------------------------------------------------------------- amounts


def test_the_lowest_bidder_cannot_undercut_itself(client, auction, make_bid, provider, bearer):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1400), headers=bearer(provider))

    assert assert_error(response, 409, "ALREADY_LOWEST")["details"]["lowest_bid"] == 1500
    assert db_state(auction.id) == before


def test_a_provider_may_bid_again_once_someone_undercut_it(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1450)

    assert client.post(bid_url(auction), json=offer(1400), headers=bearer(provider)).status_code == 201


def test_a_bid_not_a_full_decrement_below_the_lowest_is_too_high(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1499.01), headers=bearer(rival))

    details = assert_error(response, 409, "BID_TOO_HIGH")["details"]
    assert details["lowest_bid"] == 1500
    assert details["max_allowed"] == 1499
    assert details["amount"] == Decimal("1499.01")  # a JSON number (a string would not parse to Decimal)
    assert db_state(auction.id) == before


def test_a_bid_equal_to_the_lowest_is_too_high(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=bearer(rival)), 409, "BID_TOO_HIGH")
    assert db_state(auction.id) == before


def test_a_bid_exactly_one_decrement_below_the_lowest_is_accepted(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500.5)

    response = client.post(bid_url(auction), json=offer(1499.5), headers=bearer(rival))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["auction"]["lowest_bid"] == 1499.5


def test_the_decrement_comes_from_the_configuration(app, client, auction, make_bid, provider, rival, bearer):
    app.config["BID_MIN_DECREMENT"] = Decimal("50.00")
    make_bid(provider, auction, 1500)
    headers = bearer(rival)

    too_high = client.post(bid_url(auction), json=offer(1460), headers=headers)
    accepted = client.post(bid_url(auction), json=offer(1450), headers=headers)

    assert assert_error(too_high, 409, "BID_TOO_HIGH")["details"]["max_allowed"] == 1450
    assert accepted.status_code == 201, accepted.get_json()


def test_a_bid_above_the_budget_is_too_high(client, auction, provider, bearer):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(2000.01), headers=bearer(provider))

    details = assert_error(response, 409, "BID_TOO_HIGH")["details"]
    assert details["max_allowed"] == 2000
    assert details["lowest_bid"] is None
    assert db_state(auction.id) == before


def test_a_bid_of_exactly_the_budget_is_accepted(client, auction, provider, bearer):
    assert client.post(bid_url(auction), json=offer(2000), headers=bearer(provider)).status_code == 201


@pytest.mark.parametrize(
    "amount",
    [
        0,
        -100,
        0.001,
        1500.555,
        1e30,
        Decimal("123456789012345678901234567890.123"),
        True,
        False,
        "1500",
        "1,500",
        [1500],
        {"value": 1500},
        None,
    ],
)
def test_an_invalid_amount_is_a_validation_error(client, auction, provider, bearer, amount):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(amount), headers=bearer(provider))

    assert "amount" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_a_bid_without_an_amount_is_a_validation_error(client, auction, provider, bearer):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json={"description": "No price"}, headers=bearer(provider))

    assert "amount" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", ""),
        ("description", 42),
        ("estimated_duration", "x" * 51),
        ("status", "accepted"),
        ("user_id", 1),
    ],
)
def test_a_bid_with_a_bad_or_unknown_field_is_a_validation_error(client, auction, provider, bearer, field, value):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1500, **{field: value}), headers=bearer(provider))

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_two_decimals_are_accepted(client, auction, provider, bearer):
    response = client.post(bid_url(auction), json=offer(1500.55), headers=bearer(provider))

    assert response.status_code == 201, response.get_json()
    assert fresh(Bid, response.get_json()["bid"]["id"]).amount == Decimal("1500.55")


# --------------------------------------------------------------------------- rendering


def test_money_renders_as_a_json_number_with_at_most_two_decimals(client, auction, provider, bearer):
    response = client.post(bid_url(auction), json=offer(1500.5), headers=bearer(provider))

    assert re.search(r'"amount": ?1500\.5[,}]', response.get_data(as_text=True))
    assert response.get_json()["bid"]["amount"] == 1500.5


def test_whole_rupees_render_without_decimals(client, auction, provider, bearer):
    response = client.post(bid_url(auction), json=offer(1500), headers=bearer(provider))

    assert re.search(r'"amount": ?1500[,}]', response.get_data(as_text=True))


def test_times_render_as_iso_8601_utc_with_z(client, auction, provider, bearer):
    response = client.post(bid_url(auction), json=offer(1500), headers=bearer(provider))

    assert ISO_Z.match(response.get_json()["bid"]["created_at"])
    assert ISO_Z.match(response.get_json()["auction"]["deadline"])


# --------------------------------------------------------------------------- history


def test_the_bid_history_is_paginated_newest_first(client, auction, make_bid, provider, rival):
    made = [make_bid(provider if n % 2 == 0 else rival, auction, 1900 - n * 10).id for n in range(5)]

    first = client.get(f"{bid_url(auction)}?per_page=2").get_json()
    last = client.get(f"{bid_url(auction)}?per_page=2&page=3").get_json()

    assert [b["id"] for b in first["bids"]] == made[::-1][:2]
    assert [b["id"] for b in last["bids"]] == made[:1]
    assert first["pagination"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}


def test_the_bid_history_of_an_unknown_auction_is_404(client):
    assert_error(client.get("/api/auctions/424242/bids"), 404, "NOT_FOUND")


# --------------------------------------------------------------------------- withdraw


def test_a_bidder_withdraws_its_bid_and_the_row_is_kept(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)

    response = client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["bid"]["status"] == "withdrawn"
    assert fresh(Bid, bid.id).status == "withdrawn"
    assert count(Bid) == 1


def test_withdrawing_the_lowest_bid_recomputes_the_lowest(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)

    client.delete(f"{bid_url(auction)}/{lowest.id}", headers=bearer(rival))

    assert fresh(Auction, auction.id).lowest_bid == Decimal("1500.00")
    assert client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["lowest_bid"] == 1500


def test_withdrawing_the_only_bid_leaves_no_lowest(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)

    client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider))

    assert fresh(Auction, auction.id).lowest_bid is None


def test_after_withdrawing_a_provider_may_bid_higher_than_its_old_bid(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)
    headers = bearer(provider)
    client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers)

    assert client.post(bid_url(auction), json=offer(1600), headers=headers).status_code == 201


def test_nobody_withdraws_someone_elses_bid(client, auction, make_bid, provider, rival, bearer):
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(rival)), 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_the_creator_cannot_withdraw_a_providers_bid(client, auction, make_bid, provider, customer, bearer):
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(customer)), 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_a_withdrawn_bid_cannot_be_withdrawn_again(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)
    headers = bearer(provider)
    client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers), 409, "CONFLICT")
    assert db_state(auction.id) == before


def test_a_bid_cannot_be_withdrawn_once_the_auction_closed(client, auction, make_bid, provider, customer, bearer):
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider)), 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


def test_withdrawing_an_unknown_bid_is_404(client, auction, provider, bearer):
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/424242", headers=bearer(provider)), 404, "NOT_FOUND")
    assert db_state(auction.id) == before


def test_a_bid_is_withdrawn_only_through_its_own_auction(client, make_auction, make_bid, provider, bearer):
    auction, other = make_auction(), make_auction()
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(other)}/{bid.id}", headers=bearer(provider)), 404, "NOT_FOUND")
    assert db_state(auction.id) == before


# --------------------------------------------------------------------------- anti-sniping


def test_a_bid_in_the_final_window_moves_the_deadline_to_now_plus_the_window(auction, make_bid, provider, clock):
    original = auction.deadline
    clock(-60)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original + timedelta(seconds=60)


def test_the_extension_is_announced_with_the_new_deadline(client, auction, provider, bearer, clock):
    headers = bearer(provider)
    new_deadline = auction.deadline + timedelta(seconds=90)
    clock(-30)

    response = client.post(bid_url(auction), json=offer(1500), headers=headers)

    db.session.commit()  # a fresh snapshot
    extended = db.session.scalars(select(AuctionEvent).where(AuctionEvent.type == "auction_extended")).one()
    assert fresh(Auction, auction.id).deadline == new_deadline
    assert response.get_json()["auction"]["deadline"] == extended.payload["deadline"]
    assert (
        extended.payload["deadline"]
        == new_deadline.strftime("%Y-%m-%dT%H:%M:%S.") + f"{new_deadline.microsecond // 1000:03d}Z"
    )


def test_the_live_bid_event_carries_the_extended_deadline(auction, make_bid, provider, clock, monkeypatch):
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(realtime, "publish", lambda event, payload, room: sent.append((event, payload)))
    new_deadline = to_jsonable(auction.deadline + timedelta(seconds=60))
    clock(-60)

    make_bid(provider, auction, 1500)

    frames = {event: to_jsonable(payload) for event, payload in sent}
    assert frames["bid_placed"]["deadline"] == new_deadline
    assert frames["auction_updated"]["auction"]["deadline"] == new_deadline


def test_a_rejected_bid_publishes_nothing(client, auction, make_bid, provider, rival, bearer, monkeypatch):
    make_bid(provider, auction, 1500)
    sent: list[str] = []
    monkeypatch.setattr(realtime, "publish", lambda event, payload, room: sent.append(event))

    client.post(bid_url(auction), json=offer(1500), headers=bearer(rival))

    assert sent == []


def test_a_bid_before_the_final_window_moves_nothing(auction, make_bid, provider, clock):
    original = auction.deadline
    clock(-121)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original


def test_extensions_stop_at_the_scheduled_deadline_plus_the_maximum(
    app, auction, make_bid, provider, rival, time_machine
):
    app.config["SNIPE_MAX_EXTENSION_SECONDS"] = 300
    cap = auction.scheduled_deadline + timedelta(seconds=300)
    amount, bidders = 1900, [provider, rival]
    for turn in range(10):
        current = fresh(Auction, auction.id).deadline
        time_machine.move_to(current - timedelta(seconds=1), tick=False)
        make_bid(bidders[turn % 2], auction, amount - turn * 10)

    assert fresh(Auction, auction.id).deadline == cap


def test_a_small_maximum_caps_the_very_first_extension(app, auction, make_bid, provider, clock):
    app.config["SNIPE_MAX_EXTENSION_SECONDS"] = 30
    clock(-60)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == auction.scheduled_deadline + timedelta(seconds=30)


def test_a_window_of_zero_turns_anti_sniping_off(app, auction, make_bid, provider, clock):
    app.config["SNIPE_WINDOW_SECONDS"] = 0
    original = auction.deadline
    clock(-1)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original


def test_a_rejected_bid_in_the_final_window_moves_nothing(client, auction, make_bid, provider, rival, bearer, clock):
    headers = bearer(rival)
    make_bid(provider, auction, 1500)
    original = fresh(Auction, auction.id).deadline
    clock(-10)
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=headers), 409, "BID_TOO_HIGH")
    assert fresh(Auction, auction.id).deadline == original
    assert db_state(auction.id) == before


# --------------------------------------------------------------------------- closing


def test_closing_accepts_the_lowest_active_bid_and_rejects_the_rest(auction, make_bid, provider, rival, clock):
    first = make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)
    clock(0)

    assert services.close_if_expired(auction.id) is True

    closed = fresh(Auction, auction.id)
    assert closed.status == "completed" and closed.winning_bid_id == lowest.id
    assert fresh(Bid, lowest.id).status == "accepted"
    assert fresh(Bid, first.id).status == "rejected"


def test_closing_skips_a_withdrawn_lowest_bid(auction, make_bid, provider, rival, clock):
    first = make_bid(provider, auction, 1500)
    withdrawn = make_bid(rival, auction, 1400)
    services.withdraw_bid(rival, auction.id, withdrawn.id)
    clock(0)

    services.close_if_expired(auction.id)

    assert fresh(Auction, auction.id).winning_bid_id == first.id
    assert fresh(Bid, withdrawn.id).status == "withdrawn"


def test_closing_without_bids_expires_the_auction(auction, clock):
    clock(0)

    assert services.close_if_expired(auction.id) is True
    assert fresh(Auction, auction.id).status == "expired"
    assert fresh(Auction, auction.id).winning_bid_id is None


def test_closing_with_only_withdrawn_bids_expires_the_auction(auction, make_bid, provider, clock):
    bid = make_bid(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, bid.id)
    clock(0)

    services.close_if_expired(auction.id)

    assert fresh(Auction, auction.id).status == "expired"


def test_an_auction_before_its_deadline_is_not_closed(auction, clock):
    clock(-0.001)

    assert services.close_if_expired(auction.id) is False
    assert fresh(Auction, auction.id).status == "active"


def test_closing_happens_exactly_once(auction, make_bid, provider, clock):
    make_bid(provider, auction, 1500)
    clock(1)

    results = [services.close_if_expired(auction.id), services.close_if_expired(auction.id)]

    assert results == [True, False]
    assert count(AuctionEvent, AuctionEvent.type == "auction_closed") == 1
    assert count(Notification, Notification.type == "auction_won") == 1
    assert count(Notification, Notification.type == "auction_closed") == 1


def test_flask_close_expired_closes_due_auctions_once(runner, make_auction, make_bid, provider, time_machine):
    now = utcnow()
    due_with_bid = make_auction(deadline=now + timedelta(hours=1))
    due_empty = make_auction(deadline=now + timedelta(hours=2))
    later = make_auction(deadline=now + timedelta(days=2))
    make_bid(provider, due_with_bid, 1500)
    time_machine.move_to(now + timedelta(hours=3), tick=False)

    first = runner.invoke(args=["close-expired"])
    second = runner.invoke(args=["close-expired"])

    assert first.exit_code == 0, first.output
    assert "Closed 2 auctions." in first.output
    assert "Closed 0 auctions." in second.output
    assert fresh(Auction, due_with_bid.id).status == "completed"
    assert fresh(Auction, due_empty.id).status == "expired"
    assert fresh(Auction, later.id).status == "active"
    assert count(AuctionEvent, AuctionEvent.type == "auction_closed") == 2


# --------------------------------------------------------------------------- Idempotency-Key


def test_a_retried_bid_returns_the_first_answer_and_creates_nothing(client, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "bid-7f3a"}

    first = client.post(bid_url(auction), json=offer(1500), headers=headers)
    before = db_state(auction.id)
    retry = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_data() == first.get_data()
    assert db_state(auction.id) == before


def test_a_retry_after_the_auction_closed_still_gets_the_first_answer(client, auction, provider, bearer, clock):
    clock(-3600)
    headers = {**bearer(provider), "Idempotency-Key": "bid-late-retry"}
    first = client.post(bid_url(auction), json=offer(1500), headers=headers)
    clock(1)
    services.close_if_expired(auction.id)

    retry = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert retry.status_code == 201
    assert retry.get_data() == first.get_data()
    assert count(Bid) == 1


def test_a_key_reused_for_a_different_bid_is_a_conflict(client, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "bid-7f3a"}
    client.post(bid_url(auction), json=offer(1500), headers=headers)
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1400), headers=headers)

    assert_error(response, 409, "CONFLICT")
    assert db_state(auction.id) == before


def test_one_key_used_by_two_users_is_two_requests(client, auction, provider, rival, bearer):
    client.post(bid_url(auction), json=offer(1500), headers={**bearer(provider), "Idempotency-Key": "k1"})

    response = client.post(bid_url(auction), json=offer(1400), headers={**bearer(rival), "Idempotency-Key": "k1"})

    assert response.status_code == 201, response.get_json()
    assert count(Bid) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey"])
def test_a_malformed_idempotency_key_is_refused(client, auction, provider, bearer, key):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1500), headers={**bearer(provider), "Idempotency-Key": key})

    assert "Idempotency-Key" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_two_racing_posts_with_one_key_create_one_bid(app, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "double-tap"}
    url = bid_url(auction)
    barrier = threading.Barrier(2)
    responses: list[Any] = [None, None]

    def post(slot: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[slot] = client.post(url, json=offer(1500), headers=headers)

    threads = [threading.Thread(target=post, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    assert responses[0].get_data() == responses[1].get_data()
    assert count(Bid) == 1
    assert count(IdempotencyRecord) == 1


def test_two_racing_auction_posts_with_one_key_create_one_auction(app, customer, bearer):
    from helpers import auction_payload

    headers = {**bearer(customer), "Idempotency-Key": "double-tap"}
    body = auction_payload()
    barrier = threading.Barrier(2)
    responses: list[Any] = [None, None]

    def post(slot: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[slot] = client.post("/api/auctions", json=body, headers=headers)

    threads = [threading.Thread(target=post, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    assert responses[0].get_data() == responses[1].get_data()
    assert count(Auction) == 1
