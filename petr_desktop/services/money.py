"""Money: framework and annual agreements, aid lines, payments (planned from the dispositif, gated
by the evaluation sheets for the balance), aid applications, remaining amounts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.enums import AidLineKind, PaymentKind, PaymentStatus, SheetKind, SheetStatus
from ..domain.ids import singleton_id
from ..domain.models import (AidApplication, AidLine, AnnualAgreement, EvaluationSheet, FrameworkAgreement,
                             Payment, Structure)
from ..domain.scheme import PAYMENT_TRANSITIONS, SHEET_KIND_OF_LINE, advance_and_balance
from ..domain.values import format_amount
from .errors import InvalidValueError, TransitionError
from .records import apply_changes, get_or_create, insert, load
from .sheets import sheet_id
from .uow import reading, transactional


class PaymentBlockedError(TransitionError):
    """A balance asked for payment while its evaluation sheet is not validated."""


def _singleton(session: Session, model, key: dict[str, Any], values: dict[str, Any]):
    """The natural singleton ``model`` identified by ``key`` (UUIDv5), created or updated."""
    row = get_or_create(session, model, singleton_id(model.__tablename__, *key.values()), **key)
    return apply_changes(session, row, values) if values else row


@transactional
def framework_agreement(session: Session, structure_id: str, period_start: int = 2025,
                        period_end: int = 2027, **values: Any) -> FrameworkAgreement:
    load(session, Structure, structure_id)
    return _singleton(session, FrameworkAgreement, {"structure_id": structure_id, "period_start": period_start,
                                                    "period_end": period_end}, values)


@transactional
def annual_agreement(session: Session, structure_id: str, year: int, **values: Any) -> AnnualAgreement:
    load(session, Structure, structure_id)
    return _singleton(session, AnnualAgreement, {"structure_id": structure_id, "year": year}, values)


@transactional
def set_aid_line(session: Session, agreement_id: str, kind: str, **amounts: Any) -> AidLine:
    """The aid line of a kind (socle, thématique, chantier collectif) with its amounts."""
    load(session, AnnualAgreement, agreement_id)
    line = _singleton(session, AidLine, {"annual_agreement_id": agreement_id, "kind": kind}, amounts)
    _check_engaged(session, line)      # raising rolls the whole unit of work back
    return line


@transactional
def add_payment(session: Session, agreement_id: str, kind: str, amount_cents: int | str,
                **values: Any) -> Payment:
    load(session, AnnualAgreement, agreement_id)
    return insert(session, Payment, annual_agreement_id=agreement_id, kind=kind, amount_cents=amount_cents,
                  **values)


@transactional
def add_application(session: Session, structure_id: str, year: int, **values: Any) -> AidApplication:
    return insert(session, AidApplication, structure_id=structure_id, year=year, **values)


@dataclass(frozen=True)
class MoneySummary:
    year: int
    requested_cents: int
    voted_cents: int
    paid_cents: int

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


@reading
def summary(session: Session, structure_id: str) -> list[MoneySummary]:
    """Per year: requested, voted, paid and remaining amounts of a structure."""
    result = []
    agreements = session.exec(select(AnnualAgreement).where(AnnualAgreement.structure_id == structure_id,
                                                            AnnualAgreement.deleted == False))  # noqa: E712
    for agreement in sorted(agreements, key=lambda a: a.year):
        lines = session.exec(select(AidLine).where(AidLine.annual_agreement_id == agreement.id,
                                                   AidLine.deleted == False)).all()  # noqa: E712
        payments = session.exec(select(Payment).where(Payment.annual_agreement_id == agreement.id,
                                                      Payment.deleted == False)).all()  # noqa: E712
        result.append(MoneySummary(agreement.year, sum(l.requested_cents for l in lines),
                                   sum(l.voted_cents for l in lines),
                                   sum(p.amount_cents for p in payments if p.status == PaymentStatus.PAID)))
    return result


# --- Payments planned from the dispositif, and their workflow --------------------------------------

def _active(session: Session, model, **where: Any) -> list:
    query = select(model).where(model.deleted == False)  # noqa: E712
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(session.exec(query))


def _check_engaged(session: Session, line: AidLine) -> None:
    """Refuse a voted amount below what is already put in payment or paid on its line."""
    engaged = sum(p.amount_cents for p in _active(session, Payment, aid_line_id=line.id)
                  if p.status != PaymentStatus.PLANNED)
    if line.voted_cents < engaged:
        raise InvalidValueError(f"« {AidLineKind(line.kind).label} » : le montant voté "
                                f"({format_amount(line.voted_cents)}) serait inférieur aux versements déjà "
                                f"engagés ({format_amount(engaged)}).")


def _plan(session: Session, agreement: AnnualAgreement, line: AidLine | None, voted: int,
          existing: list[Payment], advance_percent: int) -> None:
    """Create or adjust the advance and balance of one line (or of the whole convention)."""
    owner = line.id if line is not None else agreement.id
    target, _ = advance_and_balance(voted, advance_percent)
    for kind in (PaymentKind.ADVANCE, PaymentKind.BALANCE):
        mine = [p for p in existing if p.kind == kind]
        if kind == PaymentKind.BALANCE:
            target = voted - sum(p.amount_cents for p in existing if p.kind == PaymentKind.ADVANCE)
        if not mine and target > 0:
            payment = get_or_create(session, Payment, singleton_id("payment", owner, kind.value),
                                    annual_agreement_id=agreement.id, aid_line_id=line.id if line else None,
                                    kind=kind.value, amount_cents=target)
            apply_changes(session, payment, {"amount_cents": target, "status": PaymentStatus.PLANNED.value},
                          workflow=True)
            existing.append(payment)
        elif len(mine) == 1 and mine[0].status == PaymentStatus.PLANNED and mine[0].amount_cents != target:
            apply_changes(session, mine[0], {"amount_cents": max(target, 0)})


@transactional
def plan_payments(session: Session, agreement_id: str) -> list[Payment]:
    """Advance and balance of every voted line, from the dispositif's percentages. Idempotent: planned
    payments follow the voted amounts; payments put in payment or paid never change.

    A convention whose payments were entered globally (without aid line) is planned globally."""
    from .instruction import scheme_for      # instruction imports this module

    agreement = load(session, AnnualAgreement, agreement_id)
    percent = scheme_for(session, agreement.year).advance_percent
    lines = [l for l in _active(session, AidLine, annual_agreement_id=agreement.id) if l.voted_cents > 0]
    if not lines:
        raise TransitionError("Aucun montant voté sur cette convention : rien à planifier.")
    payments = _active(session, Payment, annual_agreement_id=agreement.id)
    if any(p.aid_line_id is None for p in payments):
        _plan(session, agreement, None, sum(l.voted_cents for l in lines),
              [p for p in payments if p.aid_line_id is None], percent)
    else:
        for line in lines:
            _plan(session, agreement, line, line.voted_cents, [p for p in payments if p.aid_line_id == line.id],
                  percent)
    return _active(session, Payment, annual_agreement_id=agreement.id)


def balance_blocker(session: Session, payment: Payment) -> str | None:
    """Why a balance may not be put in payment: its evaluation sheet(s) not validated (French)."""
    if payment.kind != PaymentKind.BALANCE:
        return None
    agreement = load(session, AnnualAgreement, payment.annual_agreement_id or "")
    structure = load(session, Structure, agreement.structure_id or "")
    line = session.get(AidLine, payment.aid_line_id) if payment.aid_line_id else None
    kinds = [line.kind] if line is not None else [
        l.kind for l in _active(session, AidLine, annual_agreement_id=agreement.id) if l.voted_cents > 0]
    problems = []
    for kind in kinds:
        sheet_kind = SHEET_KIND_OF_LINE[kind]
        sheet = session.get(EvaluationSheet, sheet_id(structure.id, agreement.year, sheet_kind))
        if sheet is not None and not sheet.deleted and sheet.status in rules.FROZEN_SHEETS:
            continue
        state = ("n'existe pas encore" if sheet is None or sheet.deleted
                 else f"est « {SheetStatus(sheet.status).label} »")
        problems.append(f"la fiche « {SheetKind(sheet_kind).label} » {agreement.year} de {structure.name} {state}")
    if not problems:
        return None
    what = f"Solde « {AidLineKind(line.kind).label} » {agreement.year}" if line else f"Solde {agreement.year}"
    must = "elle doit être validée" if len(problems) == 1 else "elles doivent être validées"
    return f"{what} bloqué : {' ; '.join(problems)} ; {must} avant la mise en paiement du solde."


def _move(session: Session, payment_id: str, target: PaymentStatus, **changes: Any) -> Payment:
    payment = load(session, Payment, payment_id)
    if target not in PAYMENT_TRANSITIONS.get(payment.status, frozenset()):
        hint = " : mettez-le d'abord en paiement" if target == PaymentStatus.PAID else ""
        raise TransitionError(f"un versement « {PaymentStatus(payment.status).label} » ne peut pas passer à "
                              f"« {target.label} »{hint}.")
    if target != PaymentStatus.PLANNED:
        agreement = load(session, AnnualAgreement, payment.annual_agreement_id or "")
        if not agreement.deliberation_no and agreement.cp_date is None:
            raise TransitionError(f"La convention {agreement.year} n'a ni date de Commission permanente ni "
                                  "numéro de délibération : elle n'est pas votée, rien ne peut être versé.")
        blocker = balance_blocker(session, payment)
        if blocker:
            raise PaymentBlockedError(blocker)
    return apply_changes(session, payment, {"status": target.value, **changes}, workflow=True)


@transactional
def request_payment(session: Session, payment_id: str) -> Payment:
    """« Mettre en paiement »: the payment is payable (a balance needs its validated sheet)."""
    return _move(session, payment_id, PaymentStatus.REQUESTED)


@transactional
def cancel_request(session: Session, payment_id: str) -> Payment:
    """Back from « Mis en paiement » to « Prévu »."""
    return _move(session, payment_id, PaymentStatus.PLANNED)


@transactional
def mark_paid(session: Session, payment_id: str, paid_on: date | str | None = None) -> Payment:
    """« Versé » on a date (today by default)."""
    return _move(session, payment_id, PaymentStatus.PAID, paid_on=paid_on or date.today())


# --- Read model: conventions of a year with lines, payments and remaining amounts ----------------

@dataclass(frozen=True)
class PaymentView:
    id: str
    kind: str
    amount_cents: int
    status: str
    due_on: date | None
    paid_on: date | None
    aid_line_id: str
    #: Why a balance cannot be put in payment yet ("" when it can, or for an advance).
    blocker: str

    @property
    def label(self) -> str:
        return PaymentKind(self.kind).label

    @property
    def status_label(self) -> str:
        return PaymentStatus(self.status).label


@dataclass(frozen=True)
class LineMoney:
    id: str
    kind: str
    voted_cents: int
    paid_cents: int
    payments: tuple[PaymentView, ...]

    @property
    def label(self) -> str:
        return AidLineKind(self.kind).label

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


@dataclass(frozen=True)
class AgreementMoney:
    id: str
    structure_id: str
    structure_name: str
    year: int
    number: str
    cp_date: date | None
    deliberation_no: str
    lines: tuple[LineMoney, ...]
    #: Payments entered for the whole convention (without aid line).
    global_payments: tuple[PaymentView, ...]

    @property
    def voted_cents(self) -> int:
        return sum(l.voted_cents for l in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(l.paid_cents for l in self.lines) + sum(
            p.amount_cents for p in self.global_payments if p.status == PaymentStatus.PAID)

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


def _view(session: Session, p: Payment) -> PaymentView:
    blocker = balance_blocker(session, p) if p.status != PaymentStatus.PAID else None
    return PaymentView(p.id, p.kind, p.amount_cents, p.status, p.due_on, p.paid_on, p.aid_line_id or "",
                       blocker or "")


def _agreement_money(session: Session, agreement: AnnualAgreement, name: str) -> AgreementMoney:
    kind_order = {k.value: n for n, k in enumerate(AidLineKind)}
    payment_order = {k.value: n for n, k in enumerate(PaymentKind)}
    payments = sorted(_active(session, Payment, annual_agreement_id=agreement.id),
                      key=lambda p: (payment_order.get(p.kind, 9), p.due_on or date.max, p.created_at))
    lines = []
    for line in sorted(_active(session, AidLine, annual_agreement_id=agreement.id),
                       key=lambda l: kind_order.get(l.kind, 9)):
        mine = tuple(_view(session, p) for p in payments if p.aid_line_id == line.id)
        lines.append(LineMoney(line.id, line.kind, line.voted_cents,
                               sum(p.amount_cents for p in mine if p.status == PaymentStatus.PAID), mine))
    known = {l.id for l in lines}
    rest = tuple(_view(session, p) for p in payments if p.aid_line_id not in known)
    return AgreementMoney(agreement.id, agreement.structure_id or "", name, agreement.year, agreement.number,
                          agreement.cp_date, agreement.deliberation_no, tuple(lines), rest)


@reading
def payments_overview(session: Session, year: int) -> list[AgreementMoney]:
    """Every convention of a year: lines, advance / balance payments, voted − paid everywhere."""
    from .structures import sort_key

    names = {s.id: s.name for s in _active(session, Structure)}
    agreements = _active(session, AnnualAgreement, year=year)
    result = [_agreement_money(session, a, names.get(a.structure_id or "", "?")) for a in agreements]
    return sorted(result, key=lambda a: sort_key(a.structure_name))


@reading
def agreement_money(session: Session, agreement_id: str) -> AgreementMoney:
    agreement = load(session, AnnualAgreement, agreement_id)
    structure = session.get(Structure, agreement.structure_id or "")
    return _agreement_money(session, agreement, structure.name if structure else "?")
