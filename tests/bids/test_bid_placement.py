"""Placing a bid: who may bid, until when, how low, how it is validated, and how money and
time are rendered. Every refusal also proves the database did not change."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from helpers import assert_error, bid_url, count, fresh, offer, recorded_statements
from helpers import bidding_state as db_state

from bidbazaar import services
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def verification_required(config):
    config.REQUIRE_PROVIDER_VERIFICATION = True


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


def test_a_bid_reads_its_recipients_sockets_in_one_query_and_no_log_entry_back(auction, provider, rival, make_bid):
    make_bid(rival, auction, 1900)
    with recorded_statements() as statements:
        make_bid(provider, auction, 1800)  # notifies the customer and the outbid rival
    assert sum("FROM auth_tokens" in sql for sql in statements) == 1
    assert not [sql for sql in statements if "FROM auction_events" in sql]
