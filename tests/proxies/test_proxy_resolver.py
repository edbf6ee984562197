"""The resolver: competing proxies answer each bid in one step, the lowest floor ending at
max(its floor, second-lowest floor - d), ties to the earlier proxy, no loops."""

from __future__ import annotations

from datetime import timedelta

from helpers import recorded_statements
from proxy_helpers import amounts, bid_rows, floor_of, lowest, manual, placed_events, plant_proxy
from sqlalchemy import update

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import User, utcnow


def test_two_proxies_against_manual_bids_end_with_the_lower_floor_leading(auction, provider, rival, manual_bidder):
    floor_of(provider, auction, 1500)  # no bids yet: bids budget_max at once
    floor_of(rival, auction, 1600)  # bids 1999; provider's proxy answers at 1599 (rival's floor - d)
    manual(manual_bidder, auction, 1550)  # provider's proxy undercuts by d
    manual(manual_bidder, auction, 1400)  # below every floor: nobody answers
    expected = amounts(
        (2000, True, provider),
        (1999, True, rival),
        (1599, True, provider),
        (1550, False, manual_bidder),
        (1549, True, provider),
        (1400, False, manual_bidder),
    )
    assert bid_rows(auction) == expected
    assert placed_events(auction) == expected
    assert lowest(auction) == 1400
    assert services.verify_event_chain(auction.id)["valid"] is True


def test_three_proxies_settle_each_new_floor_at_the_runner_up_floor_minus_d(
    auction, provider, rival, third, manual_bidder
):
    floor_of(provider, auction, 1800)
    floor_of(rival, auction, 1700)  # rival's bid 1999; case 1: provider bids 1800, rival 1799
    floor_of(third, auction, 1600)  # third's bid 1798; case 1: rival bids 1700, third 1699
    manual(manual_bidder, auction, 1650)  # case 2: third bids 1649
    manual(manual_bidder, auction, 1500)
    expected = amounts(
        (2000, True, provider),
        (1999, True, rival),
        (1800, True, provider),
        (1799, True, rival),
        (1798, True, third),
        (1700, True, rival),
        (1699, True, third),
        (1650, False, manual_bidder),
        (1649, True, third),
        (1500, False, manual_bidder),
    )
    assert bid_rows(auction) == expected
    assert placed_events(auction) == expected
    assert lowest(auction) == 1500


def test_a_lone_rival_proxy_bids_one_decrement_under_the_trigger(auction, provider, rival, manual_bidder):
    manual(rival, auction, 1900)
    plant_proxy(provider, auction, 1500)
    manual(manual_bidder, auction, 1800)
    assert bid_rows(auction)[-1] == amounts((1799, True, provider))[0]


def test_the_leaders_own_proxy_only_sets_the_price(opener, auction, provider, rival, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    plant_proxy(rival, auction, 1600)
    manual(rival, auction, 1900)  # rival leads with a proxy at 1600; provider (1500) is a rival
    rows = bid_rows(auction)
    # case 3: provider bids max(1500, 1600 - 1); the leader (rival) never undercuts itself
    assert rows[-2:] == amounts((1900, False, rival), (1599, True, provider))


def test_the_leaders_lower_floor_answers_after_the_runner_up(opener, auction, provider, rival, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    plant_proxy(rival, auction, 1600)
    manual(provider, auction, 1900)  # provider leads, its proxy is the lowest floor: case 1
    assert bid_rows(auction)[-3:] == amounts((1900, False, provider), (1600, True, rival), (1599, True, provider))


def test_the_leader_keeps_its_bid_when_the_runner_up_cannot_beat_it_by_d(
    opener, auction, provider, rival, manual_bidder
):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    plant_proxy(rival, auction, 1600)
    manual(provider, auction, 1600)  # s = max(1600, 1599 + 1) = 1600 > 1600 - 1: nothing
    assert bid_rows(auction)[-1] == amounts((1600, False, provider))[0]
    assert lowest(auction) == 1600


def test_two_rival_proxies_runner_up_first_then_the_lowest_floor(opener, auction, provider, rival, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    plant_proxy(rival, auction, 1550)
    manual(manual_bidder, auction, 1850)  # case 4
    assert bid_rows(auction)[-3:] == amounts((1850, False, manual_bidder), (1550, True, rival), (1549, True, provider))


def test_equal_floors_go_to_the_earlier_proxy(opener, auction, provider, rival, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(rival, auction, 1500, set_at=utcnow() - timedelta(minutes=5))
    plant_proxy(provider, auction, 1500)
    manual(manual_bidder, auction, 1850)
    assert bid_rows(auction)[-3:] == amounts((1850, False, manual_bidder), (1501, True, provider), (1500, True, rival))


def test_equal_floors_set_through_set_proxy_leave_the_first_one_leading(auction, provider, rival):
    floor_of(provider, auction, 1500)
    floor_of(rival, auction, 1500)  # rival bids 1999; provider's earlier proxy takes 1500
    assert bid_rows(auction) == amounts((2000, True, provider), (1999, True, rival), (1500, True, provider))


def test_floors_within_d_of_each_other_leave_the_runner_up_silent(opener, auction, provider, rival, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, "1500.00")
    plant_proxy(rival, auction, "1500.50")
    manual(manual_bidder, auction, "1501.50")  # s = max(1500.50, 1501) = 1501 > 1500.50: silent
    assert bid_rows(auction)[-2:] == amounts(("1501.50", False, manual_bidder), (1500, True, provider))


def test_a_deactivated_proxy_owner_is_skipped(opener, auction, provider, manual_bidder):
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    db.session.execute(update(User).where(User.id == provider.id).values(is_active=False))
    db.session.commit()
    manual(manual_bidder, auction, 1850)
    assert bid_rows(auction)[-1] == amounts((1850, False, manual_bidder))[0]


def test_an_unverified_proxy_owner_is_skipped_when_verification_is_required(
    opener, app, auction, provider, manual_bidder
):
    manual_bidder.provider_verified = opener.provider_verified = True
    db.session.commit()
    app.config["REQUIRE_PROVIDER_VERIFICATION"] = True
    manual(opener, auction, 1950)
    plant_proxy(provider, auction, 1500)
    manual(manual_bidder, auction, 1850)
    assert bid_rows(auction)[-1] == amounts((1850, False, manual_bidder))[0]


def test_a_cancelled_proxy_stays_silent(auction, provider, manual_bidder):
    floor_of(provider, auction, 1500)
    services.cancel_proxy(provider, auction.id)
    manual(manual_bidder, auction, 1900)
    assert bid_rows(auction) == amounts((2000, True, provider), (1900, False, manual_bidder))


def test_an_auto_bid_never_triggers_another_round(opener, auction, provider, rival, third, manual_bidder):
    manual(opener, auction, 1950)
    for user, floor in ((provider, 1500), (rival, 1520), (third, 1540)):
        plant_proxy(user, auction, floor)
    manual(manual_bidder, auction, 1900)
    # one trigger: at most one auto bid per proxy; losers other than the runner-up stay silent
    assert bid_rows(auction)[-3:] == amounts((1900, False, manual_bidder), (1520, True, rival), (1519, True, provider))


def test_setting_a_proxy_marks_the_auction_as_one_with_proxies(auction, provider):
    assert lowest(auction) is None and not auction.has_proxies
    floor_of(provider, auction, 1500)
    db.session.refresh(auction)
    assert auction.has_proxies


def test_a_bid_on_an_auction_nobody_set_a_proxy_on_asks_for_no_proxies(auction, manual_bidder):
    with recorded_statements() as statements:
        manual(manual_bidder, auction, 1800)
    assert statements and not any("proxy_bids" in statement for statement in statements)


def test_a_cancelled_proxy_leaves_the_auction_marked(auction, provider, manual_bidder):
    floor_of(provider, auction, 1500)
    services.cancel_proxy(provider, auction.id)
    with recorded_statements() as statements:
        manual(manual_bidder, auction, 1800)
    assert any("proxy_bids" in statement for statement in statements)
