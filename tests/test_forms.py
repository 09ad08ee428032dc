"""Form templates: every shipped template parses strictly; keys are stable across years."""
from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from petr_desktop.domain.forms import FormField, TemplateError, coerce_answer, parse_template
from petr_desktop.domain.values import ValueFormatError
from petr_desktop.services.sheets import GROUP_MODELS, available_templates, load_template


def test_nine_templates_for_three_kinds_and_three_years():
    assert available_templates() == [(k, y) for k in ("collective", "core_missions", "thematic")
                                     for y in (2025, 2026, 2027)]


@pytest.mark.parametrize("kind", ["core_missions", "thematic", "collective"])
def test_same_fields_every_year(kind):
    shapes = []
    for year in (2025, 2026, 2027):
        template = load_template(kind, year)
        assert (template.kind, template.year) == (kind, year)
        assert str(year) in template.title and "«" in template.title
        shapes.append([(s.key, s.group, tuple((f.key, f.type, f.choices) for f in s.fields))
                       for s in template.sections])
        assert all(s.group in GROUP_MODELS for s in template.group_sections())
    assert shapes[0] == shapes[1] == shapes[2]


def test_years_without_a_template_use_the_nearest():
    assert load_template("thematic", 2030).year == 2027
    assert load_template("thematic", 2020).year == 2025


def _raw(**section):
    return {"kind": "thematic", "year": 2026, "title": "t", "template_version": 1, "sections": [section]}


@pytest.mark.parametrize("section,message", [
    ({"key": "a", "title": "A", "fields": [{"key": "a.x", "label": "X", "type": "colour"}]}, "type inconnu"),
    ({"key": "a", "title": "A", "fields": [{"key": "a.x", "label": "X", "type": "choice"}]}, "choices"),
    ({"key": "a", "title": "A", "group": "pets"}, "groupe inconnu"),
    ({"key": "a", "title": "A", "fields": [], "group": "posts"}, "soit « fields », soit « group »"),
    ({"key": "a", "title": "A", "fields": [], "colour": "red"}, "clé(s) inconnue(s)"),
    ({"key": "a", "title": "A", "group": "posts", "defaults": [{"label": "x"}]}, "ligne par défaut"),
])
def test_malformed_templates_are_refused_in_french(section, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        parse_template(_raw(**section))


def test_every_shipped_file_is_strictly_valid():
    folder = resources.files("petr_desktop.resources.forms")
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            parse_template(json.loads(entry.read_text("utf-8")))


@pytest.mark.parametrize("kind,value,expected", [
    ("integer", "12", 12), ("integer", 3.0, 3), ("decimal", "1,5", 1.5), ("percent", "80 %", 80.0),
    ("money", "1 250,50 €", 125_050), ("date", "28/11/2026", "2026-11-28"), ("bool", "oui", True),
    ("bool", False, False), ("year", "2026", 2026), ("text", "  ", "  "), ("integer", "", None),
])
def test_answers_are_typed(kind, value, expected):
    assert coerce_answer(FormField("k", "Champ", kind), value) == expected


@pytest.mark.parametrize("kind,value", [("integer", "-1"), ("integer", 2.5), ("percent", "120"),
                                        ("year", "1850"), ("bool", "peut-être"), ("date", "32/01/2026")])
def test_bad_answers_are_refused_in_french(kind, value):
    with pytest.raises(ValueFormatError, match="« Champ » : valeur"):
        coerce_answer(FormField("k", "Champ", kind), value)
