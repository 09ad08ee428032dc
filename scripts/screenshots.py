"""Regenerate the README screenshots from demo data.

Offscreen by default; under Xvfb: DISPLAY=:99 QT_QPA_PLATFORM=xcb python scripts/screenshots.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from petr_desktop.domain.models import Minutes
    from petr_desktop.services import demo, meetings, profile, records, sheets
    from petr_desktop.services.reference import structure_id
    from petr_desktop.storage.migrations import open_database
    from petr_desktop.tasks.runner import TaskRunner
    from petr_desktop.ui import startup
    from petr_desktop.ui.context import AppContext, Bus, make_settings
    from petr_desktop.ui.dialogs.meeting_dialog import MeetingDialog
    from petr_desktop.ui.main_window import PAGES, MainWindow

    app = QApplication(sys.argv[:1])
    startup.configure_application(app)
    folder = Path(tempfile.mkdtemp())
    db = open_database(folder / "demo.sqlite")
    demo.generate(db)
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable d'Isabelle")
    context = AppContext(db, make_settings(folder / "settings.ini"), TaskRunner(synchronous=True), Bus())
    window = MainWindow(context)
    window.resize(1366, 820)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def shot(name: str, widget=None) -> None:
        for _ in range(5):
            app.processEvents()
        (widget or window).grab().save(str(OUT / f"{name}.png"))

    for entry in PAGES:
        window.show_page(entry.class_name)
        shot(entry.class_name.removesuffix("Page").lower())
    langres = structure_id("Pays de Langres")
    context.bus.open_record.emit("structure", langres)
    shot("dossier")
    context.bus.open_record.emit("sheet", sheets.sheet_id(langres, 2026, "core_missions"))
    shot("fiche")
    record = next(m for m in records.list_rows(db, Minutes) if m.status == "to_validate")
    context.bus.open_record.emit("meeting", record.meeting_id)
    shot("mode-reunion")
    window.leave_meeting_mode()
    dialog = MeetingDialog(context, meetings.planning_choices(db), None, None, window)
    dialog.show()
    shot("nouvelle-reunion", dialog)
    print(OUT)


if __name__ == "__main__":
    main()
