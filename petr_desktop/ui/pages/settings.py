"""Paramètres: the user of this computer (author of changes and signer), the device name, the personal
certificate, the backups (how many of each kind this computer keeps), and the « Dispositif » (the
support scheme's settings: socle grid, caps, advance and balance, Commission calendar, required
documents)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMessageBox,
                               QPushButton, QScrollArea, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ...domain.scheme import SchemeSettings
from ...domain.values import format_amount, format_date
from ...services import backups, instruction, profile, signatures
from ...services.errors import ServiceError, describe_os_error
from ..widgets.buttons import accept_cancel
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
        buttons = accept_cancel(self, "Créer le certificat", self.try_accept)
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


class KeepSpinBox(QSpinBox):
    """A spin box that says (``refused``) when a typed number is out of range instead of ignoring it."""

    refused = Signal(str)

    def validate(self, text: str, pos: int):
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid and text.strip().isdigit():
            self.refused.emit(text.strip())       # too many: the keystroke is refused
        return result

    def fixup(self, text: str):
        typed = text.strip()
        if typed.isdigit() and not self.minimum() <= int(typed) <= self.maximum():
            self.refused.emit(typed)              # too few, on Entrée or leaving the field: previous value kept
        return super().fixup(text)


class BackupsBox(QGroupBox):
    """How many backups of each kind this computer keeps, and the « Sauvegardes » dialog."""

    def __init__(self, page: "SettingsPage") -> None:
        super().__init__("Sauvegardes", page)
        self.page = page
        self.setObjectName("backups_box")
        help_text = QLabel(f"Carnet PETR garde les sauvegardes les plus récentes de chaque type (quotidienne, "
                           f"avant migration, avant import, manuelle, avant restauration) : au-delà du nombre "
                           f"choisi, les plus anciennes sont supprimées à la sauvegarde suivante. Ce réglage "
                           f"est propre à cet ordinateur (de {backups.KEEP_MIN} à {backups.KEEP_MAX}).", self)
        help_text.setWordWrap(True)
        self.keep = KeepSpinBox(self)
        self.keep.setObjectName("backups_keep")
        self.keep.setRange(backups.KEEP_MIN, backups.KEEP_MAX)
        self.keep.setKeyboardTracking(False)      # saved on Entrée, on leaving the field or with the arrows
        self.keep.setAccessibleName("Nombre de sauvegardes conservées (par type)")
        self.keep.valueChanged.connect(self.save_keep)
        self.keep.refused.connect(self.refuse_keep)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.dialog_button = QPushButton("Sauvegardes…", self)
        form = QFormLayout()
        form.addRow("Nombre de sauvegardes conservées (par type) :", _row(self.keep))
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.dialog_button, 0, Qt.AlignmentFlag.AlignLeft)

    def show_keep(self) -> None:
        self.keep.blockSignals(True)
        self.keep.setValue(min(max(backups.keep_per_kind(), backups.KEEP_MIN), backups.KEEP_MAX))
        self.keep.blockSignals(False)
        self._say("")

    def save_keep(self, count: int) -> None:
        try:
            backups.set_keep_per_kind(count)
        except ServiceError as exc:
            self._say(f"Réglage non enregistré : {exc}.", error=True)
        except OSError as exc:
            self._say(f"Réglage non enregistré : {describe_os_error(exc)}.", error=True)
        else:
            self._say(f"Réglage enregistré : les {count} sauvegardes les plus récentes de chaque type "
                      f"seront gardées.")

    def refuse_keep(self, typed: str) -> None:
        self._say(f"« {typed} » n'est pas accepté : choisissez un nombre de sauvegardes entre "
                  f"{backups.KEEP_MIN} et {backups.KEEP_MAX}.", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "")
        self.message.setText(text)


def _row(*widgets: QWidget, stretch: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    if stretch:
        row.addStretch(1)
    return row


class SchemeBox(QGroupBox):
    """The dispositif of the current period, saved through ``instruction.save_scheme``."""

    def __init__(self, page: "SettingsPage") -> None:
        super().__init__("Dispositif (aide aux Pays / PETR)", page)
        self.page = page
        self.setObjectName("scheme_box")
        intro = QLabel("Le règlement officiel n'étant pas publié, chaque nombre du dispositif est un paramètre : "
                       "il sert au calcul du socle proposé, aux plafonds et au planning des versements.", self)
        intro.setWordWrap(True)
        self.period_start = QSpinBox(self)
        self.period_end = QSpinBox(self)
        for spin in (self.period_start, self.period_end):
            spin.setRange(2000, 2100)
        self.core_base = QLineEdit(self)
        self.core_base.setObjectName("core_base")
        self.grid = QTableWidget(0, 2, self)
        self.grid.setObjectName("modulation_grid")
        self.grid.setHorizontalHeaderLabels(["Classe de ruralité", "Modulation du socle (%)"])
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().hide()
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.setMaximumHeight(150)
        self.add_class = QPushButton("Ajouter une classe", self)
        self.remove_class = QPushButton("Retirer la classe", self)
        self.add_class.clicked.connect(lambda: self.add_grid_row("", ""))
        self.remove_class.clicked.connect(lambda: self.grid.removeRow(self.grid.currentRow())
                                          if self.grid.currentRow() >= 0 else None)
        self.thematic_cap = QLineEdit(self)
        self.thematic_cap.setObjectName("thematic_cap")
        self.collective_cap = QLineEdit(self)
        self.collective_cap.setObjectName("collective_cap")
        self.advance = QSpinBox(self)
        self.balance = QSpinBox(self)
        for spin in (self.advance, self.balance):
            spin.setRange(0, 100)
            spin.setSuffix(" %")
        self.commissions = QListWidget(self)
        self.commissions.setObjectName("commission_dates")
        self.commissions.setMaximumHeight(110)
        self.new_commission = QLineEdit(self)
        self.new_commission.setPlaceholderText("jj/mm/aaaa")
        self.add_commission = QPushButton("Ajouter la date", self)
        self.remove_commission = QPushButton("Retirer la date", self)
        self.add_commission.clicked.connect(self.add_commission_date)
        self.new_commission.returnPressed.connect(self.add_commission_date)
        self.remove_commission.clicked.connect(lambda: self._remove_current(self.commissions))
        self.documents = QListWidget(self)
        self.documents.setObjectName("required_documents")
        self.documents.setMaximumHeight(130)
        self.add_document = QPushButton("Ajouter une pièce", self)
        self.remove_document = QPushButton("Retirer la pièce", self)
        self.add_document.clicked.connect(self.add_document_row)
        self.remove_document.clicked.connect(lambda: self._remove_current(self.documents))
        self.save_button = QPushButton("Enregistrer le dispositif", self)
        self.save_button.setObjectName("save_scheme")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        for widget, width in ((self.core_base, 180), (self.thematic_cap, 180), (self.collective_cap, 180),
                              (self.grid, 440), (self.commissions, 440), (self.documents, 440),
                              (self.new_commission, 130)):
            widget.setMaximumWidth(width)
        period = QHBoxLayout()
        period.addWidget(self.period_start)
        period.addWidget(QLabel("à", self))
        period.addWidget(self.period_end)
        period.addStretch(1)
        grid_box = QVBoxLayout()
        grid_box.setAlignment(Qt.AlignmentFlag.AlignLeft)
        grid_box.addWidget(self.grid)
        grid_box.addLayout(_row(self.add_class, self.remove_class))
        commissions = QVBoxLayout()
        commissions.addWidget(self.commissions)
        commissions.addLayout(_row(self.new_commission, self.add_commission, self.remove_commission))
        documents = QVBoxLayout()
        documents.addWidget(self.documents)
        documents.addLayout(_row(self.add_document, self.remove_document))
        form = QFormLayout()
        form.addRow("Période :", period)
        form.addRow("Socle forfaitaire de base :", self.core_base)
        form.addRow("Modulation selon la ruralité :", grid_box)
        form.addRow("Plafond de la ligne thématique :", self.thematic_cap)
        form.addRow("Plafond du chantier collectif :", self.collective_cap)
        form.addRow("Avance :", _row(self.advance, QLabel("Solde :", self), self.balance))
        form.addRow("Commissions permanentes :", commissions)
        form.addRow("Pièces du dossier de demande :", documents)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(_row(self.save_button, self.status, stretch=False))

    # --- showing ----------------------------------------------------------------------------------
    def show_scheme(self, scheme: SchemeSettings) -> None:
        self.period_start.setValue(scheme.period_start)
        self.period_end.setValue(scheme.period_end)
        self.core_base.setText(format_amount(scheme.core_base_cents))
        self.grid.setRowCount(0)
        for klass, percent in scheme.core_modulation.items():
            self.add_grid_row(klass, str(percent), edit=False)
        self.thematic_cap.setText(format_amount(scheme.thematic_cap_cents))
        self.collective_cap.setText(format_amount(scheme.collective_cap_cents))
        self.advance.setValue(scheme.advance_percent)
        self.balance.setValue(scheme.balance_percent)
        self.commissions.clear()
        for day in scheme.commission_dates:
            item = QListWidgetItem(format_date(day), self.commissions)
            item.setData(Qt.ItemDataRole.UserRole, day.isoformat())
        self.documents.clear()
        for name in scheme.required_documents:
            self._document_item(name)

    def add_grid_row(self, klass: str, percent: str, edit: bool = True) -> None:
        row = self.grid.rowCount()
        self.grid.insertRow(row)
        self.grid.setItem(row, 0, QTableWidgetItem(klass))
        self.grid.setItem(row, 1, QTableWidgetItem(percent))
        if edit:
            self.grid.setCurrentCell(row, 0)
            self.grid.editItem(self.grid.item(row, 0))

    def add_commission_date(self) -> None:
        text = self.new_commission.text().strip()
        if text:
            item = QListWidgetItem(text, self.commissions)
            item.setData(Qt.ItemDataRole.UserRole, text)      # checked when the dispositif is saved
            self.new_commission.clear()

    def _document_item(self, name: str) -> QListWidgetItem:
        item = QListWidgetItem(name, self.documents)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        return item

    def add_document_row(self) -> None:
        item = self._document_item("Nouvelle pièce")
        self.documents.setCurrentItem(item)
        self.documents.editItem(item)

    @staticmethod
    def _remove_current(widget: QListWidget) -> None:
        row = widget.currentRow()
        if row >= 0:
            widget.takeItem(row)

    # --- saving ------------------------------------------------------------------------------------
    def values(self) -> dict:
        grid = {}
        for row in range(self.grid.rowCount()):
            klass, percent = (self.grid.item(row, c).text() if self.grid.item(row, c) else "" for c in (0, 1))
            if klass.strip() in grid:
                klass = f"{klass.strip()} "          # kept apart: the service names the duplicate
            grid[klass] = percent
        return {"period_start": self.period_start.value(), "period_end": self.period_end.value(),
                "core_base": self.core_base.text(), "core_modulation": grid,
                "thematic_cap": self.thematic_cap.text(), "collective_cap": self.collective_cap.text(),
                "advance_percent": self.advance.value(), "balance_percent": self.balance.value(),
                "commission_dates": [self.commissions.item(n).data(Qt.ItemDataRole.UserRole)
                                     for n in range(self.commissions.count())],
                "required_documents": [self.documents.item(n).text() for n in range(self.documents.count())]}

    def save(self) -> None:
        saved = self.page.guarded(instruction.save_scheme, self.page.db, **self.values())
        if saved is None:
            self.status.setText("Dispositif non enregistré : corrigez la valeur signalée.")
            return
        self.show_scheme(saved)
        self.status.setText(f"Dispositif {saved.period_label} enregistré.")


class SettingsPage(Page):

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
        self.backups = BackupsBox(self)
        self.backups_button = self.backups.dialog_button
        self.backups_button.clicked.connect(self.open_backups)
        self.scheme = SchemeBox(self)
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        layout.addWidget(certificate_box)
        layout.addWidget(self.backups)
        layout.addWidget(self.scheme)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

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
        self.backups.show_keep()
        self.scheme.show_scheme(instruction.scheme_settings(self.db, date.today().year))

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

    def open_backups(self) -> None:
        from ..dialogs.backups_dialog import BackupsDialog

        self.backups_dialog = BackupsDialog(self.context, self)
        self.backups_dialog.open()

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
