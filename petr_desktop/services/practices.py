"""Bonnes pratiques / retours d'expérience: tagged on the notes of an agenda item, a decision or a
sheet answer, filtered into a library, and gathered into a digest to share with the network.

The structure and the year of a practice come from its source (the meeting's main structure and
date; the sheet's structure and year). Tagging never edits the source: a signed relevé or a
validated sheet can be tagged too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from sqlmodel import Session, select

from ..domain import rules
from ..domain.canonical import content_sha256
from ..domain.enums import SheetKind
from ..domain.forms import TemplateError
from ..domain.ids import now_iso
from ..domain.models import (AgendaItem, Decision, EvaluationSheet, Meeting, Minutes, Practice, SheetAnswer,
                             Structure)
from ..domain.values import format_date
from . import sheets as sheet_service
from .errors import InvalidValueError, ServiceError
from .records import apply_changes, insert, load
from .structures import sort_key
from .uow import reading, transactional

#: Sources a practice may be tagged on, with their French names.
SOURCES = {"agenda_item": "Notes de réunion", "decision": "Décision", "sheet_answer": "Réponse de fiche"}
#: Why an empty source cannot be tagged.
EMPTY_SOURCE = {"agenda_item": "ce point n'a pas encore de notes : écrivez-les avant de les marquer comme bonne "
                               "pratique",
                "sheet_answer": "cette réponse de la fiche est vide : rien à marquer comme bonne pratique"}
#: Length of the source's text quoted in lists and in the digest.
EXCERPT_CHARS = 600


@lru_cache(maxsize=1)
def default_themes() -> tuple[str, ...]:
    """The suggested themes (``resources/practice_themes.json``)."""
    text = resources.files("petr_desktop.resources").joinpath("practice_themes.json").read_text("utf-8")
    return tuple(json.loads(text)["themes"])


@reading
def themes(session: Session) -> list[str]:
    """The suggested themes, then those typed by users, without duplicates (case and accents ignored)."""
    result: dict[str, str] = {sort_key(t): t for t in default_themes()}
    for theme in session.exec(select(Practice.theme).where(Practice.deleted == False)):  # noqa: E712
        if theme.strip():
            result.setdefault(sort_key(theme.strip()), theme.strip())
    return list(result.values())


def clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Source:
    """Where a practice comes from, in French, and what to open to see it."""

    table: str
    id: str
    structure_id: str | None
    year: int
    label: str
    text: str
    #: The record to open: ("meeting", id) or ("sheet", id).
    open_kind: str
    open_id: str


def _meeting_source(session: Session, meeting: Meeting, label: str, text: str, table: str, row_id: str) -> Source:
    year = meeting.meeting_date.year if meeting.meeting_date else date.today().year
    day = format_date(meeting.meeting_date)
    where = f"{meeting.title} ({day})" if day else meeting.title
    return Source(table, row_id, meeting.structure_id, year, f"{label} — {where}", text, "meeting", meeting.id)


def describe_source(session: Session, table: str, source_id: str) -> Source:
    """The source of a practice; a missing or deleted one is refused in French."""
    if table == "agenda_item":
        item = load(session, AgendaItem, source_id)
        meeting = load(session, Meeting, item.meeting_id)
        return _meeting_source(session, meeting, f"Point {item.position} « {item.title} »", item.notes, table,
                               item.id)
    if table == "decision":
        decision = load(session, Decision, source_id)
        minutes = load(session, Minutes, decision.minutes_id)
        meeting = load(session, Meeting, minutes.meeting_id)
        return _meeting_source(session, meeting, f"Décision {rules.decision_label(decision.number)}", decision.text,
                               table, decision.id)
    if table == "sheet_answer":
        answer = load(session, SheetAnswer, source_id)
        sheet = load(session, EvaluationSheet, answer.sheet_id)
        try:
            form_field = sheet_service.load_template(sheet.kind, sheet.year).field(answer.field_key)
            label, value = form_field.label, sheet_service.format_value(form_field, json.loads(answer.value))
        except (TemplateError, ValueError):
            label, value = answer.field_key, str(json.loads(answer.value) or "")
        return Source(table, answer.id, sheet.structure_id, sheet.year,
                      f"Fiche « {SheetKind(sheet.kind).label} » {sheet.year} — « {label} »", value, "sheet", sheet.id)
    raise InvalidValueError(f"on ne marque comme bonne pratique que des notes, des décisions ou des réponses de "
                            f"fiche (source inconnue : « {table} »)")


@reading
def source_of(session: Session, table: str, source_id: str) -> Source:
    """The source a practice would be tagged on (label, text), read in its own snapshot."""
    return describe_source(session, table, source_id)


def _checked(theme: str, title: str) -> tuple[str, str]:
    theme, title = theme.strip(), title.strip()
    if not theme:
        raise InvalidValueError("choisissez ou saisissez la thématique de la bonne pratique")
    if not title:
        raise InvalidValueError("donnez un titre à la bonne pratique")
    return theme, title


@transactional
def tag_practice(session: Session, source_table: str, source_id: str, theme: str, title: str,
                 note: str = "") -> Practice:
    """Mark a note, a decision or a sheet answer as a good practice (structure and year from the source)."""
    theme, title = _checked(theme, title)
    source = describe_source(session, source_table, source_id)
    if not source.text.strip():
        raise InvalidValueError(EMPTY_SOURCE.get(source_table, "la source est vide : rien à marquer comme bonne "
                                                               "pratique"))
    return insert(session, Practice, source_table=source_table, source_id=source_id,
                  structure_id=source.structure_id, year=source.year, theme=theme, title=title, note=note.strip())


@transactional
def update_practice(session: Session, practice_id: str, theme: str, title: str, note: str = "") -> Practice:
    theme, title = _checked(theme, title)
    return apply_changes(session, load(session, Practice, practice_id),
                         {"theme": theme, "title": title, "note": note.strip()})


@transactional
def remove_practice(session: Session, practice_id: str) -> Practice:
    """Take a practice out of the library (soft delete; its source is untouched)."""
    row = load(session, Practice, practice_id)
    row.deleted = True
    row.updated_at = now_iso()
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class PracticeRow:
    id: str
    theme: str
    title: str
    note: str
    structure_id: str | None
    structure_name: str
    year: int
    source_table: str
    source_label: str
    source_text: str
    open_kind: str = ""
    open_id: str = ""

    @property
    def source_kind(self) -> str:
        return SOURCES.get(self.source_table, self.source_table)

    @property
    def excerpt(self) -> str:
        return clip(self.source_text)


#: Structure name of a practice tagged on a network meeting (no main structure).
NETWORK = "Réseau (plusieurs structures)"


def _row(session: Session, practice: Practice, names: dict[str, str]) -> PracticeRow:
    try:
        source = describe_source(session, practice.source_table, practice.source_id or "")
        label, text, kind, target = source.label, source.text, source.open_kind, source.open_id
    except ServiceError:       # the source was deleted since: the practice stays readable
        label, text, kind, target = "Source supprimée", "", "", ""
    name = names.get(practice.structure_id or "", "") if practice.structure_id else NETWORK
    return PracticeRow(practice.id, practice.theme, practice.title, practice.note, practice.structure_id, name,
                       practice.year, practice.source_table, label, text, kind, target)


def _matches(row: PracticeRow, words: list[str]) -> bool:
    haystack = sort_key(" ".join((row.theme, row.title, row.note, row.structure_name, row.source_label,
                                  row.source_text)))
    return all(word in haystack for word in words)


@reading
def list_practices(session: Session, theme: str | None = None, structure_id: str | None = None,
                   year: int | None = None, text: str | None = None) -> list[PracticeRow]:
    """The practices, filtered (theme ignoring case and accents; every word of ``text`` anywhere),
    by theme, then latest year, structure and title."""
    query = select(Practice).where(Practice.deleted == False)  # noqa: E712
    if structure_id:
        query = query.where(Practice.structure_id == structure_id)
    if year:
        query = query.where(Practice.year == year)
    names = {s.id: s.name for s in session.exec(select(Structure))}
    wanted = sort_key(theme.strip()) if theme and theme.strip() else None
    words = sort_key(text or "").split()
    rows = [_row(session, p, names) for p in session.exec(query)
            if wanted is None or sort_key(p.theme) == wanted]
    rows = [r for r in rows if not words or _matches(r, words)]
    return sorted(rows, key=lambda r: (sort_key(r.theme), -r.year, sort_key(r.structure_name), sort_key(r.title)))


@reading
def practice_years(session: Session) -> list[int]:
    """The years that have practices, latest first."""
    years = session.exec(select(Practice.year).where(Practice.deleted == False).distinct())  # noqa: E712
    return sorted(set(years), reverse=True)


@reading
def practices_of(session: Session, source_table: str, source_id: str) -> list[PracticeRow]:
    """The practices tagged on one source."""
    names = {s.id: s.name for s in session.exec(select(Structure))}
    query = select(Practice).where(Practice.source_table == source_table, Practice.source_id == source_id,
                                   Practice.deleted == False)  # noqa: E712
    return [_row(session, p, names) for p in session.exec(query)]


# --- The digest (recueil) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PracticeDigest:
    """What the digest shows, grouped by theme, with the hash of its content."""

    title: str
    scope: str
    groups: tuple[tuple[str, tuple[PracticeRow, ...]], ...]
    today: date
    content_sha256: str

    @property
    def count(self) -> int:
        return sum(len(rows) for _theme, rows in self.groups)


def scope_label(session: Session, theme: str | None, structure_id: str | None, year: int | None,
                text: str | None) -> str:
    """The filters in French: « Thématique : Mobilité · Pays de Langres · 2026 »."""
    parts = [f"Thématique : {theme.strip()}" if theme and theme.strip() else "Toutes les thématiques",
             load(session, Structure, structure_id).name if structure_id else "toutes les structures",
             f"année {year}" if year else "toutes les années"]
    if text and text.strip():
        parts.append(f"recherche « {text.strip()} »")
    return " · ".join(parts)


@reading
def digest_document(session: Session, theme: str | None = None, structure_id: str | None = None,
                    year: int | None = None, text: str | None = None, today: date | None = None) -> PracticeDigest:
    """The digest of the practices that match the filters, grouped by theme."""
    rows = list_practices(session, theme, structure_id, year, text)
    groups: dict[str, list[PracticeRow]] = {}
    for row in rows:
        groups.setdefault(row.theme, []).append(row)
    scope = scope_label(session, theme, structure_id, year, text)
    content = {"scope": scope, "practices": [
        {"id": r.id, "theme": r.theme, "title": r.title, "note": r.note, "structure": r.structure_name,
         "year": r.year, "source": r.source_label, "excerpt": r.excerpt} for r in rows]}
    return PracticeDigest("Recueil des bonnes pratiques et retours d'expérience", scope,
                          tuple((t, tuple(rs)) for t, rs in groups.items()), today or date.today(),
                          content_sha256(content))
