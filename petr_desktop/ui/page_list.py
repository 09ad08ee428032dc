"""The pages of the side navigation, named but not imported (the main window builds each on first
use); the one list the window, its shortcuts (Ctrl+1 …) and the F1 panel follow."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pages.base import Page


@dataclass(frozen=True)
class PageEntry:
    """A page of the navigation, named but not imported: a page's module is imported and the
    page built the first time it is shown, so the window appears without paying for all of them."""

    module: str
    class_name: str
    title: str
    icon_name: str

    def load(self) -> type[Page]:
        return getattr(import_module(f"{__package__}.pages.{self.module}"), self.class_name)


PAGES: tuple[PageEntry, ...] = (
    PageEntry("dashboard", "DashboardPage", "Tableau de bord", "dashboard"),
    PageEntry("structures", "StructuresPage", "Structures", "structures"),
    PageEntry("meetings", "MeetingsPage", "Réunions", "meetings"),
    PageEntry("actions", "ActionsPage", "Actions", "actions"),
    PageEntry("sheets", "SheetsPage", "Fiches", "sheets"),
    PageEntry("instruction", "InstructionPage", "Instruction", "money"),
    PageEntry("practices", "PracticesPage", "Bonnes pratiques", "decision"),
    PageEntry("sync", "SyncPage", "Synchronisation", "sync"),
    PageEntry("settings", "SettingsPage", "Paramètres", "settings"),
)
#: The focused screen of a meeting, outside the navigation.
MEETING_MODE = PageEntry("meeting_mode", "MeetingModePage", "Mode réunion", "meetings")
SYNC_ROW = next(row for row, entry in enumerate(PAGES) if entry.class_name == "SyncPage")
#: Which page shows which screen of navigation.resolve.
SCREEN_PAGES = {"structure": "StructuresPage", "meeting": "MeetingModePage", "sheet": "SheetsPage",
                "action": "ActionsPage"}


def entry_of(page: type[Page] | str) -> PageEntry:
    name = page if isinstance(page, str) else page.__name__
    return MEETING_MODE if name == MEETING_MODE.class_name else next(e for e in PAGES if e.class_name == name)
