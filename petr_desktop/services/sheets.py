"""Evaluation sheets (fiches évaluatives): template-driven answers, repeating groups,
workflow, and pre-filling from the previous year."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.enums import SheetKind, SheetStatus
from ..domain.forms import FormTemplate, TemplateError, coerce_answer, parse_template
from ..domain.ids import singleton_id
from ..domain.models import (ActionPlanItem, DiversificationLead, EvaluationSheet, Indicator, SheetAnswer,
                             SheetPost, SheetProject, SheetSession, Structure, SupportingDocument, Synced)
from ..domain.values import ValueFormatError
from .errors import InvalidValueError, TransitionError
from .records import apply_changes, get_or_create, insert, load
from .uow import reading, transactional

GROUP_MODELS: dict[str, type[Synced]] = {
    "indicators": Indicator, "posts": SheetPost, "sessions": SheetSession,
    "diversification_leads": DiversificationLead, "projects": SheetProject,
    "supporting_documents": SupportingDocument, "action_plan": ActionPlanItem,
}
#: How a template's default row maps onto the group's columns.
DEFAULT_ROW_COLUMNS = {"label": "name", "unit": "unit"}


def available_templates() -> list[tuple[str, int]]:
    folder = resources.files("petr_desktop.resources.forms")
    found = []
    for entry in folder.iterdir():
        stem = entry.name.removesuffix(".json")
        if entry.name.endswith(".json") and "-" in stem:
            kind, year = stem.rsplit("-", 1)
            found.append((kind, int(year)))
    return sorted(found)


@lru_cache(maxsize=None)
def load_template(kind: str, year: int) -> FormTemplate:
    """The template of a kind and year; a later year without its own uses the latest one."""
    SheetKind.parse(kind)
    years = [y for k, y in available_templates() if k == kind]
    if not years:
        raise TemplateError(f"aucun modèle de fiche « {kind} »")
    earlier = [y for y in years if y <= year]
    chosen = max(earlier) if earlier else min(years)
    text = resources.files("petr_desktop.resources.forms").joinpath(f"{kind}-{chosen}.json").read_text("utf-8")
    return parse_template(json.loads(text))


def sheet_id(structure_id: str, year: int, kind: str) -> str:
    return singleton_id("evaluation_sheet", structure_id, year, kind)


def answer_id(sheet: str, field_key: str) -> str:
    return singleton_id("sheet_answer", sheet, field_key)


@transactional
def open_sheet(session: Session, structure_id: str, year: int, kind: str) -> EvaluationSheet:
    """The sheet of a structure, year and kind; created with its default rows the first time."""
    load(session, Structure, structure_id)
    template = load_template(kind, year)
    sid = sheet_id(structure_id, year, kind)
    existed = session.get(EvaluationSheet, sid) is not None
    sheet = get_or_create(session, EvaluationSheet, sid, structure_id=structure_id, year=year, kind=kind,
                          template_version=template.template_version)
    if not existed:
        for section in template.group_sections():
            for position, row in enumerate(section.defaults, start=1):
                # Deterministic ids: two laptops creating the same sheet get the same default rows.
                insert(session, GROUP_MODELS[section.group],
                       pk=singleton_id("sheet_row", sid, section.group, position),
                       sheet_id=sid, position=position,
                       **{DEFAULT_ROW_COLUMNS[k]: v for k, v in row.items()})
    return sheet


@transactional
def set_answer(session: Session, sheet: str, field_key: str, value: Any) -> SheetAnswer:
    """Save one answer, checked against the template field's type."""
    record = load(session, EvaluationSheet, sheet)
    form_field = load_template(record.kind, record.year).field(field_key)
    try:
        typed = coerce_answer(form_field, value)
    except ValueFormatError as exc:
        raise InvalidValueError(str(exc)) from exc
    answer = get_or_create(session, SheetAnswer, answer_id(sheet, field_key), sheet_id=sheet,
                           field_key=field_key)
    return apply_changes(session, answer, {"value": json.dumps(typed, ensure_ascii=False)})


@reading
def answers(session: Session, sheet: str) -> dict[str, Any]:
    rows = session.exec(select(SheetAnswer).where(SheetAnswer.sheet_id == sheet,
                                                  SheetAnswer.deleted == False))  # noqa: E712
    return {row.field_key: json.loads(row.value) for row in rows}


@reading
def group_rows(session: Session, sheet: str, group: str) -> list[Synced]:
    model = GROUP_MODELS[group]
    return list(session.exec(select(model).where(model.sheet_id == sheet, model.deleted == False)  # noqa: E712
                             .order_by(model.position)))


@transactional
def add_group_row(session: Session, sheet: str, group: str, **values: Any) -> Synced:
    model = GROUP_MODELS[group]
    positions = session.exec(select(model.position).where(model.sheet_id == sheet)).all()
    return insert(session, model, sheet_id=sheet, position=max(positions, default=0) + 1, **values)


@transactional
def transition(session: Session, sheet: str, target: str) -> EvaluationSheet:
    record = load(session, EvaluationSheet, sheet)
    if not rules.can_transition(rules.SHEET_TRANSITIONS, record.status, target):
        raise TransitionError(f"une fiche « {SheetStatus(record.status).label} » ne peut pas passer "
                              f"à « {SheetStatus.parse(target).label} »")
    return apply_changes(session, record, {"status": target}, workflow=True)


@transactional
def prefill_from_previous_year(session: Session, sheet: str) -> int:
    """Copy last year's answers and indicator lines into the empty places of this sheet.

    Nothing typed this year is overwritten. Returns the number of values copied.
    """
    record = load(session, EvaluationSheet, sheet)
    previous = session.get(EvaluationSheet, sheet_id(record.structure_id, record.year - 1, record.kind))
    if previous is None or previous.deleted:
        return 0
    template = load_template(record.kind, record.year)
    current = answers(session, sheet)
    copied = 0
    for key, value in answers(session, previous.id).items():
        if key in template.fields_by_key and current.get(key) in (None, "") and value not in (None, ""):
            set_answer(session, sheet, key, value)
            copied += 1
    names = {row.name for row in group_rows(session, sheet, "indicators")}
    for row in group_rows(session, previous.id, "indicators"):
        if row.name not in names:
            add_group_row(session, sheet, "indicators", name=row.name, unit=row.unit, target=row.target,
                          source=row.source)
            copied += 1
    return copied


@dataclass(frozen=True)
class SheetRow:
    id: str
    structure_name: str
    year: int
    kind: str
    status: str


@reading
def list_sheets(session: Session, structure_id: str | None = None, year: int | None = None) -> list[SheetRow]:
    query = (select(EvaluationSheet, Structure.name)
             .join(Structure, Structure.id == EvaluationSheet.structure_id, isouter=True)
             .where(EvaluationSheet.deleted == False))  # noqa: E712
    if structure_id:
        query = query.where(EvaluationSheet.structure_id == structure_id)
    if year:
        query = query.where(EvaluationSheet.year == year)
    rows = [SheetRow(s.id, name or "", s.year, s.kind, s.status) for s, name in session.exec(query)]
    order = {k.value: i for i, k in enumerate(SheetKind)}
    return sorted(rows, key=lambda r: (r.structure_name, r.year, order[r.kind]))
