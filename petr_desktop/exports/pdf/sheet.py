"""PDF of a fiche évaluative, laid out from its form template (DESIGN.md §3, fiche_fields.md §C)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.platypus import Flowable

from ...domain import rules
from ...domain.enums import LegalForm, SheetKind, SheetStatus
from ...domain.forms import FormField, Section
from ...domain.values import NNBSP, format_amount, format_date
from ...services import documents
from ...services import sheets as sheet_service
from ...services.documents import SheetDocument
from .base import Kit, Meta, build, layout, page


def grouped(number: int) -> str:
    return f"{number:,}".replace(",", NNBSP)


def percent(rate: float) -> str:
    """0.85 → « 85 % », 0.125 → « 12,5 % »."""
    value = f"{rate * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{value}{NNBSP}%"


def field_text(form_field: FormField, value: Any) -> str:
    """A typed value as French text: « 28 novembre 2026 », « 12 500,00 € », « 14 projets »."""
    if value is None or value == "":
        return ""
    kind = form_field.type
    if kind == "date":
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_date(day)
    if kind == "money":
        return format_amount(int(value))
    if kind == "integer":
        text = grouped(int(value))
    elif kind == "percent":
        return sheet_service.format_value(form_field, value) + NNBSP + "%"
    else:
        text = sheet_service.format_value(form_field, value)
    if form_field.unit and kind in ("integer", "decimal"):
        text = f"{text} {form_field.unit}"
    return text


def _common_values(doc: SheetDocument) -> dict[str, Any]:
    """The common block's values; a zero amount is the column default: shown as not filled in."""
    values = {}
    for section in sheet_service.COMMON_SECTIONS:
        for form_field in section.fields:
            value = getattr(doc.sheet, form_field.key)
            if form_field.type == "money" and not value:
                value = None
            values[form_field.key] = value
    return values


def _money_pairs(section: Section) -> list[tuple[FormField, FormField]]:
    """The « prévu / réalisé » money fields of a section, paired as ``sheets.realisation_rates`` does."""
    money = [f for f in section.fields if f.type == "money"]
    pairs = []
    for planned in money:
        head, _, name = planned.key.rpartition(".")
        stem, found, _ = name.partition("_prevu")
        done = next((f for f in money if f.key.startswith(f"{head}.{stem}_realis")), None) if found else None
        if done is not None:
            pairs.append((planned, done))
    return pairs


def field_section(kit: Kit, section: Section, values: dict[str, Any], label_fraction: float) -> list[Flowable]:
    """Typed fields as label / value rows; « prévu / réalisé » amounts as one table with the rate."""
    spec = layout("sheet")
    pairs = _money_pairs(section)
    content: list[Flowable] = []
    if pairs:
        rates = sheet_service.realisation_rates(section, values)
        rows = [(label, field_text(planned, values.get(planned.key)), field_text(done, values.get(done.key)),
                 percent(rate) if rate is not None else "")
                for (planned, done), (label, rate) in zip(pairs, rates)]
        content.append(kit.table(spec["budget_columns"], rows,
                                 styles=["cell", "cell_right", "cell_right", "cell_right"]))
    paired = {f.key for pair in pairs for f in pair}
    rest = [(f.label, field_text(f, values.get(f.key))) for f in section.fields if f.key not in paired]
    if rest:
        if content:
            content.append(kit.space(3))
        content.append(kit.pairs(rest, label_fraction=label_fraction))
    return kit.section(section.title, *content, level="h2")


@dataclass(frozen=True)
class GroupColumn:
    """A printed column of a repeating group."""

    name: str
    label: str
    type: str
    text: Callable[[Any], str]
    style: str = "cell"


def _column(column: sheet_service.Column) -> GroupColumn:
    form_field = column.form_field

    def text(row: Any) -> str:
        return field_text(form_field, getattr(row, column.name))

    numeric = column.type in ("decimal", "money", "integer", "percent")
    return GroupColumn(column.name, column.label, column.type, text, "cell_right" if numeric else "cell")


def _group_columns(doc: SheetDocument, group: str) -> list[GroupColumn]:
    labels = layout("sheet")["labels"]
    decimal = FormField("value", "", "decimal")
    columns = [_column(c) for c in sheet_service.GROUP_COLUMNS[group]]
    if group == "indicators":
        at = [c.name for c in columns].index("actual") + 1
        columns.insert(at, GroupColumn("gap", labels["gap"], "decimal",
                                       lambda row: field_text(decimal, sheet_service.indicator_gap(row)),
                                       "cell_right"))
        if doc.bundle.previous is not None:
            previous = doc.bundle.previous_indicators

            def before(row: Any) -> str:
                old = previous.get(row.name)
                return field_text(decimal, old.actual) if old is not None else ""

            columns.insert(at + 1, GroupColumn("previous_actual", labels["previous_actual"], "decimal", before,
                                               "cell_right"))
    if group == "posts":
        def funding(row: Any) -> str:
            codes = sheet_service.post_funding(row)
            text = ", ".join(rules.POST_FUNDING[c] for c in codes)
            if rules.double_funding_alert(codes):
                text += "\n" + labels["double_funding"]
            return text

        columns.append(GroupColumn("funding", labels["funding"], "funding", funding))
    return columns


def group_section(kit: Kit, doc: SheetDocument, section: Section) -> list[Flowable]:
    spec = layout("sheet")
    group = section.group or ""
    rows = doc.bundle.groups.get(group, [])
    if not rows:
        return kit.section(section.title, kit.p(spec["labels"]["no_rows"], "empty"), level="h2")
    columns = _group_columns(doc, group)
    weights = [spec["column_overrides"].get(f"{group}.{c.name}", spec["column_weights"].get(c.type, 1.0))
               for c in columns]
    total = sum(weights)
    table = kit.table([(c.label, w / total) for c, w in zip(columns, weights)],
                      [[c.text(row) for c in columns] for row in rows], styles=[c.style for c in columns])
    content: list[Flowable] = [table]
    if group == "sessions":
        rate = sheet_service.participation_rate(rows)
        if rate is not None:
            content.append(kit.p(spec["labels"]["participation_rate"].format(rate=percent(rate)), "small"))
    return kit.section(section.title, *content, level="h2")


def sheet_story(doc: SheetDocument, kit: Kit) -> list[Flowable]:
    spec = layout("sheet")
    labels = spec["labels"]
    fraction = spec["label_fraction"]
    bundle, sheet = doc.bundle, doc.sheet
    story: list[Flowable] = [kit.p(bundle.template.title, "title"), kit.p(bundle.structure_name, "subtitle"),
                             kit.space(4), kit.status_box(doc.status_text, doc.content_sha256)]
    identity = doc.structure
    rows = [(labels["structure"], bundle.structure_name)]
    if identity is not None:
        rows += [(labels["siren"], identity.siren),
                 (labels["legal_form"], LegalForm(identity.legal_form).label if identity.legal_form else ""),
                 (labels["president"], identity.president), (labels["director"], identity.director),
                 (labels["office"], identity.regional_office_name)]
    rows += [(labels["year"], str(sheet.year)), (labels["kind"], SheetKind(sheet.kind).label),
             (labels["version"], str(sheet.version)), (labels["status"], SheetStatus(sheet.status).label)]
    story += kit.section(spec["sections"]["identification"], kit.pairs(rows, label_fraction=fraction))
    common = _common_values(doc)
    agreement, petr, region = sheet_service.COMMON_SECTIONS
    for section in (agreement, petr):
        story += field_section(kit, section, common, fraction)
    for section in bundle.template.sections:
        if section.group:
            story += group_section(kit, doc, section)
        else:
            story += field_section(kit, section, bundle.answers, fraction)
    story += field_section(kit, region, common, fraction)
    return story


def meta(doc: SheetDocument) -> Meta:
    spec = layout("sheet")
    name = doc.bundle.structure_name
    return Meta(title=f"{doc.title} — {name}", subject=spec["subject"],
                record=documents.record_key("evaluation_sheet", doc.sheet.id), sha256=doc.content_sha256,
                status=f"{spec['labels']['kind_label']} — {doc.status_text}",
                header_right=f"{SheetKind(doc.sheet.kind).label} {doc.sheet.year} — {name}",
                keywords=("fiche évaluative", SheetKind(doc.sheet.kind).label, name))


def sheet_pdf(db: Any, sheet_id: str) -> bytes:
    """The PDF of a fiche évaluative; « PROJET » until it is validated."""
    doc = documents.sheet_document(db, sheet_id)
    return build(sheet_story(doc, Kit(page().frame_width)), meta(doc), draft=doc.draft)
