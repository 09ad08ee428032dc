"""Export use cases: gather the content, build the file (PDF, Word, e-mail, Excel, zip), write it
atomically. Shared by the GUI and the CLI.

Every file goes through ``exports.files.atomic_write_bytes`` (temporary name in the destination
folder, fsync, rename): a full disk or a locked target becomes a ``ServiceError`` with a French
message, and no partial file is left. Export libraries are imported lazily.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from .. import __version__
from ..domain import rules
from ..domain.enums import (ActionStatus, AmendmentStatus, AttendanceStatus, DecisionStatus, MeetingKind,
                            MinutesStatus, SheetKind)
from ..domain.models import Meeting, Minutes, Person, SignOff, Structure, Synced
from ..domain.values import format_date
from . import meetings as meeting_service
from . import minutes as minutes_service
from .errors import InvalidValueError, NotFoundError, ServiceError, describe_os_error
from .profile import get_profile
from .records import load
from .sheets import list_sheets
from .structures import list_structures, sort_key
from .uow import reading

Report = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]


class ExportCancelled(ServiceError):
    """The user cancelled a long export; nothing was written."""

    def __init__(self) -> None:
        super().__init__("export annulé : aucun fichier n'a été écrit")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int
    #: Remarks for the user (participants without an e-mail address…), in French.
    notes: tuple[str, ...] = ()


# --- Identifiers given as a prefix --------------------------------------------------------------

#: French words of the records looked up by id: (« de la fiche évaluative », « aucune fiche évaluative »).
_WORDS: dict[str, tuple[str, str]] = {
    "evaluation_sheet": ("de la fiche évaluative", "aucune fiche évaluative"),
    "meeting": ("de la réunion", "aucune réunion"),
    "minutes": ("du relevé d'échange", "aucun relevé d'échange"),
    "structure": ("de la structure", "aucune structure"),
    "action": ("de l'action", "aucune action"),
}


@reading
def resolve_id(session: Session, model: type[Synced], text: str) -> str:
    """The id of the live record of ``model`` whose id starts with ``text`` (a unique prefix is enough)."""
    of_it, none = _WORDS.get(model.__tablename__, ("de l'enregistrement", "aucun enregistrement"))
    prefix = text.strip().lower()
    if not prefix:
        raise InvalidValueError(f"indiquez l'identifiant {of_it} (le début suffit)")
    matches = _matching(session, model, prefix)
    if not matches:
        raise NotFoundError(f"{none} ne correspond à l'identifiant « {text.strip()} »")
    return _single(matches, prefix)


def _matching(session: Session, model: type[Synced], prefix: str) -> list[str]:
    query = select(model.id).where(func.substr(model.id, 1, len(prefix)) == prefix,
                                   model.deleted == False)  # noqa: E712
    return list(session.exec(query.limit(50)))


def _single(matches: list[str], prefix: str) -> str:
    if len(matches) == 1 or prefix in matches:
        return prefix if prefix in matches else matches[0]
    raise InvalidValueError(f"plusieurs enregistrements commencent par « {prefix} » : précisez")


@reading
def resolve_minutes(session: Session, text: str) -> str:
    """A relevé given by (the start of) its own id or of its meeting's id."""
    prefix = text.strip().lower()
    if not prefix:
        raise InvalidValueError("indiquez l'identifiant du relevé ou de sa réunion (le début suffit)")
    found = _matching(session, Minutes, prefix)
    if found:
        return _single(found, prefix)
    meetings = _matching(session, Meeting, prefix)
    if not meetings:
        raise NotFoundError(f"aucun relevé d'échange ni aucune réunion ne correspond à l'identifiant "
                            f"« {text.strip()} »")
    meeting_id = _single(meetings, prefix)
    record = session.get(Minutes, minutes_service.minutes_id(meeting_id))
    if record is None or record.deleted:
        title = load(session, Meeting, meeting_id).title
        raise NotFoundError(f"la réunion « {title} » n'a pas encore de relevé d'échange")
    return record.id


# --- Writing files ------------------------------------------------------------------------------

def output_format(path: str | Path, allowed: tuple[str, ...]) -> str:
    """The format given by the file's extension (« pdf », « docx »…), or a French error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        wanted = ", ".join(f".{ext}" for ext in allowed)
        shown = f"« .{suffix} »" if suffix else "sans extension"
        raise InvalidValueError(f"format de fichier non pris en charge ({shown}) : choisissez {wanted}")
    return suffix


def check_target(path: str | Path) -> Path:
    """Refuse early (before any long work) a target that is a folder or whose folder does not exist."""
    target = Path(path)
    if target.is_dir():
        raise ServiceError(f"Export impossible : « {target} » est un dossier ; indiquez un nom de fichier")
    if not target.parent.is_dir():
        raise ServiceError(f"Export impossible : le dossier « {target.parent} » n'existe pas")
    return target


def write_file(path: str | Path, data: bytes, notes: tuple[str, ...] = ()) -> ExportResult:
    """Write atomically; a file-system failure becomes a French ServiceError and leaves no partial file."""
    from ..exports.files import atomic_write_bytes

    target = check_target(path)
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise ServiceError(f"Export impossible : {describe_os_error(exc)}") from exc
    return ExportResult(target, len(data), notes)


def _backend(module: str, name: str) -> Callable[..., Any]:
    """A function of an export module, imported only when needed; a missing part of the
    application becomes a French ServiceError instead of a traceback."""
    def missing(exc: Exception) -> ServiceError:
        return ServiceError(f"cette exportation n'est pas disponible dans cette version "
                            f"(petr_desktop.{module}.{name} absent)")

    try:
        function = getattr(importlib.import_module(f"petr_desktop.{module}"), name)
    except (ImportError, AttributeError) as exc:
        raise missing(exc) from exc

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ModuleNotFoundError as exc:
            if (exc.name or "").startswith("petr_desktop."):
                raise missing(exc) from exc
            raise

    return call


# --- The relevé: content, Word, e-mail ------------------------------------------------------------

def _meeting_facts(session: Session, meeting: Meeting) -> tuple[tuple[str, str], ...]:
    names = [s.name for s in (session.get(Structure, sid) for sid in
                              [meeting.structure_id, *meeting_service.meeting_structures(session, meeting.id)]
                              if sid) if s is not None]
    row = meeting_service.MeetingRow(meeting.id, meeting.kind, meeting.title, meeting.meeting_date,
                                     meeting.structure_id, "", meeting.status, meeting.start_time,
                                     meeting.end_time, meeting.place_kind, meeting.place)
    facts = [("Structures" if len(names) > 1 else "Structure", ", ".join(names) or "—"),
             ("Réunion", MeetingKind(meeting.kind).label),
             ("Date", format_date(meeting.meeting_date) or "non fixée")]
    if row.hours_label:
        facts.append(("Horaires", row.hours_label))
    if row.place_label:
        facts.append(("Lieu", row.place_label))
    return tuple(facts)


@reading
def minutes_document(session: Session, minutes_id: str):
    """The relevé worded in French for the Word export (``exports.word.MinutesDocument``)."""
    from ..exports import word

    record = load(session, Minutes, minutes_id)
    meeting = load(session, Meeting, record.meeting_id)
    people = meeting_service.participants(session, meeting.id)
    items = meeting_service.agenda(session, meeting.id)
    decisions = minutes_service.decisions(session, record.id)
    actions = minutes_service.actions_of(session, record.id)
    decision_labels = {d.id: rules.decision_label(d.number) for d in decisions}
    status = MinutesStatus(record.status)
    drafting = [("Rédaction", record.author or "—"), ("Rédigé le", format_date(record.written_on) or "—"),
                ("Version", str(record.version)), ("Statut", status.label)]
    if record.validated_on:
        drafting.append(("Validé le", format_date(record.validated_on)))
    offs = [o for o in session.exec(select(SignOff).where(SignOff.record_table == "minutes",
                                                          SignOff.record_id == record.id,
                                                          SignOff.deleted == False))]  # noqa: E712
    if offs:
        last = sorted(offs, key=lambda o: o.signed_at)[-1]
        drafting.append(("Signataire", ", ".join(p for p in (last.signer_name, last.signer_role) if p)))
        drafting.append(("Empreinte SHA-256", last.content_sha256))
    return word.MinutesDocument(
        title=f"Relevé d'échange — {meeting.title}", status=status.label,
        draft=status != MinutesStatus.SIGNED, facts=_meeting_facts(session, meeting),
        participants=tuple(word.ParticipantLine(a.full_name, a.function, a.organisation_name,
                                                AttendanceStatus(a.status).label) for a in people),
        agenda=tuple(word.AgendaLine(i.title, i.notes) for i in items),
        summary=record.summary,
        decisions=tuple(word.DecisionLine(rules.decision_label(d.number), d.text, d.scope,
                                          f"décision {DecisionStatus(d.status).label.lower()}")
                        for d in decisions),
        actions=tuple(word.ActionLine(rules.action_label(a.number), a.text,
                                      a.owner_name + (f" ({a.owner_organisation})" if a.owner_organisation else ""),
                                      format_date(a.due_on) or "—", ActionStatus(a.status).label,
                                      decision_labels.get(a.decision_id or "", ""))
                      for a in actions),
        vigilance=record.vigilance_points, next_steps=record.next_steps,
        next_meeting=format_date(record.next_meeting_on), drafting=tuple(drafting),
        amendments=tuple(word.AmendmentLine(f"Rectificatif n°{m.number}", AmendmentStatus(m.status).label,
                                            m.reason, m.body)
                         for m in minutes_service.amendments(session, record.id)),
        author=record.author)


def minutes_docx(db: Any, minutes_id: str) -> bytes:
    """The relevé as a Word document."""
    from ..exports.word import minutes_docx as render

    return render(minutes_document(db, minutes_id))


def minutes_file_name(title: str, extension: str) -> str:
    from ..exports.dossier_zip import safe_name

    return f"{safe_name(title)}.{extension}"


@dataclass(frozen=True)
class EmailDraft:
    data: bytes
    recipients: tuple[str, ...]
    #: Participants who have no e-mail address (so are not among the recipients).
    missing: tuple[str, ...]


@reading
def _email_content(session: Session, minutes_id: str) -> dict[str, Any]:
    from ..exports.email import Recipient

    record = load(session, Minutes, minutes_id)
    meeting = load(session, Meeting, record.meeting_id)
    recipients: list[Recipient] = []
    seen: set[str] = set()
    missing: list[str] = []
    for attendance in meeting_service.participants(session, meeting.id):
        person = session.get(Person, attendance.person_id) if attendance.person_id else None
        email = person.email.strip() if person is not None and not person.deleted else ""
        if not email:
            missing.append(attendance.full_name)
        elif email.lower() not in seen:
            seen.add(email.lower())
            recipients.append(Recipient(attendance.full_name or person.full_name, email))
    decisions = minutes_service.decisions(session, record.id)
    actions = minutes_service.actions_of(session, record.id)
    profile = get_profile(session)
    day = format_date(meeting.meeting_date)
    lines = ["Bonjour,", "",
             f"Veuillez trouver ci-joint le relevé d'échange de la réunion « {meeting.title} »"
             + (f" du {day}." if day else ".")]
    if record.status == MinutesStatus.SIGNED:
        lines.append(f"Ce relevé a été validé le {format_date(record.validated_on)}." if record.validated_on
                     else "Ce relevé a été validé.")
    else:
        lines.append("Ce relevé est soumis à votre relecture : merci de me faire part de vos remarques "
                     "éventuelles.")
    if decisions:
        lines += ["", "Décisions :"] + [f"  {rules.decision_label(d.number)} — {d.text}" for d in decisions]
    if actions:
        lines += ["", "Actions à suivre :"]
        for action in actions:
            details = [f"responsable : {action.owner_name}" if action.owner_name else "",
                       f"échéance : {format_date(action.due_on)}" if action.due_on else ""]
            extra = " — ".join(d for d in details if d)
            lines.append(f"  {rules.action_label(action.number)} — {action.text}" + (f" ({extra})" if extra else ""))
    if record.next_meeting_on:
        lines += ["", f"Prochaine échéance : {format_date(record.next_meeting_on)}."]
    lines += ["", "Cordialement,", ""]
    lines += [line for line in (profile.user_name, profile.user_role) if line.strip()]
    lines += ["Région Grand Est", ""]
    return {"title": meeting.title, "recipients": recipients, "missing": missing, "body": "\n".join(lines)}


def minutes_email(db: Any, minutes_id: str) -> EmailDraft:
    """An e-mail draft to the participants, with the relevé's PDF attached."""
    from ..exports.email import Attachment, draft_eml

    content = _email_content(db, minutes_id)
    pdf = _backend("exports.pdf", "minutes_pdf")(db, minutes_id)
    subject = f"Relevé d'échange — {content['title']}"
    data = draft_eml(subject, content["body"], content["recipients"],
                     [Attachment(minutes_file_name(subject, "pdf"), pdf)])
    return EmailDraft(data, tuple(r.email for r in content["recipients"]), tuple(content["missing"]))


def export_minutes(db: Any, minutes_id: str, path: str | Path) -> ExportResult:
    """The relevé as .pdf, .docx or .eml, chosen by the extension of ``path``."""
    kind = output_format(path, ("pdf", "docx", "eml"))
    check_target(path)
    if kind == "pdf":
        return write_file(path, _backend("exports.pdf", "minutes_pdf")(db, minutes_id))
    if kind == "docx":
        return write_file(path, minutes_docx(db, minutes_id))
    draft = minutes_email(db, minutes_id)
    notes = []
    if not draft.recipients:
        notes.append("aucun participant n'a d'adresse électronique : ajoutez les destinataires dans le brouillon")
    if draft.missing:
        notes.append("sans adresse électronique (à ajouter à la main) : " + ", ".join(draft.missing))
    return write_file(path, draft.data, tuple(notes))


# --- Other single-file exports -----------------------------------------------------------------

def export_sheet(db: Any, sheet_id: str, path: str | Path) -> ExportResult:
    output_format(path, ("pdf",))
    check_target(path)
    return write_file(path, _backend("exports.pdf", "sheet_pdf")(db, sheet_id))


def export_briefing(db: Any, meeting_id: str, path: str | Path) -> ExportResult:
    output_format(path, ("pdf",))
    check_target(path)
    return write_file(path, _backend("exports.pdf", "briefing_pdf")(db, meeting_id))


def export_commission(db: Any, year: int, path: str | Path) -> ExportResult:
    """The Commission report of a year, as .pdf or .xlsx."""
    kind = output_format(path, ("pdf", "xlsx"))
    check_target(path)
    if kind == "pdf":
        return write_file(path, _backend("exports.pdf", "commission_pdf")(db, year))
    return write_file(path, _backend("exports.excel", "commission_xlsx")(db, year))


def export_practices(db: Any, path: str | Path, theme: str | None = None, structure_id: str | None = None,
                     year: int | None = None, text: str | None = None) -> ExportResult:
    """The digest of good practices (filtered like the library), as .pdf."""
    output_format(path, ("pdf",))
    check_target(path)
    return write_file(path, _backend("exports.pdf.practices", "practices_pdf")(db, theme, structure_id, year, text))


def export_dashboard(db: Any, year: int, path: str | Path) -> ExportResult:
    """The Tableau de bord of a year, as .pdf (A4 landscape) or .xlsx."""
    kind = output_format(path, ("pdf", "xlsx"))
    check_target(path)
    if kind == "pdf":
        return write_file(path, _backend("exports.pdf.dashboard", "dashboard_pdf")(db, year))
    return write_file(path, _backend("exports.excel.dashboard", "dashboard_xlsx")(db, year))


def export_finance(db: Any, year: int, path: str | Path) -> ExportResult:
    """The « Suivi financier » of a year (per structure and aid line, and the applications), as .pdf
    (A4 landscape) or .xlsx."""
    kind = output_format(path, ("pdf", "xlsx"))
    check_target(path)
    if kind == "pdf":
        return write_file(path, _backend("exports.pdf.finance", "finance_pdf")(db, year))
    return write_file(path, _backend("exports.excel.finance_followup", "finance_followup_xlsx")(db, year))

def export_presentation(db: Any, year: int, path: str | Path) -> ExportResult:
    """The « support de présentation » of a year for the Commission (PowerPoint .pptx)."""
    output_format(path, ("pptx",))
    check_target(path)
    try:
        data = _backend("exports.pptx", "presentation_pptx")(db, year)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "pptx":
            raise
        raise ServiceError("le support de présentation demande le module python-pptx, absent de cette "
                           "installation") from exc
    return write_file(path, data)


def export_structure_pdf(db: Any, structure_id: str, path: str | Path) -> ExportResult:
    output_format(path, ("pdf",))
    check_target(path)
    return write_file(path, _backend("exports.pdf", "dossier_pdf")(db, structure_id))


# --- The dossier archive -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Part:
    name: str
    label: str
    #: Builds the file's bytes from the Database (after the read snapshot is closed).
    build: Callable[[Any], bytes]


#: Excel tables of the archive: file name, function of exports.excel, label.
EXCEL_TABLES = (("Finances.xlsx", "finance_xlsx", "tableau financier"),
                ("Actions.xlsx", "actions_xlsx", "tableau des actions"),
                ("Indicateurs.xlsx", "indicators_xlsx", "tableau des indicateurs"))


def _excel_filters_by_structure(function: Callable[..., Any]) -> bool:
    """Whether an Excel table can be limited to one structure (a ``structure_id`` parameter)."""
    import inspect

    return "structure_id" in inspect.signature(function).parameters


def _pdf(name: str, *args: Any) -> Callable[[Any], bytes]:
    return lambda db: _backend("exports.pdf", name)(db, *args)


def _excel(name: str, structure_id: str | None) -> Callable[[Any], bytes]:
    def build(db: Any) -> bytes:
        function = _backend("exports.excel", name)
        return function(db, structure_id=structure_id) if structure_id else function(db)
    return build


@reading
def _dossier_parts(session: Session, structure_ids: list[str], folders: bool) -> tuple[list[str], list[_Part], bool]:
    """What goes into the archive, in order: the structures' names, the files to build, and whether
    the Excel tables are per structure (else one set for every structure, at the root)."""
    from ..exports.dossier_zip import safe_name

    tables = [(file_name, _backend("exports.excel", function), function, label)
              for file_name, function, label in EXCEL_TABLES]
    per_structure = all(_excel_filters_by_structure(fn) for _, fn, _, _ in tables)
    names: list[str] = []
    parts: list[_Part] = []
    for sid in structure_ids:
        structure = load(session, Structure, sid)
        names.append(structure.name)
        root = f"{safe_name(structure.name)}/" if folders else ""
        parts.append(_Part(f"{root}Dossier — {safe_name(structure.name)}.pdf", f"{structure.name} : dossier",
                           _pdf("dossier_pdf", sid)))
        for sheet in list_sheets(session, structure_id=sid):
            label = f"Fiche {SheetKind(sheet.kind).label} {sheet.year}"
            parts.append(_Part(f"{root}Fiches/{safe_name(label)}.pdf", f"{structure.name} : {label.lower()}",
                               _pdf("sheet_pdf", sheet.id)))
        for meeting in meeting_service.list_meetings(session, structure_id=sid):
            record = session.get(Minutes, minutes_service.minutes_id(meeting.id))
            if record is None or record.deleted:
                continue
            day = meeting.meeting_date.isoformat() if meeting.meeting_date else "sans date"
            parts.append(_Part(f"{root}Relevés/{day} {safe_name(meeting.title, 90)}.pdf",
                               f"{structure.name} : relevé du {format_date(meeting.meeting_date) or 'jour non fixé'}",
                               _pdf("minutes_pdf", record.id)))
        if per_structure:
            parts.extend(_Part(f"{root}Tableaux/{file_name}", f"{structure.name} : {label}", _excel(function, sid))
                         for file_name, _, function, label in tables)
    if not per_structure:
        parts.extend(_Part(f"Tableaux/{file_name}", f"{label} (toutes les structures)", _excel(function, None))
                     for file_name, _, function, label in tables)
    return names, parts, per_structure


def export_dossier(db: Any, path: str | Path, structure_ids: list[str] | None = None,
                   report: Report | None = None, cancelled: CancelCheck | None = None) -> ExportResult:
    """One zip: the structure's dossier PDF, each sheet's and relevé's PDF, its Excel tables,
    ``manifest.json`` (size and SHA-256 of every file) and ``LISEZMOI.txt``.

    ``structure_ids`` None means every structure (one folder each). ``report(done, total, text)``
    tells the progress; ``cancelled()`` returning True stops the export (``ExportCancelled``),
    and nothing is written.
    """
    from ..exports.dossier_zip import ZipItem, build_zip, readme_text

    output_format(path, ("zip",))
    check_target(path)
    everything = structure_ids is None
    if everything:
        structure_ids = [row.id for row in list_structures(db)]
    if not structure_ids:
        raise InvalidValueError("aucune structure à exporter")
    names, parts, per_structure = _dossier_parts(db, structure_ids, folders=len(structure_ids) > 1)
    total = len(parts) + 1
    items = []
    for done, part in enumerate(parts):
        if cancelled is not None and cancelled():
            raise ExportCancelled()
        if report is not None:
            report(done, total, f"{done + 1} / {len(parts)} — {part.label}")
        items.append(ZipItem(part.name, part.build(db)))
    if cancelled is not None and cancelled():
        raise ExportCancelled()
    if report is not None:
        report(len(parts), total, "Écriture de l'archive")
    now = datetime.now().astimezone()
    title = ("Dossiers des structures" if len(names) > 1 else f"Dossier — {names[0]}")
    where = "<structure>/" if len(names) > 1 else ""
    dossier = f"{where}Dossier — <structure>.pdf" if len(names) > 1 else f"Dossier — {names[0]}.pdf"
    contents = [f"{dossier} : identité, conventions, financements, fiches, relevés et actions en cours",
                f"{where}Fiches/ : chaque fiche évaluative en PDF",
                f"{where}Relevés/ : chaque relevé d'échange en PDF",
                (f"{where}Tableaux/ : finances, actions et indicateurs de la structure (Excel)" if per_structure
                 else "Tableaux/ : finances, actions et indicateurs (Excel) ; ces tableaux couvrent toutes "
                      "les structures")]
    readme = readme_text(title, sorted(names, key=sort_key), now, __version__, contents)
    result = write_file(path, build_zip(items, readme, __version__, now))
    if report is not None:
        report(total, total, "Archive écrite")
    return result


# --- Signature, verification, sheet workbooks ---------------------------------------------------

def export_signed_minutes(db: Any, minutes_id: str, path: str | Path, p12_path: str | Path | None = None,
                          passphrase: str | None = None) -> ExportResult:
    """The signed PDF of a relevé (PAdES signature with the user's certificate, or the app's own)."""
    output_format(path, ("pdf",))
    check_target(path)
    sign = _backend("services.signatures", "signed_minutes_pdf")
    return write_file(path, sign(db, minutes_id, p12_path=p12_path, passphrase=passphrase))


def verify_pdf(db: Any, path: str | Path):
    """Check the signature of a PDF (``VerifyReport``: ``ok`` and French ``lines``)."""
    return _backend("services.signatures", "verify_file")(db, Path(path))


def export_sheet_template(db: Any, structure_id: str, year: int, kind: str, path: str | Path) -> ExportResult:
    """The pre-filled Excel workbook of a sheet, for the structure to fill in."""
    output_format(path, ("xlsx",))
    check_target(path)
    return write_file(path, _backend("exports.excel", "sheet_template_xlsx")(db, structure_id, year, kind))


def import_sheet(db: Any, path: str | Path):
    """Import a filled sheet workbook: every problem reported, nothing applied unless all is valid."""
    output_format(path, ("xlsx",))
    data = Path(path).read_bytes()
    return _backend("services.spreadsheets", "import_sheet_workbook")(db, data)
