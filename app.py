"""Application factory: extensions are created bare here and bound in create_app()."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal, DecimalException
from pathlib import Path
from typing import Any

import orjson
from dotenv import load_dotenv
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_cors import CORS
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

# Named constraints make migrations and IntegrityError messages predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()
cors = CORS()
socketio = SocketIO()
# render_as_batch: SQLite cannot ALTER most things in place; Alembic copies the table.
migrate = Migrate(render_as_batch=True, compare_type=True)

log = logging.getLogger("bidbazaar")


def render_json_value(value: Any) -> Any:
    """Money as a JSON number with at most 2 decimals; datetimes as UTC ISO 8601 with Z."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        # Every datetime here is UTC (models.UTCDateTime, utcnow); isoformat is ~1.5x
        # faster than strftime, and a detail view renders a hundred of them.
        return value.isoformat(timespec="milliseconds")[:23] + "Z"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# orjson renders dicts, lists, strings and numbers in C and calls render_json_value only
# for Decimal and datetime (passed through so they keep this API's money and time
# formats); the stdlib encoder was a tenth of a listing's or a detail view's cost.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _orjson(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=render_json_value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses and the stdlib renders: an integer past 64 bits echoed
        # back in a validation error's details, say. A lone surrogate, which UTF-8 cannot
        # encode, only occurs inside a string: backslashreplace writes it as its JSON escape.
        text = json.dumps(value, default=render_json_value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def dumps_json(value: Any) -> str:
    """Compact JSON text in this API's formats (money as numbers, UTC times with Z)."""
    return _orjson(value).decode()


def to_jsonable(value: Any) -> Any:
    """The JSON-ready form of a payload (for JSON columns and socket frames)."""
    return json.loads(_orjson(value))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _parse_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, as Decimal (never float).

    An exponent too large for Decimal itself (1e99999999999999999999) overflows to
    ±Infinity, which every field refuses, instead of raising: inside a Socket.IO packet
    an exception would lose the event and its acknowledgement.
    """
    try:
        return Decimal(text)
    except DecimalException:
        return Decimal("-Infinity" if text.startswith("-") else "Infinity")


class UnicodeTextError(ValueError):
    """Decoded JSON holds text that is not Unicode scalar values; `details` names the fields."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("JSON text must be valid Unicode")
        self.details = details


def _is_unicode_text(text: str) -> bool:
    # A JSON "\ud800" escape (or raw surrogate bytes: json decodes with surrogatepass)
    # gives a str that UTF-8 cannot encode: the database drivers, the password hash and
    # the error renderer each fail on it.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def invalid_text(value: Any) -> dict[str, str]:
    """Validation details for every lone surrogate in a decoded JSON value, keys included.

    A field is named by its top-level key; a key that is itself bad text is named
    with its surrogates escaped (so the answer can be rendered), a non-object body as "body".
    """
    details: dict[str, str] = {}
    top = value.items() if isinstance(value, dict) else [("body", value)]
    for key, item in top:
        if not _is_unicode_text(key):
            details[key.encode("utf-8", "backslashreplace").decode()] = "Field names must be valid Unicode text."
            continue
        pending = [item]  # a loop, not recursion: nesting is as deep as the parser allowed
        while pending:
            node = pending.pop()
            if isinstance(node, str):
                texts: list[str] = [node]
            elif isinstance(node, dict):
                texts = list(node)
                pending.extend(node.values())
            else:
                texts = []
                if isinstance(node, list):
                    pending.extend(node)
            if not all(_is_unicode_text(text) for text in texts):
                details[key] = "Must be valid Unicode text (no lone surrogates)."
                break
    return details


class MoneyJSONProvider(DefaultJSONProvider):
    """Parses JSON numbers with a fraction as Decimal (never float) and renders them back.

    Refuses (UnicodeTextError) text that is not Unicode scalar values, so nothing that
    reads the body before the view (the login limiter's key) ever sees a lone surrogate.
    """

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = json.loads(s, parse_float=_parse_number, parse_constant=_reject_constant, **kwargs)
        details = invalid_text(value)
        if details:
            raise UnicodeTextError(details)
        return value

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if set(kwargs) <= {"separators"}:  # a compact API response
            return dumps_json(obj)
        kwargs.setdefault("default", render_json_value)  # indented (debug) or other options
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(obj, **kwargs)


MAX_ID = 2**31 - 1


def refuse_ids_past_integer(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """/auctions/10**30 is a 404, not an overflow inside the database driver.

    Checked after routing rather than in the URL converter: a converter that refuses the
    value makes Werkzeug answer 405 with the path's other methods instead of 404.
    """
    if values and any(isinstance(v, int) and v > MAX_ID for v in values.values()):
        raise NotFound()


class SocketJSON:
    """The JSON module Socket.IO packets use: amounts arrive as Decimal, never float."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        if set(kwargs) <= {"separators"}:  # always compact
            return dumps_json(obj)
        kwargs.setdefault("default", render_json_value)
        kwargs.setdefault("separators", (",", ":"))
        return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(s: str | bytes, **kwargs: Any) -> Any:
        return json.loads(s, parse_float=_parse_number, parse_constant=_reject_constant, **kwargs)


def create_app(config: Config | None = None) -> Flask:
    """Build the Bid Bazaar application; with no config, settings come from the environment."""
    if config is None:
        load_dotenv()
        config = Config()
    config.validate()

    app = Flask(__name__)
    app.json_provider_class = MoneyJSONProvider
    app.json = MoneyJSONProvider(app)
    app.config.from_object(config)
    app.url_value_preprocessor(refuse_ids_past_integer)
    configure_logging(app)

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_rate_limits(app)
    register_error_handlers(app)
    register_cli(app)
    trust_proxies(app)
    return app


def configure_logging(app: Flask) -> None:
    import logs

    logs.init_app(app)


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from exactly TRUSTED_PROXIES proxies (0: none).

    Wraps outermost, around Socket.IO too, so rate limits, logs and the socket origin check
    see the real client address and scheme, and a forged X-Forwarded-For picks nothing.
    """
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)


def register_extensions(app: Flask) -> None:
    import database
    import realtime

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent / "migrations"))
    with app.app_context():
        database.configure_engine(db.engine)
    csrf.init_app(app)
    origins = app.config["CORS_ORIGINS"]
    # Always pass the list: with credentials and no origins flask-cors echoes ANY origin.
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": origins}},
        supports_credentials=True,
        allow_headers=["Content-Type", "X-CSRFToken", "Authorization", "Idempotency-Key"],
        expose_headers=["Retry-After", "X-Request-ID"],
    )
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=socket_origin_check(origins),
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        # Always a fresh manager: the queue one also relays revocations to every process.
        client_manager=realtime.client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
        manage_session=False,
        json=SocketJSON,
    )
    import accounts

    accounts.init_login_manager(app, login_manager)


def socket_origin_check(allowlist: list[str]) -> Any:
    """Socket.IO handshakes: the CORS allowlist plus this server's own origin.

    A browser always sends the Origin of the page, so a foreign page is refused even
    when it rides on the user's cookie (cross-site WebSocket hijacking). With an explicit
    list engine.io would otherwise refuse our own server-rendered pages.
    """
    allowed = frozenset(allowlist)

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None or origin in allowed:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own

    return check


def register_blueprints(app: Flask) -> None:
    import api_routes
    import routes
    import socket_events

    app.register_blueprint(api_routes.api, url_prefix="/api")
    app.register_blueprint(__import__("api_docs").docs, url_prefix="/api")  # OpenAPI document + Swagger UI
    app.register_blueprint(routes.pages)
    app.register_blueprint(__import__("admin_routes").admin)  # the admin console under /admin
    socket_events.register(socketio)


def register_request_hooks(app: Flask) -> None:
    import http_guards

    http_guards.init_app(app)


def register_rate_limits(app: Flask) -> None:
    # After the request hooks: a request refused by a limit still gets its request id.
    import rate_limits

    rate_limits.init_app(app)


def register_error_handlers(app: Flask) -> None:
    import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    import cli

    cli.init_app(app)
