"""Admin console (issue 18): why an auction was cancelled, in its canceller's words

`auctions.cancel_reason` is NULL for every existing auction (none gave a reason) and for
auctions that end any other way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER: a batch copy of auctions would trip over its computed lowest_bid_* columns on SQLite.
    op.add_column("auctions", sa.Column("cancel_reason", sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column("auctions", "cancel_reason")
