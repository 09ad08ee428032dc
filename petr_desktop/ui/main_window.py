"""The main window: side navigation, pages, global search, save state and sync counter."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QStackedWidget, QToolBar, QToolButton, QWidget)

from ..services import navigation, profile, sync_review
from .context import AppContext
from .dialogs.search_dialog import SearchDialog
from .export_menus import build_global_menu
from .exporting import Exporter
from .dialogs.shortcuts import ShortcutsDialog
from .icons import icon
from .pages.actions import ActionsPage
from .pages.base import Page
from .pages.dashboard import DashboardPage
from .pages.instruction import InstructionPage
from .pages.meeting_mode import MeetingModePage
from .pages.meetings import MeetingsPage
from .pages.practices import PracticesPage
from .pages.settings import SettingsPage
from .pages.sheets import SheetsPage
from .pages.structures import StructuresPage
from .pages.sync import SyncPage

PAGE_CLASSES: tuple[type[Page], ...] = (DashboardPage, StructuresPage, MeetingsPage, ActionsPage, SheetsPage,
                                        InstructionPage, PracticesPage, SyncPage, SettingsPage)
#: Which page shows which screen of navigation.resolve.
SCREEN_PAGES = {"structure": StructuresPage, "meeting": MeetingModePage, "sheet": SheetsPage,
                "action": ActionsPage}


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("Carnet PETR — Ingénierie territoriale des Pays/PETR")
        self.setObjectName("main_window")
        self.resize(1280, 800)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(210)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget(self)
        self.pages: dict[type[Page], Page] = {}
        for number, page_class in enumerate(PAGE_CLASSES, start=1):
            page = page_class(context, self.stack)
            self.pages[page_class] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(icon(page.icon_name), page.title)
            item.setToolTip(f"{page.title} (Ctrl+{number})")
            self.nav.addItem(item)
            shortcut = QAction(page.title, self)
            shortcut.setShortcut(QKeySequence(f"Ctrl+{number}"))
            shortcut.triggered.connect(lambda _=False, n=number - 1: self.nav.setCurrentRow(n))
            self.addAction(shortcut)
        self.nav.currentRowChanged.connect(self._show_page)
        self.meeting_mode = MeetingModePage(context, self.stack)
        self.pages[MeetingModePage] = self.meeting_mode
        self.stack.addWidget(self.meeting_mode)
        self.meeting_mode.leave_requested.connect(self.leave_meeting_mode)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.toolbar = toolbar = QToolBar("Outils", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.search_action = QAction(icon("search"), "Rechercher (Ctrl+K)", self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.search_action.triggered.connect(self.open_search)
        help_action = QAction(icon("help"), "Raccourcis (F1)", self)
        help_action.setShortcut(QKeySequence("F1"))
        help_action.triggered.connect(lambda: ShortcutsDialog(self).exec())
        toolbar.addAction(self.search_action)
        self.exporter = Exporter(context, self)
        self.export_menu = build_global_menu(context, self, self.exporter)
        export_button = QToolButton(self)
        export_button.setText("Exporter")
        export_button.setIcon(icon("export"))
        export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_button.setMenu(self.export_menu)
        toolbar.addWidget(export_button)
        toolbar.addAction(help_action)
        self.addToolBar(toolbar)

        self.save_state = QLabel("Aucune modification depuis l'ouverture", self)
        self.unsynced = QLabel(self)
        self.statusBar().addWidget(self.save_state, 1)
        self.statusBar().addPermanentWidget(self.unsynced)
        context.bus.saved.connect(self._on_saved)
        context.bus.save_failed.connect(self._on_save_failed)
        context.bus.open_record.connect(self.open_record)
        context.bus.data_changed.connect(self._refresh_unsynced)
        context.bus.data_changed.connect(self.refresh_sync_badge)
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(500)
        self._sync_timer.timeout.connect(self._refresh_unsynced)

        self._restore_state()
        self._refresh_unsynced()
        self.refresh_sync_badge()
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)

    # --- pages ---------------------------------------------------------------------------
    def page(self, page_class: type[Page]) -> Page:
        return self.pages[page_class]

    def show_page(self, page_class: type[Page]) -> Page:
        if page_class is MeetingModePage:
            self._enter_meeting_mode()
            return self.meeting_mode
        self._leave_focus()
        self.nav.setCurrentRow(PAGE_CLASSES.index(page_class))
        return self.pages[page_class]

    def _enter_meeting_mode(self) -> None:
        """A focused screen: the navigation and the toolbar step aside."""
        self.nav.hide()
        self.toolbar.hide()
        self.stack.setCurrentWidget(self.meeting_mode)

    def _leave_focus(self) -> None:
        self.nav.show()
        self.toolbar.show()

    def leave_meeting_mode(self) -> None:
        self._leave_focus()
        row = self.nav.currentRow()
        self._show_page(row if row >= 0 else 0)

    def _show_page(self, row: int) -> None:
        if row < 0:
            return
        page = self.pages[PAGE_CLASSES[row]]
        self.stack.setCurrentWidget(page)
        page.activate()
        self.refresh_sync_badge()

    def open_search(self) -> None:
        dialog = SearchDialog(self.context, self)
        dialog.box.setFocus()
        dialog.exec()

    def open_record(self, kind: str, record_id: str) -> None:
        target = navigation.resolve(self.context.db, kind, record_id)
        if target is None:
            QMessageBox.information(self, "Carnet PETR", "Cet enregistrement n'existe plus.")
            return
        screen, screen_id = target
        page_class = SCREEN_PAGES[screen]
        page = self.show_page(page_class)
        page.open_record(screen, screen_id)

    # --- status bar ----------------------------------------------------------------------
    def _on_saved(self, when: datetime) -> None:
        self.save_state.setText(f"Enregistré à {when:%H:%M}")
        self.save_state.setStyleSheet("")
        self._sync_timer.start()

    def _on_save_failed(self, reason: str) -> None:
        self.save_state.setText(f"Non enregistré : {reason} (votre saisie est conservée)")
        self.save_state.setStyleSheet("color: #b3261e;")

    def _refresh_unsynced(self) -> None:
        count = profile.unsynced_changes(self.context.db)
        self.unsynced.setText(f"{count} modification(s) non synchronisée(s)")

    def refresh_sync_badge(self) -> None:
        """The « Synchronisation » entry shows how many conflicts wait for a decision."""
        count = sync_review.open_conflict_count(self.context.db)
        row = PAGE_CLASSES.index(SyncPage)
        item = self.nav.item(row)
        item.setText(f"{SyncPage.title} ({count})" if count else SyncPage.title)
        waiting = f" — {count} conflit{'s' if count > 1 else ''} à arbitrer" if count else ""
        item.setToolTip(f"{SyncPage.title} (Ctrl+{row + 1}){waiting}")
        font = item.font()
        font.setBold(bool(count))
        item.setFont(font)

    # --- window state ----------------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = self.context.settings
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        row = settings.value("window/page", 0, type=int)
        self.nav.setCurrentRow(row if 0 <= row < len(PAGE_CLASSES) else 0)

    def closeEvent(self, event) -> None:  # noqa: N802
        for page in self.pages.values():
            close = getattr(page, "before_close", None)
            if close:
                close()
        settings = self.context.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/page", self.nav.currentRow())
        settings.sync()
        super().closeEvent(event)
