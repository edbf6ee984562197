"""Signing in and out without losing work: a bid posted after the session ended elsewhere
comes back with what was typed and a login link to the auction page; a deactivated
account is told so only after its password checked out; a new user is welcomed."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from helpers import PASSWORD, assert_error, count, csrf_token, html, log_in

from bidbazaar import accounts
from bidbazaar.models import Auction, Bid, User

TYPED = {"amount": "1750", "description": "Replace the trap and reseal", "notes": "Can come on Sunday"}


def login_link(page: str) -> tuple[str, list[str]]:
    """The signed-out page's login link: its path and its `next` values."""
    match = re.search(r'id="login-to-bid" href="([^"]+)"', page)
    assert match, "no login link"
    url = urlsplit(unescape(match.group(1)))
    return url.path, parse_qs(url.query).get("next", [])


@pytest.fixture
def signed_out_elsewhere(client: Any, provider: User, auction: Auction) -> str:
    """The provider had the auction page open; its session was then ended in another tab
    (a logout there clears the shared cookie). Returns the page's now-dead CSRF token."""
    log_in(client, provider)
    token = csrf_token(client, f"/auctions/{auction.id}")
    client.post("/logout", data={"csrf_token": token})
    return token


@pytest.fixture
def revoked_elsewhere(app: Any, client: Any, provider: User, auction: Auction) -> str:
    """As above, but the session was revoked server-side (a password change elsewhere):
    the cookie and its CSRF token survive, the credential does not."""
    log_in(client, provider)
    token = csrf_token(client, f"/auctions/{auction.id}")
    accounts.revoke_all_credentials(provider)
    return token


# --------------------------------------------------------------------------- the bid survives a lost session


@pytest.mark.parametrize("ended", ["signed_out_elsewhere", "revoked_elsewhere"])
def test_a_bid_posted_after_the_session_ended_comes_back_with_what_was_typed(
    request: Any, client: Any, auction: Auction, ended: str
) -> None:
    token = request.getfixturevalue(ended)

    response = client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": token, **TYPED})

    page = html(response)
    assert response.status_code == 401
    assert 'value="1750"' in page
    assert "Replace the trap and reseal" in page and "Can come on Sunday" in page
    assert count(Bid) == 0


def test_the_signed_out_bid_page_links_to_login_returning_to_the_auction_page(
    client: Any, auction: Auction, signed_out_elsewhere: str
) -> None:
    response = client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": signed_out_elsewhere, **TYPED})

    assert login_link(html(response)) == ("/login", [f"/auctions/{auction.id}"])  # never the POST-only bid URL


def test_logging_in_from_the_signed_out_bid_page_lands_on_the_auction(
    client: Any, provider: User, auction: Auction, signed_out_elsewhere: str
) -> None:
    client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": signed_out_elsewhere, **TYPED})
    next_path = f"/auctions/{auction.id}"

    response = client.post(
        f"/login?next={quote(next_path, safe='')}",
        data={"csrf_token": csrf_token(client, "/login"), "username": provider.username, "password": PASSWORD},
    )

    assert response.status_code == 302 and response.headers["Location"] == next_path


def test_a_signed_in_bid_without_a_valid_csrf_token_is_still_refused(
    client: Any, provider: User, auction: Auction
) -> None:
    log_in(client, provider)

    response = client.post(f"/auctions/{auction.id}/bids", data={"csrf_token": "forged", **TYPED})

    assert response.status_code == 400 and "Form expired" in html(response)
    assert count(Bid) == 0


def test_the_bid_api_still_answers_401_auth_required_to_nobody(api: Any, auction: Auction) -> None:
    response = api("POST", f"/api/auctions/{auction.id}/bids", json={"amount": 1750, "description": "Fix"})

    assert_error(response, 401, "AUTH_REQUIRED")


# --------------------------------------------------------------------------- deactivated accounts


@pytest.fixture
def deactivated(make_user: Any) -> User:
    return make_user("gone", active=False)


def test_the_right_password_to_a_deactivated_account_is_told_so_by_the_api(client: Any, deactivated: User) -> None:
    response = client.post("/api/auth/login", json={"username": "gone", "password": PASSWORD})

    body = assert_error(response, 403, "ACCOUNT_DEACTIVATED")
    assert body["error"] == "This account has been deactivated"


def test_a_wrong_password_to_a_deactivated_account_learns_nothing_from_the_api(client: Any, deactivated: User) -> None:
    response = client.post("/api/auth/login", json={"username": "gone", "password": "wrong-password"})

    assert_error(response, 401, "INVALID_CREDENTIALS")


def test_the_right_password_to_a_deactivated_account_is_told_so_on_the_login_page(
    client: Any, deactivated: User
) -> None:
    data = {"csrf_token": csrf_token(client, "/login"), "username": "gone", "password": PASSWORD}

    response = client.post("/login", data=data)

    assert response.status_code == 403 and "This account has been deactivated" in html(response)


def test_a_wrong_password_to_a_deactivated_account_learns_nothing_on_the_login_page(
    client: Any, deactivated: User
) -> None:
    data = {"csrf_token": csrf_token(client, "/login"), "username": "gone", "password": "wrong-password"}

    response = client.post("/login", data=data)

    assert response.status_code == 400
    assert "Invalid username or password" in html(response) and "deactivated" not in html(response)


# --------------------------------------------------------------------------- welcome, and welcome back


def test_registering_signs_the_new_user_in_and_welcomes_them(client: Any) -> None:
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": "kavya",
        "email": "kavya@example.com",
        "password": "longpassword",
        "confirm_password": "longpassword",
    }

    response = client.post("/register", data=data, follow_redirects=True)

    page = html(response)
    assert "Welcome to Bid Bazaar, kavya." in page and "Welcome back" not in page
    assert 'id="current-user">kavya<' in page


def test_logging_in_welcomes_the_user_back(client: Any, customer: User) -> None:
    data = {"csrf_token": csrf_token(client, "/login"), "username": customer.username, "password": PASSWORD}

    response = client.post("/login", data=data, follow_redirects=True)

    assert f"Welcome back, {customer.username}." in html(response)
