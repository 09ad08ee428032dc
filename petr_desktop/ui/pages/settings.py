"""Paramètres: the user of this computer (author of changes and signer) and the device name."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout)

from ...domain.values import format_date
from ...services import profile, signatures
from .base import Page


class PassphraseDialog(QDialog):
    """The passphrase of the personal certificate, typed twice; it is never stored."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Créer mon certificat personnel")
        self.first = QLineEdit(self)
        self.second = QLineEdit(self)
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Créer le certificat")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("Ce mot de passe protège votre clé de signature. Il n'est enregistré nulle part : "
                           "notez-le en lieu sûr.", self))
        form.addRow("Mot de passe :", self.first)
        form.addRow("Confirmation :", self.second)
        form.addRow(self.error)
        form.addRow(buttons)

    def try_accept(self) -> None:
        if self.first.text() != self.second.text():
            self.error.setText("Les deux mots de passe ne sont pas identiques.")
            return
        self.accept()


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
        certificate_box = QGroupBox("Certificat de signature électronique", self)
        self.certificate = QLabel(certificate_box)
        self.certificate.setWordWrap(True)
        self.certificate_button = QPushButton("Créer mon certificat personnel", certificate_box)
        self.certificate_button.clicked.connect(self.create_certificate)
        box_layout = QVBoxLayout(certificate_box)
        box_layout.addWidget(self.certificate)
        box_layout.addWidget(self.certificate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        layout.addWidget(certificate_box)
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
        self.show_certificate()

    def show_certificate(self) -> None:
        mine = signatures.my_certificate()
        if mine is None:
            self.certificate.setText("Aucun certificat personnel : les PDF signés portent le visa visible seulement. "
                                     "Créez votre certificat (EC P-256) pour les signer électroniquement.")
            self.certificate_button.setText("Créer mon certificat personnel")
        else:
            self.certificate.setText(f"Certificat au nom de {mine.common_name}, valable jusqu'au "
                                     f"{format_date(mine.not_after.date())}.\nEmpreinte SHA-256 : "
                                     f"{mine.sha256_fingerprint}")
            self.certificate_button.setText("Remplacer mon certificat personnel")

    def ask_passphrase(self) -> str | None:
        """The passphrase typed twice (tests replace this)."""
        dialog = PassphraseDialog(self)
        return dialog.first.text() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def create_certificate(self) -> None:
        replace = signatures.my_certificate() is not None
        if replace and QMessageBox.question(
                self, "Carnet PETR", "Remplacer votre certificat ? Les documents déjà signés restent "
                                     "vérifiables.") != QMessageBox.StandardButton.Yes:
            return
        passphrase = self.ask_passphrase()
        if passphrase is None:
            return
        if self.guarded(signatures.create_my_certificate, self.db, passphrase, replace=replace) is not None:
            self.show_certificate()

    def save(self) -> None:
        saved = self.guarded(profile.set_profile, self.db, self.user_name.text(), self.user_role.text(),
                             self.user_initials.text(), self.device_name.text())
        if saved is not None:
            self.user_initials.setText(saved.user_initials)
            self.status.setText("Paramètres enregistrés.")
