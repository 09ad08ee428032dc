"""Use cases behind the Excel exports and the sheet round-trip.

Read models of the four tables (financial follow-up, actions, indicators, the Commission table),
the snapshot of a sheet that the pre-filled workbook shows, and ``import_sheet_workbook``: a filled
workbook checked as a whole, then applied in one unit of work, changing only what changed.

openpyxl is never imported here; the workbook code lives in ``exports/excel/``.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ..domain import rules
from ..domain.enums import (ActionStatus, AidLineKind, MinutesStatus, PaymentKind, PaymentStatus, SheetKind,
                            SheetStatus)
from ..domain.forms import FormTemplate
from ..domain.ids import singleton_id
from ..domain.models import (AidLine, AnnualAgreement, EvaluationSheet, FrameworkAgreement, Indicator, Payment,
                             RegionalOffice, Structure, Synced)
from ..storage.database import Database
from . import actions as actions_service
from . import sheets
from .errors import InvalidValueError, ServiceError
from .records import delete, load
from .structures import sort_key
from .uow import reading, transactional


# --- Financial follow-up ------------------------------------------------------------------------

@dataclass(frozen=True)
class FinanceRow:
    """One annual agreement: what was asked, voted and paid, and what remains to pay."""

    structure: str
    year: int
    agreement_no: str
    cp_date: date | None
    deliberation_no: str
    requested_cents: int
    proposed_cents: int
    voted_core_cents: int
    voted_thematic_cents: int
    voted_collective_cents: int
    advance_paid_cents: int
    advance_paid_on: date | None
    balance_paid_cents: int
    balance_paid_on: date | None

    @property
    def voted_cents(self) -> int:
        return self.voted_core_cents + self.voted_thematic_cents + self.voted_collective_cents

    @property
    def paid_cents(self) -> int:
        return self.advance_paid_cents + self.balance_paid_cents

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


@dataclass(frozen=True)
class AidLineRow:
    structure: str
    year: int
    kind: str                   # French label
    requested_cents: int
    proposed_cents: int
    voted_cents: int


@dataclass(frozen=True)
class PaymentRow:
    structure: str
    year: int
    kind: str                   # « Avance » / « Solde »
    aid_line: str               # French label of the line, or empty (whole agreement)
    amount_cents: int
    due_on: date | None
    paid_on: date | None
    status: str                 # French label
    reference: str


@dataclass(frozen=True)
class FinanceData:
    rows: list[FinanceRow]
    lines: list[AidLineRow]
    payments: list[PaymentRow]


def _live(model: type[Synced]):
    return select(model).where(model.deleted == False)  # noqa: E712


def _structure_names(session: Session) -> dict[str, str]:
    return {s.id: s.name for s in session.exec(_live(Structure))}


@reading
def structure_name(session: Session, structure_id: str) -> str:
    return load(session, Structure, structure_id).name


@reading
def finance(session: Session, year: int | None = None, structure_id: str | None = None) -> FinanceData:
    """Every annual agreement (of ``year``, or all; of one structure, or all), its aid lines and payments."""
    names = _structure_names(session)
    query = _live(AnnualAgreement)
    if year is not None:
        query = query.where(AnnualAgreement.year == year)
    if structure_id is not None:
        query = query.where(AnnualAgreement.structure_id == structure_id)
    agreements = [a for a in session.exec(query) if a.structure_id in names]
    ids = [a.id for a in agreements]
    lines: dict[str, list[AidLine]] = defaultdict(list)
    payments: dict[str, list[Payment]] = defaultdict(list)
    if ids:
        for line in session.exec(_live(AidLine).where(col(AidLine.annual_agreement_id).in_(ids))):
            lines[line.annual_agreement_id].append(line)
        for payment in session.exec(_live(Payment).where(col(Payment.annual_agreement_id).in_(ids))):
            payments[payment.annual_agreement_id].append(payment)
    order = {k.value: i for i, k in enumerate(AidLineKind)}
    agreements.sort(key=lambda a: (sort_key(names[a.structure_id]), a.year))
    rows, line_rows, payment_rows = [], [], []
    for agreement in agreements:
        name = names[agreement.structure_id]
        own = sorted(lines[agreement.id], key=lambda l: order.get(l.kind, 9))
        voted = {kind.value: sum(l.voted_cents for l in own if l.kind == kind) for kind in AidLineKind}
        paid = [p for p in payments[agreement.id] if p.status == PaymentStatus.PAID]
        advances = [p for p in paid if p.kind == PaymentKind.ADVANCE]
        balances = [p for p in paid if p.kind == PaymentKind.BALANCE]
        rows.append(FinanceRow(
            name, agreement.year, agreement.number, agreement.cp_date, agreement.deliberation_no,
            sum(l.requested_cents for l in own), sum(l.proposed_cents for l in own),
            voted[AidLineKind.CORE], voted[AidLineKind.THEMATIC], voted[AidLineKind.COLLECTIVE],
            sum(p.amount_cents for p in advances), max((p.paid_on for p in advances if p.paid_on), default=None),
            sum(p.amount_cents for p in balances), max((p.paid_on for p in balances if p.paid_on), default=None)))
        line_labels = {}
        for line in own:
            label = AidLineKind(line.kind).label if line.kind in order else line.kind
            line_labels[line.id] = label
            line_rows.append(AidLineRow(name, agreement.year, label, line.requested_cents, line.proposed_cents,
                                        line.voted_cents))
        for payment in sorted(payments[agreement.id], key=lambda p: (p.due_on or p.paid_on or date.max, p.kind)):
            payment_rows.append(PaymentRow(
                name, agreement.year, PaymentKind(payment.kind).label, line_labels.get(payment.aid_line_id or "", ""),
                payment.amount_cents, payment.due_on, payment.paid_on, PaymentStatus(payment.status).label,
                payment.reference))
    return FinanceData(rows, line_rows, payment_rows)


# --- Actions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionRow:
    label: str                  # A1, A2…
    text: str
    structure: str
    meeting: str
    meeting_date: date | None
    owner: str
    organisation: str
    due_on: date | None
    status: str                 # French label
    done_on: date | None
    overdue: bool
    days_late: int | None
    minutes_status: str         # French label


@reading
def action_rows(session: Session, today: date | None = None, structure_id: str | None = None) -> list[ActionRow]:
    """Every live action of the board (all statuses; of one structure, or all), soonest deadline first."""
    today = today or date.today()
    board_filter = actions_service.BoardFilter(structure_id=structure_id or "", status="all")
    result = []
    for row in actions_service.board(session, board_filter, today):
        meeting = row.meeting_title or (row.meeting_label if row.meeting_id else "")
        result.append(ActionRow(
            row.label, row.text, row.structure_name, meeting, row.meeting_date, row.owner_name,
            row.owner_organisation, row.due_on, ActionStatus(row.status).label, row.done_on, row.overdue,
            row.days_late(today) or None,
            MinutesStatus(row.minutes_status).label if row.minutes_status else ""))
    return result


# --- Indicators of every sheet ------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorRow:
    structure: str
    year: int
    sheet_kind: str             # French label
    sheet_status: str           # French label
    section: str                # title of the template section holding the indicators
    name: str
    unit: str
    target: float | None
    actual: float | None
    cumulative: float | None
    source: str
    comment: str

    @property
    def gap(self) -> float | None:
        return None if self.target is None or self.actual is None else self.actual - self.target

    @property
    def rate(self) -> float | None:
        """Réalisé / cible as a percentage (None without a non-zero target)."""
        return None if not self.target or self.actual is None else 100 * self.actual / self.target


def _indicator_section(kind: str, year: int) -> str:
    try:
        template = sheets.load_template(kind, year)
    except ValueError:
        return ""
    return next((s.title for s in template.group_sections() if s.group == "indicators"), "")


@reading
def indicator_rows(session: Session, year: int | None = None, structure_id: str | None = None) -> list[IndicatorRow]:
    """The indicators of every live sheet (of ``year``, or all; of one structure, or all), by structure,
    year and kind."""
    names = _structure_names(session)
    query = _live(EvaluationSheet)
    if year is not None:
        query = query.where(EvaluationSheet.year == year)
    if structure_id is not None:
        query = query.where(EvaluationSheet.structure_id == structure_id)
    sheets_by_id = {s.id: s for s in session.exec(query) if s.structure_id in names}
    if not sheets_by_id:
        return []
    kind_order = {k.value: i for i, k in enumerate(SheetKind)}
    indicators = session.exec(_live(Indicator).where(col(Indicator.sheet_id).in_(list(sheets_by_id))))
    rows = []
    for indicator in indicators:
        sheet = sheets_by_id[indicator.sheet_id]
        rows.append(((sort_key(names[sheet.structure_id]), sheet.year, kind_order.get(sheet.kind, 9),
                      indicator.position),
                     IndicatorRow(names[sheet.structure_id], sheet.year, SheetKind(sheet.kind).label,
                                  SheetStatus(sheet.status).label, _indicator_section(sheet.kind, sheet.year),
                                  indicator.name, indicator.unit, indicator.target, indicator.actual,
                                  indicator.cumulative, indicator.source, indicator.comment)))
    return [row for _key, row in sorted(rows, key=lambda pair: pair[0])]


# --- The Commission table -----------------------------------------------------------------------

@dataclass(frozen=True)
class CommissionRow:
    structure: str
    departments: str
    regional_office: str
    rurality_class: str
    theme: str
    requested_cents: int | None
    proposed_core_cents: int | None
    proposed_thematic_cents: int | None
    proposed_collective_cents: int | None
    voted_cents: int | None
    previous_voted_cents: int | None
    previous_validated_sheets: int
    cp_date: date | None
    deliberation_no: str

    @property
    def proposed_cents(self) -> int | None:
        parts = (self.proposed_core_cents, self.proposed_thematic_cents, self.proposed_collective_cents)
        return None if all(p is None for p in parts) else sum(p or 0 for p in parts)

    @property
    def change(self) -> float | None:
        """Total proposed against last year's vote, in percent (None without last year's vote)."""
        if not self.previous_voted_cents or self.proposed_cents is None:
            return None
        return 100 * (self.proposed_cents - self.previous_voted_cents) / self.previous_voted_cents


@reading
def commission_rows(session: Session, year: int) -> list[CommissionRow]:
    """One row per active structure: the proposals of ``year`` against the vote of the year before."""
    offices = {o.id: o.name for o in session.exec(_live(RegionalOffice))}
    structures = sorted((s for s in session.exec(_live(Structure)) if s.active), key=lambda s: sort_key(s.name))
    agreements = {(a.structure_id, a.year): a for a in session.exec(
        _live(AnnualAgreement).where(col(AnnualAgreement.year).in_([year, year - 1])))}
    lines: dict[str, list[AidLine]] = defaultdict(list)
    ids = [a.id for a in agreements.values()]
    if ids:
        for line in session.exec(_live(AidLine).where(col(AidLine.annual_agreement_id).in_(ids))):
            lines[line.annual_agreement_id].append(line)
    themes = {}
    for framework in session.exec(_live(FrameworkAgreement)):
        if framework.period_start <= year <= framework.period_end:
            themes[framework.structure_id] = framework.theme
    validated: dict[str, int] = defaultdict(int)
    for sheet in session.exec(_live(EvaluationSheet).where(EvaluationSheet.year == year - 1)):
        if sheet.status in rules.FROZEN_SHEETS:
            validated[sheet.structure_id] += 1
    rows = []
    for structure in structures:
        agreement = agreements.get((structure.id, year))
        previous = agreements.get((structure.id, year - 1))
        own = lines[agreement.id] if agreement else []

        def proposed(kind: AidLineKind) -> int | None:
            found = [l.proposed_cents for l in own if l.kind == kind]
            return sum(found) if found else None

        rows.append(CommissionRow(
            structure.name, structure.departments.replace(",", ", "),
            offices.get(structure.regional_office_id or "", ""), structure.rurality_class,
            themes.get(structure.id, ""),
            sum(l.requested_cents for l in own) if own else None,
            proposed(AidLineKind.CORE), proposed(AidLineKind.THEMATIC), proposed(AidLineKind.COLLECTIVE),
            sum(l.voted_cents for l in own) if own else None,
            sum(l.voted_cents for l in lines[previous.id]) if previous else None,
            validated[structure.id],
            agreement.cp_date if agreement else None, agreement.deliberation_no if agreement else ""))
    return rows


# --- The sheet round-trip: what the pre-filled workbook shows ------------------------------------

def parse_sheet_kind(text: str) -> str:
    """A sheet kind from its code or its French label, accents and case optional
    (« core_missions », « Missions socle », « thematique », « chantier collectif »)."""
    def folded(value: str) -> str:
        decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
        return "".join(c for c in decomposed if c.isalnum())

    wanted = folded(text or "")
    for kind in SheetKind:
        if wanted in (folded(kind.value), folded(kind.label)):
            return kind.value
    choices = ", ".join(f"« {k.value} » ({k.label})" for k in SheetKind)
    raise InvalidValueError(f"type de fiche inconnu « {text} » ; types possibles : {choices}")


@dataclass(frozen=True)
class SheetSnapshot:
    """A sheet as stored (or as it would be created: nothing is created to show it)."""

    structure_id: str
    structure_name: str
    year: int
    kind: str
    sheet_id: str
    exists: bool
    status: str
    template: FormTemplate
    answers: dict[str, Any]
    common: dict[str, Any]
    groups: dict[str, list[dict[str, Any]]]   # group → rows: {"id": …, column: value, "funding": (codes)}

    @property
    def frozen(self) -> bool:
        return self.status in rules.FROZEN_SHEETS


def _row_values(group: str, row: Synced) -> dict[str, Any]:
    values = {"id": row.id} | {c.name: getattr(row, c.name) for c in sheets.GROUP_COLUMNS[group]}
    if group == "posts":
        values["funding"] = tuple(sheets.post_funding(row))  # type: ignore[arg-type]
    return values


def _default_rows(sid: str, group: str, defaults: tuple[dict[str, str], ...]) -> list[dict[str, Any]]:
    """The rows ``sheets.open_sheet`` would create, with the same deterministic ids."""
    model = sheets.GROUP_MODELS[group]
    rows = []
    for position, default in enumerate(defaults, start=1):
        values = {"id": singleton_id("sheet_row", sid, group, position)}
        values |= {c.name: model.model_fields[c.name].default for c in sheets.GROUP_COLUMNS[group]}
        values |= {sheets.DEFAULT_ROW_COLUMNS[k]: v for k, v in default.items()}
        if group == "posts":
            values["funding"] = ()
        rows.append(values)
    return rows


@reading
def sheet_snapshot(session: Session, structure_id: str, year: int, kind: str) -> SheetSnapshot:
    """The answers, common block and group rows of a sheet; an empty pre-fill when it does not exist."""
    kind = parse_sheet_kind(kind)
    if not 2000 <= int(year) <= 2100:
        raise InvalidValueError(f"exercice invalide : {year}")
    structure = load(session, Structure, structure_id)
    template = sheets.load_template(kind, year)
    sid = sheets.sheet_id(structure_id, year, kind)
    record = session.get(EvaluationSheet, sid)
    if record is not None and record.deleted:
        record = None
    common_names = [f.key for s in sheets.COMMON_SECTIONS for f in s.fields]
    if record is None:
        common = {name: EvaluationSheet.model_fields[name].default for name in common_names}
        groups = {s.group: _default_rows(sid, s.group, s.defaults) for s in template.group_sections()}
        return SheetSnapshot(structure.id, structure.name, year, kind, sid, False, SheetStatus.DRAFT.value,
                             template, {}, common, groups)  # type: ignore[arg-type]
    groups = {s.group: [_row_values(s.group, r) for r in sheets.group_rows(session, sid, s.group)]
              for s in template.group_sections()}
    return SheetSnapshot(structure.id, structure.name, year, kind, sid, True, record.status, template,
                         sheets.answers(session, sid), {name: getattr(record, name) for name in common_names},
                         groups)  # type: ignore[arg-type]


# --- The sheet round-trip: import ---------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did. ``problems`` are French, « Feuille, B12 : problème »; when there is any,
    nothing was applied."""

    problems: list[str] = field(default_factory=list)
    applied: bool = False
    changed_fields: int = 0
    added_rows: int = 0
    deleted_rows: int = 0
    kept_fields: int = 0        # left as the application has them: changed there since the export
    title: str = ""
    sheet_id: str | None = None

    @property
    def message(self) -> str:
        if self.problems:
            count = len(self.problems)
            return (f"Import refusé : {count} problème{'s' if count > 1 else ''} à corriger. "
                    "Rien n'a été enregistré.")
        if not (self.changed_fields or self.added_rows or self.deleted_rows):
            return f"{self.title} : aucune modification, la fiche est déjà à jour."
        parts = [f"{self.changed_fields} valeur{'s' if self.changed_fields > 1 else ''} "
                 f"modifiée{'s' if self.changed_fields > 1 else ''}"]
        if self.added_rows:
            parts.append(f"{self.added_rows} ligne{'s' if self.added_rows > 1 else ''} "
                         f"ajoutée{'s' if self.added_rows > 1 else ''}")
        if self.deleted_rows:
            parts.append(f"{self.deleted_rows} ligne{'s' if self.deleted_rows > 1 else ''} "
                         f"supprimée{'s' if self.deleted_rows > 1 else ''}")
        return f"{self.title} : import réussi — " + ", ".join(parts) + "."


class _Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _NothingToApply(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("nothing to apply")
        self.report = report


def import_sheet_workbook(db: Database, data: bytes) -> ImportReport:
    """Check a filled sheet workbook whole, then apply it in one unit of work.

    Nothing is applied when any cell is invalid, when the sheet is validated (frozen), or when a
    value changed both in the workbook and in the application since the workbook was made. When
    valid, only the values that differ from the database are written (the op log shows only them);
    a value left as exported but changed in the application since then is kept as the application has it.
    """
    from ..exports.excel.sheet_roundtrip import read_sheet_workbook

    parsed = read_sheet_workbook(data)
    if parsed.problems:
        return ImportReport(list(parsed.problems))
    try:
        return _apply_import(db, parsed)
    except _Refused as refused:
        return ImportReport(refused.problems)
    except _NothingToApply as nothing:
        return nothing.report


@transactional
def _apply_import(session: Session, parsed) -> ImportReport:
    from ..exports.excel import sheet_roundtrip as rt

    structure = session.get(Structure, parsed.structure_id)
    if structure is None or structure.deleted:
        raise _Refused([f"{parsed.meta_location('structure_id')} : la structure de ce classeur "
                        f"(« {parsed.structure_name} ») n'existe pas dans cette base"])
    kind_label = SheetKind(parsed.kind).label
    title = f"Fiche « {kind_label} » {parsed.year} — {structure.name}"
    record = session.get(EvaluationSheet, parsed.sheet_id)
    if record is not None and not record.deleted and record.status in rules.FROZEN_SHEETS:
        raise _Refused([f"{title} : cette fiche est « {SheetStatus(record.status).label} », elle ne change plus ; "
                        "l'import est refusé (les corrections passent par un rectificatif)."])
    created = record is None or record.deleted
    sheets.open_sheet(session, parsed.structure_id, parsed.year, parsed.kind)
    record = load(session, EvaluationSheet, parsed.sheet_id)
    report = ImportReport(applied=True, title=title, sheet_id=parsed.sheet_id)
    problems: list[str] = []
    writes: list[tuple[Any, ...]] = []

    def decide(slot_type: str, cell: Any, stored: Any, original: str | None) -> str:
        if rt.same(slot_type, cell, stored):
            return "same"
        if original is not None and rt.fingerprint(slot_type, cell) == original:
            report.kept_fields += 1
            return "kept"
        if original is None or rt.fingerprint(slot_type, stored) == original:
            return "write"
        return "conflict"

    def conflict(location: str, label: str, kind: str, choices: tuple, stored: Any) -> str:
        shown = rt.display(kind, stored, choices) or "vide"
        return (f"{location} : « {label} » a aussi été modifié dans l'application depuis la création du classeur "
                f"(valeur actuelle : « {shown} ») ; reportez dans la cellule la valeur à garder, puis importez "
                "de nouveau")

    stored_answers = sheets.answers(session, parsed.sheet_id)
    for slot in parsed.layout.slots:
        cell = parsed.values[slot.key]
        if slot.common:
            stored = getattr(record, slot.name)
        else:
            stored = stored_answers.get(slot.key)
        verdict = decide(slot.type, cell, stored, parsed.fingerprints.get(slot.key))
        if verdict == "write":
            writes.append(("common" if slot.common else "answer", slot.name, cell))
        elif verdict == "conflict":
            problems.append(conflict(parsed.locations[slot.key], slot.label, slot.type, slot.choices, stored))

    for group_layout in parsed.layout.groups:
        group = group_layout.group
        stored_rows = {row.id: row for row in sheets.group_rows(session, parsed.sheet_id, group)}
        for parsed_row in parsed.groups[group]:
            where = f"{group_layout.title}, ligne {parsed_row.row}"
            if parsed_row.row_id is None:
                if not parsed_row.empty:
                    writes.append(("add", group, parsed_row))
                continue
            stored_row = stored_rows.get(parsed_row.row_id)
            if stored_row is None:
                if parsed_row.untouched:
                    continue        # deleted in the application since the export, and not changed here
                problems.append(f"{where} : cette ligne n'existe plus dans la fiche (supprimée dans l'application "
                                "depuis la création du classeur) ; videz-la ou recopiez-la sur une ligne vide")
                continue
            stored_values = _row_values(group, stored_row)
            if parsed_row.cleared:
                if all(rt.fingerprint(c.type, stored_values[c.name]) == parsed_row.fingerprints.get(c.name)
                       for c in group_layout.columns):
                    writes.append(("delete", group, stored_row.id))
                else:
                    problems.append(f"{where} : cette ligne, vidée dans le classeur, a aussi été modifiée dans "
                                    "l'application depuis la création du classeur ; elle n'est pas supprimée")
                continue
            for column in group_layout.columns:
                cell = parsed_row.values[column.name]
                stored = stored_values[column.name]
                verdict = decide(column.type, cell, stored, parsed_row.fingerprints.get(column.name))
                if verdict == "write":
                    writes.append(("cell", group, stored_row.id, column.name, cell))
                elif verdict == "conflict":
                    problems.append(conflict(f"{group_layout.title}, {parsed_row.coordinate(column)}",
                                             column.label, column.type, column.choices, stored))
    if problems:
        raise _Refused(problems)
    if not writes:
        if created:
            raise _NothingToApply(report)     # roll back the sheet opened for the comparison
        return report
    try:
        for write in writes:
            _write(session, parsed.sheet_id, write, report)
    except ServiceError as exc:
        raise _Refused([f"{title} : {exc}"]) from exc
    return report


def _write(session: Session, sheet: str, write: tuple[Any, ...], report: ImportReport) -> None:
    what = write[0]
    if what == "answer":
        _, key, value = write
        sheets.set_answer(session, sheet, key, value)
        report.changed_fields += 1
    elif what == "common":
        _, name, value = write
        sheets.set_common_field(session, sheet, name, value)
        report.changed_fields += 1
    elif what == "cell":
        _, group, row_id, name, value = write
        if name == "funding":
            sheets.set_post_funding(session, row_id, value or ())
        else:
            sheets.set_group_cell(session, group, row_id, name, value)
        report.changed_fields += 1
    elif what == "add":
        _, group, parsed_row = write
        values = {name: parsed_row.values[name] for name in parsed_row.filled if name != "funding"}
        row = sheets.add_group_row(session, sheet, group, **values)
        if "funding" in parsed_row.filled:
            sheets.set_post_funding(session, row.id, parsed_row.values["funding"])
        report.added_rows += 1
        report.changed_fields += len(parsed_row.filled)
    elif what == "delete":
        _, group, row_id = write
        delete(session, sheets.GROUP_MODELS[group], row_id)
        report.deleted_rows += 1
