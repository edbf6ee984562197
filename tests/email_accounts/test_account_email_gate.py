"""REQUIRE_EMAIL_VERIFICATION: an unproved address may not post a job or bid on one, through
any door (REST, Socket.IO, the page forms, a proxy floor); the refusal changes nothing.
Off (the default), nothing is gated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from helpers import ack, assert_error, auction_payload, bid_url, count, db_state, html, log_in, offer

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, Bid, User, utcnow

MESSAGE = "Confirm your email address first"


@pytest.fixture
def gated(config):
    config.REQUIRE_EMAIL_VERIFICATION = True
    return config


@pytest.fixture
def job(gated, make_user):
    """An open auction by a customer who proved the address."""
    owner = make_user("owner", email_verified=True)
    data = {
        "title": "Fix kitchen sink leak",
        "description": "Kitchen sink leaks under the cabinet; need a plumber this week.",
        "category_id": auction_payload()["category_id"],
        "location": "Mumbai, Maharashtra",
        "budget_min": Decimal("1000"),
        "budget_max": Decimal("2000"),
        "deadline": utcnow() + timedelta(days=1),
    }
    return db.session.get(Auction, services.create_auction(owner, data).auction_id)


@pytest.fixture
def unproved(make_user) -> User:
    return make_user("ravi", provider=True)


def test_an_unverified_customer_cannot_post_a_job_over_rest(gated, api, customer):
    api.login(customer)
    before = db_state()
    body = assert_error(api("post", "/api/auctions", customer, json=auction_payload()), 403, "EMAIL_NOT_VERIFIED")
    assert body["error"] == MESSAGE and "email" in body["details"]
    assert db_state() == before


def test_a_verified_customer_posts_a_job_with_the_gate_on(gated, api, make_user):
    verified = make_user("asha", email_verified=True)
    assert api("post", "/api/auctions", verified, json=auction_payload()).status_code == 201


def test_an_unverified_provider_cannot_bid_over_rest(job, api, unproved):
    api.login(unproved)
    before = db_state()
    assert_error(api("post", bid_url(job), unproved, json=offer(1500)), 403, "EMAIL_NOT_VERIFIED")
    assert db_state() == before


def test_a_verified_provider_bids_with_the_gate_on(job, api, make_user):
    bidder = make_user("meena", provider=True, email_verified=True)
    assert api("post", bid_url(job), bidder, json=offer(1500)).status_code == 201


def test_an_unverified_provider_cannot_bid_over_the_socket(job, socket_client, unproved):
    sock = socket_client(unproved)
    answer = ack(sock, "place_bid", {"auction_id": job.id, "amount": 1500, "description": "Two hours"})
    assert answer["ok"] is False and answer["code"] == "EMAIL_NOT_VERIFIED", answer
    assert count(Bid) == 0


def test_an_unverified_provider_cannot_set_a_proxy_floor(job, api, unproved):
    api.login(unproved)
    before = db_state()
    response = api("put", f"/api/auctions/{job.id}/proxy", unproved, json={"floor": 1200, "description": "Tools"})
    assert_error(response, 403, "EMAIL_NOT_VERIFIED")
    assert db_state() == before


def test_a_proxy_whose_owner_is_no_longer_verified_places_no_auto_bid(job, make_user):
    owner = make_user("meena", provider=True, email_verified=True)
    rival = make_user("kiran", provider=True, email_verified=True)
    services.set_proxy(owner, job.id, {"floor": Decimal("1000"), "description": "Tools"})
    owner.email_verified = False  # as after an email change
    db.session.commit()
    auto_bids = count(Bid)
    services.place_bid(rival, job.id, {"amount": Decimal("1400"), "description": "Two hours"})
    assert count(Bid) == auto_bids + 1  # the rival's bid only: nobody undercut it


def test_the_new_job_form_refuses_an_unverified_customer(gated, client, customer):
    token = log_in(client, customer)
    local = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE)
    data = {**auction_payload(), "deadline": local.strftime("%Y-%m-%dT%H:%M"), "csrf_token": token}
    response = client.post("/auctions/new", data=data)
    assert MESSAGE in html(response)  # flashed over the form, as the page shows any refusal with no field
    assert count(Auction) == 0


def test_the_bid_form_refuses_an_unverified_provider(job, client, unproved):
    token = log_in(client, unproved)
    data = {"csrf_token": token, "amount": "1500", "description": "Two hours"}
    response = client.post(f"/auctions/{job.id}/bids", data=data)
    assert response.status_code == 400 and MESSAGE in html(response)
    assert count(Bid) == 0


def test_without_the_setting_an_unverified_user_posts_and_bids(api, customer, provider):
    posted = api("post", "/api/auctions", customer, json=auction_payload())
    assert posted.status_code == 201
    auction_id = posted.get_json()["auction"]["id"]
    assert api("post", f"/api/auctions/{auction_id}/bids", provider, json=offer(1500)).status_code == 201
