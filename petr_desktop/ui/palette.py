"""The colours that carry meaning in tables: one tint per stage of a workflow, the same on every
page (a validated sheet is the same green in the dossier, the Fiches list and the Instruction page)."""
from __future__ import annotations

from PySide6.QtGui import QBrush, QColor

from ..domain.enums import ApplicationStatus, PaymentStatus, SheetStatus

ERROR = "#b3261e"
SUCCESS = "#1b6e2e"
MUTED = "#888888"

#: Background tints by stage: not started, received, in progress, presented, done, refused, archived.
NEUTRAL, RECEIVED, IN_PROGRESS, PRESENTED, DONE, REFUSED, ARCHIVED = (
    "#eeeeee", "#e3eefb", "#fff4d6", "#ede4f7", "#dff1dc", "#f8dcdc", "#e0e0e0")

SHEET_TINTS = {SheetStatus.DRAFT: NEUTRAL, SheetStatus.RECEIVED: RECEIVED,
               SheetStatus.REVIEWED_IN_DIALOGUE: IN_PROGRESS, SheetStatus.VALIDATED: DONE,
               SheetStatus.ARCHIVED: ARCHIVED}
APPLICATION_TINTS = {ApplicationStatus.RECEIVED: NEUTRAL, ApplicationStatus.COMPLETE: RECEIVED,
                     ApplicationStatus.INSTRUCTED: IN_PROGRESS, ApplicationStatus.PRESENTED: PRESENTED,
                     ApplicationStatus.VOTED: DONE, ApplicationStatus.REJECTED: REFUSED}
PAYMENT_TINTS = {PaymentStatus.REQUESTED: IN_PROGRESS, PaymentStatus.PAID: DONE}


def brushes(tints: dict) -> dict:
    """The same map with QBrush values, for an item model's BackgroundRole."""
    return {status: QBrush(QColor(colour)) for status, colour in tints.items()}
