"""Base class of the main window's pages."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ...services.errors import ServiceError
from ...storage.errors import StorageError
from ..context import AppContext


class Page(QWidget):
    """A page of the side navigation (its title and icon are in ``main_window.PAGES``)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(type(self).__name__)

    @property
    def db(self):
        return self.context.db

    def activate(self) -> None:
        """The page is shown: refresh what it displays (heavy reads go through context.tasks)."""

    def open_record(self, kind: str, record_id: str) -> bool:
        """Show a record if this page handles its kind; return True if it did."""
        return False

    def guarded(self, action, *args, **kwargs):
        """Run a service call; a refusal becomes a French message box instead of a crash."""
        try:
            result = action(*args, **kwargs)
        except (ServiceError, StorageError, ValueError) as exc:
            QMessageBox.warning(self, "Carnet PETR", str(exc))
            return None
        self.context.notify_saved()
        return result
