"""Pure rules: status workflows, numbering, frozen records."""
from __future__ import annotations

from collections.abc import Iterable

from .enums import MinutesStatus as MS
from .enums import SheetStatus as SS

MINUTES_TRANSITIONS: dict[str, frozenset[str]] = {
    MS.DRAFT: frozenset({MS.TO_VALIDATE}),
    MS.TO_VALIDATE: frozenset({MS.DRAFT, MS.SIGNED}),
    MS.SIGNED: frozenset(),
}

SHEET_TRANSITIONS: dict[str, frozenset[str]] = {
    SS.DRAFT: frozenset({SS.RECEIVED}),
    SS.RECEIVED: frozenset({SS.DRAFT, SS.REVIEWED_IN_DIALOGUE}),
    SS.REVIEWED_IN_DIALOGUE: frozenset({SS.RECEIVED, SS.VALIDATED}),
    SS.VALIDATED: frozenset({SS.ARCHIVED}),
    SS.ARCHIVED: frozenset(),
}

#: Statuses in which a record is frozen (corrections go into an amendment).
FROZEN_MINUTES = frozenset({MS.SIGNED})
FROZEN_SHEETS = frozenset({SS.VALIDATED, SS.ARCHIVED})

#: Fields of an action that stay editable after its minutes are signed: the follow-up.
ACTION_FOLLOW_UP_FIELDS = frozenset({"status", "follow_up_on", "done_on"})


def can_transition(workflow: dict[str, frozenset[str]], current: str, target: str) -> bool:
    return target in workflow.get(current, frozenset())


def next_number(existing: Iterable[int]) -> int:
    """Next number of a D1, D2… or A1, A2… series; deleted numbers are never reused."""
    return max(existing, default=0) + 1


def decision_label(number: int) -> str:
    return f"D{number}"


def action_label(number: int) -> str:
    return f"A{number}"


#: Funding sources of a post (moyens humains), with their French labels.
POST_FUNDING = {"region_core": "Région — socle", "region_thematic": "Région — thématique",
                "leader": "LEADER", "state": "État", "other": "Autre"}


def double_funding_alert(funding: Iterable[str]) -> bool:
    """A post paid by two public schemes at once must be checked for double funding."""
    public = {"region_core", "region_thematic", "leader", "state"}
    return len(public.intersection(funding)) >= 2
