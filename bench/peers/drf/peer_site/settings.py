"""Production settings of the DRF peer: an API-only Django project behind gunicorn.

Everything comes from the environment, as the bench harness sets it:

- PEER_DATABASE_URL (required): sqlite:////abs/path.db, postgresql://user@host:port/db or
  mysql://user@host:port/db.
- PEER_PG_SCHEMA (PostgreSQL only, optional): the schema the peer's tables live in.
- PEER_SECRET_KEY, BID_MIN_DECREMENT (optional).
"""

import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-only-drf-peer-secret-key-not-for-real-deployments-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "corsheaders",
    "marketplace",
]

# An API-only project authenticated by tokens in a header: no sessions, no cookies, so no
# SessionMiddleware, CsrfViewMiddleware, AuthenticationMiddleware, MessageMiddleware or
# XFrameOptionsMiddleware (nothing is rendered in a frame). DRF authenticates per view.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "peer_site.urls"
WSGI_APPLICATION = "peer_site.wsgi.application"


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for a sqlite/postgresql/mysql URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        # sqlite:////abs/path.db → /abs/path.db (sqlite:///rel.db → rel.db), as SQLAlchemy reads it.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path[1:]),
            "OPTIONS": {
                # Django 5.1+: BEGIN IMMEDIATE takes the write lock when a transaction starts,
                # so concurrent writers wait on the busy timeout instead of failing with
                # "database is locked" when a read lock cannot be upgraded; WAL lets readers
                # run beside the writer.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    common = {
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }
    if scheme in ("postgresql", "postgres"):
        options = {}
        schema = os.environ.get("PEER_PG_SCHEMA")
        if schema:
            options["options"] = f"-c search_path={schema}"
        return {"ENGINE": "django.db.backends.postgresql", **common, "OPTIONS": options}
    if scheme in ("mysql", "mariadb"):
        # PyMySQL stands in for mysqlclient (no C build needed); it reports a mysqlclient-
        # compatible version_info, so Django's version check passes as is.
        import pymysql

        pymysql.install_as_MySQLdb()
        return {
            "ENGINE": "django.db.backends.mysql",
            **common,
            "OPTIONS": {"charset": "utf8mb4", "isolation_level": "read committed"},
        }
    raise ImproperlyConfigured(f"PEER_DATABASE_URL: unsupported scheme {parts.scheme!r}")


try:
    _database_url = os.environ["PEER_DATABASE_URL"]
except KeyError:
    raise ImproperlyConfigured("Set PEER_DATABASE_URL (sqlite:////path.db, postgresql://..., mysql://...)") from None

DATABASES = {
    "default": {
        **database_from_url(_database_url),
        # Persistent connections, checked before reuse: one per gunicorn thread.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}

# Ids are copied verbatim from Bid Bazaar's INTEGER keys.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
AUTH_USER_MODEL = "marketplace.User"

LANGUAGE_CODE = "en-us"
USE_I18N = False
USE_TZ = True
TIME_ZONE = "UTC"

CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["marketplace.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: no browsable API (and no form parsing) in production.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 10,
    "EXCEPTION_HANDLER": "marketplace.exceptions.api_exception_handler",
}

# The smallest step a new bid must undercut the lowest one by (Bid Bazaar's setting).
BID_MIN_DECREMENT = Decimal(os.environ.get("BID_MIN_DECREMENT", "1.00"))

# Errors (5xx with their tracebacks) to stderr, where gunicorn's log collects them. Django
# logs every 4xx answer as a warning on django.request; refused bids are ordinary outcomes
# of an auction, so only errors are written.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"django": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
