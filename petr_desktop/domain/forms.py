"""Form templates of the evaluation sheets (data in ``resources/forms/``), parsed strictly.

A template lists sections; a section holds either typed fields or one repeating group
bound to a typed child table. Answers are validated against the field type here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .values import ValueFormatError, as_date, example_date, parse_amount

FIELD_TYPES = frozenset({"text", "longtext", "integer", "decimal", "money", "percent",
                         "date", "choice", "bool", "year"})
GROUPS = frozenset({"indicators", "posts", "sessions", "diversification_leads", "projects",
                    "supporting_documents", "action_plan"})
DEFAULT_ROW_KEYS = {"indicators": {"label", "unit"}, "supporting_documents": {"label"}}


class TemplateError(ValueError):
    """A malformed template; the message is French."""


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    type: str
    help: str = ""
    choices: tuple[str, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    help: str = ""
    fields: tuple[FormField, ...] = ()
    group: str | None = None
    defaults: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class FormTemplate:
    kind: str
    year: int
    title: str
    template_version: int
    sections: tuple[Section, ...]
    fields_by_key: dict[str, FormField] = field(default_factory=dict, compare=False)

    def field(self, key: str) -> FormField:
        try:
            return self.fields_by_key[key]
        except KeyError:
            raise TemplateError(f"champ inconnu « {key} » dans la fiche {self.kind} {self.year}") from None

    def group_sections(self) -> list[Section]:
        return [s for s in self.sections if s.group]


def _only(data: dict, allowed: set[str], where: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TemplateError(f"{where} : clé(s) inconnue(s) {sorted(unknown)}")


def parse_template(data: dict[str, Any]) -> FormTemplate:
    _only(data, {"kind", "year", "title", "template_version", "sections"}, "modèle")
    sections, by_key, section_keys = [], {}, set()
    for raw in data["sections"]:
        where = f"section « {raw.get('key')} »"
        _only(raw, {"key", "title", "help", "fields", "group", "defaults"}, where)
        if raw["key"] in section_keys:
            raise TemplateError(f"{where} en double")
        section_keys.add(raw["key"])
        if ("group" in raw) == ("fields" in raw):
            raise TemplateError(f"{where} : il faut soit « fields », soit « group »")
        if "group" in raw:
            group = raw["group"]
            if group not in GROUPS:
                raise TemplateError(f"{where} : groupe inconnu « {group} »")
            for row in raw.get("defaults", []):
                _only(row, DEFAULT_ROW_KEYS.get(group, set()), f"{where}, ligne par défaut")
            sections.append(Section(raw["key"], raw["title"], raw.get("help", ""), group=group,
                                    defaults=tuple(raw.get("defaults", []))))
            continue
        fields = []
        for f in raw["fields"]:
            _only(f, {"key", "label", "type", "help", "choices", "unit"}, f"champ « {f.get('key')} »")
            if f["type"] not in FIELD_TYPES:
                raise TemplateError(f"champ « {f['key']} » : type inconnu « {f['type']} »")
            if (f["type"] == "choice") != bool(f.get("choices")):
                raise TemplateError(f"champ « {f['key']} » : « choices » réservé au type choice")
            if f["key"] in by_key:
                raise TemplateError(f"champ « {f['key']} » en double")
            ff = FormField(f["key"], f["label"], f["type"], f.get("help", ""),
                           tuple(f.get("choices", ())), f.get("unit", ""))
            by_key[ff.key] = ff
            fields.append(ff)
        sections.append(Section(raw["key"], raw["title"], raw.get("help", ""), fields=tuple(fields)))
    return FormTemplate(data["kind"], int(data["year"]), data["title"], int(data["template_version"]),
                        tuple(sections), by_key)


def coerce_answer(form_field: FormField, value: Any) -> Any:
    """A typed, JSON-ready answer for ``form_field``, or ``ValueFormatError`` in French."""
    if value is None or value == "":
        return None
    kind, label = form_field.type, form_field.label
    try:
        if kind in ("text", "longtext"):
            return str(value)
        if kind in ("integer", "year"):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(str(value).strip()) if isinstance(value, str) else int(value)
            if kind == "year" and not 2000 <= number <= 2100:
                raise ValueError
            if kind == "integer" and number < 0:
                raise ValueError
            return number
        if kind in ("decimal", "percent"):
            number = float(str(value).replace(",", ".").replace("%", "").strip()) \
                if isinstance(value, str) else float(value)
            if kind == "percent" and not 0 <= number <= 100:
                raise ValueError
            return number
        if kind == "money":
            return parse_amount(value) if isinstance(value, str) else int(value)
        if kind == "date":
            parsed = as_date(value)
            return parsed.isoformat() if isinstance(parsed, date) else None
        if kind == "choice":
            if value not in form_field.choices:
                raise ValueError
            return value
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("oui", "true", "1", "vrai"):
                return True
            if text in ("non", "false", "0", "faux"):
                return False
            raise ValueError
    except (ValueError, TypeError, ValueFormatError):
        pass
    expected = {"integer": "un nombre entier positif", "year": "une année (ex. 2026)",
                "decimal": "un nombre", "percent": "un pourcentage entre 0 et 100",
                "money": "un montant (ex. 12 500,00 €)", "date": f"une date (ex. {example_date()})",
                "choice": "l'une des valeurs : " + ", ".join(f"« {c} »" for c in form_field.choices),
                "bool": "oui ou non"}.get(kind, "une valeur valide")
    raise ValueFormatError(f"« {label} » : valeur « {value} » invalide, attendu {expected}")
