"""Issue 11's trust edges owned by auth: redirect targets (4), public fields that move on a
bid (6), the Authorization header over a stray cookie (10), and the token a browser login
used to leave behind. The shared failure budget (8) is in test_rate_limits.py."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import PASSWORD, assert_error, auction_payload, bearer_of, count, csrf, login
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidbazaar.models import Auction, AuthToken, User

EVIL_TARGETS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\nSet-Cookie: x=1",
    "/\x00/evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "///evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


def page_csrf(client: Any, path: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def form_login(client: Any, user: User, **kwargs: Any) -> Any:
    token = page_csrf(client, "/login")
    return client.post("/login", data={"csrf_token": token, "username": user.username, "password": PASSWORD}, **kwargs)


def as_a_browser_reads_it(location: str) -> str:
    """WHATWG URL parsing: strip C0 controls and spaces at the ends, drop every tab and
    newline, and read a backslash as a slash (http(s) URLs)."""
    stripped = location.strip("".join(chr(c) for c in range(0x21)))
    return re.sub(r"[\t\n\r]", "", stripped).replace("\\", "/")


# =========================================================================== 4. redirect targets


@pytest.mark.parametrize("target", EVIL_TARGETS, ids=repr)
def test_a_login_form_sends_any_target_that_is_not_a_plain_same_site_path_home(client, customer, target):
    response = form_login(client, customer, query_string={"next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_login_form_keeps_a_plain_same_site_target(client, customer):
    response = form_login(client, customer, query_string={"next": "/auctions/7?page=2"})

    assert response.headers["Location"] == "/auctions/7?page=2"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/\r\n/evil.example"], ids=repr)
def test_an_admin_action_sends_an_unsafe_next_home(app, admin, provider, target):
    client, body = login(app, admin)

    response = client.post(
        f"/admin/users/{provider.id}/verify", data={"csrf_token": body["csrf_token"], "next": target}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


#: Pieces browsers treat specially, glued in any order, then any text at all.
PIECES = st.sampled_from(
    [
        "/",
        "//",
        "\\",
        "\t",
        "\n",
        "\r",
        "\x00",
        " ",
        "\x0b",
        "\x7f",
        "\u3000",
        "%09",
        "%2F",
        ":",
        "@",
        "?",
        "#",
        "javascript:",
        "http:",
        "evil.example",
        ".",
    ]
)
TARGETS = st.builds(lambda parts, tail: "".join(parts) + tail, st.lists(PIECES, max_size=6), st.text(max_size=8))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=TARGETS)
def test_every_redirect_target_is_the_target_itself_or_home_and_stays_on_this_site(app, target):
    from bidbazaar import doors

    with app.test_request_context("/login"):
        chosen = doors.safe_next(target)

    assert chosen in (target, "/")
    seen = urlsplit(as_a_browser_reads_it(chosen))
    assert seen.scheme == "" and seen.netloc == "", repr(chosen)
    assert seen.path.startswith("/") and not seen.path.startswith("//"), repr(chosen)
    assert not set(chosen) & set("\r\n\x00"), repr(chosen)


# =========================================================================== 6. public fields and bids


def test_a_public_profile_does_not_change_when_the_user_bids(client, provider, auction, make_bid):
    before = client.get(f"/api/users/{provider.id}").get_json()

    make_bid(provider, auction, 1500)

    assert client.get(f"/api/users/{provider.id}").get_json() == before


def test_a_public_profile_shows_no_bid_count(client, provider):
    assert "bid_count" not in client.get(f"/api/users/{provider.id}").get_json()["user"]


def test_the_openapi_public_profile_has_no_bid_count(client):
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["PublicProfile"]

    assert "bid_count" not in schema["properties"]


# =========================================================================== 10. Authorization over cookies


def test_a_bearer_token_wins_over_another_users_session_cookie(app, customer, provider):
    client, _ = login(app, customer)
    _, theirs = login(app, provider)

    response = client.get("/api/users/profile", headers=bearer_of(theirs))

    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == provider.username


def test_a_garbage_bearer_token_with_a_session_cookie_is_401(app, customer):
    client, _ = login(app, customer)

    response = client.get("/api/users/profile", headers={"Authorization": "Bearer garbage"})

    assert_error(response, 401, "AUTH_REQUIRED")


@pytest.mark.parametrize("header", ["Basic YXNoYTpwYXNzd29yZDEyMw==", "Bearer", "garbage", ""])
def test_another_scheme_or_a_malformed_authorization_with_a_session_cookie_is_401(app, customer, header):
    client, _ = login(app, customer)

    response = client.get("/api/users/profile", headers={"Authorization": header})

    assert_error(response, 401, "AUTH_REQUIRED")


def test_a_bearer_write_with_a_stray_session_cookie_needs_no_csrf_token(app, customer):
    client, body = login(app, customer)

    response = client.post("/api/auctions", json=auction_payload(), headers=bearer_of(body))

    assert response.status_code == 201, response.get_json()
    assert count(Auction) == 1


def test_a_bearer_write_with_the_anonymous_csrf_cookie_needs_no_csrf_token(app, customer, bearer):
    client = app.test_client()
    client.get("/api/auth/csrf")  # sets an anonymous session cookie
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None

    response = client.post("/api/auctions", json=auction_payload(), headers=bearer(customer))

    assert response.status_code == 201, response.get_json()


def test_a_garbage_bearer_write_with_a_session_cookie_and_csrf_token_is_401_and_changes_nothing(app, customer):
    client, body = login(app, customer)

    response = client.post(
        "/api/auctions", json=auction_payload(), headers={"Authorization": "Bearer garbage", **csrf(body)}
    )

    assert_error(response, 401, "AUTH_REQUIRED")
    assert count(Auction) == 0


def test_a_bearer_logout_with_a_stray_cookie_ends_the_token_not_the_cookie_session(app, customer):
    client, _ = login(app, customer)
    _, other = login(app, customer)

    response = client.post("/api/auth/logout", headers=bearer_of(other))

    assert response.status_code == 200
    assert_error(app.test_client().get("/api/users/profile", headers=bearer_of(other)), 401, "AUTH_REQUIRED")
    assert client.get("/api/users/profile").status_code == 200


# =========================================================================== the browser login's token


def api_tokens_alive(user: User) -> int:
    return count(
        AuthToken, AuthToken.user_id == user.id, AuthToken.kind == AuthToken.API, AuthToken.revoked_at.is_(None)
    )


def test_the_login_form_mints_no_api_token(client, customer):
    assert form_login(client, customer).status_code == 302

    assert count(AuthToken, AuthToken.kind == AuthToken.API) == 0


def test_a_password_change_through_the_profile_form_mints_no_api_token(client, customer):
    form_login(client, customer)

    response = client.post(
        "/profile",
        data={
            "csrf_token": page_csrf(client, "/profile"),
            "email": customer.email,
            "current_password": PASSWORD,
            "new_password": "a-much-better-passphrase",
        },
    )

    assert response.status_code == 302
    assert count(AuthToken, AuthToken.kind == AuthToken.API) == 0


def test_a_cookie_logout_also_revokes_the_token_the_same_login_minted(app, customer):
    client, body = login(app, customer)

    assert client.post("/api/auth/logout", headers=csrf(body)).status_code == 200

    assert_error(app.test_client().get("/api/users/profile", headers=bearer_of(body)), 401, "AUTH_REQUIRED")


def test_a_cookie_logout_leaves_the_users_other_tokens_alone(app, customer):
    client, body = login(app, customer)
    _, other = login(app, customer)

    client.post("/api/auth/logout", headers=csrf(body))

    assert app.test_client().get("/api/users/profile", headers=bearer_of(other)).status_code == 200


def test_logging_in_again_over_a_live_session_keeps_the_earlier_logins_token(app, customer, provider):
    """A cookie-keeping client (requests.Session) collecting tokens for several users."""
    client, first = login(app, customer)

    client.post("/api/auth/login", json={"username": provider.username, "password": PASSWORD})

    assert app.test_client().get("/api/users/profile", headers=bearer_of(first)).status_code == 200
    assert api_tokens_alive(customer) == 1
