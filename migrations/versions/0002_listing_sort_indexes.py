"""Listing sort indexes

An index per sort of GET /api/auctions (budget_max, deadline, lowest_bid, bid_count),
each with id as the tiebreak the listing orders by: without them every such page sorted
the whole catalogue (~90 ms at 100,000 auctions, bench/RESULTS.md).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:10:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SORT_COLUMNS = ("budget_max", "deadline", "lowest_bid", "bid_count")


def upgrade():
    # Plain CREATE INDEX works on SQLite too: no batch (table copy) needed.
    for column in SORT_COLUMNS:
        op.create_index(f"ix_auctions_{column}_id", "auctions", [column, "id"], unique=False)


def downgrade():
    for column in reversed(SORT_COLUMNS):
        op.drop_index(f"ix_auctions_{column}_id", table_name="auctions")
