"""Settings, each read from the environment under its own name (see .env.example)."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from limits import parse_many
from sqlalchemy.engine import make_url

DEV_SECRET_KEY = "dev-secret-key-change-me"
DEFAULT_CORS_ORIGINS = "http://localhost:5173,http://localhost:3000"
#: Each limit is a Flask-Limiter string ("10 per minute", several joined with ";").
RATE_LIMIT_SETTINGS = (
    "DEFAULT_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "LOGIN_FAILURE_LIMIT",
    "REGISTER_RATE_LIMIT",
    "BID_RATE_LIMIT",
    "QUESTION_RATE_LIMIT",
    "VERIFY_RESEND_RATE_LIMIT",
    "PASSWORD_RESET_RATE_LIMIT",
    "PASSWORD_RESET_ADDRESS_LIMIT",
)


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean setting; accepts 1/0, true/false, yes/no, on/off."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


#: The driver each URL scheme gets when the URL names none: the ones requirements.txt pins.
_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
#: SQLAlchemy's backend names for MySQL and MariaDB (the URL's scheme picks one).
MYSQL_BACKENDS = ("mysql", "mariadb")
#: MySQL and MariaDB: utf8mb4 on the wire (MySQL's "utf8" is three bytes: no emoji).
MYSQL_CHARSET = "utf8mb4"


def is_mysql_url(url: str) -> bool:
    """MySQL or MariaDB, through any driver."""
    return make_url(url).get_backend_name() in MYSQL_BACKENDS


def normalise_database_url(url: str) -> str:
    """Give a bare scheme the driver we ship (postgres:// -> psycopg 3, mysql:// and
    mariadb:// -> PyMySQL), and MySQL connections utf8mb4 unless the URL says otherwise."""
    parsed = make_url(url)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    if parsed.get_backend_name() in MYSQL_BACKENDS and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": MYSQL_CHARSET})
    return parsed.render_as_string(hide_password=False)


def engine_options(url: str) -> dict[str, Any]:
    """Flask-SQLAlchemy does not set pool_pre_ping: without it the first request after a
    database restart fails on a dead pooled connection. A SQLite file cannot go away
    under an open connection, so it is spared the extra statement on every request.

    MySQL/MariaDB run at READ COMMITTED, PostgreSQL's level, which the rules are written
    for: InnoDB's default REPEATABLE READ would read bids from a snapshot older than the
    auction row lock and take gap locks that deadlock inserts (README "Production"). Idle
    connections are recycled before the server's wait_timeout drops them.
    """
    options: dict[str, Any] = {"pool_pre_ping": not url.startswith("sqlite")}
    if is_mysql_url(url):
        options.update(isolation_level="READ COMMITTED", pool_recycle=3600)
    return options


class Config:
    """Production-shaped defaults; every value can be overridden from the environment."""

    def __init__(self) -> None:
        self.APP_ENV = os.environ.get("APP_ENV", "development")
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL", "sqlite:///bidding_platform.db")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "10"))
        # MySQL/MariaDB: how long a statement waits for a row lock before the request gets
        # a 503 (InnoDB's own default is 50 s).
        self.LOCK_WAIT_TIMEOUT_SECONDS = env_int("LOCK_WAIT_TIMEOUT_SECONDS", 10)
        self.CORS_ORIGINS = [
            o.strip() for o in os.environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS).split(",") if o.strip()
        ]
        self.BID_MIN_DECREMENT = Decimal(os.environ.get("BID_MIN_DECREMENT", "1.00"))
        self.SNIPE_WINDOW_SECONDS = env_int("SNIPE_WINDOW_SECONDS", 120)
        self.SNIPE_MAX_EXTENSION_SECONDS = env_int("SNIPE_MAX_EXTENSION_SECONDS", 3600)
        self.REQUIRE_PROVIDER_VERIFICATION = env_bool("REQUIRE_PROVIDER_VERIFICATION", False)
        self.TOKEN_TTL_DAYS = env_int("TOKEN_TTL_DAYS", 30)
        self.CLOSE_SWEEP_SECONDS = float(os.environ.get("CLOSE_SWEEP_SECONDS", "5"))
        # After the award (docs/lifecycle.md): the provider's time to confirm an offer, the
        # days after "done" a booking completes by itself, and the window for reviews.
        self.BOOKING_CONFIRM_HOURS = env_float("BOOKING_CONFIRM_HOURS", 24)
        self.BOOKING_AUTO_COMPLETE_DAYS = env_float("BOOKING_AUTO_COMPLETE_DAYS", 7)
        self.REVIEW_WINDOW_DAYS = env_float("REVIEW_WINDOW_DAYS", 14)
        # Provider tools: minutes before the deadline watchers and outbid bidders hear
        # "ending soon"; a bid below this share of the reference (the median of the other
        # active bids, or budget_min) needs confirm_low (0 turns the check off).
        self.ENDING_SOON_MINUTES = env_float("ENDING_SOON_MINUTES", 15)
        self.LOW_BID_RATIO = Decimal(os.environ.get("LOW_BID_RATIO", "0.5"))
        # Match a new auction against the job alerts in the background right after it is
        # posted; off, only the sweeper (or `flask match-alerts`) matches it.
        self.JOB_ALERTS_IN_BACKGROUND = env_bool("JOB_ALERTS_IN_BACKGROUND", True)
        # Email (docs/email.md). MAIL_URL: smtp://user:pass@host:587?starttls=true or
        # smtps://user:pass@host:465; unset, development writes .eml files to MAIL_DIR and
        # production sends nothing (a warning at start, `mail: "not_configured"` in health).
        self.MAIL_URL = os.environ.get("MAIL_URL") or None
        self.MAIL_DIR = os.environ.get("MAIL_DIR") or None  # default: instance/mail
        self.MAIL_FROM = os.environ.get("MAIL_FROM") or "Bid Bazaar <no-reply@localhost>"
        # Links in emails are built from BASE_URL, never from the request's Host header.
        self.BASE_URL = (os.environ.get("BASE_URL") or f"http://localhost:{env_int('PORT', 5050)}").rstrip("/")
        self.MAIL_SEND_SECONDS = env_float("MAIL_SEND_SECONDS", 5)  # 0: no sender in this process
        self.MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
        self.MAIL_RETRY_SECONDS = env_float("MAIL_RETRY_SECONDS", 30)  # doubles after each failure
        self.MAIL_BATCH_SIZE = env_int("MAIL_BATCH_SIZE", 50)
        self.MAIL_TIMEOUT_SECONDS = env_float("MAIL_TIMEOUT_SECONDS", 20)
        self.REQUIRE_EMAIL_VERIFICATION = env_bool("REQUIRE_EMAIL_VERIFICATION", False)
        self.EMAIL_VERIFY_HOURS = env_float("EMAIL_VERIFY_HOURS", 48)
        self.RESET_TOKEN_MINUTES = env_float("RESET_TOKEN_MINUTES", 30)
        self.DIGEST_HOUR_IST = env_int("DIGEST_HOUR_IST", 8)
        # How long a listing's pagination total is reused (queries.ListingTotals); 0: exact.
        self.LISTING_TOTAL_TTL_SECONDS = float(os.environ.get("LISTING_TOTAL_TTL_SECONDS", "5"))
        # How long an anonymous listing page or auction detail, or a customer's trust signals,
        # may be served from memory at most (queries.listing_cache: exact for this process's
        # writes, and across processes with SOCKETIO_MESSAGE_QUEUE on Redis; this bounds what
        # other processes wrote); 0: off.
        self.LISTING_CACHE_SECONDS = env_float("LISTING_CACHE_SECONDS", 5)
        self.HOST = os.environ.get("HOST", "0.0.0.0")
        self.PORT = env_int("PORT", 5050)
        # OWASP's minimum for scrypt is N=2^15, r=8, p=3; werkzeug's default p=1 is below it.
        self.PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:3")
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
        self.SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
        # Auction rooms one socket may watch at once (join_auction past it: TOO_MANY_ROOMS).
        self.SOCKET_MAX_ROOMS = env_int("SOCKET_MAX_ROOMS", 50)
        production = self.APP_ENV == "production"
        self.DEBUG = env_bool("FLASK_DEBUG", False)
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", production)
        # __Host- pins the cookie to this exact origin, https and Path=/ (checklist 15).
        self.SESSION_COOKIE_NAME = "__Host-session" if self.SESSION_COOKIE_SECURE else "session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Flask-WTF: we call csrf.protect() ourselves so bearer-token calls can skip it.
        self.WTF_CSRF_CHECK_DEFAULT = False
        self.WTF_CSRF_TIME_LIMIT = None
        # Over https Flask-WTF also demands a Referer from this very origin (checklist 21).
        # Kept on deliberately: production serves the SPA, /api, /admin and /socket.io from
        # one origin (deploy/nginx.conf), and a SPA on another origin uses bearer tokens,
        # which need no CSRF check at all.
        self.WTF_CSRF_SSL_STRICT = True
        self.JSON_SORT_KEYS = False
        # Rate limits (rate_limits.py). Without a storage URI the counters live in this
        # process only; with several processes point them all at one Redis.
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.DEFAULT_RATE_LIMIT = os.environ.get("DEFAULT_RATE_LIMIT") or "300 per minute"
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT") or "10 per minute"
        self.LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT") or "5 per 15 minutes"
        self.REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT") or "5 per minute"
        self.BID_RATE_LIMIT = os.environ.get("BID_RATE_LIMIT") or "30 per minute"
        self.QUESTION_RATE_LIMIT = os.environ.get("QUESTION_RATE_LIMIT") or "5 per minute;30 per day"
        self.VERIFY_RESEND_RATE_LIMIT = os.environ.get("VERIFY_RESEND_RATE_LIMIT") or "3 per hour"
        self.PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT") or "10 per hour"  # per IP
        self.PASSWORD_RESET_ADDRESS_LIMIT = os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT") or "3 per hour"
        # Proxies in front of us whose X-Forwarded-* headers we believe: 0 ignores them
        # (a client could forge its address), 1 behind nginx.
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("json" if production else "text")
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL") or "INFO"

    def validate(self) -> None:
        """Fail fast on settings that are unsafe in production, or that cannot work at all."""
        for name in RATE_LIMIT_SETTINGS:
            try:
                parse_many(getattr(self, name))
            except ValueError:
                raise RuntimeError(f"{name}={getattr(self, name)!r} is not a rate limit like '10 per minute'") from None
        if self.LOG_FORMAT not in {"json", "text"}:
            raise RuntimeError("LOG_FORMAT must be json or text")
        if not 0 <= self.LOW_BID_RATIO < 1:
            raise RuntimeError("LOW_BID_RATIO must be at least 0 and below 1")
        if not 0 <= self.DIGEST_HOUR_IST <= 23:
            raise RuntimeError("DIGEST_HOUR_IST must be an hour from 0 to 23")
        if self.MAIL_MAX_ATTEMPTS < 1:
            raise RuntimeError("MAIL_MAX_ATTEMPTS must be at least 1")
        if self.SOCKET_MAX_ROOMS < 1:
            raise RuntimeError("SOCKET_MAX_ROOMS must be at least 1")
        if self.APP_ENV == "production":
            if self.SECRET_KEY == DEV_SECRET_KEY or len(self.SECRET_KEY) < 32:
                raise RuntimeError("APP_ENV=production needs a random SECRET_KEY of 32+ chars")
            if self.DEBUG:
                raise RuntimeError("APP_ENV=production refuses to run with FLASK_DEBUG on")


class TestConfig(Config):
    """A throwaway database and a cheap password hash; everything else as in production."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        self.CORS_ORIGINS = ["http://localhost:5173", "http://localhost:3000"]
        self.BID_MIN_DECREMENT = Decimal("1.00")
        self.SNIPE_WINDOW_SECONDS = 120
        self.SNIPE_MAX_EXTENSION_SECONDS = 3600
        self.REQUIRE_PROVIDER_VERIFICATION = False
        self.TOKEN_TTL_DAYS = 30
        self.SOCKET_MAX_ROOMS = 50
        self.LISTING_TOTAL_TTL_SECONDS = 0  # exact totals; tests of the cache set their own
        # No background threads touching the database behind a test's back; tests of job
        # alerts run the matching themselves (or turn this on and catch the task).
        self.JOB_ALERTS_IN_BACKGROUND = False
        # No mail sender thread either: tests of delivery run the sender themselves.
        self.MAIL_SEND_SECONDS = 0
        self.MAIL_URL = None
        self.BASE_URL = "http://localhost:5050"
        self.REQUIRE_EMAIL_VERIFICATION = False
        # Limits off so the suite never trips them by accident; tests of the limits turn
        # them on through the `config` fixture. The documented defaults otherwise.
        self.RATELIMIT_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.DEFAULT_RATE_LIMIT = "300 per minute"
        self.LOGIN_RATE_LIMIT = "10 per minute"
        self.LOGIN_FAILURE_LIMIT = "5 per 15 minutes"
        self.REGISTER_RATE_LIMIT = "5 per minute"
        self.BID_RATE_LIMIT = "30 per minute"
        self.QUESTION_RATE_LIMIT = "5 per minute;30 per day"
        self.VERIFY_RESEND_RATE_LIMIT = "3 per hour"
        self.PASSWORD_RESET_RATE_LIMIT = "10 per hour"
        self.PASSWORD_RESET_ADDRESS_LIMIT = "3 per hour"
        self.TRUSTED_PROXIES = 0
