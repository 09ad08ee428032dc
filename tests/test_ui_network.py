"""The network's screens: the campaign dialog (preview, creation), speakers and attendance per
structure from the meetings page, the standing team in the dossier, « Marquer comme bonne
pratique » in the meeting mode, and the « Bonnes pratiques » page (filters, export)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QLineEdit

from conftest import type_text
from petr_desktop.domain.models import AgendaItem, Meeting, Person, Structure
from petr_desktop.services import campaign, meetings, minutes, network, practices, records, reference, sheets
from petr_desktop.ui.dialogs.campaign_dialog import CampaignDialog
from petr_desktop.ui.dialogs.network_dialogs import AttendanceDialog, PracticeDialog, SpeakersDialog, TeamDialog
from petr_desktop.ui.pages.dossier import TAB_TEAM
from petr_desktop.ui.pages.meeting_mode import MeetingModePage
from petr_desktop.ui.pages.meetings import MeetingsPage
from petr_desktop.ui.pages.practices import PracticesPage
from petr_desktop.ui.pages.structures import StructuresPage

TODAY = date(2026, 11, 28)
LANGRES = reference.structure_id("Pays de Langres")
CHAUMONT = reference.structure_id("Pays de Chaumont")


@pytest.fixture
def meetings_page(qtbot, db, make_context):
    page = MeetingsPage(make_context(db))
    page.today = lambda: TODAY
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    return page


def _select(page: MeetingsPage, meeting_id: str) -> None:
    page.activate()
    assert page.select_meeting(meeting_id) and page.selected_meeting().id == meeting_id


# --- campaign ------------------------------------------------------------------------------------

def test_campaign_preview_and_creation(meetings_page, db, message_boxes):
    meetings_page.campaign_button.click()
    dialog = meetings_page.campaign_dialog
    assert isinstance(dialog, CampaignDialog) and dialog.isVisible()
    assert dialog.year_spin.value() == 2027                       # planned ahead from October on
    assert dialog.model.rowCount() == 60 and dialog.create_button.text() == "Créer les 60 réunions"
    dialog.one_button.setChecked(True)
    assert dialog.model.rowCount() == 30 and dialog.create_button.text() == "Créer les 30 réunions"
    first = dialog.view.model().index(0, 0).data()
    assert first.split()[0] in campaign.WEEKDAYS and first.endswith("2027")
    for box in dialog.month_boxes.values():
        box.setChecked(False)
    assert dialog.error.text() == "Choisissez au moins un mois pour la campagne"
    assert not dialog.create_button.isEnabled()
    dialog.month_boxes[2].setChecked(True)
    assert dialog.error.text().startswith("Pas assez de jours ouvrés libres en février 2027 : 30 dialogues")
    dialog.month_boxes[3].setChecked(True)
    assert dialog.model.rowCount() == 30 and dialog.error.text() == ""
    assert "30 dialogues proposés pour 30 structures" in dialog.notes.text()
    dialog.create_button.click()
    assert not dialog.isVisible()
    created = [m for m in records.list_rows(db, Meeting) if m.kind == "management_dialogue"]
    assert len(created) == 30 and {m.meeting_date.month for m in created} == {2, 3}
    assert message_boxes[-1][1].startswith("30 dialogue(s) de gestion planifié(s)")
    assert meetings_page.model.rowCount() == 30


# --- speakers and attendance per structure ----------------------------------------------------------

def test_speakers_dialog(meetings_page, db):
    day = meetings.create_meeting(db, "conference_day", date(2026, 10, 8), title="Journée-conférence 2026")
    _select(meetings_page, day.id)
    assert meetings_page.network_box.isVisible()
    assert "0 intervenant(s)" in meetings_page.network_label.text()
    meetings_page.speakers_button.click()
    dialog = meetings_page.network_dialog
    assert isinstance(dialog, SpeakersDialog)
    dialog.add_speaker()
    dialog.table.item(0, 0).setText("Sophie Weber")
    dialog.table.item(0, 2).setText("Ouverture : l'ingénierie territoriale")
    dialog.add_speaker()
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.text() == "Indiquez le nom de l'intervenant"
    dialog.table.selectRow(1)
    dialog.remove_selected()
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert [(s.full_name, s.topic) for s in network.speakers(db, day.id)] == [
        ("Sophie Weber", "Ouverture : l'ingénierie territoriale")]
    assert "1 intervenant(s)" in meetings_page.network_label.text()


def test_attendance_per_structure_updates_the_sheets(meetings_page, db, qtbot, message_boxes):
    for row in records.list_rows(db, Structure):
        if row.id not in (LANGRES, CHAUMONT):
            records.update(db, Structure, row.id, active=False)
    director = records.create(db, Person, full_name="Julien Klein", function="Directeur", structure_id=LANGRES,
                              organisation_name="PETR du Pays de Langres")
    session = meetings.create_meeting(db, "collective_session", date(2026, 9, 22), title="Séance 4")
    dialogue = meetings.create_meeting(db, "management_dialogue", date(2026, 9, 23), structure_id=LANGRES)
    _select(meetings_page, dialogue.id)
    assert not meetings_page.network_box.isVisible()
    _select(meetings_page, session.id)
    meetings_page.attendance_button.click()
    dialog = meetings_page.network_dialog
    assert isinstance(dialog, AttendanceDialog)
    dialog.contact_box.setCurrentIndex(dialog.contact_box.findData(director.id))
    dialog.add_contact_button.click()
    assert dialog.table.cellWidget(0, dialog.STRUCTURE).currentData() == LANGRES
    dialog.add_elected_button.click()
    dialog.table.item(1, dialog.NAME).setText("Odile Rémy")
    dialog.set_structure(1, CHAUMONT)
    dialog.set_status(1, "excused")
    assert dialog.table.item(1, dialog.ELECTED).text() == "Oui"
    assert dialog.footer.text() == "Présents par structure — Pays de Langres : 1 présent(s)"
    dialog.save_button.click()
    assert not dialog.isVisible()
    rates = {r.structure_id: r.rate for r in network.attendance_rates(db, 2026, today=TODAY)}
    assert rates == {LANGRES: 1.0, CHAUMONT: 0.0}
    assert message_boxes[-1] == ("information", "Fiches « Chantier collectif » mises à jour : 2.")
    assert "1 présent(s) sur 2 inscrit(s)" in meetings_page.network_label.text()
    # A validated sheet is not touched, and the user is told.
    sheet = sheets.find_sheet(db, LANGRES, 2026, "collective")
    for status in ("received", "reviewed_in_dialogue", "validated"):
        sheets.transition(db, sheet, status)
    meetings_page.edit_attendance()
    dialog = meetings_page.network_dialog
    dialog.set_status(0, "absent")
    dialog.save_button.click()
    kind, text = message_boxes[-1]
    assert kind == "warning" and "Fiches non modifiées car validées" in text and "Pays de Langres" in text


# --- the standing team in the dossier ---------------------------------------------------------------

def test_team_editing_in_the_dossier(qtbot, db, make_context):
    referent = records.create(db, Person, full_name="Aurélie Didier", function="Référente territoriale",
                              organisation_kind="regional_office", organisation_name="Maison de Région Chaumont",
                              regional_office_id=records.get(db, Structure, LANGRES).regional_office_id)
    page = StructuresPage(make_context(db))
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    page.activate()
    page.show_dossier(LANGRES)
    dossier = page.dossier
    dossier.tabs.setCurrentIndex(TAB_TEAM)
    assert dossier.tabs.tabText(TAB_TEAM) == "Équipe" and dossier.team.empty.isVisible()
    dossier.team.edit_button.click()
    dialog = dossier.team.dialog
    assert isinstance(dialog, TeamDialog)
    assert dialog.contact_box.itemData(0) == referent.id                 # the structure's Maison de Région first
    dialog.contact_box.setCurrentIndex(0)
    dialog.add_contact_button.click()
    dialog.add_typed()
    [editor] = dialog.table.viewport().findChildren(QLineEdit)             # the cell's editor, open
    type_text(editor, "Agnès Lorentz")
    dialog.table.commitData(editor)
    dialog.table.item(1, 1).setText("Service expert Santé")
    dialog.table.selectRow(1)
    dialog.move(-1)
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    assert [(m.full_name, m.role) for m in campaign.team(db, LANGRES)] == [
        ("Agnès Lorentz", "Service expert Santé"), ("Aurélie Didier", "Référente territoriale")]
    assert dossier.tabs.tabText(TAB_TEAM) == "Équipe (2)" and dossier.team.model.rowCount() == 2
    assert not dossier.team.empty.isVisible()


# --- « Marquer comme bonne pratique » in the meeting mode ------------------------------------------------

def test_tag_from_meeting_mode(qtbot, db, make_context, message_boxes):
    meeting = meetings.create_meeting(db, "management_dialogue", date(2026, 3, 12), structure_id=LANGRES)
    items = meetings.agenda(db, meeting.id)
    records.update(db, AgendaItem, items[1].id, notes="Un comité des financeurs chaque trimestre.")
    record = minutes.open_minutes(db, meeting.id)
    minutes.add_decision(db, record.id, "Retenir la piste « prestations aux EPCI »")
    page = MeetingModePage(make_context(db))
    qtbot.addWidget(page)
    page.resize(1300, 720)
    page.show()
    page.open_record("meeting", meeting.id)
    seen: list[PracticeDialog] = []

    def drive(dialog) -> bool:
        seen.append(dialog)
        type_text(dialog.theme.lineEdit(), "Ingénierie de projets")
        dialog.try_accept()
        return dialog.result() == dialog.DialogCode.Accepted

    page.run_dialog = drive
    page.agenda_list.setCurrentRow(0)
    page.practice_notes_button.click()                       # no notes yet: said, no dialog
    assert seen == [] and message_boxes[-1][1].startswith("Ce point n'a pas encore de notes")
    page.agenda_list.setCurrentRow(1)
    page.practice_notes_button.click()
    assert seen[-1].title.text() == items[1].title           # the point's title is suggested
    [row] = practices.list_practices(db)
    assert (row.theme, row.title, row.structure_name, row.year) == (
        "Ingénierie de projets", items[1].title, "Pays de Langres", 2026)
    page.tabs.setCurrentIndex(1)
    page.practice_decision_button.click()                    # nothing selected
    assert message_boxes[-1][1] == "Sélectionnez d'abord une décision dans la liste."
    page.decision_list.setCurrentRow(0)
    page.practice_decision_button.click()                    # no title typed: the dialog refuses
    assert seen[-1].error.text() == "Donnez un titre à la bonne pratique." and len(practices.list_practices(db)) == 1
    page.run_dialog = lambda dialog: (dialog.title.setText("Des prestations facturées"), drive(dialog))[1]
    page.practice_decision_button.click()
    assert {r.source_kind for r in practices.list_practices(db)} == {"Notes de réunion", "Décision"}


# --- the « Bonnes pratiques » page -----------------------------------------------------------------------

@pytest.fixture
def tagged(db):
    dialogue = meetings.create_meeting(db, "management_dialogue", date(2026, 3, 12), structure_id=LANGRES)
    item = meetings.agenda(db, dialogue.id)[1]
    records.update(db, AgendaItem, item.id, notes="Un comité des financeurs chaque trimestre.")
    practices.tag_practice(db, "agenda_item", item.id, "Ingénierie de projets", "Un comité des financeurs", "Note")
    sheet = sheets.open_sheet(db, CHAUMONT, 2025, "collective")
    answer = sheets.set_answer(db, sheet.id, "bilan.acquis", "Méthode de diagnostic partagée.")
    practices.tag_practice(db, "sheet_answer", answer.id, "Modèle économique et diversification des ressources",
                           "Un diagnostic économe en temps", "")
    return dialogue


def test_practices_page_filters_detail_and_export(qtbot, db, make_context, tagged, tmp_path):
    page = PracticesPage(make_context(db))
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    page.activate()
    assert page.model.rowCount() == 2 and page.summary.text() == "2 bonnes pratiques"
    page.theme_box.setCurrentIndex(page.theme_box.findData("Ingénierie de projets"))
    assert [r.title for r in page.model.rows] == ["Un comité des financeurs"]
    page.reset_button.click()
    page.structure_box.setCurrentIndex(page.structure_box.findData(CHAUMONT))
    assert [r.title for r in page.model.rows] == ["Un diagnostic économe en temps"]
    page.reset_button.click()
    page.year_box.setCurrentIndex(page.year_box.findData(2026))
    assert page.model.rowCount() == 1
    page.reset_button.click()
    type_text(page.text_edit, "ECONOME")
    page.text_edit.returnPressed.emit()
    assert [r.title for r in page.model.rows] == ["Un diagnostic économe en temps"]
    type_text(page.text_edit, " zzz")
    page.text_edit.returnPressed.emit()
    assert page.summary.text() == "Aucune bonne pratique ne correspond à ces filtres."
    assert not page.export_button.isEnabled()
    page.reset_button.click()
    assert page.model.rowCount() == 2 and page.text_edit.text() == ""

    # Detail, then « Ouvrir la source ».
    page.select(next(r.id for r in page.model.rows if r.title == "Un comité des financeurs"))
    assert page.detail.title.text() == "Un comité des financeurs"
    assert page.detail.excerpt.text() == "Un comité des financeurs chaque trimestre."
    with qtbot.waitSignal(page.context.bus.open_record, timeout=1000) as signal:
        page.detail.open_button.click()
    assert signal.args == ["meeting", tagged.id]

    # « Exporter le recueil (PDF) » of what is shown.
    page.theme_box.setCurrentIndex(page.theme_box.findData("Ingénierie de projets"))
    asked = []
    page.exporter.ask_path = lambda title, suggested, file_filter: (asked.append(suggested), tmp_path / "r.pdf")[1]
    page.export_button.click()
    assert asked == ["Recueil des bonnes pratiques — Ingénierie de projets.pdf"]
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_practices_page_edit_and_remove(qtbot, db, make_context, tagged, message_boxes):
    page = PracticesPage(make_context(db))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    row = next(r for r in page.model.rows if r.title == "Un comité des financeurs")
    page.select(row.id)

    def drive(dialog) -> bool:
        assert dialog.theme.currentText() == "Ingénierie de projets"
        dialog.title.setText("Un comité des financeurs trimestriel")
        dialog.try_accept()
        return True

    page.run_dialog = drive
    page.detail.edit_button.click()
    assert page.detail.title.text() == "Un comité des financeurs trimestriel"
    page.detail.remove_button.click()                      # message_boxes answers « Oui »
    assert [r.title for r in page.model.rows] == ["Un diagnostic économe en temps"]
    assert page.detail.title.text().startswith("Choisissez une bonne pratique")
    assert message_boxes[-1][0] == "question"
