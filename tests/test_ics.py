"""Calendar export (.ics for Outlook) and the atomic file writer."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from petr_desktop.domain.models import Meeting, Person
from petr_desktop.exports import files
from petr_desktop.exports.ics import UID_DOMAIN, CalendarEvent, build_calendar
from petr_desktop.services import meetings, records
from petr_desktop.services.errors import InvalidValueError, ServiceError

TODAY = date(2026, 11, 28)          # the demo data is built around this day
PARIS = ZoneInfo("Europe/Paris")


def _read(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_all_upcoming_meetings_round_trip(demo_db, tmp_path):
    rows = meetings.list_meetings(demo_db)
    ids = meetings.upcoming_ids(rows, TODAY)
    assert len(ids) == 13 and all(r.meeting_date >= TODAY for r in rows if r.id in ids)
    path = tmp_path / "agenda.ics"
    seen = []
    assert meetings.export_ics(demo_db, path, ids, lambda done, total, text: seen.append((done, total))) == 13
    assert seen[0] == (0, 13) and seen[-1] == (13, 13)

    calendar = _read(path)
    assert str(calendar["PRODID"]).startswith("-//Region Grand Est//Carnet PETR")
    assert str(calendar["METHOD"]) == "PUBLISH"
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"]
    events = _events(calendar)
    assert len(events) == 13
    assert {str(e["UID"]) for e in events} == {f"{i}@{UID_DOMAIN}" for i in ids}
    raw = path.read_bytes()
    assert b"DTSTART;TZID=Europe/Paris:20261205T093000" in raw and b"\r\n" in raw

    first = events[0]
    meeting = records.get(demo_db, Meeting, str(first["UID"]).split("@")[0])
    start, end = first.decoded("DTSTART"), first.decoded("DTEND")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=1)        # CET in December
    assert (start.date(), start.time(), end.time()) == (meeting.meeting_date, time(9, 30), time(12, 0))
    assert str(first["SUMMARY"]) == meeting.title
    assert str(first["LOCATION"]).endswith(meeting.place)
    description = str(first["DESCRIPTION"])
    titles = [item.title for item in meetings.agenda(demo_db, meeting.id)]
    assert "Ordre du jour :" in description and f"1. {titles[0]}" in description and f"8. {titles[7]}" in description
    emails = {p.id: p.email for p in records.list_rows(demo_db, Person)}
    expected = {f"mailto:{emails[a.person_id]}" for a in meetings.participants(demo_db, meeting.id)
                if a.person_id and emails.get(a.person_id)}
    attendees = first.get("ATTENDEE")
    assert {str(a) for a in attendees} == expected and len(expected) >= 3
    assert all(a.params["CN"] for a in attendees)


def test_summer_time_tentative_hours_and_cancelled(db, tmp_path):
    langres = meetings.planning_choices(db).structures[0].id
    summer = meetings.create_meeting(db, "management_dialogue", date(2026, 6, 15), structure_id=langres,
                                     start_time=time(14, 0))
    whole_day = meetings.create_meeting(db, "conference_day", date(2026, 6, 16), place="Metz")
    cancelled = meetings.create_meeting(db, "other", date(2026, 6, 17), start_time=time(10, 0),
                                        end_time=time(11, 0), status="cancelled")
    path = tmp_path / "ete.ics"
    meetings.export_ics(db, path, [cancelled.id, whole_day.id, summer.id])
    by_uid = {str(e["UID"]).split("@")[0]: e for e in _events(_read(path))}
    start = by_uid[summer.id].decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=2)                                   # CEST in June
    assert by_uid[summer.id].decoded("DTEND") - start == timedelta(hours=1)          # no end time: one hour
    assert by_uid[whole_day.id].decoded("DTSTART") == date(2026, 6, 16)              # no time: all day
    assert by_uid[whole_day.id].decoded("DTEND") == date(2026, 6, 17)
    assert str(by_uid[cancelled.id]["STATUS"]) == "CANCELLED"
    assert str(by_uid[summer.id]["STATUS"]) == "CONFIRMED"
    assert meetings.upcoming_ids(meetings.list_meetings(db), date(2026, 6, 1)) == [summer.id, whole_day.id]


def test_uid_is_stable_across_exports(db, tmp_path):
    langres = meetings.planning_choices(db).structures[0].id
    meeting = meetings.create_meeting(db, "management_dialogue", date(2026, 12, 3), structure_id=langres,
                                      start_time=time(9, 0), end_time=time(10, 0))
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    meetings.export_ics(db, first, [meeting.id])
    records.update(db, Meeting, meeting.id, start_time="10:00", end_time="11:00")
    meetings.export_ics(db, second, [meeting.id])
    a, b = _events(_read(first))[0], _events(_read(second))[0]
    assert str(a["UID"]) == str(b["UID"]) == f"{meeting.id}@{UID_DOMAIN}"
    assert b.decoded("DTSTART").astimezone(PARIS).time() == time(10, 0)
    assert a.decoded("LAST-MODIFIED") <= b.decoded("LAST-MODIFIED")


def test_sequence_grows_with_modification_time():
    def sequence(modified: datetime) -> int:
        event = CalendarEvent(uid="x@y", title="Réunion", day=date(2026, 12, 3), start=time(9, 0), end=time(10, 0),
                              location="", description="", last_modified=modified)
        return int(_events(Calendar.from_ical(build_calendar([event])))[0]["SEQUENCE"])

    earlier = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)
    assert sequence(earlier) < sequence(earlier + timedelta(seconds=1)) < sequence(earlier + timedelta(days=3))


def test_french_text_survives(tmp_path):
    event = CalendarEvent(uid="x@y", title="Séance « Chantier collectif » — œuvre commune", day=date(2026, 12, 3),
                          start=time(9, 0), end=time(10, 0), location="Maison de Région Épinal",
                          description="Ordre du jour :\n1. Élus, EPCI ; modèle économique")
    calendar = Calendar.from_ical(build_calendar([event]))
    parsed = _events(calendar)[0]
    assert str(parsed["SUMMARY"]) == event.title
    assert str(parsed["DESCRIPTION"]) == event.description
    assert str(parsed["LOCATION"]) == event.location


def test_nothing_to_export_is_explained(db, tmp_path):
    with pytest.raises(InvalidValueError, match="aucune réunion à exporter"):
        meetings.export_ics(db, tmp_path / "x.ics", [])
    assert not (tmp_path / "x.ics").exists()


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "agenda.ics"
    target.write_bytes(b"old")
    files.atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agenda.ics"]


def test_failed_rename_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "agenda.ics"
    target.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", src)

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(PermissionError) as caught:
        files.atomic_write_bytes(target, b"new")
    assert caught.value.filename == str(target)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_failed_write_leaves_no_temp(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        files.atomic_write_bytes(tmp_path / "agenda.ics", b"data")
    assert list(tmp_path.iterdir()) == []


def test_export_errors_are_french_and_leave_nothing(demo_db, tmp_path, monkeypatch):
    ids = meetings.upcoming_ids(meetings.list_meetings(demo_db), TODAY)[:2]
    folder_target = tmp_path / "agenda.ics"
    folder_target.mkdir()                                  # a folder where the file should go
    with pytest.raises(ServiceError, match=r"^Export impossible : c'est un dossier, pas un fichier : «"):
        meetings.export_ics(demo_db, folder_target, ids)
    assert _leftovers(tmp_path) == [] and folder_target.is_dir()

    with pytest.raises(ServiceError, match="fichier ou dossier introuvable"):
        meetings.export_ics(demo_db, tmp_path / "absent" / "agenda.ics", ids)

    target = tmp_path / "locked.ics"
    target.write_bytes(b"open in Outlook")
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", src)))
    with pytest.raises(ServiceError, match=r"accès refusé .* : « .*locked\.ics »"):
        meetings.export_ics(demo_db, target, ids)
    assert target.read_bytes() == b"open in Outlook" and _leftovers(tmp_path) == []


def test_icalendar_is_not_imported_at_start_up():
    code = ("import sys, petr_desktop.services.meetings, petr_desktop.exports.ics, petr_desktop.app; "
            "print('icalendar' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
