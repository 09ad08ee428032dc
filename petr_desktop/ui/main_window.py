"""The main window: side navigation, pages, global search, save state and sync counter."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QStackedWidget, QToolBar, QToolButton, QWidget)

from ..services import navigation, profile, sync_review
from . import keys
from .context import AppContext
from .export_menus import build_global_menu
from .exporting import Exporter
from .icons import icon
from .page_list import MEETING_MODE, PAGES, SCREEN_PAGES, SYNC_ROW
from .page_list import entry_of as _entry
from .pages.base import Page


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, activate_after_paint: bool = False) -> None:
        """``activate_after_paint``: the first page starts reading its data once the window has
        painted, not before (a worker running Python while the window paints makes the paint
        wait for the interpreter lock: 0.15 s at start-up)."""
        super().__init__()
        self.context = context
        self._activate_after_paint = activate_after_paint
        self._waiting_page: Page | None = None
        self.setWindowTitle("Carnet PETR — Ingénierie territoriale des Pays/PETR")
        self.setObjectName("main_window")
        self.resize(1280, 800)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(210)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, Page] = {}          # built pages, by class name
        for number, (entry, sequence) in enumerate(zip(PAGES, keys.key("page").sequences, strict=True)):
            item = QListWidgetItem(icon(entry.icon_name), entry.title)
            item.setToolTip(f"{entry.title} ({sequence})")
            self.nav.addItem(item)
            QShortcut(QKeySequence(sequence), self, activated=lambda n=number: self.go_to_row(n))
        self.nav.currentRowChanged.connect(self._show_page)

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
        self.search_action = QAction(icon("search"), f"Rechercher ({keys.shown('search')})", self)
        self.search_action.triggered.connect(self.open_search)
        help_action = QAction(icon("help"), f"Raccourcis ({keys.shown('help')})", self)
        help_action.triggered.connect(self.open_shortcuts)
        # Window-wide, and alive while the toolbar steps aside in meeting mode.
        window_wide = Qt.ShortcutContext.WindowShortcut
        keys.install(self, "search", self.open_search, window_wide)
        keys.install(self, "help", self.open_shortcuts, window_wide)
        keys.install(self, "new_meeting", self.new_meeting, window_wide)
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
    def page(self, page: type[Page] | str) -> Page:
        """The page (built on first use)."""
        entry = _entry(page)
        built = self.pages.get(entry.class_name)
        if built is None:
            built = entry.load()(self.context, self.stack)
            self.pages[entry.class_name] = built
            self.stack.addWidget(built)
            if entry is MEETING_MODE:
                built.leave_requested.connect(self.leave_meeting_mode)
        return built

    @property
    def meeting_mode(self) -> Page:
        return self.page(MEETING_MODE.class_name)

    def show_page(self, page: type[Page] | str) -> Page:
        entry = _entry(page)
        if entry is MEETING_MODE:
            self._enter_meeting_mode()
            return self.meeting_mode
        self._leave_focus()
        self.nav.setCurrentRow(PAGES.index(entry))
        return self.page(entry.class_name)

    def go_to_row(self, row: int) -> None:
        """Ctrl+1 …: a page of the navigation (leaving meeting mode first, its typing saved)."""
        if not self.nav.isVisible():
            self.meeting_mode.leave()
        self.nav.setCurrentRow(row)

    def new_meeting(self) -> None:
        self.show_page("MeetingsPage").new_meeting()

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
        page = self.page(PAGES[row].class_name)
        self.stack.setCurrentWidget(page)
        if self._activate_after_paint:
            self._waiting_page = page
        else:
            page.activate()
        self.refresh_sync_badge()

    def event(self, event) -> bool:  # noqa: D401
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and self._activate_after_paint:
            self._activate_after_paint = False       # painting now: its children follow, then the page reads
            QTimer.singleShot(0, self._activate_waiting_page)
        return handled

    def _activate_waiting_page(self) -> None:
        page, self._waiting_page = self._waiting_page, None
        if page is not None:
            page.activate()

    def open_shortcuts(self) -> None:
        from .dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def open_search(self) -> None:
        from .dialogs.search_dialog import SearchDialog

        dialog = SearchDialog(self.context, self)
        dialog.box.setFocus()
        dialog.exec()

    def open_record(self, kind: str, record_id: str) -> None:
        target = navigation.resolve(self.context.db, kind, record_id)
        if target is None:
            QMessageBox.information(self, "Carnet PETR", "Cet enregistrement n'existe plus.")
            return
        screen, screen_id = target
        page = self.show_page(SCREEN_PAGES[screen])
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
        title = PAGES[SYNC_ROW].title
        item = self.nav.item(SYNC_ROW)
        item.setText(f"{title} ({count})" if count else title)
        waiting = f" — {count} conflit{'s' if count > 1 else ''} à arbitrer" if count else ""
        item.setToolTip(f"{title} ({keys.key('page').sequences[SYNC_ROW]}){waiting}")
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
        self.nav.setCurrentRow(row if 0 <= row < len(PAGES) else 0)

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
