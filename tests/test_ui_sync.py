"""The Synchronisation page between two real replicas: export, import, conflicts, proposals, devices."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from helpers.sync_replicas import exchange_all, make_replicas
from petr_desktop.domain.models import Action, Meeting, Minutes, Structure
from petr_desktop.services import meetings, minutes, records, reference, sync, sync_review
from petr_desktop.services.errors import ServiceError
from petr_desktop.services.sync_review import ConflictView, Side
from petr_desktop.storage.migrations import open_database
from petr_desktop.sync.container import PassphraseNeeded
from petr_desktop.ui.dialogs.merge_dialog import MergeDialog
from petr_desktop.ui.dialogs.sync_dialogs import ChoiceDialog, ReportDialog, choice_dialog
from petr_desktop.ui.pages.sync import SyncPage

IDS: dict[str, str] = {}
ACCEPTED = QDialog.DialogCode.Accepted


@pytest.fixture(scope="module")
def sync_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui_sync") / "template.sqlite"
    db = open_database(path)
    reference.load_reference(db)
    structure = reference.structure_id("Pays de la Déodatie")
    meeting = meetings.create_meeting(db, "management_dialogue", "2026-11-12", structure_id=structure)
    record = minutes.open_minutes(db, meeting.id, author="Isabelle Kuntz")
    records.update(db, Minutes, record.id, summary="Premier paragraphe.\n\nDeuxième paragraphe.")
    action = minutes.add_action(db, record.id, "Envoyer le tableau", owner_name="Claire Martin")
    IDS.update(meeting=meeting.id, minutes=record.id, action=action.id)
    db.close()
    return path


@pytest.fixture
def pair(sync_template, tmp_path):
    a, b = make_replicas(sync_template, tmp_path / "replicas", "Portable", "Bureau")
    yield a, b
    a.db.close(), b.db.close()


@pytest.fixture
def window(pair, make_window):
    """The main window over the laptop (« Portable »); the pair is closed after the window."""
    return make_window(pair[0].db)


def sync_page(window) -> SyncPage:
    return window.show_page(SyncPage)


class Dialogs(list):
    """Replaces ``run_dialog``: records each dialog, lets ``answer`` fill it in, returns its code."""

    def __init__(self, page: SyncPage, answer=lambda dialog: ACCEPTED) -> None:
        super().__init__()
        self.answer = answer
        page.run_dialog = self

    def __call__(self, dialog: QDialog) -> int:
        self.append(dialog)
        return self.answer(dialog)


def cells(tab, row: int = 0) -> list[str]:
    model = tab.view.model()
    return [model.index(row, column).data() for column in range(model.columnCount())]


def nav_item(window):
    from petr_desktop.ui.main_window import SYNC_ROW

    return window.nav.item(SYNC_ROW)


def nav_text(window) -> str:
    return nav_item(window).text()


def test_export_button_writes_a_file_the_history_lists(window, pair, tmp_path, message_boxes):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    page = sync_page(window)
    assert page.device.text().startswith("Portable (clé ") and int(page.pending.text()) > 0
    target = tmp_path / "usb" / "pour-le-bureau.petrsync"
    target.parent.mkdir()
    asked = []
    page.ask_path = lambda title, file_filter, save_as=None: asked.append((title, save_as)) or target
    page.export_button.click()
    assert asked[0][0] == "Exporter pour le bureau" and asked[0][1].endswith(".petrsync")
    assert target.is_file() and message_boxes == []
    box = page.last_box
    assert box.text().startswith(f"Fichier écrit : {target}") and "vous pouvez retirer la clé USB" in box.text()
    assert {button.text() for button in box.buttons()} == {"Ouvrir le dossier", "Fermer"}
    box.close()
    assert page.pending.text() == "0" and page.pending_text.text() == "modification à envoyer"
    assert window.unsynced.text() == "0 modification(s) non synchronisée(s)"
    assert cells(page.history)[1:4] == ["envoyé", "tous les appareils enrôlés", "pour-le-bureau.petrsync"]
    assert "pour-le-bureau.petrsync" in page.history.detail.toPlainText()
    assert b.receive(target).status == "imported"
    page.grab().save(str(tmp_path / "sync-export.png"))


def test_import_shows_the_report_then_a_text_conflict_is_merged(window, pair, tmp_path, qtbot):
    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Premier paragraphe revu.\n\nDeuxième paragraphe.")
    records.update(b.db, Minutes, IDS["minutes"], summary="Premier paragraphe.\n\nDeuxième paragraphe complété.")
    page = sync_page(window)
    assert nav_text(window) == "Synchronisation"
    page.ask_path = lambda title, file_filter, save_as=None: b.export()
    dialogs = Dialogs(page)
    with qtbot.waitSignal(window.context.bus.data_changed, timeout=1000):
        page.import_button.click()
    [report] = dialogs
    assert isinstance(report, ReportDialog) and report.heading.text() == "Import terminé"
    assert report.lines()[0] == "Fichier « Bureau-001.petrsync » de « Bureau »."
    assert any("1 conflit(s) à arbitrer" in line for line in report.lines())
    assert page.tabs.currentIndex() == page.CONFLICTS
    assert page.tabs.tabText(page.CONFLICTS) == "Conflits à arbitrer (1)"
    assert nav_text(window) == "Synchronisation (1)" and "1 conflit à arbitrer" in nav_item(window).toolTip()
    assert cells(page.conflicts)[:3] == ["Relevé du 12 novembre 2026 — Pays de la Déodatie", "Synthèse",
                                         "A : Portable, B : Bureau"]
    assert "Version B — Bu Agent Bureau" in page.conflicts.detail.toPlainText()
    assert cells(page.history)[1:3] == ["reçu", "Bureau"]
    page.grab().save(str(tmp_path / "sync-conflicts.png"))

    def merge(dialog: MergeDialog) -> int:
        assert dialog.base_view.toPlainText() == "Premier paragraphe.\n\nDeuxième paragraphe."
        assert dialog.status.text() == "Fusion automatique sans conflit"
        dialog.grab().save(str(tmp_path / "sync-merge.png"))
        dialog.set_result(dialog.result_text() + "\n\nArbitré au bureau.")
        return ACCEPTED

    dialogs.answer = merge
    pending = int(page.pending.text())
    page.conflicts.view.activated.emit(page.conflicts.view.model().index(0, 0))
    assert isinstance(dialogs[-1], MergeDialog)
    assert records.get(a.db, Minutes, IDS["minutes"]).summary == (
        "Premier paragraphe revu.\n\nDeuxième paragraphe complété.\n\nArbitré au bureau.")
    assert page.conflicts.model.rows == [] and page.conflicts.hint.text() == "Aucun conflit à arbitrer."
    assert nav_text(window) == "Synchronisation" and int(page.pending.text()) > pending
    assert not page.arbitrate_button.isEnabled()


def test_delete_against_edit_is_settled_by_a_choice(window, pair):
    a, b = pair
    records.delete(a.db, Action, IDS["action"])
    records.update(b.db, Action, IDS["action"], text="Envoyer le tableau complété")
    a.receive(b.export())
    window.refresh_sync_badge()
    page = sync_page(window)
    assert nav_text(window) == "Synchronisation (1)"
    assert cells(page.conflicts)[1:3] == ["Suppression", "supprimé sur « Portable », modifié sur « Bureau »"]

    def delete(dialog: ChoiceDialog) -> int:
        assert [r.text() for r in dialog.radios.values()] == ["Garder avec les modifications",
                                                               "Supprimer définitivement"]
        assert not dialog.ok_button.isEnabled()           # an explicit choice is required
        dialog.choose("a")
        return ACCEPTED

    Dialogs(page, delete)
    page.arbitrate_button.click()
    with pytest.raises(ServiceError):
        records.get(a.db, Action, IDS["action"])
    assert sync_review.open_conflict_count(a.db) == 0 and nav_text(window) == "Synchronisation"


def test_other_values_are_chosen_with_the_shown_one_preselected(qtbot):
    sides = tuple(Side(letter, f"op{letter}", value, f"Agent {device}", "28 novembre 2026 à 14:32", device)
                  for letter, value, device in (("a", "1200", "Portable"), ("b", "1500", "Bureau")))
    view = ConflictView("c1", "indicator", "r1", "target", "value", "Indicateur « Emplois »", "cible", sides,
                        "", "1500", "2026-11-28T13:32:00.000Z")
    dialog = choice_dialog(None, view)
    qtbot.addWidget(dialog)
    assert dialog.choice == "b"
    assert [r.text() for r in dialog.radios.values()] == ["Version A — Portable",
                                                          "Version B — Bureau (affichée actuellement)"]


def test_late_modifications_become_a_rectificatif_or_are_rejected(window, pair, message_boxes):
    a, b = pair
    minutes.submit_for_validation(a.db, IDS["minutes"])
    exchange_all([a, b])
    minutes.sign(a.db, IDS["minutes"], "Isabelle Kuntz", "Chargée de mission")
    records.update(b.db, Minutes, IDS["minutes"], summary="Ajout tardif sur le portable",
                   next_steps="Relancer en janvier")
    a.receive(b.export())
    page = sync_page(window)
    assert page.tabs.tabText(page.PROPOSALS) == "Modifications reçues après validation (2)"
    texts = [p.proposed.text for p in page.proposals.model.rows]
    page.proposals.view.selectRow(texts.index("Ajout tardif sur le portable"))
    assert "Valeur validée :\nPremier paragraphe." in page.proposals.detail.toPlainText()
    page.amend_button.click()
    kind, question = message_boxes[-1]
    assert kind == "question" and question.startswith("Rectificatif n° 1 créé en brouillon pour « Relevé du 12 ")
    assert window.stack.currentWidget() is window.meeting_mode        # « Oui » opened the record
    window.leave_meeting_mode()
    [left] = page.proposals.model.rows
    assert left.proposed.text == "Relancer en janvier" and cells(page.proposals)[1] == "Suites à donner"
    page.reject_button.click()
    assert message_boxes[-1][1].startswith("Rejeter la modification de ")
    assert page.proposals.model.rows == []
    assert {p.status for p in sync_review.proposals(a.db, include_closed=True)} == {"amended", "rejected"}
    assert records.get(a.db, Minutes, IDS["minutes"]).summary == "Premier paragraphe.\n\nDeuxième paragraphe."


def test_a_replaced_value_is_restored(window, pair, message_boxes):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    records.update(b.db, Meeting, IDS["meeting"], place="Épinal")          # later: wins
    a.receive(b.export())
    page = sync_page(window)
    page.tabs.setCurrentIndex(page.OVERWRITES)
    assert cells(page.overwrites)[1:4] == ["Lieu", "Saint-Dié", "Épinal"]
    page.restore_button.click()
    assert message_boxes[-1][1].startswith("Rétablir « Saint-Dié » à la place de « Épinal »")
    assert records.get(a.db, Meeting, IDS["meeting"]).place == "Saint-Dié"
    assert page.overwrites.model.rows == [] and page.tabs.tabText(page.OVERWRITES) == "Valeurs remplacées (0)"


def test_encrypted_files_both_ways(window, pair, tmp_path):
    a, b = pair
    page = sync_page(window)
    asked = []

    def passphrase(message, confirm=False, error=""):
        asked.append((confirm, error))
        return ["cheval", "cheval correct", "secret"][len(asked) - 1]

    page.ask_passphrase = passphrase
    dialogs = Dialogs(page)
    records.update(b.db, Meeting, IDS["meeting"], place="Épinal")
    protected = b.export(passphrase="cheval correct")
    page.ask_path = lambda title, file_filter, save_as=None: protected
    page.import_button.click()
    assert asked == [(False, ""), (False, "Mot de passe incorrect : réessayez.")]
    assert isinstance(dialogs[-1], ReportDialog)
    assert records.get(a.db, Meeting, IDS["meeting"]).place == "Épinal"
    # and a protected export
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    page.protect.setChecked(True)
    target = tmp_path / "protege.petrsync"
    page.ask_path = lambda title, file_filter, save_as=None: target
    page.export_button.click()
    assert asked[-1] == (True, "")
    page.last_box.close()
    with pytest.raises(PassphraseNeeded):
        b.receive(target)
    assert b.receive(target, passphrase="secret").status == "imported"


def test_mass_deletion_is_asked_on_the_gui_thread(window, pair, message_boxes):
    a, b = pair
    doomed = [s.id for s in records.list_rows(b.db, Structure)[:10]]
    for structure_id in doomed:
        records.delete(b.db, Structure, structure_id)
    page = sync_page(window)
    page.ask_path = lambda title, file_filter, save_as=None: path
    path = b.export()
    dialogs = Dialogs(page)
    message_boxes.answer = QMessageBox.StandardButton.No
    page.import_button.click()
    kind, question = message_boxes[-1]
    assert kind == "question" and "supprime beaucoup d'éléments" in question and "structure : 10" in question
    assert dialogs == [] and len(records.list_rows(a.db, Structure)) == 30
    message_boxes.answer = QMessageBox.StandardButton.Yes
    page.import_button.click()
    assert isinstance(dialogs[-1], ReportDialog) and len(records.list_rows(a.db, Structure)) == 20


def test_devices_enrol_export_key_revoke_and_refused_file(window, pair, sync_template, tmp_path, message_boxes):
    a, b = pair
    page = sync_page(window)
    page.tabs.setCurrentIndex(page.DEVICES)
    assert cells(page.devices)[:3] == ["Bureau", sync.device_key(b.db).key_id, "Actif"]
    # export this computer's key
    key = tmp_path / "cle-portable.json"
    page.ask_path = lambda title, file_filter, save_as=None: key
    page.key_button.click()
    assert key.is_file() and message_boxes[-1][1].startswith(f"Clé de cet ordinateur enregistrée : {key}")
    # enrol a new device from its key file
    [tablet] = make_replicas(sync_template, tmp_path / "more", "Tablette", enrol=False)
    tablet_key = sync.write_key_file(tablet.db, tmp_path / "cle-tablette.json")
    page.ask_path = lambda title, file_filter, save_as=None: tablet_key
    page.enrol_button.click()
    assert message_boxes[-1] == ("information", "« Tablette » est enrôlé : ses fichiers seront acceptés sur "
                                                "cet ordinateur.")
    assert [p.name for p in page.devices.model.rows] == ["Bureau", "Tablette"]
    assert page.tabs.tabText(page.DEVICES) == "Appareils (2)"
    # revoke the office: its files are refused, in French, and the history says so
    page.devices.view.selectRow(0)
    page.revoke_button.click()
    assert message_boxes[-1][1].startswith("Révoquer « Bureau » ?")
    assert cells(page.devices)[2].startswith("Révoqué le ") and not page.revoke_button.isEnabled()
    records.update(b.db, Meeting, IDS["meeting"], place="Épinal")
    refused = b.export()
    page.ask_path = lambda title, file_filter, save_as=None: refused
    page.import_button.click()
    kind, text = message_boxes[-1]
    assert kind == "warning" and text.startswith("Le fichier « Bureau-001.petrsync » n'a pas été importé.\n\n")
    assert "L'appareil « Bureau » a été révoqué le " in text
    assert cells(page.history)[1] == "refusé" and "refusé" in page.history.detail.toPlainText()
    assert records.get(a.db, Meeting, IDS["meeting"]).place != "Épinal"
    page.grab().save(str(tmp_path / "sync-devices.png"))
    tablet.db.close()
