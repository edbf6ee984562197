"""Deactivation takes away an account's power over auctions (issue 11, edge 7): a provider's
active bids are withdrawn, a customer's open auctions are cancelled, and award and the
closing sweep only ever consider bids of active providers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from helpers import PASSWORD, assert_error, count
from sqlalchemy import select, update

from bidbazaar import accounts, services
from bidbazaar.booking_models import Booking
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db, socketio
from bidbazaar.models import Auction, AuctionEvent, AuctionStatus, Bid, BidStatus, Notification, User

NS = "/auctions"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def deactivate(app: Any, user: User) -> None:
    """Deactivate as the admin console does (accounts.set_active inside a request)."""
    with app.test_request_context():
        accounts.set_active(db.session.merge(user), False)


def reactivate(app: Any, user: User) -> None:
    with app.test_request_context():
        accounts.set_active(db.session.merge(user), True)


def fresh(model: Any, ident: int) -> Any:
    db.session.commit()
    return db.session.get(model, ident, populate_existing=True)


def flag_inactive_behind_the_rules(user: User) -> None:
    """An account deactivated without the deactivation rule running (as if its bids had
    slipped past it): what award and the sweep must still refuse to honour."""
    db.session.execute(update(User).where(User.id == user.id).values(is_active=False))
    db.session.commit()


def notes_for(user: User) -> list[Notification]:
    db.session.commit()
    return list(
        db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def last_event(auction_id: int) -> AuctionEvent:
    db.session.commit()
    return db.session.scalar(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq.desc()).limit(1)
    )


# --------------------------------------------------------------------------- a provider


def test_deactivating_a_provider_withdraws_its_active_bids_and_recomputes_the_lowest(
    app, auction, provider, rival, make_bid
):
    make_bid(rival, auction, 1600)
    mine = make_bid(provider, auction, 1500)

    deactivate(app, provider)

    assert fresh(Bid, mine.id).status == BidStatus.WITHDRAWN  # kept in the history
    refreshed = fresh(Auction, auction.id)
    assert refreshed.lowest_bid == Decimal("1600.00")
    assert refreshed.bid_count == 1
    assert refreshed.status == AuctionStatus.ACTIVE


def test_every_active_bid_of_a_deactivated_provider_is_withdrawn_on_every_open_auction(
    app, make_auction, provider, rival, make_bid
):
    first, second = make_auction(), make_auction()
    make_bid(provider, first, 1800)
    make_bid(rival, first, 1700)
    make_bid(provider, first, 1600)
    make_bid(provider, second, 1900)

    deactivate(app, provider)

    assert count(Bid, Bid.user_id == provider.id, Bid.status == BidStatus.ACTIVE) == 0
    assert fresh(Auction, first.id).lowest_bid == Decimal("1700.00")
    assert fresh(Auction, second.id).lowest_bid is None


def test_a_deactivated_providers_withdrawal_is_logged_in_the_event_chain_with_its_reason(
    app, auction, provider, make_bid
):
    bid = make_bid(provider, auction, 1500)

    deactivate(app, provider)

    event = last_event(auction.id)
    assert event.type == "bid_withdrawn"
    assert event.payload == {"bid_id": bid.id, "lowest_bid": None, "bid_count": 0, "reason": "provider_deactivated"}
    assert services.verify_event_chain(auction.id) == {"valid": True, "events": 3}


def test_the_auction_room_is_told_when_a_deactivated_providers_bid_is_withdrawn(
    app, auction, provider, rival, make_bid
):
    make_bid(rival, auction, 1600)
    bid = make_bid(provider, auction, 1500)
    with app.app_context():
        watcher = socketio.test_client(app, namespace=NS)
    assert watcher.emit("join_auction", {"auction_id": auction.id}, namespace=NS, callback=True)["ok"]
    watcher.get_received(NS)

    deactivate(app, provider)

    frames = [m["args"][0] for m in watcher.get_received(NS) if m["name"] == "bid_withdrawn"]
    watcher.disconnect(NS)
    assert len(frames) == 1
    assert frames[0]["bid_id"] == bid.id
    assert frames[0]["lowest_bid"] == 1600
    assert frames[0]["bid_count"] == 1
    assert frames[0]["reason"] == "provider_deactivated"


def test_the_customer_is_notified_when_a_deactivated_providers_bid_is_withdrawn(
    app, auction, customer, provider, make_bid
):
    bid = make_bid(provider, auction, 1500)

    deactivate(app, provider)

    note = notes_for(customer)[-1]
    assert note.type == "bid_withdrawn"
    assert note.auction_id == auction.id
    assert note.data == {"bid_id": bid.id, "lowest_bid": None, "reason": "provider_deactivated"}


def test_deactivating_a_provider_leaves_its_confirmed_booking_alone(app, make_auction, customer, provider):
    won = make_auction()
    bid = services.place_bid(provider, won.id, {"amount": Decimal(1500), "description": "x"}).bid
    services.award_auction(customer, won.id, bid["id"])
    booking_id = db.session.scalar(select(Booking.id).where(Booking.bid_id == bid["id"]))
    services.confirm_booking(provider, booking_id)

    deactivate(app, provider)

    assert fresh(Bid, bid["id"]).status == BidStatus.ACCEPTED
    assert fresh(Auction, won.id).status == AuctionStatus.COMPLETED


# --------------------------------------------------------------------------- a customer


def test_deactivating_a_customer_cancels_its_open_auctions_and_tells_the_bidders(
    app, auction, customer, provider, make_bid
):
    make_bid(provider, auction, 1500)

    deactivate(app, customer)

    assert fresh(Auction, auction.id).status == AuctionStatus.CANCELLED
    assert notes_for(provider)[-1].type == "auction_cancelled"
    event = last_event(auction.id)
    assert (event.type, event.payload["reason"]) == ("auction_cancelled", "customer_deactivated")


def test_a_deactivated_customers_auction_takes_no_more_bids(app, client, auction, customer, rival, bearer):
    headers = bearer(rival)

    deactivate(app, customer)

    response = client.post(
        f"/api/auctions/{auction.id}/bids", json={"amount": 1500, "description": "x"}, headers=headers
    )
    assert_error(response, 409, "AUCTION_CLOSED")
    assert count(Bid) == 0


# --------------------------------------------------------------------------- award and the sweep


def test_award_refuses_the_bid_of_a_deactivated_provider(auction, customer, provider, make_bid):
    bid = make_bid(provider, auction, 1500)
    flag_inactive_behind_the_rules(provider)

    with pytest.raises(DomainError) as refused:
        services.award_auction(customer, auction.id, bid.id)

    assert refused.value.code == "CONFLICT"
    assert fresh(Auction, auction.id).status == AuctionStatus.ACTIVE


def test_the_closing_sweep_never_picks_a_deactivated_providers_bid(auction, provider, rival, make_bid, time_machine):
    runner_up = make_bid(rival, auction, 1600)
    make_bid(provider, auction, 1500)
    flag_inactive_behind_the_rules(provider)
    time_machine.move_to(auction.deadline)

    assert services.close_expired_auctions() == 1

    closed = fresh(Auction, auction.id)
    assert closed.status == AuctionStatus.COMPLETED
    assert closed.winning_bid_id == runner_up.id


def test_an_auction_whose_only_bids_are_a_deactivated_providers_expires_without_a_winner(
    auction, provider, make_bid, time_machine
):
    make_bid(provider, auction, 1500)
    flag_inactive_behind_the_rules(provider)
    time_machine.move_to(auction.deadline)

    services.close_expired_auctions()

    closed = fresh(Auction, auction.id)
    assert (closed.status, closed.winning_bid_id) == (AuctionStatus.EXPIRED, None)


# --------------------------------------------------------------------------- reactivation and races


def test_reactivation_restores_the_account_but_not_its_bids_or_auctions(
    app, make_auction, customer, provider, rival, make_bid
):
    posted = make_auction(creator=provider)  # a provider may also post jobs
    on_other = make_auction()
    bid = make_bid(provider, on_other, 1500)
    make_bid(rival, posted, 1500)

    deactivate(app, provider)
    reactivate(app, provider)

    assert fresh(User, provider.id).is_active
    assert fresh(Bid, bid.id).status == BidStatus.WITHDRAWN
    assert fresh(Auction, posted.id).status == AuctionStatus.CANCELLED
    assert fresh(Auction, on_other.id).lowest_bid is None


def test_a_bid_from_an_account_loaded_before_its_deactivation_is_refused(app, auction, provider):
    assert provider.is_active  # loaded by this "request" before the deactivation commits
    with db.engine.begin() as other_request:
        other_request.execute(update(User).where(User.id == provider.id).values(is_active=False))

    with pytest.raises(DomainError) as refused:
        services.place_bid(provider, auction.id, {"amount": Decimal(1500), "description": "x"})

    assert refused.value.code == "AUTH_REQUIRED"
    assert count(Bid) == 0


def test_an_auction_from_an_account_loaded_before_its_deactivation_is_refused(app, customer, make_auction):
    assert customer.is_active
    with db.engine.begin() as other_request:
        other_request.execute(update(User).where(User.id == customer.id).values(is_active=False))

    with pytest.raises(DomainError) as refused:
        make_auction()

    assert refused.value.code == "AUTH_REQUIRED"
    assert count(Auction) == 0


# --------------------------------------------------------------------------- the admin console


def test_the_admin_deactivate_confirmation_says_what_will_be_withdrawn_and_cancelled(
    client, admin, make_auction, provider, rival, make_bid
):
    make_bid(provider, make_auction(), 1500)
    make_bid(provider, make_auction(), 1400)
    make_bid(rival, make_auction(creator=provider), 1300)
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": CSRF.search(login).group(1), "username": admin.username, "password": PASSWORD},
    )

    page = client.get("/admin/users?q=ravi").get_data(as_text=True)

    confirm = re.search(r'data-confirm="(Deactivate ravi\?[^"]*)"', page).group(1)
    assert "2 active bids will be withdrawn" in confirm
    assert "1 open auction will be cancelled" in confirm
    assert "Reactivation will not restore them" in confirm


# --------------------------------------------------------------------------- accounts deactivated before the rule


def test_settle_deactivated_takes_away_what_an_account_deactivated_before_the_rule_still_holds(
    runner, make_auction, customer, provider, rival, make_bid
):
    theirs, other = make_auction(), make_auction(creator=rival)
    make_bid(provider, other, 1500)
    flag_inactive_behind_the_rules(provider)
    flag_inactive_behind_the_rules(customer)

    result = runner.invoke(args=["settle-deactivated"])

    assert result.output.strip() == "Bids withdrawn: 1; auctions cancelled: 1; offers ended: 0."
    assert count(Bid, Bid.user_id == provider.id, Bid.status == BidStatus.ACTIVE) == 0
    assert fresh(Auction, other.id).lowest_bid is None
    assert fresh(Auction, theirs.id).status == AuctionStatus.CANCELLED
    assert (
        runner.invoke(args=["settle-deactivated"]).output.strip()
        == "Bids withdrawn: 0; auctions cancelled: 0; offers ended: 0."
    )
