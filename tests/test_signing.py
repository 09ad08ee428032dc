"""Signed PDFs: visa block, PAdES signature, personal certificate, offline verification."""
from __future__ import annotations

import io
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from petr_desktop.domain.values import format_datetime_fr
from petr_desktop.exports import signing
from petr_desktop.services import meetings, minutes, profile, records, signatures
from petr_desktop.services.reference import structure_id
from petr_desktop.services.signatures import SignatureError

PASSPHRASE = "cheval correct agrafe"
VISA_AT = datetime(2026, 11, 28, 13, 32, tzinfo=UTC)          # 14:32 in Paris
FONT = Path(signing.__file__).parents[1] / "resources" / "fonts" / "DejaVuSans.ttf"


def sample_pdf(record: str = "minutes:0000", sha: str = "0" * 64, pages: int = 2, **extra: str) -> bytes:
    """A PDF like the exports': embedded TTF, /PetrRecord and /PetrSha256 in its information."""
    from reportlab.pdfbase import pdfdoc, pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    class Info(pdfdoc.PDFInfo):
        def format(self, document):
            entries = {"Title": pdfdoc.PDFString("Relevé d'échange"), "Producer": pdfdoc.PDFString("tests"),
                       "PetrRecord": pdfdoc.PDFString(record), "PetrSha256": pdfdoc.PDFString(sha)}
            entries.update({key: pdfdoc.PDFString(value) for key, value in extra.items()})
            return pdfdoc.PDFDictionary(entries).format(document)

    if "TestSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestSans", str(FONT)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, initialFontName="TestSans")
    pdf._doc.info = Info()
    for number in range(1, pages + 1):
        pdf.setFont("TestSans", 12)
        pdf.drawString(72, 760, f"Relevé d'échange — Pays de Langres — page {number}")
        pdf.drawString(72, 740, "Décision D1 : valider la trajectoire financière.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_text(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    """Text of a PDF (poppler's pdftotext), or of its visa information when poppler is absent."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return signing.pdf_info(data).get(signing.VISA_KEY, "")
    source = tmp_path / "text.pdf"
    source.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([tool, *pages, str(source), "-"], capture_output=True, text=True, check=True).stdout


def byte_ranges(data: bytes) -> list[tuple[int, int]]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    a, b, c, d = (int(x) for x in match.groups())
    return [(a, a + b), (c, c + d)]


@pytest.fixture(scope="module")
def p12() -> bytes:
    return signing.create_personal_certificate("Isabelle Kuntz", "isabelle.kuntz@grandest.fr", PASSPHRASE)


@pytest.fixture
def signed_record(db):
    """Validated minutes in the base: (minutes id, sign-off)."""
    meeting = meetings.create_meeting(db, "management_dialogue", "12/03/2026",
                                      structure_id=structure_id("Pays de Langres"))
    record = minutes.open_minutes(db, meeting.id)
    records.update(db, minutes.Minutes, record.id, summary="Trajectoire financière discutée.")
    minutes.add_decision(db, record.id, "Valider la trajectoire")
    minutes.submit_for_validation(db, record.id)
    sign_off = minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")
    return record.id, sign_off


def write(tmp_path: Path, data: bytes, name: str = "releve.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- certificates ----------------------------------------------------------------------------------

def test_personal_certificate_is_a_protected_ec_p256_self_signed_pkcs12(p12):
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key, cert, others = pkcs12.load_key_and_certificates(p12, PASSPHRASE.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert cert.subject == cert.issuer and others == []
    subject = {a.oid: a.value for a in cert.subject}
    assert subject[NameOID.COMMON_NAME] == "Isabelle Kuntz"
    assert subject[NameOID.ORGANIZATION_NAME] == "Région Grand Est"
    assert subject[NameOID.COUNTRY_NAME] == "FR"
    assert subject[NameOID.EMAIL_ADDRESS] == "isabelle.kuntz@grandest.fr"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=4 * 365)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(p12, None)                # the key is not stored in clear
    summary = signing.certificate_summary(p12, PASSPHRASE)
    assert (summary.common_name, summary.organisation) == ("Isabelle Kuntz", "Région Grand Est")


def test_certificate_errors_are_french(p12):
    pdf = sample_pdf()
    with pytest.raises(signing.SigningError, match="^phrase secrète incorrecte pour ce certificat$"):
        signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, "mauvaise phrase")
    with pytest.raises(signing.SigningError, match="n'est pas un certificat PKCS#12"):
        signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, b"pas un certificat", PASSPHRASE)
    with pytest.raises(signing.SigningError, match="indiquez la phrase secrète"):
        signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, None)
    with pytest.raises(signing.SigningError, match="adresse électronique invalide"):
        signing.create_personal_certificate("Isabelle Kuntz", "isabelle", PASSPHRASE)
    old = signing.create_personal_certificate("Isabelle Kuntz", "", PASSPHRASE,
                                              now=datetime.now(UTC) - timedelta(days=6 * 365))
    with pytest.raises(signing.SigningError, match="ce certificat a expiré le"):
        signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, old, PASSPHRASE)


def test_create_my_certificate_from_the_profile(db, isolated_home):
    with pytest.raises(SignatureError, match="complétez d'abord votre profil"):
        signatures.create_my_certificate(db, PASSPHRASE)
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable d'Isabelle")
    with pytest.raises(SignatureError, match="au moins 8 caractères"):
        signatures.create_my_certificate(db, "court")
    assert signatures.my_certificate() is None

    path = signatures.create_my_certificate(db, PASSPHRASE, email="isabelle.kuntz@grandest.fr")
    assert path == isolated_home / "certificates" / "certificat-personnel.p12"
    assert path == signatures.personal_certificate_path()
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
    assert PASSPHRASE.encode() not in path.read_bytes()
    assert not list(path.parent.glob("*.tmp"))
    summary = signing.certificate_summary(path.read_bytes(), PASSPHRASE)
    assert summary.common_name == "Isabelle Kuntz"
    assert signatures.my_certificate().sha256_fingerprint == summary.sha256_fingerprint

    with pytest.raises(SignatureError, match="déjà un certificat personnel"):
        signatures.create_my_certificate(db, PASSPHRASE)
    with pytest.raises(signing.SigningError, match="phrase secrète incorrecte"):
        signing.certificate_summary(path.read_bytes(), "une autre phrase")
    signatures.create_my_certificate(db, "nouvelle phrase secrète", replace=True)
    assert signatures.my_certificate().sha256_fingerprint != summary.sha256_fingerprint
    signing.certificate_summary(path.read_bytes(), "nouvelle phrase secrète")
    kept = path.parent / f"certificat-personnel-{summary.sha256_fingerprint[:12]}.crt"
    assert signing.read_certificate(kept.read_bytes()).sha256_fingerprint == summary.sha256_fingerprint
    assert len(signatures.trusted_certificates()) == 2               # older documents stay recognised


# --- signing ---------------------------------------------------------------------------------------

def test_signature_is_pades_and_validates_with_pyhanko(p12, tmp_path, capsys):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    pdf = sample_pdf(pages=3)
    signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)     # warm-up
    start = time.perf_counter()
    signed = signing.sign_pdf(pdf, "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n  one PAdES signature (EC P-256, 3 pages): {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0

    assert signed.startswith(pdf)                                  # an incremental update
    reader = PdfFileReader(io.BytesIO(signed))
    [embedded] = reader.embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    root = asn1_x509.Certificate.load(_der(signing.certificate_summary(p12, PASSPHRASE).pem))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Isabelle Kuntz"

    page, (x1, y1, x2, y2) = widget_of(signed)
    assert page == 2                                               # the last page
    assert x2 - x1 == signing.VISA_WIDTH and 0 < y2 - y1 <= signing.VISA_MAX_HEIGHT
    field = embedded.sig_field
    assert "/AP" in (field["/Kids"][0] if "/Kids" in field else field)          # the visible stamp

    result = signing.verify_pdf(signed, trusted=[signing.certificate_summary(p12, PASSPHRASE).pem])
    assert (result.signed, result.intact, result.trusted, result.modified_after_signing, result.altered) == \
        (True, True, True, False, False)
    assert (result.signer_name, result.signer_email) == ("Isabelle Kuntz", "isabelle.kuntz@grandest.fr")
    assert abs(result.signing_time - datetime.now(UTC)) < timedelta(minutes=2)
    assert result.visa == "Visé par Isabelle Kuntz, Chargée de mission, le 28 novembre 2026 à 14:32"
    assert (result.petr_record, result.petr_sha256) == ("minutes:0000", "0" * 64)
    assert signing.verify_pdf(signed).trusted is False              # no trust root given


def _der(pem: bytes) -> bytes:
    from asn1crypto import pem as asn1_pem

    return asn1_pem.unarmor(pem)[2]


def test_visible_visa_block_reads_in_french(p12, tmp_path):
    signed = signing.sign_pdf(sample_pdf(pages=2), "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    last = pdf_text(signed, tmp_path, page=2)
    assert "Visé par Isabelle Kuntz" in last
    assert "Chargée de mission" in last
    assert "le 28 novembre 2026 à 14:32" in last
    if shutil.which("pdftotext"):
        assert "Signature électronique PAdES" in last
        assert "Visé par" not in pdf_text(signed, tmp_path, page=1)          # only on the last page
        assert "Relevé d'échange — Pays de Langres — page 2" in last        # the page itself is kept


def test_dates_are_french_local_time():
    assert format_datetime_fr(VISA_AT) == "28 novembre 2026 à 14:32"
    assert format_datetime_fr(datetime(2026, 7, 1, 7, 5, tzinfo=UTC)) == "1er juillet 2026 à 09:05"
    assert format_datetime_fr(datetime(2026, 7, 1, 7, 5)) == "1er juillet 2026 à 07:05"   # naive: local
    assert signing.visa_text("Isabelle Kuntz", "", VISA_AT) == "Visé par Isabelle Kuntz, le 28 novembre 2026 à 14:32"


def test_visa_without_certificate(tmp_path, signed_record, db):
    from pyhanko.pdf_utils.reader import PdfFileReader

    minutes_id, sign_off = signed_record
    visa = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                            "Chargée de mission", VISA_AT)
    reader = PdfFileReader(io.BytesIO(visa))
    [seal] = reader.embedded_signatures                             # the invisible integrity seal
    assert seal.signer_cert.subject.native["common_name"] == "Scellé d'intégrité Carnet PETR"
    assert "/Rect" not in seal.sig_field or all(float(v) == 0 for v in seal.sig_field["/Rect"])
    assert int(reader.root["/Pages"]["/Count"]) == 2
    text = pdf_text(visa, tmp_path, page=2)
    assert "Visé par Isabelle Kuntz" in text and "le 28 novembre 2026 à 14:32" in text
    if shutil.which("pdftotext"):
        assert "Visa sans signature électronique" in text
    result = signing.verify_pdf(visa)
    assert (result.signed, result.sealed, result.intact, result.altered, result.signer_name) == \
        (False, True, True, False, "")

    report = signatures.verify_file(db, write(tmp_path, visa))
    assert report.lines[0] == "Document non signé électroniquement (visa visible seulement)."
    assert report.lines[1].startswith("Scellé d'intégrité intact")
    assert "Le document correspond au relevé enregistré dans la base." in report.lines
    assert report.ok and report.matches_database
    assert not any(line.startswith(("Signature intacte", "Signé par")) for line in report.lines)

    altered = bytearray(visa)
    altered[visa.index(b"stream") + 20] ^= 0x01
    report = signatures.verify_file(db, write(tmp_path, bytes(altered), "altere.pdf"))
    assert "ATTENTION : le scellé d'intégrité est rompu, le document a été altéré." in report.lines
    assert not report.ok


def test_a_pdf_without_signature_nor_seal_is_not_vouched_for(tmp_path, signed_record, db):
    minutes_id, sign_off = signed_record
    plain = sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256)
    result = signing.verify_pdf(plain)
    assert (result.signed, result.sealed, result.intact, result.visa) == (False, False, None, "")
    report = signatures.verify_file(db, write(tmp_path, plain))
    assert report.lines[0] == "Document ni signé électroniquement ni visé."
    assert any("ni signature ni scellé" in line for line in report.lines)
    assert not report.ok


def widget_of(signed: bytes):
    """(page index, rectangle) of the visa's signature widget."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed))
    field = reader.embedded_signatures[-1].sig_field
    widget = field["/Kids"][0] if "/Kids" in field else field
    pages = [page.get_object() for page in reader.root["/Pages"]["/Kids"]]
    return pages.index(widget["/P"]), tuple(float(v) for v in widget["/Rect"])


def test_long_names_stay_inside_the_block(p12, tmp_path):
    name = "Marie-Christine Schwartzenberger-Duchâteau de la Roche"
    role = "Chargée de mission « Territoires ruraux et coopérations transfrontalières »"
    signed = signing.sign_pdf(sample_pdf(pages=1), name, role, VISA_AT, p12, PASSPHRASE)
    result = signing.verify_pdf(signed)
    assert result.intact and result.visa.startswith(f"Visé par {name}, {role}")
    if shutil.which("pdftotext"):
        text = " ".join(pdf_text(signed, tmp_path).split())
        assert "Schwartzenberger-Duchâteau" in text and "transfrontalières" in text
    huge = signing.sign_pdf(sample_pdf(pages=1), name * 3, role * 3, VISA_AT, p12, PASSPHRASE)
    _page, (x1, y1, x2, y2) = widget_of(huge)
    assert (x2 - x1, y2 - y1 <= signing.VISA_MAX_HEIGHT) == (signing.VISA_WIDTH, True)
    if shutil.which("pdftotext"):
        assert "le 28 novembre 2026 à 14:32" in pdf_text(huge, tmp_path)      # the date always shows


def test_the_pdf_can_say_where_the_visa_goes(p12, tmp_path):
    placed = signing.sign_pdf(sample_pdf(pages=2, PetrVisaArea="1 300 400 560 500"), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    page, (x1, y1, x2, y2) = widget_of(placed)
    assert (page, x2, y2, x1) == (0, 560, 500, 560 - signing.VISA_WIDTH)       # top right of the area
    if shutil.which("pdftotext"):
        assert "Visé par Isabelle Kuntz" in pdf_text(placed, tmp_path, page=1)
    for wrong in ("9 300 400 560 500", "1 300 400 5600 500", "n'importe quoi"):
        fallback = signing.sign_pdf(sample_pdf(pages=2, PetrVisaArea=wrong), "Isabelle Kuntz", "", VISA_AT,
                                    p12, PASSPHRASE)
        page, (x1, y1, x2, y2) = widget_of(fallback)
        assert (page, y1) == (1, signing.VISA_BOTTOM)                        # bottom of the last page
        assert x2 == 595 - signing.VISA_RIGHT


def test_a_second_signature_keeps_the_first_intact(p12):
    other = signing.create_personal_certificate("Hélène Roux", "", PASSPHRASE)
    once = signing.sign_pdf(sample_pdf(), "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    twice = signing.sign_pdf(once, "Hélène Roux", "Directrice", VISA_AT, other, PASSPHRASE)
    result = signing.verify_pdf(twice)
    assert (result.intact, result.modified_after_signing, result.signer_name) == (True, False, "Isabelle Kuntz")


# --- alterations and bad input ---------------------------------------------------------------------

def test_one_flipped_byte_is_reported_altered(p12, tmp_path, signed_record, db):
    minutes_id, sign_off = signed_record
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    assert signatures.verify_file(db, write(tmp_path, signed)).ok

    (start, end), _second = byte_ranges(signed)
    stream = signed.index(b"stream", start, end) + 20               # inside the first page's content
    altered = bytearray(signed)
    altered[stream] ^= 0x01
    result = signing.verify_pdf(bytes(altered))
    assert result.signed and result.intact is False and result.altered
    assert "altéré" in result.problem
    report = signatures.verify_file(db, write(tmp_path, bytes(altered), "altere.pdf"))
    assert not report.ok
    assert "ATTENTION : la signature n'est plus intacte, le document a été altéré." in report.lines
    assert report.lines[-1] == "Conclusion : ne vous fiez pas à ce document."


@pytest.mark.parametrize("with_certificate", [True, False], ids=["signed", "visa-only"])
def test_no_single_byte_flip_in_the_signed_ranges_goes_unnoticed(p12, tmp_path, signed_record, db,
                                                                with_certificate):
    minutes_id, sign_off = signed_record
    certificate = (p12, PASSPHRASE) if with_certificate else ()
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, *certificate)
    assert signatures.verify_file(db, write(tmp_path, signed)).ok
    rng = random.Random(2026)
    first, second = byte_ranges(signed)
    positions = [first[0], first[0] + 9, first[1] - 1, second[0], second[1] - 1,
                 signed.index(b"/ByteRange") + 3, signed.rindex(b"startxref") + 12]
    positions += rng.sample(range(*first), 20) + rng.sample(range(*second), 20)
    for position in positions:
        altered = bytearray(signed)
        altered[position] ^= 0x01
        report = signatures.verify_file(db, write(tmp_path, bytes(altered), "altere.pdf"))
        assert not report.ok, (position, report.lines)
        assert report.lines and all(isinstance(line, str) for line in report.lines)


def test_changes_appended_after_signing_are_reported(p12, tmp_path, signed_record, db):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    minutes_id, sign_off = signed_record
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0]
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"BT ET")))
    out = io.BytesIO()
    writer.write(out)
    assert page is not None and out.getvalue().startswith(signed)

    result = signing.verify_pdf(out.getvalue())
    assert result.intact is True and result.modified_after_signing is True and result.altered
    report = signatures.verify_file(db, write(tmp_path, out.getvalue()))
    assert "ATTENTION : le document a été modifié après sa signature." in report.lines
    assert "Signature intacte." in report.lines and not report.ok


@pytest.mark.parametrize("content,message", [
    (b"", "Ce fichier n'est pas un PDF."),
    (b"Bonjour, ceci est un texte.\n", "Ce fichier n'est pas un PDF."),
    (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "Le fichier PDF est incomplet ou endommagé"),
])
def test_unreadable_files_get_a_french_message(db, tmp_path, content, message):
    report = signatures.verify_file(db, write(tmp_path, content))
    assert not report.ok and report.lines[0].startswith(message)
    assert "Traceback" not in " ".join(report.lines)


def test_truncated_signed_pdf(p12, db, tmp_path):
    signed = signing.sign_pdf(sample_pdf(), "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    for cut in (len(signed) // 2, len(signed) - 30):
        report = signatures.verify_file(db, write(tmp_path, signed[:cut]))
        assert not report.ok
        assert report.lines[0].startswith("Le fichier PDF est incomplet ou endommagé") or \
            any("ATTENTION" in line for line in report.lines), report.lines
    with pytest.raises(signing.SigningError, match="incomplet ou endommagé"):
        signing.verify_pdf(signed[: len(signed) // 2])
    with pytest.raises(signing.SigningError, match="n'est pas un PDF"):
        signing.sign_pdf(b"GIF89a", "Isabelle Kuntz", "", VISA_AT)
    missing = signatures.verify_file(db, tmp_path / "absent.pdf")
    assert not missing.ok and "introuvable" in missing.lines[0]


# --- the document against the database -------------------------------------------------------------

def test_document_matches_its_record(p12, tmp_path, signed_record, db):
    minutes_id, sign_off = signed_record
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    report = signatures.verify_file(db, write(tmp_path, signed))
    when = format_datetime_fr(report.verification.signing_time)
    assert report.ok and report.matches_database
    assert report.lines[:2] == ["Signature intacte.", f"Signé par Isabelle Kuntz le {when}."]
    assert "Le document correspond au relevé enregistré dans la base." in report.lines
    assert any(line.startswith("Certificat non reconnu") for line in report.lines)
    assert report.lines[-1] == "Conclusion : document conforme."


def test_own_certificate_is_trusted(db, tmp_path, signed_record):
    minutes_id, sign_off = signed_record
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable d'Isabelle")
    path = signatures.create_my_certificate(db, PASSPHRASE)
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, path.read_bytes(), PASSPHRASE)
    (path.parent / "illisible.crt").write_bytes(b"pas un certificat")          # ignored, not fatal
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert "Certificat reconnu par cet ordinateur." in report.lines and report.ok


def tamper(db, sql: str, *args) -> None:
    """A change made behind the app's back, bypassing its triggers (as another program could)."""
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE sync_local SET applying = 1")
        conn.execute(sql, args)
        conn.execute("UPDATE sync_local SET applying = 0")


def test_content_changed_in_the_database(p12, tmp_path, signed_record, db):
    minutes_id, sign_off = signed_record
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", sign_off.content_sha256), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    tamper(db, "UPDATE minutes SET summary = 'Réécrit après coup' WHERE id = ?", minutes_id)
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert "Signature intacte." in report.lines
    assert any("ne correspond plus au relevé enregistré" in line for line in report.lines)
    assert not report.ok and report.matches_database is False


def test_document_hash_differs_from_the_sign_off(p12, tmp_path, signed_record, db):
    minutes_id, _sign_off = signed_record
    signed = signing.sign_pdf(sample_pdf(f"minutes:{minutes_id}", "f" * 64), "Isabelle Kuntz",
                              "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert any("ne correspond plus au relevé enregistré" in line for line in report.lines)
    assert not report.ok


@pytest.mark.parametrize("record", ["", "minutes:inconnu"])
def test_unknown_documents(p12, tmp_path, db, record):
    signed = signing.sign_pdf(sample_pdf(record), "Isabelle Kuntz", "Chargée de mission", VISA_AT, p12, PASSPHRASE)
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert "Signature intacte." in report.lines
    assert any(line.startswith("Document inconnu de cette base") for line in report.lines)
    assert not report.ok


def test_unsigned_record_in_the_base(p12, tmp_path, db):
    meeting = meetings.create_meeting(db, "management_dialogue", "12/03/2026",
                                      structure_id=structure_id("Pays de Langres"))
    record = minutes.open_minutes(db, meeting.id)
    signed = signing.sign_pdf(sample_pdf(f"minutes:{record.id}"), "Isabelle Kuntz", "", VISA_AT, p12, PASSPHRASE)
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert any("n'y est pas signé" in line for line in report.lines) and not report.ok


# --- the signed PDF of minutes ---------------------------------------------------------------------

def test_signed_minutes_pdf_refusals(db, signed_record, tmp_path):
    meeting = meetings.create_meeting(db, "management_dialogue", "13/03/2026",
                                      structure_id=structure_id("Pays de Langres"))
    draft = minutes.open_minutes(db, meeting.id)
    with pytest.raises(SignatureError, match="n'est pas encore signé"):
        signatures.signed_minutes_pdf(db, draft.id)
    minutes.submit_for_validation(db, draft.id)
    with pytest.raises(SignatureError, match="n'est pas encore signé"):
        signatures.signed_minutes_pdf(db, draft.id)

    minutes_id, _sign_off = signed_record
    with pytest.raises(SignatureError, match="indiquez la phrase secrète"):
        signatures.signed_minutes_pdf(db, minutes_id, p12_path=tmp_path / "x.p12")
    with pytest.raises(SignatureError, match="pas de certificat personnel"):
        signatures.signed_minutes_pdf(db, minutes_id, passphrase=PASSPHRASE)
    with pytest.raises(SignatureError, match="introuvable"):
        signatures.signed_minutes_pdf(db, minutes_id, p12_path=tmp_path / "absent.p12", passphrase=PASSPHRASE)
    tamper(db, "UPDATE minutes SET summary = 'Réécrit' WHERE id = ?", minutes_id)
    with pytest.raises(SignatureError, match="ne correspond plus à sa validation"):
        signatures.signed_minutes_pdf(db, minutes_id)


def test_signing_modules_stay_out_of_start_up():
    code = ("import sys, petr_desktop.services.signatures, petr_desktop.exports.signing; "
            "print(sorted(m for m in ('pyhanko', 'reportlab', 'cryptography', 'asn1crypto') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_signed_minutes_pdf_from_the_pdf_export(db, signed_record, tmp_path, capsys):
    """End to end with ``exports.pdf.minutes_pdf``: visa only, then the personal certificate."""
    minutes_id, sign_off = signed_record
    visa_time = format_datetime_fr(datetime.fromisoformat(sign_off.signed_at.replace("Z", "+00:00")))

    visa_only = signatures.signed_minutes_pdf(db, minutes_id)
    report = signatures.verify_file(db, write(tmp_path, visa_only, "visa.pdf"))
    assert report.ok and any("visa visible seulement" in line for line in report.lines)
    altered = bytearray(visa_only)
    altered[len(visa_only) // 3] ^= 0x01
    assert not signatures.verify_file(db, write(tmp_path, bytes(altered), "visa-altere.pdf")).ok

    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable d'Isabelle")
    path = signatures.create_my_certificate(db, PASSPHRASE)
    with pytest.raises(SignatureError, match="phrase secrète incorrecte"):
        signatures.signed_minutes_pdf(db, minutes_id, passphrase="pas la bonne phrase")
    signatures.signed_minutes_pdf(db, minutes_id, passphrase=PASSPHRASE)                   # warm-up
    start = time.perf_counter()
    signed = signatures.signed_minutes_pdf(db, minutes_id, p12_path=str(path), passphrase=PASSPHRASE)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n  signed_minutes_pdf (render + PAdES signature): {elapsed * 1000:.0f} ms")

    info = signing.pdf_info(signed)
    assert info[signing.RECORD_KEY] == f"minutes:{minutes_id}"
    assert info[signing.SHA256_KEY] == sign_off.content_sha256
    assert info[signing.VISA_KEY] == f"Visé par Isabelle Kuntz, Chargée de mission, le {visa_time}"
    text = " ".join(pdf_text(signed, tmp_path).split())
    assert f"le {visa_time}" in text and "Visé par Isabelle Kuntz" in text
    report = signatures.verify_file(db, write(tmp_path, signed))
    assert report.ok, report.lines
    assert report.lines[0] == "Signature intacte."
    assert "Certificat reconnu par cet ordinateur." in report.lines
    assert "Le document correspond au relevé enregistré dans la base." in report.lines

    (start_range, end_range), _ = byte_ranges(signed)
    altered = bytearray(signed)
    altered[(start_range + end_range) // 2] ^= 0x01
    assert not signatures.verify_file(db, write(tmp_path, bytes(altered), "altere.pdf")).ok


def test_certificate_issued_by_an_authority(tmp_path):
    """An RSA-3072 certificate from a (local) authority, chain in the PKCS#12: trusted through the root."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def issue(subject, issuer, key, issuer_key, ca):
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(issuer_key, hashes.SHA256()))

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Autorité de test Grand Est")])
    ca = issue(ca_name, ca_name, ca_key, ca_key, True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jean Müller")])
    p12 = pkcs12.serialize_key_and_certificates(b"jean", key, issue(name, ca_name, key, ca_key, False), [ca],
                                                serialization.BestAvailableEncryption(PASSPHRASE.encode()))

    signed = signing.sign_pdf(sample_pdf(), "Jean Müller", "Directeur", VISA_AT, p12, PASSPHRASE)
    root = ca.public_bytes(serialization.Encoding.PEM)
    result = signing.verify_pdf(signed, trusted=[root])
    assert (result.intact, result.trusted, result.signer_name) == (True, True, "Jean Müller")
    assert signing.verify_pdf(signed).trusted is False
    with pytest.raises(signing.SigningError, match="certificat de confiance est illisible"):
        signing.verify_pdf(signed, trusted=[b"-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n"])
