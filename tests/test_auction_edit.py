"""/auctions/<id>/edit: the creator's edit page, over the same rules as PUT /api/auctions/<id>
(services.update_auction): every field before the first bid; after it only a later
deadline and the requirements, the other fields shown disabled with why."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from helpers import csrf_token, html, log_in

from bidbazaar.extensions import db
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, AuctionStatus, User


def india_time(value: Any) -> str:
    return value.astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M")


def edit_form(auction: Auction, **changes: Any) -> dict[str, Any]:
    """The edit form as the page sends it back untouched, with `changes`."""
    form = {
        "title": auction.title,
        "description": auction.description,
        "category_id": str(auction.category_id),
        "location": auction.location,
        "budget_min": str(auction.budget_min),
        "budget_max": str(auction.budget_max),
        "deadline": india_time(auction.deadline),
        "requirements": auction.requirements or "",
    }
    form.update(changes)
    return form


def control(page: str, name: str) -> str:
    """The opening tag of the form control with this id."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def stored(auction: Auction) -> Auction:
    db.session.commit()
    return db.session.get(Auction, auction.id, populate_existing=True)


@pytest.fixture
def bid_on(auction: Auction, provider: User, make_bid: Any) -> Auction:
    make_bid(provider, auction, 1800)
    return stored(auction)


def post_edit(client: Any, auction: Auction, **changes: Any) -> Any:
    token = csrf_token(client, f"/auctions/{auction.id}/edit")
    return client.post(f"/auctions/{auction.id}/edit", data={"csrf_token": token, **edit_form(auction, **changes)})


# --------------------------------------------------------------------------- who may edit


def test_the_creator_sees_the_form_filled_in(client: Any, customer: User, auction: Auction) -> None:
    log_in(client, customer)

    response = client.get(f"/auctions/{auction.id}/edit")

    assert response.status_code == 200 and 'value="Fix kitchen sink leak"' in html(response)


def test_another_user_is_refused_as_the_api_refuses(client: Any, rival: User, auction: Auction) -> None:
    log_in(client, rival)

    assert client.get(f"/auctions/{auction.id}/edit").status_code == 403


def test_an_unknown_auction_is_not_found(client: Any, customer: User) -> None:
    log_in(client, customer)

    assert client.get("/auctions/999999/edit").status_code == 404


def test_a_visitor_is_sent_to_log_in(client: Any, auction: Auction) -> None:
    response = client.get(f"/auctions/{auction.id}/edit")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_a_closed_auction_cannot_be_edited(client: Any, customer: User, auction: Auction) -> None:
    auction.status = AuctionStatus.CANCELLED
    db.session.commit()
    log_in(client, customer)

    assert client.get(f"/auctions/{auction.id}/edit").status_code == 409


def test_the_auction_page_links_its_creator_to_the_edit_page(client: Any, customer: User, auction: Auction) -> None:
    log_in(client, customer)

    assert f'href="/auctions/{auction.id}/edit"' in html(client.get(f"/auctions/{auction.id}"))


def test_the_auction_page_offers_no_edit_link_to_others(client: Any, rival: User, auction: Auction) -> None:
    log_in(client, rival)

    assert f'href="/auctions/{auction.id}/edit"' not in html(client.get(f"/auctions/{auction.id}"))


# --------------------------------------------------------------------------- before the first bid


def test_before_the_first_bid_every_field_can_change(client: Any, customer: User, auction: Auction) -> None:
    log_in(client, customer)

    response = post_edit(client, auction, title="Fix bathroom tap", budget_min="500", location="Pune, Maharashtra")

    assert response.status_code == 302 and response.headers["Location"] == f"/auctions/{auction.id}"
    saved = stored(auction)
    assert (saved.title, saved.budget_min, saved.location) == ("Fix bathroom tap", 500, "Pune, Maharashtra")


def test_every_problem_of_an_edit_is_shown_at_once(client: Any, customer: User, auction: Auction) -> None:
    log_in(client, customer)
    past = india_time(auction.deadline - timedelta(days=3))

    response = post_edit(client, auction, title="x", deadline=past, budget_max="500")

    page = html(response)
    assert response.status_code == 400
    assert 'id="title-error"' in page and 'id="deadline-error"' in page and 'id="budget_max-error"' in page
    assert "Must be at least the minimum budget (₹1,000)." in page
    assert stored(auction).title == "Fix kitchen sink leak"


# --------------------------------------------------------------------------- after the first bid


def test_after_the_first_bid_the_other_fields_are_disabled_with_why(
    client: Any, customer: User, bid_on: Auction
) -> None:
    log_in(client, customer)

    page = html(client.get(f"/auctions/{bid_on.id}/edit"))

    assert 'id="locked-note"' in page
    assert all("disabled" in control(page, name) for name in ("title", "category_id", "budget_min", "budget_max"))
    assert not any("disabled" in control(page, name) for name in ("deadline", "requirements"))


def test_after_the_first_bid_a_later_deadline_and_requirements_are_saved(
    client: Any, customer: User, bid_on: Auction
) -> None:
    log_in(client, customer)
    before = bid_on.deadline

    response = post_edit(
        client, bid_on, deadline=india_time(before + timedelta(days=1)), requirements="Bring a spare trap"
    )

    assert response.status_code == 302
    saved = stored(bid_on)
    assert saved.requirements == "Bring a spare trap" and saved.deadline > before


def test_after_the_first_bid_a_locked_field_sent_anyway_is_not_changed(
    client: Any, customer: User, bid_on: Auction
) -> None:
    log_in(client, customer)

    response = post_edit(client, bid_on, title="Something else entirely", requirements="Bring a spare trap")

    assert response.status_code == 302 and stored(bid_on).title == "Fix kitchen sink leak"


def test_after_the_first_bid_an_earlier_deadline_is_refused_under_its_field(
    client: Any, customer: User, bid_on: Auction
) -> None:
    log_in(client, customer)
    earlier = india_time(bid_on.deadline - timedelta(hours=2))

    response = post_edit(client, bid_on, deadline=earlier)

    assert response.status_code == 400
    assert 'id="deadline-error"' in html(response) and "Must be later than the current deadline." in html(response)
    assert stored(bid_on).deadline == bid_on.deadline
