"""The Tableau de bord of a year: the read model against plain SQL on the demo data, its rules
(held = marked held or relevé signed; cancelled left out; joint dialogues), its speed, and its
exports through the house machinery (Excel read back with openpyxl, PDF read back with pdftotext)."""
from __future__ import annotations

import io
import statistics
import subprocess
import time
from datetime import date

import pytest
from openpyxl import load_workbook

from petr_desktop.domain.enums import SheetKind, SheetStatus
from petr_desktop.domain.models import Meeting
from petr_desktop.domain.values import NBSP, NNBSP, format_amount, format_date
from petr_desktop.services import dashboard, exports, meetings, minutes, records
from petr_desktop.services.errors import InvalidValueError
from petr_desktop.services.reference import structure_id
from petr_desktop.services.structures import sort_key
from petr_desktop.storage.database import raw_connection

TODAY = date.today()
LANGRES = structure_id("Pays de Langres")
VITRYAT = structure_id("Pays Vitryat")
KINDS = [k.value for k in SheetKind]


def _sql(db, query: str, *params) -> list[tuple]:
    with db.reader() as session:
        return raw_connection(session).execute(query, params).fetchall()


def _expected(db, year: int) -> dict[str, dict]:
    """The year per structure, computed independently, one plain query per fact."""
    rows = {sid: {"name": name, "held": 0, "planned": 0, "sheets": {}, "voted": 0, "paid": 0, "overdue": 0}
            for sid, name in _sql(db, "SELECT id, name FROM structure WHERE deleted = 0 AND active = 1")}
    dialogues = _sql(db, "SELECT m.id, m.structure_id, m.status, n.status FROM meeting m "
                         "LEFT JOIN minutes n ON n.meeting_id = m.id AND n.deleted = 0 "
                         "WHERE m.deleted = 0 AND m.kind = 'management_dialogue' AND m.meeting_date LIKE ?",
                     f"{year}-%")
    links = _sql(db, "SELECT meeting_id, structure_id FROM meeting_structure WHERE deleted = 0")
    for meeting_id, sid, status, minutes_status in dialogues:
        if status == "cancelled":
            continue
        for structure in {sid} | {s for m, s in links if m == meeting_id}:
            if structure in rows:
                rows[structure]["planned"] += 1
                rows[structure]["held"] += status == "held" or minutes_status == "signed"
    for sid, kind, status in _sql(db, "SELECT structure_id, kind, status FROM evaluation_sheet "
                                      "WHERE deleted = 0 AND year = ?", year):
        rows[sid]["sheets"][kind] = status
    for agreement, sid in _sql(db, "SELECT id, structure_id FROM annual_agreement WHERE deleted = 0 AND year = ?",
                               year):
        rows[sid]["voted"] += sum(v for (v,) in _sql(db, "SELECT voted_cents FROM aid_line WHERE deleted = 0 "
                                                         "AND annual_agreement_id = ?", agreement))
        rows[sid]["paid"] += sum(v for (v,) in _sql(db, "SELECT amount_cents FROM payment WHERE deleted = 0 "
                                                        "AND status = 'paid' AND annual_agreement_id = ?", agreement))
    for sid, due, status in _sql(db, "SELECT structure_id, due_on, status FROM action WHERE deleted = 0"):
        if status in ("todo", "in_progress") and due and date.fromisoformat(due) < TODAY and sid in rows:
            rows[sid]["overdue"] += 1
    return rows


def _check(doc: dashboard.YearDashboard, expected: dict[str, dict]) -> None:
    assert {r.structure_id for r in doc.rows} == set(expected)
    for row in doc.rows:
        want = expected[row.structure_id]
        assert row.name == want["name"]
        assert (row.dialogues_held, row.dialogues_planned) == (want["held"], want["planned"]), row.name
        assert {k: row.sheet_status(k) for k in KINDS} == {k: want["sheets"].get(k, dashboard.MISSING)
                                                             for k in KINDS}, row.name
        assert (row.voted_cents, row.paid_cents, row.overdue_actions) == (want["voted"], want["paid"],
                                                                          want["overdue"]), row.name
        assert row.remaining_cents == want["voted"] - want["paid"]


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_year_dashboard_matches_plain_sql(demo_db, year):
    doc = dashboard.year_dashboard(demo_db, year)
    _check(doc, _expected(demo_db, year))
    assert len(doc.rows) == 30 and doc.sheets_expected == 90
    assert [r.name for r in doc.rows] == sorted((r.name for r in doc.rows), key=sort_key)
    assert sum(doc.sheet_statuses.values()) == 90
    assert doc.total("voted_cents") == sum(v["voted"] for v in _expected(demo_db, year).values())


def test_demo_figures(demo_db):
    """What the demo holds, read off the dashboard (2026: the sheets reviewed, half paid)."""
    doc = dashboard.year_dashboard(demo_db, 2026)
    assert doc.sheet_statuses[SheetStatus.REVIEWED_IN_DIALOGUE] == 90 and doc.sheets_validated == 0
    assert 0 < doc.total("dialogues_held") < doc.total("dialogues_planned")
    assert doc.total("paid_cents") * 2 == doc.total("voted_cents") > 0
    assert doc.total("overdue_actions") > 0
    old = dashboard.year_dashboard(demo_db, 2025)
    assert old.sheets_validated == 90 and old.total("dialogues_held") == old.total("dialogues_planned")
    assert dashboard.dashboard_years(demo_db)[:3] == [2027, 2026, 2025]
    with pytest.raises(InvalidValueError):
        dashboard.year_dashboard(demo_db, 1900)


def test_dialogue_rules(demo_db):
    """Held = marked held or relevé signed; cancelled and other kinds left out; a joint dialogue counts
    for every structure it names."""
    before = {r.structure_id: r for r in dashboard.year_dashboard(demo_db, 2026).rows}
    day = date(2026, 3, 2)
    signed = meetings.create_meeting(demo_db, "management_dialogue", day, LANGRES)
    record = minutes.open_minutes(demo_db, signed.id)
    minutes.submit_for_validation(demo_db, record.id)
    minutes.sign(demo_db, record.id, "Isabelle Kuntz", "Chargée de mission")      # meeting still « Prévue »
    meetings.create_meeting(demo_db, "management_dialogue", day, LANGRES, status="cancelled")
    meetings.create_meeting(demo_db, "directors_network", day, LANGRES, status="held")
    joint = meetings.create_meeting(demo_db, "management_dialogue", day, LANGRES)
    meetings.set_meeting_structures(demo_db, joint.id, [VITRYAT])
    meetings.mark_held(demo_db, joint.id)
    gone = meetings.create_meeting(demo_db, "management_dialogue", day, VITRYAT, status="held")
    records.delete(demo_db, Meeting, gone.id)
    after = {r.structure_id: r for r in dashboard.year_dashboard(demo_db, 2026).rows}
    assert after[LANGRES].dialogues_planned == before[LANGRES].dialogues_planned + 2
    assert after[LANGRES].dialogues_held == before[LANGRES].dialogues_held + 2
    assert after[VITRYAT].dialogues_planned == before[VITRYAT].dialogues_planned + 1
    assert after[VITRYAT].dialogues_held == before[VITRYAT].dialogues_held + 1
    _check(dashboard.year_dashboard(demo_db, 2026), _expected(demo_db, 2026))


def test_overdue_counts_open_actions_late_today(demo_db):
    doc = dashboard.year_dashboard(demo_db, 2026, today=TODAY)
    expected = _sql(demo_db, "SELECT COUNT(*) FROM action WHERE deleted = 0 AND status IN ('todo', 'in_progress') "
                             "AND due_on < ?", TODAY.isoformat())[0][0]
    assert doc.total("overdue_actions") == expected
    earlier = dashboard.year_dashboard(demo_db, 2026, today=date(2020, 1, 1))
    assert earlier.total("overdue_actions") == 0
    assert doc.content_sha256 != earlier.content_sha256


def test_year_dashboard_is_fast(demo_db):
    dashboard.year_dashboard(demo_db, 2026)
    times = []
    for _ in range(7):
        started = time.perf_counter()
        dashboard.year_dashboard(demo_db, 2026)
        times.append((time.perf_counter() - started) * 1000)
    assert statistics.median(times) < 100, times


# --- Exports ------------------------------------------------------------------------------------

def _book(data: bytes):
    assert data[:2] == b"PK"
    return load_workbook(io.BytesIO(data))


def test_excel_workbook(demo_db, tmp_path):
    from petr_desktop.exports.excel.dashboard import dashboard_xlsx

    with demo_db.reader() as session:                   # one sheet validated: a green cell
        sheet_id = raw_connection(session).execute(
            "SELECT id FROM evaluation_sheet WHERE structure_id = ? AND year = 2026 AND kind = 'thematic'",
            (LANGRES,)).fetchone()[0]
    with demo_db.unit_of_work() as session:
        raw_connection(session).execute("UPDATE evaluation_sheet SET status = 'validated' WHERE id = ?", (sheet_id,))
    doc = dashboard.year_dashboard(demo_db, 2026)
    book = _book(dashboard_xlsx(demo_db, 2026))
    assert book.sheetnames == ["Chiffres clés", "Par structure", "Fiches 2026"]
    figures = book["Chiffres clés"]
    assert figures["A1"].value == "Tableau de bord 2026 — Pays / PETR — chiffres clés"
    values = {figures.cell(r, 1).value: figures.cell(r, 2).value for r in range(5, 15)}
    assert values["Structures suivies"] == 30
    assert values["Montant voté"] == doc.total("voted_cents") / 100
    assert values["Montant versé"] == doc.total("paid_cents") / 100
    assert values["Dialogues de gestion tenus"] == doc.total("dialogues_held")
    assert values[f"Actions en retard au {format_date(TODAY)}"] == doc.total("overdue_actions")
    assert figures["B10"].number_format == '#,##0.00 "€"'

    table = book["Par structure"]
    headers = [table.cell(4, c).value for c in range(1, 9)]
    assert headers == ["Structure", "Maison de Région", "Dialogues tenus", "Dialogues programmés", "Voté",
                       "Versé", "Reste à verser", "Actions en retard"]
    [excel_table] = table.tables.values()
    assert excel_table.displayName == "TableauDeBord2026" and excel_table.ref == "A4:H34"
    by_name = {table.cell(r, 1).value: r for r in range(5, 35)}
    langres = next(r for r in doc.rows if r.structure_id == LANGRES)
    row = by_name["Pays de Langres"]
    assert table.cell(row, 5).value == langres.voted_cents / 100
    assert table.cell(row, 7).value == langres.remaining_cents / 100
    assert table.cell(row, 8).value == langres.overdue_actions
    assert table.cell(35, 1).value == "Total" and table.cell(35, 5).value == "=SUBTOTAL(109,E5:E34)"
    assert table.freeze_panes == "B5"

    grid = book["Fiches 2026"]
    assert [grid.cell(4, c).value for c in range(1, 6)] == ["Structure", "Maison de Région", "Missions socle",
                                                            "Thématique", "Chantier collectif"]
    row = next(r for r in range(5, 35) if grid.cell(r, 1).value == "Pays de Langres")
    assert grid.cell(row, 4).value == "Validée (pièce pour solde)"
    assert grid.cell(row, 4).fill.fgColor.rgb.endswith("1E7B45")
    assert grid.cell(row, 3).value == "Examinée en dialogue"
    assert grid.cell(row, 3).fill.fgColor.rgb.endswith("8FB8DE")
    legend = [grid.cell(r, 7).value for r in range(5, 11)]
    assert legend == [s.label for s in SheetStatus] + ["Non ouverte"]


def test_pdf(demo_db, tmp_path):
    result = exports.export_dashboard(demo_db, 2026, tmp_path / "tableau.pdf")
    doc = dashboard.year_dashboard(demo_db, 2026)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.path), "-"], capture_output=True,
                          check=True).stdout.decode()
    out = subprocess.run(["pdfinfo", "-custom", "-enc", "UTF-8", str(result.path)], capture_output=True,
                         check=True).stdout.decode()
    info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}
    assert "Tableau de bord 2026 — Pays / PETR" in text
    for heading in ("Chiffres clés", "Détail par structure", "Fiches évaluatives 2026 par structure",
                    "Montants votés et versés par structure (k€)", "Fiches évaluatives 2026 par statut",
                    "Dialogues de gestion 2026", "Maison de Région", "Reste à verser"):
        assert heading in text, heading
    for cents in (doc.total("voted_cents"), doc.total("paid_cents"), doc.total("remaining_cents")):
        assert format_amount(cents) in text
    assert f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}" in text
    assert f"Examinée en dialogue{NBSP}: 90 (100{NNBSP}%)" in text
    assert all(r.name in text for r in doc.rows)
    assert f"données au {format_date(TODAY)}" in text and "1 / 4" in text and "4 / 4" in text
    assert "PROJET" not in text
    assert info["PetrRecord"] == "dashboard:2026" and info["PetrSha256"] == doc.content_sha256
    assert info["Title"] == "Tableau de bord 2026 — Pays / PETR" and info["Author"] == "Carnet PETR"
    pages = subprocess.run(["pdfinfo", str(result.path)], capture_output=True, check=True).stdout.decode()
    assert "Pages:           4" in pages and "841.89 x 595.276 pts (A4)" in pages


def test_export_entry_points_refuse_wrong_formats(demo_db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InvalidValueError):
        exports.export_dashboard(demo_db, 2026, out / "tableau.docx")
    with pytest.raises(InvalidValueError):
        exports.export_presentation(demo_db, 2026, out / "support.pdf")
    assert not list(out.iterdir())
    xlsx = exports.export_dashboard(demo_db, 2025, out / "tableau.xlsx")
    assert xlsx.path.read_bytes()[:2] == b"PK" and xlsx.size > 5000
