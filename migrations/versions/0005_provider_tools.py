"""Provider tools (issue 15): saved searches, watches, proxy bids, questions

Job alerts and the ending_soon notice are claimed once per auction by conditional updates
of two new auction columns; auctions that exist before this revision count as matched, so
upgrading does not alert every provider about old jobs. Bids placed by a proxy are `auto`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 18:48:20.852328

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("min_budget", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("max_budget", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("keywords", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("updated_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.CheckConstraint(
            "min_budget IS NULL OR max_budget IS NULL OR max_budget >= min_budget",
            name=op.f("ck_saved_searches_budget_range"),
        ),
        sa.CheckConstraint("min_budget IS NULL OR min_budget >= 0", name=op.f("ck_saved_searches_min_budget")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_saved_searches_category_id_categories")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index("ix_saved_searches_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "proxy_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auction_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("estimated_duration", sa.String(length=50), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("set_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("cancelled_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("updated_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.CheckConstraint("floor > 0", name=op.f("ck_proxy_bids_floor_positive")),
        sa.ForeignKeyConstraint(["auction_id"], ["auctions.id"], name=op.f("fk_proxy_bids_auction_id_auctions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_proxy_bids_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_bids")),
        sa.UniqueConstraint("auction_id", "user_id", name="uq_proxy_bids_auction_user"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("proxy_bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proxy_bids_user_id"), ["user_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auction_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True),
        sa.Column("hidden_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("updated_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.ForeignKeyConstraint(["asker_id"], ["users.id"], name=op.f("fk_questions_asker_id_users")),
        sa.ForeignKeyConstraint(["auction_id"], ["auctions.id"], name=op.f("fk_questions_auction_id_auctions")),
        sa.ForeignKeyConstraint(["hidden_by"], ["users.id"], name=op.f("fk_questions_hidden_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index("ix_questions_auction_id_id", ["auction_id", "id"], unique=False)

    op.create_table(
        "watches",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("auction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.ForeignKeyConstraint(["auction_id"], ["auctions.id"], name=op.f("fk_watches_auction_id_auctions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_watches_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "auction_id", name=op.f("pk_watches")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.create_index("ix_watches_auction_id", ["auction_id"], unique=False)

    datetime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
    op.add_column("auctions", sa.Column("alerts_matched_at", datetime, nullable=True))
    op.add_column("auctions", sa.Column("ending_soon_sent_at", datetime, nullable=True))
    op.execute("UPDATE auctions SET alerts_matched_at = created_at")
    op.add_column("bids", sa.Column("auto", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("bids", "auto")
    op.drop_column("auctions", "ending_soon_sent_at")
    op.drop_column("auctions", "alerts_matched_at")
    # Each table takes its indexes with it (MySQL/MariaDB refuse to drop an index a
    # foreign key uses first).
    op.drop_table("watches")
    op.drop_table("questions")
    op.drop_table("proxy_bids")
    op.drop_table("saved_searches")
