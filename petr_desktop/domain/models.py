"""SQLModel tables of the synced domain (DESIGN.md §3).

Every table here is *synced*: TEXT UUID primary key, ``created_at``, ``updated_at``
(local bookkeeping, not replicated), a ``deleted`` flag instead of hard deletes, no
UNIQUE business key and no foreign key to another synced table (a child may arrive
by sync before its parent: references are checked in the services).
Money is stored in integer cents, dates as ISO text ``YYYY-MM-DD``.
Long texts that must never be overwritten silently carry ``info={"merge": "keep_both"}``.
"""
from __future__ import annotations

from datetime import date, time
from typing import ClassVar, Optional

from pydantic import ConfigDict
from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from .ids import new_id, now_iso


def long_text() -> object:
    """A long free-text column: kept whole on concurrent edits (keep-both merge policy)."""
    return Field(default="", sa_type=Text, sa_column_kwargs={"info": {"merge": "keep_both"}})


def ref(**kw: object) -> object:
    """A reference to another synced row: indexed text id, no hard foreign key."""
    return Field(default=None, index=True, **kw)


class Synced(SQLModel):
    """Columns shared by every synced table."""

    #: Table rows are not validated on creation: building 34 validators at import would slow
    #: the start-up for nothing (~50 ms); pydantic builds one if ever asked.
    model_config = ConfigDict(defer_build=True)

    id: str = Field(default_factory=new_id, primary_key=True)
    created_at: str = Field(default_factory=now_iso)
    updated_at: str = Field(default_factory=now_iso)
    deleted: bool = Field(default=False)

    #: French name of the record kind, for messages.
    label: ClassVar[str] = "enregistrement"


# --- Reference data -------------------------------------------------------------------

class RegionalOffice(Synced, table=True):
    __tablename__ = "regional_office"
    label: ClassVar[str] = "Maison de Région"
    name: str = ""
    sites: str = ""                       # comma-separated towns
    departments: str = ""                 # comma-separated codes, e.g. "55,52"
    to_verify: str = ""                   # comma-separated field names flagged « à vérifier »
    notes: str = Field(default="", sa_type=Text)


class Structure(Synced, table=True):
    __tablename__ = "structure"
    label: ClassVar[str] = "structure"
    name: str = ""
    legal_form: str = "petr"
    seat_town: str = ""
    departments: str = ""                 # comma-separated codes
    siren: str = ""
    regional_office_id: Optional[str] = ref()
    rurality_class: str = ""
    president: str = ""
    director: str = ""
    active: bool = True
    to_verify: str = ""                   # comma-separated field names flagged « à vérifier »
    sources: str = Field(default="", sa_type=Text)
    notes: str = Field(default="", sa_type=Text)


class Person(Synced, table=True):
    __tablename__ = "person"
    label: ClassVar[str] = "contact"
    full_name: str = ""
    function: str = ""
    organisation_kind: str = "structure"
    organisation_name: str = ""
    structure_id: Optional[str] = ref()
    regional_office_id: Optional[str] = ref()
    email: str = ""
    phone: str = ""


# --- Money ----------------------------------------------------------------------------

class FrameworkAgreement(Synced, table=True):
    """Convention-cadre; singleton per structure and period (UUIDv5)."""

    __tablename__ = "framework_agreement"
    label: ClassVar[str] = "convention-cadre"
    structure_id: Optional[str] = ref()
    period_start: int = 2025
    period_end: int = 2027
    number: str = ""
    theme: str = ""
    signed_on: Optional[date] = None
    status: str = "draft"


class AnnualAgreement(Synced, table=True):
    """Convention financière annuelle; singleton per structure and year (UUIDv5)."""

    __tablename__ = "annual_agreement"
    label: ClassVar[str] = "convention financière annuelle"
    structure_id: Optional[str] = ref()
    framework_agreement_id: Optional[str] = ref()
    year: int = 2025
    number: str = ""
    cp_date: Optional[date] = None
    deliberation_no: str = ""
    status: str = "draft"


class AidLine(Synced, table=True):
    """Ligne d'aide; singleton per annual agreement and kind (UUIDv5)."""

    __tablename__ = "aid_line"
    label: ClassVar[str] = "ligne d'aide"
    annual_agreement_id: Optional[str] = ref()
    kind: str = "core"
    requested_cents: int = 0
    proposed_cents: int = 0
    voted_cents: int = 0


class Payment(Synced, table=True):
    __tablename__ = "payment"
    label: ClassVar[str] = "versement"
    annual_agreement_id: Optional[str] = ref()
    aid_line_id: Optional[str] = ref()
    kind: str = "advance"
    amount_cents: int = 0
    due_on: Optional[date] = None
    paid_on: Optional[date] = None
    status: str = "planned"
    reference: str = ""


class AidApplication(Synced, table=True):
    """Demande d'aide: received, checked complete, instructed, presented in CP, voted or rejected."""

    __tablename__ = "aid_application"
    label: ClassVar[str] = "demande d'aide"
    structure_id: Optional[str] = ref()
    year: int = 2025
    status: str = "received"
    submitted_on: Optional[date] = None
    requested_cents: int = 0
    portal_reference: str = ""
    notes: str = long_text()
    received_on: Optional[date] = None
    cp_date: Optional[date] = None
    deliberation_no: str = Field(default="", sa_column_kwargs={"server_default": ""})
    annual_agreement_id: Optional[str] = ref()


class ApplicationLine(Synced, table=True):
    """Amounts of one aid kind in an application; singleton per application and kind (UUIDv5)."""

    __tablename__ = "application_line"
    label: ClassVar[str] = "montant demandé"
    application_id: Optional[str] = ref()
    kind: str = "core"
    requested_cents: int = 0
    proposed_cents: int = 0
    modulation_percent: int = 100


class ApplicationDocument(Synced, table=True):
    """One required document of the completeness checklist."""

    __tablename__ = "application_document"
    label: ClassVar[str] = "pièce du dossier de demande"
    application_id: Optional[str] = ref()
    position: int = 0
    name: str = ""
    received: bool = False
    received_on: Optional[date] = None
    comment: str = ""


class Scheme(Synced, table=True):
    """Settings of the support scheme for a period; singleton per period start (UUIDv5).

    The official grid is not public: every number is a setting with a default, never a constant.
    JSON texts: ``core_modulation`` {rurality class: percent}, ``commission_dates`` [ISO dates],
    ``required_documents`` [names], ``aid_kinds`` [kinds].
    """

    __tablename__ = "scheme"
    label: ClassVar[str] = "paramètres du dispositif"
    period_start: int = 2025
    period_end: int = 2027
    aid_kinds: str = '["core", "thematic", "collective"]'
    core_base_cents: int = 3_000_000
    core_modulation: str = '{"A": 100, "B": 110, "C": 120}'
    thematic_cap_cents: int = 2_000_000
    collective_cap_cents: int = 1_000_000
    advance_percent: int = 50
    balance_percent: int = 50
    commission_dates: str = "[]"
    required_documents: str = ("[\"Lettre de demande signée\", \"Délibération de la structure\", "
                               "\"Budget prévisionnel\", \"Plan de financement\", \"RIB\"]")


# --- Meetings and minutes -------------------------------------------------------------

class Meeting(Synced, table=True):
    __tablename__ = "meeting"
    label: ClassVar[str] = "réunion"
    kind: str = "management_dialogue"
    title: str = ""
    structure_id: Optional[str] = ref()   # main structure (dialogues de gestion)
    meeting_date: Optional[date] = Field(default=None, index=True)
    start_time: Optional[time] = None
    end_time: Optional[time] = None
    place_kind: str = "on_site"
    place: str = ""
    status: str = "planned"


class MeetingStructure(Synced, table=True):
    """A further structure taking part in a meeting (network meetings, sessions)."""

    __tablename__ = "meeting_structure"
    meeting_id: Optional[str] = ref()
    structure_id: Optional[str] = ref()


class Attendance(Synced, table=True):
    __tablename__ = "attendance"
    label: ClassVar[str] = "participant"
    meeting_id: Optional[str] = ref()
    person_id: Optional[str] = ref()
    full_name: str = ""                   # snapshot, so the relevé stays readable
    function: str = ""
    organisation_name: str = ""
    status: str = "present"
    position: int = 0
    structure_id: Optional[str] = ref()   # the Pays/PETR represented (network meetings)


class AgendaItem(Synced, table=True):
    __tablename__ = "agenda_item"
    label: ClassVar[str] = "point de l'ordre du jour"
    meeting_id: Optional[str] = ref()
    position: int = 0
    title: str = ""
    notes: str = long_text()


class Minutes(Synced, table=True):
    """Relevé d'échange; singleton per meeting (UUIDv5)."""

    __tablename__ = "minutes"
    label: ClassVar[str] = "relevé d'échange"
    meeting_id: Optional[str] = ref()
    status: str = "draft"
    author: str = ""
    summary: str = long_text()
    vigilance_points: str = long_text()
    next_steps: str = long_text()
    next_meeting_on: Optional[date] = None
    written_on: Optional[date] = None
    validated_on: Optional[date] = None
    version: int = 1


class Decision(Synced, table=True):
    __tablename__ = "decision"
    label: ClassVar[str] = "décision"
    minutes_id: Optional[str] = ref()
    number: int = 0
    text: str = long_text()
    scope: str = ""
    status: str = "provisional"


class Action(Synced, table=True):
    __tablename__ = "action"
    label: ClassVar[str] = "action"
    minutes_id: Optional[str] = ref()
    structure_id: Optional[str] = ref()   # copied from the meeting, for the actions board
    decision_id: Optional[str] = ref()
    number: int = 0
    text: str = long_text()
    owner_person_id: Optional[str] = ref()
    owner_name: str = ""
    owner_organisation: str = ""
    due_on: Optional[date] = Field(default=None, index=True)
    status: str = "todo"
    follow_up_on: Optional[date] = None
    done_on: Optional[date] = None


class Speaker(Synced, table=True):
    """Intervenant of a network meeting (chantier collectif, journée-conférence)."""

    __tablename__ = "speaker"
    label: ClassVar[str] = "intervenant"
    meeting_id: Optional[str] = ref()
    position: int = 0
    full_name: str = ""
    organisation: str = ""
    topic: str = ""


class TeamMember(Synced, table=True):
    """Standing team of a structure, proposed as participants of its dialogues de gestion."""

    __tablename__ = "team_member"
    label: ClassVar[str] = "membre de l'équipe"
    structure_id: Optional[str] = ref()
    person_id: Optional[str] = ref()
    position: int = 0
    full_name: str = ""
    role: str = ""
    organisation: str = ""


class Practice(Synced, table=True):
    """Bonne pratique / retour d'expérience, tagged on a note, decision or sheet answer."""

    __tablename__ = "practice"
    label: ClassVar[str] = "bonne pratique"
    source_table: str = ""
    source_id: Optional[str] = ref()
    structure_id: Optional[str] = ref()
    year: int = 2025
    theme: str = ""
    title: str = ""
    note: str = long_text()


# --- Evaluation sheets ----------------------------------------------------------------

class EvaluationSheet(Synced, table=True):
    """Fiche évaluative; singleton per structure, year and kind (UUIDv5). Common block."""

    __tablename__ = "evaluation_sheet"
    label: ClassVar[str] = "fiche évaluative"
    structure_id: Optional[str] = ref()
    year: int = 2025
    kind: str = "core_missions"
    template_version: int = 1
    version: int = 1
    status: str = "draft"
    framework_agreement_no: str = ""
    annual_agreement_no: str = ""
    awarded_cents: int = 0
    advance_paid_cents: int = 0
    advance_paid_on: Optional[date] = None
    balance_requested_cents: int = 0
    petr_writer: str = ""
    petr_written_on: Optional[date] = None
    president_visa_on: Optional[date] = None
    president_visa: str = ""
    region_opinion: str = ""
    region_comment: str = long_text()
    regional_office_opinion: str = long_text()
    expert_opinion: str = long_text()
    proposed_balance_cents: int = 0
    reduction_cents: int = 0
    reduction_reason: str = long_text()
    opinion_on: Optional[date] = None


class SheetAnswer(Synced, table=True):
    """One answer of a template field; singleton per sheet and field key (UUIDv5).

    ``value`` holds the JSON text of the typed value (string, number, bool or null).
    """

    __tablename__ = "sheet_answer"
    sheet_id: Optional[str] = ref()
    field_key: str = ""
    value: str = Field(default="null", sa_type=Text, sa_column_kwargs={"info": {"merge": "keep_both"}})


class Indicator(Synced, table=True):
    __tablename__ = "indicator"
    label: ClassVar[str] = "indicateur"
    sheet_id: Optional[str] = ref()
    position: int = 0
    name: str = ""
    unit: str = ""
    target: Optional[float] = None
    actual: Optional[float] = None
    cumulative: Optional[float] = None
    source: str = ""
    comment: str = long_text()


class SheetPost(Synced, table=True):
    """Post and FTE (moyens humains), with its funding sources."""

    __tablename__ = "sheet_post"
    label: ClassVar[str] = "poste"
    sheet_id: Optional[str] = ref()
    position: int = 0
    title: str = ""
    holder: str = ""
    fte: float = 0.0
    start_on: Optional[date] = None
    end_on: Optional[date] = None
    vacant: bool = False
    funding: str = ""                     # comma-separated: region_core, region_thematic, leader, state, other


class SheetSession(Synced, table=True):
    """A session of the chantier collectif attended by someone of the structure."""

    __tablename__ = "sheet_session"
    label: ClassVar[str] = "séance"
    sheet_id: Optional[str] = ref()
    position: int = 0
    session_on: Optional[date] = None
    place: str = ""
    theme: str = ""
    organiser: str = ""
    attendee: str = ""
    attendee_function: str = ""
    elected: bool = False
    present: bool = True
    proof: str = ""


class DiversificationLead(Synced, table=True):
    __tablename__ = "diversification_lead"
    label: ClassVar[str] = "piste de diversification"
    sheet_id: Optional[str] = ref()
    position: int = 0
    lead: str = ""
    state: str = "identified"             # identified, studied, engaged, abandoned
    expected_cents: int = 0
    due_on: Optional[date] = None
    owner: str = ""


class SheetProject(Synced, table=True):
    """Project that emerged or was accompanied (effet levier)."""

    __tablename__ = "sheet_project"
    label: ClassVar[str] = "projet"
    sheet_id: Optional[str] = ref()
    position: int = 0
    title: str = ""
    project_owner: str = ""
    amount_cents: int = 0
    regional_funding: str = ""
    state: str = ""


class ActionPlanItem(Synced, table=True):
    """A line of a sheet's plan d'actions."""

    __tablename__ = "action_plan_item"
    label: ClassVar[str] = "action du plan"
    sheet_id: Optional[str] = ref()
    position: int = 0
    action: str = ""
    description: str = long_text()
    owner: str = ""
    partners: str = ""
    planned: str = ""
    actual: str = ""
    status: str = ""
    deliverable: str = ""


class SupportingDocument(Synced, table=True):
    """Pièce justificative: checklist item with an optional attachment."""

    __tablename__ = "supporting_document"
    label: ClassVar[str] = "pièce justificative"
    sheet_id: Optional[str] = ref()
    position: int = 0
    name: str = ""
    received: bool = False
    compliant: bool = False
    attachment_id: Optional[str] = ref()
    comment: str = ""


# --- Files, sign-offs, amendments -----------------------------------------------------

class Attachment(Synced, table=True):
    """Content-addressed file: the blob lives in the home's ``blobs/<sha256>``."""

    __tablename__ = "attachment"
    label: ClassVar[str] = "pièce jointe"
    sha256: str = Field(default="", index=True)
    file_name: str = ""
    mime_type: str = ""
    size: int = 0


class SignOff(Synced, table=True):
    """Validation, visa or signature that freezes a record."""

    __tablename__ = "sign_off"
    label: ClassVar[str] = "validation"
    record_table: str = ""
    record_id: Optional[str] = ref()
    signer_name: str = ""
    signer_role: str = ""
    signed_at: str = ""
    content_sha256: str = ""
    pdf_signature_ref: str = ""


class Amendment(Synced, table=True):
    """Rectificatif of a frozen record (``root_id``)."""

    __tablename__ = "amendment"
    label: ClassVar[str] = "rectificatif"
    root_table: str = ""
    root_id: Optional[str] = ref()
    number: int = 0
    reason: str = ""
    body: str = long_text()
    author: str = ""
    status: str = "draft"


SYNCED_MODELS: tuple[type[Synced], ...] = (
    RegionalOffice, Structure, Person,
    FrameworkAgreement, AnnualAgreement, AidLine, Payment, AidApplication, ApplicationLine,
    ApplicationDocument, Scheme,
    Meeting, MeetingStructure, Attendance, AgendaItem, Minutes, Decision, Action, Speaker, TeamMember,
    Practice,
    EvaluationSheet, SheetAnswer, Indicator, SheetPost, SheetSession, DiversificationLead,
    SheetProject, ActionPlanItem, SupportingDocument,
    Attachment, SignOff, Amendment,
)
SYNCED_TABLES: tuple[str, ...] = tuple(m.__tablename__ for m in SYNCED_MODELS)
MODEL_BY_TABLE: dict[str, type[Synced]] = {m.__tablename__: m for m in SYNCED_MODELS}

#: Columns that are local bookkeeping and never replicated.
LOCAL_COLUMNS = frozenset({"id", "updated_at"})
