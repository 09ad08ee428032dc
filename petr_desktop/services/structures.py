"""Structures (Pays/PETR) and regional offices: lists for the GUI and the CLI, edits,
and the contacts (Person rows) of a structure."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import LegalForm, OrganisationKind
from ..domain.models import Person, RegionalOffice, Structure
from ..storage.fts import fold
from .errors import InvalidValueError, NotFoundError
from .records import apply_changes, delete, insert, load
from .uow import reading, transactional

#: French labels of the fields that can be flagged « à vérifier » (the identity of a structure).
VERIFIABLE_FIELDS = {"legal_form": "forme juridique", "seat_town": "siège",
                     "departments": "départements", "regional_office_id": "Maison de Région",
                     "name": "nom", "siren": "SIREN", "rurality_class": "classe de ruralité",
                     "president": "président·e", "director": "directeur·rice", "active": "structure active"}


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
    return sorted(rows, key=lambda r: sort_key(r.name))


def sort_key(name: str) -> str:
    """French, accent- and case-insensitive order of names."""
    return unicodedata.normalize("NFKD", fold(name)).encode("ascii", "ignore").decode().lower()


@reading
def find_structure(session: Session, name: str) -> Structure:
    """A structure by name, accents and case optional; a unique prefix is enough."""
    wanted = sort_key(name.strip())
    candidates = [s for s in session.exec(select(Structure).where(Structure.deleted == False))]  # noqa: E712
    exact = [s for s in candidates if sort_key(s.name) == wanted]
    if exact:
        return exact[0]
    partial = [s for s in candidates if wanted and wanted in sort_key(s.name)]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise NotFoundError(f"aucune structure ne correspond à « {name} »")
    names = ", ".join(sorted(s.name for s in partial))
    raise NotFoundError(f"plusieurs structures correspondent à « {name} » : {names}")


_SEPARATORS = re.compile(r"[\s\u00a0\u202f.]")
_DEPARTMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")


def normalise_siren(text: str) -> str:
    """« 200 012 345 » → « 200012345 »; empty stays empty; anything else than 9 digits is refused."""
    digits = _SEPARATORS.sub("", text or "")
    if digits and not re.fullmatch(r"\d{9}", digits):
        raise InvalidValueError(f"SIREN invalide : « {text.strip()} » — il compte 9 chiffres "
                                "(exemple : 200 012 345)")
    return digits


def normalise_departments(text: str) -> str:
    """« 88, 54 » or « 88 54 » → « 88,54 » (codes checked, duplicates dropped)."""
    codes: list[str] = []
    for code in re.split(r"[,;/\s]+", (text or "").upper()):
        if not code:
            continue
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        if not _DEPARTMENT.match(code):
            raise InvalidValueError(f"département invalide : « {code} » (exemple : 88, 54)")
        if code not in codes:
            codes.append(code)
    return ",".join(codes)


def _checked_identity(changes: dict[str, Any]) -> dict[str, Any]:
    checked = dict(changes)
    for name in ("name", "seat_town", "rurality_class", "president", "director"):
        if isinstance(checked.get(name), str):
            checked[name] = checked[name].strip()
    if "name" in checked and not checked["name"]:
        raise InvalidValueError("le nom de la structure ne peut pas être vide")
    if "siren" in checked:
        checked["siren"] = normalise_siren(checked["siren"] or "")
    if "departments" in checked:
        checked["departments"] = normalise_departments(checked["departments"] or "")
    if checked.get("regional_office_id") == "":
        checked["regional_office_id"] = None
    return checked


@transactional
def update_structure(session: Session, structure_id: str, **changes: Any) -> Structure:
    """Edit a structure; a flagged field that the user sets counts as verified.

    The SIREN (9 digits) and the départements (codes) are checked and normalised.
    """
    changes = _checked_identity(changes)
    row = load(session, Structure, structure_id)
    flags = [f for f in _flags(row.to_verify) if f not in changes]
    if "to_verify" not in changes:
        changes["to_verify"] = ",".join(flags)
    return apply_changes(session, row, changes)


@transactional
def flag_to_verify(session: Session, structure_id: str, field: str, flagged: bool = True) -> Structure:
    """Mark a field « à vérifier » (or as verified, with ``flagged=False``) without changing its value."""
    if field not in VERIFIABLE_FIELDS:
        raise InvalidValueError(f"champ inconnu « {field} » : il ne peut pas être marqué « à vérifier »")
    row = load(session, Structure, structure_id)
    flags = [f for f in _flags(row.to_verify) if f != field] + ([field] if flagged else [])
    return apply_changes(session, row, {"to_verify": ",".join(flags)})


@reading
def list_offices(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the live Maisons de Région, in French order."""
    offices = session.exec(select(RegionalOffice.id, RegionalOffice.name)
                           .where(RegionalOffice.deleted == False)).all()  # noqa: E712
    return sorted(((oid, name) for oid, name in offices), key=lambda o: sort_key(o[1]))


# --- Contacts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactRow:
    id: str
    full_name: str
    function: str
    email: str
    phone: str


_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s.()\-]{6,20}$")


def _checked_contact(values: dict[str, Any]) -> dict[str, Any]:
    checked = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if "full_name" in checked and not checked["full_name"]:
        raise InvalidValueError("le nom du contact est obligatoire")
    email = checked.get("email")
    if email and not _EMAIL.match(email):
        raise InvalidValueError(f"adresse e-mail invalide : « {email} » (exemple : prenom.nom@petr-exemple.fr)")
    phone = checked.get("phone")
    if phone and not _PHONE.match(phone):
        raise InvalidValueError(f"numéro de téléphone invalide : « {phone} » (exemple : 03 88 00 00 00)")
    return checked


def contact_row(person: Person) -> ContactRow:
    return ContactRow(person.id, person.full_name, person.function, person.email, person.phone)


@reading
def list_contacts(session: Session, structure_id: str) -> list[ContactRow]:
    people = session.exec(select(Person).where(Person.structure_id == structure_id,
                                               Person.deleted == False))  # noqa: E712
    return sorted((contact_row(p) for p in people), key=lambda c: sort_key(c.full_name))


@transactional
def add_contact(session: Session, structure_id: str, full_name: str, function: str = "", email: str = "",
                phone: str = "") -> ContactRow:
    """A professional contact of the structure (GDPR: name, function, e-mail, phone only)."""
    structure = load(session, Structure, structure_id)
    values = _checked_contact({"full_name": full_name, "function": function, "email": email, "phone": phone})
    person = insert(session, Person, organisation_kind=OrganisationKind.STRUCTURE.value,
                    organisation_name=structure.name, structure_id=structure_id, **values)
    return contact_row(person)


@transactional
def update_contact(session: Session, person_id: str, **changes: Any) -> ContactRow:
    person = load(session, Person, person_id)
    unknown = set(changes) - {"full_name", "function", "email", "phone"}
    if unknown:
        raise InvalidValueError(f"champ inconnu pour un contact : {', '.join(sorted(unknown))}")
    return contact_row(apply_changes(session, person, _checked_contact(changes)))


@transactional
def delete_contact(session: Session, person_id: str) -> None:
    """Soft delete: meetings keep the name they recorded (attendance snapshots)."""
    delete(session, Person, person_id)
