"""The server-rendered pages and the admin console through Flask's test client: access
control, CSRF on every form, each admin action's effect in the database, and the page
forms running the same rules as the API."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers import PASSWORD, category_id, count, csrf_token, html, log_in
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, AuthToken, Bid, Category, Notification, User, utcnow


def post(client: Any, path: str, token: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": token, **data})


def fresh(model: Any, ident: int) -> Any:
    db.session.commit()
    return db.session.get(model, ident, populate_existing=True)


def latest(stmt: Any) -> Any:
    """One row, read in a fresh transaction (the server side committed in its own)."""
    db.session.commit()
    return db.session.scalar(stmt)


def flashed(client: Any, path: str) -> str:
    return html(client.get(path))


@pytest.fixture
def admin_token(client: Any, admin: User) -> str:
    return log_in(client, admin)


# --------------------------------------------------------------------------- access control


ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/auctions", "/admin/auctions/closing-unbid", "/admin/categories"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_non_admins_get_403(client: Any, customer: User, path: str) -> None:
    log_in(client, customer)
    assert client.get(path).status_code == 403


def test_non_admin_posts_to_admin_actions_get_403_and_change_nothing(
    client: Any, customer: User, provider: User, auction: Auction
) -> None:
    token = log_in(client, customer)
    assert post(client, f"/admin/users/{provider.id}/deactivate", token).status_code == 403
    assert post(client, f"/admin/users/{provider.id}/verify", token).status_code == 403
    assert post(client, "/admin/categories", token, name="Gardening").status_code == 403
    assert fresh(User, provider.id).is_active and not fresh(User, provider.id).provider_verified
    assert count(Category, Category.name == "Gardening") == 0


POST_FORM = re.compile(r'<form method="post".*?</form>', re.DOTALL)


def assert_every_post_form_has_a_token(body: str, path: str) -> None:
    forms = POST_FORM.findall(body)
    assert forms, path  # at least the header's logout form
    assert all('name="csrf_token"' in form for form in forms), path


def test_admin_pages_render_with_charts_and_without_inline_style_or_script(
    client: Any, admin_token: str, auction: Auction, provider: User, make_bid: Any
) -> None:
    make_bid(provider, auction, 1500)
    for path in [*ADMIN_PAGES, f"/admin/auctions/{auction.id}", f"/admin/categories/{auction.category_id}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = html(response)
        assert " style=" not in body, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert_every_post_form_has_a_token(body, path)
    dashboard = html(client.get("/admin/"))
    assert 'id="bids-per-day"' in dashboard and 'id="auctions-by-status"' in dashboard
    bids_chart = re.search(r'<svg [^>]*id="bids-per-day".*?</svg>', dashboard, re.DOTALL)
    assert bids_chart and bids_chart.group(0).count('<rect class="bar') == 30  # one bar per day
    assert dashboard.count('data-value="1"><title>') >= 1  # today's bid, and the one active auction
    detail = html(client.get(f"/admin/auctions/{auction.id}"))
    assert 'id="bid-amounts"' in detail and "<circle" in detail


# --------------------------------------------------------------------------- CSRF


def test_a_form_post_without_a_csrf_token_is_refused(client: Any, admin: User, provider: User) -> None:
    log_in(client, admin)
    response = client.post(f"/admin/users/{provider.id}/deactivate")
    assert response.status_code == 400
    assert fresh(User, provider.id).is_active
    response = client.post(f"/admin/users/{provider.id}/deactivate", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert fresh(User, provider.id).is_active


def test_register_without_a_csrf_token_creates_nobody(client: Any) -> None:
    data = {"username": "nobody", "email": "n@example.com", "password": "longpassword", "confirm_password": "x"}
    assert client.post("/register", data=data).status_code == 400
    assert count(User, User.username == "nobody") == 0


# --------------------------------------------------------------------------- admin: users


def test_admin_verifies_and_unverifies_a_provider(client: Any, admin_token: str, provider: User) -> None:
    response = post(client, f"/admin/users/{provider.id}/verify", admin_token)
    assert response.status_code == 302
    assert fresh(User, provider.id).provider_verified
    assert "is now a verified provider" in flashed(client, "/admin/users")
    post(client, f"/admin/users/{provider.id}/unverify", admin_token)
    assert not fresh(User, provider.id).provider_verified


def test_a_customer_cannot_be_verified(client: Any, admin_token: str, customer: User) -> None:
    post(client, f"/admin/users/{customer.id}/verify", admin_token)
    assert not fresh(User, customer.id).provider_verified
    assert "Only service providers can be verified" in flashed(client, "/admin/users")


def test_deactivation_ends_the_users_sessions_at_once(app: Any, client: Any, admin_token: str, provider: User) -> None:
    victim = app.test_client()
    log_in(victim, provider)
    assert 'id="current-user"' in html(victim.get("/"))

    post(client, f"/admin/users/{provider.id}/deactivate", admin_token)

    assert not fresh(User, provider.id).is_active
    assert count(AuthToken, AuthToken.user_id == provider.id, AuthToken.revoked_at.is_(None)) == 0
    page = html(victim.get("/"))
    assert 'id="current-user"' not in page and 'id="login-link"' in page
    assert victim.get("/notifications").status_code == 302  # login required again

    post(client, f"/admin/users/{provider.id}/reactivate", admin_token)
    assert fresh(User, provider.id).is_active


def test_an_admin_cannot_deactivate_itself(client: Any, admin: User, admin_token: str) -> None:
    post(client, f"/admin/users/{admin.id}/deactivate", admin_token)
    assert fresh(User, admin.id).is_active
    assert "cannot deactivate your own account" in flashed(client, "/admin/users")


def test_user_search(client: Any, admin_token: str, customer: User, provider: User) -> None:
    body = html(client.get("/admin/users?q=RAV"))
    assert 'data-username="ravi"' in body and 'data-username="asha"' not in body
    assert client.get("/admin/users?q=" + "x" * 200).status_code == 200  # a bad search is a message, not a 500


# --------------------------------------------------------------------------- admin: auctions


def test_admin_filters_auctions_by_status_and_category(
    client: Any, admin_token: str, make_auction: Any, customer: User
) -> None:
    plumbing = make_auction(title="Fix the bathroom tap")
    cleaning = make_auction(title="Deep clean a 2BHK", category_id=category_id("Cleaning"))
    from bidbazaar.services import cancel_auction

    cancel_auction(customer, cleaning.id)
    body = html(client.get("/admin/auctions?status=cancelled"))
    assert f'data-auction-id="{cleaning.id}"' in body and f'data-auction-id="{plumbing.id}"' not in body
    body = html(client.get(f"/admin/auctions?category={category_id('Plumbing')}"))
    assert f'data-auction-id="{plumbing.id}"' in body and f'data-auction-id="{cleaning.id}"' not in body


def test_admin_cancels_an_auction(
    client: Any, admin_token: str, auction: Auction, provider: User, make_bid: Any
) -> None:
    make_bid(provider, auction, 1500)
    response = post(client, f"/admin/auctions/{auction.id}/cancel", admin_token, reason="Duplicate job.")
    assert response.status_code == 302
    assert fresh(Auction, auction.id).status == "cancelled"
    assert count(Notification, Notification.user_id == provider.id, Notification.type == "auction_cancelled") == 1
    assert "was cancelled" in flashed(client, f"/admin/auctions/{auction.id}")


# --------------------------------------------------------------------------- admin: categories


def test_admin_creates_renames_moves_and_deletes_a_category(client: Any, admin_token: str) -> None:
    response = post(client, "/admin/categories", admin_token, name="Gardening", parent_id="", description="")
    assert response.status_code == 302
    garden = latest(select(Category).where(Category.name == "Gardening"))
    assert garden is not None and garden.parent_id is None

    home = category_id("Home Repair")
    post(client, f"/admin/categories/{garden.id}", admin_token, name="Garden care", parent_id=str(home))
    garden = fresh(Category, garden.id)
    assert (garden.name, garden.parent_id) == ("Garden care", home)

    post(client, f"/admin/categories/{garden.id}/delete", admin_token)
    assert fresh(Category, garden.id) is None


def test_a_category_cannot_move_under_itself(client: Any, admin_token: str) -> None:
    home = category_id("Home Repair")
    response = post(
        client, f"/admin/categories/{home}", admin_token, name="Home Repair", parent_id=category_id("Plumbing")
    )
    assert response.status_code == 400
    assert "cannot move under itself" in html(response)
    assert fresh(Category, home).parent_id is None


def test_deleting_a_category_in_use_is_refused_with_a_message(client: Any, admin_token: str, auction: Auction) -> None:
    used = auction.category_id
    response = post(client, f"/admin/categories/{used}/delete", admin_token)
    assert response.status_code == 302
    assert fresh(Category, used) is not None
    assert "Plumbing is used by 1 auction," in flashed(client, "/admin/categories")
    parent = category_id("Home Repair")  # has subcategories
    post(client, f"/admin/categories/{parent}/delete", admin_token)
    assert fresh(Category, parent) is not None


def test_a_category_form_error_stands_next_to_its_field(client: Any, admin_token: str) -> None:
    response = post(client, "/admin/categories", admin_token, name="", parent_id="")
    assert response.status_code == 400
    assert 'id="name-error"' in html(response)
    response = post(client, "/admin/categories", admin_token, name="plumbing", parent_id=category_id("Home Repair"))
    assert response.status_code == 400
    assert 'id="name-error">Already used here.' in html(response)
    assert count(Category, Category.name == "plumbing") == 0


# --------------------------------------------------------------------------- pages for everyone


def test_register_then_log_in_through_the_forms(client: Any) -> None:
    token = csrf_token(client, "/register")
    data = {"username": "kavya", "email": "kavya@example.com", "password": "longpassword", "is_service_provider": "y"}
    response = post(client, "/register", token, **data, confirm_password="different")
    assert response.status_code == 400
    assert 'id="confirm_password-error"' in html(response) and "Passwords do not match" in html(response)
    assert count(User, User.username == "kavya") == 0

    response = post(client, "/register", token, **data, confirm_password="longpassword")
    assert response.status_code == 302 and response.headers["Location"] == "/"  # registered is signed in
    user = latest(select(User).where(User.username == "kavya"))
    assert user.is_service_provider
    post(client, "/logout", csrf_token(client, "/"))

    response = post(client, "/register", csrf_token(client, "/register"), **data, confirm_password="longpassword")
    assert response.status_code == 400 and "Already taken." in html(response)

    token = csrf_token(client, "/login")
    response = post(client, "/login", token, username="KAVYA@example.com", password="longpassword")
    assert response.status_code == 302
    assert 'id="current-user">kavya<' in html(client.get("/"))


def test_wrong_password_is_shown_next_to_the_field(client: Any, customer: User) -> None:
    token = csrf_token(client, "/login")
    response = post(client, "/login", token, username=customer.username, password="wrong-password")
    assert response.status_code == 400
    assert 'id="password-error"' in html(response)


def test_login_redirects_only_to_local_paths(client: Any, customer: User) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": token, "username": customer.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_home_page_statistics(
    client: Any, make_auction: Any, provider: User, rival: User, customer: User, make_bid: Any
) -> None:
    from bidbazaar.services import award_auction

    done = make_auction(budget_max=Decimal("2000"))
    make_bid(provider, done, 1800)
    winner = make_bid(rival, done, "1499.50")
    award_auction(customer, done.id, winner.id)
    make_auction(title="Paint the living room")
    body = html(client.get("/"))
    assert 'id="stat-active">1<' in body
    assert 'id="stat-providers">2<' in body
    assert 'id="stat-bids">2<' in body
    assert 'id="stat-savings">₹500.50<' in body
    assert "Paint the living room" in body


def test_create_an_auction_through_the_form(client: Any, customer: User) -> None:
    token = log_in(client, customer)
    assert client.get("/auctions/new").status_code == 200
    data = {
        "title": "Fix the geyser",
        "description": "The bathroom geyser trips the breaker; need an electrician.",
        "category_id": str(category_id("Electrical")),
        "location": "Pune, Maharashtra",
        "budget_min": "500",
        "budget_max": "400",
        "deadline": "2020-01-01T10:00",
    }
    response = post(client, "/auctions/new", token, **data)
    assert response.status_code == 400
    assert 'id="budget_max-error"' in html(response)
    assert count(Auction) == 0

    response = post(client, "/auctions/new", token, **{**data, "budget_max": "900"})
    assert response.status_code == 400
    assert 'id="deadline-error"' in html(response) and "Must be in the future" in html(response)

    local = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE)
    response = post(
        client, "/auctions/new", token, **{**data, "budget_max": "900", "deadline": local.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    created = latest(select(Auction))
    assert response.headers["Location"] == f"/auctions/{created.id}"
    # The datetime-local value was read as India time (UTC+05:30) and stored as UTC.
    assert created.deadline == local.replace(second=0, microsecond=0)
    assert created.requirements is None


def test_bid_award_and_withdraw_through_the_auction_page(
    app: Any, client: Any, auction: Auction, customer: User, provider: User, rival: User
) -> None:
    bidder = app.test_client()
    token = log_in(bidder, provider)
    assert 'id="bid-form"' in html(bidder.get(f"/auctions/{auction.id}"))

    response = post(bidder, f"/auctions/{auction.id}/bids", token, amount="2500", description="Full fix")
    assert response.status_code == 400
    assert 'id="amount-error"' in html(response) and "at most" in html(response)

    response = post(bidder, f"/auctions/{auction.id}/bids", token, amount="1500", description="Full fix")
    assert response.status_code == 302
    bid = latest(select(Bid).where(Bid.user_id == provider.id))
    assert bid.amount == Decimal("1500.00") and bid.notes is None

    other = app.test_client()
    other_token = log_in(other, rival)
    post(other, f"/auctions/{auction.id}/bids", other_token, amount="1400", description="Cheaper")
    post(other, f"/auctions/{auction.id}/bids/{bid.id}/withdraw", other_token)  # not theirs
    assert fresh(Bid, bid.id).status == "active"
    post(bidder, f"/auctions/{auction.id}/bids/{bid.id}/withdraw", token)
    assert fresh(Bid, bid.id).status == "withdrawn"

    owner_token = log_in(client, customer)
    page = html(client.get(f"/auctions/{auction.id}"))
    assert "Award this bid" in page and "meena" in page  # the creator sees every bid in full
    rival_bid = latest(select(Bid).where(Bid.user_id == rival.id))
    response = post(client, f"/auctions/{auction.id}/award", owner_token, bid_id=str(rival_bid.id))
    assert response.status_code == 302
    assert fresh(Auction, auction.id).status == "completed"
    assert fresh(Auction, auction.id).winning_bid_id == rival_bid.id


def test_watchers_see_bidders_only_as_bidder_n(client: Any, auction: Auction, provider: User, make_bid: Any) -> None:
    make_bid(provider, auction, 1500, notes="secret notes")
    page = html(client.get(f"/auctions/{auction.id}"))
    assert "Bidder 1" in page
    assert provider.username not in page and "secret notes" not in page
    assert 'data-last-seq="2"' in page


def test_notifications_page_lists_and_marks_read(
    client: Any, auction: Auction, customer: User, provider: User, make_bid: Any
) -> None:
    make_bid(provider, auction, 1500)
    token = log_in(client, customer)
    body = html(client.get("/"))
    assert 'data-count="1"' in body
    page = html(client.get("/notifications"))
    assert "New bid of ₹1,500 on" in page and 'class="notification unread"' in page
    post(client, "/notifications/read", token, all="true")
    assert count(Notification, Notification.user_id == customer.id, Notification.read_at.is_(None)) == 0
    assert 'data-count="0"' in html(client.get("/"))


def test_search_page_filters_and_reports_bad_input(client: Any, make_auction: Any) -> None:
    make_auction(title="Fix the bathroom tap")
    make_auction(title="Deep clean a 2BHK", category_id=category_id("Cleaning"))
    body = html(client.get("/auctions?q=tap"))
    assert "Fix the bathroom tap" in body and "Deep clean" not in body
    body = html(client.get(f"/auctions?category={category_id('Cleaning')}"))
    assert "Deep clean" in body and "bathroom tap" not in body
    response = client.get("/auctions?sort=nonsense&min_budget=abc")
    assert response.status_code == 200
    assert 'id="sort-error"' in html(response) and 'id="min_budget-error"' in html(response)


def test_profile_page_changes_email_and_password(client: Any, customer: User) -> None:
    token = log_in(client, customer)
    response = post(client, "/profile", token, email="asha.new@example.com", new_password="another-password")
    assert response.status_code == 400 and 'id="new_password-error"' in html(response)
    response = post(
        client,
        "/profile",
        token,
        email="asha.new@example.com",
        current_password=PASSWORD,
        new_password="another-password",
    )
    assert response.status_code == 302
    assert fresh(User, customer.id).email == "asha.new@example.com"
    assert 'id="current-user"' in html(client.get("/"))  # this browser stays logged in


def test_every_public_page_is_free_of_inline_style_and_script(
    client: Any, customer: User, auction: Auction, provider: User, make_bid: Any
) -> None:
    make_bid(provider, auction, 1500)
    paths = ["/", "/login", "/register", "/auctions", f"/auctions/{auction.id}"]
    for path in paths:
        body = html(client.get(path))
        assert " style=" not in body, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert "http://" not in body and "https://" not in body, path  # no CDN
    log_in(client, customer)
    for path in [*paths, "/auctions/new", "/notifications", "/profile"]:
        body = html(client.get(path))
        assert " style=" not in body, path
        assert_every_post_form_has_a_token(body, path)
        assert 'src="/static/' in body, path
