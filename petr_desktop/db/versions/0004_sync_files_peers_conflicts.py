"""sync files: enrolled peers, file history, conflicts, LWW journal, proposals after sign-off

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:30:00

Triggers refuse local edits of signed relevés and validated fiches (the importer is exempt).
``sync_local`` gains where the replica is bound (path, machine) and a flag set in backup
copies, so a database restored or copied elsewhere takes a new replica id.
DDL written out in full: a revision must not change when the code's tables do.
"""
import sqlalchemy as sa
from alembic import op

from petr_desktop.sync import freeze

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE sync_peer (
    key_id TEXT NOT NULL, name TEXT DEFAULT '' NOT NULL, public_key TEXT NOT NULL,
    replica_id TEXT DEFAULT '' NOT NULL, enrolled_at TEXT DEFAULT '' NOT NULL, revoked_at TEXT,
    known_vv TEXT DEFAULT '{}' NOT NULL, last_file_at TEXT DEFAULT '' NOT NULL,
    PRIMARY KEY (key_id));
CREATE TABLE sync_file (
    id INTEGER NOT NULL, file_id TEXT NOT NULL, direction TEXT NOT NULL, status TEXT NOT NULL,
    peer_name TEXT DEFAULT '' NOT NULL, peer_key_id TEXT DEFAULT '' NOT NULL, at TEXT NOT NULL,
    file_name TEXT DEFAULT '' NOT NULL, op_count INTEGER DEFAULT '0' NOT NULL,
    report TEXT DEFAULT '{}' NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_sync_file_file_id ON sync_file (file_id);
CREATE TABLE sync_conflict (
    conflict_id TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
    kind TEXT NOT NULL, head_ops TEXT NOT NULL, opened_at TEXT NOT NULL, PRIMARY KEY (conflict_id));
CREATE INDEX ix_sync_conflict_row ON sync_conflict (tbl, row_id);
CREATE TABLE sync_journal (
    lost_op_id TEXT NOT NULL, won_op_id TEXT NOT NULL, file_id TEXT DEFAULT '' NOT NULL,
    tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL, at TEXT NOT NULL, restored_at TEXT,
    PRIMARY KEY (lost_op_id));
CREATE TABLE sync_proposal (
    op_id TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
    file_id TEXT DEFAULT '' NOT NULL, received_at TEXT NOT NULL, status TEXT DEFAULT 'open' NOT NULL,
    amendment_id TEXT, PRIMARY KEY (op_id));
"""

NEW_TABLES = ("sync_peer", "sync_file", "sync_conflict", "sync_journal", "sync_proposal")


def upgrade() -> None:
    op.add_column("sync_local", sa.Column("bound_path", sa.Text(), nullable=False, server_default=""))
    op.add_column("sync_local", sa.Column("bound_machine", sa.Text(), nullable=False, server_default=""))
    op.add_column("sync_local", sa.Column("needs_new_identity", sa.Integer(), nullable=False,
                                          server_default="0"))
    for statement in TABLES.split(";"):
        if statement.strip():
            op.execute(statement)
    freeze.install_triggers(op.get_bind().connection.dbapi_connection)


def downgrade() -> None:
    for table in freeze._GUARDS:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_upd")
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_frozen_ins")
    for table in NEW_TABLES:
        op.execute(f"DROP TABLE {table}")
    for name in ("needs_new_identity", "bound_machine", "bound_path"):
        op.drop_column("sync_local", name)
