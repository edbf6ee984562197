"""Fixtures the bookings API tests share: an auction awarded to `provider` with two more
bids behind it (rival, then `third`), the booking moved along its states by the services,
and a JSON caller with bearer tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from helpers import assert_error, db_state

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import Bid, User, utcnow


@pytest.fixture
def third(make_user: Callable[..., User]) -> User:
    return make_user("kiran", provider=True)


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("stranger")


@pytest.fixture
def offered(customer, provider, rival, third, make_auction, make_bid) -> Booking:
    """An offer to `provider` (1500); rival (1800) and third (1900) wait behind it."""
    auction = make_auction()
    make_bid(third, auction, 1900)
    make_bid(rival, auction, 1800)
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    return db.session.scalar(db.select(Booking).where(Booking.bid_id == bid.id))


@pytest.fixture
def confirmed(offered: Booking, provider: User) -> Booking:
    return services.confirm_booking(provider, offered.id)


@pytest.fixture
def done(confirmed: Booking, provider: User) -> Booking:
    return services.mark_done(provider, confirmed.id)


@pytest.fixture
def completed(done: Booking, customer: User) -> Booking:
    return services.complete_booking(customer, done.id)


@pytest.fixture
def disputed(confirmed: Booking, customer: User) -> Booking:
    return services.report_no_show(customer, confirmed.id, "Nobody came")


@pytest.fixture
def late(offered: Booking) -> Booking:
    """The offer's time to answer has run out (the sweeper has not been by)."""
    db.session.get(Booking, offered.id).respond_by = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return offered


@pytest.fixture
def refused(api) -> Callable[..., dict[str, Any]]:
    """refused(method, path, user, json, status, code): the call is refused with this error
    and the database is left exactly as it was (every row of every table). Returns the body."""

    def check(method: str, path: str, user: User | None, json: Any, status: int, code: str) -> dict[str, Any]:
        if user is not None:
            api.login(user)  # the token row exists before the snapshot
        before = db_state()
        body = assert_error(api(method, path, user, json), status, code)
        assert db_state() == before
        return body

    return check


@pytest.fixture
def bid_of() -> Callable[[User, Booking], int]:
    """The id of `user`'s bid on the booking's auction."""

    def find(user: User, booking: Booking) -> int:
        return db.session.scalar(db.select(Bid.id).where(Bid.auction_id == booking.auction_id, Bid.user_id == user.id))

    return find


@pytest.fixture(scope="session")
def conforms() -> Callable[[Any, str], None]:
    """conforms(body, "Booking"): the body validates against that OpenAPI component."""
    from jsonschema import Draft202012Validator

    from bidbazaar import openapi

    document = openapi.build_document()

    def check(body: Any, component: str) -> None:
        schema = {**document, "$ref": f"#/components/schemas/{component}"}
        Draft202012Validator(schema).validate(json.loads(json.dumps(body)))

    return check
