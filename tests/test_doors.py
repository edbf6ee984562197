"""doors.py and the rules every door shares: one idempotency-key rule for the REST header
and the socket's client_bid_id, form values from the form's own fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bidbazaar import doors, forms
from bidbazaar.extensions import db
from bidbazaar.models import Bid

NS = "/auctions"


def bids() -> int:
    """Bids in the database now, read in a fresh transaction."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Bid))


@pytest.fixture
def bidder_socket(socket_client: Any, provider: Any) -> Any:
    return socket_client(provider)


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


# --------------------------------------------------------------------------- one bid budget, three doors


@pytest.fixture
def limited(config: Any, request: pytest.FixtureRequest) -> Any:
    """The app with limits on (the suite runs with them off), three bids a minute: set before
    it is built, as an app built with limits off has no rate-limit hooks to switch on."""
    config.RATELIMIT_ENABLED = True
    config.BID_RATE_LIMIT = "3 per minute"
    app = request.getfixturevalue("app")
    assert app.config["RATELIMIT_ENABLED"], "request `limited` before anything that builds the app"
    return app


def rest_bid(client: Any, auction: Any, headers: dict[str, str], amount: int) -> Any:
    body = {"amount": amount, "description": "Can start tomorrow."}
    return client.post(f"/api/auctions/{auction.id}/bids", json=body, headers=headers)


def form_bid(client: Any, auction: Any, csrf: str, amount: int) -> Any:
    body = {"amount": str(amount), "description": "Can start tomorrow.", "csrf_token": csrf}
    return client.post(f"/auctions/{auction.id}/bids", data=body)


def test_rest_form_and_socket_bids_spend_one_budget(
    limited: Any, client: Any, auction: Any, provider: Any, bearer: Any, session_login: Any, bidder_socket: Any
) -> None:
    csrf = session_login(provider)["X-CSRFToken"]  # `client` now holds the provider's page session
    api = limited.test_client()

    assert rest_bid(api, auction, bearer(provider), 1900).status_code == 201
    assert form_bid(client, auction, csrf, 1800).status_code == 400  # ALREADY_LOWEST, beside the field
    assert socket_bid(bidder_socket, auction.id, amount=1700)["code"] == "ALREADY_LOWEST"

    refused_page = form_bid(client, auction, csrf, 1600)
    refused_socket = socket_bid(bidder_socket, auction.id, amount=1600)
    refused_rest = rest_bid(api, auction, bearer(provider), 1600)

    assert refused_page.status_code == 429 and int(refused_page.headers["Retry-After"]) >= 1
    assert "Too many requests; retry later." in refused_page.get_data(as_text=True)
    assert refused_socket["code"] == "RATE_LIMITED" and refused_socket["details"]["limit"] == "3 per 1 minute"
    assert refused_rest.status_code == 429 and refused_rest.get_json()["details"]["limit"] == "3 per 1 minute"
    assert bids() == 1


def test_bids_do_not_spend_the_per_address_default_limit(
    limited: Any, client: Any, auction: Any, provider: Any, bearer: Any
) -> None:
    limited.config["DEFAULT_RATE_LIMIT"] = "1 per minute"
    headers = bearer(provider)

    statuses = [rest_bid(client, auction, headers, 1900).status_code for _ in range(3)]

    assert statuses == [201, 409, 409]


# --------------------------------------------------------------------------- form values


@pytest.mark.parametrize(
    ("form_class", "fields"),
    [
        (forms.BidForm, ["amount", "confirm_low", "description", "estimated_duration", "notes"]),
        (forms.ProfileForm, ["email", "phone", "is_service_provider", "current_password", "new_password"]),
        (forms.CategoryPageForm, ["name", "description", "parent_id"]),
        (
            forms.AuctionPageForm,
            [
                "title",
                "description",
                "category_id",
                "location",
                "budget_min",
                "budget_max",
                "deadline",
                "requirements",
            ],
        ),
    ],
)
def test_form_values_are_the_forms_own_fields_without_its_csrf_token(app: Any, form_class: Any, fields: Any) -> None:
    with app.test_request_context("/", method="POST", data={}):
        form = form_class()
        assert form.meta.csrf_field_name in form, "the app's page forms carry a CSRF token"
        values = doors.form_values(form)

    assert sorted(values) == sorted(fields)


def test_an_empty_optional_box_is_not_given(app: Any) -> None:
    body = {"amount": "1500", "description": "Two cleaners", "estimated_duration": "", "notes": ""}
    with app.test_request_context("/", method="POST", data=body):
        values = doors.form_values(forms.BidForm())

    assert values == {
        "amount": Decimal("1500.00"),
        "confirm_low": False,
        "description": "Two cleaners",
        "estimated_duration": None,
        "notes": None,
    }
