"""Reference data: the 12 Maisons de Région and the 30 Pays/PETR, loaded idempotently.

Ids are UUIDv5 of the names, so two laptops initialised separately agree on every id.
Values the source marks ``inferred`` (or « à vérifier ») are flagged in ``to_verify``
and stay editable; an existing row is never overwritten (the user may have corrected it).
"""
from __future__ import annotations

import json
import re
import unicodedata
from importlib import resources
from typing import Any

from sqlmodel import Session

from ..domain.enums import LegalForm
from ..domain.ids import singleton_id
from ..domain.models import RegionalOffice, Structure
from ..storage.database import raw_connection
from .records import insert
from .uow import transactional

REFERENCE_FILE = "referentiel_petr.json"
#: Reference rows carry the same creation stamp everywhere, so replicas agree byte for byte.
REFERENCE_CREATED_AT = "2025-01-01T00:00:00.000Z"


def read_reference() -> dict[str, Any]:
    text = resources.files("petr_desktop.resources").joinpath(REFERENCE_FILE).read_text("utf-8")
    return json.loads(text)


def office_id(name: str) -> str:
    return singleton_id("regional_office", name)


def structure_id(name: str) -> str:
    return singleton_id("structure", name)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _inferred(confidence: dict[str, str], key: str, raw: str = "") -> bool:
    return confidence.get(key, "").startswith("inferred") or "vérifier" in raw or "confirmer" in raw


def _head(text: str) -> str:
    """The value before any parenthesised remark: « Molsheim (à vérifier) » → « Molsheim »."""
    return text.split(" (", 1)[0].strip()


def _legal_form(raw: str) -> str:
    plain = _plain(raw)
    for form, marker in ((LegalForm.MIXED_SYNDICATE, "syndicat mixte"),
                         (LegalForm.ASSOCIATION, "association"), (LegalForm.GIP, "gip")):
        if plain.startswith(marker):
            return form.value
    return LegalForm.PETR.value


def match_office(offices: list[dict[str, Any]], text: str) -> str | None:
    """The office whose site (longest match first) is named in a structure's MR text."""
    plain = _plain(text)
    best: tuple[int, str] | None = None
    for office in offices:
        for site in office["sites"]:
            site_plain = _plain(site.rstrip("?"))
            if re.search(rf"\b{re.escape(site_plain)}\b", plain) and (best is None or len(site_plain) > best[0]):
                best = (len(site_plain), office["nom"])
    return best[1] if best else None


@transactional
def load_reference(session: Session) -> int:
    """Insert the missing reference rows. Returns the number of rows created."""
    data = read_reference()
    # One plain query instead of 42 ORM lookups: at start-up this runs on the GUI thread.
    existing = {row[0] for row in raw_connection(session).execute(
        f"SELECT id FROM {RegionalOffice.__tablename__} UNION ALL SELECT id FROM {Structure.__tablename__}")}
    created = 0
    for office in data["maisons_de_region"]:
        oid = office_id(office["nom"])
        if oid not in existing:
            flags = ["name"] if office["confiance"].startswith("inferred") else []
            insert(session, RegionalOffice, pk=oid, created_at=REFERENCE_CREATED_AT, name=office["nom"],
                   sites=", ".join(s.rstrip("?") for s in office["sites"]),
                   departments=",".join(office["departements_principaux"]),
                   to_verify=",".join(flags), notes=office["confiance"])
            created += 1
    for raw in data["structures"]:
        sid = structure_id(raw["nom"])
        if sid in existing:
            continue
        conf = raw["confiance"]
        flags = [field for field, key, text in (
            ("legal_form", "forme_juridique", raw["forme_juridique"]),
            ("seat_town", "siege", raw["siege"]),
            ("departments", "departements", ""),
            ("regional_office_id", "maison_de_region", raw["maison_de_region"]),
        ) if _inferred(conf, key, text)]
        office = match_office(data["maisons_de_region"], raw["maison_de_region"])
        remarks = [raw.get("note", "")]
        for label, text in (("Forme juridique", raw["forme_juridique"]), ("Siège", raw["siege"]),
                            ("Maison de Région", raw["maison_de_region"])):
            if "(" in text:
                remarks.append(f"{label} : {text}")
        insert(session, Structure, pk=sid, created_at=REFERENCE_CREATED_AT, name=raw["nom"],
               legal_form=_legal_form(raw["forme_juridique"]), seat_town=_head(raw["siege"]),
               departments=",".join(raw["departements"]),
               regional_office_id=office_id(office) if office else None,
               to_verify=",".join(flags), sources="\n".join(raw.get("sources", [])),
               notes="\n".join(r for r in remarks if r))
        created += 1
    return created
