"""The keyboard shortcuts help panel (F1)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

#: (shortcut, what it does) — the one list shown to the user; keep it true.
SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+K", "Rechercher partout"),
    ("Ctrl+1 … Ctrl+7", "Aller à une page de la navigation"),
    ("Ctrl+N", "Nouvelle réunion (page Réunions)"),
    ("Ctrl+D", "Ajouter une décision (mode réunion)"),
    ("Ctrl+Maj+A", "Ajouter une action (mode réunion)"),
    ("Ctrl+S", "Enregistrer maintenant (la saisie est aussi enregistrée automatiquement)"),
    ("Alt+Haut / Alt+Bas", "Point précédent / suivant de l'ordre du jour (mode réunion)"),
    ("Échap", "Quitter le mode réunion"),
    ("F1", "Afficher cette aide"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raccourcis clavier")
        rows = "".join(f"<tr><td style='padding:3px 14px 3px 0'><b>{key}</b></td><td>{text}</td></tr>"
                       for key, text in SHORTCUTS)
        label = QLabel(f"<table>{rows}</table>", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
