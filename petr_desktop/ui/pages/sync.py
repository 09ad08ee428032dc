"""Synchronisation: the state of this device's changes (files come with the sync feature)."""
from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout

from ...services import profile
from .base import Page


class SyncPage(Page):
    title = "Synchronisation"
    icon_name = "sync"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.device = QLabel(self)
        self.pending = QLabel(self)
        form = QFormLayout()
        form.addRow("Cet ordinateur :", self.device)
        form.addRow("Modifications non synchronisées :", self.pending)
        note = QLabel("Chaque modification est enregistrée dans le journal de synchronisation de ce poste. "
                      "Les fichiers d'échange avec le bureau et les collègues s'ouvriront ici.", self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)

    def activate(self) -> None:
        current = profile.get_profile(self.db)
        self.device.setText(f"{current.device_name or 'sans nom'} ({current.replica_id})")
        self.pending.setText(str(profile.unsynced_changes(self.db)))
