"""Network animation: attendance per structure, the chantier collectif's attendance rate written
into the « Chantier collectif » sheets, speakers, and the journée-conférence summary."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from petr_desktop.domain.models import Meeting, MeetingStructure, Person, SheetSession, Structure
from petr_desktop.domain.values import NNBSP
from petr_desktop.services import meetings, minutes, network, records, reference, sheets
from petr_desktop.services.errors import FrozenRecordError, InvalidValueError
from petr_desktop.services.network import AttendeeDraft, SpeakerDraft
from petr_desktop.storage.migrations import open_database

TODAY = date(2026, 11, 28)
LANGRES = reference.structure_id("Pays de Langres")
CHAUMONT = reference.structure_id("Pays de Chaumont")
BRIEY = reference.structure_id("Pays du Bassin de Briey")


@pytest.fixture(scope="module")
def reference_copy(tmp_path_factory):
    """The reference database with three structures followed (each attendance saved rewrites every
    active one's sheet), made once per module; each test gets a copy (50 ms instead of 800)."""
    path = tmp_path_factory.mktemp("reference") / "reference.sqlite"
    database = open_database(path)
    reference.load_reference(database)
    for row in records.list_rows(database, Structure):
        if row.id not in (LANGRES, CHAUMONT, BRIEY):
            records.update(database, Structure, row.id, active=False)
    database.close()
    return path


@pytest.fixture
def db(reference_copy, tmp_path):
    path = tmp_path / "test.sqlite"
    shutil.copy(reference_copy, path)
    database = open_database(path)
    yield database
    database.close()


def _session(db, day: date, title: str = "", **values) -> Meeting:
    return meetings.create_meeting(db, "collective_session", day, title=title or f"Séance du {day:%d/%m}",
                                   place="Metz", **values)


def _present(name: str, structure_id: str | None, status: str = "present", function: str = "Directeur·rice"):
    return AttendeeDraft(name, function, "", structure_id, status)


@pytest.fixture
def four_sessions(db):
    """Four sessions held in 2026: Langres at two (and excused at a third), Chaumont at all four."""
    days = [date(2026, 2, 10), date(2026, 4, 14), date(2026, 6, 16), date(2026, 9, 22)]
    held = [_session(db, day) for day in days]
    for number, session in enumerate(held):
        rows = [_present("Claire Martin", CHAUMONT)]
        if number in (0, 2):
            rows.append(_present("Julien Klein", LANGRES))
        if number == 1:
            rows.append(_present("Julien Klein", LANGRES, status="excused"))
        network.record_attendance(db, session.id, rows, today=TODAY)
    return held


def _rate(db, structure_id: str, year: int = 2026):
    return next(r for r in network.attendance_rates(db, year, today=TODAY) if r.structure_id == structure_id)


def _lines(db, structure_id: str, year: int = 2026) -> list[SheetSession]:
    sheet = sheets.find_sheet(db, structure_id, year, "collective")
    return sheets.group_rows(db, sheet, "sessions") if sheet else []


# --- attendance rate --------------------------------------------------------------------------

def test_two_sessions_out_of_four_is_fifty_percent(db, four_sessions):
    langres, chaumont, briey = _rate(db, LANGRES), _rate(db, CHAUMONT), _rate(db, BRIEY)
    assert (langres.held, langres.attended, langres.rate) == (4, 2, 0.5)
    assert langres.rate_label == f"50{NNBSP}%"
    assert chaumont.rate == 1.0 and briey.rate == 0.0
    assert [s.present for s in langres.sessions] == [True, False, True, False]


def test_only_held_sessions_count(db, four_sessions):
    later = _session(db, date(2026, 12, 15))                       # not yet come
    cancelled = _session(db, date(2026, 5, 12))
    records.update(db, Meeting, cancelled.id, status="cancelled")
    early = _session(db, date(2026, 12, 1), status="held")         # marked « Tenue » ahead of its day
    for meeting in (later, cancelled, early):
        network.record_attendance(db, meeting.id, [_present("Julien Klein", LANGRES)], today=TODAY)
    assert _rate(db, LANGRES).held == 5 and _rate(db, LANGRES).attended == 3
    assert network.attendance_rates(db, 2027, today=TODAY)[0].rate is None


def test_the_structure_comes_from_the_contact_when_not_given(db):
    person = records.create(db, Person, full_name="Anne Roux", structure_id=BRIEY, organisation_name="Briey")
    session = _session(db, date(2026, 3, 3))
    meetings.add_participant(db, session.id, person_id=person.id)      # through the planning dialog: no structure
    assert _rate(db, BRIEY).attended == 1
    assert network.attendees(db, session.id)[0].structure_id == BRIEY


def test_attendance_links_the_structures_represented(db):
    session = _session(db, date(2026, 3, 3))
    network.record_attendance(db, session.id, [_present("A", LANGRES), _present("B", CHAUMONT),
                                               _present("Isabelle Kuntz", None, function="Chargée de mission")],
                              today=TODAY)
    assert sorted(meetings.meeting_structures(db, session.id)) == sorted([LANGRES, CHAUMONT])
    assert len(records.list_rows(db, MeetingStructure, meeting_id=session.id)) == 2
    network.record_attendance(db, session.id, [_present("A", LANGRES)], today=TODAY)
    assert [a.full_name for a in meetings.participants(db, session.id)] == ["A"]


def test_attendance_is_checked(db):
    session = _session(db, date(2026, 3, 3))
    with pytest.raises(InvalidValueError, match="n'a pas de nom"):
        network.record_attendance(db, session.id, [_present(" ", LANGRES)], today=TODAY)
    with pytest.raises(InvalidValueError, match="inconnue"):
        network.record_attendance(db, session.id, [_present("A", LANGRES, status="late")], today=TODAY)
    assert meetings.participants(db, session.id) == []


# --- the « Chantier collectif » sheet --------------------------------------------------------------

def test_the_sheet_is_updated_automatically(db, four_sessions):
    lines = _lines(db, LANGRES)
    assert len(lines) == 4
    assert sheets.participation_rate(lines) == 0.5
    first = lines[0]
    assert (first.session_on, first.attendee, first.present, first.organiser) == (
        date(2026, 2, 10), "Julien Klein", True, "Région Grand Est")
    assert not lines[1].present and lines[1].attendee == ""
    assert sheets.participation_rate(_lines(db, BRIEY)) == 0.0        # a sheet for every active structure
    assert sheets.find_sheet(db, reference.structure_id("Pays Barrois"), 2026, "collective") is None


def test_the_sync_is_idempotent_and_leaves_typed_lines_alone(db, four_sessions):
    sheet = sheets.find_sheet(db, LANGRES, 2026, "collective")
    typed = sheets.add_group_row(db, sheet, "sessions", session_on=date(2026, 5, 5), theme="Webinaire ANCT",
                                 present=True)
    first = _lines(db, LANGRES)[0]
    sheets.set_group_cell(db, "sessions", first.id, "proof", "Feuille d'émargement signée")
    again = network.sync_collective_sheet(db, LANGRES, 2026, today=TODAY)
    assert again.changed == 0 and not again.refused and again.rate == 0.5
    # A new presence changes one line; the typed line and the proof stay.
    network.record_attendance(db, four_sessions[1].id, [_present("Julien Klein", LANGRES)], today=TODAY)
    lines = {line.id: line for line in _lines(db, LANGRES)}
    assert lines[typed.id].theme == "Webinaire ANCT"
    assert lines[first.id].proof == "Feuille d'émargement signée"
    assert _rate(db, LANGRES).attended == 3


def test_a_cancelled_session_leaves_the_sheet(db, four_sessions):
    records.update(db, Meeting, four_sessions[3].id, status="cancelled")
    result = network.sync_collective_sheet(db, LANGRES, 2026, today=TODAY)
    assert result.changed == 1 and len(_lines(db, LANGRES)) == 3
    assert sheets.participation_rate(_lines(db, LANGRES)) == pytest.approx(2 / 3)


def test_a_validated_sheet_is_not_touched_and_it_is_said(db, four_sessions):
    sheet = sheets.find_sheet(db, LANGRES, 2026, "collective")
    for status in ("received", "reviewed_in_dialogue", "validated"):
        sheets.transition(db, sheet, status)
    before = [(line.id, line.present) for line in _lines(db, LANGRES)]
    fifth = _session(db, date(2026, 10, 6))
    result = network.record_attendance(db, fifth.id, [_present("Julien Klein", LANGRES)], today=TODAY)
    assert [(line.id, line.present) for line in _lines(db, LANGRES)] == before
    [message] = result.refusals
    assert message.startswith("Pays de Langres : la fiche « Chantier collectif » 2026 est validée")
    assert f"60{NNBSP}%" in message and "rectificatif" in message
    assert [a.full_name for a in meetings.participants(db, fifth.id)] == ["Julien Klein"]     # attendance kept
    assert len(_lines(db, CHAUMONT)) == 5                                                   # the others follow


# --- signed minutes, speakers -------------------------------------------------------------------------

def test_signed_minutes_freeze_attendance_and_speakers(db):
    session = _session(db, date(2026, 3, 3))
    speaker = network.add_speaker(db, session.id, "Marie Lambert", "Cabinet", "Cotisations")
    record = minutes.open_minutes(db, session.id)
    minutes.submit_for_validation(db, record.id)
    minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")
    with pytest.raises(FrozenRecordError):
        network.record_attendance(db, session.id, [_present("A", LANGRES)], today=TODAY)
    with pytest.raises(FrozenRecordError):
        network.update_speaker(db, speaker.id, topic="Autre")
    with pytest.raises(FrozenRecordError):
        network.set_speakers(db, session.id, [])


def test_speakers_add_update_remove_list(db):
    day = meetings.create_meeting(db, "conference_day", date(2026, 10, 8), title="Journée-conférence 2026")
    first = network.add_speaker(db, day.id, "  Sophie Weber ", "Région Grand Est", "Ouverture")
    second = network.add_speaker(db, day.id, "Jean Masson", "ANCT", "Pacte pour les ruralités")
    assert [(s.position, s.full_name) for s in network.speakers(db, day.id)] == [(1, "Sophie Weber"),
                                                                                 (2, "Jean Masson")]
    network.update_speaker(db, second.id, topic="Le Pacte pour les ruralités en Grand Est")
    assert network.speakers(db, day.id)[1].topic == "Le Pacte pour les ruralités en Grand Est"
    with pytest.raises(InvalidValueError, match="nom de l'intervenant"):
        network.update_speaker(db, second.id, full_name=" ")
    network.remove_speaker(db, first.id)
    assert [s.full_name for s in network.speakers(db, day.id)] == ["Jean Masson"]
    drafts = [SpeakerDraft("Léa Roux", "PETR", "Témoignage"), SpeakerDraft("Jean Masson", "ANCT", "Pacte", second.id)]
    network.set_speakers(db, day.id, drafts)
    assert [(s.full_name, s.position) for s in network.speakers(db, day.id)] == [("Léa Roux", 1), ("Jean Masson", 2)]
    assert network.speakers(db, day.id)[1].id == second.id


def test_elected_officials_are_recognised_by_their_function():
    for function in ("Élu·e", "Maire de Langres", "Président·e", "Vice-présidente du PETR",
                     "Conseillère départementale", "adjoint au maire"):
        assert network.is_elected(function), function
    for function in ("Directeur·rice", "Chargée de mission", "Conseiller technique", ""):
        assert not network.is_elected(function), function


def test_conference_summary(db):
    day = meetings.create_meeting(db, "conference_day", date(2026, 10, 8), title="Journée-conférence 2026",
                                  agenda=["Ouverture", "Table ronde", "Ateliers"])
    meetings.set_meeting_structures(db, day.id, [LANGRES, CHAUMONT, BRIEY])
    network.add_speaker(db, day.id, "Sophie Weber", "Région Grand Est", "Ouverture")
    network.record_attendance(db, day.id, [
        _present("Bernard Collin", LANGRES, function="Maire de Langres"),
        _present("Julien Klein", LANGRES),
        _present("Odile Rémy", CHAUMONT, status="excused", function="Conseillère départementale"),
        _present("Isabelle Kuntz", None, function="Chargée de mission")], today=TODAY)
    summary = network.conference_summary(db, day.id)
    assert summary.programme == ("Ouverture", "Table ronde", "Ateliers")
    assert [s.full_name for s in summary.speakers] == ["Sophie Weber"]
    assert [e.full_name for e in summary.elected] == ["Bernard Collin", "Odile Rémy"]
    counts = {c.structure_name: c for c in summary.by_structure}
    assert list(counts) == ["Pays de Chaumont", "Pays de Langres", "Pays du Bassin de Briey", network.NO_STRUCTURE]
    langres = counts["Pays de Langres"]
    assert (langres.invited, langres.present, langres.elected_invited, langres.elected_present) == (2, 2, 1, 1)
    assert (counts["Pays de Chaumont"].excused, counts["Pays du Bassin de Briey"].invited) == (1, 0)
    assert (summary.totals.invited, summary.totals.present, summary.totals.elected_present) == (4, 3, 1)
    assert summary.date_label == "8 octobre 2026"


def test_a_presence_changed_in_meeting_mode_updates_the_collective_sheets(db):
    """The meeting mode's presence combo goes through network.set_attendance_status."""
    from petr_desktop.domain.models import Attendance
    from petr_desktop.services import meetings, network, records

    structure = next(s for s in records.list_rows(db, Structure) if s.active)
    meeting = meetings.create_meeting(db, "collective_session", date(2026, 3, 10), structure_id=structure.id)
    network.record_attendance(db, meeting.id, [network.AttendeeDraft(full_name="Claire Martin",
                                                                      structure_id=structure.id)],
                              today=date(2026, 12, 1))
    [row] = records.list_rows(db, Attendance, meeting_id=meeting.id)
    network.set_attendance_status(db, row.id, "absent", today=date(2026, 12, 1))
    rate = {r.structure_id: r for r in network.attendance_rates(db, 2026, today=date(2026, 12, 1))}
    assert rate[structure.id].attended == 0
    network.set_attendance_status(db, row.id, "present", today=date(2026, 12, 1))
    rate = {r.structure_id: r for r in network.attendance_rates(db, 2026, today=date(2026, 12, 1))}
    assert rate[structure.id].attended == 1
