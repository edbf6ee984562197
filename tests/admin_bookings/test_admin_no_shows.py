"""The no-show queue: what it shows, and its Uphold / Reject buttons calling
services.decide_no_show once (a second decision is refused and changes nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from admin_helpers import reloaded, statements
from helpers import db_state, html, log_in

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.models import User


def decide(client: Any, token: str, booking: Booking, decision: str, note: str = "") -> Any:
    return client.post(f"/admin/bookings/{booking.id}/{decision}", data={"csrf_token": token, "note": note})


def without_sessions(state: dict[str, Any]) -> dict[str, Any]:
    """The database's rows but the login sessions (logging in as another user adds one)."""
    return {table: rows for table, rows in state.items() if table != "auth_tokens"}


def queued(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card panel" data-booking-id="(\d+)"', body)]


def test_the_queue_lists_disputed_bookings_oldest_report_first_with_the_customers_note(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    older = book(provider, 1500, upto="disputed", note="Nobody came on Saturday.")
    newer = book(rival, 1300, upto="disputed")
    book(provider, 1200, upto="confirmed")  # not reported: not in the queue

    body = html(client.get("/admin/no-shows"))

    assert queued(body) == [older.id, newer.id]
    assert "Nobody came on Saturday." in body
    assert "ravi" in body and "meena" in body and "asha" in body
    assert body.count(">Uphold</button>") == 2 and body.count(">Reject</button>") == 2


def test_an_empty_queue_says_so(client: Any, admin_token: str) -> None:
    assert "No no-show report is waiting for a decision." in html(client.get("/admin/no-shows"))


def test_upholding_ends_the_booking_as_a_no_show_with_the_note_and_flashes_it(
    client: Any, admin: User, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="disputed")

    response = decide(client, admin_token, booking, "uphold", "Provider admitted it.")

    assert response.status_code == 302 and response.headers["Location"] == "/admin/no-shows"
    after = reloaded(Booking, booking.id)
    assert after.status == BookingStatus.NO_SHOW
    assert (after.decision, after.decided_by, after.decision_note) == ("upheld", admin.id, "Provider admitted it.")
    assert f"No-show upheld on booking #{booking.id}" in html(client.get("/admin/no-shows"))


def test_rejecting_completes_the_booking(
    client: Any, admin: User, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="disputed")

    decide(client, admin_token, booking, "reject")

    after = reloaded(Booking, booking.id)
    assert after.status == BookingStatus.COMPLETED
    assert after.decision == "rejected" and after.decision_note is None
    body = html(client.get("/admin/no-shows"))
    assert f"No-show report on booking #{booking.id} rejected" in body
    assert queued(body) == []


def test_a_second_decision_is_flashed_as_refused_and_changes_nothing(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="disputed")
    decide(client, admin_token, booking, "uphold")
    client.get("/admin/no-shows")  # read the first flash
    before = db_state()

    decide(client, admin_token, booking, "reject")

    assert db_state() == before
    assert "A booking that is no_show cannot be decided" in html(client.get("/admin/no-shows"))


def test_a_booking_not_reported_cannot_be_decided(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="confirmed")
    before = db_state()

    decide(client, admin_token, booking, "uphold")

    assert db_state() == before
    assert "cannot be decided" in html(client.get("/admin/no-shows"))


def test_an_unknown_booking_is_flashed_as_not_found(client: Any, admin_token: str) -> None:
    client.post("/admin/bookings/999999/uphold", data={"csrf_token": admin_token})

    assert "not found" in html(client.get("/admin/no-shows"))


def test_a_note_longer_than_500_characters_is_refused_and_changes_nothing(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="disputed")
    before = db_state()

    decide(client, admin_token, booking, "uphold", "x" * 501)

    assert db_state() == before
    assert reloaded(Booking, booking.id).status == BookingStatus.DISPUTED


def test_a_decision_without_the_csrf_token_is_refused(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User
) -> None:
    booking = book(provider, upto="disputed")

    response = client.post(f"/admin/bookings/{booking.id}/uphold")

    assert response.status_code == 400
    assert reloaded(Booking, booking.id).status == BookingStatus.DISPUTED


def test_a_customer_or_provider_posting_a_decision_gets_403_and_nothing_changes(
    client: Any, book: Callable[..., Booking], customer: User, provider: User
) -> None:
    booking = book(provider, upto="disputed")
    before = without_sessions(db_state())

    for user in (customer, provider):
        token = log_in(client, user)
        assert decide(client, token, booking, "reject").status_code == 403

    assert without_sessions(db_state()) == before


def test_the_queue_runs_the_same_number_of_statements_for_one_report_or_three(
    client: Any, admin_token: str, book: Callable[..., Booking], provider: User, rival: User
) -> None:
    book(provider, 1500, upto="disputed")
    with statements() as one:
        client.get("/admin/no-shows")
    book(rival, 1400, upto="disputed")
    book(provider, 1300, upto="disputed")
    with statements() as three:
        body = html(client.get("/admin/no-shows"))

    assert len(queued(body)) == 3
    assert len(one) == len(three)
