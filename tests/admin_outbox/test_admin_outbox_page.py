"""GET /admin/outbox: for administrators only; the counts by status, the oldest pending
message's age, the failed messages with their errors (newest first, paged) and the last sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from helpers import html, log_in
from outbox_helpers import add_email

from bidbazaar.mail_models import MailStatus
from bidbazaar.models import User, utcnow
from bidbazaar.queries import outbox as outbox_views


def rows(body: str, table: str) -> list[int]:
    section = body.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<tr data-message-id="(\d+)"', section)]


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Any) -> None:
    response = client.get("/admin/outbox")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_user_who_is_not_an_admin_is_refused(client: Any, customer: User) -> None:
    log_in(client, customer)

    assert client.get("/admin/outbox").status_code == 403


def test_a_user_who_is_not_an_admin_cannot_retry(client: Any, customer: User) -> None:
    token = log_in(client, customer)
    failed = add_email(MailStatus.FAILED, attempts=8)

    response = client.post("/admin/outbox/retry", data={"csrf_token": token, "id": failed.id})

    assert response.status_code == 403
    assert outbox_views.failed_count() == 1


def test_the_counts_show_every_status_with_its_number(client: Any, admin_token: str) -> None:
    for status, n in {MailStatus.PENDING: 3, MailStatus.SENT: 2, MailStatus.FAILED: 1, MailStatus.HELD: 4}.items():
        for _ in range(n):
            add_email(status)

    body = html(client.get("/admin/outbox"))

    shown = dict(re.findall(r'<dd data-status="(\w+)">(\d+)</dd>', body))
    assert shown == {
        "pending": "3",
        "sending": "0",
        "sent": "2",
        "failed": "1",
        "held": "4",
        "digested": "0",
        "suppressed": "0",
    }


def test_the_oldest_pending_age_is_counted_from_the_oldest_pending_row(client: Any, admin_token: str) -> None:
    now = utcnow()
    add_email(MailStatus.PENDING, created_at=now - timedelta(minutes=12))
    add_email(MailStatus.PENDING, created_at=now - timedelta(minutes=3))
    add_email(MailStatus.FAILED, created_at=now - timedelta(days=2))  # not pending: not counted

    with time_machine.travel(now, tick=False):
        body = html(client.get("/admin/outbox"))

    assert 'data-figure="oldest_pending">12 min<' in body


def test_with_nothing_pending_the_oldest_age_is_a_dash(client: Any, admin_token: str) -> None:
    add_email(MailStatus.SENT)

    assert 'data-figure="oldest_pending">—<' in html(client.get("/admin/outbox"))


def test_failed_messages_are_listed_newest_first_with_their_errors(client: Any, admin_token: str) -> None:
    now = utcnow()
    older = add_email(
        MailStatus.FAILED,
        to="asha@example.com",
        attempts=8,
        last_error="421 Service not available",
        created_at=now - timedelta(hours=2),
    )
    newer = add_email(
        MailStatus.FAILED,
        to="ravi@example.com",
        kind="password_reset",
        attempts=1,
        last_error="550 5.1.1 <ravi@example.com>: Recipient address rejected",
        created_at=now - timedelta(hours=1),
    )
    add_email(MailStatus.SENT, to="meena@example.com")

    body = html(client.get("/admin/outbox"))

    assert rows(body, "failed-table") == [newer.id, older.id]
    assert "421 Service not available" in body
    assert "550 5.1.1 &lt;ravi@example.com&gt;: Recipient address rejected" in body
    assert "password_reset" in body and "asha@example.com" in body


def test_failed_times_are_shown_in_india_time(client: Any, admin_token: str) -> None:
    add_email(MailStatus.FAILED, last_error="boom", created_at=datetime(2026, 3, 1, 6, 0, tzinfo=UTC))

    body = html(client.get("/admin/outbox"))

    assert "01 Mar 2026, 11:30 IST" in body


def test_failed_messages_are_paged_fifty_at_a_time(client: Any, admin_token: str) -> None:
    now = utcnow()
    ids = [add_email(MailStatus.FAILED, created_at=now - timedelta(minutes=i)).id for i in range(51)]

    first, second = html(client.get("/admin/outbox")), html(client.get("/admin/outbox?page=2"))

    assert rows(first, "failed-table") == ids[:50]
    assert rows(second, "failed-table") == ids[50:]
    assert 'rel="next"' in first


def test_a_bad_page_number_is_a_400_and_the_counts_still_show(client: Any, admin_token: str) -> None:
    response = client.get("/admin/outbox?page=0")

    assert response.status_code == 400
    assert "Please correct the page number." in html(response)


def test_recently_sent_shows_the_last_twenty_most_recent_first(client: Any, admin_token: str) -> None:
    now = utcnow()
    ids = [add_email(MailStatus.SENT, sent_at=now - timedelta(seconds=i)).id for i in range(22)]

    body = html(client.get("/admin/outbox"))

    assert rows(body, "sent-table") == ids[:20]


def test_an_empty_outbox_says_so(client: Any, admin_token: str) -> None:
    body = html(client.get("/admin/outbox"))

    assert "No failed message." in body and "Nothing sent yet." in body
    assert "Retry all failed" not in body


def test_the_admin_navigation_links_the_outbox(client: Any, admin_token: str) -> None:
    body = html(client.get("/admin/"))

    assert '<a href="/admin/outbox">Outbox</a>' in body


def test_the_dashboard_shows_the_failed_count(client: Any, admin_token: str) -> None:
    add_email(MailStatus.FAILED)
    add_email(MailStatus.FAILED)
    add_email(MailStatus.SENT)

    body = html(client.get("/admin/"))

    assert 'data-figure="failed_emails">2</a>' in body
