"""Evaluation sheets (fiches évaluatives): template-driven answers, repeating groups,
workflow, and pre-filling from the previous year."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.enums import Opinion, SheetKind, SheetStatus
from ..domain.forms import FormField, FormTemplate, Section, TemplateError, coerce_answer, parse_template
from ..domain.ids import singleton_id
from ..domain.models import (ActionPlanItem, DiversificationLead, EvaluationSheet, Indicator, SheetAnswer,
                             SheetPost, SheetProject, SheetSession, Structure, SupportingDocument, Synced)
from ..domain.values import ValueFormatError, format_amount, format_date_short
from ..storage.database import raw_connection
from ..sync import hlc
from .errors import InvalidValueError, TransitionError
from .records import apply_changes, get_or_create, insert, load, refuse_open_conflicts
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
    typed = _typed(form_field, value)
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
    if target == SheetStatus.VALIDATED:
        refuse_open_conflicts(session, "evaluation_sheet", sheet, "valider cette fiche")
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
    structure_id: str = ""


@reading
def list_sheets(session: Session, structure_id: str | None = None, year: int | None = None) -> list[SheetRow]:
    query = (select(EvaluationSheet, Structure.name)
             .join(Structure, Structure.id == EvaluationSheet.structure_id, isouter=True)
             .where(EvaluationSheet.deleted == False))  # noqa: E712
    if structure_id:
        query = query.where(EvaluationSheet.structure_id == structure_id)
    if year:
        query = query.where(EvaluationSheet.year == year)
    rows = [SheetRow(s.id, name or "", s.year, s.kind, s.status, s.structure_id or "")
            for s, name in session.exec(query)]
    order = {k.value: i for i, k in enumerate(SheetKind)}
    return sorted(rows, key=lambda r: (r.structure_name, r.year, order[r.kind]))


# --- The sheet editor: typing, the common block, group cells, one read per sheet ------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMERIC = frozenset({"integer", "year", "decimal", "percent"})


def _typed(form_field: FormField, value: Any) -> Any:
    """``coerce_answer`` that also takes French digit grouping (« 1 250 ») and raises InvalidValueError."""
    if form_field.type in _NUMERIC and isinstance(value, str):
        value = _SPACES.sub("", value)
    try:
        return coerce_answer(form_field, value)
    except ValueFormatError as exc:
        raise InvalidValueError(str(exc)) from exc


def template_years() -> list[int]:
    """The years that have sheet templates (2025, 2026, 2027)."""
    return sorted({year for _kind, year in available_templates()})


#: The common block of every sheet: columns of ``EvaluationSheet``, typed like template fields.
COMMON_SECTIONS: tuple[Section, ...] = (
    Section("common_agreement", "Convention et montants", fields=(
        FormField("version", "Version de la fiche", "integer"),
        FormField("framework_agreement_no", "N° de la convention-cadre", "text"),
        FormField("annual_agreement_no", "N° de la convention annuelle", "text"),
        FormField("awarded_cents", "Montant attribué", "money"),
        FormField("advance_paid_cents", "Avance versée", "money"),
        FormField("advance_paid_on", "Date de versement de l'avance", "date"),
        FormField("balance_requested_cents", "Solde sollicité", "money"),
    )),
    Section("common_petr", "Rédaction et visa du PETR", fields=(
        FormField("petr_writer", "Rédacteur PETR (nom et fonction)", "text"),
        FormField("petr_written_on", "Date de rédaction", "date"),
        FormField("president_visa", "Visa du président (signature ou mention)", "text"),
        FormField("president_visa_on", "Date du visa du président", "date"),
    )),
    Section("common_region", "Avis de la Région", help="Bloc réservé à la Région.", fields=(
        FormField("region_opinion", "Avis du chargé de mission", "choice",
                  choices=tuple(o.value for o in Opinion)),
        FormField("region_comment", "Commentaire de l'avis", "longtext"),
        FormField("regional_office_opinion", "Avis de la Maison de Région", "longtext"),
        FormField("expert_opinion", "Avis du service expert", "longtext"),
        FormField("proposed_balance_cents", "Proposition de solde", "money"),
        FormField("reduction_cents", "Réfaction", "money"),
        FormField("reduction_reason", "Motif de la réfaction", "longtext"),
        FormField("opinion_on", "Date de l'avis", "date"),
    )),
)
COMMON_FIELDS: dict[str, FormField] = {f.key: f for s in COMMON_SECTIONS for f in s.fields}

DIVERSIFICATION_STATES = {"identified": "Identifiée", "studied": "Étudiée", "engaged": "Engagée",
                          "abandoned": "Abandonnée"}
#: French labels of coded choices; template choices are their own labels.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "region_opinion": {o.value: o.label for o in Opinion},
    "state": DIVERSIFICATION_STATES,
}


def choice_labels(form_field: FormField) -> list[tuple[str, str]]:
    """(stored value, French label) of a choice field."""
    labels = CHOICE_LABELS.get(form_field.key, {})
    return [(value, labels.get(value, value)) for value in form_field.choices]


def _number(value: float) -> str:
    return f"{value:.10g}".replace(".", ",").replace("e+", "e")


def format_value(form_field: FormField, value: Any) -> str:
    """A stored value as French text (« 12 500,00 € », « 28/11/2026 », « 1,5 », « Oui »)."""
    if value is None or value == "":
        return ""
    kind = form_field.type
    if kind == "money":
        return format_amount(int(value))
    if kind == "date":
        return format_date_short(value if isinstance(value, date) else date.fromisoformat(str(value)))
    if kind in ("decimal", "percent"):
        return _number(float(value))
    if kind == "bool":
        return "Oui" if value else "Non"
    if kind == "choice":
        return dict(choice_labels(form_field)).get(value, str(value))
    return str(value)


@transactional
def set_common_field(session: Session, sheet: str, name: str, value: Any) -> EvaluationSheet:
    """Save one field of the common block, typed and checked (French messages)."""
    try:
        form_field = COMMON_FIELDS[name]
    except KeyError:
        raise InvalidValueError(f"champ inconnu « {name} » du bloc commun") from None
    typed = _typed(form_field, value)
    if typed is None:
        typed = EvaluationSheet.model_fields[name].default
    if name == "version" and typed < 1:
        raise InvalidValueError("« Version de la fiche » : la première version est la version 1")
    return apply_changes(session, load(session, EvaluationSheet, sheet), {name: typed})


@dataclass(frozen=True)
class Column:
    """A column of a repeating group, typed like a template field."""

    name: str
    label: str
    type: str

    @property
    def form_field(self) -> FormField:
        choices = tuple(CHOICE_LABELS.get(self.name, {})) if self.type == "choice" else ()
        return FormField(self.name, self.label, self.type, choices=choices)


GROUP_COLUMNS: dict[str, tuple[Column, ...]] = {
    "indicators": (Column("name", "Indicateur", "text"), Column("unit", "Unité", "text"),
                   Column("target", "Cible", "decimal"), Column("actual", "Réalisé", "decimal"),
                   Column("cumulative", "Cumul", "decimal"), Column("source", "Source", "text"),
                   Column("comment", "Commentaire", "longtext")),
    "posts": (Column("title", "Intitulé du poste", "text"), Column("holder", "Titulaire", "text"),
              Column("fte", "ETP", "decimal"), Column("start_on", "Arrivée", "date"),
              Column("end_on", "Départ ou vacance", "date"), Column("vacant", "Vacant", "bool")),
    "sessions": (Column("session_on", "Date", "date"), Column("place", "Lieu ou visio", "text"),
                 Column("theme", "Thème", "text"), Column("organiser", "Organisateur", "text"),
                 Column("attendee", "Participant", "text"), Column("attendee_function", "Fonction", "text"),
                 Column("elected", "Élu", "bool"), Column("present", "Présent", "bool"),
                 Column("proof", "Justificatif", "text")),
    "diversification_leads": (Column("lead", "Piste", "text"), Column("state", "État", "choice"),
                              Column("expected_cents", "Montant attendu", "money"),
                              Column("due_on", "Échéance", "date"), Column("owner", "Responsable", "text")),
    "projects": (Column("title", "Intitulé", "text"), Column("project_owner", "Maître d'ouvrage", "text"),
                 Column("amount_cents", "Montant", "money"),
                 Column("regional_funding", "Financements régionaux mobilisés", "text"),
                 Column("state", "État", "text")),
    "action_plan": (Column("action", "Action", "text"), Column("description", "Description", "longtext"),
                    Column("owner", "Porteur ou responsable", "text"), Column("partners", "Partenaires", "text"),
                    Column("planned", "Calendrier prévu", "text"), Column("actual", "Calendrier réel", "text"),
                    Column("status", "Statut", "text"), Column("deliverable", "Livrable (lien)", "text")),
    "supporting_documents": (Column("name", "Pièce", "text"), Column("received", "Reçue", "bool"),
                             Column("compliant", "Conforme", "bool"), Column("comment", "Commentaire", "text")),
}


def group_column(group: str, name: str) -> Column:
    for column in GROUP_COLUMNS[group]:
        if column.name == name:
            return column
    raise InvalidValueError(f"colonne inconnue « {name} »")


@transactional
def set_group_cell(session: Session, group: str, row_id: str, name: str, value: Any) -> Synced:
    """Save one cell of a repeating group, typed by its column (French numbers, amounts, dates)."""
    model = GROUP_MODELS[group]
    typed = _typed(group_column(group, name).form_field, value)
    if typed is None:
        typed = model.model_fields[name].default
    return apply_changes(session, load(session, model, row_id), {name: typed})


@transactional
def set_post_funding(session: Session, row_id: str, codes: Iterable[str]) -> SheetPost:
    """The funding sources of a post (codes of ``rules.POST_FUNDING``)."""
    chosen = set(codes)
    unknown = chosen - set(rules.POST_FUNDING)
    if unknown:
        raise InvalidValueError(f"source de financement inconnue : {', '.join(sorted(unknown))}")
    text = ",".join(code for code in rules.POST_FUNDING if code in chosen)
    return apply_changes(session, load(session, SheetPost, row_id), {"funding": text})


def post_funding(post: SheetPost) -> list[str]:
    return [code for code in post.funding.split(",") if code]


def indicator_gap(row: Indicator) -> float | None:
    """Réalisé − cible, when both are known."""
    if row.target is None or row.actual is None:
        return None
    return row.actual - row.target


def participation_rate(rows: Iterable[SheetSession]) -> float | None:
    """Share of the sessions' lines where the attendee was present (None without lines)."""
    rows = list(rows)
    return sum(1 for r in rows if r.present) / len(rows) if rows else None


_PLANNED_LABEL = re.compile(r"\s*(?:—\s*)?prévu(?:e|s|es)?$", re.IGNORECASE)


def realisation_rates(section: Section, values: dict[str, Any]) -> list[tuple[str, float | None]]:
    """Taux de réalisation of each « prévu / réalisé » pair of money fields of a section.

    Pairs are found by key (``…x_prevu(e)(s)`` ↔ ``…x_realise(e)(s)``); the rate is None when
    the planned amount is missing or zero.
    """
    keys = [f.key for f in section.fields if f.type == "money"]
    rates = []
    for planned in (f for f in section.fields if f.type == "money"):
        head, _, name = planned.key.rpartition(".")
        stem, found, _ = name.partition("_prevu")
        done = next((k for k in keys if k.startswith(f"{head}.{stem}_realis")), None) if found else None
        if done is None:
            continue
        label = _PLANNED_LABEL.sub("", planned.label).strip() or planned.label
        target, actual = values.get(planned.key), values.get(done)
        rates.append((label, actual / target if target and actual is not None else None))
    return rates


def _validated_on(session: Session, sheet: str) -> date | None:
    """When the sheet was validated, from the op log (the audit trail of every field)."""
    row = raw_connection(session).execute(
        "SELECT MAX(hlc) FROM sync_op WHERE tbl = 'evaluation_sheet' AND row_id = ? AND field = 'status' "
        "AND value = ?", (sheet, json.dumps(SheetStatus.VALIDATED.value))).fetchone()
    if not row or row[0] is None:
        return None
    milliseconds, _counter = hlc.unpack(row[0])
    return datetime.fromtimestamp(milliseconds / 1000).date()


@dataclass(frozen=True)
class SheetBundle:
    """Everything the editor shows of one sheet, read in one snapshot."""

    sheet: EvaluationSheet
    structure_name: str
    template: FormTemplate
    answers: dict[str, Any]
    groups: dict[str, list[Synced]]
    previous: EvaluationSheet | None = None
    previous_answers: dict[str, Any] = field(default_factory=dict)
    previous_indicators: dict[str, Indicator] = field(default_factory=dict)
    validated_on: date | None = None

    @property
    def frozen(self) -> bool:
        return self.sheet.status in rules.FROZEN_SHEETS

    @property
    def title(self) -> str:
        return f"{self.structure_name} — {SheetKind(self.sheet.kind).label} {self.sheet.year}"


@reading
def load_sheet(session: Session, sheet: str) -> SheetBundle:
    """The sheet, its answers and rows, and the same structure's sheet of the year before."""
    record = load(session, EvaluationSheet, sheet)
    structure = session.get(Structure, record.structure_id) if record.structure_id else None
    template = load_template(record.kind, record.year)
    groups = {section.group: group_rows(session, sheet, section.group) for section in template.group_sections()}
    previous = session.get(EvaluationSheet, sheet_id(record.structure_id, record.year - 1, record.kind))
    previous_answers: dict[str, Any] = {}
    previous_indicators: dict[str, Indicator] = {}
    if previous is not None and previous.deleted:
        previous = None
    if previous is not None:
        previous_answers = answers(session, previous.id)
        previous_indicators = {row.name: row for row in group_rows(session, previous.id, "indicators")}
    validated = _validated_on(session, sheet) if record.status in rules.FROZEN_SHEETS else None
    return SheetBundle(record, structure.name if structure else "", template, answers(session, sheet), groups,
                       previous, previous_answers, previous_indicators, validated)


@reading
def find_sheet(session: Session, structure_id: str, year: int, kind: str) -> str | None:
    """The id of the sheet of a structure, year and kind, or None when it was never opened."""
    row = session.get(EvaluationSheet, sheet_id(structure_id, year, kind))
    return row.id if row is not None and not row.deleted else None
