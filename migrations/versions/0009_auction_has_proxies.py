"""Performance (issue 19): auctions say whether a proxy bid was ever set on them

Every accepted bid asked for the auction's live proxies (a join with users, and the
autoflush of the new bid it forced: 22 % of the bid's time in the bench's profile), though
almost no auction has one. `auctions.has_proxies` is set with an auction's first proxy and
never cleared, so the resolver runs only where a proxy may answer. Existing auctions with a
proxy row are marked here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER: a batch copy of auctions would trip over its computed lowest_bid_* columns on SQLite.
    op.add_column("auctions", sa.Column("has_proxies", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE auctions SET has_proxies = TRUE WHERE id IN (SELECT auction_id FROM proxy_bids)")


def downgrade():
    op.drop_column("auctions", "has_proxies")
