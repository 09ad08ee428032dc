"""What sync leaves for the user to decide: conflicts, overwritten values, late proposals.

- A conflict is resolved by a new op that covers every head (``capture.force`` makes one
  even when the value kept is the one shown); the materializer then closes it.
- A value that lost a last-writer-wins race is journaled; restoring it is a new edit.
- An op received on a validated record after its sign-off is never applied: it becomes a
  rectificatif (amendment) of the record, or is rejected.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from ..domain.enums import AmendmentStatus, SheetKind
from ..domain.ids import now_iso
from ..domain.models import MODEL_BY_TABLE, Amendment
from ..domain.values import format_date, format_datetime_fr
from ..storage.database import raw_connection
from ..sync import capture, freeze, hlc
from ..sync.materialize import BatchCache, row_ops
from ..sync.merge import Op, heads
from .errors import InvalidValueError, NotFoundError
from .records import frozen_reason, insert
from .uow import reading, transactional

FIELD_LABELS = {
    "summary": "synthèse", "vigilance_points": "points de vigilance", "next_steps": "suites à donner",
    "notes": "notes", "text": "texte", "status": "statut", "value": "réponse", "body": "texte",
    "title": "titre", "name": "nom", "full_name": "nom", "function": "fonction", "email": "courriel",
    "phone": "téléphone", "place": "lieu", "meeting_date": "date", "start_time": "heure de début",
    "end_time": "heure de fin", "due_on": "échéance", "owner_name": "responsable", "deleted": "suppression",
    "region_comment": "commentaire de la Région", "regional_office_opinion": "avis de la Maison de Région",
    "expert_opinion": "avis des services experts", "reduction_reason": "motif de réfaction",
    "comment": "commentaire", "actual": "réalisé", "target": "cible", "cumulative": "cumul",
    "amount_cents": "montant", "voted_cents": "montant voté", "requested_cents": "montant demandé",
    "proposed_cents": "montant proposé", "description": "description", "scope": "portée",
    "created_at": "date de création", "number": "numéro", "position": "rang", "minutes_id": "relevé",
    "meeting_id": "réunion", "structure_id": "structure", "sheet_id": "fiche", "author": "rédacteur",
}

#: The field that says what a new record is, in order of preference.
MAIN_FIELDS = ("text", "body", "notes", "value", "title", "name", "full_name")


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.removesuffix("_cents").removesuffix("_on").replace("_", " "))


def _when(hlc_value: int) -> str:
    ms, _counter = hlc.unpack(hlc_value)
    return format_datetime_fr(datetime.fromtimestamp(ms / 1000, tz=UTC))


def _value(text: str) -> Any:
    return json.loads(text)


def shown(text: str) -> str:
    """A stored JSON value as the user reads it."""
    value = _value(text)
    if value is None:
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def describe(conn, table: str, row_id: str) -> str:
    """A French title for a record: « Relevé du 12 novembre 2026 — Pays de la Déodatie »."""
    def one(sql: str, *args: Any):
        return conn.execute(sql, args).fetchone()

    def meeting_title(meeting_id: str | None) -> str:
        row = one("SELECT m.meeting_date, s.name FROM meeting m LEFT JOIN structure s ON s.id = m.structure_id "
                  "WHERE m.id = ?", meeting_id)
        if not row:
            return "réunion"
        day = format_date(datetime.fromisoformat(row[0]).date()) if row[0] else ""
        return " — ".join(p for p in (f"du {day}" if day else "", row[1] or "") if p)

    label = MODEL_BY_TABLE[table].label
    if table == "minutes":
        row = one("SELECT meeting_id FROM minutes WHERE id = ?", row_id)
        return f"Relevé {meeting_title(row[0] if row else None)}"
    if table == "meeting":
        return f"Réunion {meeting_title(row_id)}"
    if table in ("agenda_item", "attendance"):
        row = one(f"SELECT meeting_id FROM {table} WHERE id = ?", row_id)
        return f"{label.capitalize()} — réunion {meeting_title(row[0] if row else None)}"
    if table in ("decision", "action"):
        row = one(f"SELECT t.number, n.meeting_id FROM {table} t LEFT JOIN minutes n ON n.id = t.minutes_id "
                  "WHERE t.id = ?", row_id)
        if row:
            return f"{'D' if table == 'decision' else 'A'}{row[0]} — relevé {meeting_title(row[1])}"
    if table == "evaluation_sheet" or table in freeze.SHEET_CHILDREN:
        sheet = row_id if table == "evaluation_sheet" else (one(f"SELECT sheet_id FROM {table} WHERE id = ?",
                                                                row_id) or [None])[0]
        row = one("SELECT e.kind, e.year, s.name FROM evaluation_sheet e LEFT JOIN structure s "
                  "ON s.id = e.structure_id WHERE e.id = ?", sheet)
        if row:
            title = f"Fiche « {SheetKind(row[0]).label} » {row[1]} — {row[2] or ''}"
            if table == "sheet_answer":
                key = one("SELECT field_key FROM sheet_answer WHERE id = ?", row_id)
                return f"{title} ({key[0]})" if key else title
            return title if table == "evaluation_sheet" else f"{title} — {label}"
    for column in ("name", "full_name", "title"):
        try:
            row = one(f"SELECT {column} FROM {table} WHERE id = ?", row_id)
        except Exception:      # no such column on this table
            continue
        if row and row[0]:
            return f"{label.capitalize()} « {row[0]} »"
    return label.capitalize()


def _device_names(conn) -> dict[str, str]:
    names = dict(conn.execute("SELECT replica_id, name FROM sync_peer"))
    names.update(conn.execute("SELECT replica_id, replica_name FROM sync_local"))
    return names


@dataclass(frozen=True)
class Side:
    letter: str
    op_id: str
    value: str            # JSON text
    author: str
    when: str
    device: str

    @property
    def text(self) -> str:
        return shown(self.value)


@dataclass(frozen=True)
class ConflictView:
    conflict_id: str
    table: str
    row_id: str
    field: str
    kind: str                     # value | delete_edit
    title: str
    field_label: str
    sides: tuple[Side, ...]
    base: str                     # JSON text of the common ancestor, "" if none
    current: str
    opened_at: str

    @property
    def is_text(self) -> bool:
        return self.kind == "value" and all(isinstance(_value(s.value), str) for s in self.sides)

    @property
    def summary(self) -> str:
        if self.kind == "delete_edit":
            return f"{self.title} : supprimé sur un poste, modifié sur un autre"
        return f"{self.title} — {self.field_label} : {len(self.sides)} versions"


LETTERS = "abcdefgh"


def person(author: str) -> str:
    """« IK Isabelle Kuntz » (initials and name, as batches record it) → « Isabelle Kuntz »."""
    initials, _, name = author.strip().partition(" ")
    if name and initials.replace(".", "").isalpha() and initials.isupper() and len(initials) <= 4:
        return name
    return author.strip() or "?"


def _side(letter: str, op: Op, devices: dict[str, str]) -> Side:
    return Side(letter, op.op_id, op.value, person(op.author), _when(op.hlc),
                devices.get(op.replica_id, f"poste {op.replica_id[:8]}"))


def _base(field_ops: list[Op], tops: list[Op]) -> str:
    """The last value every head had seen: the common ancestor of a text conflict."""
    common = [op for op in field_ops if all(op.seen_by(h) for h in tops)]
    ancestors = heads(common)
    return ancestors[-1].value if ancestors else ""


def _conflict_view(conn, row) -> ConflictView:
    conflict_id, table, row_id, name, kind, head_ops, opened_at = row
    ops = row_ops(conn, table, row_id, BatchCache(conn))
    by_id = {op.op_id: op for field_ops in ops.values() for op in field_ops}
    tops = [by_id[i] for i in json.loads(head_ops) if i in by_id]
    devices = _device_names(conn)
    current = conn.execute(f"SELECT {name} FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if kind == "delete_edit":
        tombstones = [op for op in tops if op.field == "deleted" and op.value in ("1", "true")]
        edits = [op for op in tops if op not in tombstones]
        sides = (_side("a", tombstones[-1], devices), _side("b", edits[-1], devices)) if tombstones and edits else ()
        base = ""
    else:
        sides = tuple(_side(LETTERS[i], op, devices) for i, op in enumerate(tops[:len(LETTERS)]))
        base = _base(ops.get(name, []), tops)
    return ConflictView(conflict_id, table, row_id, name, kind, describe(conn, table, row_id), field_label(name),
                        sides, base, capture.encode(current[0]) if current else "null", opened_at)


CONFLICT_COLUMNS = "conflict_id, tbl, row_id, field, kind, head_ops, opened_at"


@reading
def conflicts(session: Session) -> list[ConflictView]:
    conn = raw_connection(session)
    rows = conn.execute(f"SELECT {CONFLICT_COLUMNS} FROM sync_conflict ORDER BY opened_at, conflict_id").fetchall()
    return [_conflict_view(conn, row) for row in rows]


@reading
def conflict(session: Session, conflict_id: str) -> ConflictView:
    conn = raw_connection(session)
    wanted = conflict_id.strip()
    row = conn.execute(f"SELECT {CONFLICT_COLUMNS} FROM sync_conflict WHERE substr(conflict_id, 1, length(?)) = ?",
                       (wanted, wanted)).fetchall() if len(wanted) >= 4 else []
    if len(row) != 1:
        raise NotFoundError(f"conflit introuvable : {conflict_id} (voir « sync conflicts »)")
    return _conflict_view(conn, row[0])


@reading
def open_conflict_count(session: Session) -> int:
    return raw_connection(session).execute("SELECT count(*) FROM sync_conflict").fetchone()[0]


def _write_field(session: Session, table: str, row_id: str, name: str, value_json: str) -> None:
    """A new local op for this field, covering every head seen (minted at commit)."""
    row = session.get(MODEL_BY_TABLE[table], row_id)
    if row is None:
        raise NotFoundError(f"{MODEL_BY_TABLE[table].label} introuvable : {row_id}")
    reason = frozen_reason(session, row, {name})
    if reason:
        raise InvalidValueError(reason)
    conn = raw_connection(session)
    session.flush()
    conn.execute(f"UPDATE {table} SET {name} = ?, updated_at = ? WHERE id = ?", (_value(value_json), now_iso(), row_id))
    capture.force(conn, table, row_id, name)
    session.expire_all()


@transactional
def resolve(session: Session, conflict_id: str, keep: str | None = None, value: str | None = None) -> None:
    """Close a conflict: keep one side (« a », « b »…) or a value (text for a text field).

    For « supprimé / modifié »: « a » deletes the row, « b » keeps it with its edits.
    """
    view = conflict(session, conflict_id)
    if (keep is None) == (value is None):
        raise InvalidValueError("choisissez une version (a, b…) ou donnez le texte retenu")
    if keep is not None:
        chosen = next((s for s in view.sides if s.letter == keep.strip().lower()), None)
        if chosen is None:
            raise InvalidValueError(f"version « {keep} » inconnue : choisissez parmi "
                                    f"{', '.join(s.letter for s in view.sides)}")
        new = ("1" if chosen.letter == "a" else "0") if view.kind == "delete_edit" else chosen.value
    elif view.is_text:
        new = capture.encode(value)
    else:
        try:
            new = capture.encode(json.loads(value))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidValueError("valeur illisible : donnez une valeur JSON (nombre, texte entre guillemets…)") from exc
    _write_field(session, view.table, view.row_id, view.field, new)


# --- Journal of overwritten values ----------------------------------------------------

@dataclass(frozen=True)
class Overwrite:
    lost_op_id: str
    title: str
    field_label: str
    lost: Side
    won: Side
    restored_at: str | None
    file_id: str


@reading
def overwrites(session: Session, file_id: str | None = None, include_restored: bool = False) -> list[Overwrite]:
    conn = raw_connection(session)
    rows = conn.execute(
        "SELECT lost_op_id, won_op_id, file_id, tbl, row_id, restored_at FROM sync_journal "
        "WHERE (? IS NULL OR file_id = ?) AND (? OR restored_at IS NULL) ORDER BY at DESC",
        (file_id, file_id, include_restored)).fetchall()
    devices = _device_names(conn)
    result = []
    batches = BatchCache(conn)
    for lost_id, won_id, fid, table, row_id, restored_at in rows:
        ops = {op.op_id: op for field_ops in row_ops(conn, table, row_id, batches).values() for op in field_ops}
        if lost_id not in ops or won_id not in ops:
            continue
        lost, won = ops[lost_id], ops[won_id]
        result.append(Overwrite(lost_id, describe(conn, table, row_id), field_label(lost.field),
                                _side("a", lost, devices), _side("b", won, devices), restored_at, fid))
    return result


@transactional
def restore_overwrite(session: Session, lost_op_id: str) -> None:
    conn = raw_connection(session)
    row = conn.execute("SELECT tbl, row_id, field FROM sync_journal WHERE lost_op_id = ?", (lost_op_id,)).fetchone()
    value = conn.execute("SELECT value FROM sync_op WHERE op_id = ?", (lost_op_id,)).fetchone()
    if not row or not value:
        raise NotFoundError("valeur remplacée introuvable dans le journal")
    _write_field(session, *row, value[0])
    conn.execute("UPDATE sync_journal SET restored_at = ? WHERE lost_op_id = ?", (now_iso(), lost_op_id))


# --- Proposals received after a sign-off ----------------------------------------------

@dataclass(frozen=True)
class Proposal:
    op_id: str
    table: str
    row_id: str
    title: str
    field_label: str
    proposed: Side
    current: str           # JSON text
    status: str
    received_at: str


@reading
def proposals(session: Session, include_closed: bool = False) -> list[Proposal]:
    """Late modifications, one per field — or one per record added after the sign-off."""
    conn = raw_connection(session)
    rows = conn.execute("SELECT op_id, tbl, row_id, status, received_at FROM sync_proposal"
                        + ("" if include_closed else " WHERE status = 'open'") + " ORDER BY received_at").fetchall()
    devices = _device_names(conn)
    batches = BatchCache(conn)
    by_row: dict[tuple[str, str], list] = {}
    for row in rows:
        by_row.setdefault((row[1], row[2]), []).append(row)
    result = []
    for (table, row_id), group in by_row.items():
        ops = {op.op_id: op for field_ops in row_ops(conn, table, row_id, batches).values() for op in field_ops}
        proposed = {r[0]: ops[r[0]] for r in group if r[0] in ops}
        created = next((op for op in proposed.values() if op.field == "deleted" and op.kind == "create"), None)
        if created is not None:       # a whole record added after the sign-off: one proposal
            main = next((op for name in MAIN_FIELDS for op in proposed.values() if op.field == name), created)
            label = f"nouvel enregistrement ({MODEL_BY_TABLE[table].label})"
            first = next(r for r in group if r[0] == created.op_id)
            side = _side("a", main, devices)
            result.append(Proposal(created.op_id, table, row_id, describe(conn, table, row_id), label, side,
                                   "null", first[3], first[4]))
            continue
        for op_id, _table, _row, state, received_at in group:
            op = proposed.get(op_id)
            if op is None:
                continue
            current = conn.execute(f"SELECT {op.field} FROM {table} WHERE id = ?", (row_id,)).fetchone()
            result.append(Proposal(op_id, table, row_id, describe(conn, table, row_id), field_label(op.field),
                                   _side("a", op, devices), capture.encode(current[0]) if current else "null",
                                   state, received_at))
    return result


def _open_proposal(session: Session, op_id: str) -> Proposal:
    found = [p for p in proposals(session) if p.op_id == op_id]
    if not found:
        raise NotFoundError("modification reçue introuvable ou déjà traitée")
    return found[0]


def _close(session: Session, proposal: Proposal, status: str, amendment_id: str | None = None) -> None:
    """Close a proposal; for a record added after the sign-off, every field of it."""
    conn = raw_connection(session)
    if proposal.field_label.startswith("nouvel enregistrement"):
        conn.execute("UPDATE sync_proposal SET status = ?, amendment_id = ? WHERE tbl = ? AND row_id = ? "
                     "AND status = 'open'", (status, amendment_id, proposal.table, proposal.row_id))
    else:
        conn.execute("UPDATE sync_proposal SET status = ?, amendment_id = ? WHERE op_id = ?",
                     (status, amendment_id, proposal.op_id))


@transactional
def reject_proposal(session: Session, op_id: str) -> None:
    _close(session, _open_proposal(session, op_id), "rejected")


@transactional
def amend_from_proposal(session: Session, op_id: str) -> Amendment:
    """Turn a late modification into a draft rectificatif of the validated record."""
    proposal = _open_proposal(session, op_id)
    conn = raw_connection(session)
    values = {name: value for name, value in conn.execute(
        "SELECT field, value FROM sync_head WHERE tbl = ? AND row_id = ?", (proposal.table, proposal.row_id))}
    owner = freeze.owner_of(proposal.table, proposal.row_id, values)
    if owner is None:
        raise InvalidValueError("cette modification ne concerne pas un document validé")
    root_table, root_id = owner
    numbers = [n for (n,) in conn.execute("SELECT number FROM amendment WHERE root_id = ?", (root_id,))]
    side = proposal.proposed
    reason = (f"Modification reçue après validation — {proposal.title}, {proposal.field_label} "
              f"({side.author}, {side.when}, {side.device})")
    author = conn.execute("SELECT user_name FROM sync_local WHERE id = 1").fetchone()[0]
    amendment = insert(session, Amendment, root_table=root_table, root_id=root_id,
                       number=max(numbers, default=0) + 1, reason=reason, body=side.text, author=author,
                       status=AmendmentStatus.DRAFT.value)
    _close(session, proposal, "amended", amendment.id)
    return amendment

