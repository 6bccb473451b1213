"""Feedback: reports and ideas with their history, comments, supports, "me too", follows,
flags, the moderation log and bans; ratings with their invitations; spent proofs of work.

Revision ID: feedback_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "feedback_0002"
down_revision = "feedback_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bans",
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("banned_by", sa.String(length=200), nullable=False),
        sa.Column("banned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_bans")),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("from_office", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_author", ["author", "created_at"], unique=False)
        batch_op.create_index("ix_comments_item", ["item_id", "created_at", "id"], unique=False)

    op.create_table(
        "flags",
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("flagger", sa.String(length=200), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target_id", "flagger", name=op.f("pk_flags")),
    )
    op.create_table(
        "follows",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("followed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "citizen", name=op.f("pk_follows")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index("ix_follows_citizen", ["citizen"], unique=False)

    op.create_table(
        "item_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_history")),
    )
    with op.batch_alter_table("item_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_history_item_id"), ["item_id"], unique=False)

    op.create_table(
        "items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("public_latitude", sa.Float(), nullable=True),
        sa.Column("public_longitude", sa.Float(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("author_name", sa.String(length=80), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("supports", sa.Integer(), nullable=False),
        sa.Column("me_too", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.String(length=36), nullable=True),
        sa.Column("official_answer", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_author", ["author", "submitted_at"], unique=False)
        batch_op.create_index(
            "ix_items_department", ["department", "submitted_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_map", ["kind", "hidden", "public_latitude", "public_longitude"], unique=False
        )
        batch_op.create_index(
            "ix_items_recent",
            ["kind", "hidden", "submitted_at", "id", "public_latitude", "public_longitude"],
            unique=False,
        )
        batch_op.create_index("ix_items_submitted", ["submitted_at", "id"], unique=False)

    op.create_table(
        "me_too",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "citizen", name=op.f("pk_me_too")),
    )
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("moderator", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_log_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "rating_invitations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=50), nullable=False),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=50), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rating_invitations_token_hash")),
    )
    with op.batch_alter_table("rating_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rating_invitations_citizen"), ["citizen"], unique=False
        )
        batch_op.create_index(
            "uq_rating_invitations_subject", ["subject_kind", "subject_id"], unique=True
        )

    op.create_table(
        "ratings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=50), nullable=False),
        sa.Column("location", sa.String(length=50), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_rated", ["rated_at"], unique=False)
        batch_op.create_index("uq_ratings_subject", ["subject_kind", "subject_id"], unique=True)

    op.create_table(
        "spent_challenges",
        sa.Column("challenge", sa.String(length=128), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_spent_challenges")),
    )
    op.create_table(
        "supports",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=False),
        sa.Column("supported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "citizen", name=op.f("pk_supports")),
    )
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.create_index("ix_supports_citizen", ["citizen", "supported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.drop_index("ix_supports_citizen")

    op.drop_table("supports")
    op.drop_table("spent_challenges")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("uq_ratings_subject")
        batch_op.drop_index("ix_ratings_rated")

    op.drop_table("ratings")
    with op.batch_alter_table("rating_invitations", schema=None) as batch_op:
        batch_op.drop_index("uq_rating_invitations_subject")
        batch_op.drop_index(batch_op.f("ix_rating_invitations_citizen"))

    op.drop_table("rating_invitations")
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_log_target_id"))

    op.drop_table("moderation_log")
    op.drop_table("me_too")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_submitted")
        batch_op.drop_index("ix_items_recent")
        batch_op.drop_index("ix_items_map")
        batch_op.drop_index("ix_items_department")
        batch_op.drop_index("ix_items_author")

    op.drop_table("items")
    with op.batch_alter_table("item_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_history_item_id"))

    op.drop_table("item_history")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_citizen")

    op.drop_table("follows")
    op.drop_table("flags")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_item")
        batch_op.drop_index("ix_comments_author")

    op.drop_table("comments")
    op.drop_table("bans")
