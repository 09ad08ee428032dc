"""The GUI export mechanism: file chosen, produced off the GUI thread, written atomically."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from petr_desktop.ui.exporting import Exporter, safe_file_name


def _exporter(qtbot, make_context, db, target: Path) -> Exporter:
    parent = QWidget()
    qtbot.addWidget(parent)
    exporter = Exporter(make_context(db), parent)
    exporter.ask_path = lambda title, suggested, file_filter: target
    return exporter


def test_export_writes_the_file_and_offers_to_open_it(qtbot, make_context, db, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "relevé.pdf"
    exporter = _exporter(qtbot, make_context, db, target)
    exporter.export("Exporter le relevé", "Relevé.pdf", "PDF (*.pdf)", lambda progress: b"%PDF-1.7 contenu")
    assert target.read_bytes() == b"%PDF-1.7 contenu"
    assert {b.text() for b in exporter.last_box.buttons()} == {"Ouvrir le fichier", "Ouvrir le dossier", "Fermer"}
    assert str(target) in exporter.last_box.text()
    assert exporter.context.settings.value("exports/folder") == str(target.parent)
    assert [p.name for p in target.parent.iterdir()] == ["relevé.pdf"]     # no temporary file left


def test_a_locked_target_gives_a_french_message_and_no_partial_file(qtbot, make_context, db, tmp_path,
                                                                     message_boxes):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "occupé.xlsx"
    target.mkdir()                                   # something that cannot be replaced by a file
    exporter = _exporter(qtbot, make_context, db, target)
    exporter.export("Exporter", "x.xlsx", "Excel (*.xlsx)", lambda progress: b"PK data")
    kind, text = message_boxes[-1]
    assert kind == "warning" and text.startswith("Le fichier n'a pas été enregistré : ")
    assert [p.name for p in target.parent.iterdir()] == ["occupé.xlsx"] and target.is_dir()


def test_service_refusals_are_shown_in_french(qtbot, make_context, db, tmp_path, message_boxes):
    from petr_desktop.services.errors import FrozenRecordError

    def refuse(progress):
        raise FrozenRecordError("Ce relevé n'est pas encore signé.")

    exporter = _exporter(qtbot, make_context, db, tmp_path / "x.pdf")
    exporter.export("Exporter", "x.pdf", "PDF (*.pdf)", refuse)
    assert message_boxes[-1] == ("warning", "Ce relevé n'est pas encore signé.")
    assert not (tmp_path / "x.pdf").exists()


def test_file_names_are_safe_on_windows():
    assert safe_file_name('Relevé 2026: « Pays / PETR »?.pdf') == "Relevé 2026- « Pays - PETR »-.pdf"
    assert safe_file_name(" . ") == "export"
