"""doors.py and the rules every door shares: one idempotency-key rule for the REST header
and the socket's client_bid_id, form values from the form's own fields."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bidbazaar import forms
from bidbazaar.extensions import db, socketio
from bidbazaar.models import Bid

NS = "/auctions"


def bids() -> int:
    """Bids in the database now, read in a fresh transaction."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Bid))


@pytest.fixture
def bidder_socket(app: Any, provider: Any, bearer: Any) -> Any:
    token = bearer(provider)["Authorization"].removeprefix("Bearer ")
    with app.app_context():  # a fresh context per connection, as in the server
        sock = socketio.test_client(app, namespace=NS, auth={"token": token})
    yield sock
    if sock.is_connected(NS):
        sock.disconnect(NS)


def socket_bid(sock: Any, auction_id: int, **fields: Any) -> dict[str, Any]:
    frame = {"auction_id": auction_id, "amount": 1500, "description": "Over the socket.", **fields}
    with sock.app.app_context():  # each event gets its own context, as in the server
        return sock.emit("place_bid", frame, namespace=NS, callback=True)


# --------------------------------------------------------------------------- the idempotency key


@pytest.mark.parametrize("key", ["tap-1", "!", "~" * 255, "b-5f2c"])
def test_the_rule_accepts_printable_ascii_keys_of_1_to_255(key: str) -> None:
    assert forms.is_idempotency_key(key)


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey", "line\n", "ключ", "\x7f"])
def test_the_rule_refuses_empty_long_spaced_control_and_non_ascii_keys(key: str) -> None:
    assert not forms.is_idempotency_key(key)


@pytest.mark.parametrize("key", ["x" * 256, "has space", "line\n", "ключ"])
def test_a_socket_client_bid_id_follows_the_header_rule(bidder_socket: Any, auction: Any, key: str) -> None:
    answer = socket_bid(bidder_socket, auction.id, client_bid_id=key)

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR", answer
    assert answer["details"] == {"client_bid_id": forms.IDEMPOTENCY_KEY_MESSAGE}
    assert bids() == 0


def test_an_empty_client_bid_id_still_means_no_key(bidder_socket: Any, auction: Any) -> None:
    first = socket_bid(bidder_socket, auction.id, client_bid_id="")
    resent = socket_bid(bidder_socket, auction.id, client_bid_id="")

    assert first["ok"] is True and first["replayed"] is False
    assert resent["code"] == "ALREADY_LOWEST"  # judged afresh, not replayed
    assert bids() == 1


def test_the_header_refusal_names_the_header_with_the_rules_message(
    client: Any, auction: Any, provider: Any, bearer: Any
) -> None:
    response = client.post(
        f"/api/auctions/{auction.id}/bids",
        json={"amount": 1500, "description": "Can start tomorrow."},
        headers={**bearer(provider), "Idempotency-Key": "has space"},
    )

    assert response.status_code == 400
    assert response.get_json()["details"] == {"Idempotency-Key": forms.IDEMPOTENCY_KEY_MESSAGE}


def test_the_openapi_document_publishes_the_same_rule(client: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    headers = [
        parameter
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("name") == "Idempotency-Key"
    ]

    assert len(headers) == 2  # POST /auctions and POST /auctions/{id}/bids
    assert {h["schema"]["pattern"] for h in headers} == {forms.IDEMPOTENCY_KEY_PATTERN}
