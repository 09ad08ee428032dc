"""Planned meetings as an iCalendar (.ics) file that Outlook imports.

Times are local to Europe/Paris (``TZID=Europe/Paris``) with a compact VTIMEZONE defined by
rules, the form Outlook itself writes. UIDs are stable (the meeting id), so importing again
updates the appointment instead of duplicating it. icalendar is imported lazily.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from .. import __version__
from .files import atomic_write_bytes

TZID = "Europe/Paris"
UID_DOMAIN = "carnet-petr.grandest.fr"
PRODID = f"-//Region Grand Est//Carnet PETR {__version__}//FR"
#: Length given to a meeting that has a start time but no end time.
DEFAULT_LENGTH = timedelta(hours=1)
#: SEQUENCE counts seconds of modification time from this origin: it grows with every edit.
_SEQUENCE_ORIGIN = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CalendarAttendee:
    name: str
    email: str
    declined: bool = False


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    title: str
    day: date
    start: time | None
    end: time | None
    location: str
    description: str
    attendees: tuple[CalendarAttendee, ...] = ()
    cancelled: bool = False
    last_modified: datetime | None = None


def event_uid(meeting_id: str) -> str:
    return f"{meeting_id}@{UID_DOMAIN}"


def _timezone():
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    zone = Timezone()
    zone.add("tzid", TZID)
    for part, start, offset_from, offset_to, name, month in (
            (TimezoneStandard(), datetime(1970, 10, 25, 3, 0), 2, 1, "CET", 10),
            (TimezoneDaylight(), datetime(1970, 3, 29, 2, 0), 1, 2, "CEST", 3)):
        part.add("dtstart", start)
        part.add("tzoffsetfrom", timedelta(hours=offset_from))
        part.add("tzoffsetto", timedelta(hours=offset_to))
        part.add("tzname", name)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def _event(item: CalendarEvent, stamp: datetime):
    from zoneinfo import ZoneInfo

    from icalendar import Event, vCalAddress, vText

    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    if item.start is None:
        event.add("dtstart", item.day)                           # all-day: VALUE=DATE
        event.add("dtend", item.day + timedelta(days=1))
    else:
        zone = ZoneInfo(TZID)
        start = datetime.combine(item.day, item.start, tzinfo=zone)
        end = datetime.combine(item.day, item.end, tzinfo=zone) if item.end else start + DEFAULT_LENGTH
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("summary", item.title)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if item.last_modified is not None:
        modified = item.last_modified.astimezone(UTC)
        event.add("last-modified", modified)
        event.add("sequence", max(0, int((modified - _SEQUENCE_ORIGIN).total_seconds())))
    for person in item.attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["cutype"] = vText("INDIVIDUAL")
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("DECLINED" if person.declined else "NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address, encode=0)
    return event


def build_calendar(events: list[CalendarEvent], now: datetime | None = None) -> bytes:
    """The .ics bytes (UTF-8, CRLF lines) of the events."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Carnet PETR — réunions")
    calendar.add("x-wr-timezone", TZID)
    calendar.add_component(_timezone())
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    for item in events:
        calendar.add_component(_event(item, stamp))
    return calendar.to_ical()


def write_calendar(path: Path, events: list[CalendarEvent]) -> Path:
    """Write the .ics file atomically (temporary name, fsync, rename)."""
    return atomic_write_bytes(path, build_calendar(events))
