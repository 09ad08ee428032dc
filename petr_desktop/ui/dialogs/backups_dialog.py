"""« Sauvegardes »: the rotating backups (date, reason, size), a backup now, a check, a restore.

Restoring replaces the open database: the app closes it, restores, then closes itself; the user
starts it again (the restored database takes a new replica id at that opening).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHBoxLayout,
                               QHeaderView, QLabel, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from ...services import backups
from ...services.errors import ServiceError, describe_os_error


class BackupsDialog(QDialog):
    def __init__(self, context, parent=None) -> None:
        super().__init__(parent)
        self.context = context
        self.folder = backups.backups_folder(context.db.path)
        self.items: list[backups.BackupInfo] = []
        #: Called after a restore (tests replace it: quitting would end the test run).
        self.quit_application = QApplication.quit
        self.setWindowTitle("Sauvegardes")
        self.resize(760, 420)
        intro = QLabel(f"Sauvegardes automatiques (quotidienne, avant migration, avant import) et manuelles, "
                       f"les {backups.keep_per_kind()} plus récentes de chaque type (nombre réglable dans "
                       f"« Paramètres »), dans « {self.folder} ».", self)
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Date", "Raison", "Taille", "État"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.backup_button = QPushButton("Sauvegarder maintenant", self)
        self.check_button = QPushButton("Vérifier", self)
        self.restore_button = QPushButton("Restaurer…", self)
        self.backup_button.clicked.connect(self.backup_now)
        self.check_button.clicked.connect(self.check_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.check_button, self.restore_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    def refresh(self) -> None:
        self.items = backups.list_backups(self.folder)
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            cells = (item.date_label, item.reason_label, item.size_label, "")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                cell.setToolTip(str(item.path))
                self.table.setItem(row, column, cell)
        self._update_buttons()

    def selected(self) -> backups.BackupInfo | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) and self.table.selectedItems() else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.check_button.setEnabled(chosen)
        self.restore_button.setEnabled(chosen)

    def backup_now(self) -> None:
        try:
            path = backups.make_backup(self.context.db, backups.MANUAL)
        except OSError as exc:
            QMessageBox.warning(self, "Sauvegardes", f"Sauvegarde impossible : {describe_os_error(exc)}.")
            return
        self.refresh()
        self.status.setText(f"Sauvegarde écrite : {path.name}")

    def check_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        found = backups.problems(item.path, full=False)
        self.table.item(self.table.currentRow(), 3).setText("endommagée" if found else "saine")
        self.status.setText(found[0] if found else f"Sauvegarde saine : {item.path.name}")

    def restore_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        found = backups.problems(item.path)
        if found:
            QMessageBox.warning(self, "Sauvegardes", f"Restauration refusée : {found[0]}.")
            return
        answer = QMessageBox.question(
            self, "Restaurer une sauvegarde",
            f"Remplacer la base par la sauvegarde {item.reason_label} du {item.date_label} ?\n\n"
            "La base actuelle sera d'abord sauvegardée (« avant restauration »). Carnet PETR se fermera "
            "ensuite : relancez-le pour retrouver les données restaurées.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.context.db.close()
        try:
            backups.restore(self.context.db.path, item.path)
        except (ServiceError, OSError) as exc:
            QMessageBox.critical(self, "Sauvegardes", f"Restauration impossible : {exc}. Relancez Carnet PETR.")
        else:
            QMessageBox.information(self, "Sauvegardes", "Sauvegarde restaurée. Carnet PETR va se fermer : "
                                                         "relancez-le pour continuer.")
        self.accept()
        self.quit_application()
