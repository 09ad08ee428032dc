"""Paramètres: the user of this computer (author of changes and signer) and the device name."""
from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from ...services import profile
from .base import Page


class SettingsPage(Page):
    title = "Paramètres"
    icon_name = "settings"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        intro = QLabel("Votre nom et vos initiales signent vos relevés et identifient vos modifications "
                       "lors des synchronisations. Le nom de l'ordinateur distingue ce poste des autres.", self)
        intro.setWordWrap(True)
        self.user_name = QLineEdit(self)
        self.user_role = QLineEdit(self)
        self.user_role.setPlaceholderText("ex. Chargée de mission Ingénierie territoriale des Pays/PETR")
        self.user_initials = QLineEdit(self)
        self.user_initials.setMaxLength(4)
        self.device_name = QLineEdit(self)
        self.replica = QLabel(self)
        self.save_button = QPushButton("Enregistrer", self)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(self)
        form = QFormLayout()
        form.addRow("Nom et prénom :", self.user_name)
        form.addRow("Fonction :", self.user_role)
        form.addRow("Initiales :", self.user_initials)
        form.addRow("Nom de cet ordinateur :", self.device_name)
        form.addRow("Identifiant du poste :", self.replica)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def activate(self) -> None:
        current = profile.get_profile(self.db)
        self.user_name.setText(current.user_name)
        self.user_role.setText(current.user_role)
        self.user_initials.setText(current.user_initials)
        self.device_name.setText(current.device_name)
        self.replica.setText(current.replica_id)
        self.status.setText("" if current.is_complete else
                            "Renseignez votre nom et vos initiales avant de signer un relevé.")

    def save(self) -> None:
        saved = self.guarded(profile.set_profile, self.db, self.user_name.text(), self.user_role.text(),
                             self.user_initials.text(), self.device_name.text())
        if saved is not None:
            self.user_initials.setText(saved.user_initials)
            self.status.setText("Paramètres enregistrés.")
