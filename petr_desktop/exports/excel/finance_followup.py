"""« Suivi financier {année} »: per structure and aid line, voted, advance and balance (status, date,
« bloqué : fiche … » when the balance waits for a sheet), paid, remaining; per-structure totals; the
applications of the year. ``followup`` is the read model shared with the PDF (``exports.pdf.finance``),
built from ``services.money`` and ``services.instruction``; ``finance_followup_xlsx`` is the workbook
described in ``reports/excel_tables.json`` (``workbooks.finance_followup``). openpyxl is imported
when called."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from ...domain.canonical import content_sha256
from ...domain.enums import PaymentKind, PaymentStatus
from ...domain.values import format_amount, format_date
from .styles import report_data


@dataclass(frozen=True)
class Step:
    """The advance or the balance of one line (or of the whole convention)."""

    amount_cents: int | None
    status: str            # French label, « à planifier » when nothing is planned
    on: date | None = None  # paid on when paid, else due on
    blocked: str = ""      # « bloqué : fiche « Thématique » est « Reçue » », or ""

    def text(self) -> str:
        """« 16 250,00 € — Versé le 2 juin 2026 »."""
        if self.amount_cents is None:
            return self.status
        when = ""
        if self.on:
            when = f" le {format_date(self.on)}" if self.status == PaymentStatus.PAID.label else \
                f", échéance {format_date(self.on)}"
        return f"{format_amount(self.amount_cents)} — {self.status}{when}"


@dataclass(frozen=True)
class LineRow:
    structure: str
    agreement_no: str
    line: str
    #: None on the row of the payments made on the whole convention.
    voted_cents: int | None
    advance: Step
    balance: Step
    paid_cents: int | None
    remaining_cents: int | None


@dataclass(frozen=True)
class StructureRow:
    structure: str
    agreement_no: str
    lines: tuple[LineRow, ...]
    voted_cents: int
    advance_paid_cents: int
    balance_paid_cents: int
    paid_cents: int
    remaining_cents: int
    blocked: int           # balances waiting for a sheet


@dataclass(frozen=True)
class ApplicationLine:
    structure: str
    status: str
    received_on: date | None
    requested_cents: int
    proposed_cents: int
    documents: str


@dataclass(frozen=True)
class FinanceFollowup:
    year: int
    today: date
    structures: tuple[StructureRow, ...]
    applications: tuple[ApplicationLine, ...]
    content_sha256: str

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.structures)

    @property
    def lines(self) -> list[LineRow]:
        return [line for s in self.structures for line in s.lines]


def spec() -> dict[str, Any]:
    return report_data("excel_tables.json")["workbooks"]["finance_followup"]


def short_blocker(message: str, structure: str, year: int) -> str:
    """« Solde … bloqué : la fiche « Thématique » 2026 de X n'existe pas encore ; elle doit … »
    → « bloqué : fiche « Thématique » n'existe pas encore »."""
    if not message:
        return ""
    _, found, reasons = message.partition(" bloqué : ")
    if not found:
        return message
    reasons = reasons.split(" ; elle doit")[0].split(" ; elles doivent")[0]
    reasons = reasons.replace(f" {year} de {structure} ", " ").replace("la fiche ", "fiche ")
    return f"bloqué : {reasons}"


def _step(payments, kind: str, structure: str, year: int, planned: bool) -> Step:
    mine = [p for p in payments if p.kind == kind]
    if not mine:
        return Step(None, spec()["labels"]["to_plan"] if planned else "")
    statuses = {p.status for p in mine}
    status = mine[0].status if len(statuses) == 1 else PaymentStatus.REQUESTED.value
    paid = [p.paid_on for p in mine if p.paid_on]
    due = [p.due_on for p in mine if p.due_on]
    on = max(paid) if status == PaymentStatus.PAID.value and paid else (min(due) if due else None)
    blocked = "; ".join(short_blocker(p.blocker, structure, year) for p in mine if p.blocker)
    return Step(sum(p.amount_cents for p in mine), PaymentStatus(status).label, on, blocked)


def _structure(agreement) -> StructureRow:
    labels = spec()["labels"]
    name, year = agreement.structure_name, agreement.year
    whole = bool(agreement.global_payments)
    rows = []
    for line in agreement.lines:
        advance = _step(line.payments, PaymentKind.ADVANCE, name, year, not whole and line.voted_cents > 0)
        balance = _step(line.payments, PaymentKind.BALANCE, name, year, not whole and line.voted_cents > 0)
        rows.append(LineRow(name, agreement.number, line.label, line.voted_cents, advance, balance,
                            line.paid_cents if (line.payments or not whole) else None,
                            None if whole else line.remaining_cents))
    if whole:      # payments of the whole convention: they carry what remains to be paid
        payments = agreement.global_payments
        rows.append(LineRow(name, agreement.number, labels["whole"], None,
                            _step(payments, PaymentKind.ADVANCE, name, year, True),
                            _step(payments, PaymentKind.BALANCE, name, year, True),
                            sum(p.amount_cents for p in payments if p.status == PaymentStatus.PAID),
                            agreement.remaining_cents))
    every = [p for line in agreement.lines for p in line.payments] + list(agreement.global_payments)

    def paid(kind: str) -> int:
        return sum(p.amount_cents for p in every if p.kind == kind and p.status == PaymentStatus.PAID)

    return StructureRow(name, agreement.number, tuple(rows), agreement.voted_cents, paid(PaymentKind.ADVANCE),
                        paid(PaymentKind.BALANCE), agreement.paid_cents, agreement.remaining_cents,
                        sum(1 for p in every if p.blocker))


def followup(db: Any, year: int, today: date | None = None) -> FinanceFollowup:
    """The year's conventions (``money.payments_overview``) and applications (``list_applications``)."""
    from ...services import instruction, money

    today = today or date.today()
    structures = tuple(_structure(a) for a in money.payments_overview(db, year))
    applications = tuple(ApplicationLine(r.structure_name, r.status_label, r.received_on, r.requested_cents,
                                         r.proposed_cents, r.completeness)
                         for r in instruction.list_applications(db, year))
    content = {"year": year, "structures": [asdict(s) for s in structures],
               "applications": [asdict(a) for a in applications]}
    return FinanceFollowup(year, today, structures, applications, content_sha256(content))


# --- The workbook --------------------------------------------------------------------------------

def _flat(row: LineRow) -> dict[str, Any]:
    return {"structure": row.structure, "agreement_no": row.agreement_no, "line": row.line,
            "voted_cents": row.voted_cents, "advance_cents": row.advance.amount_cents,
            "advance_status": row.advance.status, "advance_on": row.advance.on,
            "balance_cents": row.balance.amount_cents, "balance_status": row.balance.status,
            "balance_on": row.balance.on, "balance_blocked": row.balance.blocked, "paid_cents": row.paid_cents,
            "remaining_cents": row.remaining_cents}


def render(doc: FinanceFollowup) -> bytes:
    from types import SimpleNamespace

    from openpyxl import Workbook

    from .tables import finish_workbook, write_sheets

    tables = report_data("excel_tables.json")
    book = spec()
    params = {"today": datetime.now().strftime("%d/%m/%Y à %H:%M"), "year": doc.year,
              "date": format_date(doc.today)}
    rows = {"lines": [SimpleNamespace(**_flat(r)) for r in doc.lines],
            "structures": [SimpleNamespace(**{k: v for k, v in asdict(s).items() if k != "lines"})
                           for s in doc.structures],
            "applications": list(doc.applications)}
    workbook = Workbook()
    workbook.remove(workbook.active)
    write_sheets(workbook, book, rows, tables, params)
    workbook.active = 0
    return finish_workbook(workbook, book, params)


def finance_followup_xlsx(db: Any, year: int) -> bytes:
    """The « Suivi financier » of ``year`` as an Excel workbook."""
    return render(followup(db, year))
