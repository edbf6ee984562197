"""Setting, changing and cancelling a floor through the service and its doors (REST, the
socket): bids at once when not leading, refused when too high, a low floor confirmed once,
withdrawal cancels it; every refusal leaves the database as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import ack, assert_error
from proxy_helpers import TEXT, amounts, bid_rows, floor_of, lowest, manual, state

from bidbazaar import services
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.provider_models import ProxyBid
from bidbazaar.values import utcnow


def proxy_row(user, auction) -> ProxyBid | None:
    db.session.commit()
    return db.session.query(ProxyBid).filter_by(user_id=user.id, auction_id=auction.id).one_or_none()


def test_a_floor_with_no_bids_yet_bids_the_budget_max_at_once(auction, provider):
    result = floor_of(provider, auction, 1500)
    assert result.bid["amount"] == 2000 and result.bid["auto"] is True
    assert result.proxy == {
        "auction_id": auction.id, "floor": 1500, "active": True, "set_at": result.proxy["set_at"], "cancelled_at": None,
    }  # fmt: skip
    assert result.auction["lowest_bid"] == 2000


def test_a_floor_while_not_leading_undercuts_the_lowest_at_once(auction, provider, rival):
    manual(rival, auction, 1800)
    result = floor_of(provider, auction, 1500)
    assert result.bid["amount"] == 1799
    assert bid_rows(auction) == amounts((1800, False, rival), (1799, True, provider))


def test_a_floor_while_leading_places_no_bid(auction, provider):
    manual(provider, auction, 1800)
    result = floor_of(provider, auction, 1500)
    assert result.bid is None
    assert bid_rows(auction) == amounts((1800, False, provider))


def test_a_floor_above_what_could_be_bid_now_is_refused_and_nothing_changes(auction, provider, rival):
    manual(rival, auction, 1800)
    before = state()
    with pytest.raises(DomainError) as refused:
        floor_of(provider, auction, 1800)
    assert refused.value.code == "BID_TOO_HIGH"
    assert refused.value.details == {"floor": 1800, "max_allowed": 1799}
    assert state() == before


def test_a_leaders_floor_above_its_own_bid_is_refused(auction, provider):
    manual(provider, auction, 1800)
    before = state()
    with pytest.raises(DomainError) as refused:
        floor_of(provider, auction, "1800.01")
    assert refused.value.details == {"floor": 1800.01, "max_allowed": 1800}
    assert state() == before


def test_a_first_floor_without_bid_text_is_a_validation_error(auction, provider):
    before = state()
    with pytest.raises(DomainError) as refused:
        services.set_proxy(provider, auction.id, {"floor": Decimal(1500)})
    assert refused.value.code == "VALIDATION_ERROR" and "description" in refused.value.details
    assert state() == before


def test_without_bid_text_the_latest_bids_text_is_copied(auction, provider, rival):
    manual(provider, auction, 1900, notes="weekends too")
    manual(rival, auction, 1800)
    services.set_proxy(provider, auction.id, {"floor": Decimal(1500)})
    row = proxy_row(provider, auction)
    assert (row.description, row.notes) == (TEXT["description"], "weekends too")


def test_a_low_floor_needs_confirm_low_once(auction, provider):
    before = state()
    with pytest.raises(DomainError) as refused:
        floor_of(provider, auction, 400)
    assert refused.value.code == "CONFIRM_LOW_BID"
    assert refused.value.details == {"amount": 400, "reference": 1000, "ratio": 0.5}
    assert state() == before
    floor_of(provider, auction, 400, confirm_low=True)
    assert proxy_row(provider, auction).floor == 400


def test_auto_bids_down_to_a_confirmed_low_floor_need_no_confirmation(auction, provider, rival):
    floor_of(provider, auction, 400, confirm_low=True)
    manual(rival, auction, 500)
    assert bid_rows(auction)[-1] == amounts((499, True, provider))[0]  # below 0.5 x budget_min, no 409


def test_changing_the_floor_lower_or_higher_moves_set_at_and_keeps_one_row(auction, provider, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    first = floor_of(provider, auction, 1500).proxy["set_at"]
    time_machine.shift(60)
    lower = floor_of(provider, auction, 1400).proxy
    time_machine.shift(60)
    higher = floor_of(provider, auction, 1600).proxy
    assert first < lower["set_at"] < higher["set_at"]
    assert higher["floor"] == 1600
    assert db.session.query(ProxyBid).count() == 1


def test_cancel_keeps_the_bids_and_stops_the_proxy(auction, provider, rival):
    floor_of(provider, auction, 1500)
    services.cancel_proxy(provider, auction.id)
    assert proxy_row(provider, auction).cancelled_at is not None
    manual(rival, auction, 1900)
    assert lowest(auction) == 1900
    assert bid_rows(auction)[0] == amounts((2000, True, provider))[0]


def test_cancelling_without_an_active_proxy_is_not_found(auction, provider):
    with pytest.raises(DomainError) as refused:
        services.cancel_proxy(provider, auction.id)
    assert refused.value.code == "NOT_FOUND"


def test_a_cancelled_proxy_can_be_set_again(auction, provider, rival):
    floor_of(provider, auction, 1500)
    services.cancel_proxy(provider, auction.id)
    manual(rival, auction, 1900)
    result = floor_of(provider, auction, 1500)
    assert result.proxy["active"] is True and result.bid["amount"] == 1899


def test_withdrawing_a_bid_cancels_the_bidders_proxy(auction, provider):
    placed = floor_of(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, placed.bid["id"])
    assert proxy_row(provider, auction).cancelled_at is not None


def test_deactivation_cancels_the_proxy_with_the_withdrawn_bids(auction, provider):
    from bidbazaar import accounts

    floor_of(provider, auction, 1500)
    accounts.set_active(provider, False)
    assert proxy_row(provider, auction).cancelled_at is not None


def test_the_creator_cannot_set_a_proxy(auction, customer):
    customer.is_service_provider = True
    db.session.commit()
    before = state()
    with pytest.raises(DomainError) as refused:
        floor_of(customer, auction, 1500)
    assert refused.value.code == "SELF_BID"
    assert state() == before


def test_a_proxy_on_a_closed_auction_is_refused(auction, provider, time_machine):
    time_machine.move_to(auction.deadline, tick=False)
    with pytest.raises(DomainError) as refused:
        floor_of(provider, auction, 1500)
    assert refused.value.code == "AUCTION_CLOSED"


# --------------------------------------------------------------------------- REST


def test_put_sets_the_floor_and_answers_the_owner_view_the_auto_bid_and_standing(client, auction, provider, bearer):
    response = client.put(f"/api/auctions/{auction.id}/proxy", json={"floor": 1500, **TEXT}, headers=bearer(provider))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"message", "proxy", "bid", "auction"}
    assert body["proxy"]["floor"] == 1500 and body["bid"]["auto"] is True
    assert body["auction"]["lowest_bid"] == 2000


def test_get_shows_the_owner_its_proxy_and_404_without_one(client, auction, provider, rival, bearer):
    floor_of(provider, auction, 1500)
    mine = client.get(f"/api/auctions/{auction.id}/proxy", headers=bearer(provider))
    assert mine.status_code == 200 and mine.get_json()["proxy"]["floor"] == 1500
    assert_error(client.get(f"/api/auctions/{auction.id}/proxy", headers=bearer(rival)), 404, "NOT_FOUND")


def test_delete_cancels_with_204_then_404(client, auction, provider, bearer):
    floor_of(provider, auction, 1500)
    assert client.delete(f"/api/auctions/{auction.id}/proxy", headers=bearer(provider)).status_code == 204
    assert_error(client.delete(f"/api/auctions/{auction.id}/proxy", headers=bearer(provider)), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"floor": "1500", **TEXT},
        {"floor": 1500, "confirm_low": "true", **TEXT},
        {"floor": 0, **TEXT},
        {"floor": 1500, "user_id": 1, **TEXT},
        {**TEXT},
    ],
)
def test_put_with_bad_input_is_a_validation_error_and_changes_nothing(client, auction, provider, bearer, body):
    before = state()
    assert_error(
        client.put(f"/api/auctions/{auction.id}/proxy", json=body, headers=bearer(provider)), 400, "VALIDATION_ERROR"
    )
    assert state() == before


def test_put_low_floor_is_409_confirm_low_bid_over_rest(client, auction, provider, bearer):
    headers = bearer(provider)
    before = state()
    body = assert_error(
        client.put(f"/api/auctions/{auction.id}/proxy", json={"floor": 300, **TEXT}, headers=headers),
        409, "CONFIRM_LOW_BID",
    )  # fmt: skip
    assert body["details"] == {"amount": 300, "reference": 1000, "ratio": 0.5}
    assert state() == before


def test_put_anonymously_is_401(client, auction):
    assert_error(client.put(f"/api/auctions/{auction.id}/proxy", json={"floor": 1500, **TEXT}), 401, "AUTH_REQUIRED")


# --------------------------------------------------------------------------- Socket.IO


def test_socket_set_proxy_and_cancel_proxy_mirror_rest(socket_client, auction, provider):
    sock = socket_client(provider)
    answer = ack(sock, "set_proxy", {"auction_id": auction.id, "floor": 1500, **TEXT})
    assert answer["ok"] is True and answer["proxy"]["floor"] == 1500 and answer["bid"]["amount"] == 2000
    assert ack(sock, "cancel_proxy", {"auction_id": auction.id}) == {"ok": True}
    refused = ack(sock, "cancel_proxy", {"auction_id": auction.id})
    assert refused["ok"] is False and refused["code"] == "NOT_FOUND"


def test_socket_set_proxy_refuses_a_string_confirm_low(socket_client, auction, provider):
    sock = socket_client(provider)
    before = state()
    answer = ack(sock, "set_proxy", {"auction_id": auction.id, "floor": 300, "confirm_low": "true", **TEXT})
    assert answer["code"] == "VALIDATION_ERROR"
    assert state() == before


def test_socket_set_proxy_anonymously_is_refused(socket_client, auction):
    answer = ack(socket_client(), "set_proxy", {"auction_id": auction.id, "floor": 1500, **TEXT})
    assert answer["code"] == "AUTH_REQUIRED"
