"""The pages: My bids with standing badges, next actions and the standing filter; Watching;
the star on the list and the detail page (POST forms with CSRF); the navigation."""

from __future__ import annotations

import re

import pytest
from helpers import count, html, log_in

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.provider_models import Watch


def row(page: str, auction_id: int) -> str:
    """The My bids table row of one auction."""
    match = re.search(rf'<tr data-auction-id="{auction_id}".*?</tr>', page, re.S)
    assert match, page
    return match.group(0)


def test_the_provider_nav_has_my_bids_and_watching(client, provider):
    log_in(client, provider)
    page = html(client.get("/"))
    assert 'id="my-bids-link"' in page and 'id="watching-link"' in page


def test_a_customer_nav_has_watching_only(client, customer):
    log_in(client, customer)
    page = html(client.get("/"))
    assert 'id="my-bids-link"' not in page and 'id="watching-link"' in page


def test_anonymous_visitors_see_neither_link_nor_star(client, auction):
    page = html(client.get("/auctions"))
    assert 'id="watching-link"' not in page and "watch-star" not in page


def test_my_bids_shows_each_standing_as_a_badge(client, provider, rival, make_auction, make_bid):
    leading, outbid = make_auction(), make_auction()
    make_bid(provider, leading, 1500)
    make_bid(provider, outbid, 1500)
    make_bid(rival, outbid, 1400)
    log_in(client, provider)
    page = html(client.get("/my/bids"))
    assert "standing-leading" in row(page, leading.id)
    assert "standing-outbid" in row(page, outbid.id)
    assert "Bid again" in row(page, outbid.id) and "Bid again" not in row(page, leading.id)


def test_a_won_auction_links_to_answer_the_offer(client, customer, provider, auction, make_bid):
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    booking = db.session.scalar(db.select(Booking).where(Booking.bid_id == bid.id))
    log_in(client, provider)
    line = row(html(client.get("/my/bids")), auction.id)
    assert "standing-won" in line
    assert f'href="/bookings/{booking.id}"' in line and "Answer the offer" in line


def test_the_standing_filter_keeps_only_that_standing(client, provider, rival, make_auction, make_bid):
    leading, outbid = make_auction(), make_auction()
    make_bid(provider, leading, 1500)
    make_bid(provider, outbid, 1500)
    make_bid(rival, outbid, 1400)
    log_in(client, provider)
    page = html(client.get("/my/bids?standing=outbid"))
    assert f'data-auction-id="{outbid.id}"' in page and f'data-auction-id="{leading.id}"' not in page


def test_a_bad_standing_filter_shows_everything_and_says_why(client, provider, auction, make_bid):
    make_bid(provider, auction, 1500)
    log_in(client, provider)
    response = client.get("/my/bids?standing=best")
    assert response.status_code == 200
    assert "comma-separated" in html(response) and f'data-auction-id="{auction.id}"' in html(response)


@pytest.mark.parametrize("path", ["/my/bids", "/my/watching"])
def test_the_pages_ask_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_star_on_the_list_watches_and_unwatches(client, provider, auction):
    token = log_in(client, provider)
    assert "☆ Watch" in html(client.get("/auctions"))
    response = client.post(f"/auctions/{auction.id}/watch", data={"csrf_token": token, "next": "/auctions"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auctions")
    assert count(Watch, Watch.user_id == provider.id) == 1
    assert "★ Watching" in html(client.get("/auctions"))
    client.post(f"/auctions/{auction.id}/unwatch", data={"csrf_token": token, "next": "/auctions"})
    assert count(Watch) == 0


def test_the_star_without_a_csrf_token_changes_nothing(client, provider, auction):
    log_in(client, provider)
    client.post(f"/auctions/{auction.id}/watch", data={})
    assert count(Watch) == 0


def test_the_star_never_redirects_off_site(client, provider, auction):
    token = log_in(client, provider)
    response = client.post(f"/auctions/{auction.id}/watch", data={"csrf_token": token, "next": "//evil.example"})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_the_detail_page_shows_the_star_pressed_once_watching(client, provider, auction):
    token = log_in(client, provider)
    client.post(f"/auctions/{auction.id}/watch", data={"csrf_token": token})
    page = html(client.get(f"/auctions/{auction.id}"))
    assert 'data-watching="true"' in page and "★ Watching" in page


def test_watching_a_closed_auction_from_a_page_flashes_the_refusal(client, customer, provider, auction):
    token = log_in(client, provider)
    services.cancel_auction(customer, auction.id)
    response = client.post(f"/auctions/{auction.id}/watch", data={"csrf_token": token}, follow_redirects=True)
    assert "nothing left to watch" in html(response)
    assert count(Watch) == 0


def test_the_watching_page_lists_watched_auctions(client, provider, make_auction):
    watched, other = make_auction(title="Paint the balcony"), make_auction(title="Fix the fan")
    services.watch_auction(provider, watched.id)
    log_in(client, provider)
    page = html(client.get("/my/watching"))
    assert "Paint the balcony" in page and "Fix the fan" not in page
    assert other.id != watched.id
