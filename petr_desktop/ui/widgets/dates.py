"""A date field typed the French way (« 07/12/2026 »): an impossible or out-of-range date is
refused with a French message under the field and the previous date is kept — never reshaped
(a QDateEdit turns « 31/02/2026 » into another day, or into 14/09/1752)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from ...domain.values import ValueFormatError, example_date, format_date_short, parse_date

ERROR_STYLE = "border: 2px solid #b3261e;"


class DateEdit(QLineEdit):
    """The QDateEdit calls the app uses (``date()``, ``setDate``, ``dateChanged``) on typed text."""

    dateChanged = Signal(QDate)
    #: A typed date was refused: the French reason (the previous date is kept).
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None, value: date | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("jj/mm/aaaa")
        self.setMaximumWidth(140)
        self._date = value or date.today()
        self.setText(format_date_short(self._date))
        self.editingFinished.connect(self.commit)

    def date(self) -> QDate:
        return QDate(self._date.year, self._date.month, self._date.day)

    def setDate(self, value: QDate | date) -> None:  # noqa: N802
        day = value.toPython() if isinstance(value, QDate) else value
        self.setText(format_date_short(day))
        self._accept(day)

    def problem(self) -> str | None:
        """Why the text typed is not a date (French), or None."""
        try:
            parse_date(self.text())
        except ValueFormatError as exc:
            text = str(exc)
            return text[:1].upper() + text[1:] + "."
        return None

    def commit(self) -> bool:
        """Entrée or leaving the field: take the typed date, or refuse it and keep the previous one."""
        problem = self.problem()
        if problem:
            self.setStyleSheet(ERROR_STYLE)
            self.setToolTip(problem)
            self.refused.emit(problem)
            return False
        self._accept(parse_date(self.text()))
        return True

    def _accept(self, day: date) -> None:
        self.setStyleSheet("")
        self.setToolTip(f"Une date entre 2000 et 2100, par exemple {example_date()}")
        if day != self._date:
            self._date = day
            self.dateChanged.emit(self.date())
