"""French input and output of amounts and dates (pure functions).

Amounts are integer cents. French typography: a narrow no-break space (U+202F) groups
thousands, a no-break space (U+00A0) precedes « € », a comma separates decimals.
"""
from __future__ import annotations

import re
from datetime import date, datetime

NNBSP = "\u202f"
NBSP = "\u00a0"

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


class ValueFormatError(ValueError):
    """Bad user input; ``str(error)`` is a French message."""


def format_amount(cents: int | None) -> str:
    """12 500,00 € (narrow no-break spaces as thousands separators)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", NNBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


_AMOUNT = re.compile(r"^(-)?(\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](\d{1,2}))?$")


def parse_amount(text: str) -> int:
    """French amount text to cents: « 12 500,5 € », « 12500 », « 1.250,00 »."""
    cleaned = (text or "").replace(NNBSP, " ").replace(NBSP, " ").replace("€", "").replace("EUR", "")
    cleaned = cleaned.strip()
    compact = re.sub(r"\s+", " ", cleaned)
    match = _AMOUNT.match(compact)
    if not match:
        raise ValueFormatError(f"montant invalide : « {text} » (exemple : 12 500,00 €)")
    sign, whole, decimals = match.groups()
    euros = int(re.sub(r"[ .]", "", whole))
    cents = euros * 100 + int((decimals or "0").ljust(2, "0"))
    return -cents if sign else cents


def format_date(value: date | None) -> str:
    """« 28 novembre 2026 », « 1er mars 2026 »."""
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def format_date_short(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


#: The dates a user may type: a meeting, a deadline or a payment of this work, not 1752 or 2999.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def example_date() -> str:
    """Today, as the example of French error messages (« 07/12/2026 »)."""
    return date.today().strftime("%d/%m/%Y")


def parse_date(text: str) -> date:
    """« 28/11/2026 », « 28.11.2026 », « 2026-11-28 » or « 28 novembre 2026 », from 2000 to 2100.

    An impossible date (« 31/02/2026 ») is refused, never reshaped into another one."""
    raw = (text or "").strip().lower()
    parsed = None
    try:
        if m := _DMY.match(raw):
            parsed = date(int(m[3]), int(m[2]), int(m[1]))
        elif m := _ISO.match(raw):
            parsed = date(int(m[1]), int(m[2]), int(m[3]))
        elif len(parts := raw.replace("1er", "1").split()) == 3 and parts[1] in MONTHS:
            parsed = date(int(parts[2]), MONTHS.index(parts[1]) + 1, int(parts[0]))
    except ValueError:
        pass
    if parsed is None:
        raise ValueFormatError(f"date invalide : « {text} » (exemple : {example_date()})")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueFormatError(f"date hors des années {FIRST_YEAR} à {LAST_YEAR} : « {text} » "
                               f"(exemple : {example_date()})")
    return parsed


def as_date(value: date | str | None) -> date | None:
    """Accept a date, an ISO/French date text, or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return parse_date(value)


#: The Région's time zone: dates and times shown to the user are French local time.
TIME_ZONE = "Europe/Paris"


def local_time(moment: datetime) -> datetime:
    """``moment`` in French local time (naive values are taken as already local)."""
    if moment.tzinfo is None:
        return moment
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(TIME_ZONE))
    except Exception:          # no time-zone database on this system: the computer's own zone
        return moment.astimezone()


def format_datetime_fr(moment: datetime) -> str:
    """« 28 novembre 2026 à 14:32 » (French local time)."""
    local = local_time(moment)
    return f"{format_date(local.date())} à {local:%H:%M}"
