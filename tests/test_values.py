from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from petr_desktop.domain.ids import new_id, singleton_id
from petr_desktop.domain.values import (NBSP, NNBSP, ValueFormatError, format_amount, format_date,
                                        parse_amount, parse_date)


def test_amount_french_format():
    assert format_amount(1_250_000) == f"12{NNBSP}500,00{NBSP}€"
    assert format_amount(-5) == f"-0,05{NBSP}€"


@pytest.mark.parametrize("text,cents", [("12 500,00 €", 1_250_000), ("12500", 1_250_000), ("12 500,5", 1_250_050),
                                        ("1.250,00", 125_000), ("0,99 €", 99), (f"12{NNBSP}500,00{NBSP}€", 1_250_000),
                                        ("-40", -4000)])
def test_parse_amount(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "douze", "12,345", "1 2 3", "12,50,00", "€"])
def test_parse_amount_refuses_bad_input_in_french(text):
    with pytest.raises(ValueFormatError, match="montant invalide"):
        parse_amount(text)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_amount_round_trip(cents):
    assert parse_amount(format_amount(cents)) == cents


def test_dates():
    assert format_date(date(2026, 11, 28)) == "28 novembre 2026"
    assert format_date(date(2026, 3, 1)) == "1er mars 2026"
    assert parse_date("28/11/2026") == parse_date("2026-11-28") == parse_date("28 novembre 2026") == date(2026, 11, 28)
    for bad in ("31/02/2026", "demain", "2026-13-01", ""):
        with pytest.raises(ValueFormatError, match="date invalide"):
            parse_date(bad)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_date_round_trip(day):
    assert parse_date(format_date(day)) == day


@pytest.mark.parametrize("text", ["14/09/1752", "01/01/1999", "01/01/2101", "2999-01-01"])
def test_dates_outside_2000_2100_are_refused(text):
    with pytest.raises(ValueFormatError, match="hors des années 2000 à 2100") as refused:
        parse_date(text)
    assert date.today().strftime("%d/%m/%Y") in str(refused.value)      # the example is today


def test_ids():
    a, b = new_id(), new_id()
    assert a != b and a[14] == "7" and len(a) == 36
    assert sorted([a, b]) == [a, b]          # time-ordered
    assert singleton_id("sheet", "s1", 2025, "thematic") == singleton_id("sheet", "s1", "2025", "thematic")
    assert singleton_id("sheet", "s1", 2025) != singleton_id("sheet", "s1", 2026)
