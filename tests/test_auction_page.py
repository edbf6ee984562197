"""The auction page guides a bidding provider (issue 18): its standing ("You hold the lowest
bid", "You were outbid", "You won"), its limit before it types ("Enter ₹1,749 or less", the
server's own max_allowed, also in the REST detail and the join snapshot), "Closes" or
"Closed" with the time, and the closed panel naming the winning bid. The live side is in
tests/test_browser_auction_page.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from helpers import ack, html, log_in

from bidbazaar import services
from bidbazaar.models import Auction, User


def element(page: str, element_id: str) -> str:
    """The opening tag and text of the element with this id (up to its first closing tag)."""
    match = re.search(rf'<[a-z]+[^>]*\bid="{element_id}"[^>]*>[^<]*', page)
    assert match, f"no #{element_id} on the page"
    return match.group(0)


def text_of(page: str, element_id: str) -> str:
    return element(page, element_id).split(">", 1)[1].strip()


def is_hidden(page: str, element_id: str) -> bool:
    return re.search(r"\shidden(\s|>|=)", element(page, element_id).split(">", 1)[0] + ">") is not None


@pytest.fixture
def page_of(client: Any) -> Callable[[Auction, User | None], str]:
    """The auction page as `user` sees it (logged in through the form), or anonymously."""

    def _page(auction: Auction, user: User | None = None) -> str:
        if user is not None:
            log_in(client, user)
        response = client.get(f"/auctions/{auction.id}")
        assert response.status_code == 200
        return html(response)

    return _page


# --------------------------------------------------------------------------- standing


def test_the_provider_holding_the_lowest_bid_is_told_so_and_gets_no_undercut_form(
    page_of: Callable[..., str], auction: Auction, provider: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(provider, auction, 1800)
    page = page_of(auction, provider)
    assert text_of(page, "my-standing") == "You hold the lowest bid"
    assert not is_hidden(page, "my-standing")
    assert is_hidden(page, "bid-form")
    assert not is_hidden(page, "lowest-held")


def test_a_provider_undercut_by_a_rival_reads_you_were_outbid(
    page_of: Callable[..., str], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(provider, auction, 1800)
    make_bid(rival, auction, 1750)
    page = page_of(auction, provider)
    assert text_of(page, "my-standing") == "You were outbid"
    assert not is_hidden(page, "bid-form")


def test_the_provider_whose_bid_was_awarded_reads_you_won(
    page_of: Callable[..., str], auction: Auction, customer: User, provider: User, make_bid: Callable[..., Any]
) -> None:
    bid = make_bid(provider, auction, 1800)
    services.award_auction(customer, auction.id, bid.id)
    page = page_of(auction, provider)
    assert text_of(page, "my-standing") == "You won"


def test_a_provider_without_a_bid_has_no_standing_line(
    page_of: Callable[..., str], auction: Auction, provider: User
) -> None:
    page = page_of(auction, provider)
    assert is_hidden(page, "my-standing")
    assert not is_hidden(page, "bid-form")


def test_the_creator_and_anonymous_visitors_get_no_standing_line(
    page_of: Callable[..., str], auction: Auction, customer: User
) -> None:
    assert 'id="my-standing"' not in page_of(auction)
    assert 'id="my-standing"' not in page_of(auction, customer)


def test_the_page_marks_rows_with_pseudonyms_and_names_only_the_viewers_own(
    page_of: Callable[..., str], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(provider, auction, 1800)
    make_bid(rival, auction, 1750)
    page = page_of(auction, provider)
    assert 'data-my-bidder="Bidder 1"' in page
    assert 'data-bidder="Bidder 2"' in page
    assert "meena" not in page


# --------------------------------------------------------------------------- the limit


def test_the_amount_field_says_the_highest_bid_accepted_and_carries_it_as_max(
    page_of: Callable[..., str], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(rival, auction, 1750)
    page = page_of(auction, provider)
    assert text_of(page, "amount-hint") == "Enter ₹1,749 or less"
    assert 'max="1749.00"' in element(page, "amount")
    assert 'aria-describedby="amount-hint"' in element(page, "amount")


def test_before_any_bid_the_limit_is_the_budget_max(
    page_of: Callable[..., str], auction: Auction, provider: User
) -> None:
    assert text_of(page_of(auction, provider), "amount-hint") == "Enter ₹2,000 or less"


def test_the_page_passes_the_decrement_and_budget_for_the_live_limit(
    page_of: Callable[..., str], auction: Auction, provider: User
) -> None:
    tag = element(page_of(auction, provider), "auction-live")
    assert 'data-min-decrement="1.00"' in tag
    assert 'data-budget-max="2000.00"' in tag


# --------------------------------------------------------------------------- closes / closed


def test_an_open_auction_says_closes_with_its_ist_deadline(page_of: Callable[..., str], auction: Auction) -> None:
    page = page_of(auction)
    assert text_of(page, "deadline-label") == "Closes"
    assert text_of(page, "deadline-text").endswith(" IST")


def test_a_closed_auction_says_closed_and_names_the_winning_bid(
    page_of: Callable[..., str], auction: Auction, customer: User, provider: User, make_bid: Callable[..., Any]
) -> None:
    bid = make_bid(provider, auction, "1650")
    services.award_auction(customer, auction.id, bid.id)
    page = page_of(auction)
    assert text_of(page, "deadline-label") == "Closed"
    assert text_of(page, "closed-winner") == "Won by ₹1,650 (Bidder 1)."


def test_a_cancelled_auction_says_closed(page_of: Callable[..., str], auction: Auction, customer: User) -> None:
    services.cancel_auction(customer, auction.id)
    page = page_of(auction)
    assert text_of(page, "deadline-label") == "Closed"
    assert "Closes" not in page


def test_a_watched_closed_auction_says_closed_on_the_watchlist(
    client: Any, auction: Auction, customer: User, provider: User
) -> None:
    services.watch_auction(provider, auction.id)
    services.cancel_auction(customer, auction.id)
    log_in(client, provider)
    page = html(client.get("/my/watching"))
    assert "Closed" in page
    assert "Closes" not in page


# --------------------------------------------------------------------------- REST and the snapshot


def max_allowed_for(api: Callable[..., Any], auction: Auction, user: User | None) -> Any:
    response = api("GET", f"/api/auctions/{auction.id}", user)
    assert response.status_code == 200
    return response.get_json()["auction"]["max_allowed"]


def test_rest_detail_gives_a_provider_its_max_allowed(
    api: Callable[..., Any], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(rival, auction, 1750)
    assert max_allowed_for(api, auction, provider) == 1749


def test_rest_detail_gives_no_max_allowed_to_the_creator(
    api: Callable[..., Any], auction: Auction, customer: User
) -> None:
    assert max_allowed_for(api, auction, customer) is None


def test_rest_detail_gives_no_max_allowed_to_anonymous_viewers(api: Callable[..., Any], auction: Auction) -> None:
    assert max_allowed_for(api, auction, None) is None


def test_rest_detail_gives_no_max_allowed_to_the_lowest_bidder(
    api: Callable[..., Any], auction: Auction, provider: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(provider, auction, 1800)
    response = api("GET", f"/api/auctions/{auction.id}", provider).get_json()["auction"]
    assert response["max_allowed"] is None
    assert response["my_standing"] == "leading"
    assert response["my_bidder"] == "Bidder 1"


def test_rest_detail_gives_no_max_allowed_once_closed(
    api: Callable[..., Any], auction: Auction, customer: User, provider: User
) -> None:
    services.cancel_auction(customer, auction.id)
    assert max_allowed_for(api, auction, provider) is None


def test_the_join_snapshot_carries_the_providers_max_allowed_and_standing(
    socket_client: Callable[..., Any], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(provider, auction, 1800)
    make_bid(rival, auction, "1700.50")
    answer = ack(socket_client(provider), "join_auction", {"auction_id": auction.id})
    assert answer["auction"]["max_allowed"] == 1699.5
    assert answer["auction"]["my_standing"] == "outbid"


def test_the_limit_is_the_ceiling_the_bid_rule_enforces(
    api: Callable[..., Any], auction: Auction, provider: User, rival: User, make_bid: Callable[..., Any]
) -> None:
    make_bid(rival, auction, 1750)
    ceiling = Decimal(str(max_allowed_for(api, auction, provider)))
    too_high = api(
        "POST",
        f"/api/auctions/{auction.id}/bids",
        provider,
        json={"amount": float(ceiling + 1), "description": "Ten words of description."},
    )
    assert too_high.get_json()["details"]["max_allowed"] == float(ceiling)


def test_a_providers_standing_on_each_auction_is_its_own(
    page_of: Callable[..., str],
    make_auction: Callable[..., Auction],
    provider: User,
    rival: User,
    make_bid: Callable[..., Any],
) -> None:
    leading, outbid = make_auction(), make_auction()
    make_bid(provider, leading, 1800)
    make_bid(provider, outbid, 1800)
    make_bid(rival, outbid, 1750)

    assert text_of(page_of(leading, provider), "my-standing") == "You hold the lowest bid"
    assert text_of(page_of(outbid, provider), "my-standing") == "You were outbid"
