"""PDF documents: every kind is made, read back with poppler (pdftotext, pdfinfo, pdffonts) and checked:
French text exactly as the services format it, metadata and hashes, « PROJET » on drafts only,
page numbers « n / N », the embedded font (never Helvetica), the one-page briefing."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from petr_desktop.domain.canonical import content_sha256
from petr_desktop.domain.values import NBSP, NNBSP, format_amount, format_date
from petr_desktop.exports.pdf import briefing_pdf, commission_pdf, dossier_pdf, minutes_pdf, sheet_pdf
from petr_desktop.domain.models import AgendaItem
from petr_desktop.services import documents, meetings, minutes, records, sheets
from petr_desktop.services.errors import NotFoundError
from petr_desktop.services.reference import structure_id
from petr_desktop.storage.database import raw_connection

DEODATIE = structure_id("Pays de la Déodatie")
BARSEQUANAIS = structure_id("Barséquanais en Champagne")


# --- Reading PDFs back -----------------------------------------------------------------------

class Pdf:
    """A PDF written to disk and read back with poppler."""

    def __init__(self, data: bytes, folder: Path, name: str = "doc") -> None:
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
        self.data = data
        self.path = folder / f"{name}.pdf"
        self.path.write_bytes(data)

    def _run(self, *args: str) -> str:
        return subprocess.run(list(args), capture_output=True, check=True).stdout.decode("utf-8")

    @property
    def text(self) -> str:
        return self._run("pdftotext", "-enc", "UTF-8", str(self.path), "-")

    def page_text(self, number: int) -> str:
        return self._run("pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), str(self.path), "-")

    @property
    def info(self) -> dict[str, str]:
        out = self._run("pdfinfo", "-custom", "-enc", "UTF-8", str(self.path))
        return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}

    @property
    def pages(self) -> int:
        out = self._run("pdfinfo", str(self.path))
        return int(next(line for line in out.splitlines() if line.startswith("Pages:")).split()[1])

    @property
    def fonts(self) -> list[list[str]]:
        lines = self._run("pdffonts", str(self.path)).splitlines()[2:]
        return [line.split() for line in lines]


def check_common(pdf: Pdf, record: str, sha: str) -> None:
    """What every PDF of the app carries."""
    info = pdf.info
    assert info["Author"] == "Carnet PETR"
    assert info["Creator"] == "Carnet PETR"
    assert info["PetrRecord"] == record
    assert info["PetrSha256"] == sha and len(sha) == 64
    text = pdf.text
    assert "Région Grand Est — Direction de l'Intelligence Territoriale — SIPUN" in text
    assert f"Empreinte SHA-256{NBSP}: {sha}" in text
    total = pdf.pages
    for number in range(1, total + 1):
        assert f"{number} / {total}" in text
    # The embedded DejaVu subsets only: no base-14 font (Helvetica draws U+202F as a box).
    assert pdf.fonts and all(row[0].endswith(("+DejaVuSans", "+DejaVuSans-Bold")) for row in pdf.fonts)
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in pdf.fonts)    # embedded, subset, unicode
    assert b"Helvetica" not in pdf.data


def one(db, sql: str, *params) -> str:
    with db.reader() as session:
        row = raw_connection(session).execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


# --- Relevé d'échange -----------------------------------------------------------------------

def test_signed_minutes_pdf(demo_db, tmp_path):
    minutes_id = one(demo_db, "SELECT n.id FROM minutes n JOIN meeting m ON m.id = n.meeting_id "
                              "WHERE n.status = 'signed' AND m.structure_id = ? ORDER BY m.meeting_date", DEODATIE)
    doc = documents.minutes_document(demo_db, minutes_id)
    with demo_db.reader() as session:
        expected = content_sha256(minutes.canonical_content(session, minutes_id))
    assert doc.sign_off is not None and doc.sign_off.content_sha256 == expected   # what `verify` compares
    pdf = Pdf(minutes_pdf(demo_db, minutes_id), tmp_path)
    check_common(pdf, f"minutes:{minutes_id}", expected)
    text = pdf.text
    assert pdf.info["Title"] == "Relevé d'échange — Dialogue de gestion 2025 n°1 — Pays de la Déodatie"
    assert "Relevé d'échange — Dialogue de gestion 2025 n°1" in text
    assert "Pays de la Déodatie" in text
    assert format_date(doc.meeting.meeting_date) in text
    assert "9 h 30 – 12 h 00" in text
    for heading in ("Participants", "Objet et ordre du jour", "Points abordés", "Décisions", "Actions à suivre",
                    "Points de vigilance", "Prochaine échéance", "Rédaction et validation"):
        assert heading in text
    for person in doc.attendance:
        assert person.full_name in text
    assert "Présent" in text
    assert "D1" in text and "A1" in text
    assert f"A{len(doc.actions)}" in text
    assert "Tour de table et contexte du territoire" in text
    signed_on = format_date(doc.signed_on)
    assert f"Signé le {signed_on} par Isabelle Kuntz" in text
    assert format_date(doc.minutes.next_meeting_on) in text
    assert "PROJET" not in text
    assert 1 <= pdf.pages <= 4
    # Room kept for the visa block that signing adds: "<page> <x1> <y1> <x2> <y2>" on an A4 page.
    page, x1, y1, x2, y2 = (int(v) for v in pdf.info["PetrVisaArea"].split())
    assert 1 <= page <= pdf.pages and 0 <= x1 < x2 <= 595 and 0 <= y1 < y2 <= 842 and y2 - y1 == 92
    assert "Rédaction et validation" in pdf.page_text(page)


def test_minutes_to_validate_carry_projet_on_every_page(demo_db, tmp_path):
    minutes_id = one(demo_db, "SELECT id FROM minutes WHERE status = 'to_validate'")
    pdf = Pdf(minutes_pdf(demo_db, minutes_id), tmp_path)
    with demo_db.reader() as session:
        check_common(pdf, f"minutes:{minutes_id}", content_sha256(minutes.canonical_content(session, minutes_id)))
    assert "Statut\u00a0: À valider" in pdf.text
    assert "PetrVisaArea" not in pdf.info                             # only a signed relevé gets a visa
    for number in range(1, pdf.pages + 1):
        assert "PROJET — Relevé d'échange — À valider" in pdf.page_text(number)


def test_minutes_from_draft_to_signed_keep_their_hash(db, tmp_path):
    """A relevé typed in the app: French typography, amounts and dates come back exactly; the
    hash printed while it was a draft is the one the sign-off keeps."""
    meeting = meetings.create_meeting(db, "management_dialogue", date(2026, 11, 28), structure_id=BARSEQUANAIS,
                                      start_time="14:00", end_time="16:30", place_kind="regional_office",
                                      place="Maison de Région de Troyes")
    meetings.add_participant(db, meeting.id, full_name="Hélène Thiébaut", function="Directrice",
                             organisation_name="PETR Barséquanais en Champagne")
    meetings.add_participant(db, meeting.id, full_name="Jérôme Lefèvre", function="Président",
                             organisation_name="PETR Barséquanais en Champagne", status="excused")
    record = minutes.open_minutes(db, meeting.id, author="Isabelle Kuntz")
    first_item = meetings.agenda(db, meeting.id)[0]
    records.update(db, AgendaItem, first_item.id, notes="Note <b>brute</b> & « citée »\n\nSecond paragraphe.")
    amount = format_amount(1_250_000)
    decision = minutes.add_decision(db, record.id, f"Proposer un solde de {amount} en 8ᵉ Commission",
                                    status="final")
    minutes.add_decision(db, record.id, "Retenir la piste « prestations aux EPCI »")
    minutes.add_action(db, record.id, "Transmettre l'état récapitulatif certifié", owner_name="Hélène Thiébaut",
                       owner_organisation="PETR", due_on=date(2026, 12, 15), decision_id=decision.id)

    draft = Pdf(minutes_pdf(db, record.id), tmp_path, "draft")
    text = draft.text
    assert f"Proposer un solde de 12{NNBSP}500,00{NBSP}€ en 8ᵉ Commission" in text
    assert f"Retenir la piste «{NNBSP}prestations aux EPCI{NNBSP}»" in text
    assert "28 novembre 2026" in text and "15 décembre 2026" in text
    assert "14 h 00 – 16 h 30" in text and "Maison de Région — Maison de Région de Troyes" in text
    assert "Hélène Thiébaut" in text and "Excusé" in text
    assert f"Note <b>brute</b> & «{NNBSP}citée{NNBSP}»" in text and "Second paragraphe." in text
    assert "Dialogue de gestion 2026 n°1" in text
    assert "PROJET — Relevé d'échange — Brouillon" in text
    draft_hash = draft.info["PetrSha256"]

    minutes.submit_for_validation(db, record.id)
    off = minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")
    signed = Pdf(minutes_pdf(db, record.id), tmp_path, "signed")
    assert signed.info["PetrSha256"] == off.content_sha256 == draft_hash
    assert "PROJET" not in signed.text
    assert f"Signé le {format_date(date.today())} par Isabelle Kuntz" in signed.text

    minutes.add_amendment(db, record.id, "Erreur de montant", f"Lire {format_amount(1_300_000)} au lieu de {amount}.",
                          author="Isabelle Kuntz")
    amended = Pdf(minutes_pdf(db, record.id), tmp_path, "amended")
    text = amended.text
    assert "Rectificatifs" in text and "Rectificatif n°1 — Brouillon" in text
    assert f"Lire 13{NNBSP}000,00{NBSP}€ au lieu de 12{NNBSP}500,00{NBSP}€." in text
    assert text.index("Rédaction et validation") < text.index("Rectificatif n°1")
    assert amended.info["PetrSha256"] == off.content_sha256          # rectificatifs leave the original whole


def test_documents_of_a_structure_with_nothing_yet(db, tmp_path):
    """A fresh database (reference data only): every document still comes out, saying so."""
    langres = structure_id("Pays de Langres")
    dossier = Pdf(dossier_pdf(db, langres), tmp_path, "dossier")
    text = dossier.text
    assert "Pays de Langres" in text
    for empty in ("Aucune convention-cadre enregistrée.", "Aucune fiche évaluative.", "Aucune action ouverte.",
                  "Aucun relevé d'échange."):
        assert empty in text
    meeting = meetings.create_meeting(db, "management_dialogue", date(2027, 1, 12), structure_id=langres, agenda=[])
    briefing = Pdf(briefing_pdf(db, meeting.id), tmp_path, "briefing")
    assert briefing.pages == 1 and "Aucun relevé d'échange antérieur pour cette structure." in briefing.text
    commission = Pdf(commission_pdf(db, 2027), tmp_path, "commission")
    assert "Rapport annuel 2027" in commission.text and "0 / 0" in commission.text


def test_unknown_records_give_french_errors(demo_db):
    with pytest.raises(NotFoundError, match="relevé d'échange introuvable"):
        minutes_pdf(demo_db, "nope")
    with pytest.raises(NotFoundError, match="structure introuvable"):
        dossier_pdf(demo_db, "nope")
    with pytest.raises(NotFoundError, match="réunion introuvable"):
        briefing_pdf(demo_db, "nope")


# --- Fiche évaluative -----------------------------------------------------------------------

def test_sheet_pdf_draft_then_validated(demo_db, tmp_path):
    sheet_id = sheets.sheet_id(DEODATIE, 2026, "core_missions")
    sheets.set_answer(demo_db, sheet_id, "budget_depenses.salaires_prevus", 1_250_000)
    sheets.set_answer(demo_db, sheet_id, "budget_depenses.salaires_realises", 1_000_000)
    sheets.set_answer(demo_db, sheet_id, "gouvernance.date_projet_territoire", "28/11/2026")
    sheets.set_answer(demo_db, sheet_id, "mission_ingenierie.nb_projets_accompagnes", 14)
    with demo_db.reader() as session:
        expected = content_sha256(documents.sheet_canonical_content(session, sheet_id))
    pdf = Pdf(sheet_pdf(demo_db, sheet_id), tmp_path, "reviewed")
    check_common(pdf, f"evaluation_sheet:{sheet_id}", expected)
    text = pdf.text
    assert f"Fiche «{NNBSP}Missions socle{NNBSP}» — exercice 2026" in text
    assert "Pays de la Déodatie" in text
    assert f"12{NNBSP}500,00{NBSP}€" in text and f"10{NNBSP}000,00{NBSP}€" in text
    assert f"80{NNBSP}%" in text                                        # taux de réalisation
    assert "28 novembre 2026" in text and "14 projets" in text
    assert "Indicateurs" in text and "Projets accompagnés" in text
    assert "Avis de la Région" in text
    assert "PROJET — Fiche évaluative — Examinée en dialogue" in text
    assert pdf.pages >= 2

    sheets.transition(demo_db, sheet_id, "validated")
    validated = Pdf(sheet_pdf(demo_db, sheet_id), tmp_path, "validated")
    assert validated.info["PetrSha256"] == expected                  # validation does not change the content
    assert "PROJET" not in validated.text
    assert "Validée le" in validated.text and "(pièce pour solde)" in validated.text


def test_every_kind_of_sheet(demo_db, tmp_path):
    for kind, title in (("thematic", "Thématique"), ("collective", "Chantier collectif")):
        sheet_id = sheets.sheet_id(BARSEQUANAIS, 2025, kind)
        pdf = Pdf(sheet_pdf(demo_db, sheet_id), tmp_path, kind)
        assert f"Fiche «{NNBSP}{title}{NNBSP}» — exercice 2025" in pdf.text
        assert "PROJET" not in pdf.text                                 # 2025 sheets are validated
        assert pdf.info["PetrSha256"] == documents.record_sha256(demo_db, f"evaluation_sheet:{sheet_id}")


# --- Dossier, briefing, Commission ------------------------------------------------------------

def test_dossier_pdf(demo_db, tmp_path):
    doc = documents.dossier_document(demo_db, DEODATIE)
    pdf = Pdf(dossier_pdf(demo_db, DEODATIE), tmp_path)
    check_common(pdf, f"structure:{DEODATIE}", doc.content_sha256)
    assert doc.content_sha256 == documents.record_sha256(demo_db, f"structure:{DEODATIE}")
    text = pdf.text
    for heading in ("Dossier de structure", "Identité", "Conventions et versements", "Convention-cadre",
                    "Fiches évaluatives", "Relevés d'échange", "Actions ouvertes"):
        assert heading in text
    assert "Pays de la Déodatie" in text
    for year in doc.dossier.money:
        assert format_amount(year.voted_cents) in text
    assert len(doc.sheets) == 6 and len(doc.minutes) >= 3
    assert text.count("Relevé d'échange — Dialogue de gestion") >= len(doc.minutes)
    assert text.count("Fiche «\u202fMissions socle\u202f»") == 2
    assert 15 <= pdf.pages <= 60
    assert "PROJET" not in pdf.page_text(1)                              # the cover is no draft
    assert "PROJET — Dossier de structure" in text                       # the drafts inside are
    assert "PetrVisaArea" not in pdf.info


def test_briefing_is_one_page(demo_db, tmp_path):
    meeting_id = one(demo_db, "SELECT id FROM meeting WHERE structure_id = ? AND status = 'planned' "
                              "ORDER BY meeting_date", DEODATIE)
    doc = documents.briefing_document(demo_db, meeting_id)
    pdf = Pdf(briefing_pdf(demo_db, meeting_id), tmp_path)
    check_common(pdf, f"meeting:{meeting_id}", doc.content_sha256)
    assert pdf.pages == 1
    text = pdf.text
    assert "Note de préparation" in text and "Pays de la Déodatie" in text
    assert "Dernier relevé d'échange" in text and "D1" in text
    assert doc.last_minutes is not None and format_date(doc.last_minutes.meeting.meeting_date) in text
    assert "Actions ouvertes" in text and "Fiches évaluatives" in text and "Situation financière" in text
    money = {m.year: m for m in doc.dossier.money}
    assert format_amount(money[2026].voted_cents) in text
    assert "PROJET" not in text


def test_briefing_stays_on_one_page_when_crowded(demo_db, tmp_path):
    meeting_id = one(demo_db, "SELECT id FROM meeting WHERE structure_id = ? AND status = 'planned'", DEODATIE)
    own = minutes.open_minutes(demo_db, meeting_id)        # its actions are open actions of the structure
    long_text = "Une action décrite très longuement, " * 12
    for n in range(25):
        minutes.add_action(demo_db, own.id, f"{n} — {long_text}", owner_name="Élodie Thiébaut",
                           due_on=date(2026, 1, 1))
    for person in range(15):
        meetings.add_participant(demo_db, meeting_id, full_name=f"Invité·e n°{person}", function="Élu·e")
    pdf = Pdf(briefing_pdf(demo_db, meeting_id), tmp_path)
    assert pdf.pages == 1
    assert "autre(s) action(s) ouverte(s)" in pdf.text


def test_commission_report(demo_db, tmp_path):
    doc = documents.commission_document(demo_db, 2026)
    pdf = Pdf(commission_pdf(demo_db, 2026), tmp_path)
    check_common(pdf, "commission:2026", doc.content_sha256)
    assert doc.content_sha256 == documents.record_sha256(demo_db, "commission:2026")
    text = pdf.text
    assert f"Rapport annuel 2026 — 8ᵉ Commission «{NNBSP}Territoires{NNBSP}»" in text
    assert pdf.info["Title"] == f"Rapport annuel 2026 — 8ᵉ Commission «{NNBSP}Territoires{NNBSP}»"
    assert len(doc.rows) == 30
    assert format_amount(doc.total("voted_cents")) in text
    assert format_amount(doc.total("paid_cents")) in text
    assert f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}" in text
    for row in doc.rows[:5]:
        assert row.name in text
    # The charts' French labels (reportlab.graphics strings are text too).
    assert "Montants votés et versés par Maison de Région (k€)" in text
    assert "Fiches évaluatives 2026 par statut" in text
    assert f"Examinée en dialogue{NBSP}: 90 (100{NNBSP}%)" in text
    assert "Dialogues de gestion 2026" in text and "Programmés" in text
    assert 2 <= pdf.pages <= 8


def test_commission_of_a_year_without_data(demo_db, tmp_path):
    pdf = Pdf(commission_pdf(demo_db, 2030), tmp_path)
    assert "Rapport annuel 2030" in pdf.text and format_amount(0) in pdf.text


# --- House rules --------------------------------------------------------------------------------

def test_french_typography():
    from petr_desktop.exports.pdf.base import french

    assert french("la piste « prestations » : oui ; non ! quoi ?") == (
        f"la piste «{NNBSP}prestations{NNBSP}»{NBSP}: oui{NNBSP}; non{NNBSP}! quoi{NNBSP}?")
    assert french(french("« a »")) == french("« a »")
    assert french("https://grandest.fr 9 h 30") == "https://grandest.fr 9 h 30"


def test_font_and_licence_are_shipped():
    from petr_desktop.exports.pdf.base import font_licence, styles_data

    assert "Bitstream" in font_licence()
    assert styles_data()["header"]["text"] == "Région Grand Est — Direction de l'Intelligence Territoriale — SIPUN"


def test_importing_the_api_does_not_load_reportlab():
    code = ("import sys, petr_desktop.exports.pdf, petr_desktop.services.documents; "
            "print('reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_minutes_pdf_timing(demo_db, record_property, capsys):
    """Measured and reported, not asserted (2 shared cores)."""
    ids = [one(demo_db, "SELECT id FROM minutes WHERE status = 'signed'"),
           one(demo_db, "SELECT id FROM minutes WHERE status = 'to_validate'")]
    minutes_pdf(demo_db, ids[0])                     # fonts registered, modules imported
    runs = []
    for _ in range(5):
        for minutes_id in ids:
            start = time.perf_counter()
            minutes_pdf(demo_db, minutes_id)
            runs.append((time.perf_counter() - start) * 1000)
    median = sorted(runs)[len(runs) // 2]
    record_property("minutes_pdf_ms", round(median, 1))
    with capsys.disabled():
        print(f"\n[relevé PDF] médiane {median:.0f} ms, max {max(runs):.0f} ms sur {len(runs)} essais")


def test_reportlab_measures_text_with_its_c_accelerator():
    """rl-accel is installed: text widths (most of a long dossier's time) are computed in C."""
    import builtins

    from reportlab.lib import rl_accel

    assert isinstance(rl_accel.instanceStringWidthTTF, type(builtins.len))
