"""MAIL_URL, the transports' failure classes, the development file backend, health and
the warnings a production start gives when mail cannot reach anyone."""

from __future__ import annotations

import email
import email.policy
import logging
import smtplib
from collections.abc import Callable

import pytest
from mail_helpers import notify_by_email, row

from app import create_app
from bidbazaar import mailer
from bidbazaar.mail_models import MailStatus
from bidbazaar.mail_sender import Sent, send_due_mail, start_mail_sender
from bidbazaar.mailer import MailTarget, classify, mail_status, parse_mail_url
from bidbazaar.models import Auction, User

PRODUCTION_SECRET = "p" * 40


@pytest.fixture
def bidder(make_user: Callable[..., User]) -> User:
    return make_user("meera", provider=True, email_verified=True)


# --------------------------------------------------------------------------- MAIL_URL


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (
            "smtp://user:pass@mail.example.com:587?starttls=true",
            MailTarget("smtp", "mail.example.com", 587, "user", "pass", starttls=True),
        ),
        ("smtp://mail.example.com", MailTarget("smtp", "mail.example.com", 25)),
        ("smtps://user:pass@mail.example.com:465", MailTarget("smtps", "mail.example.com", 465, "user", "pass")),
        ("smtps://mail.example.com", MailTarget("smtps", "mail.example.com", 465)),
        (
            "smtp://apikey%40example.com:p%40ss%3Aw%2Fd@smtp.example.com:2525?starttls=false",
            MailTarget("smtp", "smtp.example.com", 2525, "apikey@example.com", "p@ss:w/d"),
        ),
        ("file:///var/mail/bid%20bazaar", MailTarget("file", directory="/var/mail/bid bazaar")),
    ],
)
def test_mail_urls_parse_into_their_transport_settings(url: str, target: MailTarget):
    assert parse_mail_url(url) == target


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("smtpx://mail.example.com", "scheme must be one of smtp, smtps, file"),
        ("mail.example.com:587", "scheme must be one of"),
        ("smtp://:587", "needs a host"),
        ("smtp://mail.example.com:port", "invalid port"),
        ("file://relative/dir", "absolute directory"),
        ("smtps://mail.example.com?starttls=true", "TLS already"),
    ],
)
def test_a_mail_url_we_cannot_send_through_is_refused_naming_the_problem(url: str, complaint: str):
    with pytest.raises(ValueError, match=complaint):
        parse_mail_url(url)


def test_an_app_with_an_unusable_mail_url_does_not_start(config):
    config.MAIL_URL = "http://mail.example.com"

    with pytest.raises(RuntimeError, match="MAIL_URL scheme must be one of smtp, smtps, file, not 'http'"):
        create_app(config)


@pytest.mark.parametrize(
    ("app_env", "url", "status"),
    [
        ("development", None, "file"),
        ("production", None, "not_configured"),
        ("production", "smtp://mail.example.com:587?starttls=true", "smtp"),
        ("development", "smtps://mail.example.com", "smtp"),
        ("production", "file:///var/mail", "file"),
    ],
)
def test_mail_status_names_the_transport_in_use(app_env: str, url: str | None, status: str):
    assert mail_status({"APP_ENV": app_env, "MAIL_URL": url, "MAIL_DIR": None}) == status


# --------------------------------------------------------------------------- failure classes


@pytest.mark.parametrize(
    ("exc", "permanent", "text"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.in": (550, b"no such user")}), True, "a@x.in: 550 no such user"),
        (
            smtplib.SMTPRecipientsRefused({"a@x.in": (550, b"no"), "b@x.in": (451, b"later")}),
            False,
            "b@x.in: 451 later",
        ),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True, "554 rejected as spam"),
        (smtplib.SMTPSenderRefused(553, b"sender not allowed", "me@x.in"), True, "553 sender not allowed"),
        (smtplib.SMTPResponseException(452, b"mailbox full"), False, "452 mailbox full"),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False, "Connection unexpectedly closed"),
        (TimeoutError("timed out"), False, "TimeoutError: timed out"),
        (ConnectionRefusedError(111, "Connection refused"), False, "Connection refused"),
    ],
)
def test_only_a_5xx_reply_is_a_permanent_failure(exc: BaseException, permanent: bool, text: str):
    error = classify(exc)

    assert error.permanent is permanent
    assert text in error.text


# --------------------------------------------------------------------------- file backend


def test_in_development_without_mail_url_each_message_is_written_as_an_eml_and_logged(
    app, auction: Auction, bidder: User, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="bidbazaar")
    app.config["MAIL_DIR"] = str(tmp_path / "mail")  # created on demand
    row_id = notify_by_email(bidder, auction)

    assert send_due_mail() == Sent(sent=1)

    (path,) = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == row(row_id).message_id
    assert message["To"] == bidder.email
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("mail written")]
    assert f"to={bidder.email}" in line
    assert f"path={path}" in line
    assert repr(message["Subject"]) in line


def test_the_file_backend_defaults_to_the_instance_folder(app):
    transport = mailer.open_transport(app)

    assert isinstance(transport, mailer.FileTransport)
    assert str(transport.directory) == f"{app.instance_path}/mail"


def test_a_file_mail_url_writes_to_its_directory(app, auction: Auction, bidder: User, tmp_path):
    app.config["MAIL_URL"] = f"file://{tmp_path}/outbox"
    notify_by_email(bidder, auction)

    send_due_mail()

    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


# --------------------------------------------------------------------------- production


@pytest.fixture
def production(config):
    config.APP_ENV = "production"
    config.SECRET_KEY = PRODUCTION_SECRET
    return config


def test_production_without_mail_url_warns_at_start(production, _schema, caplog):
    caplog.set_level(logging.WARNING, logger="bidbazaar")

    create_app(production)

    assert "MAIL_URL is not set: no email will be sent" in caplog.text


def test_production_with_base_url_left_at_localhost_warns_at_start(production, _schema, caplog):
    caplog.set_level(logging.WARNING, logger="bidbazaar")
    production.MAIL_URL = "smtp://mail.example.com:587?starttls=true"

    create_app(production)

    assert "BASE_URL is http://localhost:5050: links in emails will not reach users" in caplog.text
    assert "MAIL_URL" not in caplog.text


def test_a_configured_production_start_gives_no_mail_warning(production, _schema, caplog):
    caplog.set_level(logging.WARNING, logger="bidbazaar")
    production.MAIL_URL = "smtps://mail.example.com"
    production.BASE_URL = "https://bidbazaar.example.in"

    create_app(production)

    assert caplog.text == ""


def test_health_reports_mail_not_configured_in_production_and_stays_ok(production, client):
    body = client.get("/api/health").get_json()

    assert (body["status"], body["mail"]) == ("ok", "not_configured")


def test_health_reports_the_mail_transport(app, client):
    app.config["MAIL_URL"] = "smtp://mail.example.com:587?starttls=true"

    assert client.get("/api/health").get_json()["mail"] == "smtp"


def test_mail_not_configured_sends_nothing_and_keeps_the_rows_pending(production, app, auction, bidder):
    row_id = notify_by_email(bidder, auction)

    assert send_due_mail() == Sent()
    assert (row(row_id).status, row(row_id).attempts) == (MailStatus.PENDING, 0)


@pytest.mark.parametrize(
    ("seconds", "url", "app_env", "started"),
    [
        (5, None, "development", True),
        (0, "smtp://mail.example.com", "development", False),
        (5, None, "production", False),
    ],
)
def test_the_background_sender_starts_only_when_it_has_something_to_send_through(
    app, monkeypatch, seconds: float, url: str | None, app_env: str, started: bool
):
    launched = []
    monkeypatch.setattr("bidbazaar.mail_sender.socketio.start_background_task", lambda *a: launched.append(a))
    app.config.update(MAIL_SEND_SECONDS=seconds, MAIL_URL=url, APP_ENV=app_env)

    assert start_mail_sender(app) is started
    assert len(launched) == int(started)
