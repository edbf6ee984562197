"""Portable case-insensitive keys and lowest-bid sort keys (MySQL/MariaDB)

MariaDB cannot index an expression, and MySQL has no NULLS LAST. So the case-insensitive
uniqueness of usernames and emails moves from indexes on lower(...) to generated
lower-cased key columns under plain unique indexes, and the "lowest bid" sort (auctions
without bids last, either way round) gets a never-NULL generated key per direction, each
with its own index. One schema on SQLite, PostgreSQL and MySQL/MariaDB.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _generated(name, type_, expression):
    # SQLite can add a generated column only as VIRTUAL (indexed all the same); a database
    # created afresh from the models stores it, as PostgreSQL and MySQL do here.
    stored = op.get_bind().dialect.name != "sqlite"
    return sa.Column(name, type_, sa.Computed(expression, persisted=stored), nullable=True)


def _is_mysql():
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def upgrade():
    op.add_column("users", _generated("username_key", sa.String(length=80), "lower(username)"))
    op.add_column("users", _generated("email_key", sa.String(length=120), "lower(email)"))
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    if not _is_mysql():  # 0001 made these everywhere but on MySQL/MariaDB
        op.drop_index("uq_users_email_lower", table_name="users")
        op.drop_index("uq_users_username_lower", table_name="users")

    rising = _generated("lowest_bid_rising", sa.Numeric(precision=11, scale=2), "coalesce(lowest_bid, 100000000)")
    op.add_column("auctions", rising)
    op.add_column(
        "auctions", _generated("lowest_bid_falling", sa.Numeric(precision=10, scale=2), "coalesce(lowest_bid, 0)")
    )
    op.create_index("ix_auctions_lowest_bid_rising_id", "auctions", ["lowest_bid_rising", "id"], unique=False)
    op.create_index("ix_auctions_lowest_bid_falling_id", "auctions", ["lowest_bid_falling", "id"], unique=False)
    op.drop_index("ix_auctions_lowest_bid_id", table_name="auctions")


def downgrade():
    op.create_index("ix_auctions_lowest_bid_id", "auctions", ["lowest_bid", "id"], unique=False)
    op.drop_index("ix_auctions_lowest_bid_falling_id", table_name="auctions")
    op.drop_index("ix_auctions_lowest_bid_rising_id", table_name="auctions")
    op.drop_column("auctions", "lowest_bid_falling")
    op.drop_column("auctions", "lowest_bid_rising")

    if not _is_mysql():
        op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
        op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_index("uq_users_username_key", table_name="users")
    op.drop_column("users", "email_key")
    op.drop_column("users", "username_key")
