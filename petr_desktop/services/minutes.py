"""Minutes (relevé d'échange): content, numbered decisions and actions, workflow, sign-off,
amendments, and the actions board."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.canonical import content_sha256
from ..domain.enums import ActionStatus, AmendmentStatus, MinutesStatus
from ..domain.ids import now_iso, singleton_id
from ..domain.models import (Action, AgendaItem, Amendment, Attendance, Decision, Meeting, Minutes,
                             SignOff, Structure)
from .errors import FrozenRecordError, TransitionError
from .records import apply_changes, get_or_create, insert, load, refuse_open_conflicts
from .uow import reading, transactional


def minutes_id(meeting_id: str) -> str:
    return singleton_id("minutes", meeting_id)


@transactional
def open_minutes(session: Session, meeting_id: str, author: str = "") -> Minutes:
    """The minutes of a meeting, created on first opening (one per meeting, UUIDv5)."""
    load(session, Meeting, meeting_id)
    return get_or_create(session, Minutes, minutes_id(meeting_id), meeting_id=meeting_id, author=author,
                         written_on=date.today())


def _numbers(session: Session, model: type[Decision] | type[Action], minutes: str) -> list[int]:
    return list(session.exec(select(model.number).where(model.minutes_id == minutes)))


@transactional
def add_decision(session: Session, minutes: str, text: str, scope: str = "",
                 status: str = "provisional") -> Decision:
    load(session, Minutes, minutes)
    number = rules.next_number(_numbers(session, Decision, minutes))
    return insert(session, Decision, minutes_id=minutes, number=number, text=text, scope=scope, status=status)


@transactional
def add_action(session: Session, minutes: str, text: str, owner_name: str = "",
               owner_organisation: str = "", due_on: date | str | None = None,
               decision_id: str | None = None, owner_person_id: str | None = None) -> Action:
    record = load(session, Minutes, minutes)
    meeting = load(session, Meeting, record.meeting_id)
    number = rules.next_number(_numbers(session, Action, minutes))
    return insert(session, Action, minutes_id=minutes, structure_id=meeting.structure_id, number=number,
                  text=text, owner_name=owner_name, owner_organisation=owner_organisation, due_on=due_on,
                  decision_id=decision_id, owner_person_id=owner_person_id)


@transactional
def set_action_status(session: Session, action_id: str, status: str) -> Action:
    """Follow-up of an action: allowed even when its minutes are signed.

    « Fait » records the completion date; leaving « Fait » clears it.
    """
    ActionStatus.parse(status)
    changes: dict[str, Any] = {"status": status, "done_on": date.today() if status == ActionStatus.DONE else None}
    return apply_changes(session, load(session, Action, action_id), changes)


def _transition(session: Session, record: Minutes, target: str, **extra: Any) -> Minutes:
    if not rules.can_transition(rules.MINUTES_TRANSITIONS, record.status, target):
        raise TransitionError(f"un relevé « {MinutesStatus(record.status).label} » ne peut pas passer "
                              f"à « {MinutesStatus(target).label} »")
    return apply_changes(session, record, {"status": target, **extra}, workflow=True)


@transactional
def submit_for_validation(session: Session, minutes: str) -> Minutes:
    return _transition(session, load(session, Minutes, minutes), MinutesStatus.TO_VALIDATE)


@transactional
def back_to_draft(session: Session, minutes: str) -> Minutes:
    return _transition(session, load(session, Minutes, minutes), MinutesStatus.DRAFT)


def _live(session: Session, model, **where: Any) -> list:
    query = select(model).where(model.deleted == False)  # noqa: E712
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(session.exec(query))


def canonical_content(session: Session, minutes: str) -> dict[str, Any]:
    """What a signature covers: the minutes and everything they show, without local stamps."""
    def plain(row) -> dict[str, Any]:
        return row.model_dump(exclude={"updated_at", "created_at", "deleted"})

    record = load(session, Minutes, minutes)
    meeting = load(session, Meeting, record.meeting_id)
    content = plain(record)
    content.pop("status")
    content.pop("validated_on")
    return {
        "meeting": plain(meeting) | {"status": None},
        "minutes": content,
        "agenda": sorted((plain(r) for r in _live(session, AgendaItem, meeting_id=meeting.id)),
                         key=lambda r: (r["position"], r["id"])),
        "attendance": sorted((plain(r) for r in _live(session, Attendance, meeting_id=meeting.id)),
                             key=lambda r: (r["position"], r["id"])),
        "decisions": sorted((plain(r) for r in _live(session, Decision, minutes_id=minutes)),
                            key=lambda r: (r["number"], r["id"])),
        "actions": sorted(({k: v for k, v in plain(r).items() if k not in rules.ACTION_FOLLOW_UP_FIELDS}
                           for r in _live(session, Action, minutes_id=minutes)), key=lambda r: (r["number"], r["id"])),
    }


@transactional
def sign(session: Session, minutes: str, signer_name: str, signer_role: str) -> SignOff:
    """Validate the minutes: they freeze; the sign-off keeps the SHA-256 of their content."""
    record = load(session, Minutes, minutes)
    if not signer_name.strip():
        raise TransitionError("indiquez le nom du signataire (Paramètres)")
    refuse_open_conflicts(session, "minutes", minutes, "signer ce relevé")
    digest = content_sha256(canonical_content(session, minutes))
    _transition(session, record, MinutesStatus.SIGNED, validated_on=date.today())
    return insert(session, SignOff, record_table="minutes", record_id=minutes, signer_name=signer_name,
                  signer_role=signer_role, signed_at=now_iso(), content_sha256=digest)


@reading
def verify_signature(session: Session, minutes: str) -> bool:
    """Does the content still match its sign-off?"""
    offs = _live(session, SignOff, record_table="minutes", record_id=minutes)
    # Two sign-offs made concurrently on two laptops: the content shown must be one that was signed.
    return content_sha256(canonical_content(session, minutes)) in {off.content_sha256 for off in offs}


@transactional
def add_amendment(session: Session, minutes: str, reason: str, body: str, author: str = "") -> Amendment:
    """A rectificatif of signed minutes (the only way to correct them)."""
    record = load(session, Minutes, minutes)
    if record.status != MinutesStatus.SIGNED:
        raise FrozenRecordError("un rectificatif ne concerne qu'un relevé signé ; modifiez le brouillon directement")
    numbers = session.exec(select(Amendment.number).where(Amendment.root_id == minutes)).all()
    return insert(session, Amendment, root_table="minutes", root_id=minutes,
                  number=rules.next_number(numbers), reason=reason, body=body, author=author,
                  status=AmendmentStatus.DRAFT.value)


@reading
def decisions(session: Session, minutes: str) -> list[Decision]:
    return sorted(_live(session, Decision, minutes_id=minutes), key=lambda d: (d.number, d.id))


@reading
def actions_of(session: Session, minutes: str) -> list[Action]:
    return sorted(_live(session, Action, minutes_id=minutes), key=lambda a: (a.number, a.id))


@reading
def amendments(session: Session, minutes: str) -> list[Amendment]:
    return sorted(_live(session, Amendment, root_id=minutes), key=lambda a: a.number)


@dataclass(frozen=True)
class ActionRow:
    id: str
    label: str
    text: str
    structure_name: str
    owner_name: str
    due_on: date | None
    status: str
    overdue: bool


@reading
def action_board(session: Session, structure_id: str | None = None, status: str | None = None,
                 owner: str | None = None, today: date | None = None) -> list[ActionRow]:
    """Every live action across the structures, filtered, soonest deadline first."""
    today = today or date.today()
    query = (select(Action, Structure.name).join(Structure, Structure.id == Action.structure_id, isouter=True)
             .where(Action.deleted == False))  # noqa: E712
    if structure_id:
        query = query.where(Action.structure_id == structure_id)
    if status:
        query = query.where(Action.status == status)
    rows = []
    for action, name in session.exec(query):
        if owner and owner.lower() not in action.owner_name.lower():
            continue
        open_ = action.status in (ActionStatus.TODO, ActionStatus.IN_PROGRESS)
        rows.append(ActionRow(action.id, rules.action_label(action.number), action.text, name or "",
                              action.owner_name, action.due_on, action.status,
                              bool(open_ and action.due_on and action.due_on < today)))
    return sorted(rows, key=lambda r: (r.due_on or date.max, r.structure_name, r.label))


@dataclass(frozen=True)
class MinutesView:
    """Everything the meeting mode shows, read in one snapshot."""

    meeting: Meeting
    structure_name: str
    minutes: Minutes
    agenda: list[AgendaItem]
    attendance: list[Attendance]
    decisions: list[Decision]
    actions: list[Action]
    amendments: list[Amendment]
    sign_offs: list[SignOff]

    @property
    def frozen(self) -> bool:
        return self.minutes.status in rules.FROZEN_MINUTES


@transactional
def open_for_meeting(session: Session, meeting_id: str, author: str = "") -> MinutesView:
    """Open the meeting mode: the minutes are created on first opening."""
    record = open_minutes(session, meeting_id, author=author)
    meeting = load(session, Meeting, meeting_id)
    structure = session.get(Structure, meeting.structure_id) if meeting.structure_id else None
    by_position = lambda r: (r.position, r.id)  # noqa: E731
    return MinutesView(
        meeting=meeting, structure_name=structure.name if structure else "", minutes=record,
        agenda=sorted(_live(session, AgendaItem, meeting_id=meeting_id), key=by_position),
        attendance=sorted(_live(session, Attendance, meeting_id=meeting_id), key=by_position),
        decisions=decisions(session, record.id), actions=actions_of(session, record.id),
        amendments=amendments(session, record.id),
        sign_offs=_live(session, SignOff, record_table="minutes", record_id=record.id))
