"""The pages: "Forgot password?" on the login page, the forgot/reset flow end to end with
the link from the composed email, a reset or verify link's GET changes nothing (mail
scanners prefetch links), and the profile's unverified notice with its resend button."""

from __future__ import annotations

from account_mail_helpers import NEW_PASSWORD, latest, link_in, outbox
from helpers import PASSWORD, count, csrf_token, fresh, html, log_in

from bidbazaar.email_accounts import RESET_REQUESTED
from bidbazaar.extensions import db
from bidbazaar.mail_models import AccountToken, MailKind, MailStatus
from bidbazaar.models import User


def path_of(link: str) -> str:
    return link.removeprefix("http://localhost:5050")


def ask_on_the_page(client, address):
    token = csrf_token(client, "/forgot-password")
    return client.post("/forgot-password", data={"csrf_token": token, "email": address}, follow_redirects=True)


def unused_tokens() -> int:
    return count(AccountToken, AccountToken.used_at.is_(None))


def test_the_login_page_links_to_forgot_password(client):
    assert 'href="/forgot-password">Forgot password?</a>' in html(client.get("/login"))


def test_forgot_password_then_reset_through_the_pages(client, customer):
    page = ask_on_the_page(client, customer.email)
    assert RESET_REQUESTED.replace("'", "&#39;") in html(page)
    reset_path = path_of(link_in(latest(MailKind.PASSWORD_RESET)))
    form = client.get(reset_path)
    assert form.status_code == 200 and "Choose a new password" in html(form)
    token = reset_path.split("token=", 1)[1]
    data = {"csrf_token": csrf_token(client, reset_path), "token": token,
            "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}  # fmt: skip
    done = client.post("/reset-password", data=data)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Password changed; log in with the new one." in html(client.get("/login"))
    login = client.post("/api/auth/login", json={"username": customer.username, "password": NEW_PASSWORD})
    assert login.status_code == 200


def test_an_unknown_address_on_the_page_gets_the_same_message(client):
    page = ask_on_the_page(client, "nobody@example.com")
    assert RESET_REQUESTED.replace("'", "&#39;") in html(page)
    assert [row.status for row in outbox(MailKind.PASSWORD_RESET)] == [MailStatus.SUPPRESSED]


def test_opening_a_reset_link_does_not_use_it(client, customer):
    ask_on_the_page(client, customer.email)
    reset_path = path_of(link_in(latest(MailKind.PASSWORD_RESET)))
    before = unused_tokens()
    assert client.get(reset_path).status_code == 200
    assert client.get(reset_path).status_code == 200
    assert unused_tokens() == before


def test_a_used_reset_link_shows_the_invalid_link_message_and_changes_nothing(client, customer):
    ask_on_the_page(client, customer.email)
    reset_path = path_of(link_in(latest(MailKind.PASSWORD_RESET)))
    token = reset_path.split("token=", 1)[1]
    data = {"csrf_token": csrf_token(client, reset_path), "token": token,
            "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}  # fmt: skip
    client.post("/reset-password", data=data)
    again = client.post("/reset-password", data={**data, "new_password": "other-password-1",
                                                 "confirm_password": "other-password-1"})  # fmt: skip
    assert again.status_code == 400 and "This link is invalid or has expired" in html(again)
    assert (
        client.post("/api/auth/login", json={"username": customer.username, "password": NEW_PASSWORD}).status_code
        == 200
    )


def test_mismatched_passwords_are_refused_without_using_the_link(client, customer):
    ask_on_the_page(client, customer.email)
    reset_path = path_of(link_in(latest(MailKind.PASSWORD_RESET)))
    token = reset_path.split("token=", 1)[1]
    before = unused_tokens()
    data = {"csrf_token": csrf_token(client, reset_path), "token": token,
            "new_password": NEW_PASSWORD, "confirm_password": "something-else"}  # fmt: skip
    response = client.post("/reset-password", data=data)
    assert response.status_code == 400 and "Passwords do not match." in html(response)
    assert unused_tokens() == before


def test_opening_a_verification_link_does_not_verify(client, customer):
    client.post("/api/auth/register", json={"username": "priya", "email": "priya@example.com",
                                            "password": "long-enough-1", "is_service_provider": False})  # fmt: skip
    verify_path = path_of(link_in(latest(MailKind.VERIFY_EMAIL)))
    page = client.get(verify_path)
    assert page.status_code == 200 and "Confirm my email" in html(page)
    db.session.commit()
    priya = db.session.scalar(db.select(User).where(User.username == "priya"))
    assert priya.email_verified is False
    token = verify_path.split("token=", 1)[1]
    done = client.post("/verify-email", data={"csrf_token": csrf_token(client, verify_path), "token": token})
    assert done.status_code == 200 and "Email confirmed" in html(done)
    assert fresh(User, priya.id).email_verified is True


def test_a_used_verification_link_says_so_on_the_page(client):
    client.post("/api/auth/register", json={"username": "priya", "email": "priya@example.com",
                                            "password": "long-enough-1", "is_service_provider": False})  # fmt: skip
    verify_path = path_of(link_in(latest(MailKind.VERIFY_EMAIL)))
    data = {"csrf_token": csrf_token(client, verify_path), "token": verify_path.split("token=", 1)[1]}
    client.post("/verify-email", data=data)
    again = client.post("/verify-email", data=data)
    assert again.status_code == 400 and "This link is invalid or has expired" in html(again)


def test_the_profile_of_an_unverified_user_offers_a_new_link(client, customer):
    log_in(client, customer)
    page = html(client.get("/profile"))
    assert "Email not verified" in page and 'action="/verify-email/resend"' in page
    assert 'href="/settings/email">Email preferences</a>' in page
    response = client.post("/verify-email/resend", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    (row,) = outbox(MailKind.VERIFY_EMAIL)
    assert row.to_address == customer.email
    assert "We&#39;ve sent a new link" in html(client.get("/profile"))


def test_the_profile_of_a_verified_user_shows_no_notice(client, make_user):
    log_in(client, make_user("asha", email_verified=True))
    assert "Email not verified" not in html(client.get("/profile"))


def test_the_forgot_password_form_needs_its_csrf_token(client, customer):
    response = client.post("/forgot-password", data={"email": customer.email})
    assert response.status_code == 400
    assert outbox() == []


def test_the_login_still_works_with_the_old_password_after_only_asking(client, customer):
    ask_on_the_page(client, customer.email)
    assert client.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}).status_code == 200
