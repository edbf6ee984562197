"""Copy Bid Bazaar's users, categories, auctions and bids into the peer's (empty) tables.

    python manage.py migrate --noinput
    python manage.py copy_from_bidbazaar --source SRC [--token-users name1,name2]

SRC is where Bid Bazaar's tables are, as seen from the peer's database connection:

- SQLite: the path of Bid Bazaar's database file (attached read-only as `bb`);
- PostgreSQL: Bid Bazaar's schema in the same database (the peer's tables live in PEER_PG_SCHEMA);
- MySQL/MariaDB: Bid Bazaar's database on the same server.

Each table is copied by one INSERT ... SELECT in one transaction, ids verbatim. Then the
listed users get API tokens, and the same checksum is computed over both sides' auctions
and bids. Prints one line of JSON to stdout; fails if the checksums differ.
"""

import hashlib
import json
import re
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from marketplace.models import Auction, Bid, Category, User

PEER_MODELS = [User, Category, Auction, Bid]
CENT = Decimal("0.01")

#: The checksum's rows: (query over the auctions, column kinds) and (query over the bids,
#: column kinds); i = integer, s = text, t = datetime, m = money.
AUCTIONS_SQL = (
    "SELECT id, status, deadline, budget_min, budget_max, category_id, {created_by}, created_at, "
    "bid_count, lowest_bid, title, location FROM {auctions} ORDER BY id"
)
AUCTIONS_KINDS = "istmmiitimss"
BIDS_SQL = "SELECT auction_id, COUNT(*), SUM(amount), MIN(amount) FROM {bids} GROUP BY auction_id ORDER BY auction_id"
BIDS_KINDS = "iimm"


def normalise(value, kind: str) -> str:
    """One value as the checksum reads it, whatever the database handed back."""
    if value is None:
        return ""
    if kind == "t":
        if isinstance(value, str):  # SQLite text, if no converter parsed it
            value = datetime.fromisoformat(value)
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if kind == "m":
        return str(Decimal(str(value)).quantize(CENT))
    if kind == "i":
        return str(int(value))
    return str(value)


def feed(digest, cursor, sql: str, kinds: str) -> None:
    cursor.execute(sql)
    while rows := cursor.fetchmany(2000):
        for row in rows:
            line = "\x1f".join(normalise(value, kind) for value, kind in zip(row, kinds, strict=True))
            digest.update(line.encode() + b"\n")


def streaming_cursor():
    """A cursor that streams rows from the server: Django's chunked cursor is a named
    (server-side) one on PostgreSQL and lazy on SQLite, but on MySQL it buffers the whole
    result, so there PyMySQL's unbuffered SSCursor (Django's converters still apply)."""
    if connection.vendor == "mysql":
        from pymysql.cursors import SSCursor

        connection.ensure_connection()
        return connection.connection.cursor(SSCursor)
    return connection.chunked_cursor()


def checksum(auctions: str, bids: str, created_by: str) -> str:
    """sha256 over every auction's row and every auction's bid totals, in id order."""
    digest = hashlib.sha256()
    with streaming_cursor() as cursor:
        feed(digest, cursor, AUCTIONS_SQL.format(auctions=auctions, created_by=created_by), AUCTIONS_KINDS)
    digest.update(b"--\n")
    with streaming_cursor() as cursor:
        feed(digest, cursor, BIDS_SQL.format(bids=bids), BIDS_KINDS)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Copy Bid Bazaar's users, categories, auctions and bids into the peer's empty tables."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="SQLite file, PostgreSQL schema or MySQL database")
        parser.add_argument("--token-users", default="", help="comma-separated usernames to give API tokens")

    def handle(self, *args, source: str, token_users: str, **options):
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql", "mysql"):
            raise CommandError(f"unsupported database: {vendor}")
        if any(model.objects.exists() for model in PEER_MODELS):
            raise CommandError("the peer's tables are not empty: migrate a fresh database first")

        prefix = self.attach(vendor, source)
        try:
            started = time.perf_counter()
            self.copy(vendor, prefix)
            copied = time.perf_counter()
            tokens = [self.token(username) for username in filter(None, token_users.split(","))]
            theirs = checksum(f"{prefix}auctions", f"{prefix}bids", "created_by")
            ours = checksum(Auction._meta.db_table, Bid._meta.db_table, "created_by_id")
            checked = time.perf_counter()
        finally:
            if vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("DETACH DATABASE bb")

        print(f"copy {copied - started:.2f}s, checksums {checked - copied:.2f}s", file=sys.stderr)
        result = {
            "auctions": Auction.objects.count(),
            "bids": Bid.objects.count(),
            "users": User.objects.count(),
            "checksum_bidbazaar": theirs,
            "checksum_peer": ours,
            "tokens": tokens,
        }
        self.stdout.write(json.dumps(result))
        if theirs != ours:
            raise CommandError("checksums differ: the copy does not match Bid Bazaar")

    def attach(self, vendor: str, source: str) -> str:
        """The prefix naming Bid Bazaar's tables on the peer's connection."""
        if vendor == "sqlite":
            path = Path(source).resolve()
            if not path.is_file():
                raise CommandError(f"no SQLite database at {path}")
            # ATTACH cannot run inside a transaction: before the copy's. Read-only, so a
            # mistake cannot write to Bid Bazaar's file.
            with connection.cursor() as cursor:
                cursor.execute("ATTACH DATABASE %s AS bb", [f"file:{quote(str(path))}?mode=ro"])
            return "bb."
        if not re.fullmatch(r"\w+", source):
            raise CommandError(f"not a schema/database name: {source!r}")
        return f"{connection.ops.quote_name(source)}."

    def copy(self, vendor: str, src: str) -> None:
        # Bid Bazaar keeps naive UTC; PostgreSQL's timestamptz needs it read as UTC. SQLite
        # and MySQL store Django's datetimes as naive UTC too, so they copy as they are.
        def utc(column: str) -> str:
            return f"{column} AT TIME ZONE 'UTC'" if vendor == "postgresql" else column

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO peer_user (id, password, last_login, is_superuser, username, first_name, last_name, "
                "email, is_staff, is_active, date_joined, is_service_provider) "
                f"SELECT id, '!', NULL, is_admin, username, '', '', email, is_admin, is_active, {utc('created_at')}, "
                f"is_service_provider FROM {src}users"
            )
            # Parents before their children (MySQL checks foreign keys row by row).
            while True:
                cursor.execute(
                    "INSERT INTO peer_category (id, name, parent_id) "
                    f"SELECT c.id, c.name, c.parent_id FROM {src}categories c "
                    "WHERE c.id NOT IN (SELECT id FROM peer_category) "
                    "AND (c.parent_id IS NULL OR c.parent_id IN (SELECT id FROM peer_category))"
                )
                if cursor.rowcount <= 0:
                    break
            cursor.execute(
                "INSERT INTO peer_auction (id, title, description, category_id, created_by_id, location, "
                "budget_min, budget_max, deadline, status, created_at, bid_count, lowest_bid) "
                "SELECT id, title, description, category_id, created_by, location, budget_min, budget_max, "
                f"{utc('deadline')}, status, {utc('created_at')}, bid_count, lowest_bid FROM {src}auctions"
            )
            cursor.execute(
                "INSERT INTO peer_bid (id, auction_id, user_id, amount, description, status, created_at) "
                f"SELECT id, auction_id, user_id, amount, COALESCE(description, ''), status, {utc('created_at')} "
                f"FROM {src}bids"
            )
            # The next ids follow the copied ones (PostgreSQL's identity sequences do not move
            # by themselves; SQLite and MySQL need nothing: Django's sqlsequencereset).
            for sql in connection.ops.sequence_reset_sql(no_style(), PEER_MODELS):
                cursor.execute(sql)
        # Fresh planner statistics after a bulk load, as after any restore.
        tables = [model._meta.db_table for model in PEER_MODELS]
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute(f"ANALYZE {', '.join(tables)}")
            elif vendor == "mysql":
                cursor.execute(f"ANALYZE TABLE {', '.join(tables)}")
                cursor.fetchall()
            else:
                cursor.execute("ANALYZE main")

    def token(self, username: str) -> str:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r} to give a token") from None
        token, _ = Token.objects.get_or_create(user=user)
        return token.key
