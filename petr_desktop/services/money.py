"""Money: framework and annual agreements, aid lines, payments, aid applications."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import PaymentStatus
from ..domain.ids import singleton_id
from ..domain.models import (AidApplication, AidLine, AnnualAgreement, FrameworkAgreement, Payment,
                             Structure)
from .records import apply_changes, get_or_create, insert, load
from .uow import reading, transactional


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
    return _singleton(session, AidLine, {"annual_agreement_id": agreement_id, "kind": kind}, amounts)


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
