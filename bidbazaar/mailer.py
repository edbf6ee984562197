"""Where email goes (MAIL_URL) and how one message leaves: SMTP through the standard
library's smtplib, or .eml files for development (docs/email.md).

    smtp://user:pass@host:587?starttls=true   SMTP, STARTTLS when starttls=true
    smtps://user:pass@host:465                 SMTP over TLS from the first byte
    file:///abs/dir                            one .eml per message in that directory
    unset                                      development: files under MAIL_DIR (default
                                               instance/mail); production: not configured,
                                               nothing is sent and the outbox keeps it all

A transport sends the messages of one sender round over one connection, opened on the
first message and opened again if the server dropped it. A failure is a `SendError`:
permanent when the server refused with a 5xx reply (resending cannot help), transient
otherwise (refused connection, timeout, disconnect, 4xx), with the server's code and text.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask

from bidbazaar.extensions import log

SMTP_SCHEMES = ("smtp", "smtps")
SCHEMES = (*SMTP_SCHEMES, "file")
#: BASE_URL hosts that mean "nobody set it": links in production mail would point nowhere.
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1"}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailTarget:
    """A parsed MAIL_URL."""

    scheme: str  # smtp | smtps | file
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    directory: str | None = None  # file:


def parse_mail_url(url: str) -> MailTarget:
    """Parse MAIL_URL; ValueError, naming the problem, for anything we cannot send through."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"MAIL_URL scheme must be one of {', '.join(SCHEMES)}, not {parts.scheme!r}")
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("MAIL_URL file:// needs an absolute directory, e.g. file:///var/mail/bidbazaar")
        return MailTarget("file", directory=unquote(parts.path))
    if not parts.hostname:
        raise ValueError("MAIL_URL needs a host, e.g. smtp://user:pass@mail.example.com:587?starttls=true")
    try:
        port = parts.port or (465 if scheme == "smtps" else 25)
    except ValueError:
        raise ValueError("MAIL_URL has an invalid port") from None
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["false"])[-1].strip().lower() in _TRUE
    if starttls and scheme == "smtps":
        raise ValueError("MAIL_URL: smtps:// is TLS already; starttls=true is for smtp://")
    return MailTarget(
        scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        starttls=starttls,
    )


def mail_target(config: Any) -> MailTarget | None:
    """MAIL_URL parsed; unset: the development file backend, or None in production."""
    url = _get(config, "MAIL_URL")
    if url:
        return parse_mail_url(url)
    if _get(config, "APP_ENV") == "production":
        return None
    return MailTarget("file", directory=_get(config, "MAIL_DIR"))


def mail_status(config: Any) -> str:
    """ "smtp", "file" or "not_configured" (production without MAIL_URL), for /api/health."""
    target = mail_target(config)
    if target is None:
        return "not_configured"
    return "file" if target.scheme == "file" else "smtp"


def init_app(app: Flask) -> None:
    """At start: refuse a MAIL_URL we cannot use, and warn once about production settings
    that lose mail (no MAIL_URL) or send links that lead nowhere (BASE_URL left at localhost)."""
    try:
        mail_target(app.config)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    if app.config["APP_ENV"] != "production":
        return
    if mail_status(app.config) == "not_configured":
        log.warning("MAIL_URL is not set: no email will be sent; the outbox keeps every message until it is")
    if (urlsplit(app.config["BASE_URL"]).hostname or "") in _LOCAL_HOSTS:
        log.warning(
            "BASE_URL is %s: links in emails will not reach users; set it to the public site", app.config["BASE_URL"]
        )


def _get(config: Any, name: str) -> Any:
    return config.get(name) if isinstance(config, dict) else getattr(config, name, None)


# --------------------------------------------------------------------------- failures


class SendError(Exception):
    """A message did not leave. `permanent`: the server refused it for good (5xx).
    `connection`: nothing could be sent at all (the rest of the round would fail alike)."""

    def __init__(self, text: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(text)
        self.text = text[:1000]
        self.permanent = permanent
        self.connection = connection


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def classify(exc: BaseException) -> SendError:
    """A send's exception as a SendError: 5xx replies are permanent, everything else transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        permanent = bool(replies) and all(500 <= code < 600 for code, _ in replies)
        text = "; ".join(f"{address}: {_reply(code, msg)}" for address, (code, msg) in exc.recipients.items())
        return SendError(text or "all recipients refused", permanent=permanent)
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(_reply(exc.smtp_code, exc.smtp_error), permanent=500 <= exc.smtp_code < 600)
    return SendError(f"{type(exc).__name__}: {exc}".strip())


# --------------------------------------------------------------------------- transports


class Transport(Protocol):
    """Sends the messages of one round; `close()` ends its connection (context manager)."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Transport: ...

    def __exit__(self, *exc: object) -> None: ...


class _Closing:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        pass


class SmtpTransport(_Closing):
    """One SMTP connection for a round, opened lazily and again after the server dropped it."""

    def __init__(self, target: MailTarget, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        target = self.target
        try:
            if target.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    target.host, target.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                if target.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if target.username:
                    smtp.login(target.username, target.password or "")
            except BaseException:
                smtp.close()
                raise
        except Exception as exc:
            # Refused, unreachable, TLS or login failure: no message of this round can leave,
            # and none of them is at fault, so never a permanent failure.
            raise SendError(classify(exc).text, connection=True) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send to the message's To address(es); SendError if it did not leave."""
        reused = self._smtp is not None
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
            raise classify(exc) from exc  # a refusal: the session stays usable (smtplib sent RSET)
        except OSError as exc:  # smtplib's errors are OSErrors too
            self._drop()
            if not reused or not isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
                raise classify(exc) from exc
            # An idle connection the server closed between two messages: once more, fresh.
            self._smtp = self._connect()
            try:
                self._smtp.send_message(message)
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as again:
                raise classify(again) from again
            except OSError as again:
                self._drop()
                raise classify(again) from again

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        """QUIT politely; a connection that is already gone is simply dropped."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except Exception:
            pass
        finally:
            self._drop()


class FileTransport(_Closing):
    """Development: each message as <dir>/<timestamp>-<id>.eml, and one log line."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            local = re.sub(r"[^A-Za-z0-9]+", "", str(message["Message-ID"]).split("@")[0])[:40] or "message"
            path = self.directory / f"{stamp}-{local}.eml"
            path.write_bytes(bytes(message))
        except OSError as exc:
            raise SendError(f"cannot write {self.directory}: {exc}") from exc
        log.info("mail written to=%s subject=%r path=%s", message["To"], message["Subject"], path)

    def close(self) -> None:
        pass


def open_transport(app: Flask) -> Transport | None:
    """The transport MAIL_URL names for this app, or None when mail is not configured."""
    target = mail_target(app.config)
    if target is None:
        return None
    if target.scheme == "file":
        return FileTransport(Path(target.directory or Path(app.instance_path) / "mail"))
    return SmtpTransport(target, app.config["MAIL_TIMEOUT_SECONDS"])
