"""Synchronisation: send this computer's changes on a USB stick, import a colleague's file, settle what
an import leaves to decide (conflicts, late modifications, replaced values), history and devices."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QHeaderView,
                               QLabel, QMessageBox, QPlainTextEdit, QPushButton, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from ...domain.values import format_datetime_fr
from ...services import sync, sync_review
from ...services.errors import ServiceError, describe_os_error
from ...services.sync_review import ConflictView, Overwrite, Proposal
from ...storage.errors import StorageError
from ...sync import container
from ..dialogs.merge_dialog import MergeDialog
from ..dialogs.sync_dialogs import (ReportDialog, SyncPassphraseDialog, by, capital, choice_dialog,
                                    merge_data, shown)
from ..exporting import safe_file_name
from ..icons import icon
from ..models import RowsModel
from ..widgets.tables import make_table
from .base import Page

FOLDER_KEY = "sync/folder"
SYNC_FILTER = "Fichier de synchronisation (*.petrsync)"
KEY_FILTER = "Clé d'appareil (*.json)"
REFUSALS = (ServiceError, StorageError, ValueError)


# --- French wording ---------------------------------------------------------------------

def plural(count: int, singular: str, many: str | None = None) -> str:
    """« 0 conflit », « 1 conflit », « 2 conflits » (French: 0 and 1 are singular)."""
    return f"{count} {singular if count <= 1 else many or singular + 's'}"


def sentence(text: str) -> str:
    """A service message (« l'appareil … ») as a sentence: capital first, final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def when(iso: str | None) -> str:
    """« 28 novembre 2026 à 14:32 » from a stored ISO time."""
    if not iso:
        return ""
    try:
        return format_datetime_fr(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def first_line(text: str, width: int = 90) -> str:
    """A long value in one table cell: its first line, cut with « … » when there is more."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width and line == text.strip() else line[:width].rstrip() + "…"


FILE_DIRECTIONS = {"exported": "envoyé", "imported": "reçu", "refused": "refusé", "duplicate": "déjà importé"}


# --- Table models -----------------------------------------------------------------------

def _versions(c: ConflictView) -> str:
    if c.kind == "delete_edit" and len(c.sides) == 2:
        return f"supprimé sur « {c.sides[0].device} », modifié sur « {c.sides[1].device} »"
    return ", ".join(f"{s.letter.upper()} : {s.device}" for s in c.sides)


class ConflictsModel(RowsModel[ConflictView]):
    columns = (("Document", lambda c: c.title),
               ("Information", lambda c: "Suppression" if c.kind == "delete_edit" else capital(c.field_label)),
               ("Versions", _versions),
               ("Depuis le", lambda c: when(c.opened_at)))


class ProposalsModel(RowsModel[Proposal]):
    columns = (("Document", lambda p: p.title),
               ("Information", lambda p: capital(p.field_label)),
               ("Modification proposée", lambda p: first_line(p.proposed.text)),
               ("Par", lambda p: f"{p.proposed.author} ({p.proposed.device})"),
               ("Reçue le", lambda p: when(p.received_at)))


class OverwritesModel(RowsModel[Overwrite]):
    columns = (("Document", lambda o: o.title),
               ("Information", lambda o: capital(o.field_label)),
               ("Valeur remplacée", lambda o: first_line(o.lost.text)),
               ("Remplacée par", lambda o: first_line(o.won.text)),
               ("Saisie retenue", lambda o: f"{o.won.author} ({o.won.device})"))


class HistoryModel(RowsModel[sync.FileEntry]):
    columns = (("Date", lambda f: when(f.at)),
               ("État", lambda f: FILE_DIRECTIONS.get(f.status, f.status)),
               ("Appareil", lambda f: f.peer_name or "—"),
               ("Nom du fichier", lambda f: f.file_name),
               ("Modifications", lambda f: str(f.op_count)))


class PeersModel(RowsModel[sync.Peer]):
    columns = (("Appareil", lambda p: p.name),
               ("Clé", lambda p: p.key_id),
               ("État", lambda p: "Actif" if p.active else f"Révoqué le {when(p.revoked_at)}"),
               ("Enrôlé le", lambda p: when(p.enrolled_at)),
               ("Dernier fichier reçu", lambda p: when(p.last_file_at) or "aucun"))


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows, read in one go off the GUI thread."""

    status: sync.Status
    key_id: str
    conflicts: list[ConflictView]
    proposals: list[Proposal]
    overwrites: list[Overwrite]
    history: list[sync.FileEntry]


def read_snapshot(db) -> Snapshot:
    return Snapshot(sync.status(db), sync.device_key(db).key_id, sync_review.conflicts(db),
                    sync_review.proposals(db), sync_review.overwrites(db), sync.history(db))


class ListTab(QWidget):
    """A tab: an explanation, a table, its buttons and, optionally, the selected row in full."""

    def __init__(self, model: RowsModel, hint: str, empty: str, buttons: list[QPushButton],
                 detail: bool, parent: QWidget, stretch: int = 0) -> None:
        super().__init__(parent)
        self.model, self.hint_text, self.empty_text = model, hint, empty
        self.hint = QLabel(hint, self)
        self.hint.setWordWrap(True)
        self.view: QTableView = make_table(model, self)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.detail = QPlainTextEdit(self) if detail else None
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.view, 3)
        layout.addLayout(row)
        if self.detail is not None:
            self.detail.setReadOnly(True)
            self.detail.setPlaceholderText("Sélectionnez une ligne pour la voir en entier.")
            layout.addWidget(self.detail, 2)

    def set_rows(self, rows: list) -> None:
        keep = self.selected()
        self.model.set_rows(rows)
        self.hint.setText(self.hint_text if rows else self.empty_text)
        same = [n for n, row in enumerate(rows) if row == keep]
        if rows:
            self.view.selectRow(same[0] if same else 0)
        elif self.detail is not None:
            self.detail.clear()

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows and rows[0].row() < len(self.model.rows) else None


# --- The page -----------------------------------------------------------------------------

class SyncPage(Page):
    CONFLICTS, PROPOSALS, OVERWRITES, HISTORY, DEVICES = range(5)

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.snapshot: Snapshot | None = None
        self.last_box: QMessageBox | None = None

        # Header: this computer, what is waiting, the two big buttons.
        header = QFrame(self)
        header.setObjectName("sync_header")
        header.setFrameShape(QFrame.Shape.StyledPanel)
        self.device = QLabel(header)
        self.device.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.device.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pending = QLabel(header)
        self.pending.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.pending_text = QLabel(header)
        self.summary = QLabel(header)
        self.summary.setWordWrap(True)
        self.export_button = QPushButton(icon("export"), "Exporter pour le bureau", header)
        self.export_button.setToolTip("Écrire un fichier avec les modifications de cet ordinateur "
                                      "(sur une clé USB, par exemple)")
        self.import_button = QPushButton(icon("open"), "Importer un fichier", header)
        self.import_button.setToolTip("Importer un fichier de synchronisation (.petrsync) écrit sur un autre poste")
        for button in (self.export_button, self.import_button):
            button.setMinimumHeight(44)
            button.setStyleSheet("font-size: 11pt; font-weight: bold; padding: 4px 18px;")
        self.protect = QCheckBox("Protéger par un mot de passe", header)
        self.protect.setToolTip("Le fichier est chiffré : il faudra saisir ce mot de passe pour l'importer")
        self.export_button.clicked.connect(self.export_file)
        self.import_button.clicked.connect(self.import_file)

        device_row = QHBoxLayout()
        device_row.addWidget(QLabel("Cet ordinateur :", header))
        device_row.addWidget(self.device, 1)
        pending_row = QHBoxLayout()
        pending_row.addWidget(self.pending)
        pending_row.addWidget(self.pending_text, 1)
        left = QVBoxLayout()
        left.addLayout(device_row)
        left.addLayout(pending_row)
        left.addWidget(self.summary)
        buttons = QGridLayout()
        buttons.addWidget(self.export_button, 0, 0)
        buttons.addWidget(self.import_button, 0, 1)
        buttons.addWidget(self.protect, 1, 0)
        header_layout = QHBoxLayout(header)
        header_layout.addLayout(left, 1)
        header_layout.addSpacing(24)
        header_layout.addLayout(buttons)

        # Tabs: what is left to decide, then the history and the devices.
        self.arbitrate_button = QPushButton("Arbitrer…", self)
        self.amend_button = QPushButton("Faire un rectificatif", self)
        self.reject_button = QPushButton("Rejeter", self)
        self.restore_button = QPushButton("Rétablir", self)
        self.key_button = QPushButton("Exporter ma clé…", self)
        self.enrol_button = QPushButton("Enrôler un appareil…", self)
        self.revoke_button = QPushButton("Révoquer", self)
        self.conflicts = ListTab(
            ConflictsModel(self),
            "Ces informations ont été modifiées sur deux postes en même temps. Rien n'est perdu : "
            "double-cliquez sur une ligne (ou « Arbitrer… ») pour choisir ce que vous gardez.",
            "Aucun conflit à arbitrer.", [self.arbitrate_button], True, self)
        self.proposals = ListTab(
            ProposalsModel(self),
            "Ces modifications ont été faites sur un autre poste alors que le document était déjà validé : "
            "elles n'ont pas été appliquées. Faites-en un rectificatif du document, ou rejetez-les.",
            "Aucune modification reçue après validation.", [self.amend_button, self.reject_button], True, self)
        self.overwrites = ListTab(
            OverwritesModel(self),
            "Une même information a été modifiée sur deux postes : la saisie la plus récente l'a emporté. "
            "L'ancienne valeur est gardée ici et peut être rétablie.",
            "Aucune valeur remplacée.", [self.restore_button], True, self)
        self.history = ListTab(
            HistoryModel(self),
            "Les fichiers écrits et importés sur cet ordinateur, du plus récent au plus ancien. "
            "Sélectionnez-en un pour lire son rapport.",
            "Aucun fichier échangé pour l'instant.", [], True, self, stretch=3)
        self.devices = ListTab(
            PeersModel(self),
            "Seuls les fichiers des appareils enrôlés sont acceptés. Pour enrôler un poste : exportez sa clé "
            "sur ce poste-là, puis « Enrôler un appareil… » ici avec ce fichier (et inversement).",
            "Aucun appareil enrôlé : exportez la clé de chaque poste et enrôlez-la sur les autres.",
            [self.key_button, self.enrol_button, self.revoke_button], False, self)
        self.tabs = QTabWidget(self)
        for tab in (self.conflicts, self.proposals, self.overwrites, self.history, self.devices):
            self.tabs.addTab(tab, "")

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addSpacing(6)
        layout.addWidget(self.tabs, 1)

        self.conflicts.view.activated.connect(lambda _index: self.arbitrate())
        self.arbitrate_button.clicked.connect(self.arbitrate)
        self.amend_button.clicked.connect(self.amend)
        self.reject_button.clicked.connect(self.reject)
        self.restore_button.clicked.connect(self.restore)
        self.key_button.clicked.connect(self.export_key)
        self.enrol_button.clicked.connect(self.enrol)
        self.revoke_button.clicked.connect(self.revoke)
        for tab in (self.conflicts, self.proposals, self.overwrites, self.history, self.devices):
            tab.view.selectionModel().selectionChanged.connect(lambda *_: self._show_selection())
        self._show_titles(0, 0, 0, 0)
        self._show_selection()

    # --- modal interactions (tests replace these) ---------------------------------------------
    def folder(self) -> Path:
        default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(self.context.settings.value(FOLDER_KEY, default) or default)

    def ask_path(self, title: str, file_filter: str, save_as: str | None = None) -> Path | None:
        """A file to write (``save_as`` suggests its name) or to open; None if cancelled."""
        if save_as is None:
            chosen, _ = QFileDialog.getOpenFileName(self, title, str(self.folder()), file_filter)
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, title, str(self.folder() / save_as), file_filter)
        if not chosen:
            return None
        self.context.settings.setValue(FOLDER_KEY, str(Path(chosen).parent))
        return Path(chosen)

    def ask_passphrase(self, message: str, confirm: bool = False, error: str = "") -> str | None:
        dialog = SyncPassphraseDialog(self, message, confirm, error)
        return dialog.passphrase() if self.run_dialog(dialog) == QDialog.DialogCode.Accepted else None

    def confirm(self, text: str) -> bool:
        return QMessageBox.question(self, "Carnet PETR", text) == QMessageBox.StandardButton.Yes

    def run_dialog(self, dialog: QDialog) -> int:
        return dialog.exec()

    # --- loading ----------------------------------------------------------------------------
    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.context.tasks.run(lambda: read_snapshot(self.db), self._show)

    def _show(self, snapshot: Snapshot) -> None:
        self.snapshot = s = snapshot
        self.device.setText(f"{s.status.replica_name or 'sans nom (voir Paramètres)'} (clé {s.key_id})")
        self.pending.setText(str(s.status.unsynced))
        self.pending_text.setText("modification à envoyer" if s.status.unsynced <= 1 else "modifications à envoyer")
        active = sum(p.active for p in s.status.peers)
        parts = [plural(len(s.conflicts), "conflit à arbitrer", "conflits à arbitrer") if s.conflicts
                 else "Aucun conflit à arbitrer"]
        if s.proposals:
            parts.append(plural(len(s.proposals), "modification reçue après validation",
                                "modifications reçues après validation"))
        parts.append(plural(active, "appareil enrôlé", "appareils enrôlés") if active
                     else "aucun appareil enrôlé (voir l'onglet « Appareils »)")
        self.summary.setText(" · ".join(parts))
        self.summary.setStyleSheet("color: #b3261e; font-weight: bold;" if s.conflicts or s.proposals else "")
        self.conflicts.set_rows(s.conflicts)
        self.proposals.set_rows(s.proposals)
        self.overwrites.set_rows(s.overwrites)
        self.history.set_rows(s.history)
        self.devices.set_rows(s.status.peers)
        self._show_titles(len(s.conflicts), len(s.proposals), len(s.overwrites), active)
        self._show_selection()

    def _show_titles(self, conflicts: int, proposals: int, overwrites: int, devices: int) -> None:
        for index, text in ((self.CONFLICTS, f"Conflits à arbitrer ({conflicts})"),
                            (self.PROPOSALS, f"Modifications reçues après validation ({proposals})"),
                            (self.OVERWRITES, f"Valeurs remplacées ({overwrites})"),
                            (self.HISTORY, "Historique des fichiers"),
                            (self.DEVICES, f"Appareils ({devices})")):
            self.tabs.setTabText(index, text)

    def _show_selection(self) -> None:
        conflict, proposal = self.conflicts.selected(), self.proposals.selected()
        overwrite, entry, peer = self.overwrites.selected(), self.history.selected(), self.devices.selected()
        self.arbitrate_button.setEnabled(conflict is not None)
        self.amend_button.setEnabled(proposal is not None)
        self.reject_button.setEnabled(proposal is not None)
        self.restore_button.setEnabled(overwrite is not None)
        self.revoke_button.setEnabled(peer is not None and peer.active)
        for tab, text in ((self.conflicts, conflict and _conflict_text(conflict)),
                          (self.proposals, proposal and _proposal_text(proposal)),
                          (self.overwrites, overwrite and _overwrite_text(overwrite)),
                          (self.history, entry and "\n".join(entry.report_lines))):
            if tab.detail is not None and tab.detail.toPlainText() != (text or ""):
                tab.detail.setPlainText(text or "")

    # --- export and import ------------------------------------------------------------------
    def export_file(self) -> None:
        name = self.snapshot.status.replica_name if self.snapshot else ""
        path = self.ask_path("Exporter pour le bureau", SYNC_FILTER,
                             save_as=container.default_file_name(name, datetime.now()))
        if path is None:
            return
        passphrase = None
        if self.protect.isChecked():
            passphrase = self.ask_passphrase("Choisissez le mot de passe de ce fichier : il faudra le saisir sur "
                                             "l'autre ordinateur pour l'importer. Il n'est enregistré nulle part.",
                                             confirm=True)
            if passphrase is None:
                return

        def work(progress) -> sync.ExportResult:
            return sync.export(self.db, path, passphrase=passphrase, progress=progress.report)

        self.context.tasks.run_with_progress(self, "Écriture du fichier de synchronisation…", work,
                                             self._exported, self._export_failed)

    def _exported(self, result: sync.ExportResult) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Carnet PETR",
                          f"Fichier écrit : {result.path}\n\n"
                          f"{plural(result.op_count, 'modification')} pour {result.recipient} — "
                          "vous pouvez retirer la clé USB.", parent=self)
        open_folder = box.addButton("Ouvrir le dossier", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Fermer", QMessageBox.ButtonRole.RejectRole)
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.path.parent))))
        self.last_box = box
        self.context.bus.data_changed.emit()
        self.refresh()
        box.open()

    def _export_failed(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            message = describe_os_error(exc)
        elif isinstance(exc, REFUSALS):
            message = str(exc)
        else:
            raise exc
        QMessageBox.warning(self, "Carnet PETR", f"Le fichier n'a pas été écrit.\n\n{sentence(message)}")

    def import_file(self) -> None:
        path = self.ask_path("Importer un fichier de synchronisation", SYNC_FILTER)
        if path is not None:
            self.import_path(path)

    def import_path(self, path: Path, passphrase: str | None = None, allow_mass_delete: bool = False) -> None:
        """Import off the GUI thread. The mass-deletion question cannot be asked from the worker:
        the first run records it and refuses, then the import runs again if the user agrees."""
        asked: dict[str, int] = {}

        def confirm(counts: dict[str, int]) -> bool:
            asked.update(counts)
            return allow_mass_delete

        def work(progress):
            return sync.import_file(self.db, path, passphrase, confirm_mass_delete=confirm,
                                    progress=progress.report)

        self.context.tasks.run_with_progress(self, f"Import de « {path.name} »…", work, self._imported,
                                             lambda exc: self._import_failed(exc, path, passphrase, asked))

    def _import_failed(self, exc: BaseException, path: Path, passphrase: str | None, asked: dict) -> None:
        wrong = passphrase is not None and str(exc) == container.WRONG_PASSPHRASE
        if isinstance(exc, container.PassphraseNeeded) or wrong:
            retry = self.ask_passphrase(f"Le fichier « {path.name} » est protégé par un mot de passe : saisissez "
                                        "celui choisi lors de son export.",
                                        error="Mot de passe incorrect : réessayez." if wrong else "")
            if retry is not None:
                self.import_path(path, retry)
            return
        self.refresh()                                  # the history shows the refusal
        if isinstance(exc, sync.ImportCancelled) and asked:
            counts = ", ".join(f"{label} : {count}" for label, count in asked.items())
            if self.confirm(f"Ce fichier supprime beaucoup d'éléments sur cet ordinateur ({counts}).\n\n"
                            "Importer quand même ? Une sauvegarde de la base est faite avant l'import."):
                self.import_path(path, passphrase, allow_mass_delete=True)
            return
        if not isinstance(exc, REFUSALS + (OSError,)):
            raise exc
        message = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        QMessageBox.warning(self, "Carnet PETR", f"Le fichier « {path.name} » n'a pas été importé.\n\n"
                                                 f"{sentence(message)}")

    def _imported(self, report: sync.ImportReport) -> None:
        self.context.bus.data_changed.emit()
        self.refresh()
        for count, tab in ((report.conflicts, self.CONFLICTS), (report.proposals, self.PROPOSALS),
                           (report.overwrites, self.OVERWRITES), (1, self.HISTORY)):
            if count:
                self.tabs.setCurrentIndex(tab)
                break
        heading = ("Import terminé" if report.status == "imported"
                   else "Ce fichier avait déjà été importé : rien n'a changé")
        self.run_dialog(ReportDialog(self, "Rapport d'import", heading, report.lines()))

    # --- what is left to decide ---------------------------------------------------------------
    def _write(self, action: Callable[..., Any], *args, **kwargs) -> tuple[bool, Any]:
        """A service write; then refresh here and tell the other pages. Refusals become a French box."""
        try:
            result = action(*args, **kwargs)
        except REFUSALS as exc:
            QMessageBox.warning(self, "Carnet PETR", sentence(str(exc)))
            return False, None
        self.context.notify_saved()
        self.context.bus.data_changed.emit()
        self.refresh()
        return True, result

    def arbitrate(self) -> None:
        view: ConflictView | None = self.conflicts.selected()
        if view is None:
            return
        if len(view.sides) < 2:
            QMessageBox.warning(self, "Carnet PETR", "Les versions de ce conflit sont introuvables sur cet "
                                                     "ordinateur : importez de nouveau le dernier fichier reçu.")
            return
        if view.is_text:
            dialog = MergeDialog(self, merge_data(view))
            if self.run_dialog(dialog) == QDialog.DialogCode.Accepted:
                self._write(sync_review.resolve, self.db, view.conflict_id, value=dialog.result_text())
            return
        dialog = choice_dialog(self, view)
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.choice:
            self._write(sync_review.resolve, self.db, view.conflict_id, keep=dialog.choice)

    def amend(self) -> None:
        proposal: Proposal | None = self.proposals.selected()
        if proposal is None:
            return
        done, amendment = self._write(sync_review.amend_from_proposal, self.db, proposal.op_id)
        if not done:
            return
        if self.confirm(f"Rectificatif n° {amendment.number} créé en brouillon pour « {proposal.title} ».\n\n"
                        "Ouvrir le document maintenant pour le relire et le signer ?"):
            kind = "minutes" if amendment.root_table == "minutes" else "sheet"
            self.context.bus.open_record.emit(kind, amendment.root_id)

    def reject(self) -> None:
        proposal: Proposal | None = self.proposals.selected()
        if proposal is not None and self.confirm(
                f"Rejeter la modification de « {proposal.title} » ({proposal.field_label}) proposée par "
                f"{proposal.proposed.author} ?\n\nElle ne sera pas appliquée : le document validé reste inchangé."):
            self._write(sync_review.reject_proposal, self.db, proposal.op_id)

    def restore(self) -> None:
        overwrite: Overwrite | None = self.overwrites.selected()
        if overwrite is not None and self.confirm(
                f"Rétablir « {first_line(overwrite.lost.text)} » à la place de "
                f"« {first_line(overwrite.won.text)} » ({overwrite.title}, {overwrite.field_label}) ?\n\n"
                "Les autres postes recevront ce changement à la prochaine synchronisation."):
            self._write(sync_review.restore_overwrite, self.db, overwrite.lost_op_id)

    # --- devices -------------------------------------------------------------------------------
    def export_key(self) -> None:
        name = self.snapshot.status.replica_name if self.snapshot else ""
        path = self.ask_path("Exporter ma clé", KEY_FILTER, save_as=f"cle-{safe_file_name(name or 'poste')}.json")
        if path is None:
            return
        try:
            written = sync.write_key_file(self.db, path)
        except REFUSALS as exc:
            QMessageBox.warning(self, "Carnet PETR", sentence(str(exc)))
            return
        QMessageBox.information(self, "Carnet PETR", f"Clé de cet ordinateur enregistrée : {written}\n\n"
                                "Sur l'autre poste : Synchronisation › Appareils › « Enrôler un appareil… » "
                                "avec ce fichier.")

    def enrol(self) -> None:
        path = self.ask_path("Enrôler un appareil", KEY_FILTER)
        if path is None:
            return
        done, peer = self._write(sync.enrol, self.db, path)
        if done:
            self.tabs.setCurrentIndex(self.DEVICES)
            QMessageBox.information(self, "Carnet PETR", f"« {peer.name} » est enrôlé : ses fichiers seront "
                                                         "acceptés sur cet ordinateur.")

    def revoke(self) -> None:
        peer: sync.Peer | None = self.devices.selected()
        if peer is not None and self.confirm(
                f"Révoquer « {peer.name} » ?\n\nSes fichiers seront refusés sur cet ordinateur. Vous pourrez "
                "l'enrôler de nouveau avec son fichier de clé."):
            self._write(sync.revoke, self.db, peer.key_id)


# --- Details of the selected row -----------------------------------------------------------------

def _conflict_text(view: ConflictView) -> str:
    if view.kind == "delete_edit" and len(view.sides) == 2:
        deleted, edited = view.sides
        return (f"{view.title}\n\nSupprimé par {by(deleted)}.\n"
                f"Modifié par {by(edited)} : « {shown(edited)} »")
    parts = [f"{view.title} — {capital(view.field_label)}"]
    parts += [f"Version {s.letter.upper()} — {by(s)} :\n{shown(s)}" for s in view.sides]
    return "\n\n".join(parts)


def _proposal_text(proposal: Proposal) -> str:
    return (f"{proposal.title} — {capital(proposal.field_label)}\n\n"
            f"Valeur validée :\n{sync_review.shown(proposal.current) or '(vide)'}\n\n"
            f"Modification reçue après validation — {by(proposal.proposed)} :\n{shown(proposal.proposed)}")


def _overwrite_text(overwrite: Overwrite) -> str:
    return (f"{overwrite.title} — {capital(overwrite.field_label)}\n\n"
            f"Valeur remplacée — {by(overwrite.lost)} :\n{shown(overwrite.lost)}\n\n"
            f"Valeur retenue — {by(overwrite.won)} :\n{shown(overwrite.won)}")
