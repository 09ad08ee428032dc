"""« Arbitrer un conflit » (ui/dialogs/merge_dialog.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QFont, QTextCursor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton

from conftest import type_text
from petr_desktop.ui.dialogs.merge_dialog import MergeData, MergeDialog, MergeSide

BASE = "Contexte : le bureau se renouvelle.\n\nBudget : enveloppe reconduite.\n\nDivers : néant."
MARIE = ("MD Marie Dupont", "28 novembre 2026 à 14:32", "Portable de Marie")
THEO = ("TM Théo Müller", "28 novembre 2026 à 14:35", "Portable de Théo")


def make(qtbot, a: str, b: str, base: str = BASE) -> MergeDialog:
    data = MergeData("Relevé du 12 novembre 2026 — Synthèse", base, MergeSide(a, *MARIE), MergeSide(b, *THEO))
    dialog = MergeDialog(None, data)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def child(dialog, kind, name):
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def result(dialog) -> QPlainTextEdit:
    return child(dialog, QPlainTextEdit, "mergeResult")


def status(dialog) -> str:
    return child(dialog, QLabel, "mergeStatus").text()


def validate(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


@pytest.fixture
def clean(qtbot):
    a = BASE.replace("le bureau se renouvelle", "le bureau se renouvelle en décembre")
    b = BASE + "\n\nClôture à 12 h 15."
    return make(qtbot, a, b)


@pytest.fixture
def conflicting(qtbot):
    return make(qtbot, BASE.replace("reconduite", "reconduite, 5 % pour la mobilité"),
                BASE.replace("reconduite", "reconduite ; arbitrage attendu"))


def test_columns_show_the_three_versions(clean):
    assert clean.windowTitle() == "Arbitrer un conflit"
    assert child(clean, QPlainTextEdit, "mergeBase").toPlainText() == BASE
    assert child(clean, QPlainTextEdit, "mergeA").toPlainText() == clean.data.a.value
    assert child(clean, QPlainTextEdit, "mergeB").toPlainText() == clean.data.b.value
    assert all(child(clean, QPlainTextEdit, name).isReadOnly() for name in ("mergeBase", "mergeA", "mergeB"))
    assert not result(clean).isReadOnly()
    headings = [label.text() for label in clean.findChildren(QLabel)]
    assert "Version A — MD Marie Dupont, 28 novembre 2026 à 14:32 (Portable de Marie)" in headings
    assert "Version B — TM Théo Müller, 28 novembre 2026 à 14:35 (Portable de Théo)" in headings


def test_clean_merge_is_prefilled_and_accepted(clean, tmp_path: Path):
    expected = ("Contexte : le bureau se renouvelle en décembre.\n\nBudget : enveloppe reconduite.\n\n"
                "Divers : néant.\n\nClôture à 12 h 15.")
    assert clean.result_text() == expected
    assert status(clean) == "Fusion automatique sans conflit"
    assert clean.choice == "merged"
    shot = tmp_path / "merge_dialog.png"
    assert clean.grab().save(str(shot)) and shot.stat().st_size > 0
    validate(clean)
    assert clean.result() == QDialog.DialogCode.Accepted


def test_conflict_refuses_validation_until_markers_are_removed(conflicting, tmp_path: Path):
    text = conflicting.result_text()
    assert "[Version A — MD Marie Dupont, 28 novembre 2026 à 14:32]" in text
    assert "[Version B — TM Théo Müller, 28 novembre 2026 à 14:35]" in text
    assert "reconduite, 5 % pour la mobilité" in text and "reconduite ; arbitrage attendu" in text
    assert status(conflicting).startswith("1 passage en conflit : les deux versions sont reprises")
    marker = result(conflicting).document().findBlock(text.index("[Version A"))
    styles = marker.layout().formats()
    assert styles and styles[0].format.foreground().color() == QColor("#b3261e")
    assert styles[0].format.fontWeight() == QFont.Weight.Bold
    assert not result(conflicting).document().firstBlock().layout().formats()  # plain paragraphs stay plain
    shot = tmp_path / "conflict.png"
    assert conflicting.grab().save(str(shot)) and shot.exists()

    validate(conflicting)
    assert conflicting.isVisible() and conflicting.result() == QDialog.DialogCode.Rejected
    assert "Impossible de valider" in status(conflicting)

    # Removing only one marker is not enough.
    result(conflicting).setPlainText(text.replace("[Version A — MD Marie Dupont, 28 novembre 2026 à 14:32]\n\n", ""))
    validate(conflicting)
    assert conflicting.isVisible() and "Impossible de valider" in status(conflicting)

    final = BASE.replace("reconduite", "reconduite, 5 % pour la mobilité ; arbitrage attendu")
    result(conflicting).setPlainText(final)
    assert "en conflit" not in status(conflicting)
    validate(conflicting)
    assert conflicting.result() == QDialog.DialogCode.Accepted
    assert conflicting.result_text() == final and conflicting.choice == "merged"


def test_keep_a_keep_b_and_back_to_the_suggestion(conflicting):
    suggestion = conflicting.result_text()
    child(conflicting, QPushButton, "keepA").click()
    assert conflicting.result_text() == conflicting.data.a.value and conflicting.choice == "a"
    child(conflicting, QPushButton, "keepB").click()
    assert conflicting.result_text() == conflicting.data.b.value and conflicting.choice == "b"
    child(conflicting, QPushButton, "suggest").click()
    assert conflicting.result_text() == suggestion and conflicting.choice == "merged"
    child(conflicting, QPushButton, "keepB").click()
    validate(conflicting)
    assert conflicting.result() == QDialog.DialogCode.Accepted and conflicting.choice == "b"


def test_cancel_rejects(conflicting):
    conflicting.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert conflicting.result() == QDialog.DialogCode.Rejected and not conflicting.isVisible()


def test_french_text_round_trip(qtbot):
    a = "Œuvre « mobilité » : élus présents à Noël.\n\nÇa coûte 12 500,00 €."
    dialog = make(qtbot, a, "", base="")
    assert dialog.result_text() == a and dialog.choice == "a"  # B is empty: nothing to arbitrate
    edited = a + "\n\nAjouté : déjà vu, naïf, cœur, « guillemets »."
    editor = result(dialog)
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.insertPlainText("\n\n")
    type_text(editor, "Ajouté : déjà vu, naïf, cœur, « guillemets ».")
    assert dialog.result_text() == edited and dialog.choice == "merged"
    validate(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.result_text() == edited


def test_created_on_both_devices_shows_both(qtbot):
    dialog = make(qtbot, "Notes de Marie : séance ouverte.", "Notes de Théo : séance ouverte à 9 h.", base="")
    assert dialog.result_text() == ("[Version A — MD Marie Dupont, 28 novembre 2026 à 14:32]\n\n"
                                    "Notes de Marie : séance ouverte.\n\n"
                                    "[Version B — TM Théo Müller, 28 novembre 2026 à 14:35]\n\n"
                                    "Notes de Théo : séance ouverte à 9 h.")
    assert "en conflit" in status(dialog)
