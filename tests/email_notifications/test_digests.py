"""The daily digest: nothing before DIGEST_HOUR_IST (an IST hour, on IST dates), exactly one per
user and day however often and however many processes compose it, the next day's rows in the
next digest, and an email that lists every item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import race
from notify_mail_helpers import composed, digests, latest_row, outbox, tell
from sqlalchemy import event, select

from bidbazaar.extensions import db
from bidbazaar.mail_models import MailDigest, OutboundEmail
from bidbazaar.services import compose_due_digests, set_preferences
from bidbazaar.services.email_preferences import read_unsubscribe_token

DAY = datetime(2030, 1, 5, tzinfo=UTC)
BEFORE_EIGHT_IST = DAY.replace(hour=2, minute=29)  # 07:59 IST on 5 January
EIGHT_IST = DAY.replace(hour=2, minute=30)  # 08:00 IST
EVENING_IST = DAY.replace(hour=14)  # 19:30 IST, same IST day
AFTER_MIDNIGHT_IST = DAY.replace(hour=19)  # 00:30 IST on 6 January (still 5 January in UTC)
NEXT_EIGHT_IST = EIGHT_IST + timedelta(days=1)


@pytest.fixture
def clock(time_machine):
    """clock(t): move the frozen clock to t (notifications are stamped with it)."""

    def move(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    move(DAY.replace(hour=0))  # 05:30 IST: the notifications below come before the digest hour
    return move


@pytest.fixture
def job(clock, make_auction, buyer):
    return make_auction(buyer, title="Weekly cleaning, 3BHK", deadline=DAY + timedelta(days=3))


def test_nothing_is_composed_before_the_digest_hour_in_ist(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")

    assert compose_due_digests(BEFORE_EIGHT_IST) == 0
    assert digests() == [] and [row[1] for row in outbox()] == ["held"]


def test_the_digest_is_composed_from_the_digest_hour_in_ist(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")

    assert compose_due_digests(EIGHT_IST) == 1

    assert digests() == [(buyer.id, "2030-01-05")]
    assert outbox() == [("notification", "digested", buyer.id, "new_bid"), ("digest", "pending", buyer.id, None)]


def test_the_hour_and_the_day_are_indias_not_utcs(app, job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    assert compose_due_digests(EIGHT_IST) == 1
    tell(buyer, "new_bid", job, "Another bid.")

    # 19:00 UTC is past 08:00 on the UTC date, but 00:30 IST on the next Indian day: not yet.
    assert compose_due_digests(AFTER_MIDNIGHT_IST) == 0
    app.config["DIGEST_HOUR_IST"] = 0
    assert compose_due_digests(AFTER_MIDNIGHT_IST) == 1

    assert digests() == [(buyer.id, "2030-01-05"), (buyer.id, "2030-01-06")]


def test_composing_twice_on_one_day_makes_one_digest(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")

    assert [compose_due_digests(EIGHT_IST), compose_due_digests(EVENING_IST)] == [1, 0]
    assert digests() == [(buyer.id, "2030-01-05")]
    assert [row[0] for row in outbox()].count("digest") == 1


def test_two_processes_racing_make_exactly_one_digest_per_user(app, job, buyer, seller):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    tell(seller, "auction_lost", job, '"Weekly cleaning, 3BHK" went to another provider.')

    results = race(app, *[lambda: compose_due_digests(EIGHT_IST)] * 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 2
    assert sorted(digests()) == sorted([(buyer.id, "2030-01-05"), (seller.id, "2030-01-05")])
    assert sorted(row[2] for row in outbox() if row[0] == "digest") == sorted([buyer.id, seller.id])


def test_rows_held_after_the_claim_wait_for_the_next_days_digest(clock, job, buyer):
    tell(buyer, "new_bid", job, "First bid.")
    compose_due_digests(EIGHT_IST)
    clock(EIGHT_IST + timedelta(hours=1))
    tell(buyer, "new_bid", job, "Second bid.")

    assert compose_due_digests(EVENING_IST) == 0
    assert outbox()[-1] == ("notification", "held", buyer.id, "new_bid")

    assert compose_due_digests(NEXT_EIGHT_IST) == 1
    assert digests() == [(buyer.id, "2030-01-05"), (buyer.id, "2030-01-06")]
    first, second = db.session.scalars(select(MailDigest.id).order_by(MailDigest.id)).all()
    assert [
        (row.status, row.digest_id) for row in db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id))
    ] == [("digested", first), ("pending", first), ("digested", second), ("pending", second)]


def test_a_user_with_nothing_held_gets_no_digest(job, buyer, seller):
    tell(seller, "outbid", job, "You were outbid.")  # instant: pending, not held

    assert compose_due_digests(EIGHT_IST) == 0
    assert digests() == []


def test_a_user_no_longer_verified_keeps_the_rows_held(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    buyer.email_verified = False
    db.session.commit()

    assert compose_due_digests(EIGHT_IST) == 0
    assert digests() == [] and outbox() == [("notification", "held", buyer.id, "new_bid")]


def test_a_deactivated_user_keeps_the_rows_held(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    buyer.is_active = False
    db.session.commit()

    assert compose_due_digests(EIGHT_IST) == 0
    assert outbox() == [("notification", "held", buyer.id, "new_bid")]


def test_a_type_turned_off_before_the_digest_hour_leaves_nothing_to_send(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    set_preferences(buyer, {"new_bid": "off"})

    assert compose_due_digests(EIGHT_IST) == 0
    assert digests() == [] and outbox() == [("notification", "suppressed", buyer.id, "new_bid")]


def statements_of(call) -> int:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_the_cost_is_constant_per_user_whatever_the_number_of_held_rows(clock, job, buyer, seller):
    def compose_on(day: int, rows_each: int, users: list) -> int:
        clock(DAY.replace(hour=0) + timedelta(days=day))
        for user in users:
            for n in range(rows_each):
                tell(user, "new_bid", job, f"Bid {n}.")
        return statements_of(lambda: compose_due_digests(EIGHT_IST + timedelta(days=day)))

    nobody = compose_on(0, 0, [])
    one_user = compose_on(1, 1, [buyer])
    two_users = compose_on(2, 1, [buyer, seller])
    two_users_five_rows_each = compose_on(3, 5, [buyer, seller])

    assert len(digests()) == 5
    assert one_user > nobody
    assert two_users - one_user == one_user - nobody  # each user costs the same statements
    assert two_users_five_rows_each == two_users  # whatever the number of held rows


def test_the_digest_email_lists_every_item_grouped_oldest_first(clock, job, make_bid, buyer, seller):
    set_preferences(seller, {"outbid": "digest"})
    clock(DAY.replace(hour=0, minute=10))
    tell(seller, "auction_lost", job, '"Weekly cleaning, 3BHK" went to another provider.')
    clock(DAY.replace(hour=0, minute=20))
    tell(seller, "outbid", job, "You were outbid: the lowest bid is now ₹1,50,000.", {"lowest_bid": 150000})
    clock(DAY.replace(hour=0, minute=30))
    tell(seller, "outbid", job, "You were outbid again: the lowest bid is now ₹1,40,000.", {"lowest_bid": 140000})
    clock(DAY.replace(hour=0, minute=40))
    tell(seller, "question_answered", job, "A question was answered.")
    compose_due_digests(EIGHT_IST)

    message, text, html = composed(latest_row("digest"))

    assert message["Subject"] == "Your Bid Bazaar digest: 4 updates"
    assert message["To"] == "arjun@example.com"
    order = ["You were outbid: the", "You were outbid again", "went to another provider", "question was answered"]
    for part in (text, html):
        positions = [part.index(snippet) for snippet in order]
        assert positions == sorted(positions), part  # outbid before auction_lost (EMAIL_TYPES), oldest first
        assert "Bidding" in part and "₹1,40,000" in part and "05 Jan 2030, 05:40 IST" in part
        assert part.count(f"http://localhost:5050/auctions/{job.id}") >= 4
    header = message["List-Unsubscribe"]
    assert read_unsubscribe_token(header[1:-1].split("token=", 1)[1]) == (seller.id, "digest")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_digest_of_one_update_says_so(job, buyer):
    tell(buyer, "new_bid", job, "New bid of ₹1,800.")
    compose_due_digests(EIGHT_IST)

    message, text, _ = composed(latest_row("digest"))

    assert message["Subject"] == "Your Bid Bazaar digest: 1 update"
    assert "Your jobs" in text and "New bid of ₹1,800." in text
