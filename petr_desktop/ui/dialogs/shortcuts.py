"""The keyboard shortcuts help panel (F1), written from the registry that installs them."""
from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ..keys import KEYS, shown


def panel_rows() -> list[tuple[str, str, str]]:
    """(where, keys, what it does), in the registry's order."""
    return [(key.scope, shown(key.name), key.label) for key in KEYS]


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raccourcis clavier")
        html, scope = [], None
        for where, keys, text in panel_rows():
            if where != scope:
                scope = where
                html.append(f"<tr><td colspan='2' style='padding:8px 0 2px 0'><b><u>{escape(where)}</u></b></td></tr>")
            html.append(f"<tr><td style='padding:2px 14px 2px 0'><b>{escape(keys)}</b></td>"
                        f"<td>{escape(text)}</td></tr>")
        self.label = QLabel(f"<table>{''.join(html)}</table>", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
