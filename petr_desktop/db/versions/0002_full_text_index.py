"""full-text index (FTS5) over minutes, decisions, actions, sheets and contacts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:45:00

Creates ``search_doc``/``search_fts`` and their triggers, then indexes the existing rows.
A later change to ``fts.SOURCES`` needs a revision that drops and reinstalls the triggers.
"""
from alembic import op

from petr_desktop.storage import fts

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    fts.install(op.get_bind().connection.dbapi_connection)


def downgrade() -> None:
    for table in fts.SOURCES:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_search_{event}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP TABLE IF EXISTS search_doc")
