"""user profile of the device, author of each batch of ops, last exported seq

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:00:00

Plain ADD COLUMN (no batch copy): ``sync_local`` is referenced by every capture trigger.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LOCAL_COLUMNS = ("user_name", "user_role", "user_initials")


def upgrade() -> None:
    for name in LOCAL_COLUMNS:
        op.add_column("sync_local", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.add_column("sync_local", sa.Column("exported_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sync_batch", sa.Column("author", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("sync_batch", "author")
    for name in (*LOCAL_COLUMNS, "exported_seq"):
        op.drop_column("sync_local", name)
