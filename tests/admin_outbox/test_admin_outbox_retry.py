"""POST /admin/outbox/retry: one failed message, or all of them, back to pending with a fresh
attempt count and due now; only failed rows change, and the CSRF token is required."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import db_state, html
from outbox_helpers import add_email, reloaded, retry

from bidbazaar.mail_models import MailStatus
from bidbazaar.models import utcnow
from bidbazaar.services.outbox_admin import retry_failed_emails


def test_retrying_one_failed_message_makes_it_pending_due_now_with_no_attempts(client: Any, admin_token: str) -> None:
    failed = add_email(MailStatus.FAILED, attempts=8, last_error="421 try later")
    other = add_email(MailStatus.FAILED, attempts=8)
    assert failed.next_attempt_at > utcnow() + timedelta(minutes=30)  # as the sender left it
    before = utcnow()

    response = retry(client, admin_token, failed.id)

    assert response.status_code == 302 and response.headers["Location"] == "/admin/outbox"
    after = reloaded(failed.id)
    assert (after.status, after.attempts) == (MailStatus.PENDING, 0)
    assert before <= after.next_attempt_at <= utcnow()
    assert reloaded(other.id).status == MailStatus.FAILED
    assert f"Message #{failed.id} will be sent again." in html(client.get("/admin/outbox"))


def test_retrying_all_changes_every_failed_message_and_no_other(client: Any, admin_token: str) -> None:
    failed = [add_email(MailStatus.FAILED, attempts=8) for _ in range(3)]
    others = [add_email(status) for status in MailStatus.ALL if status != MailStatus.FAILED]
    before = {row.id: (row.status, row.attempts, row.next_attempt_at) for row in others}

    retry(client, admin_token)

    assert [reloaded(row.id).status for row in failed] == [MailStatus.PENDING] * 3
    assert {row.id: (r.status, r.attempts, r.next_attempt_at) for row in others if (r := reloaded(row.id))} == before
    assert "3 failed messages will be sent again." in html(client.get("/admin/outbox"))


def test_retrying_a_message_that_is_not_failed_changes_nothing_and_says_so(client: Any, admin_token: str) -> None:
    sent = add_email(MailStatus.SENT, attempts=2)
    state = db_state()

    retry(client, admin_token, sent.id)

    assert db_state() == state
    assert f"Message #{sent.id} is no longer failed: nothing to retry." in html(client.get("/admin/outbox"))


def test_a_message_retried_twice_is_queued_once(app: Any) -> None:
    failed = add_email(MailStatus.FAILED, attempts=8)

    assert retry_failed_emails([failed.id]) == 1
    assert retry_failed_emails([failed.id]) == 0
    assert reloaded(failed.id).status == MailStatus.PENDING


def test_retry_all_with_nothing_failed_queues_nothing(app: Any) -> None:
    add_email(MailStatus.SENT)

    assert retry_failed_emails(None) == 0


def test_an_empty_id_list_queues_nothing(app: Any) -> None:
    add_email(MailStatus.FAILED)

    assert retry_failed_emails([]) == 0


def test_a_retry_without_the_csrf_token_is_refused_and_changes_nothing(client: Any, admin_token: str) -> None:
    failed = add_email(MailStatus.FAILED, attempts=8)
    state = db_state()

    response = client.post("/admin/outbox/retry", data={"id": failed.id})

    assert response.status_code in (302, 400)
    assert db_state() == state


def test_a_malformed_id_is_refused_and_changes_nothing(client: Any, admin_token: str) -> None:
    add_email(MailStatus.FAILED, attempts=8)
    state = db_state()

    retry(client, admin_token, -1)  # type: ignore[arg-type]

    assert db_state() == state
