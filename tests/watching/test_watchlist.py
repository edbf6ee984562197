"""POST/DELETE /api/auctions/{id}/watch and GET /api/users/me/watching: idempotent, only an
open auction can be watched, refusals change nothing; the detail view says `watching`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import count

from bidbazaar import services
from bidbazaar.provider_models import Watch
from bidbazaar.values import MAX_ID


def watch_url(auction_id: int) -> str:
    return f"/api/auctions/{auction_id}/watch"


def test_watching_a_new_auction_is_201_and_again_200_with_one_row(api, provider, auction):
    first = api("POST", watch_url(auction.id), provider)
    again = api("POST", watch_url(auction.id), provider)
    assert first.status_code == 201 and first.get_json()["watching"] is True
    assert again.status_code == 200 and again.get_json()["message"] == "Already watching"
    assert count(Watch) == 1


def test_any_signed_in_user_may_watch_even_a_customer(api, make_user, auction):
    assert api("POST", watch_url(auction.id), make_user("dev")).status_code == 201


def test_unwatching_is_204_whether_or_not_it_was_watched(api, provider, auction):
    api("POST", watch_url(auction.id), provider)
    first = api("DELETE", watch_url(auction.id), provider)
    again = api("DELETE", watch_url(auction.id), provider)
    assert (first.status_code, again.status_code) == (204, 204)
    assert first.data == b""
    assert count(Watch) == 0


def test_unwatching_a_closed_auction_is_allowed(api, customer, provider, auction):
    api("POST", watch_url(auction.id), provider)
    services.cancel_auction(customer, auction.id)
    assert api("DELETE", watch_url(auction.id), provider).status_code == 204
    assert count(Watch) == 0


def test_unwatching_leaves_other_users_watches(api, provider, rival, auction):
    api("POST", watch_url(auction.id), provider)
    api("POST", watch_url(auction.id), rival)
    api("DELETE", watch_url(auction.id), provider)
    assert count(Watch, Watch.user_id == rival.id) == 1


def test_watching_a_cancelled_auction_is_refused(refused, customer, provider, auction):
    services.cancel_auction(customer, auction.id)
    body = refused("POST", watch_url(auction.id), provider, 409, "AUCTION_CLOSED")
    assert body["details"] == {"status": "cancelled"}


def test_watching_an_auction_past_its_deadline_is_refused(refused, provider, auction, time_machine):
    time_machine.move_to(auction.deadline + timedelta(seconds=1), tick=False)
    refused("POST", watch_url(auction.id), provider, 409, "AUCTION_CLOSED")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("auction_id", [999_999, MAX_ID, MAX_ID + 1, 10**40])
def test_an_unknown_auction_is_404_and_changes_nothing(refused, provider, method, auction_id):
    refused(method, watch_url(auction_id), provider, 404, "NOT_FOUND")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_anonymous_callers_are_401(refused, auction, method):
    refused(method, watch_url(auction.id), None, 401, "AUTH_REQUIRED")


def test_a_cookie_session_without_csrf_is_refused(client, session_login, provider, auction):
    session_login(provider)
    response = client.post(watch_url(auction.id))
    assert response.status_code == 403 and response.get_json()["code"] == "CSRF_FAILED"
    assert count(Watch) == 0


def test_a_form_body_is_415_and_changes_nothing(refused, api, provider, auction):
    api.login(provider)
    response = api("POST", watch_url(auction.id), provider, data="x=1", content_type="text/plain")
    assert response.status_code == 415
    assert count(Watch) == 0


def test_the_watchlist_lists_watched_auctions_latest_first(api, provider, make_auction, time_machine):
    older, newer, _unwatched = make_auction(), make_auction(), make_auction()
    api("POST", watch_url(older.id), provider)
    time_machine.move_to(older.created_at + timedelta(minutes=1), tick=False)
    api("POST", watch_url(newer.id), provider)
    body = api("GET", "/api/users/me/watching", provider).get_json()
    assert [a["id"] for a in body["auctions"]] == [newer.id, older.id]
    assert body["auctions"][0]["seconds_remaining"] > 0
    assert body["pagination"]["total"] == 2


def test_the_watchlist_pages(api, provider, make_auction):
    for auction in [make_auction() for _ in range(3)]:
        api("POST", watch_url(auction.id), provider)
    body = api("GET", "/api/users/me/watching?per_page=2&page=2", provider).get_json()
    assert len(body["auctions"]) == 1
    assert body["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}


def test_an_ended_watched_auction_has_no_time_left(api, customer, provider, auction):
    api("POST", watch_url(auction.id), provider)
    services.cancel_auction(customer, auction.id)
    assert api("GET", "/api/users/me/watching", provider).get_json()["auctions"][0]["seconds_remaining"] == 0


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "page=abc", f"per_page={10**40}"])
def test_a_bad_watchlist_query_is_400(refused, provider, query):
    refused("GET", f"/api/users/me/watching?{query}", provider, 400, "VALIDATION_ERROR")


def test_the_detail_says_whether_the_viewer_watches(api, provider, rival, auction):
    api("POST", watch_url(auction.id), provider)
    assert api("GET", f"/api/auctions/{auction.id}", provider).get_json()["auction"]["watching"] is True
    assert api("GET", f"/api/auctions/{auction.id}", rival).get_json()["auction"]["watching"] is False
    assert "watching" not in api("GET", f"/api/auctions/{auction.id}").get_json()["auction"]
