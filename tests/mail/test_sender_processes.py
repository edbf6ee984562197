"""Two sender processes on one database never send one row twice, and `flask send-mail`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from mail_helpers import outbox
from smtp_server import SmtpServer

from bidbazaar.database import write_transaction
from bidbazaar.mail_models import MailStatus
from bidbazaar.models import Auction, User
from bidbazaar.services.notifications import notify_many
from devtools.processes import ROOT, SCRUBBED_ENV, stop_process

SENDER = Path(__file__).with_name("sender_process.py")


@pytest.fixture
def bidder(make_user: Callable[..., User]) -> User:
    return make_user("meera", provider=True, email_verified=True)


def outbid_many(user: User, auction: Auction, count: int) -> None:
    """`count` instant emails in one transaction (as a real notify_many would write them)."""
    with write_transaction() as after_commit:
        notify_many(after_commit, [(user.id, "outbid", auction, f"Outbid #{n}", {}) for n in range(count)])


def test_two_sender_processes_never_send_one_row_twice(
    smtp_server: SmtpServer, database_url: str, auction: Auction, bidder: User, tmp_path
):
    outbid_many(bidder, auction, 200)
    smtp_server.data_delay = 0.005  # each send takes a moment, so the two rounds interleave
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    env.update(DATABASE_URL=database_url, MAIL_URL=smtp_server.url, MAIL_BATCH_SIZE="7", MAIL_SEND_SECONDS="0")
    go = tmp_path / "go"
    senders = [
        subprocess.Popen([sys.executable, str(SENDER), str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for sender in senders:
            assert sender.stdout.readline().strip() == "ready"
        go.touch()
        counts = [json.loads(sender.communicate(timeout=120)[0]) for sender in senders]
    finally:
        for sender in senders:
            stop_process(sender)

    assert [sender.returncode for sender in senders] == [0, 0]
    ids = smtp_server.message_ids()
    assert len(ids) == 200
    assert len(set(ids)) == 200
    rows = outbox()
    assert {row.status for row in rows} == {MailStatus.SENT}
    assert set(ids) == {row.message_id for row in rows}
    assert sum(count["sent"] for count in counts) == 200
    assert all(count["sent"] > 0 for count in counts), counts  # both really took part


def test_the_send_mail_command_runs_one_round_and_prints_its_counts(
    smtp_server: SmtpServer, app, runner, auction: Auction, bidder: User
):
    app.config["MAIL_BATCH_SIZE"] = 2
    outbid_many(bidder, auction, 3)

    first = runner.invoke(args=["send-mail"])
    second = runner.invoke(args=["send-mail"])

    assert (first.exit_code, first.output) == (0, "Sent: 2; to retry: 0; failed: 0.\n")
    assert second.output == "Sent: 1; to retry: 0; failed: 0.\n"
    assert len(smtp_server.received()) == 3


def test_send_mail_until_empty_sends_every_due_message(
    smtp_server: SmtpServer, app, runner, auction: Auction, bidder: User
):
    app.config["MAIL_BATCH_SIZE"] = 2
    outbid_many(bidder, auction, 5)

    result = runner.invoke(args=["send-mail", "--until-empty"])

    assert result.output == "Sent: 5; to retry: 0; failed: 0.\n"
    assert len(set(smtp_server.message_ids())) == 5


def test_send_mail_refuses_to_run_when_mail_is_not_configured(app, runner, auction: Auction, bidder: User):
    app.config.update(APP_ENV="production", MAIL_URL=None)
    outbid_many(bidder, auction, 1)

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 1
    assert "MAIL_URL is not set" in result.output
    assert [row.status for row in outbox()] == [MailStatus.PENDING]
