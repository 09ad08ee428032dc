"""Instruction of aid applications: the dispositif's settings, the completeness checklist, requested
and proposed amounts, the workflow up to the vote, and the annual convention made from a vote."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

from sqlmodel import Session, select

from ..domain import scheme as rules
from ..domain.enums import AidLineKind, ApplicationStatus as AS
from ..domain.ids import singleton_id
from ..domain.models import (AidApplication, AnnualAgreement, ApplicationDocument, ApplicationLine,
                             FrameworkAgreement, Scheme, Structure)
from ..domain.scheme import CoreAmount, LineAmounts, SchemeSettings
from ..domain.values import ValueFormatError, format_amount, parse_amount
from . import money
from .errors import InvalidValueError, TransitionError
from .records import apply_changes, get_or_create, insert, load
from .uow import reading, transactional

# --- The dispositif (scheme) ----------------------------------------------------------------


def _settings(row: Scheme) -> SchemeSettings:
    kinds, grid, dates, documents = rules.parse_scheme_json(row.aid_kinds, row.core_modulation,
                                                            row.commission_dates, row.required_documents)
    return SchemeSettings(row.id, row.period_start, row.period_end, kinds, row.core_base_cents, grid,
                          row.thematic_cap_cents, row.collective_cap_cents, row.advance_percent,
                          row.balance_percent, dates, documents)


def _schemes(session: Session) -> list[Scheme]:
    return list(session.exec(select(Scheme).where(Scheme.deleted == False)))  # noqa: E712


def _default_period(session: Session, year: int) -> tuple[int, int]:
    """The period holding ``year`` when none is recorded: periods of the model's default length,
    counted from its default start, after the periods already recorded."""
    default = Scheme()
    length = default.period_end - default.period_start + 1
    start = default.period_start + length * ((year - default.period_start) // length)
    taken = {s.period_start: s for s in _schemes(session)}
    while start in taken:                 # a recorded period starting there does not hold the year
        start = max(year, taken[start].period_end + 1)
    return start, start + length - 1


def scheme_row(session: Session, year: int, create: bool = True) -> Scheme:
    """The Scheme row of the period holding ``year``: recorded, created with the defaults, or
    (``create=False``) an unsaved row with the defaults."""
    holding = [s for s in _schemes(session) if s.period_start <= year <= s.period_end]
    if holding:
        return max(holding, key=lambda s: s.period_start)
    start, end = _default_period(session, year)
    pk = singleton_id("scheme", start)
    if not create:
        return Scheme(id=pk, period_start=start, period_end=end)
    return get_or_create(session, Scheme, pk, period_start=start, period_end=end)


@transactional
def current_scheme(session: Session, year: int) -> SchemeSettings:
    """The dispositif of the period holding ``year`` (created with the defaults the first time)."""
    return _settings(scheme_row(session, year))


@reading
def scheme_settings(session: Session, year: int) -> SchemeSettings:
    """The dispositif of ``year`` for display: read only (the defaults when none is recorded)."""
    return scheme_for(session, year)


def scheme_for(session: Session, year: int) -> SchemeSettings:
    """The dispositif of ``year`` inside a unit of work, reading or writing (nothing created)."""
    return _settings(scheme_row(session, year, create=False))


@transactional
def save_scheme(session: Session, period_start: int | str, period_end: int | str, core_base: int | str,
                core_modulation: Mapping[str, Any], thematic_cap: int | str, collective_cap: int | str,
                advance_percent: int | str, balance_percent: int | str, commission_dates: Sequence[Any],
                required_documents: Sequence[str], aid_kinds: Sequence[str] | None = None) -> SchemeSettings:
    """Check the settings (French message on the first fault) and save the period's dispositif."""
    try:
        values = rules.validate_scheme(period_start, period_end, core_base, core_modulation, thematic_cap,
                                       collective_cap, advance_percent, balance_percent, commission_dates,
                                       required_documents, aid_kinds)
    except ValueFormatError as exc:
        raise InvalidValueError(str(exc)) from exc
    start, end = values["period_start"], values["period_end"]
    for other in _schemes(session):
        if other.period_start != start and other.period_start <= end and start <= other.period_end:
            raise InvalidValueError(f"la période {start}-{end} chevauche la période "
                                    f"{other.period_start}-{other.period_end} déjà paramétrée")
    row = get_or_create(session, Scheme, singleton_id("scheme", start), period_start=start, period_end=end)
    return _settings(apply_changes(session, row, values))


# --- Applications: receive, checklist, amounts ----------------------------------------------


def line_id(application_id: str, kind: str) -> str:
    return singleton_id("application_line", application_id, kind)


def _structure(session: Session, structure_id: str | None) -> Structure:
    return load(session, Structure, structure_id or "")


def _core(session: Session, application: AidApplication, settings: SchemeSettings) -> CoreAmount:
    structure = _structure(session, application.structure_id)
    return rules.core_amount(settings.core_base_cents, settings.core_modulation, structure.rurality_class)


def _lines(session: Session, application_id: str) -> dict[str, ApplicationLine]:
    rows = session.exec(select(ApplicationLine).where(ApplicationLine.application_id == application_id,
                                                      ApplicationLine.deleted == False))  # noqa: E712
    return {row.kind: row for row in rows}


def _documents(session: Session, application_id: str) -> list[ApplicationDocument]:
    return list(session.exec(select(ApplicationDocument)
                             .where(ApplicationDocument.application_id == application_id,
                                    ApplicationDocument.deleted == False)  # noqa: E712
                             .order_by(ApplicationDocument.position)))


def _line(session: Session, application_id: str, kind: str) -> ApplicationLine:
    AidLineKind.parse(kind)
    return get_or_create(session, ApplicationLine, line_id(application_id, kind), application_id=application_id,
                         kind=kind)


def _cents(value: int | str, what: str) -> int:
    try:
        cents = value if isinstance(value, int) else parse_amount(value)
    except ValueFormatError as exc:
        raise InvalidValueError(f"{what} : {exc}") from exc
    if cents < 0:
        raise InvalidValueError(f"{what} : le montant ne peut pas être négatif")
    return cents


def _editable_amounts(application: AidApplication) -> None:
    if application.status not in rules.AMOUNTS_EDITABLE:
        raise TransitionError(f"La demande est « {AS(application.status).label} » : ses montants ne changent "
                              "plus (repassez-la à « Instruite » pour les corriger).")


@transactional
def receive_application(session: Session, structure_id: str, year: int, received_on: date | str | None = None,
                        **values: Any) -> AidApplication:
    """Record a received application: its lines (socle proposal from the grid) and its checklist."""
    structure = _structure(session, structure_id)
    existing = session.exec(select(AidApplication).where(AidApplication.structure_id == structure_id,
                                                         AidApplication.year == year,
                                                         AidApplication.deleted == False)).first()  # noqa: E712
    if existing is not None:
        raise InvalidValueError(f"{structure.name} a déjà une demande d'aide {year} "
                                f"(« {AS(existing.status).label} »).")
    settings = scheme_for(session, year)
    application = insert(session, AidApplication, structure_id=structure_id, year=year,
                         received_on=received_on or date.today(), status=AS.RECEIVED.value, **values)
    for kind in settings.aid_kinds:
        _line(session, application.id, kind)
    _propose_core(session, application, settings)
    for position, name in enumerate(settings.required_documents, start=1):
        insert(session, ApplicationDocument, pk=singleton_id("application_document", application.id, position),
               application_id=application.id, position=position, name=name)
    return application


@transactional
def tick_document(session: Session, document_id: str, received: bool = True,
                  received_on: date | str | None = None, comment: str | None = None) -> ApplicationDocument:
    """Tick (with its date, today by default) or untick a piece of the checklist."""
    document = load(session, ApplicationDocument, document_id)
    application = load(session, AidApplication, document.application_id or "")
    status = AS(application.status)
    if status not in rules.CHECKLIST_EDITABLE or (not received and status != AS.RECEIVED):
        raise TransitionError(f"La demande est « {status.label} » : sa liste de pièces ne change plus"
                              + (" (repassez-la à « Reçue » pour retirer une pièce)." if status in
                                 rules.CHECKLIST_EDITABLE else "."))
    changes: dict[str, Any] = {"received": received,
                               "received_on": (received_on or document.received_on or date.today())
                               if received else None}
    if comment is not None:
        changes["comment"] = comment.strip()
    return apply_changes(session, document, changes)


def _sync_total(session: Session, application: AidApplication) -> None:
    total = sum(line.requested_cents for line in _lines(session, application.id).values())
    apply_changes(session, application, {"requested_cents": total})


@transactional
def set_requested(session: Session, application_id: str, kind: str, amount: int | str) -> ApplicationLine:
    application = load(session, AidApplication, application_id)
    _editable_amounts(application)
    line = _line(session, application_id, kind)
    apply_changes(session, line, {"requested_cents": _cents(amount, f"« {AidLineKind(kind).label} » demandé")})
    _sync_total(session, application)
    return line


@transactional
def set_proposed(session: Session, application_id: str, kind: str, amount: int | str) -> ApplicationLine:
    """A proposed amount, checked against the cap (socle: the modulated forfait) and the request."""
    application = load(session, AidApplication, application_id)
    _editable_amounts(application)
    settings = scheme_for(session, application.year)
    line = _line(session, application_id, kind)
    cents = _cents(amount, f"« {AidLineKind(kind).label} » proposé")
    core = _core(session, application, settings) if kind == AidLineKind.CORE else None
    cap = core.cents if core is not None else settings.cap(kind)
    problem = rules.amount_problem(kind, cents, line.requested_cents, cap)
    if problem:
        raise InvalidValueError(problem)
    changes: dict[str, Any] = {"proposed_cents": cents}
    if core is not None:
        changes["modulation_percent"] = core.percent
    return apply_changes(session, line, changes)


def _propose_core(session: Session, application: AidApplication, settings: SchemeSettings) -> ApplicationLine:
    core = _core(session, application, settings)
    line = _line(session, application.id, AidLineKind.CORE.value)
    return apply_changes(session, line, {"proposed_cents": core.cents, "modulation_percent": core.percent})


@transactional
def propose_core(session: Session, application_id: str) -> ApplicationLine:
    """Apply the dispositif's grid to the socle: base × modulation of the structure's rurality class."""
    application = load(session, AidApplication, application_id)
    _editable_amounts(application)
    return _propose_core(session, application, scheme_for(session, application.year))


@transactional
def set_details(session: Session, application_id: str, **changes: Any) -> AidApplication:
    """Received on, CP date, deliberation number, portal reference, notes (not the status)."""
    application = load(session, AidApplication, application_id)
    allowed = {"received_on", "cp_date", "deliberation_no", "portal_reference", "notes", "submitted_on"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidValueError(f"champ non modifiable ici : « {sorted(unknown)[0]} »")
    if application.status in (AS.VOTED, AS.REJECTED):
        frozen = set(changes) - {"notes", "portal_reference"}
        if frozen:
            raise TransitionError(f"La demande est « {AS(application.status).label} » : sa date de CP et sa "
                                  "délibération ne changent plus.")
    return apply_changes(session, application, changes)


# --- Workflow --------------------------------------------------------------------------------


def _problem(session: Session, application: AidApplication, target: str) -> str | None:
    lines = [LineAmounts(l.kind, l.requested_cents, l.proposed_cents)
             for l in _lines(session, application.id).values()]
    missing = [d.name for d in _documents(session, application.id) if not d.received]
    return rules.transition_problem(application.status, target, missing_documents=missing, lines=lines,
                                    cp_date=application.cp_date, received_on=application.received_on,
                                    deliberation_no=application.deliberation_no,
                                    has_agreement=bool(application.annual_agreement_id))


@transactional
def transition(session: Session, application_id: str, target: str, cp_date: date | str | None = None,
               deliberation_no: str | None = None) -> AidApplication:
    """Move an application in its workflow; the CP date or deliberation number may come along."""
    application = load(session, AidApplication, application_id)
    try:
        AS.parse(target)
    except ValueError as exc:
        raise InvalidValueError(f"demande d'aide : {exc}") from exc
    extra = {k: v for k, v in (("cp_date", cp_date), ("deliberation_no", deliberation_no)) if v is not None}
    if extra:
        apply_changes(session, application, extra)
    problem = _problem(session, application, target)
    if problem:
        raise TransitionError(problem)
    return apply_changes(session, application, {"status": target}, workflow=True)


@transactional
def create_annual_agreement(session: Session, application_id: str) -> AnnualAgreement:
    """The annual convention of a voted application: one aid line per kind, voted = proposed.

    Idempotent: a second call updates the same convention and lines (UUIDv5), never duplicates.
    """
    application = load(session, AidApplication, application_id)
    if application.status != AS.VOTED:
        raise TransitionError("Seule une demande votée donne une convention annuelle (statut actuel : "
                              f"« {AS(application.status).label} »).")
    lines = [l for l in _lines(session, application.id).values() if l.proposed_cents or l.requested_cents]
    if not any(l.proposed_cents for l in lines):
        raise TransitionError("La demande n'a aucun montant proposé : il n'y a rien à conventionner.")
    structure = _structure(session, application.structure_id)
    values: dict[str, Any] = {"cp_date": application.cp_date, "deliberation_no": application.deliberation_no}
    framework = session.exec(select(FrameworkAgreement).where(
        FrameworkAgreement.structure_id == structure.id, FrameworkAgreement.deleted == False,  # noqa: E712
        FrameworkAgreement.period_start <= application.year,
        FrameworkAgreement.period_end >= application.year)).first()
    if framework is not None:
        values["framework_agreement_id"] = framework.id
    agreement = money.annual_agreement(session, structure.id, application.year, **values)
    for line in lines:
        money.set_aid_line(session, agreement.id, line.kind, requested_cents=line.requested_cents,
                           proposed_cents=line.proposed_cents, voted_cents=line.proposed_cents)
    apply_changes(session, application, {"annual_agreement_id": agreement.id})
    return agreement


# --- Read models ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationRow:
    id: str
    structure_id: str
    structure_name: str
    year: int
    status: str
    received_on: date | None
    requested_cents: int
    proposed_cents: int
    documents_received: int
    documents_total: int
    annual_agreement_id: str

    @property
    def status_label(self) -> str:
        return AS(self.status).label

    @property
    def completeness(self) -> str:
        """« 3 / 5 pièces »."""
        if not self.documents_total:
            return "aucune pièce listée"
        noun = "pièce" if self.documents_total == 1 else "pièces"
        return f"{self.documents_received} / {self.documents_total} {noun}"

    @property
    def is_complete(self) -> bool:
        return self.documents_received == self.documents_total


@dataclass(frozen=True)
class DocumentRow:
    id: str
    position: int
    name: str
    received: bool
    received_on: date | None
    comment: str


@dataclass(frozen=True)
class LineRow:
    kind: str
    requested_cents: int
    proposed_cents: int
    modulation_percent: int
    cap_cents: int | None
    note: str

    @property
    def label(self) -> str:
        return AidLineKind(self.kind).label


@dataclass(frozen=True)
class ApplicationDetail:
    row: ApplicationRow
    rurality_class: str
    core: CoreAmount
    lines: tuple[LineRow, ...]
    documents: tuple[DocumentRow, ...]
    cp_date: date | None
    deliberation_no: str
    notes: str
    next_commission: date | None
    #: Workflow moves allowed by the table, each with the French reason it would be refused ("" if none).
    moves: tuple[tuple[str, str], ...]
    amounts_editable: bool
    checklist_editable: bool


def _rows(session: Session, applications: list[AidApplication]) -> list[ApplicationRow]:
    ids = [a.id for a in applications]
    names = {s.id: s.name for s in session.exec(select(Structure).where(
        Structure.id.in_({a.structure_id for a in applications})))}  # type: ignore[union-attr]
    lines: dict[str, list[ApplicationLine]] = defaultdict(list)
    for line in session.exec(select(ApplicationLine).where(ApplicationLine.application_id.in_(ids),  # type: ignore[union-attr]
                                                           ApplicationLine.deleted == False)):  # noqa: E712
        lines[line.application_id or ""].append(line)
    documents: dict[str, list[bool]] = defaultdict(list)
    for doc in session.exec(select(ApplicationDocument).where(ApplicationDocument.application_id.in_(ids),  # type: ignore[union-attr]
                                                              ApplicationDocument.deleted == False)):  # noqa: E712
        documents[doc.application_id or ""].append(doc.received)
    rows = []
    for a in applications:
        mine = lines.get(a.id, [])
        requested = sum(l.requested_cents for l in mine) if mine else a.requested_cents
        rows.append(ApplicationRow(a.id, a.structure_id or "", names.get(a.structure_id or "", "?"), a.year,
                                   a.status, a.received_on or a.submitted_on, requested,
                                   sum(l.proposed_cents for l in mine), sum(documents.get(a.id, [])),
                                   len(documents.get(a.id, [])), a.annual_agreement_id or ""))
    return rows


@reading
def list_applications(session: Session, year: int) -> list[ApplicationRow]:
    """The applications of a year, by structure name."""
    applications = list(session.exec(select(AidApplication).where(AidApplication.year == year,
                                                                  AidApplication.deleted == False)))  # noqa: E712
    from .structures import sort_key
    return sorted(_rows(session, applications), key=lambda r: sort_key(r.structure_name))


@reading
def application_detail(session: Session, application_id: str) -> ApplicationDetail:
    application = load(session, AidApplication, application_id)
    [row] = _rows(session, [application])
    settings = scheme_for(session, application.year)
    structure = _structure(session, application.structure_id)
    core = _core(session, application, settings)
    stored = _lines(session, application.id)
    kinds = list(settings.aid_kinds) + [k for k in stored if k not in settings.aid_kinds]
    lines = []
    for kind in kinds:
        line = stored.get(kind)
        cap = core.cents if kind == AidLineKind.CORE else settings.cap(kind)
        if kind == AidLineKind.CORE:
            note = f"{core.label} — forfait {format_amount(core.cents)}"
        else:
            note = f"plafond {format_amount(cap)}"
        lines.append(LineRow(kind, line.requested_cents if line else 0, line.proposed_cents if line else 0,
                             line.modulation_percent if line else 100, cap, note))
    documents = tuple(DocumentRow(d.id, d.position, d.name, d.received, d.received_on, d.comment)
                      for d in _documents(session, application.id))
    moves = () if application.annual_agreement_id and application.status == AS.VOTED else tuple(
        (target, _problem(session, application, target) or "") for target in _ordered_moves(application.status))
    today = date.today()
    return ApplicationDetail(row, structure.rurality_class, core, tuple(lines), documents, application.cp_date,
                             application.deliberation_no, application.notes,
                             settings.next_commission(max(today, application.received_on or today)), moves,
                             application.status in rules.AMOUNTS_EDITABLE,
                             application.status in rules.CHECKLIST_EDITABLE)


def _ordered_moves(status: str) -> list[str]:
    """Allowed targets: forward steps first (rejection last of them), then back steps."""
    rank = {s: n for n, s in enumerate(rules.APPLICATION_ORDER)}
    here = rank.get(AS(status), len(rank))
    targets = rules.APPLICATION_TRANSITIONS.get(status, frozenset())
    forward = sorted((t for t in targets if rank.get(t, 99) > here), key=lambda t: rank.get(t, 99))
    return forward + sorted((t for t in targets if t not in forward), key=lambda t: -rank.get(t, 99))


@reading
def structures_without_application(session: Session, year: int) -> list[tuple[str, str]]:
    """(id, name) of the active structures that have no application for ``year``, by name."""
    from .structures import sort_key

    taken = set(session.exec(select(AidApplication.structure_id).where(
        AidApplication.year == year, AidApplication.deleted == False)))  # noqa: E712
    found = session.exec(select(Structure).where(Structure.deleted == False, Structure.active == True))  # noqa: E712
    return sorted(((s.id, s.name) for s in found if s.id not in taken), key=lambda pair: sort_key(pair[1]))


@reading
def years(session: Session) -> list[int]:
    """Years to offer: those with applications or conventions, the dispositif's periods, this year."""
    found = set(session.exec(select(AidApplication.year).where(AidApplication.deleted == False)))  # noqa: E712
    found |= set(session.exec(select(AnnualAgreement.year).where(AnnualAgreement.deleted == False)))  # noqa: E712
    for row in _schemes(session):
        found |= set(range(row.period_start, row.period_end + 1))
    found.add(date.today().year)
    return sorted(found)

