"""Messages people read: money in ₹ with Indian grouping (details stay machine-readable),
and every problem of a form in one answer, on the pages and on the API alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import ack, assert_error, auction_payload, html, log_in

from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, User, utcnow


def page_auction_form(**overrides: Any) -> dict[str, Any]:
    """A valid /auctions/new form (India-time deadline), with overrides."""
    body = auction_payload()
    body["deadline"] = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M")
    body.update(overrides)
    return body


def past_deadline() -> str:
    return (utcnow() - timedelta(days=1)).astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M")


# --------------------------------------------------------------------------- money in ₹


def test_a_too_high_bid_names_its_limit_in_rupees_and_keeps_the_number_in_details(
    api: Any, provider: User, auction: Auction
) -> None:
    response = api("POST", f"/api/auctions/{auction.id}/bids", provider, json={"amount": 2500, "description": "Fix"})

    body = assert_error(response, 409, "BID_TOO_HIGH")
    assert body["error"] == "Bid must be at most ₹2,000"
    assert body["details"]["max_allowed"] == 2000


def test_a_too_high_bid_on_the_page_reads_in_rupees(client: Any, provider: User, auction: Auction) -> None:
    token = log_in(client, provider)

    response = client.post(
        f"/auctions/{auction.id}/bids", data={"csrf_token": token, "amount": "2500", "description": "Fix it"}
    )

    assert response.status_code == 400
    assert "Bid must be at most ₹2,000" in html(response)


def test_a_too_high_proxy_floor_names_its_limit_in_rupees(api: Any, provider: User, auction: Auction) -> None:
    response = api("PUT", f"/api/auctions/{auction.id}/proxy", provider, json={"floor": 2500, "description": "Fix"})

    body = assert_error(response, 409, "BID_TOO_HIGH")
    assert body["error"] == "The floor must be at most ₹2,000"


def test_an_inverted_budget_names_the_minimum_in_rupees(api: Any, customer: User) -> None:
    response = api("POST", "/api/auctions", customer, json=auction_payload(budget_min=150000, budget_max=1000))

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"]["budget_max"] == "Must be at least the minimum budget (₹1,50,000)."


def test_a_money_field_out_of_range_reads_in_rupees(api: Any, customer: User) -> None:
    response = api("POST", "/api/auctions", customer, json=auction_payload(budget_min=0))

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"]["budget_min"] == "Amount must be between ₹0.01 and ₹9,99,99,999.99."


def test_a_count_out_of_range_still_reads_as_a_number(api: Any, customer: User) -> None:
    response = api("POST", "/api/auctions", customer, json=auction_payload(category_id=0))

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"]["category_id"].startswith("Number must be between 1 and ")


# --------------------------------------------------------------------------- every problem at once


def test_the_api_reports_field_and_rule_problems_of_a_new_auction_together(api: Any, customer: User) -> None:
    past = (utcnow() - timedelta(days=1)).isoformat()
    body = auction_payload(title="", deadline=past, budget_min=3000, budget_max=2000)

    details = assert_error(api("POST", "/api/auctions", customer, json=body), 400, "VALIDATION_ERROR")["details"]

    assert set(details) == {"title", "deadline", "budget_max"}
    assert details["deadline"] == "Must be in the future."


def test_the_api_reports_an_unknown_category_beside_a_missing_field(api: Any, customer: User) -> None:
    body = auction_payload(category_id=999_999)
    del body["location"]

    details = assert_error(api("POST", "/api/auctions", customer, json=body), 400, "VALIDATION_ERROR")["details"]

    assert details == {"location": "This field is required.", "category_id": "Unknown category."}


def test_the_api_reports_an_update_s_problems_together(api: Any, customer: User, auction: Auction) -> None:
    past = (utcnow() - timedelta(hours=1)).isoformat()

    response = api("PUT", f"/api/auctions/{auction.id}", customer, json={"title": "x", "deadline": past})

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"title", "deadline"}


def test_the_api_reports_a_too_high_bid_beside_a_missing_description(
    api: Any, provider: User, auction: Auction
) -> None:
    response = api("POST", f"/api/auctions/{auction.id}/bids", provider, json={"amount": 2500})

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert details == {"description": "This field is required.", "amount": "Bid must be at most ₹2,000"}


def test_the_new_auction_page_shows_field_and_rule_problems_together(client: Any, customer: User) -> None:
    token = log_in(client, customer)
    form = page_auction_form(title="", deadline=past_deadline(), budget_min="3000", budget_max="2000")

    response = client.post("/auctions/new", data={"csrf_token": token, **form})

    page = html(response)
    assert response.status_code == 400
    assert 'id="title-error"' in page
    assert 'id="deadline-error"' in page and "Must be in the future." in page
    assert 'id="budget_max-error"' in page


def test_the_bid_form_shows_a_too_high_amount_beside_a_missing_description(
    client: Any, provider: User, auction: Auction
) -> None:
    token = log_in(client, provider)

    response = client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": token, "amount": "2500"})

    page = html(response)
    assert response.status_code == 400
    assert 'id="description-error"' in page
    assert 'id="amount-error"' in page and "Bid must be at most ₹2,000" in page


def test_the_new_auction_page_still_posts_a_valid_job(client: Any, customer: User) -> None:
    token = log_in(client, customer)

    response = client.post("/auctions/new", data={"csrf_token": token, **page_auction_form()})

    assert response.status_code == 302


def test_the_socket_reports_a_too_high_bid_beside_a_missing_description(
    socket_client: Any, provider: User, auction: Auction
) -> None:
    answer = ack(socket_client(provider), "place_bid", {"auction_id": auction.id, "amount": 2500})

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR"
    assert answer["details"] == {"description": "This field is required.", "amount": "Bid must be at most ₹2,000"}
