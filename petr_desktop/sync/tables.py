"""Local (non-synced) tables of the op log. They live in the same metadata as the domain."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, Table, Text, UniqueConstraint
from sqlmodel import SQLModel

metadata = SQLModel.metadata

#: This replica: its id and device name, its op counter, its clock, the importer flag that
#: silences capture triggers while ops received from elsewhere are applied, the user of
#: this device (author of changes and signer), the last own op seq sent away, and where
#: the replica lives (a database copied or restored elsewhere takes a new replica id).
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
    Column("bound_path", Text, nullable=False, server_default=""),
    Column("bound_machine", Text, nullable=False, server_default=""),
    Column("needs_new_identity", Integer, nullable=False, server_default="0"),
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

# --- Sync files (revision 0004) --------------------------------------------------------

#: Devices whose sync files this database accepts (enrolled keys), and what each one has:
#: ``known_vv`` is the version vector announced in its last file (drives exports to it).
sync_peer = Table(
    "sync_peer", metadata,
    Column("key_id", Text, primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("public_key", Text, nullable=False),
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("enrolled_at", Text, nullable=False, server_default=""),
    Column("revoked_at", Text),
    Column("known_vv", Text, nullable=False, server_default="{}"),
    Column("last_file_at", Text, nullable=False, server_default=""),
)

#: History of sync files written and read, with their French report (JSON).
sync_file = Table(
    "sync_file", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Text, nullable=False, index=True),
    Column("direction", Text, nullable=False),            # out | in
    Column("status", Text, nullable=False),               # exported | imported | duplicate | refused
    Column("peer_name", Text, nullable=False, server_default=""),
    Column("peer_key_id", Text, nullable=False, server_default=""),
    Column("at", Text, nullable=False),
    Column("file_name", Text, nullable=False, server_default=""),
    Column("op_count", Integer, nullable=False, server_default="0"),
    Column("report", Text, nullable=False, server_default="{}"),
)

#: Open conflicts, materialized from the ops (same ids on every replica).
sync_conflict = Table(
    "sync_conflict", metadata,
    Column("conflict_id", Text, primary_key=True),
    Column("tbl", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("kind", Text, nullable=False),                 # value | delete_edit
    Column("head_ops", Text, nullable=False),             # JSON list of op ids
    Column("opened_at", Text, nullable=False),
    Index("ix_sync_conflict_row", "tbl", "row_id"),
)

#: Values that lost a last-writer-wins race: kept, to be restored from the import report.
sync_journal = Table(
    "sync_journal", metadata,
    Column("lost_op_id", Text, primary_key=True),
    Column("won_op_id", Text, nullable=False),
    Column("file_id", Text, nullable=False, server_default=""),
    Column("tbl", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("restored_at", Text),
)

#: Ops received on a validated record that it had not seen: never applied, reviewed by the user.
sync_proposal = Table(
    "sync_proposal", metadata,
    Column("op_id", Text, primary_key=True),
    Column("tbl", Text, nullable=False),
    Column("row_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("file_id", Text, nullable=False, server_default=""),
    Column("received_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),   # open | rejected | amended
    Column("amendment_id", Text),
)

#: Batches received whose causal past is not all here yet (revision 0005): their ops are
#: stored but not applied until the version vector covers their ``ctx_vv`` (causal delivery).
sync_pending = Table(
    "sync_pending", metadata,
    Column("batch_id", Text, primary_key=True),
)
