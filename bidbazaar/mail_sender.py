"""The mail sender: every MAIL_SEND_SECONDS it claims a batch of due outbox rows, composes
each, sends it over MAIL_URL's transport and marks it (docs/email.md). `flask send-mail`
runs the same round from cron.

Safe in every server process at once: claiming is a conditional update (services.
mail_delivery), so each row is sent by one process. Sending happens here, outside any
request and any database transaction, so a slow mail server never slows a bid.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy.orm.exc import ObjectDeletedError

from bidbazaar import emails, mailer
from bidbazaar.extensions import db, log, socketio
from bidbazaar.services.digests import compose_due_digests
from bidbazaar.services.mail_delivery import claim_due, lease, mark_failed, mark_sent, outbox_id, release
from bidbazaar.values import utcnow


@dataclass
class Sent:
    """What one round (or several) did: messages sent, put back to retry, failed for good."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed

    def __add__(self, other: Sent) -> Sent:
        return Sent(self.sent + other.sent, self.retrying + other.retrying, self.failed + other.failed)

    def count(self, status: str) -> None:
        if status == "pending":
            self.retrying += 1
        elif status == "failed":
            self.failed += 1


def new_claimer() -> str:
    """A name unique to one round of one process (host, pid, random), at most 64 chars."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def send_due_mail(now: datetime | None = None) -> Sent:
    """One round: claim up to MAIL_BATCH_SIZE due rows, send each, mark each.

    A row that cannot be composed (its notification deleted, a template error) fails for
    good on its own; a mail server that cannot be reached puts the whole batch back to
    retry. Mail not configured (production without MAIL_URL): nothing is claimed.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    transport = mailer.open_transport(app)
    if transport is None:
        return Sent()
    now = now or utcnow()
    # The digests due this hour are enqueued first, so this very round can send them.
    compose_due_digests(now)
    claimer = new_claimer()
    rows = claim_due(now, app.config["MAIL_BATCH_SIZE"], claimer)
    done = Sent()
    if not rows:
        return done
    timeout = app.config["MAIL_TIMEOUT_SECONDS"]
    # Stop while the claim still holds with a send to spare; the rest goes back untouched.
    deadline = time.monotonic() + (lease(len(rows)) - timedelta(seconds=2 * timeout)).total_seconds()
    with transport:
        for index, row in enumerate(rows):
            if time.monotonic() > deadline:
                release(rows[index:], claimer)
                log.warning("mail round ran out of its lease; %d messages handed back", len(rows) - index)
                break
            try:
                message = emails.compose(row)
            except ObjectDeletedError:
                # Deleted since the claim (another process's cleanup): nothing to send or mark.
                db.session.rollback()
                log.info("outbox row %s was deleted while claimed; skipped", outbox_id(row))
                continue
            except Exception as exc:
                db.session.rollback()
                log.exception("outbox row %s cannot be composed; marked failed", outbox_id(row))
                done.count(mark_failed(row, claimer, f"cannot compose: {type(exc).__name__}: {exc}", True, now))
                continue
            try:
                transport.send(message)
            except mailer.SendError as error:
                done.count(mark_failed(row, claimer, error.text, error.permanent, now))
                if error.connection:
                    # The server is unreachable: the rest of the batch would only wait for
                    # the same timeout; each is charged this attempt and retried later.
                    for rest in rows[index + 1 :]:
                        done.count(mark_failed(rest, claimer, error.text, False, now))
                    log.warning(
                        "mail server unreachable (%s); %d messages will be retried", error.text, len(rows) - index
                    )
                    break
                continue
            except Exception as exc:  # e.g. an address smtplib cannot encode: resending cannot help
                log.exception("outbox row %s cannot be sent; marked failed", outbox_id(row))
                done.count(mark_failed(row, claimer, f"cannot send: {type(exc).__name__}: {exc}", True, now))
                continue
            if mark_sent(row, claimer, now):
                done.sent += 1
    return done


def send_mail_until_empty(now: datetime | None = None) -> Sent:
    """Rounds until nothing is due (messages put back to retry are due later, not now)."""
    total = Sent()
    while True:
        done = send_due_mail(now)
        total += done
        if done.total == 0:
            return total


def send_forever(app: Flask) -> None:
    """A round every MAIL_SEND_SECONDS, at once again while batches come back full; a
    failed round is logged, not fatal."""
    interval = app.config["MAIL_SEND_SECONDS"]
    while True:
        full = False
        try:
            with app.app_context():
                full = send_due_mail().total >= app.config["MAIL_BATCH_SIZE"]
        except Exception:
            log.exception("mail round failed; retrying next round")
            with app.app_context():
                db.session.remove()
        socketio.sleep(0 if full else interval)


def start_mail_sender(app: Flask) -> bool:
    """Start the sender as a background task, unless MAIL_SEND_SECONDS is 0 or mail is not
    configured (production without MAIL_URL: the rows wait in the outbox). True if started."""
    if app.config["MAIL_SEND_SECONDS"] <= 0 or mailer.mail_status(app.config) == "not_configured":
        return False
    socketio.start_background_task(send_forever, app)
    return True
