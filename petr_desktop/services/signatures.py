"""Signed PDFs of validated minutes, the user's personal certificate, and verification of a PDF file.

The personal certificate lives in ``<home>/certificates/``: the PKCS#12 (key and certificate,
protected by the user's passphrase, mode 0600) and its public certificate (.crt, PEM). Certificates
(.crt, .cer, .pem) found in that folder are the trust roots of ``verify_file``. pyHanko is imported
only when a function of ``exports.signing`` runs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from .. import paths
from ..paths import restrict
from ..domain.canonical import content_sha256
from ..domain.enums import MinutesStatus
from ..domain.models import Minutes, SignOff
from ..domain.values import format_datetime_fr
from ..exports import signing
from ..exports.files import atomic_write_bytes
from .errors import ServiceError, describe_os_error
from .minutes import canonical_content
from .profile import get_profile
from .records import load
from .uow import reading

log = logging.getLogger(__name__)

CERTIFICATES_FOLDER = "certificates"
PERSONAL_P12 = "certificat-personnel.p12"
PERSONAL_CRT = "certificat-personnel.crt"
MIN_PASSPHRASE_LENGTH = 8
TRUSTED_SUFFIXES = (".crt", ".cer", ".pem")


class SignatureError(ServiceError):
    pass


# --- the personal certificate --------------------------------------------------------------------

def certificates_folder(home: Path | None = None) -> Path:
    return (home or paths.resolve().home) / CERTIFICATES_FOLDER


def personal_certificate_path(home: Path | None = None) -> Path:
    """Where the user's personal PKCS#12 lives (it may not exist yet)."""
    return certificates_folder(home) / PERSONAL_P12


def my_certificate(home: Path | None = None) -> signing.CertificateSummary | None:
    """The user's personal certificate (public part, no passphrase needed), or None."""
    public = certificates_folder(home) / PERSONAL_CRT
    if not personal_certificate_path(home).is_file() or not public.is_file():
        return None
    try:
        return signing.read_certificate(public.read_bytes())
    except (OSError, signing.SigningError):
        return None


def create_my_certificate(db, passphrase: str, home: Path | None = None, email: str = "",
                          replace: bool = False) -> Path:
    """« Créer mon certificat personnel »: EC P-256, self-signed, in the profile's name."""
    profile = get_profile(db)
    if not profile.is_complete:
        raise SignatureError("complétez d'abord votre profil (nom et initiales, dans Paramètres) : "
                             "le certificat porte votre nom")
    if len(passphrase or "") < MIN_PASSPHRASE_LENGTH:
        raise SignatureError(f"la phrase secrète doit compter au moins {MIN_PASSPHRASE_LENGTH} caractères")
    target = personal_certificate_path(home)
    if target.exists() and not replace:
        raise SignatureError("vous avez déjà un certificat personnel ; le remplacer rendrait l'ancien "
                             "inutilisable pour signer : confirmez le remplacement")
    try:
        p12 = signing.create_personal_certificate(profile.user_name, email, passphrase)
        summary = signing.certificate_summary(p12, passphrase)
    except signing.SigningError as exc:
        raise SignatureError(str(exc)) from None
    public = target.with_name(PERSONAL_CRT)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        restrict(target.parent, 0o700)
        previous = my_certificate(home)
        if previous is not None:                    # documents signed before stay recognised here
            public.replace(public.with_name(f"certificat-personnel-{previous.sha256_fingerprint[:12]}.crt"))
        atomic_write_bytes(target, p12)             # mkstemp creates the file 0600 already
        restrict(target, 0o600)
        atomic_write_bytes(public, summary.pem)
        restrict(public, 0o644)
    except OSError as exc:
        raise SignatureError(describe_os_error(exc)) from None
    log.info("personal certificate created (sha256 %s)", summary.sha256_fingerprint[:16])
    return target


# --- the signed PDF of minutes -------------------------------------------------------------------

def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sign_offs(session: Session, table: str, record_id: str) -> list[SignOff]:
    rows = session.exec(select(SignOff).where(SignOff.record_table == table, SignOff.record_id == record_id,
                                              SignOff.deleted == False))  # noqa: E712
    return sorted(rows, key=lambda row: (row.signed_at, row.id))


@reading
def _signed_state(session: Session, minutes_id: str) -> tuple[SignOff, str]:
    record = load(session, Minutes, minutes_id)
    if record.status != MinutesStatus.SIGNED:
        raise SignatureError("ce relevé n'est pas encore signé : validez-le d'abord, puis produisez le PDF signé")
    offs = _sign_offs(session, "minutes", minutes_id)
    if not offs:
        raise SignatureError("ce relevé est marqué signé mais sa validation est introuvable dans la base")
    return offs[-1], content_sha256(canonical_content(session, minutes_id))


def _certificate(p12_path: str | Path | None, passphrase: str | None) -> bytes | None:
    if p12_path is None:
        if not passphrase:
            return None                                            # visa only
        p12_path = personal_certificate_path()
        if not p12_path.is_file():
            raise SignatureError("vous n'avez pas de certificat personnel : créez-le (« Créer mon certificat "
                                 "personnel ») ou choisissez un fichier .p12")
    if not passphrase:
        raise SignatureError("indiquez la phrase secrète du certificat")
    try:
        return Path(p12_path).read_bytes()
    except OSError as exc:
        raise SignatureError(describe_os_error(exc)) from None


def signed_minutes_pdf(db, minutes_id: str, p12_path: str | Path | None = None,
                       passphrase: str | None = None) -> bytes:
    """The PDF of signed minutes with the visa of their sign-off; PAdES-signed with a certificate.

    ``p12_path`` and ``passphrase``: that certificate; ``passphrase`` alone: the personal one;
    neither: the visible visa only.
    """
    sign_off, current = _signed_state(db, minutes_id)
    if current != sign_off.content_sha256:
        raise SignatureError("le contenu du relevé ne correspond plus à sa validation : "
                             "le PDF signé ne peut pas être produit")
    p12 = _certificate(p12_path, passphrase)
    from ..exports.pdf import minutes_pdf

    pdf = minutes_pdf(db, minutes_id)
    try:
        info = signing.pdf_info(pdf)
        if info.get(signing.RECORD_KEY) != f"minutes:{minutes_id}" or \
                info.get(signing.SHA256_KEY) != sign_off.content_sha256:
            raise SignatureError("le PDF produit ne porte pas l'empreinte du relevé validé : signature refusée")
        return signing.sign_pdf(pdf, sign_off.signer_name, sign_off.signer_role,
                                _parse_time(sign_off.signed_at), p12=p12, passphrase=passphrase)
    except signing.SigningError as exc:
        raise SignatureError(str(exc)) from None


# --- verification of a file ----------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyReport:
    """``ok``: nothing altered and the document is the signed record of this base; ``lines``: French."""

    ok: bool
    lines: list[str]
    verification: signing.PdfVerification | None = None
    matches_database: bool | None = None
    problems: list[str] = field(default_factory=list)


def trusted_certificates(home: Path | None = None) -> list[bytes]:
    """The readable certificates of ``<home>/certificates/`` (the user's own and any dropped there)."""
    folder = certificates_folder(home)
    found = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in TRUSTED_SUFFIXES and path.is_file():
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                if signing.is_certificate(data):
                    found.append(data)
                else:
                    log.warning("unreadable certificate ignored: %s", path.name)
    return found


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


@reading
def _database_check(session: Session, verification: signing.PdfVerification) -> tuple[bool, list[str]]:
    reference = verification.petr_record
    table, _, record_id = reference.partition(":")
    if not reference or not record_id:
        return False, ["Document inconnu de cette base : il ne porte pas de référence Carnet PETR."]
    if table == "minutes":
        record = session.get(Minutes, record_id)
        if record is None or record.deleted:
            return False, ["Document inconnu de cette base : le relevé qu'il désigne n'y figure pas."]
    offs = _sign_offs(session, table, record_id)
    if not offs:
        return False, ["Le document désigne un relevé de cette base qui n'y est pas signé."]
    last = offs[-1]
    lines = [f"Validation enregistrée dans la base : {last.signer_name}"
             + (f", {last.signer_role}" if last.signer_role else "")
             + f", le {format_datetime_fr(_parse_time(last.signed_at))}."]
    if verification.petr_sha256 != last.content_sha256:
        return False, lines + ["ATTENTION : le contenu ne correspond plus au relevé enregistré dans la base "
                               "(empreintes différentes)."]
    if table == "minutes" and content_sha256(canonical_content(session, record_id)) != last.content_sha256:
        return False, lines + ["ATTENTION : le contenu ne correspond plus au relevé enregistré : le relevé a été "
                               "modifié dans la base depuis sa validation."]
    if verification.signed and verification.signer_name and \
            verification.signer_name.casefold() != last.signer_name.casefold():
        lines.append(f"Remarque : le certificat est au nom de {verification.signer_name}, "
                     f"la validation à celui de {last.signer_name}.")
    return True, lines + ["Le document correspond au relevé enregistré dans la base."]


def verify_file(db, path: Path, home: Path | None = None) -> VerifyReport:
    """Say in French whether a PDF's signature is intact, who signed and when, and whether it is
    the record of this base."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        message = _sentence(f"lecture impossible : {describe_os_error(exc)}")
        return VerifyReport(False, [message], problems=[message])
    try:
        verification = signing.verify_pdf(data, trusted=trusted_certificates(home))
    except signing.SigningError as exc:
        message = _sentence(str(exc))
        return VerifyReport(False, [message], problems=[message])

    lines: list[str] = []
    problems: list[str] = []
    if verification.signed:
        if verification.intact:
            lines.append("Signature intacte.")
        else:
            problems.append(f"ATTENTION : {verification.problem}.")
        if verification.signer_name:
            when = verification.signing_time
            lines.append(f"Signé par {verification.signer_name}"
                         + (f" le {format_datetime_fr(when)}" if when else "") + ".")
        if verification.intact:
            lines.append("Certificat reconnu par cet ordinateur." if verification.trusted else
                         "Certificat non reconnu par une autorité de confiance (certificat personnel, par "
                         "exemple) : l'identité du signataire n'est pas garantie par un tiers.")
    elif verification.sealed:
        lines.append("Document non signé électroniquement (visa visible seulement).")
        if verification.intact:
            when = verification.signing_time
            lines.append("Scellé d'intégrité intact : le fichier n'a pas changé depuis son édition"
                         + (f" le {format_datetime_fr(when)}" if when else "") + ".")
        else:
            problems.append(f"ATTENTION : {verification.problem}.")
    else:
        lines.append("Document non signé électroniquement (visa visible seulement)." if verification.visa else
                     "Document ni signé électroniquement ni visé.")
        problems.append("ATTENTION : le document ne porte ni signature ni scellé d'intégrité : "
                        "son intégrité ne peut pas être vérifiée.")
    if verification.modified_after_signing:
        problems.append("ATTENTION : le document a été modifié après sa signature." if verification.signed else
                        "ATTENTION : le document a été modifié après son édition.")
    if verification.visa:
        lines.append(f"Visa porté sur le document : « {verification.visa} ».")
    lines += problems
    matches, db_lines = _database_check(db, verification)
    if matches and (verification.altered or not (verification.signed or verification.sealed)):
        # its references cannot be trusted any more
        db_lines[-1] = ("Le document désigne un relevé validé de cette base, mais rien ne garantit "
                        "qu'il n'a pas été modifié.")
    lines += db_lines
    if not matches:
        problems.append(db_lines[-1])
    ok = matches and (verification.signed or verification.sealed) and not verification.altered
    if ok:
        lines.append("Conclusion : document conforme." if verification.signed else
                     "Conclusion : document conforme à la base, sans signature électronique.")
    else:
        lines.append("Conclusion : ne vous fiez pas à ce document.")
    return VerifyReport(ok, lines, verification, matches, problems)
