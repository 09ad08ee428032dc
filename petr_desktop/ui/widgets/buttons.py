"""The buttons at the foot of a dialog, in French."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox

Standard = QDialogButtonBox.StandardButton


def accept_cancel(dialog: QDialog, accept_text: str, on_accept: Callable[[], object] | None = None,
                  accept: Standard = Standard.Ok) -> QDialogButtonBox:
    """« accept_text » and « Annuler »: accepting calls ``on_accept`` (the dialog's accept by default)."""
    buttons = QDialogButtonBox(accept | Standard.Cancel, dialog)
    buttons.button(accept).setText(accept_text)
    buttons.button(Standard.Cancel).setText("Annuler")
    buttons.accepted.connect(on_accept or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
