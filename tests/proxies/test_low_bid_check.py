"""The low-bid check: a manual bid below LOW_BID_RATIO x the reference (the median of the
other active bids with at least three, else budget_min) is 409 CONFIRM_LOW_BID unless
confirmed, on every door; a refusal changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import ack, assert_error, html, log_in, recorded_statements
from proxy_helpers import TEXT, bid_rows, manual, state

from bidbazaar.errors import DomainError


def refusal(user, auction, amount, **fields) -> DomainError:
    before = state()
    with pytest.raises(DomainError) as refused:
        manual(user, auction, amount, **fields)
    assert state() == before
    return refused.value


def test_below_half_the_budget_min_is_refused_with_its_figures(auction, provider):
    error = refusal(provider, auction, "499.99")
    assert error.code == "CONFIRM_LOW_BID"
    assert error.details == {"amount": 499.99, "reference": 1000, "ratio": 0.5}


def test_exactly_half_the_budget_min_is_accepted(auction, provider):
    manual(provider, auction, 500)
    assert bid_rows(auction)[0][0] == 500


def test_with_three_active_bids_the_reference_is_their_median(auction, provider, rival, third, opener):
    manual(provider, auction, 1900)
    manual(rival, auction, 1800)
    manual(third, auction, 1000)
    assert refusal(opener, auction, "899").details == {"amount": 899, "reference": 1800, "ratio": 0.5}
    manual(opener, auction, 900)


def test_with_four_active_bids_the_median_is_the_mean_of_the_middle_two(
    auction, provider, rival, third, opener, make_user
):
    manual(provider, auction, 1900)
    manual(rival, auction, 1801)
    manual(third, auction, 1600)
    manual(opener, auction, 1000)
    assert refusal(make_user("late", provider=True), auction, 850).details["reference"] == 1700.5


def test_with_five_active_bids_the_reference_is_the_third_lowest(auction, provider, rival, third, opener, make_user):
    for bidder, amount in (
        (provider, 1900),
        (rival, 1800),
        (third, 1700),
        (opener, 1600),
        (make_user("fifth", provider=True), 1000),
    ):
        manual(bidder, auction, amount)
    assert refusal(make_user("late", provider=True), auction, 849).details["reference"] == 1700


def test_a_bid_at_half_the_budget_max_or_more_reads_no_bid_amounts(auction, provider, rival, third, opener):
    manual(provider, auction, 1900)
    manual(rival, auction, 1800)
    manual(third, auction, 1700)
    with recorded_statements() as statements:
        manual(opener, auction, 1000)  # half of budget_max 2000: the median cannot be above the budget
    assert not [sql for sql in statements if "count(" in sql.lower()]


def test_a_bid_below_half_the_budget_max_is_measured_against_the_median(auction, provider, rival, third, opener):
    manual(provider, auction, 1900)
    manual(rival, auction, 1800)
    manual(third, auction, 1700)
    with recorded_statements() as statements:
        manual(opener, auction, "999.99")
    assert [sql for sql in statements if "count(" in sql.lower()]


def test_withdrawn_bids_do_not_count_towards_the_median(auction, provider, rival, third, opener):
    from bidbazaar import services

    manual(provider, auction, 1900)
    manual(rival, auction, 1800)
    placed = manual(third, auction, 1700)
    services.withdraw_bid(third, auction.id, placed.bid_id)
    assert refusal(opener, auction, 499).details["reference"] == 1000  # two active bids: budget_min


def test_ratio_zero_turns_the_check_off(app, auction, provider):
    app.config["LOW_BID_RATIO"] = Decimal(0)
    manual(provider, auction, 10)
    assert bid_rows(auction)[0][0] == 10


def test_confirm_low_places_the_low_bid(auction, provider):
    manual(provider, auction, 400, confirm_low=True)
    assert bid_rows(auction)[0][:2] == (400, False)


def test_rest_answers_409_then_accepts_the_confirmed_bid(client, auction, provider, bearer):
    headers = bearer(provider)
    before = state()
    url = f"/api/auctions/{auction.id}/bids"
    body = assert_error(client.post(url, json={"amount": 400, **TEXT}, headers=headers), 409, "CONFIRM_LOW_BID")
    assert body["details"] == {"amount": 400, "reference": 1000, "ratio": 0.5}
    assert state() == before
    assert client.post(url, json={"amount": 400, "confirm_low": True, **TEXT}, headers=headers).status_code == 201


@pytest.mark.parametrize("flag", ["true", 1, None, []])
def test_rest_takes_a_json_boolean_only(client, auction, provider, bearer, flag):
    headers = bearer(provider)
    before = state()
    response = client.post(
        f"/api/auctions/{auction.id}/bids", json={"amount": 400, "confirm_low": flag, **TEXT}, headers=headers
    )
    if flag is None:  # null is "not given": the check applies
        assert_error(response, 409, "CONFIRM_LOW_BID")
    else:
        assert_error(response, 400, "VALIDATION_ERROR")
    assert state() == before


def test_the_socket_takes_the_flag(socket_client, auction, provider):
    sock = socket_client(provider)
    refused = ack(sock, "place_bid", {"auction_id": auction.id, "amount": 400, **TEXT})
    assert refused["ok"] is False and refused["code"] == "CONFIRM_LOW_BID"
    assert refused["details"] == {"amount": 400, "reference": 1000, "ratio": 0.5}
    placed = ack(sock, "place_bid", {"auction_id": auction.id, "amount": 400, "confirm_low": True, **TEXT})
    assert placed["ok"] is True and placed["bid"]["amount"] == 400


def test_the_page_shows_a_confirm_step_in_rupees_with_what_was_typed(client, auction, provider):
    token = log_in(client, provider)
    before = state()
    form = {"csrf_token": token, "amount": "400", "description": "Own tools", "notes": "evenings"}
    response = client.post(f"/auctions/{auction.id}/bids", data=form)
    assert response.status_code == 409
    page = html(response)
    assert "₹400 is less than half of the typical bid (₹1,000). Place it anyway?" in page
    assert 'name="confirm_low" value="y"' in page and 'name="notes" value="evenings"' in page
    assert state() == before
    confirmed = client.post(f"/auctions/{auction.id}/bids", data={**form, "confirm_low": "y"})
    assert confirmed.status_code == 302
    assert bid_rows(auction)[0][:2] == (400, False)


def test_the_page_bid_form_can_set_a_floor_with_the_bid(client, auction, provider, rival):
    from proxy_helpers import amounts

    token = log_in(client, provider)
    form = {"csrf_token": token, "amount": "1900", "description": "Own tools", "proxy_floor": "1500"}
    assert client.post(f"/auctions/{auction.id}/bids", data=form).status_code == 302
    manual(rival, auction, 1800)
    assert bid_rows(auction) == amounts((1900, False, provider), (1800, False, rival), (1799, True, provider))
    page = html(client.get(f"/auctions/{auction.id}"))
    assert "Your auto-bid floor: ₹1,500" in page


def test_the_page_floor_box_changes_and_cancels_the_floor(client, auction, provider):
    from helpers import csrf_token
    from proxy_helpers import floor_of

    floor_of(provider, auction, 1500)
    token = log_in(client, provider)
    changed = client.post(f"/auctions/{auction.id}/proxy", data={"csrf_token": token, "floor": "1400"})
    assert changed.status_code == 302
    assert "Your auto-bid floor: ₹1,400" in html(client.get(f"/auctions/{auction.id}"))
    token = csrf_token(client, f"/auctions/{auction.id}")
    assert client.post(f"/auctions/{auction.id}/proxy/cancel", data={"csrf_token": token}).status_code == 302
    assert "Your auto-bid floor:" not in html(client.get(f"/auctions/{auction.id}"))
