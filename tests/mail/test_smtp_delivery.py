"""The sender against a real SMTP server (tests/smtp_server.py): what arrives, outages,
refusals, backoff, and a sender that died mid-send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from helpers import offer
from mail_helpers import notify_by_email, outbox, row
from markupsafe import escape
from smtp_server import SmtpServer
from sqlalchemy import delete

from bidbazaar import emails, notification_emails, services
from bidbazaar.emails import compose
from bidbazaar.extensions import db
from bidbazaar.mail_models import MailStatus
from bidbazaar.mail_sender import Sent, new_claimer, send_due_mail, send_mail_until_empty
from bidbazaar.mailer import SmtpTransport, open_transport
from bidbazaar.models import Auction, Notification, User
from bidbazaar.notification_emails import draft
from bidbazaar.services.mail_delivery import claim_due, outbox_id
from bidbazaar.services.outbox_admin import retry_failed_emails
from bidbazaar.values import utcnow


@pytest.fixture
def bidder(make_user: Callable[..., User]) -> User:
    return make_user("meera", provider=True, email_verified=True)


def test_an_outbid_email_arrives_with_both_parts_and_the_unsubscribe_headers(
    smtp_server: SmtpServer, auction: Auction, bidder: User, make_user: Callable[..., User]
):
    services.place_bid(bidder, auction.id, offer(Decimal("1500")))
    services.place_bid(make_user("ravi", provider=True), auction.id, offer(Decimal("1400")))
    (pending,) = [item for item in outbox() if item.status == MailStatus.PENDING]

    assert send_due_mail() == Sent(sent=1)

    (received,) = smtp_server.wait_for(1)
    message = received.message
    assert received.rcpt_tos == (bidder.email,)
    assert message["To"] == bidder.email
    assert message["Subject"] == draft(pending).subject
    assert message["Message-ID"] == pending.message_id
    assert message["List-Unsubscribe"].startswith("<http://localhost:5050/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    note = db.session.get(Notification, pending.notification_id)
    assert note.type == "outbid"
    assert note.message in message.get_body(("plain",)).get_content()
    assert str(escape(note.message)) in message.get_body(("html",)).get_content()  # escaped in HTML
    assert row(pending.id).status == MailStatus.SENT


def test_a_sent_row_records_when_it_left(smtp_server: SmtpServer, auction: Auction, bidder: User, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    row_id = notify_by_email(bidder, auction)

    send_due_mail()

    sent = row(row_id)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (MailStatus.SENT, 1, utcnow(), None)


def test_with_the_server_down_rows_stay_pending_with_the_error_and_nothing_is_lost(
    smtp_server: SmtpServer, auction: Auction, bidder: User
):
    ids = [notify_by_email(bidder, auction, f"Outbid {n}") for n in range(3)]
    smtp_server.stop()

    assert send_due_mail() == Sent(retrying=3)

    rows = outbox()
    assert [item.id for item in rows] == ids
    assert {item.status for item in rows} == {MailStatus.PENDING}
    assert all("Connection refused" in item.last_error or "Errno" in item.last_error for item in rows)


def test_after_an_outage_every_message_is_delivered_exactly_once(
    smtp_server: SmtpServer, auction: Auction, bidder: User, time_machine
):
    for n in range(3):
        notify_by_email(bidder, auction, f"Outbid {n}")
    smtp_server.stop()
    send_due_mail()
    smtp_server.start()
    send_due_mail()  # still backing off: nothing is due yet
    assert smtp_server.received() == []

    time_machine.move_to(utcnow() + timedelta(minutes=5))
    assert send_mail_until_empty() == Sent(sent=3)
    send_mail_until_empty()

    ids = smtp_server.message_ids()
    assert sorted(ids) == sorted(item.message_id for item in outbox())
    assert len(set(ids)) == 3
    assert {item.status for item in outbox()} == {MailStatus.SENT}


def test_a_permanently_refused_recipient_ends_failed_with_the_error_and_is_not_retried(
    smtp_server: SmtpServer, auction: Auction, bidder: User, time_machine
):
    row_id = notify_by_email(bidder, auction)
    smtp_server.refuse(bidder.email, 550)

    assert send_due_mail() == Sent(failed=1)
    time_machine.move_to(utcnow() + timedelta(days=2))
    assert send_due_mail() == Sent()

    failed = row(row_id)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, 1)
    assert failed.last_error.startswith(f"{bidder.email}: 550 ")
    assert smtp_server.received() == []


def test_a_refusal_of_one_message_does_not_stop_the_rest_of_the_round(
    smtp_server: SmtpServer, auction: Auction, bidder: User, make_user: Callable[..., User]
):
    other = make_user("kiran", provider=True, email_verified=True)
    notify_by_email(bidder, auction)
    notify_by_email(other, auction)
    smtp_server.refuse(bidder.email, 550)

    assert send_due_mail() == Sent(sent=1, failed=1)
    assert [item.rcpt_tos for item in smtp_server.received()] == [(other.email,)]


def test_a_temporary_refusal_is_retried_with_exponential_backoff(
    smtp_server: SmtpServer, auction: Auction, bidder: User, app, time_machine
):
    time_machine.move_to(utcnow(), tick=False)
    row_id = notify_by_email(bidder, auction)
    smtp_server.refuse(bidder.email, 451)
    retry = app.config["MAIL_RETRY_SECONDS"]

    waits = []
    for _ in range(3):
        started = utcnow()
        assert send_due_mail() == Sent(retrying=1)
        waiting = row(row_id)
        waits.append((waiting.next_attempt_at - started).total_seconds())
        time_machine.move_to(waiting.next_attempt_at - timedelta(seconds=1), tick=False)
        assert send_due_mail() == Sent()  # not due a second early
        time_machine.move_to(waiting.next_attempt_at, tick=False)

    assert waits == [retry, 2 * retry, 4 * retry]
    assert row(row_id).last_error.startswith(f"{bidder.email}: 451 ")


def test_a_temporarily_refused_message_fails_after_the_last_attempt(
    smtp_server: SmtpServer, auction: Auction, bidder: User, app, time_machine
):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    row_id = notify_by_email(bidder, auction)
    smtp_server.refuse(bidder.email, 451)

    outcomes = []
    for _ in range(4):
        outcomes.append(send_due_mail())
        time_machine.move_to(utcnow() + timedelta(hours=7))

    assert outcomes == [Sent(retrying=1), Sent(retrying=1), Sent(failed=1), Sent()]
    failed = row(row_id)
    assert (failed.status, failed.attempts) == (MailStatus.FAILED, 3)
    assert "451" in failed.last_error


def test_a_row_whose_sender_died_mid_send_is_resent_with_the_same_message_id_after_its_lease(
    smtp_server: SmtpServer, auction: Auction, bidder: User, time_machine
):
    row_id = notify_by_email(bidder, auction)
    (claimed,) = claim_due(utcnow(), 10, "a-sender-that-dies")  # and never marks it

    assert send_due_mail() == Sent()  # the lease still holds: nobody else may send it
    time_machine.move_to(claimed.claimed_until + timedelta(seconds=1))
    assert send_due_mail() == Sent(sent=1)

    assert smtp_server.message_ids() == [claimed.message_id]
    resent = row(row_id)
    assert (resent.status, resent.attempts) == (MailStatus.SENT, 2)
    assert resent.claimed_by != "a-sender-that-dies"


def test_a_sender_that_lost_its_claim_cannot_mark_the_row(
    smtp_server: SmtpServer, auction: Auction, bidder: User, time_machine
):
    from bidbazaar.services.mail_delivery import mark_sent

    row_id = notify_by_email(bidder, auction)
    (slow,) = claim_due(utcnow(), 10, "slow-sender")
    time_machine.move_to(slow.claimed_until + timedelta(seconds=1))
    (fast,) = claim_due(utcnow(), 10, new_claimer())

    assert mark_sent(slow, "slow-sender") is False
    assert row(row_id).claimed_by == fast.claimed_by
    assert row(row_id).status == MailStatus.SENDING


def test_a_row_deleted_while_it_was_being_sent_is_left_alone_without_an_error(
    smtp_server: SmtpServer, auction: Auction, bidder: User
):
    from bidbazaar.mail_models import OutboundEmail
    from bidbazaar.services.mail_delivery import mark_sent

    row_id = notify_by_email(bidder, auction)
    (claimed,) = claim_due(utcnow(), 10, "the-sender")
    assert claimed.id == row_id  # loaded, as composing the message loads it
    with db.engine.begin() as elsewhere:  # another process's cleanup: this session's row stays loaded
        elsewhere.execute(delete(OutboundEmail).where(OutboundEmail.id == row_id))

    assert mark_sent(claimed, "the-sender") is False


def test_a_row_deleted_after_the_claim_is_skipped_and_the_round_goes_on(
    smtp_server: SmtpServer, auction: Auction, bidder: User, monkeypatch
):
    from bidbazaar.mail_models import OutboundEmail

    first = notify_by_email(bidder, auction, "Sent first")
    second = notify_by_email(bidder, auction, "Deleted meanwhile")

    def compose_then_clean_up(row):  # another process's cleanup, mid-round
        if outbox_id(row) == first:
            with db.engine.begin() as elsewhere:
                elsewhere.execute(delete(OutboundEmail).where(OutboundEmail.id == second))
        return compose(row)

    monkeypatch.setattr(emails, "compose", compose_then_clean_up)

    assert send_due_mail() == Sent(sent=1)
    assert len(smtp_server.received()) == 1


def test_a_message_that_cannot_be_composed_fails_alone_and_the_round_goes_on(
    smtp_server: SmtpServer, auction: Auction, bidder: User, monkeypatch
):
    broken = notify_by_email(bidder, auction, "Cannot be rendered")
    notify_by_email(bidder, auction, "Still fine")

    def draft_or_break(row):  # e.g. a template error for this one message
        if row.id == broken:
            raise KeyError("note")
        return draft(row)

    monkeypatch.setattr(notification_emails, "draft", draft_or_break)

    assert send_due_mail() == Sent(sent=1, failed=1)

    failed = row(broken)
    assert failed.status == MailStatus.FAILED
    assert failed.last_error == "cannot compose: KeyError: 'note'"
    assert len(smtp_server.received()) == 1


def test_an_admin_retry_sends_a_failed_message_again(smtp_server: SmtpServer, auction: Auction, bidder: User):
    row_id = notify_by_email(bidder, auction)
    smtp_server.refuse(bidder.email, 550)
    send_due_mail()
    smtp_server.accept(bidder.email)

    assert retry_failed_emails([row_id]) == 1
    waiting = row(row_id)
    assert (waiting.status, waiting.attempts) == (MailStatus.PENDING, 0)
    assert waiting.last_error.startswith(f"{bidder.email}: 550")  # kept until it sends
    assert send_due_mail() == Sent(sent=1)
    assert row(row_id).last_error is None


def test_retry_failed_leaves_rows_that_did_not_fail_alone(smtp_server: SmtpServer, auction: Auction, bidder: User):
    row_id = notify_by_email(bidder, auction)

    assert retry_failed_emails([row_id]) == 0
    assert retry_failed_emails(None) == 0
    assert row(row_id).status == MailStatus.PENDING


def test_a_connection_the_server_dropped_between_two_messages_is_opened_again(
    smtp_server: SmtpServer, app, auction: Auction, bidder: User
):
    first, second = (row(notify_by_email(bidder, auction, f"Outbid {n}")) for n in range(2))
    with open_transport(app) as transport:
        transport.send(compose(first))
        smtp_server.stop()  # closes the open session too
        smtp_server.start()
        transport.send(compose(second))

    assert smtp_server.message_ids() == [first.message_id, second.message_id]


def test_a_message_the_transport_cannot_handle_fails_alone(
    smtp_server: SmtpServer, auction: Auction, bidder: User, monkeypatch
):
    broken = row(notify_by_email(bidder, auction))
    notify_by_email(bidder, auction)
    send = SmtpTransport.send

    def send_or_break(transport, message):  # e.g. an address smtplib cannot encode
        if message["Message-ID"] == broken.message_id:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range(128)")
        send(transport, message)

    monkeypatch.setattr(SmtpTransport, "send", send_or_break)

    assert send_due_mail() == Sent(sent=1, failed=1)
    assert row(broken.id).last_error.startswith("cannot send: UnicodeEncodeError")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_in_the_mail_url_are_decoded_and_used_to_log_in(app, auction: Auction, bidder: User):
    with SmtpServer(credentials=("apikey@bidbazaar.in", "p@ss:w/rd")) as server:
        app.config["MAIL_URL"] = f"smtp://apikey%40bidbazaar.in:p%40ss%3Aw%2Frd@{server.host}:{server.port}"
        notify_by_email(bidder, auction)

        assert send_due_mail() == Sent(sent=1)
        assert len(server.received()) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_login_keeps_the_message_for_a_retry(app, auction: Auction, bidder: User):
    with SmtpServer(credentials=("apikey", "right")) as server:
        app.config.update(MAIL_URL=f"smtp://apikey:wrong@{server.host}:{server.port}", MAIL_TIMEOUT_SECONDS=2)
        row_id = notify_by_email(bidder, auction)

        assert send_due_mail() == Sent(retrying=1)  # a login problem is the server's, never the message's
        assert row(row_id).status == MailStatus.PENDING
        assert row(row_id).last_error
        assert server.received() == []
