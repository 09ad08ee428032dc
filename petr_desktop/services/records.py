"""Generic create / read / update / soft-delete with the rules every record obeys.

- values are coerced (French dates and amounts accepted) and enum fields checked;
- references to other synced rows are checked in code (there are no hard foreign keys);
- frozen records (signed minutes, validated sheets) refuse edits here, not only in the GUI;
- workflow statuses only change through their transition functions.
"""
from __future__ import annotations

import typing
from datetime import date, time
from typing import Any, TypeVar

from sqlmodel import Session, select

from ..domain import enums, rules
from ..domain.ids import now_iso, singleton_id
from ..domain.models import (MODEL_BY_TABLE, Action, AgendaItem, Amendment, Attendance, Decision,
                             EvaluationSheet, Meeting, Minutes, SignOff, Synced)
from ..domain.values import ValueFormatError, as_date, parse_amount
from .errors import FrozenRecordError, InvalidValueError, NotFoundError, TransitionError
from .uow import reading, transactional

M = TypeVar("M", bound=Synced)

#: Enumerated fields, checked on every write.
ENUM_FIELDS: dict[tuple[str, str], type[enums.LabelledEnum]] = {
    ("structure", "legal_form"): enums.LegalForm,
    ("person", "organisation_kind"): enums.OrganisationKind,
    ("framework_agreement", "status"): enums.AgreementStatus,
    ("annual_agreement", "status"): enums.AgreementStatus,
    ("aid_line", "kind"): enums.AidLineKind,
    ("payment", "kind"): enums.PaymentKind,
    ("payment", "status"): enums.PaymentStatus,
    ("aid_application", "status"): enums.ApplicationStatus,
    ("application_line", "kind"): enums.AidLineKind,
    ("meeting", "kind"): enums.MeetingKind,
    ("meeting", "status"): enums.MeetingStatus,
    ("meeting", "place_kind"): enums.PlaceKind,
    ("attendance", "status"): enums.AttendanceStatus,
    ("decision", "status"): enums.DecisionStatus,
    ("action", "status"): enums.ActionStatus,
    ("evaluation_sheet", "kind"): enums.SheetKind,
    ("evaluation_sheet", "region_opinion"): enums.Opinion,
}

#: Statuses driven by a workflow: only transition functions may change them.
WORKFLOW_FIELDS = {("minutes", "status"), ("evaluation_sheet", "status"), ("amendment", "status"),
                   ("aid_application", "status"), ("payment", "status")}

#: Reference fields whose target table is not given by their name.
REFERENCE_TARGETS = {"owner_person_id": "person", "root_id": None, "record_id": None}

PROTECTED = frozenset({"id", "created_at", "updated_at", "deleted"})


def table_of(model: type[Synced]) -> str:
    return model.__tablename__  # type: ignore[return-value]


def _base_type(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def _coerce(model: type[Synced], name: str, value: Any) -> Any:
    table = table_of(model)
    if name not in model.model_fields or name in PROTECTED:
        raise InvalidValueError(f"champ inconnu « {name} » pour : {model.label}")
    kind = _base_type(model.model_fields[name].annotation)
    try:
        if kind is date:
            return as_date(value)
        if kind is time and isinstance(value, str):
            return time.fromisoformat(value) if value else None
        if name.endswith("_cents") and isinstance(value, str):
            return parse_amount(value)
    except ValueFormatError as exc:
        raise InvalidValueError(str(exc)) from exc
    except ValueError as exc:
        raise InvalidValueError(f"heure invalide : « {value} » (exemple : 14:30)") from exc
    enum = ENUM_FIELDS.get((table, name))
    if enum is not None and value not in ("", None):
        try:
            enum.parse(value)
        except ValueError as exc:
            raise InvalidValueError(f"{model.label} : {exc}") from exc
    return value


def _check_references(session: Session, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if not name.endswith("_id") or not value:
            continue
        target = REFERENCE_TARGETS.get(name, name.removesuffix("_id"))
        if target is None or target not in MODEL_BY_TABLE:
            continue
        row = session.get(MODEL_BY_TABLE[target], value)
        if row is None or row.deleted:
            raise NotFoundError(f"{MODEL_BY_TABLE[target].label} introuvable : {value}")


def _minutes_of_meeting(session: Session, meeting_id: str | None) -> Minutes | None:
    return session.get(Minutes, singleton_id("minutes", meeting_id)) if meeting_id else None


def frozen_reason(session: Session, row: Synced, fields: set[str]) -> str | None:
    """Why ``row`` may not be edited (French), or None when it may."""
    signed = "Ce relevé d'échange est signé : il ne change plus. Faites un rectificatif."
    validated = "Cette fiche est validée : elle ne change plus. Faites un rectificatif."
    minutes: Minutes | None = None
    if isinstance(row, Minutes):
        minutes = row
    elif isinstance(row, (AgendaItem, Attendance)):
        minutes = _minutes_of_meeting(session, row.meeting_id)
    elif isinstance(row, Meeting):
        if fields <= {"status"}:
            return None
        minutes = _minutes_of_meeting(session, row.id)
    elif isinstance(row, Decision):
        minutes = session.get(Minutes, row.minutes_id) if row.minutes_id else None
    elif isinstance(row, Action):
        if fields <= rules.ACTION_FOLLOW_UP_FIELDS:
            return None
        minutes = session.get(Minutes, row.minutes_id) if row.minutes_id else None
    if minutes is not None and minutes.status in rules.FROZEN_MINUTES:
        return signed
    sheet: EvaluationSheet | None = None
    if isinstance(row, EvaluationSheet):
        sheet = row
    elif getattr(row, "sheet_id", None):
        sheet = session.get(EvaluationSheet, row.sheet_id)  # type: ignore[attr-defined]
    if sheet is not None and sheet.status in rules.FROZEN_SHEETS:
        return validated
    if isinstance(row, Amendment) and row.status == enums.AmendmentStatus.SIGNED:
        return "Ce rectificatif est signé : il ne change plus."
    if isinstance(row, SignOff) and "created" not in fields:
        return "Une validation ne se modifie pas."
    return None


def refuse_open_conflicts(session: Session, table: str, record_id: str, what: str) -> None:
    """A record is not frozen while sync conflicts on it (or what it shows) wait for a decision:
    once frozen, they could never be resolved."""
    from ..storage.database import raw_connection
    from ..sync.freeze import covered_rows

    conn = raw_connection(session)
    open_ = sum(conn.execute("SELECT count(*) FROM sync_conflict WHERE tbl = ? AND row_id = ?", row).fetchone()[0]
                for row in covered_rows(conn, table, record_id))
    if open_:
        raise TransitionError(f"impossible de {what} : {open_} conflit(s) de synchronisation à arbitrer d'abord "
                              "(Synchronisation › Conflits à arbitrer)")


def _ensure_editable(session: Session, row: Synced, fields: set[str]) -> None:
    reason = frozen_reason(session, row, fields)
    if reason:
        raise FrozenRecordError(reason)


def load(session: Session, model: type[M], record_id: str, include_deleted: bool = False) -> M:
    row = session.get(model, record_id)
    if row is None or (row.deleted and not include_deleted):
        raise NotFoundError(f"{model.label} introuvable : {record_id}")
    return row


def insert(session: Session, model: type[M], pk: str | None = None,
           created_at: str | None = None, **values: Any) -> M:
    """Create a row, after checking values, references and the frozen parent."""
    coerced = {name: _coerce(model, name, value) for name, value in values.items()}
    _check_references(session, coerced)
    fixed = {k: v for k, v in (("id", pk), ("created_at", created_at)) if v is not None}
    row = model(**fixed, **coerced)
    _ensure_editable(session, row, set(coerced) | {"created"})
    session.add(row)
    session.flush()
    return row


def apply_changes(session: Session, row: M, changes: dict[str, Any], *, workflow: bool = False) -> M:
    """Set fields of a loaded row, with every rule checked."""
    table = table_of(type(row))
    if not workflow:
        for name in changes:
            if (table, name) in WORKFLOW_FIELDS:
                raise InvalidValueError("le statut change par les boutons de validation, pas par saisie")
    coerced = {name: _coerce(type(row), name, value) for name, value in changes.items()}
    # A workflow transition was checked against its own table; other fields still obey the freeze.
    checked = {n for n in coerced if not (workflow and (table, n) in WORKFLOW_FIELDS)}
    if checked or not workflow:
        _ensure_editable(session, row, checked)
    _check_references(session, {k: v for k, v in coerced.items() if getattr(row, k) != v})
    changed = {k: v for k, v in coerced.items() if getattr(row, k) != v}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.updated_at = now_iso()
        session.add(row)
        session.flush()
    return row


def get_or_create(session: Session, model: type[M], record_id: str, **values: Any) -> M:
    """A natural singleton (UUIDv5 id): the existing row, revived if deleted, or a new one."""
    row = session.get(model, record_id)
    if row is None:
        return insert(session, model, pk=record_id, **values)
    if row.deleted:
        row.deleted = False
        row.updated_at = now_iso()
        session.add(row)
        session.flush()
    return row


@transactional
def create(session: Session, model: type[M], **values: Any) -> M:
    return insert(session, model, **values)


@reading
def get(session: Session, model: type[M], record_id: str) -> M:
    return load(session, model, record_id)


@transactional
def update(session: Session, model: type[M], record_id: str, **changes: Any) -> M:
    return apply_changes(session, load(session, model, record_id), changes)


@transactional
def delete(session: Session, model: type[M], record_id: str) -> None:
    """Soft delete: the row stays (sync mints a tombstone)."""
    row = load(session, model, record_id)
    _ensure_editable(session, row, {"deleted"})
    row.deleted = True
    row.updated_at = now_iso()
    session.add(row)
    session.flush()


def replace_children(session: Session, model: type[M], existing: dict[str, M],
                     wanted: list[tuple[str | None, dict[str, Any]]], **parent: Any) -> list[M]:
    """Make a list of child rows exactly ``wanted``, a list of (id of an existing row or None,
    values): existing rows are updated in place, new ones inserted with the ``parent`` fields,
    the others soft-deleted. Returns the rows in the wanted order."""
    rows, kept = [], set()
    for row_id, values in wanted:
        row = existing.get(row_id or "")
        if row is None:
            row = insert(session, model, **parent, **values)
        else:
            kept.add(row.id)
            apply_changes(session, row, values)
        rows.append(row)
    for row_id, row in existing.items():
        if row_id not in kept:
            row.deleted = True
            row.updated_at = now_iso()
            session.add(row)
    session.flush()
    return rows


@reading
def list_rows(session: Session, model: type[M], order_by: str | None = None, **filters: Any) -> list[M]:
    query = select(model).where(model.deleted == False)  # noqa: E712
    for name, value in filters.items():
        query = query.where(getattr(model, name) == value)
    if order_by:
        query = query.order_by(getattr(model, order_by))
    return list(session.exec(query))

