"""Performance (issue 19): trigram indexes for the search box on PostgreSQL

`q` matches title, description or location with ILIKE '%word%'. Without an index PostgreSQL
walked the newest-first index through all 100,000 auctions for a word few jobs contain
(13 req/s in the bench). pg_trgm's GIN indexes answer each ILIKE and the three are OR-ed in a
bitmap. SQLite and MySQL/MariaDB get nothing here: they scan, which the bench measures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("title", "description", "location")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_auctions_{column}_trgm",
            "auctions",
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(f"ix_auctions_{column}_trgm", table_name="auctions")
