"""Local (non-synced) tables of the op log. They live in the same metadata as the domain."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, Table, Text, UniqueConstraint
from sqlmodel import SQLModel

metadata = SQLModel.metadata

#: This replica: its id and device name, its op counter, its clock, the importer flag that
#: silences capture triggers while ops received from elsewhere are applied, the user of
#: this device (author of changes and signer) and the last own op seq sent away.
sync_local = Table(
    "sync_local", metadata,
    Column("id", Integer, primary_key=True),
    Column("replica_id", Text, nullable=False),
    Column("replica_name", Text, nullable=False, server_default=""),
    Column("seq", Integer, nullable=False, server_default="0"),
    Column("hlc", Integer, nullable=False, server_default="0"),
    Column("applying", Integer, nullable=False, server_default="0"),
    Column("user_name", Text, nullable=False, server_default=""),
    Column("user_role", Text, nullable=False, server_default=""),
    Column("user_initials", Text, nullable=False, server_default=""),
    Column("exported_seq", Integer, nullable=False, server_default="0"),
    CheckConstraint("id = 1", name="ck_sync_local_single_row"),
)

#: Rows written since the last minting, filled by the capture triggers.
sync_dirty = Table(
    "sync_dirty", metadata,
    Column("tbl", Text, primary_key=True),
    Column("row_id", Text, primary_key=True),
)

#: A batch of ops minted together, with the replica's version vector at that moment.
sync_batch = Table(
    "sync_batch", metadata,
    Column("batch_id", Text, primary_key=True),
    Column("replica_id", Text, nullable=False),
    Column("hlc", Integer, nullable=False),
    Column("ctx_vv", Text, nullable=False),
    Column("author", Text, nullable=False, server_default=""),
)

#: The op log: one op per changed field, append-only.
sync_op = Table(
    "sync_op", metadata,
    Column("op_id", Text, primary_key=True),
    Column("replica_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("batch_id", Text, nullable=False),
    Column("hlc", Integer, nullable=False),
    Column("tbl", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("kind", Text, nullable=False),
    UniqueConstraint("replica_id", "seq", name="uq_sync_op_replica_seq"),
    Index("ix_sync_op_row", "tbl", "row_id", "field"),
)

#: Current head value of every replicated field, as JSON text, and the op that set it.
sync_head = Table(
    "sync_head", metadata,
    Column("tbl", Text, primary_key=True),
    Column("row_id", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("op_id", Text, nullable=False),
)

#: Version vector: highest op seq known from each replica.
sync_vv = Table(
    "sync_vv", metadata,
    Column("replica_id", Text, primary_key=True),
    Column("seq", Integer, nullable=False),
)
