"""Email (issue 16): the transactional outbox, single-use account links, preferences, digests

`users.email_verified` starts false for every existing account: nobody has proved an
address yet, so no notification is emailed until its owner verifies it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 22:18:26.493723

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("expires_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("used_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True),
        sa.CheckConstraint("purpose IN ('verify_email', 'password_reset')", name=op.f("ck_account_tokens_purpose")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_account_tokens_user_id_purpose", ["user_id", "purpose"], unique=False)

    op.create_table(
        "email_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.CheckConstraint("mode IN ('instant', 'digest', 'off')", name=op.f("ck_email_preferences_mode")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_email_preferences_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "type", name=op.f("pk_email_preferences")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "mail_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mail_digests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_digests")),
        sa.UniqueConstraint("user_id", "day", name="uq_mail_digests_user_id_day"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("account_token_id", sa.Integer(), nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False
        ),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column(
            "claimed_until", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True
        ),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=False),
        sa.Column("sent_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True),
        sa.CheckConstraint(
            "kind IN ('verify_email', 'password_reset', 'notification', 'digest')", name=op.f("ck_outbound_emails_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'held', 'digested', 'suppressed')",
            name=op.f("ck_outbound_emails_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbound_emails_attempts")),
        sa.ForeignKeyConstraint(
            ["account_token_id"], ["account_tokens.id"], name=op.f("fk_outbound_emails_account_token_id_account_tokens")
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["mail_digests.id"], name=op.f("fk_outbound_emails_digest_id_mail_digests")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"], ["notifications.id"], name=op.f("fk_outbound_emails_notification_id_notifications")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_outbound_emails_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_emails_message_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_emails_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbound_emails_user_id_status", ["user_id", "status"], unique=False)

    # Plain ALTER: a batch copy of users would trip over its computed *_key columns on SQLite.
    op.add_column("users", sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column("users", "email_verified")
    # Each table's indexes go with it (MySQL refuses to drop one a foreign key still uses).
    op.drop_table("outbound_emails")
    op.drop_table("mail_digests")
    op.drop_table("email_preferences")
    op.drop_table("account_tokens")
