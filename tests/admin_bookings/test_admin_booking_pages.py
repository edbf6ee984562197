"""The admin console's booking pages: who may see them, the bookings list and its filters,
the bookings whose party was deactivated, and the deactivation confirmation's open offers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from admin_helpers import statements
from helpers import html, log_in

from bidbazaar import accounts
from bidbazaar.booking_models import Booking
from bidbazaar.models import User
from bidbazaar.services import deactivation

PAGES = ["/admin/bookings", "/admin/bookings/attention", "/admin/no-shows", "/admin/reviews"]
POST_FORM = re.compile(r'<form method="post".*?</form>', re.DOTALL)


def rows(body: str, table: str) -> list[int]:
    """The booking ids a table shows, in order."""
    section = body.split(f'id="{table}"', 1)[1].split("</table>", 1)[0] if f'id="{table}"' in body else ""
    return [int(i) for i in re.findall(r'data-booking-id="(\d+)"', section)]


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_customers_and_providers_get_403(client: Any, customer: User, provider: User, path: str) -> None:
    log_in(client, customer)
    assert client.get(path).status_code == 403
    log_in(client, provider)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", [*PAGES, "/admin/"])
def test_every_page_renders_for_an_admin_without_inline_script_and_with_tokens_on_its_forms(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, reviewed: Any, path: str
) -> None:
    book(provider, 1400, upto="disputed", note="Nobody came.")

    response = client.get(path)

    assert response.status_code == 200
    body = html(response)
    assert " style=" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert all('name="csrf_token"' in form for form in POST_FORM.findall(body))


def test_the_admin_menu_links_the_new_pages(client: Any, admin_token: str) -> None:
    body = html(client.get("/admin/"))

    for path in ("/admin/bookings", "/admin/no-shows", "/admin/reviews"):
        assert f'href="{path}"' in body


# --------------------------------------------------------------------------- the bookings list


def test_the_bookings_list_shows_each_booking_newest_first_with_links_and_status_in_words(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User, customer: User
) -> None:
    first = book(provider, 1500)
    second = book(rival, 1300, upto="confirmed")

    body = html(client.get("/admin/bookings"))

    assert rows(body, "booking-table") == [second.id, first.id]
    assert f'href="/admin/auctions/{first.auction_id}"' in body
    assert f'href="/admin/users/{customer.id}"' in body
    assert f'href="/admin/users/{rival.id}"' in body
    assert "Offered, waiting for the provider" in body and "Confirmed" in body
    assert "₹1,300" in body


def test_the_bookings_list_filters_by_status(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    book(provider, 1500)
    confirmed = book(rival, 1300, upto="confirmed")

    body = html(client.get("/admin/bookings?status=confirmed"))

    assert rows(body, "booking-table") == [confirmed.id]


def test_the_bookings_list_filters_by_part_of_either_partys_username_in_any_case(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    book(provider, 1500)
    mine = book(rival, 1300)

    assert rows(html(client.get("/admin/bookings?q=EEN")), "booking-table") == [mine.id]  # meena
    assert len(rows(html(client.get("/admin/bookings?q=ash")), "booking-table")) == 2  # asha, the customer


def test_a_username_search_treats_percent_and_underscore_as_plain_text(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    book(provider, 1500)

    assert rows(html(client.get("/admin/bookings?q=%25")), "booking-table") == []
    assert rows(html(client.get("/admin/bookings?q=_")), "booking-table") == []


def test_the_bookings_list_filters_by_auction(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    book(provider, 1500)
    other = book(rival, 1300)

    body = html(client.get(f"/admin/bookings?auction_id={other.auction_id}"))

    assert rows(body, "booking-table") == [other.id]


@pytest.mark.parametrize("query", ["status=paid", "auction_id=abc", "auction_id=0", "page=0", "q=" + "x" * 81])
def test_a_bad_filter_is_a_400_that_names_it(client: Any, admin_token: str, query: str) -> None:
    response = client.get(f"/admin/bookings?{query}")

    assert response.status_code == 400
    assert "Please correct the filters." in html(response)


def test_the_bookings_list_pages_its_results(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bidbazaar.queries import admin_bookings

    monkeypatch.setattr(admin_bookings, "BOOKINGS_PER_PAGE", 2)
    made = [book(provider, 1500 - 10 * n) for n in range(3)]

    first = html(client.get("/admin/bookings"))
    second = html(client.get("/admin/bookings?page=2"))

    assert rows(first, "booking-table") == [made[2].id, made[1].id]
    assert rows(second, "booking-table") == [made[0].id]
    assert "Page 1 of 2" in first


def test_the_bookings_list_runs_the_same_number_of_statements_for_one_booking_or_five(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    book(provider, 1500)
    with statements() as one:
        assert client.get("/admin/bookings?q=a").status_code == 200
    for n in range(4):
        book(rival if n % 2 else provider, 1400 - 10 * n, upto="confirmed")
    with statements() as five:
        body = html(client.get("/admin/bookings?q=a"))

    assert len(rows(body, "booking-table")) == 5
    assert len(one) == len(five)


# --------------------------------------------------------------------------- a deactivated party


def test_bookings_under_way_with_a_deactivated_party_are_listed_for_the_admin(
    client: Any, admin: User, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    gone = book(provider, 1500, upto="confirmed")
    book(rival, 1300, upto="confirmed")
    book(provider, 1200, upto="completed")  # over: nothing to follow up
    accounts.admin_set_active(admin, provider, False)

    body = html(client.get("/admin/bookings/attention"))

    assert rows(body, "attention-table") == [gone.id]
    assert "deactivated" in body
    assert 'data-figure="attention">1<' in html(client.get("/admin/"))


def test_the_attention_page_runs_the_same_number_of_statements_for_one_booking_or_three(
    client: Any, admin: User, admin_token: str, book: Callable[..., Booking], provider: User, make_user: Any
) -> None:
    book(provider, 1500, upto="confirmed")
    accounts.admin_set_active(admin, provider, False)
    with statements() as one:
        client.get("/admin/bookings/attention")
    for n in range(2):
        other = make_user(f"fixer{n}", provider=True)
        book(other, 1400 - n, upto="done")
        accounts.admin_set_active(admin, other, False)
    with statements() as three:
        body = html(client.get("/admin/bookings/attention"))

    assert len(rows(body, "attention-table")) == 3
    assert len(one) == len(three)


# --------------------------------------------------------------------------- deactivation's stakes


def test_stakes_count_the_offers_waiting_on_either_side(
    book: Callable[..., Booking], customer: User, provider: User, rival: User
) -> None:
    book(provider, 1500)
    book(provider, 1400)
    book(rival, 1300, upto="confirmed")  # answered: no longer an open offer

    stakes = deactivation.stakes_of([customer.id, provider.id, rival.id])

    assert stakes[customer.id].open_offers == 2
    assert stakes[provider.id].open_offers == 2
    assert stakes[rival.id].open_offers == 0


@pytest.mark.parametrize("who", ["customer", "provider"])
def test_the_offers_stakes_announce_are_the_offers_the_deactivation_ends(
    admin: User, book: Callable[..., Booking], customer: User, provider: User, rival: User, who: str
) -> None:
    book(provider, 1500)
    book(provider, 1400)
    book(rival, 1300)
    user = {"customer": customer, "provider": provider}[who]
    announced = deactivation.stakes_of([user.id])[user.id].open_offers

    taken = accounts.admin_set_active(admin, user, False)

    assert taken.open_offers == announced == {"customer": 3, "provider": 2}[who]


def test_the_deactivate_button_says_how_many_open_offers_will_end(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    book(provider, 1500)

    body = html(client.get("/admin/users?q=ravi"))

    assert "1 open offer will end" in body
