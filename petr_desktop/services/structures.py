"""Structures (Pays/PETR) and regional offices: lists for the GUI and the CLI, edits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import LegalForm
from ..domain.models import RegionalOffice, Structure
from ..storage.fts import fold
from .errors import NotFoundError
from .records import apply_changes, load
from .uow import reading, transactional

#: French labels of the fields that can be flagged « à vérifier ».
VERIFIABLE_FIELDS = {"legal_form": "forme juridique", "seat_town": "siège",
                     "departments": "départements", "regional_office_id": "Maison de Région",
                     "name": "nom"}


@dataclass(frozen=True)
class StructureRow:
    id: str
    name: str
    legal_form: str
    legal_form_label: str
    seat_town: str
    departments: str
    regional_office: str
    to_verify: tuple[str, ...]

    @property
    def to_verify_labels(self) -> str:
        return ", ".join(VERIFIABLE_FIELDS.get(f, f) for f in self.to_verify)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "nom": self.name, "forme_juridique": self.legal_form_label,
                "siege": self.seat_town, "departements": self.departments.split(",") if self.departments else [],
                "maison_de_region": self.regional_office, "a_verifier": list(self.to_verify)}


def _flags(text: str) -> tuple[str, ...]:
    return tuple(f for f in text.split(",") if f)


@reading
def list_structures(session: Session, include_inactive: bool = True) -> list[StructureRow]:
    offices = {o.id: o.name for o in session.exec(select(RegionalOffice))}
    query = select(Structure).where(Structure.deleted == False)  # noqa: E712
    if not include_inactive:
        query = query.where(Structure.active == True)  # noqa: E712
    rows = [StructureRow(s.id, s.name, s.legal_form, LegalForm(s.legal_form).label, s.seat_town,
                         s.departments, offices.get(s.regional_office_id or "", ""), _flags(s.to_verify))
            for s in session.exec(query)]
    return sorted(rows, key=lambda r: _sort_key(r.name))


def _sort_key(name: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFKD", fold(name)).encode("ascii", "ignore").decode().lower()


@reading
def find_structure(session: Session, name: str) -> Structure:
    """A structure by name, accents and case optional; a unique prefix is enough."""
    wanted = _sort_key(name.strip())
    candidates = [s for s in session.exec(select(Structure).where(Structure.deleted == False))]  # noqa: E712
    exact = [s for s in candidates if _sort_key(s.name) == wanted]
    if exact:
        return exact[0]
    partial = [s for s in candidates if wanted and wanted in _sort_key(s.name)]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise NotFoundError(f"aucune structure ne correspond à « {name} »")
    names = ", ".join(sorted(s.name for s in partial))
    raise NotFoundError(f"plusieurs structures correspondent à « {name} » : {names}")


@transactional
def update_structure(session: Session, structure_id: str, **changes: Any) -> Structure:
    """Edit a structure; a flagged field that the user sets counts as verified."""
    row = load(session, Structure, structure_id)
    flags = [f for f in _flags(row.to_verify) if f not in changes]
    if "to_verify" not in changes:
        changes["to_verify"] = ",".join(flags)
    return apply_changes(session, row, changes)


@transactional
def flag_to_verify(session: Session, structure_id: str, field: str, flagged: bool = True) -> Structure:
    row = load(session, Structure, structure_id)
    flags = [f for f in _flags(row.to_verify) if f != field] + ([field] if flagged else [])
    return apply_changes(session, row, {"to_verify": ",".join(flags)})
