"""GET /api/users/me/bids: one item per auction the provider bid on, with its standing, the
best active bid, the lowest and the next action; filters, paging, constant statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from watching_helpers import standings_of

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db

URL = "/api/users/me/bids"


def test_the_lowest_active_bid_is_leading(api, provider, auction, make_bid):
    make_bid(provider, auction, 1500)
    body = api("GET", URL, provider).get_json()
    assert standings_of(body) == {auction.id: "leading"}
    item = body["bids"][0]
    assert item["my_best_bid"]["amount"] == 1500
    assert item["lowest_bid"] == 1500
    assert item["next_action"] is None
    assert item["auction"]["seconds_remaining"] > 0


def test_a_bid_undercut_by_another_provider_is_outbid_with_bid_again(api, provider, rival, auction, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    item = api("GET", URL, provider).get_json()["bids"][0]
    assert item["standing"] == "outbid"
    assert item["lowest_bid"] == 1400
    assert item["next_action"] == "bid_again"


def test_the_best_active_bid_is_the_providers_lowest(api, provider, rival, auction, make_bid):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    low = make_bid(provider, auction, 1300)
    item = api("GET", URL, provider).get_json()["bids"][0]
    assert item["my_best_bid"] == {"id": low.id, "amount": 1300}
    assert item["standing"] == "leading"


def test_every_bid_withdrawn_is_withdrawn(api, provider, rival, auction, make_bid):
    make_bid(rival, auction, 1600)
    bid = make_bid(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, bid.id)
    item = api("GET", URL, provider).get_json()["bids"][0]
    assert item["standing"] == "withdrawn"
    assert item["my_best_bid"] is None


def test_the_awarded_bid_is_won_with_answer_the_offer(api, customer, provider, auction, make_bid):
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    item = api("GET", URL, provider).get_json()["bids"][0]
    booking = db.session.scalar(db.select(Booking).where(Booking.bid_id == bid.id))
    assert item["standing"] == "won"
    assert item["next_action"] == "answer_offer"
    assert item["booking_id"] == booking.id
    assert item["auction"]["seconds_remaining"] == 0


def test_the_other_bidders_of_an_awarded_auction_lost(api, customer, provider, rival, auction, make_bid):
    make_bid(rival, auction, 1600)
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    item = api("GET", URL, rival).get_json()["bids"][0]
    assert item["standing"] == "lost"
    assert item["next_action"] is None


def test_after_a_decline_the_next_bid_won_and_the_decliner_lost(api, customer, provider, rival, auction, make_bid):
    make_bid(rival, auction, 1600)
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    booking = db.session.scalar(db.select(Booking).where(Booking.bid_id == bid.id))
    services.decline_booking(provider, booking.id, "Booked that day")
    assert standings_of(api("GET", URL, provider).get_json()) == {auction.id: "lost"}
    rival_item = api("GET", URL, rival).get_json()["bids"][0]
    assert rival_item["standing"] == "won"
    assert rival_item["next_action"] == "answer_offer"


def test_a_cancelled_auction_is_lost(api, customer, provider, auction, make_bid):
    make_bid(provider, auction, 1500)
    services.cancel_auction(customer, auction.id)
    assert standings_of(api("GET", URL, provider).get_json()) == {auction.id: "lost"}


def test_the_standing_filter_takes_one_or_several(api, provider, rival, make_auction, make_bid):
    leading, outbid, withdrawn = make_auction(), make_auction(), make_auction()
    make_bid(provider, leading, 1500)
    make_bid(provider, outbid, 1500)
    make_bid(rival, outbid, 1400)
    gone = make_bid(provider, withdrawn, 1500)
    services.withdraw_bid(provider, withdrawn.id, gone.id)
    assert set(standings_of(api("GET", URL + "?standing=outbid", provider).get_json())) == {outbid.id}
    both = api("GET", URL + "?standing=leading,withdrawn", provider).get_json()
    assert standings_of(both) == {leading.id: "leading", withdrawn.id: "withdrawn"}
    assert both["pagination"]["total"] == 2


def test_newest_activity_comes_first_and_pages_split_it(api, provider, make_auction, make_bid, time_machine):
    auctions = [make_auction() for _ in range(3)]
    start = auctions[0].created_at
    for minutes, auction in enumerate(auctions):
        time_machine.move_to(start + timedelta(minutes=minutes + 1), tick=False)
        make_bid(provider, auction, 1500)
    first = api("GET", URL + "?per_page=2", provider).get_json()
    second = api("GET", URL + "?per_page=2&page=2", provider).get_json()
    assert [i["auction"]["id"] for i in first["bids"]] == [auctions[2].id, auctions[1].id]
    assert [i["auction"]["id"] for i in second["bids"]] == [auctions[0].id]
    assert first["pagination"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}


def test_only_the_callers_own_auctions_are_listed(api, provider, rival, make_auction, make_bid):
    make_bid(rival, make_auction(), 1500)
    assert api("GET", URL, provider).get_json()["bids"] == []


def test_a_customer_who_never_bid_gets_an_empty_list(api, customer, auction):
    body = api("GET", URL, customer).get_json()
    assert body["bids"] == [] and body["pagination"]["total"] == 0


def test_statements_per_page_do_not_grow_with_its_size(
    api, count_statements, customer, provider, rival, make_auction, make_bid
):
    def listing():
        return api("GET", URL + "?per_page=100", provider)

    api.login(provider)
    won = make_auction()
    services.award_auction(customer, won.id, make_bid(provider, won, 1500).id)
    listing()  # the token's first use writes its own bookkeeping: count from the second
    one = count_statements(listing)
    for n in range(19):
        auction = make_auction()
        make_bid(provider, auction, 1500 - n)
        if n % 2:
            make_bid(rival, auction, 1400 - n)
        elif n % 3 == 0:
            services.award_auction(customer, auction.id, make_bid(rival, auction, 1400 - n).id)
    assert len(listing().get_json()["bids"]) == 20
    assert count_statements(listing) == one


@pytest.mark.parametrize(
    "query", ["standing=best", "standing=leading,", "standing=,leading", "standing=LEADING", "page=0", "per_page=-1"]
)
def test_a_bad_query_is_400_and_changes_nothing(refused, provider, query):
    refused("GET", f"{URL}?{query}", provider, 400, "VALIDATION_ERROR")


def test_anonymous_callers_are_401(refused):
    refused("GET", URL, None, 401, "AUTH_REQUIRED")
