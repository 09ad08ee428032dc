"""Which records a sign-off freezes, read from the op log (SYNC.md « Sign-off »).

A relevé is frozen by the batch that set its status to « signé » (the same batch writes
the sign-off row with the content's SHA-256); a fiche by the batch that validated it.
The freeze covers the record and what it shows (meeting, agenda, attendance, decisions,
actions; the fiche's answers and tables), except the follow-up fields that stay open.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping

from ..domain import rules
from ..domain.ids import singleton_id
from .merge import Freeze

#: Frozen statuses of each freezable record, as op values (JSON text).
FROZEN_VALUES: dict[str, frozenset[str]] = {
    "minutes": frozenset(json.dumps(s.value) for s in rules.FROZEN_MINUTES),
    "evaluation_sheet": frozenset(json.dumps(s.value) for s in rules.FROZEN_SHEETS),
}

MEETING_CHILDREN = ("agenda_item", "attendance")
MINUTES_CHILDREN = ("decision", "action")
SHEET_CHILDREN = ("sheet_answer", "indicator", "sheet_post", "sheet_session", "diversification_lead",
                  "sheet_project", "action_plan_item", "supporting_document")

#: Fields that stay editable on a frozen record (follow-up).
OPEN_FIELDS: dict[str, frozenset[str]] = {
    "meeting": frozenset({"status"}),
    "action": rules.ACTION_FOLLOW_UP_FIELDS,
}


def _ref(values: Mapping[str, str], name: str) -> str | None:
    raw = values.get(name)
    value = json.loads(raw) if raw else None
    return value if isinstance(value, str) and value else None


def owner_of(table: str, row_id: str, values: Mapping[str, str]) -> tuple[str, str] | None:
    """The freezable record (table, id) whose sign-off covers this row, if any."""
    if table in FROZEN_VALUES:
        return table, row_id
    if table == "meeting":
        return "minutes", singleton_id("minutes", row_id)
    if table in MEETING_CHILDREN:
        meeting = _ref(values, "meeting_id")
        return ("minutes", singleton_id("minutes", meeting)) if meeting else None
    if table in MINUTES_CHILDREN:
        minutes = _ref(values, "minutes_id")
        return ("minutes", minutes) if minutes else None
    if table in SHEET_CHILDREN:
        sheet = _ref(values, "sheet_id")
        return ("evaluation_sheet", sheet) if sheet else None
    return None


def freeze_points(conn: sqlite3.Connection, table: str, row_id: str) -> tuple[dict[str, int], ...]:
    """Version vectors of the batches that froze one record (usually zero or one)."""
    values = FROZEN_VALUES[table]
    marks = ",".join("?" * len(values))
    rows = conn.execute(
        f"SELECT DISTINCT b.ctx_vv FROM sync_op o JOIN sync_batch b ON b.batch_id = o.batch_id "
        f"WHERE o.tbl = ? AND o.row_id = ? AND o.field = 'status' AND o.value IN ({marks})",
        (table, row_id, *sorted(values)))
    return tuple(json.loads(vv) for (vv,) in rows)


def freeze_for(table: str, row_id: str, values: Mapping[str, str],
               points_of: Callable[[str, str], tuple[dict[str, int], ...]]) -> Freeze | None:
    """The freeze over this row, given how to read a record's freeze points."""
    owner = owner_of(table, row_id, values)
    if owner is None:
        return None
    points = points_of(*owner)
    if not points:
        return None
    own_record = owner == (table, row_id)
    return Freeze(points, open_fields=OPEN_FIELDS.get(table, frozenset()),
                  status_field="status" if own_record else None,
                  frozen_values=FROZEN_VALUES[table] if own_record else frozenset())


def covered_rows(conn: sqlite3.Connection, table: str, row_id: str) -> Iterator[tuple[str, str]]:
    """Every row a freeze of this record covers (to merge again when it arrives)."""
    yield table, row_id
    if table == "minutes":
        meeting = conn.execute("SELECT meeting_id FROM minutes WHERE id = ?", (row_id,)).fetchone()
        if meeting and meeting[0]:
            yield "meeting", meeting[0]
            for child in MEETING_CHILDREN:
                for (rid,) in conn.execute(f"SELECT id FROM {child} WHERE meeting_id = ?", (meeting[0],)):
                    yield child, rid
        for child in MINUTES_CHILDREN:
            for (rid,) in conn.execute(f"SELECT id FROM {child} WHERE minutes_id = ?", (row_id,)):
                yield child, rid
    elif table == "evaluation_sheet":
        for child in SHEET_CHILDREN:
            for (rid,) in conn.execute(f"SELECT id FROM {child} WHERE sheet_id = ?", (row_id,)):
                yield child, rid


# --- Local safety net: triggers refuse edits of frozen content ----------------------------

SIGNED_MESSAGE = "Ce relevé d'échange est signé : il ne change plus. Faites un rectificatif."
VALIDATED_MESSAGE = "Cette fiche est validée : elle ne change plus. Faites un rectificatif."

#: table -> (SQL status of its freezable record given the row as ROW, frozen statuses, message)
_GUARDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "minutes": ("ROW.status", ("signed",), SIGNED_MESSAGE),
    "meeting": ("(SELECT status FROM minutes WHERE meeting_id = ROW.id AND deleted = 0)", ("signed",),
                SIGNED_MESSAGE),
    **{child: ("(SELECT status FROM minutes WHERE meeting_id = ROW.meeting_id AND deleted = 0)", ("signed",),
               SIGNED_MESSAGE) for child in MEETING_CHILDREN},
    **{child: ("(SELECT status FROM minutes WHERE id = ROW.minutes_id)", ("signed",), SIGNED_MESSAGE)
       for child in MINUTES_CHILDREN},
    "evaluation_sheet": ("ROW.status", ("validated", "archived"), VALIDATED_MESSAGE),
    **{child: ("(SELECT status FROM evaluation_sheet WHERE id = ROW.sheet_id)", ("validated", "archived"),
               VALIDATED_MESSAGE) for child in SHEET_CHILDREN},
}


def trigger_ddl(table: str) -> list[str]:
    """Triggers refusing local writes to the frozen fields of a signed record (the importer,
    which sets ``applying``, is exempt: it materializes what the sign-off had seen)."""
    from .policy import REGISTRY

    status_sql, statuses, message = _GUARDS[table]
    frozen = ", ".join(f"'{s}'" for s in statuses)
    local = "(SELECT applying FROM sync_local WHERE id = 1) = 0"
    fields = [f for f in REGISTRY[table] if f not in OPEN_FIELDS.get(table, frozenset())]
    if table in FROZEN_VALUES:
        fields.remove("status")            # its own workflow moves on (validée → archivée)
    changed = " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in fields)
    raise_ = f"SELECT RAISE(ABORT, '{message.replace(chr(39), chr(39) * 2)}')"
    ddl = [f"CREATE TRIGGER IF NOT EXISTS trg_{table}_frozen_upd BEFORE UPDATE ON {table} "
           f"WHEN {local} AND {status_sql.replace('ROW.', 'OLD.')} IN ({frozen}) AND ({changed}) "
           f"BEGIN {raise_}; END"]
    if table not in FROZEN_VALUES and table != "meeting":
        ddl.append(f"CREATE TRIGGER IF NOT EXISTS trg_{table}_frozen_ins BEFORE INSERT ON {table} "
                   f"WHEN {local} AND {status_sql.replace('ROW.', 'NEW.')} IN ({frozen}) "
                   f"BEGIN {raise_}; END")
    return ddl


def install_triggers(conn: sqlite3.Connection) -> None:
    for table in _GUARDS:
        for ddl in trigger_ddl(table):
            conn.execute(ddl)
