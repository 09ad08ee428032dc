"""Signed PDFs: a visible visa block, a PAdES B-B signature (pyHanko), offline verification.

The visa block (« Visé par …, …, le 28 novembre 2026 à 14:32 ») is ``VISA_WIDTH`` points wide and at
most ``VISA_MAX_HEIGHT`` high. A PDF says where it goes with the document information key
``/PetrVisaArea`` = "<page> <x1> <y1> <x2> <y2>" (page from 1, PDF points): the block sits at the
top right of that area. Without it, the block goes at the bottom right of the last page,
``VISA_RIGHT`` points from the right edge and ``VISA_BOTTOM`` from the bottom edge. With a certificate
(PKCS#12) the block is the appearance of a PAdES B-B signature; without one it is stamped on the page
(a visa, not an electronic signature) and the file gets an invisible integrity seal: a signature by a
throw-away key (never stored) whose certificate says it is a seal. The seal proves no identity; it
makes any later change of the file detectable, like a signature does.

Personal certificates are self-signed EC P-256 keys in a PKCS#12 protected by the user's
passphrase. pyHanko, cryptography and reportlab are imported inside the functions (start-up cost).
Every failure the user can cause raises ``SigningError`` whose text is French.
"""
from __future__ import annotations

import io
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from ..domain.values import format_date, format_datetime_fr

log = logging.getLogger(__name__)
_QUIET_LOCK = threading.Lock()

VISA_WIDTH = 240
VISA_MAX_HEIGHT = 84
VISA_RIGHT = 51                 # 18 mm, the exports' right margin
VISA_BOTTOM = 42                # 15 mm: above the exports' footer
#: Document information keys written by the PDF exports and read back by the verification.
RECORD_KEY = "/PetrRecord"
SHA256_KEY = "/PetrSha256"
VISA_KEY = "/PetrVisa"
AREA_KEY = "/PetrVisaArea"
ORGANISATION = "Région Grand Est"
PERSONAL_UNIT = "Carnet PETR (certificat personnel)"
SEAL_UNIT = "Carnet PETR (scellé d'intégrité)"
SEAL_NAME = "Scellé d'intégrité Carnet PETR"
CERTIFICATE_YEARS = 5
_FONT, _BOLD = "PetrVisa", "PetrVisa-Bold"
_PAD, _CAPTION_SPACE = 7, 12
_INNER = VISA_WIDTH - 2 * _PAD
_CAPTION_SIGNED = "Signature électronique PAdES — Carnet PETR"
_CAPTION_VISA = "Visa sans signature électronique — Carnet PETR"


class SigningError(Exception):
    """A signing or verification failure; ``str(error)`` is the French message."""


@dataclass(frozen=True)
class CertificateSummary:
    """What the user needs to know about a certificate (no secret in it)."""

    common_name: str
    email: str
    organisation: str
    not_before: datetime
    not_after: datetime
    sha256_fingerprint: str
    pem: bytes


@dataclass(frozen=True)
class PdfVerification:
    """What a PDF says about itself: its electronic signature, its visa and its record."""

    signed: bool                          # carries an electronic signature (or the remains of one)
    intact: bool | None                   # signed (or sealed) bytes unchanged (None: neither)
    trusted: bool | None                  # certificate chains to a given trust root (None: no signature)
    signer_name: str                      # common name of the signing certificate
    signer_email: str
    signing_time: datetime | None         # time claimed by the signer, or of the seal (aware, UTC)
    modified_after_signing: bool | None   # something was appended after the signature or seal
    visa: str                             # text of the visible visa block ("" if none)
    petr_record: str                      # "minutes:<id>" ("" if absent)
    petr_sha256: str
    problem: str = ""                     # French: why the signature or seal is not intact
    sealed: bool = False                  # visa without certificate: integrity seal only

    @property
    def altered(self) -> bool:
        return (self.signed or self.sealed) and (self.intact is not True or bool(self.modified_after_signing))


# --- dates ---------------------------------------------------------------------------------------

def visa_text(signer_name: str, signer_role: str, signed_at: datetime) -> str:
    """« Visé par Isabelle Kuntz, Chargée de mission, le 28 novembre 2026 à 14:32 »."""
    parts = [f"Visé par {signer_name.strip()}"]
    if signer_role.strip():
        parts.append(signer_role.strip())
    parts.append(f"le {format_datetime_fr(signed_at)}")
    return ", ".join(parts)


# --- certificates --------------------------------------------------------------------------------

def _passphrase_bytes(passphrase: str | None) -> bytes:
    if not passphrase:
        raise SigningError("indiquez la phrase secrète du certificat")
    return passphrase.encode("utf-8")


def create_personal_certificate(name: str, email: str, passphrase: str, *,
                                now: datetime | None = None) -> bytes:
    """A self-signed EC P-256 signing certificate and its key, as PKCS#12 protected by ``passphrase``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    name, email = name.strip(), email.strip()
    if not name:
        raise SigningError("indiquez le nom du titulaire du certificat")
    if email and ("@" not in email or " " in email):
        raise SigningError(f"adresse électronique invalide : « {email} »")
    secret = _passphrase_bytes(passphrase)
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, PERSONAL_UNIT),
                  x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    key = ec.generate_private_key(ec.SECP256R1())
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)          # tolerate a slow clock
    certificate = _self_signed(key, x509.Name(attributes), start, 365 * CERTIFICATE_YEARS, email=email)
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, certificate, None, serialization.BestAvailableEncryption(secret))


def _self_signed(key, subject, start: datetime, days: int, *, email: str = ""):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False, crl_sign=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return builder.sign(key, hashes.SHA256())


def _seal_signer(now: datetime):
    """A signer with a throw-away EC P-256 key: the integrity seal of a visa without certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SEAL_UNIT),
                         x509.NameAttribute(NameOID.COMMON_NAME, SEAL_NAME)])
    return _simple_signer(key, _self_signed(key, subject, now - timedelta(minutes=5), 365 * 50), [])


def _open_pkcs12(p12: bytes, passphrase: str | None):
    """(private key, certificate, other certificates) of a PKCS#12, or a French refusal."""
    from asn1crypto import pkcs12 as asn1_pkcs12
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        asn1_pkcs12.Pfx.load(p12, strict=True)["auth_safe"]["content_type"].native
    except Exception:                     # any parse failure: it is not a PKCS#12 file
        raise SigningError("ce fichier n'est pas un certificat PKCS#12 (.p12 ou .pfx)") from None
    secret = _passphrase_bytes(passphrase)
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(p12, secret)
    except ValueError:
        raise SigningError("phrase secrète incorrecte pour ce certificat") from None
    if key is None or certificate is None:
        raise SigningError("ce fichier PKCS#12 ne contient pas de certificat avec sa clé privée")
    return key, certificate, others


def _summary(certificate) -> CertificateSummary:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    def attribute(oid) -> str:
        values = certificate.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return CertificateSummary(
        common_name=attribute(NameOID.COMMON_NAME), email=attribute(NameOID.EMAIL_ADDRESS),
        organisation=attribute(NameOID.ORGANIZATION_NAME),
        not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc,
        sha256_fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        pem=certificate.public_bytes(serialization.Encoding.PEM))


def certificate_summary(p12: bytes, passphrase: str | None) -> CertificateSummary:
    """Open a PKCS#12 (checks the passphrase) and describe its certificate."""
    return _summary(_open_pkcs12(p12, passphrase)[1])


def read_certificate(data: bytes) -> CertificateSummary:
    """Describe a public certificate (PEM or DER)."""
    from cryptography import x509

    try:
        certificate = (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----BEGIN")
                       else x509.load_der_x509_certificate(data))
    except ValueError:
        raise SigningError("ce fichier n'est pas un certificat lisible (PEM ou DER attendu)") from None
    return _summary(certificate)


def is_certificate(data: bytes) -> bool:
    try:
        _trust_roots([data])
    except SigningError:
        return False
    return True


def _signer(p12: bytes, passphrase: str | None, now: datetime):
    key, certificate, others = _open_pkcs12(p12, passphrase)
    if certificate.not_valid_after_utc < now:
        raise SigningError(f"ce certificat a expiré le {format_date(certificate.not_valid_after_utc.date())} : "
                           "créez-en un nouveau ou choisissez-en un autre")
    if certificate.not_valid_before_utc > now:
        raise SigningError("ce certificat n'est pas encore valable (vérifiez l'horloge de l'ordinateur)")
    return _simple_signer(key, certificate, others)


def _simple_signer(key, certificate, others) -> tuple[object, int]:
    """A pyHanko signer, and the room to reserve for its CMS (no dry run needed: twice faster)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(der))
    chain = [signing_cert] + [asn1_x509.Certificate.load(c.public_bytes(der)) for c in others]
    try:
        signing_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        signer = SimpleSigner(signing_cert=signing_cert, signing_key=signing_key,
                              cert_registry=SimpleCertificateStore.from_certs(chain))
    except (ValueError, TypeError, NotImplementedError):
        raise SigningError("le type de clé de ce certificat n'est pas pris en charge") from None
    return signer, 4096 + 2 * sum(len(cert.dump()) for cert in chain)


def _trust_roots(trusted: list[bytes] | None) -> list:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    roots = []
    for data in trusted or ():
        try:
            if pem.detect(data):
                for _kind, _headers, der in pem.unarmor(data, multiple=True):
                    roots.append(asn1_x509.Certificate.load(der))
            else:
                roots.append(asn1_x509.Certificate.load(data))
            roots[-1].native                                  # force the parse
        except Exception:
            raise SigningError("un certificat de confiance est illisible (PEM ou DER attendu)") from None
    return roots


# --- the visa block ------------------------------------------------------------------------------

def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    folder = resources.files("petr_desktop.resources") / "fonts"
    for name, file in ((_FONT, "DejaVuSans.ttf"), (_BOLD, "DejaVuSans-Bold.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))


def _visa_lines(signer_name: str, signer_role: str, signed_at: datetime) -> tuple[list[tuple[str, str]], float]:
    """The block's lines (text, font) and font size: 9 pt, smaller for long names, then shortened."""
    from reportlab.lib.utils import simpleSplit

    role = signer_role.strip()
    parts = [(f"Visé par {signer_name.strip()}" + ("," if role else ""), _BOLD)]
    if role:
        parts.append((f"{role},", _FONT))
    parts.append((f"le {format_datetime_fr(signed_at)}", _FONT))
    for size in (9.0, 8.0, 7.0):
        lines = [(piece, font) for text, font in parts for piece in simpleSplit(text, font, size, _INNER)]
        if _height(len(lines), size) <= VISA_MAX_HEIGHT:
            return lines, size
    keep = int((VISA_MAX_HEIGHT - 2 * _PAD - _CAPTION_SPACE) // (7.0 * 1.2))
    lines = lines[:keep - 1] + [lines[-1]]                                  # the date always shows
    lines[-2] = (lines[-2][0].rstrip(",") + "…", lines[-2][1])
    return lines, 7.0


def _height(count: int, size: float) -> int:
    return int(2 * _PAD + count * size * 1.2 + _CAPTION_SPACE + 0.999)


def _visa_block(signer_name: str, signer_role: str, signed_at: datetime, signed: bool) -> tuple[bytes, int]:
    """A one-page PDF the size of the block (embedded DejaVu: accents, extractable text); its height."""
    from reportlab.pdfgen import canvas

    _fonts()
    lines, size = _visa_lines(signer_name, signer_role, signed_at)
    height = _height(len(lines), size)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(VISA_WIDTH, height), initialFontName=_FONT, pageCompression=1)
    pdf.setTitle("Visa")
    pdf.setStrokeColorRGB(0.12, 0.29, 0.55)
    pdf.setLineWidth(0.8)
    pdf.rect(0.8, 0.8, VISA_WIDTH - 1.6, height - 1.6)
    y = height - _PAD - size
    for text, font in lines:
        pdf.setFont(font, size)
        pdf.drawString(_PAD, y, text)
        y -= size * 1.2
    pdf.setFont(_FONT, 6.5)
    pdf.setFillColorRGB(0.35, 0.35, 0.35)
    pdf.drawString(_PAD, _PAD - 1, _CAPTION_SIGNED if signed else _CAPTION_VISA)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue(), height


def _stamp_style(block: bytes):
    """A pyHanko stamp style whose whole content is the first page of ``block``."""
    import binascii
    import uuid

    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp import StaticStampStyle

    class ImportedBlock(PdfContent):
        def render(self) -> bytes:
            xobject = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(block)), page_ix=0)
            name = "/Visa" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
            self.resources.xobject[name] = xobject
            x1, y1, x2, y2 = xobject.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
            return name.encode("ascii") + b" Do"

    corner = layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MIN,
                                        y_align=layout.AxisAlignment.ALIGN_MIN, margins=layout.Margins.uniform(0))
    return StaticStampStyle(background=ImportedBlock(), border_width=0, background_layout=corner)


# --- reading PDFs --------------------------------------------------------------------------------

def _check_header(pdf: bytes) -> None:
    if b"%PDF-" not in pdf[:1024]:
        raise SigningError("ce fichier n'est pas un PDF")


def _reader(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    _check_header(pdf)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.root["/Pages"]
    except Exception:                    # malformed input: any parser error means "unreadable"
        raise SigningError("le fichier PDF est incomplet ou endommagé (tronqué ?) : impossible de le lire") from None
    if reader.encrypt_dict is not None:
        raise SigningError("ce PDF est protégé par un mot de passe : il ne peut pas être traité")
    return reader


def _info_values(trailer) -> dict[str, str]:
    try:
        info = trailer["/Info"]
    except KeyError:
        return {}
    values = {}
    for key in (RECORD_KEY, SHA256_KEY, VISA_KEY):
        if key in info:
            values[key] = str(info[key])
    return values


def pdf_info(pdf: bytes) -> dict[str, str]:
    """The Carnet PETR information keys of a PDF (latest revision): ``/PetrRecord``, ``/PetrSha256``…"""
    try:
        return _info_values(_reader(pdf).trailer_view)
    except SigningError:
        raise
    except Exception:
        raise SigningError("le fichier PDF est endommagé : ses informations sont illisibles") from None


def _media_box(page) -> tuple[float, float, float, float]:
    node = page
    while node is not None:
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        node = node.get("/Parent")
    return 0.0, 0.0, 595.28, 841.89                          # A4 when the PDF does not say


# --- signing -------------------------------------------------------------------------------------

def _placement(writer, height: int) -> tuple[int, int, int]:
    """(page index, left, bottom) of the block: the PDF's ``/PetrVisaArea`` if valid, else the
    bottom right of the last page."""
    page_count = int(writer.root["/Pages"]["/Count"])
    try:
        wanted = str(writer.trailer["/Info"][AREA_KEY]).split()
        number, ax1, ay1, ax2, ay2 = int(wanted[0]), *(float(v) for v in wanted[1:5])
    except (KeyError, IndexError, ValueError, TypeError):
        number = 0
    if 1 <= number <= page_count:
        page_ref, _resources = writer.find_page_for_modification(number - 1)
        x1, y1, x2, y2 = _media_box(page_ref.get_object())
        if x1 <= min(ax1, ax2) and max(ax1, ax2) <= x2 and y1 <= min(ay1, ay2) and max(ay1, ay2) <= y2:
            left = max(int(max(ax1, ax2)) - VISA_WIDTH, int(x1))                 # top right of the area
            return number - 1, left, int(max(ay1, ay2)) - height
        log.warning("visa area outside its page: ignored")
    page_ref, _resources = writer.find_page_for_modification(page_count - 1)
    x1, y1, x2, _y2 = _media_box(page_ref.get_object())
    return page_count - 1, max(int(x2 - VISA_RIGHT - VISA_WIDTH), int(x1)), int(y1 + VISA_BOTTOM)


def sign_pdf(pdf: bytes, signer_name: str, signer_role: str, signed_at: datetime,
             p12: bytes | None = None, passphrase: str | None = None) -> bytes:
    """Add the visa block (last page, or ``/PetrVisaArea``), in an incremental update.

    With a certificate (``p12`` and ``passphrase``) the block is the appearance of a PAdES B-B
    signature; without one it is drawn on the page and the file gets the integrity seal.
    ``signed_at`` is the time of the visa shown in the block (naive: French local time); the
    electronic signature carries the time it is made.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticContentStamp

    if not signer_name.strip():
        raise SigningError("indiquez le nom du signataire")
    now = datetime.now(UTC)
    signer, reserve = _signer(p12, passphrase, now) if p12 is not None else (None, 0)
    reader = _reader(pdf)
    block, height = _visa_block(signer_name, signer_role, signed_at, signed=signer is not None)
    try:
        writer = IncrementalPdfFileWriter.from_reader(reader)
        page, left, bottom = _placement(writer, height)
    except SigningError:
        raise
    except Exception:
        raise SigningError("le fichier PDF est endommagé : impossible d'y apposer le visa") from None

    text = visa_text(signer_name, signer_role, signed_at)
    try:
        info = writer.trailer["/Info"]
    except KeyError:
        info = None
    if info is None:
        writer.set_info(generic.DictionaryObject({generic.pdf_name(VISA_KEY): generic.TextStringObject(text)}))
    else:
        info[generic.pdf_name(VISA_KEY)] = generic.TextStringObject(text)
        writer.update_container(info)

    style = _stamp_style(block)
    output = io.BytesIO()
    if signer is None:                    # visa only: the block goes on the page, an invisible seal on the file
        StaticContentStamp(writer, style, BoxConstraints(width=VISA_WIDTH, height=height)).apply(
            page, left, bottom)
        field = _free_field(reader, "Scelle")
        meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, name=SEAL_NAME,
                                            reason="Scellé d'intégrité du visa (sans certificat)")
        seal, reserve = _seal_signer(now)
        pdf_signer = signers.PdfSigner(meta, seal, new_field_spec=fields.SigFieldSpec(field))
    else:
        field = _free_field(reader, "Visa")
        meta = signers.PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            name=signer_name.strip(), reason=text, location=ORGANISATION)
        spec = fields.SigFieldSpec(field, on_page=page, box=(left, bottom, left + VISA_WIDTH, bottom + height))
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
    try:
        pdf_signer.sign_pdf(writer, output=output, bytes_reserved=reserve)
    except Exception as exc:             # pyHanko failures on odd PDFs: say it in French, keep the cause in the log
        log.warning("PDF signing failed: %s", exc.__class__.__name__)
        raise SigningError("la signature électronique du PDF a échoué (PDF non pris en charge)") from None
    return output.getvalue()


def _free_field(reader, base: str) -> str:
    from pyhanko.sign import fields

    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(reader)}
    return next(name for name in (base, *(f"{base} {n}" for n in range(2, 1000))) if name not in taken)


# --- verification --------------------------------------------------------------------------------

def _validate(embedded, context):
    """The pyHanko status of one signature, or None when it cannot even be checked."""
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        return validate_pdf_signature(embedded, context)
    except Exception as exc:              # corrupted CMS or byte range: the signature no longer holds
        log.info("signature validation failed: %s", exc.__class__.__name__)
        return None


def _is_seal(embedded) -> bool:
    try:
        units = embedded.signer_cert.subject.native.get("organizational_unit_name")
    except Exception:
        return False
    return SEAL_UNIT in (units if isinstance(units, list) else [units])


def verify_pdf(pdf: bytes, trusted: list[bytes] | None = None) -> PdfVerification:
    """Check a PDF offline: its electronic signature(s), whether it changed since, its record keys.

    ``trusted``: certificates (PEM or DER) taken as trust roots. Unreadable input raises
    ``SigningError`` (French).
    """
    with _quiet_pyhanko():
        return _verify(pdf, trusted)


@contextmanager
def _quiet_pyhanko():
    """pyHanko logs an untrusted certificate as a warning with a traceback: keep it off the console."""
    with _QUIET_LOCK:
        loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def _verify(pdf: bytes, trusted: list[bytes] | None) -> PdfVerification:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = _trust_roots(trusted)
    reader = _reader(pdf)
    try:
        latest = _info_values(reader.trailer_view)
    except Exception:
        latest = {}
    try:
        embedded, broken = list(reader.embedded_signatures), False
    except Exception:
        embedded, broken = [], True
    keys = {"visa": latest.get(VISA_KEY, ""), "petr_record": latest.get(RECORD_KEY, ""),
            "petr_sha256": latest.get(SHA256_KEY, "")}
    nobody = {"trusted": None, "signer_name": "", "signer_email": "", "signing_time": None}
    if not embedded:
        if broken or b"/ByteRange" in pdf:               # a signature was there and cannot be read now
            return PdfVerification(signed=True, intact=False, modified_after_signing=None, **nobody, **keys,
                                   problem="la signature électronique est illisible, le document a été altéré")
        return PdfVerification(signed=False, intact=None, modified_after_signing=None, **nobody, **keys)

    first = embedded[0]
    try:
        keys = _info_values(reader.get_historical_resolver(first.signed_revision).trailer_view)
        keys = {"visa": keys.get(VISA_KEY, ""), "petr_record": keys.get(RECORD_KEY, ""),
                "petr_sha256": keys.get(SHA256_KEY, "")}
    except Exception:
        pass                                             # keep the latest revision's values
    seals = [_is_seal(sig) for sig in embedded]
    statuses = [_validate(sig, ValidationContext(trust_roots=roots, allow_fetching=False)) for sig in embedded]
    intact = all(st is not None and st.intact and st.valid for st in statuses)
    modified = any(st is not None and (st.modification_level is None or st.docmdp_ok is False
                                       or st.modification_level > ModificationLevel.FORM_FILLING)
                   for st in statuses)
    last = statuses[-1]
    if last is not None and last.coverage != SignatureCoverageLevel.ENTIRE_FILE and \
            (last.modification_level is None or last.modification_level > ModificationLevel.LTA_UPDATES):
        modified = True
    signed = not all(seals)
    problem = "" if intact else ("la signature n'est plus intacte, le document a été altéré" if signed
                                 else "le scellé d'intégrité est rompu, le document a été altéré")
    main = next((i for i, seal in enumerate(seals) if not seal), 0)
    name = email = ""
    if signed and statuses[main] is not None:
        subject = statuses[main].signing_cert.subject.native
        name, email = str(subject.get("common_name", "")), str(subject.get("email_address", ""))
    try:
        when = embedded[main].self_reported_timestamp
    except Exception:
        when = None
    real = [st for st, seal in zip(statuses, seals) if not seal]
    return PdfVerification(
        signed=signed, sealed=not signed, intact=intact,
        trusted=all(bool(st is not None and st.trusted) for st in real) if signed else None,
        signer_name=name, signer_email=email, signing_time=when.astimezone(UTC) if when else None,
        modified_after_signing=modified, problem=problem, **keys)
