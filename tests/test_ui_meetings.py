"""Réunions page: planning dialog, list (à venir / passées / toutes), month view, .ics export;
and the planning service behind them (one unit of work)."""
from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from icalendar import Calendar
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox
from sqlmodel import select

from conftest import type_text
from petr_desktop.domain.models import AgendaItem, Attendance, Meeting, MeetingStructure, Minutes, Person
from petr_desktop.exports.ics import UID_DOMAIN
from petr_desktop.services import meetings, minutes, records, reference
from petr_desktop.services.errors import FrozenRecordError, InvalidValueError
from petr_desktop.services.meetings import AgendaDraft, MeetingDraft, ParticipantDraft
from petr_desktop.ui.dialogs.meeting_dialog import MeetingDialog
from petr_desktop.ui.pages.meetings import MeetingsPage

TODAY = date(2026, 11, 28)          # the demo data is built around this day
LANGRES = reference.structure_id("Pays de Langres")
CHAUMONT = reference.structure_id("Pays de Chaumont")
BRIEY = reference.structure_id("Pays du Bassin de Briey")


@pytest.fixture
def messages(monkeypatch):
    """Message boxes, captured instead of shown: (kind, text)."""
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: seen.append(("info", text)))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: seen.append(("warning", text)))
    return seen


@pytest.fixture
def page(qtbot, demo_db, make_context):
    widget = MeetingsPage(make_context(demo_db))
    widget.today = lambda: TODAY
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    widget.activate()
    return widget


def _live(db, model, **filters):
    return records.list_rows(db, model, **filters)


def _open_dialog(page) -> MeetingDialog:
    page.new_button.click()
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def _agenda(dialog) -> list[str]:
    return [dialog.agenda_list.item(r).text() for r in range(dialog.agenda_list.count())]


def _set_date(dialog, day: date) -> None:
    dialog.date_edit.setDate(QDate(day.year, day.month, day.day))


# --- the list and the month view ------------------------------------------------------

def test_upcoming_past_and_all(page, demo_db):
    everything = [m for m in _live(demo_db, Meeting)]
    upcoming = {m.id for m in everything if m.meeting_date >= TODAY}
    past = {m.id for m in everything if m.meeting_date < TODAY}
    assert len(upcoming) == 13 and len(past) == 108

    view = page.view
    assert page.period_buttons["upcoming"].isChecked()
    assert {r.id for r in page.model.rows} == upcoming
    assert page.count_label.text() == "13 réunion(s) à venir"
    headers = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(view.model().columnCount())]
    assert headers == ["Date", "Horaires", "Type", "Structure", "Lieu", "Statut", "Réunion"]
    first = [view.model().index(0, c).data() for c in range(7)]
    assert first[:4] == ["sam. 05/12/2026", "9 h 30 – 12 h 00", "Dialogue de gestion", "Pays de Langres"]
    assert first[5] == "Prévue"

    page.period_buttons["past"].click()
    assert {r.id for r in page.model.rows} == past
    shown = [view.model().index(r, 0).data() for r in range(3)]
    assert shown[0].endswith("/2026") and page.model.rows[0].id in past
    latest = max(m.meeting_date for m in everything if m.id in past)
    assert shown[0].split()[1] == latest.strftime("%d/%m/%Y")                  # most recent first
    assert {view.model().index(r, 5).data() for r in range(view.model().rowCount())} == {"Tenue"}

    page.period_buttons["all"].click()
    assert len(page.model.rows) == 121 and page.count_label.text() == "121 réunion(s) au total"


def test_dates_sort_chronologically_not_as_text(page):
    page.period_buttons["upcoming"].click()
    shown = [page.model.rows[page.view.model().mapToSource(page.view.model().index(r, 0)).row()].meeting_date
             for r in range(page.view.model().rowCount())]
    assert shown == sorted(shown) and shown[-1].year == 2027


def test_month_view_highlights_days_and_lists_a_day(page, demo_db):
    page.tabs.setCurrentIndex(1)
    page.show_day(date(2026, 12, 14))
    expected = {m.id for m in _live(demo_db, Meeting) if m.meeting_date == date(2026, 12, 14)}
    assert len(expected) == 2
    assert {r.id for r in page.day_model.rows} == expected
    assert page.day_label.text() == "Réunions du 14 décembre 2026"
    assert page.calendar.dateTextFormat(QDate(2026, 12, 14)).fontWeight() == 700
    assert page.calendar.dateTextFormat(QDate(2026, 12, 15)).fontWeight() != 700
    assert page.month_label.text() == "9 réunion(s) en décembre 2026 (jours en gras)"

    page.show_day(date(2026, 12, 15))
    assert page.day_model.rows == [] and page.day_label.text() == "Aucune réunion le 15 décembre 2026"
    page.show_day(date(2026, 6, 12))
    assert [r.title for r in page.day_model.rows] == ["Réseau des directeurs de PETR — juin 2026"]


def test_double_click_opens_the_meeting(page, qtbot):
    view = page.view
    index = view.model().index(2, 3)
    wanted = page.model.rows[view.model().mapToSource(index).row()].id
    where = view.visualRect(index).center()
    with qtbot.waitSignal(page.context.bus.open_record, timeout=2000) as signal:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
    assert signal.args == ["meeting", wanted]


def test_buttons_need_a_selection(page):
    assert not page.edit_button.isEnabled() and not page.export_button.isEnabled()
    page.view.selectRow(0)
    assert page.edit_button.isEnabled() and page.export_button.isEnabled()


# --- planning a meeting through the dialog ----------------------------------------------

def test_plan_a_management_dialogue_through_the_dialog(page, demo_db, qtbot):
    persons_before = len(_live(demo_db, Person))
    dialog = _open_dialog(page)
    assert dialog.windowTitle() == "Nouvelle réunion"
    assert dialog.kind_combo.currentText() == "Dialogue de gestion"
    assert dialog.date_edit.date() == QDate(2026, 11, 28)
    assert _agenda(dialog) == meetings.default_agenda("management_dialogue")

    _choose(dialog.structure_combo, LANGRES)
    _set_date(dialog, date(2027, 1, 12))
    assert dialog.title_edit.text() == "Dialogue de gestion 2027 — Pays de Langres"
    assert dialog.place_edit.text() == "Siège du PETR, Langres"
    _choose(dialog.place_kind_combo, "regional_office")
    assert dialog.place_edit.text() == "Maison de Région Chaumont"
    dialog.start_edit.setTime(QTime(14, 0))
    dialog.end_edit.setTime(QTime(16, 30))
    dialog.title_edit.clear()
    type_text(dialog.title_edit, "Dialogue de gestion — préparation du solde")

    # The structure's people come first, then the Région's staff.
    combo = dialog.contact_combo
    first = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    people = {p.id: p for p in _live(demo_db, Person)}
    groups = [0 if people[i].structure_id == LANGRES else 1 if people[i].organisation_kind == "region_service" else 2
              for i in first]
    assert groups == sorted(groups) and groups[:3] == [0, 0, 0] and groups[3:6] == [1, 1, 1]
    director = next(p for p in people.values() if p.structure_id == LANGRES and p.function == "Directeur·rice")
    combo.setCurrentIndex(combo.findData(director.id))
    dialog.add_contact_button.click()
    combo.setCurrentIndex(combo.findData(director.id))
    dialog.add_contact_button.click()                        # twice: refused
    assert dialog.error_label.text() == f"« {director.full_name} » figure déjà parmi les participants."

    type_text(dialog.new_name, "Éloïse Périn")
    type_text(dialog.new_function, "Cheffe de projet santé")
    type_text(dialog.new_organisation, "ARS Grand Est")
    assert not dialog.new_email.isEnabled()
    dialog.save_contact_check.click()
    type_text(dialog.new_email, "eloise.perin@ars.sante.fr")
    dialog.add_typed_button.click()
    type_text(dialog.new_name, "Invité du président")
    dialog.add_typed_button.click()
    assert [p.full_name for p in dialog.participants.rows] == [director.full_name, "Éloïse Périn",
                                                                "Invité du président"]
    assert dialog.participants_view.model().index(1, 3).data() == "Nouveau contact"

    # Agenda: add, rename in place, move, remove.
    type_text(dialog.agenda_entry, "Questions diverses")
    dialog.agenda_add.click()
    dialog.agenda_list.setCurrentRow(2)                       # « Point thématique »
    dialog.agenda_remove.click()
    dialog.agenda_list.setCurrentRow(0)
    dialog.agenda_down.click()
    item = dialog.agenda_list.item(0)
    dialog.agenda_list.editItem(item)
    editor = dialog.agenda_list.findChild(QLineEdit)
    editor.selectAll()
    type_text(editor, "Bilan de l’année et état des dépenses")
    QTest.keyClick(editor, Qt.Key.Key_Return)                  # the delegate commits on the next event loop
    qtbot.waitUntil(lambda: dialog.agenda_list.item(0).text() == "Bilan de l’année et état des dépenses",
                    timeout=2000)
    expected_agenda = ["Bilan de l’année et état des dépenses", "Tour de table et contexte du territoire",
                       "Chantier collectif", "Situation financière",
                       "Articulation avec les autres dispositifs (PTRTE/CRTE, LEADER, SCoT, PCAET, CLS…)",
                       "Perspectives pour l’année suivante", "Relevé des décisions et prochaines étapes",
                       "Questions diverses"]
    assert _agenda(dialog) == expected_agenda

    with qtbot.waitSignal(dialog.saved, timeout=2000) as signal:
        dialog.save_button.click()
    assert not dialog.isVisible()
    meeting = records.get(demo_db, Meeting, signal.args[0])
    assert (meeting.kind, meeting.structure_id, meeting.meeting_date) == ("management_dialogue", LANGRES,
                                                                          date(2027, 1, 12))
    assert (meeting.start_time, meeting.end_time) == (time(14, 0), time(16, 30))
    assert (meeting.place_kind, meeting.place) == ("regional_office", "Maison de Région Chaumont")
    assert meeting.title == "Dialogue de gestion — préparation du solde"
    assert [i.title for i in meetings.agenda(demo_db, meeting.id)] == expected_agenda
    attendance = meetings.participants(demo_db, meeting.id)
    assert [(a.full_name, a.position) for a in attendance] == [(director.full_name, 1), ("Éloïse Périn", 2),
                                                               ("Invité du président", 3)]
    assert attendance[0].person_id == director.id and attendance[2].person_id is None
    contact = records.get(demo_db, Person, attendance[1].person_id)
    assert (contact.email, contact.function, contact.organisation_kind) == (
        "eloise.perin@ars.sante.fr", "Cheffe de projet santé", "partner")
    assert len(_live(demo_db, Person)) == persons_before + 1
    # Back on the page: the new meeting is listed and selected.
    assert page.selected_meeting().id == meeting.id


@pytest.mark.parametrize("setup, message", [
    (lambda d: (_choose(d.structure_combo, None),),
     "Un dialogue de gestion se tient avec une structure : choisissez-la"),
    (lambda d: (_choose(d.structure_combo, LANGRES), d.start_edit.setTime(QTime(10, 0)),
                d.end_edit.setTime(QTime(9, 0))),
     "L'heure de fin (9 h 00) doit venir après l'heure de début (10 h 00)"),
])
def test_validation_messages_keep_the_dialog_and_write_nothing(page, demo_db, setup, message):
    before = len(_live(demo_db, Meeting))
    dialog = _open_dialog(page)
    setup(dialog)
    dialog.save_button.click()
    assert dialog.error_label.text() == message
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert len(_live(demo_db, Meeting)) == before


def test_dialog_refuses_incomplete_participants_and_agenda(page):
    dialog = _open_dialog(page)
    dialog.add_typed_button.click()
    assert dialog.error_label.text() == "Indiquez le nom du participant saisi sur place."
    type_text(dialog.contact_combo.lineEdit(), "Personne inconnue")
    dialog.add_contact_button.click()
    assert dialog.error_label.text().startswith("Choisissez un contact dans la liste")
    dialog.agenda_add.click()
    assert dialog.error_label.text() == "Tapez l'intitulé du point à ajouter."
    dialog.remove_participant_button.click()
    assert dialog.error_label.text() == "Sélectionnez le participant à retirer."
    assert dialog.participants.rows == []


def test_agenda_follows_the_kind_until_edited_and_template_comes_back(page):
    dialog = _open_dialog(page)
    _choose(dialog.kind_combo, "collective_session")
    assert _agenda(dialog) == meetings.default_agenda("collective_session")
    dialog.agenda_list.setCurrentRow(0)
    dialog.agenda_remove.click()
    _choose(dialog.kind_combo, "directors_network")              # edited: the agenda stays
    assert _agenda(dialog) == meetings.default_agenda("collective_session")[1:]
    dialog.agenda_reset.click()
    assert _agenda(dialog) == meetings.default_agenda("directors_network")
    _choose(dialog.kind_combo, "other")                          # no template for « Autre réunion »
    assert _agenda(dialog) == []


def test_bad_email_of_a_new_contact_is_refused_whole(page, demo_db):
    persons, planned = len(_live(demo_db, Person)), len(_live(demo_db, Meeting))
    dialog = _open_dialog(page)
    _choose(dialog.structure_combo, LANGRES)
    type_text(dialog.new_name, "Jean Dupré")
    dialog.save_contact_check.click()
    type_text(dialog.new_email, "jean.dupre")
    dialog.add_typed_button.click()
    dialog.save_button.click()
    assert dialog.error_label.text().startswith("Adresse électronique invalide : « jean.dupre »")
    assert (len(_live(demo_db, Person)), len(_live(demo_db, Meeting))) == (persons, planned)


def test_network_meeting_with_several_structures(page, demo_db, qtbot):
    dialog = _open_dialog(page)
    assert dialog.others_box.isHidden()
    _choose(dialog.kind_combo, "directors_network")
    assert not dialog.others_box.isHidden() and dialog.structure_label.text() == "Structure principale"
    assert _agenda(dialog) == meetings.default_agenda("directors_network")
    assert dialog.title_edit.text() == "Réseau des directeurs 2026"
    dialog.check_all_button.click()
    assert dialog.checked_label.text() == "30 cochée(s)" and len(dialog.other_structure_ids()) == 30
    dialog.check_none_button.click()
    assert dialog.checked_label.text() == "" and dialog.other_structure_ids() == []
    for row in range(dialog.structures_list.count()):
        item = dialog.structures_list.item(row)
        if item.data(Qt.ItemDataRole.UserRole) in (LANGRES, CHAUMONT, BRIEY):
            item.setCheckState(Qt.CheckState.Checked)
    assert dialog.checked_label.text() == "3 cochée(s)"
    _set_date(dialog, date(2027, 2, 4))
    _choose(dialog.place_kind_combo, "video")
    assert dialog.place_edit.text() == "Visioconférence (Teams)"
    with qtbot.waitSignal(dialog.saved, timeout=2000) as signal:
        dialog.save_button.click()
    meeting_id = signal.args[0]
    assert meetings.meeting_structures(demo_db, meeting_id) == sorted([LANGRES, CHAUMONT, BRIEY])
    row = next(r for r in page.model.rows if r.id == meeting_id)
    assert row.structures_label == "Pays de Chaumont, Pays de Langres, Pays du Bassin de Briey"
    assert meeting_id in {r.id for r in meetings.list_meetings(demo_db, structure_id=BRIEY)}

    meetings.set_meeting_structures(demo_db, meeting_id, [CHAUMONT])
    assert meetings.meeting_structures(demo_db, meeting_id) == [CHAUMONT]
    assert len(_live(demo_db, MeetingStructure, meeting_id=meeting_id)) == 1
    meetings.set_meeting_structures(demo_db, meeting_id, [LANGRES, CHAUMONT])     # revives the old link
    assert meetings.meeting_structures(demo_db, meeting_id) == sorted([LANGRES, CHAUMONT])
    with demo_db.reader() as session:
        every = session.exec(select(MeetingStructure).where(MeetingStructure.meeting_id == meeting_id)).all()
    assert sorted((link.structure_id, link.deleted) for link in every) == sorted(
        [(LANGRES, False), (CHAUMONT, False), (BRIEY, True)])


def test_ctrl_n_opens_the_dialog_on_the_page(main_window, qtbot):
    page = main_window.show_page(MeetingsPage)
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.dialog is not None and page.dialog.isVisible()
    page.dialog.reject()


def test_enter_adds_the_line_and_ctrl_s_saves(page, demo_db, qtbot):
    dialog = _open_dialog(page)
    _choose(dialog.structure_combo, BRIEY)
    type_text(dialog.agenda_entry, "Point presse")
    QTest.keyClick(dialog.agenda_entry, Qt.Key.Key_Return)
    type_text(dialog.new_name, "Paul Arnoux")
    QTest.keyClick(dialog.new_name, Qt.Key.Key_Return)
    assert dialog.isVisible()                                  # Enter never saves the dialog
    assert _agenda(dialog)[-1] == "Point presse" and [p.full_name for p in dialog.participants.rows] == ["Paul Arnoux"]
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(dialog.saved, timeout=2000) as signal:
        QTest.keyClick(dialog.title_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert meetings.agenda(demo_db, signal.args[0])[-1].title == "Point presse"


def test_open_record_shows_the_meeting_in_the_list(page, demo_db):
    past = min(_live(demo_db, Meeting), key=lambda m: m.meeting_date)
    assert page.open_record("meeting", past.id)
    assert page.period_buttons["all"].isChecked() and page.selected_meeting().id == past.id
    page.activate()                                            # a reload keeps the selection
    assert page.selected_meeting().id == past.id
    assert not page.open_record("structure", LANGRES)


def test_new_meeting_from_the_month_view_takes_the_chosen_day(page):
    page.tabs.setCurrentIndex(1)
    page.show_day(date(2027, 3, 9))
    dialog = _open_dialog(page)
    assert dialog.date_edit.date() == QDate(2027, 3, 9)


# --- editing --------------------------------------------------------------------------

def test_edit_a_planned_meeting(page, demo_db, qtbot):
    page.view.selectRow(0)
    chosen = page.selected_meeting()
    old_agenda = meetings.agenda(demo_db, chosen.id)
    old_people = meetings.participants(demo_db, chosen.id)
    page.edit_button.click()
    dialog = page.dialog
    assert dialog.windowTitle() == "Modifier la réunion"
    assert dialog.title_edit.text() == chosen.title
    assert dialog.date_edit.date() == QDate(chosen.meeting_date.year, chosen.meeting_date.month,
                                            chosen.meeting_date.day)
    assert _agenda(dialog) == [i.title for i in old_agenda]
    assert [p.full_name for p in dialog.participants.rows] == [a.full_name for a in old_people]

    _choose(dialog.structure_combo, CHAUMONT)
    assert dialog.title_edit.text() == chosen.title            # an existing title is not rewritten
    dialog.title_edit.clear()
    type_text(dialog.title_edit, "Dialogue de gestion avancé")
    dialog.participants_view.selectRow(4)
    dialog.remove_participant_button.click()
    type_text(dialog.agenda_entry, "Calendrier 2027")
    dialog.agenda_add.click()
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.save_button.click()

    meeting = records.get(demo_db, Meeting, chosen.id)
    assert (meeting.title, meeting.structure_id) == ("Dialogue de gestion avancé", CHAUMONT)
    agenda = meetings.agenda(demo_db, chosen.id)
    assert [i.id for i in agenda[:-1]] == [i.id for i in old_agenda]         # same rows, kept
    assert agenda[-1].title == "Calendrier 2027" and len(_live(demo_db, AgendaItem, meeting_id=chosen.id)) == 9
    people = meetings.participants(demo_db, chosen.id)
    assert [a.id for a in people] == [a.id for a in old_people[:4]]
    assert len(_live(demo_db, Attendance, meeting_id=chosen.id)) == 4
    assert page.selected_meeting().title == "Dialogue de gestion avancé"


def test_signed_minutes_refuse_edits(page, demo_db, messages):
    signed = {m.meeting_id for m in _live(demo_db, Minutes) if m.status == "signed"}
    page.period_buttons["past"].click()
    row = next(r for r, m in enumerate(page.model.rows) if m.id in signed)
    page.view.selectRow(page.view.model().mapFromSource(page.model.index(row, 0)).row())
    meeting_id = page.selected_meeting().id
    page.dialog = None
    page.edit_button.click()
    assert messages == [("warning", "Ce relevé d'échange est signé : il ne change plus. Faites un rectificatif.")]
    assert page.dialog is None
    details = meetings.meeting_details(demo_db, meeting_id)
    with pytest.raises(FrozenRecordError):
        meetings.save_meeting(demo_db, details.draft, meeting_id)


# --- planning service (one unit of work) ------------------------------------------------

def test_save_meeting_is_all_or_nothing(db):
    draft = MeetingDraft("management_dialogue", date(2027, 1, 5), time(9, 0), time(11, 0), LANGRES,
                         participants=[ParticipantDraft("Nouvelle Personne", save_as_contact=True,
                                                        email="n.personne@petr.fr"),
                                       ParticipantDraft("  ")],
                         agenda=[AgendaDraft("Point unique")])
    with pytest.raises(InvalidValueError, match="le participant n° 2 n'a pas de nom"):
        meetings.save_meeting(db, draft)
    assert _live(db, Meeting) == [] and _live(db, Person) == [] and _live(db, AgendaItem) == []
    draft.participants.pop()
    meeting = meetings.save_meeting(db, draft)
    assert meeting.title == "Dialogue de gestion 2027 — Pays de Langres"
    assert [p.email for p in _live(db, Person)] == ["n.personne@petr.fr"]
    with pytest.raises(InvalidValueError, match="n'a pas d'intitulé"):
        meetings.save_meeting(db, MeetingDraft("other", date(2027, 1, 6), agenda=[AgendaDraft("")]))
    with pytest.raises(InvalidValueError, match="indiquez la date"):
        meetings.save_meeting(db, MeetingDraft("other", None))


def test_agenda_point_with_notes_is_not_removed(db):
    meeting = meetings.save_meeting(db, MeetingDraft("management_dialogue", date(2027, 1, 5), structure_id=LANGRES,
                                                     agenda=[AgendaDraft("Un"), AgendaDraft("Deux")]))
    minutes.open_minutes(db, meeting.id)
    first = meetings.agenda(db, meeting.id)[0]
    records.update(db, AgendaItem, first.id, notes="Déjà noté en séance")
    draft = meetings.meeting_details(db, meeting.id).draft
    draft.agenda = draft.agenda[1:]
    with pytest.raises(InvalidValueError, match="le point « Un » contient déjà des notes"):
        meetings.save_meeting(db, draft, meeting.id)
    assert [i.title for i in meetings.agenda(db, meeting.id)] == ["Un", "Deux"]


# --- export from the page ---------------------------------------------------------------

def _save_as(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Agenda iCalendar (*.ics)"))


def test_export_the_selected_meeting(page, tmp_path, monkeypatch, messages):
    page.view.selectRow(0)
    chosen = page.selected_meeting()
    _save_as(monkeypatch, tmp_path / "langres")
    page.export_button.click()
    target = tmp_path / "langres.ics"
    assert messages == [("info", f"1 réunion exportée dans « {target} ».\n\n"
                                 "Ouvrez ce fichier avec Outlook pour l'ajouter à votre agenda.")]
    events = list(Calendar.from_ical(target.read_bytes()).walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [f"{chosen.id}@{UID_DOMAIN}"]


def test_export_all_upcoming(page, tmp_path, monkeypatch, messages):
    _save_as(monkeypatch, tmp_path / "toutes.ics")
    page.export_all_button.click()
    assert messages[0][1].startswith(f"13 réunions exportées dans « {tmp_path / 'toutes.ics'} »")
    events = list(Calendar.from_ical((tmp_path / "toutes.ics").read_bytes()).walk("VEVENT"))
    assert {str(e["UID"]).split("@")[0] for e in events} == {r.id for r in page.model.rows}


def test_export_to_an_unwritable_target_says_why(page, tmp_path, monkeypatch, messages):
    target = tmp_path / "agenda.ics"
    target.mkdir()
    _save_as(monkeypatch, target)
    page.export_all_button.click()
    assert messages == [("warning", f"Export impossible : c'est un dossier, pas un fichier : « {target} »")]
    assert target.is_dir() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cancelled_file_dialog_writes_nothing(page, tmp_path, monkeypatch, messages):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    page.export_all_button.click()
    assert messages == [] and not list(tmp_path.glob("*.ics"))


def test_an_impossible_date_is_refused_in_french_and_nothing_is_saved(qtbot, db, make_context):
    """Issue 12.4: « 31/02/2026 » typed in Nouvelle réunion › Date used to save a meeting of 1752."""
    from conftest import type_text
    from PySide6.QtCore import QDate, Qt
    from PySide6.QtTest import QTest

    from petr_desktop.domain.models import Meeting
    from petr_desktop.services import meetings, records
    from petr_desktop.ui.dialogs.meeting_dialog import MeetingDialog

    before = len(records.list_rows(db, Meeting))
    dialog = MeetingDialog(make_context(db), meetings.planning_choices(db), initial_date=date(2026, 12, 7))
    qtbot.addWidget(dialog)
    dialog.structure_combo.setCurrentIndex(1)
    dialog.date_edit.selectAll()
    QTest.keyClick(dialog.date_edit, Qt.Key.Key_Delete)
    type_text(dialog.date_edit, "31/02/2026")
    QTest.keyClick(dialog.date_edit, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Date : Date invalide : « 31/02/2026 » (exemple : " \
        f"{date.today():%d/%m/%Y})."
    assert dialog.date_edit.date() == QDate(2026, 12, 7)           # the previous value is kept
    dialog.save()
    assert len(records.list_rows(db, Meeting)) == before and dialog.result() == 0
    dialog.date_edit.setText("12/01/1752")
    assert not dialog.date_edit.commit() and "hors des années 2000 à 2100" in dialog.date_edit.toolTip()
