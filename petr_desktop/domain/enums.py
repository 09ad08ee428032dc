"""Enumerations stored as text. Values are code (English); labels are the French UI words."""
from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A text enum whose members carry their French label."""

    @property
    def label(self) -> str:
        return LABELS[type(self)][self]

    @classmethod
    def parse(cls, value: str) -> "LabelledEnum":
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"valeur inconnue « {value} »") from None


class LegalForm(LabelledEnum):
    PETR = "petr"
    MIXED_SYNDICATE = "mixed_syndicate"
    ASSOCIATION = "association"
    GIP = "gip"


class OrganisationKind(LabelledEnum):
    STRUCTURE = "structure"
    REGION_SERVICE = "region_service"
    REGIONAL_OFFICE = "regional_office"
    PARTNER = "partner"


class AgreementStatus(LabelledEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ENDED = "ended"


class AidLineKind(LabelledEnum):
    CORE = "core"
    THEMATIC = "thematic"
    COLLECTIVE = "collective"


class PaymentKind(LabelledEnum):
    ADVANCE = "advance"
    BALANCE = "balance"


class PaymentStatus(LabelledEnum):
    PLANNED = "planned"
    REQUESTED = "requested"
    PAID = "paid"


class ApplicationStatus(LabelledEnum):
    RECEIVED = "received"
    COMPLETE = "complete"
    INSTRUCTED = "instructed"
    PRESENTED = "presented"
    VOTED = "voted"
    REJECTED = "rejected"


class MeetingKind(LabelledEnum):
    MANAGEMENT_DIALOGUE = "management_dialogue"
    DIRECTORS_NETWORK = "directors_network"
    COLLECTIVE_SESSION = "collective_session"
    CONFERENCE_DAY = "conference_day"
    OTHER = "other"


class MeetingStatus(LabelledEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class PlaceKind(LabelledEnum):
    ON_SITE = "on_site"
    REGIONAL_OFFICE = "regional_office"
    VIDEO = "video"


class AttendanceStatus(LabelledEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


class MinutesStatus(LabelledEnum):
    DRAFT = "draft"
    TO_VALIDATE = "to_validate"
    SIGNED = "signed"


class DecisionStatus(LabelledEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class ActionStatus(LabelledEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


class SheetKind(LabelledEnum):
    CORE_MISSIONS = "core_missions"
    THEMATIC = "thematic"
    COLLECTIVE = "collective"


class SheetStatus(LabelledEnum):
    DRAFT = "draft"
    RECEIVED = "received"
    REVIEWED_IN_DIALOGUE = "reviewed_in_dialogue"
    VALIDATED = "validated"
    ARCHIVED = "archived"


class Opinion(LabelledEnum):
    FAVOURABLE = "favourable"
    RESERVED = "reserved"
    UNFAVOURABLE = "unfavourable"


class AmendmentStatus(LabelledEnum):
    DRAFT = "draft"
    SIGNED = "signed"


LABELS: dict[type, dict[str, str]] = {
    LegalForm: {"petr": "PETR", "mixed_syndicate": "Syndicat mixte",
                "association": "Association", "gip": "GIP"},
    OrganisationKind: {"structure": "Pays / PETR", "region_service": "Service de la Région",
                       "regional_office": "Maison de Région", "partner": "Partenaire"},
    AgreementStatus: {"draft": "En préparation", "signed": "Signée", "ended": "Échue"},
    AidLineKind: {"core": "Socle forfaitaire", "thematic": "Thématique",
                  "collective": "Chantier collectif"},
    PaymentKind: {"advance": "Avance", "balance": "Solde"},
    PaymentStatus: {"planned": "Prévu", "requested": "Mis en paiement", "paid": "Versé"},
    ApplicationStatus: {"received": "Reçue", "complete": "Complète", "instructed": "Instruite",
                        "presented": "Présentée en CP", "voted": "Votée", "rejected": "Rejetée"},
    MeetingKind: {"management_dialogue": "Dialogue de gestion",
                  "directors_network": "Réseau des directeurs",
                  "collective_session": "Séance du chantier collectif",
                  "conference_day": "Journée-conférence", "other": "Autre réunion"},
    MeetingStatus: {"planned": "Prévue", "held": "Tenue", "cancelled": "Annulée"},
    PlaceKind: {"on_site": "Sur place", "regional_office": "Maison de Région", "video": "Visio"},
    AttendanceStatus: {"present": "Présent", "excused": "Excusé", "absent": "Absent"},
    MinutesStatus: {"draft": "Brouillon", "to_validate": "À valider", "signed": "Signé"},
    DecisionStatus: {"provisional": "Provisoire", "final": "Définitive"},
    ActionStatus: {"todo": "À faire", "in_progress": "En cours", "done": "Fait",
                   "abandoned": "Abandonnée"},
    SheetKind: {"core_missions": "Missions socle", "thematic": "Thématique",
                "collective": "Chantier collectif"},
    SheetStatus: {"draft": "Brouillon", "received": "Transmise par le PETR",
                  "reviewed_in_dialogue": "Examinée en dialogue",
                  "validated": "Validée (pièce pour solde)", "archived": "Archivée"},
    Opinion: {"favourable": "Favorable", "reserved": "Réservé", "unfavourable": "Défavorable"},
    AmendmentStatus: {"draft": "Brouillon", "signed": "Signé"},
}
