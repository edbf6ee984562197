"""One-click unsubscribe (RFC 8058): the mail provider's POST turns the type off with no
cookie and no CSRF token, a GET only explains, and a forged or tampered token is a 400."""

from __future__ import annotations

import pytest
from helpers import db_state, html, log_in
from itsdangerous import URLSafeSerializer
from notify_mail_helpers import modes_of, outbox, preferences, tell

from bidbazaar import services
from bidbazaar.services.email_preferences import unsubscribe_token

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def path(user_id: int, scope: str) -> str:
    return f"/email/unsubscribe?token={unsubscribe_token(user_id, scope)}"


@pytest.fixture
def mail_client(app):
    """What a mail provider sends with: no cookies at all."""
    return app.test_client(use_cookies=False)


def test_the_one_click_post_turns_the_type_off_without_cookie_or_csrf(mail_client, seller):
    response = mail_client.post(path(seller.id, "outbid"), data=ONE_CLICK)

    assert response.status_code == 200
    assert "no longer get" in html(response) and "You were outbid" in html(response)
    assert modes_of(seller)["outbid"] == "off"
    assert preferences() == [(seller.id, "outbid", "off")]


def test_the_one_click_post_works_from_a_logged_in_browser_without_a_csrf_token(client, seller, other_seller):
    log_in(client, other_seller)  # a session cookie of someone else: the token alone decides

    response = client.post(path(seller.id, "outbid"), data=ONE_CLICK)

    assert response.status_code == 200
    assert preferences() == [(seller.id, "outbid", "off")]


def test_unsubscribing_twice_is_fine_and_changes_nothing_more(mail_client, seller):
    mail_client.post(path(seller.id, "outbid"), data=ONE_CLICK)
    before = db_state()

    response = mail_client.post(path(seller.id, "outbid"), data=ONE_CLICK)

    assert response.status_code == 200
    assert db_state() == before


def test_the_get_explains_and_offers_the_button_but_changes_nothing(mail_client, seller):
    before = db_state()

    response = mail_client.get(path(seller.id, "outbid"))

    assert response.status_code == 200
    page = html(response)
    assert 'id="unsubscribe-form"' in page and "/settings/email" in page
    assert f'action="{path(seller.id, "outbid")}"' in page
    assert db_state() == before


def test_the_pages_button_posts_to_the_same_link(mail_client, seller):
    page = html(mail_client.get(path(seller.id, "new_bid")))
    assert "Unsubscribe</button>" in page

    response = mail_client.post(path(seller.id, "new_bid"), data=ONE_CLICK)

    assert response.status_code == 200 and modes_of(seller)["new_bid"] == "off"


def test_the_digest_scope_turns_off_every_type_the_user_gets_by_digest(mail_client, seller):
    services.set_preferences(seller, {"outbid": "digest", "job_alert": "off"})
    digest_types = [t for t, mode in modes_of(seller).items() if mode == "digest"]
    assert "outbid" in digest_types and "new_bid" in digest_types

    response = mail_client.post(path(seller.id, "digest"), data=ONE_CLICK)

    assert response.status_code == 200 and "daily digest" in html(response)
    after = modes_of(seller)
    assert all(after[t] == "off" for t in digest_types)
    assert after["auction_won"] == "instant"  # instant types keep coming


def test_unsubscribing_suppresses_that_types_waiting_emails(mail_client, make_auction, buyer, seller):
    auction = make_auction(buyer)
    tell(seller, "outbid", auction, "You were outbid.")
    tell(seller, "auction_lost", auction, "It went to another provider.")  # held for the digest
    assert [row[1] for row in outbox()] == ["pending", "held"]

    mail_client.post(path(seller.id, "outbid"), data=ONE_CLICK)
    mail_client.post(path(seller.id, "digest"), data=ONE_CLICK)

    assert [row[1] for row in outbox()] == ["suppressed", "suppressed"]


def test_unsubscribing_one_user_leaves_another_users_emails_alone(
    mail_client, make_auction, buyer, seller, other_seller
):
    auction = make_auction(buyer)
    tell(other_seller, "outbid", auction, "You were outbid.")

    mail_client.post(path(seller.id, "outbid"), data=ONE_CLICK)

    assert outbox() == [("notification", "pending", other_seller.id, "outbid")]
    assert modes_of(other_seller)["outbid"] == "instant"


def forged(app, payload, secret="not-the-secret-key", salt="bidbazaar-unsubscribe"):
    """A token signed with another key or salt, or a genuine signature over a bad payload."""
    return URLSafeSerializer(secret, salt=salt).dumps(payload)


@pytest.mark.parametrize(
    "token",
    [
        lambda app, user: forged(app, [user.id, "outbid"]),
        lambda app, user: forged(app, [user.id, "outbid"], secret=app.config["SECRET_KEY"], salt="other-salt"),
        lambda app, user: unsubscribe_token(user.id, "outbid")[:-2] + "xx",
        lambda app, user: unsubscribe_token(user.id, "outbid").replace("Wz", "Wy", 1),
        lambda app, user: forged(app, [user.id, "no_such_type"], secret=app.config["SECRET_KEY"]),
        lambda app, user: forged(app, {"user": user.id}, secret=app.config["SECRET_KEY"]),
        lambda app, user: "",
        lambda app, user: "x" * 5000,
    ],
    ids=["other-key", "other-salt", "tampered-signature", "tampered-payload", "unknown-scope", "wrong-shape",
         "empty", "huge"],
)  # fmt: skip
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_or_tampered_token_is_a_400_and_changes_nothing(app, mail_client, seller, token, method):
    before = db_state()

    response = mail_client.open(f"/email/unsubscribe?token={token(app, seller)}", method=method, data=ONE_CLICK)

    assert response.status_code == 400
    assert "not valid" in html(response)
    assert db_state() == before


def test_a_genuine_token_of_a_user_that_does_not_exist_is_a_400(app, mail_client):
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="bidbazaar-unsubscribe").dumps([9999, "outbid"])
    before = db_state()

    response = mail_client.post(f"/email/unsubscribe?token={token}", data=ONE_CLICK)

    assert response.status_code == 400
    assert db_state() == before


def test_a_missing_token_is_a_400(mail_client):
    assert mail_client.get("/email/unsubscribe").status_code == 400
    assert mail_client.post("/email/unsubscribe", data=ONE_CLICK).status_code == 400
