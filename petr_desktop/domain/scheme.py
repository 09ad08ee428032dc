"""Pure rules of the support scheme (dispositif) and of the instruction of aid applications.

No number of the grid lives here: the base amount, the modulation by rurality class, the caps and
the advance / balance split are settings (``models.Scheme`` holds their defaults).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .enums import AidLineKind
from .enums import ApplicationStatus as AS
from .enums import PaymentStatus as PS
from .values import ValueFormatError, as_date, format_amount, parse_amount

#: Modulation percentages of the socle accepted in the grid.
MODULATION_RANGE = (0, 300)

APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    AS.RECEIVED: frozenset({AS.COMPLETE}),
    AS.COMPLETE: frozenset({AS.RECEIVED, AS.INSTRUCTED}),
    AS.INSTRUCTED: frozenset({AS.COMPLETE, AS.PRESENTED}),
    AS.PRESENTED: frozenset({AS.INSTRUCTED, AS.VOTED, AS.REJECTED}),
    AS.VOTED: frozenset({AS.PRESENTED}),         # a mis-click, as long as no convention was made
    AS.REJECTED: frozenset({AS.PRESENTED}),
}
#: Forward order of the workflow (back steps go the other way).
APPLICATION_ORDER = (AS.RECEIVED, AS.COMPLETE, AS.INSTRUCTED, AS.PRESENTED, AS.VOTED)
#: Statuses in which the amounts of an application may still change.
AMOUNTS_EDITABLE = frozenset({AS.RECEIVED, AS.COMPLETE, AS.INSTRUCTED})
#: Statuses in which the checklist may still change.
CHECKLIST_EDITABLE = frozenset({AS.RECEIVED, AS.COMPLETE, AS.INSTRUCTED, AS.PRESENTED})

#: Which evaluation sheet justifies the balance of an aid line.
SHEET_KIND_OF_LINE = {"core": "core_missions", "thematic": "thematic", "collective": "collective"}


@dataclass(frozen=True)
class SchemeSettings:
    """The dispositif of a period, JSON parsed."""

    id: str
    period_start: int
    period_end: int
    aid_kinds: tuple[str, ...]
    core_base_cents: int
    core_modulation: dict[str, int]
    thematic_cap_cents: int
    collective_cap_cents: int
    advance_percent: int
    balance_percent: int
    commission_dates: tuple[date, ...]
    required_documents: tuple[str, ...]

    @property
    def period_label(self) -> str:
        return f"{self.period_start}-{self.period_end}"

    def cap(self, kind: str) -> int | None:
        """The cap of a thematic or collective line; None for the socle (modulated forfait)."""
        return {"thematic": self.thematic_cap_cents, "collective": self.collective_cap_cents}.get(kind)

    def next_commission(self, after: date) -> date | None:
        return next_commission(self.commission_dates, after)


def parse_scheme_json(aid_kinds: str, core_modulation: str, commission_dates: str,
                      required_documents: str) -> tuple[tuple[str, ...], dict[str, int], tuple[date, ...],
                                                        tuple[str, ...]]:
    """The JSON columns of a Scheme row, parsed (bad entries, e.g. from a hand edit, are skipped)."""
    kinds = tuple(k for k in _loads(aid_kinds, []) if k in set(AidLineKind))
    grid = {str(k): int(v) for k, v in _loads(core_modulation, {}).items() if isinstance(v, (int, float))}
    dates = []
    for text in _loads(commission_dates, []):
        try:
            dates.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            continue
    documents = tuple(str(d) for d in _loads(required_documents, []) if str(d).strip())
    return kinds, grid, tuple(sorted(set(dates))), documents


def _loads(text: str, default):
    try:
        value = json.loads(text or "null")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


# --- Computations -----------------------------------------------------------------------

@dataclass(frozen=True)
class CoreAmount:
    """The socle of a structure: modulation applied, and whether its class was unknown."""

    rurality_class: str
    percent: int
    cents: int
    unknown_class: bool

    @property
    def label(self) -> str:
        """« classe B : 110 % », or « classe non renseignée : 100 % (à vérifier) »."""
        if self.unknown_class:
            which = f"classe « {self.rurality_class} » absente de la grille" if self.rurality_class \
                else "classe de ruralité non renseignée"
            return f"{which} : {self.percent} % (à vérifier)"
        return f"classe {self.rurality_class} : {self.percent} %"


def core_amount(base_cents: int, modulation: Mapping[str, int], rurality_class: str | None) -> CoreAmount:
    """The modulated socle, rounded to the cent; an unknown or empty class counts 100 %, flagged."""
    klass = (rurality_class or "").strip().upper()
    grid = {k.strip().upper(): v for k, v in modulation.items()}
    unknown = klass not in grid
    percent = 100 if unknown else int(grid[klass])
    return CoreAmount(klass, percent, _percent_of(base_cents, percent), unknown)


def advance_and_balance(voted_cents: int, advance_percent: int) -> tuple[int, int]:
    """Advance (rounded half up to the cent) and balance (the remainder): they add up exactly."""
    advance = _percent_of(voted_cents, advance_percent)
    return advance, voted_cents - advance


def _percent_of(cents: int, percent: int) -> int:
    return (cents * percent * 2 + 100) // 200


def next_commission(dates: Iterable[date], after: date) -> date | None:
    """The first Commission permanente strictly after ``after``, if the calendar has one."""
    return min((d for d in dates if d > after), default=None)


# --- Validation of the settings -----------------------------------------------------------

def _percent(text: object, what: str, low: int, high: int) -> int:
    raw = str(text).replace("%", "").replace("\u00a0", "").replace("\u202f", "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise ValueFormatError(f"{what} invalide : « {text} » (un pourcentage entier de {low} à {high})") from None
    if not low <= value <= high:
        raise ValueFormatError(f"{what} hors limites : {value} % (de {low} à {high} %)")
    return value


def _amount(value: object, what: str) -> int:
    try:
        cents = value if isinstance(value, int) else parse_amount(str(value))
    except ValueFormatError as exc:
        raise ValueFormatError(f"{what} : {exc}") from None
    if cents < 0:
        raise ValueFormatError(f"{what} : le montant ne peut pas être négatif ({format_amount(cents)})")
    return cents


def _year(value: object, what: str) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ValueFormatError(f"{what} invalide : « {value} » (exemple : 2025)") from None
    if not 2000 <= year <= 2100:
        raise ValueFormatError(f"{what} invalide : {year} (une année entre 2000 et 2100)")
    return year


def validate_scheme(period_start: object, period_end: object, core_base: object,
                    core_modulation: Mapping[str, object], thematic_cap: object, collective_cap: object,
                    advance_percent: object, balance_percent: object, commission_dates: Sequence[object],
                    required_documents: Sequence[str], aid_kinds: Sequence[str] | None = None) -> dict:
    """Check and normalise the settings typed by the user; French ``ValueFormatError`` on the first fault.

    Returns the column values of a ``Scheme`` row (JSON columns as text).
    """
    start, end = _year(period_start, "début de période"), _year(period_end, "fin de période")
    if end < start:
        raise ValueFormatError(f"la période se termine ({end}) avant de commencer ({start})")
    grid: dict[str, int] = {}
    for key, value in core_modulation.items():
        klass = str(key).strip().upper()
        if not klass:
            raise ValueFormatError("une classe de ruralité de la grille n'a pas de nom")
        if klass in grid:
            raise ValueFormatError(f"la classe de ruralité « {klass} » figure deux fois dans la grille")
        grid[klass] = _percent(value, f"modulation de la classe « {klass} »", *MODULATION_RANGE)
    advance = _percent(advance_percent, "pourcentage de l'avance", 0, 100)
    balance = _percent(balance_percent, "pourcentage du solde", 0, 100)
    if advance + balance != 100:
        raise ValueFormatError(f"l'avance ({advance} %) et le solde ({balance} %) doivent totaliser 100 % "
                               f"(total actuel : {advance + balance} %)")
    dates = set()
    for value in commission_dates:
        try:
            found = as_date(value)  # type: ignore[arg-type]
        except ValueFormatError as exc:
            raise ValueFormatError(f"date de Commission permanente : {exc}") from None
        if found is not None:
            dates.add(found)
    documents: list[str] = []
    for name in required_documents:
        name = " ".join(str(name).split())
        if not name:
            continue
        if name.casefold() in {d.casefold() for d in documents}:
            raise ValueFormatError(f"la pièce « {name} » figure deux fois dans la liste")
        documents.append(name)
    kinds = list(aid_kinds) if aid_kinds is not None else [k.value for k in AidLineKind]
    unknown = [k for k in kinds if k not in set(AidLineKind)]
    if unknown:
        raise ValueFormatError(f"ligne d'aide inconnue : « {unknown[0]} »")
    return {"period_start": start, "period_end": end, "aid_kinds": json.dumps(kinds),
            "core_base_cents": _amount(core_base, "socle forfaitaire de base"),
            "core_modulation": json.dumps(grid, ensure_ascii=False),
            "thematic_cap_cents": _amount(thematic_cap, "plafond de la ligne thématique"),
            "collective_cap_cents": _amount(collective_cap, "plafond du chantier collectif"),
            "advance_percent": advance, "balance_percent": balance,
            "commission_dates": json.dumps([d.isoformat() for d in sorted(dates)]),
            "required_documents": json.dumps(documents, ensure_ascii=False)}


# --- Instruction workflow -----------------------------------------------------------------

@dataclass(frozen=True)
class LineAmounts:
    kind: str
    requested_cents: int
    proposed_cents: int


def quoted(names: Iterable[str]) -> str:
    return ", ".join(f"« {n} »" for n in names)


def transition_problem(current: str, target: str, *, missing_documents: Sequence[str] = (),
                       lines: Sequence[LineAmounts] = (), cp_date: date | None = None,
                       received_on: date | None = None, deliberation_no: str = "",
                       has_agreement: bool = False) -> str | None:
    """Why an application may not go from ``current`` to ``target`` (French), or None when it may."""
    if target not in APPLICATION_TRANSITIONS.get(current, frozenset()):
        return (f"une demande « {AS(current).label} » ne peut pas passer à « {AS.parse(target).label} »")
    if target == AS.COMPLETE and missing_documents:
        count = len(missing_documents)
        return (f"Dossier incomplet : {'il manque la pièce' if count == 1 else f'il manque {count} pièces :'} "
                f"{quoted(missing_documents)}.")
    if target == AS.INSTRUCTED and current == AS.COMPLETE:
        if not any(line.proposed_cents > 0 for line in lines):
            return "Instruction impossible : aucun montant n'est proposé. Saisissez les montants proposés."
        unproposed = [AidLineKind(line.kind).label for line in lines
                      if line.requested_cents > 0 and line.proposed_cents <= 0]
        if unproposed:
            return f"Instruction impossible : proposez un montant pour {quoted(unproposed)} (ou mettez la demande à 0)."
    if target == AS.PRESENTED and current == AS.INSTRUCTED:
        if cp_date is None:
            return "Indiquez la date de la Commission permanente avant de présenter la demande."
        if received_on is not None and cp_date < received_on:
            return "La date de Commission permanente précède la réception de la demande."
    if target == AS.VOTED and not deliberation_no.strip():
        return "Indiquez le numéro de la délibération de la Commission permanente avant de marquer la demande votée."
    if current == AS.VOTED and has_agreement:
        return "La convention annuelle de cette demande est créée : la demande votée ne change plus de statut."
    return None


def amount_problem(kind: str, proposed_cents: int, requested_cents: int, cap_cents: int | None) -> str | None:
    """Why a proposed amount is refused (French), or None."""
    label = AidLineKind(kind).label
    if proposed_cents < 0:
        return f"« {label} » : le montant proposé ne peut pas être négatif."
    if cap_cents is not None and proposed_cents > cap_cents:
        what = "le forfait modulé du socle" if kind == AidLineKind.CORE else "le plafond du dispositif"
        return (f"« {label} » : le montant proposé ({format_amount(proposed_cents)}) dépasse {what} "
                f"({format_amount(cap_cents)}).")
    if kind != AidLineKind.CORE and proposed_cents > requested_cents:
        return (f"« {label} » : le montant proposé ({format_amount(proposed_cents)}) dépasse le montant "
                f"demandé ({format_amount(requested_cents)}).")
    return None


def next_step(current: str) -> str | None:
    """The forward step after ``current`` (None at the end or after a rejection)."""
    if current not in APPLICATION_ORDER:
        return None
    position = APPLICATION_ORDER.index(AS(current))
    return APPLICATION_ORDER[position + 1] if position + 1 < len(APPLICATION_ORDER) else None


# --- Payments -------------------------------------------------------------------------------

PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PS.PLANNED: frozenset({PS.REQUESTED}),
    PS.REQUESTED: frozenset({PS.PLANNED, PS.PAID}),
    PS.PAID: frozenset(),
}
