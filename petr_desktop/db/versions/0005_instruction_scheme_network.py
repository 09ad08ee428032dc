"""instruction and network: application lines and checklist, scheme settings, speakers,
standing teams, good practices, attendance per structure, batches waiting for their causal past; aid application statuses of the new workflow

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 01:10:00

Statuses « draft / submitted » become « received », « under_review » « complete », « proposed »
« presented » — in the table, the heads and the op log alike (the same upcast is applied to
ops arriving from an older version, see ``sync/upcast.py``).
"""
import sqlalchemy as sa
from alembic import op

from petr_desktop.sync import capture, freeze, upcast

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_TABLES = ("application_line", "application_document", "scheme", "speaker", "team_member", "practice")

TABLES = """
CREATE TABLE sync_pending (
    batch_id TEXT NOT NULL,
    PRIMARY KEY (batch_id)
);
CREATE TABLE application_line (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    application_id VARCHAR,
    kind VARCHAR NOT NULL,
    requested_cents INTEGER NOT NULL,
    proposed_cents INTEGER NOT NULL,
    modulation_percent INTEGER NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_application_line_application_id ON application_line (application_id);
CREATE TABLE application_document (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    application_id VARCHAR,
    position INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    received BOOLEAN NOT NULL,
    received_on DATE,
    comment VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_application_document_application_id ON application_document (application_id);
CREATE TABLE scheme (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    aid_kinds VARCHAR NOT NULL,
    core_base_cents INTEGER NOT NULL,
    core_modulation VARCHAR NOT NULL,
    thematic_cap_cents INTEGER NOT NULL,
    collective_cap_cents INTEGER NOT NULL,
    advance_percent INTEGER NOT NULL,
    balance_percent INTEGER NOT NULL,
    commission_dates VARCHAR NOT NULL,
    required_documents VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE speaker (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    meeting_id VARCHAR,
    position INTEGER NOT NULL,
    full_name VARCHAR NOT NULL,
    organisation VARCHAR NOT NULL,
    topic VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_speaker_meeting_id ON speaker (meeting_id);
CREATE TABLE team_member (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    structure_id VARCHAR,
    person_id VARCHAR,
    position INTEGER NOT NULL,
    full_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    organisation VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_team_member_person_id ON team_member (person_id);
CREATE INDEX ix_team_member_structure_id ON team_member (structure_id);
CREATE TABLE practice (
    id VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    updated_at VARCHAR NOT NULL,
    deleted BOOLEAN NOT NULL,
    source_table VARCHAR NOT NULL,
    source_id VARCHAR,
    structure_id VARCHAR,
    year INTEGER NOT NULL,
    theme VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_practice_source_id ON practice (source_id);
CREATE INDEX ix_practice_structure_id ON practice (structure_id);
"""


def upgrade() -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            op.execute(statement)
    with op.batch_alter_table("aid_application") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cp_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("deliberation_no", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("annual_agreement_id", sa.String(), nullable=True))
        batch.create_index("ix_aid_application_annual_agreement_id", ["annual_agreement_id"])
    op.add_column("attendance", sa.Column("structure_id", sa.String(), nullable=True))   # no batch: keeps triggers
    op.create_index("ix_attendance_structure_id", "attendance", ["structure_id"])
    raw = op.get_bind().connection.dbapi_connection
    capture.install_triggers(raw, NEW_TABLES)
    capture.install_triggers(raw, ("aid_application",))     # the batch copy dropped them
    op.execute("DROP TRIGGER IF EXISTS trg_attendance_frozen_upd")   # now also guards structure_id
    freeze.install_triggers(raw)
    upcast.rewrite_stored_values(raw, "0005")


def downgrade() -> None:
    op.execute("DROP TABLE sync_pending")
    for table in NEW_TABLES:
        op.execute(f"DROP TABLE {table}")
    op.drop_index("ix_attendance_structure_id", "attendance")
    op.drop_column("attendance", "structure_id")
    with op.batch_alter_table("aid_application") as batch:
        batch.drop_index("ix_aid_application_annual_agreement_id")
        for name in ("annual_agreement_id", "deliberation_no", "cp_date", "received_on"):
            batch.drop_column(name)
