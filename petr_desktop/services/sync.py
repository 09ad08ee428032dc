"""Sync use cases: device keys and enrolment, export, import (all or nothing), history.

Conflicts, the LWW journal and proposals received after a sign-off are in
``services.sync_review``. The merge itself is in ``sync/`` (pure) and every file check in
``sync/container``; here: who may send files, what to send, backups before import,
quarantine of refused files, the history, the French report.
"""
from __future__ import annotations

import base64
import json
import logging
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from .. import __version__
from ..domain.ids import new_id, now_iso
from ..domain.models import MODEL_BY_TABLE
from ..domain.values import format_date
from ..storage.backup import BackupInBackground
from ..storage.database import Database, raw_connection
from ..storage.migrations import known_revisions
from ..sync import container, exchange, hlc, upcast
from ..sync.capture import version_vector
from .errors import InvalidValueError, NotFoundError, ServiceError, describe_os_error
from .uow import reading, transactional

log = logging.getLogger(__name__)

KEY_FORMAT = "carnet-petr-device-key"
#: An import that deletes more than this share of a table's rows asks first.
MASS_DELETE_SHARE = 0.10
MASS_DELETE_MIN_ROWS = 5


class ImportCancelled(ServiceError):
    pass


# --- Device key and peers -------------------------------------------------------------

def device_key(db: Database):
    from ..sync.device_key import keys_dir_for, load_or_create_device_key

    return load_or_create_device_key(keys_dir_for(db.path))


@dataclass(frozen=True)
class Peer:
    key_id: str
    name: str
    replica_id: str
    enrolled_at: str
    revoked_at: str | None
    known_vv: dict[str, int]
    last_file_at: str

    @property
    def active(self) -> bool:
        return self.revoked_at is None


PEER_COLUMNS = "key_id, name, replica_id, enrolled_at, revoked_at, known_vv, last_file_at"


def _peer(row) -> Peer:
    key_id, name, replica_id, enrolled_at, revoked_at, known_vv, last_file_at = row
    return Peer(key_id, name, replica_id, enrolled_at, revoked_at, json.loads(known_vv), last_file_at)


@reading
def peers(session: Session) -> list[Peer]:
    rows = raw_connection(session).execute(f"SELECT {PEER_COLUMNS} FROM sync_peer ORDER BY name, key_id")
    return [_peer(r) for r in rows]


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_peer(all_peers: list[Peer], wanted: str) -> Peer:
    """A peer by name (accents and case ignored), key id prefix or replica id."""
    needle = _folded(wanted)
    matches = [p for p in all_peers if needle in (_folded(p.name), p.replica_id)
               or (len(needle) >= 4 and p.key_id.startswith(needle))]
    if len(matches) != 1:
        known = ", ".join(f"« {p.name} »" for p in all_peers) or "aucun"
        what = "plusieurs appareils correspondent à" if matches else "aucun appareil enrôlé ne s'appelle"
        raise NotFoundError(f"{what} « {wanted} » (appareils connus : {known})")
    return matches[0]


@reading
def _local(session: Session) -> tuple[str, str]:
    return raw_connection(session).execute(
        "SELECT replica_id, replica_name FROM sync_local WHERE id = 1").fetchone()


def write_key_file(db: Database, path: Path) -> Path:
    """This device's public key and name, to enrol it on another computer."""
    key = device_key(db)
    replica_id, name = _local(db)
    content = {"format": KEY_FORMAT, "version": 1, "name": name, "replica_id": replica_id,
               "key_id": key.key_id, "public_key": key.public_b64}
    path = Path(path)
    if path.is_dir():
        path = path / f"cle-{container.default_file_name(name, datetime.now()).rsplit('.', 1)[0]}.json"
    try:
        path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ServiceError(describe_os_error(exc)) from exc
    return path


def read_key_file(path: Path) -> dict:
    from ..sync.device_key import key_id_of, public_key_from_b64

    bad = f"« {Path(path).name} » n'est pas un fichier de clé Carnet PETR (Synchronisation › Ma clé)"
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
        raw = base64.b64decode(content["public_key"], validate=True)
        public_key_from_b64(content["public_key"])
        ok = (content.get("format") == KEY_FORMAT and content["key_id"] == key_id_of(raw)
              and isinstance(content.get("name"), str) and isinstance(content.get("replica_id"), str))
    except OSError as exc:
        raise ServiceError(describe_os_error(exc)) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidValueError(bad) from exc
    if not ok:
        raise InvalidValueError(bad)
    return content


def enrol(db: Database, path: Path) -> Peer:
    """Trust the device whose key file this is (enrolling again un-revokes and renames)."""
    content = read_key_file(path)
    if content["key_id"] == device_key(db).key_id:
        raise InvalidValueError("c'est la clé de cet ordinateur-ci : enrôlez-la sur l'autre poste")
    return _store_peer(db, content)


@transactional
def _store_peer(session: Session, content: dict) -> Peer:
    conn = raw_connection(session)
    conn.execute(
        "INSERT INTO sync_peer(key_id, name, public_key, replica_id, enrolled_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(key_id) DO UPDATE SET name = excluded.name, revoked_at = NULL",
        (content["key_id"], content["name"].strip() or content["key_id"], content["public_key"],
         content["replica_id"], now_iso()))
    return _peer(conn.execute(f"SELECT {PEER_COLUMNS} FROM sync_peer WHERE key_id = ?",
                              (content["key_id"],)).fetchone())


@transactional
def revoke(session: Session, wanted: str) -> Peer:
    peer = find_peer(peers(session), wanted)
    conn = raw_connection(session)
    conn.execute("UPDATE sync_peer SET revoked_at = ? WHERE key_id = ?", (now_iso(), peer.key_id))
    return _peer(conn.execute(f"SELECT {PEER_COLUMNS} FROM sync_peer WHERE key_id = ?",
                              (peer.key_id,)).fetchone())


# --- Status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    replica_id: str
    replica_name: str
    unsynced: int
    version_vector: dict[str, int]
    peers: list[Peer]
    open_conflicts: int
    open_proposals: int


@reading
def status(session: Session) -> Status:
    conn = raw_connection(session)
    replica_id, name, unsynced = conn.execute(
        "SELECT replica_id, replica_name, seq - exported_seq FROM sync_local WHERE id = 1").fetchone()
    conflicts = conn.execute("SELECT count(*) FROM sync_conflict").fetchone()[0]
    proposals = conn.execute("SELECT count(*) FROM sync_proposal WHERE status = 'open'").fetchone()[0]
    return Status(replica_id, name, unsynced, version_vector(conn), peers(session), conflicts, proposals)


# --- Export ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportResult:
    path: Path
    op_count: int
    recipient: str


def _since(session: Session, for_peer: str | None, everything: bool) -> tuple[dict[str, int], str]:
    """What the recipient already has: one peer's vector, or what every active peer has."""
    if everything:
        return {}, "tous"
    known = peers(session)
    if for_peer:
        peer = find_peer(known, for_peer)
        return peer.known_vv, peer.name
    active = [p for p in known if p.active]
    if not active:
        return {}, "tous"
    replicas = set().union(*(p.known_vv for p in active))
    return {r: min(p.known_vv.get(r, 0) for p in active) for r in replicas}, "tous les appareils enrôlés"


ProgressFn = Callable[[int, int, str], None]


def _no_progress(_done: int, _total: int, _text: str) -> None:
    pass


def export(db: Database, destination: Path, for_peer: str | None = None, everything: bool = False,
           passphrase: str | None = None, progress: ProgressFn = _no_progress) -> ExportResult:
    """Write a sync file with what the recipient has not acknowledged, verified once written.

    ``progress(done, total, text)`` is told each step; it may raise to cancel (nothing is written).
    """
    progress(0, 3, "Lecture des modifications à envoyer")
    key = device_key(db)
    with db.reader() as session:
        since, recipient = _since(session, for_peer, everything)
        conn = raw_connection(session)
        replica_id, name, seq = conn.execute(
            "SELECT replica_id, replica_name, seq FROM sync_local WHERE id = 1").fetchone()
        ops, batches = exchange.collect(conn, since)
        have_vv = version_vector(conn)
    blobs = _blobs_for(db, ops)
    progress(1, 3, f"Écriture et vérification du fichier ({len(ops)} modifications)")
    manifest = {"file_id": new_id(), "created_at": now_iso(), "sender_clock_ms": hlc.wall_ms(),
                "app_version": __version__,
                "schema_revision": known_revisions()[-1], "recipient": recipient,
                "sender": {"replica_id": replica_id, "name": name, "key_id": key.key_id,
                           "public_key": key.public_b64},
                "have_vv": have_vv, "since_vv": since, "batches": batches}
    try:
        path = container.write_package(Path(destination), manifest, ops, blobs, sign=key.sign,
                                       passphrase=passphrase or None, verify_key=key.private.public_key())
    except container.ContainerError as exc:
        raise ServiceError(str(exc)) from exc
    _record_export(db, manifest, path, len(ops), seq)
    progress(3, 3, "Fichier écrit et vérifié")
    return ExportResult(path, len(ops), recipient)


@transactional
def _record_export(session: Session, manifest: dict, path: Path, count: int, seq: int) -> None:
    conn = raw_connection(session)
    conn.execute("UPDATE sync_local SET exported_seq = MAX(exported_seq, ?) WHERE id = 1", (seq,))
    _log_file(conn, manifest["file_id"], "out", "exported", manifest["recipient"], "", path.name, count,
              {"recipient": manifest["recipient"]})


def _blobs_dir(db: Database) -> Path:
    return db.path.parent / "blobs"


def _blobs_for(db: Database, ops: list[dict]) -> dict[str, bytes]:
    """Attachment contents referenced by the ops sent, when this computer has them."""
    blobs = {}
    for op in ops:
        if op["tbl"] == "attachment" and op["field"] == "sha256":
            digest = json.loads(op["value"])
            path = _blobs_dir(db) / str(digest)
            if isinstance(digest, str) and path.is_file():
                blobs[digest] = path.read_bytes()
    return blobs


def _log_file(conn, file_id: str, direction: str, state: str, peer_name: str, peer_key_id: str,
              file_name: str, count: int, report: dict) -> None:
    conn.execute("INSERT INTO sync_file(file_id, direction, status, peer_name, peer_key_id, at, file_name, "
                 "op_count, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (file_id, direction, state, peer_name, peer_key_id, now_iso(), file_name, count,
                  json.dumps(report, ensure_ascii=False, sort_keys=True)))


# --- Import ---------------------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did, in the terms the French report uses."""

    file_name: str
    sender: str
    status: str                                  # imported | duplicate
    new_ops: int = 0
    created: dict[str, int] = field(default_factory=dict)     # French record label -> count
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    overwrites: int = 0
    proposals: int = 0
    clock_warnings: list[str] = field(default_factory=list)
    backup: str = ""
    file_id: str = ""

    def lines(self) -> list[str]:
        return report_lines(asdict(self))


def report_lines(report: dict) -> list[str]:
    """The French report of an import (also rebuilt from the history's stored JSON)."""
    if report.get("status") == "refused":
        return [f"Fichier « {report.get('file_name', '')} » refusé : {report.get('error', '')}",
                "La base n'a pas été modifiée ; le fichier a été mis de côté (quarantaine)."]
    lines = [f"Fichier « {report['file_name']} » de « {report['sender']} »."]
    if report["status"] == "duplicate":
        return lines + ["Déjà importé : aucune modification nouvelle, rien n'a changé."]
    lines.append(f"{report['new_ops']} modification(s) nouvelle(s) appliquée(s).")
    for key, verb in (("created", "ajouté(s)"), ("updated", "modifié(s)"), ("deleted", "supprimé(s)")):
        for label, count in sorted(report[key].items()):
            lines.append(f"  • {label} : {count} {verb}")
    if report["conflicts"]:
        lines.append(f"{report['conflicts']} conflit(s) à arbitrer (Synchronisation › Conflits à arbitrer).")
    if report["overwrites"]:
        lines.append(f"{report['overwrites']} valeur(s) remplacée(s) par une saisie plus récente : "
                     "les anciennes sont gardées et peuvent être rétablies.")
    if report["proposals"]:
        lines.append(f"{report['proposals']} modification(s) reçue(s) après validation : non appliquées, "
                     "à transformer en rectificatif ou à rejeter.")
    lines.extend(f"Attention : {w}." for w in report["clock_warnings"])
    if report.get("backup"):
        lines.append(f"Sauvegarde faite avant l'import : {Path(report['backup']).name}")
    return lines


def _sync_dir(db: Database, name: str) -> Path:
    folder = db.path.parent / "sync" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _public_key_for(db: Database) -> Callable[[dict], object]:
    """The key that must have signed a manifest: an enrolled, not revoked device's."""
    from ..sync.device_key import public_key_from_b64

    own = device_key(db).key_id
    known = {p.key_id: p for p in peers(db)}
    with db.reader() as session:
        keys = dict(raw_connection(session).execute("SELECT key_id, public_key FROM sync_peer"))

    def lookup(manifest: dict):
        sender = manifest.get("sender") if isinstance(manifest.get("sender"), dict) else {}
        key_id, name = str(sender.get("key_id", "")), str(sender.get("name", "?"))
        if key_id == own:
            raise container.ContainerError("ce fichier a été écrit par cet ordinateur-ci : il n'y a rien à importer")
        peer = known.get(key_id)
        if peer is None:
            raise container.ContainerError(
                f"l'appareil « {name} » (clé {key_id[:8]}) n'est pas enrôlé sur cet ordinateur : import refusé. "
                "Pour l'enrôler : sur cet appareil, Synchronisation › « Exporter ma clé » ; ici, "
                "Synchronisation › « Enrôler un appareil » avec ce fichier de clé "
                "(ou : petr-desktop sync enrol FICHIER)")
        if not peer.active:
            raise container.ContainerError(
                f"l'appareil « {peer.name} » a été révoqué le {_french_day(peer.revoked_at)} : "
                "ses fichiers sont refusés")
        return public_key_from_b64(keys[key_id])

    return lookup


def _french_day(iso: str) -> str:
    return format_date(datetime.fromisoformat(iso.replace("Z", "+00:00")).date())


def import_file(db: Database, path: Path, passphrase: str | None = None,
                confirm_mass_delete: Callable[[dict[str, int]], bool] | None = None,
                progress: ProgressFn = _no_progress) -> ImportReport:
    """Apply a sync file all or nothing; a backup is made first; a refused file goes to quarantine.

    ``progress(done, total, text)`` is told each step; it may raise to cancel before the commit.
    """
    progress(0, 5, "Copie locale du fichier")
    source = Path(path)
    try:
        if source.stat().st_size > container.MAX_FILE_BYTES:
            raise ServiceError(f"« {source.name} » est bien trop gros pour un fichier de synchronisation : "
                               "import refusé")
        local = _sync_dir(db, "incoming") / f"{now_iso().replace(':', '-')}_{source.name}"
        shutil.copyfile(source, local)
    except OSError as exc:
        raise ServiceError(describe_os_error(exc)) from exc
    try:
        report = _import_local_copy(db, local, source.name, passphrase, confirm_mass_delete, progress)
    except (container.PassphraseNeeded, ImportCancelled, BackupFailed):
        local.unlink(missing_ok=True)
        raise
    except (container.ContainerError, exchange.SyncDataError, ServiceError) as exc:
        if isinstance(exc, container.ContainerError) and str(exc) == container.WRONG_PASSPHRASE:
            local.unlink(missing_ok=True)        # the user may just retype it
            raise ServiceError(str(exc)) from exc
        _quarantine(db, local, source.name, str(exc))
        if isinstance(exc, ServiceError):
            raise
        raise ServiceError(str(exc)) from exc
    except BaseException:           # cancelled by the user, or interrupted: nothing was applied
        local.unlink(missing_ok=True)
        raise
    local.unlink(missing_ok=True)
    progress(5, 5, "Import terminé")
    return report


def _quarantine(db: Database, local: Path, name: str, error: str) -> None:
    try:
        shutil.move(local, _sync_dir(db, "quarantine") / local.name)
    except OSError:
        log.warning("could not move a refused sync file to quarantine", exc_info=True)
    try:
        _log_refusal(db, name, error)
    except Exception:     # the refusal itself must reach the user even if the log fails
        log.warning("could not log a refused sync file", exc_info=True)


@transactional
def _log_refusal(session: Session, name: str, error: str) -> None:
    _log_file(raw_connection(session), new_id(), "in", "refused", "", "", name, 0,
              {"status": "refused", "file_name": name, "error": error})


class BackupFailed(ServiceError):
    """The backup before the import could not be written (a full disk…): nothing was imported,
    and the file is not to blame (it stays out of quarantine)."""


def _import_local_copy(db: Database, local: Path, shown_name: str, passphrase: str | None,
                       confirm_mass_delete: Callable[[dict[str, int]], bool] | None,
                       progress: ProgressFn) -> ImportReport:
    progress(1, 5, "Vérification de la signature et du contenu")
    package = container.read_package(local, _public_key_for(db), passphrase)
    manifest = package.manifest
    revision = manifest.get("schema_revision")
    if revision not in known_revisions():
        raise ServiceError(f"ce fichier vient d'une version plus récente de Carnet PETR (schéma « {revision} ») : "
                           "mettez l'application à jour pour l'importer")
    batches = exchange.validate_batches(manifest.get("batches"))
    exchange.validate_ops(package.ops, batches)
    package = container.Package(manifest, upcast.upcast_ops(package.ops, revision), package.blobs)
    have_vv = manifest.get("have_vv")
    if not isinstance(have_vv, dict) or not all(isinstance(v, int) for v in have_vv.values()):
        raise ServiceError("fichier de synchronisation illisible (manifeste invalide)")
    sender = manifest["sender"]
    report = ImportReport(file_name=shown_name, sender=str(sender.get("name", "")), status="imported",
                          file_id=str(manifest.get("file_id", "")))
    with db.reader() as session:
        already = raw_connection(session).execute(
            "SELECT 1 FROM sync_file WHERE file_id = ? AND direction = 'in' AND status IN ('imported', 'duplicate')",
            (report.file_id,)).fetchone()
        if not already:
            already = not (set(op["op_id"] for op in package.ops)
                           - exchange.existing_op_ids(raw_connection(session), [op["op_id"] for op in package.ops]))
    if already:
        _apply(db, package, batches, report, accept_mass_delete=False, duplicate=True, progress=progress,
               before_commit=lambda: None)
        return report
    # The backup of the state before the import is copied while the ops are applied; the import
    # commits only once the backup is complete (at large scale the copy is most of the time: a
    # 0.5 GB database takes seconds to copy). Nothing applied after all: the backup is deleted.
    progress(2, 5, "Sauvegarde de la base avant l'import")
    backup = BackupInBackground(db.path, db.path.parent / "backups", "avant-import")
    try:
        _apply_new(db, package, batches, report, confirm_mass_delete, progress, backup)
    except BaseException:
        backup.discard()
        raise
    return report


def _apply_new(db: Database, package, batches: dict[str, dict], report: ImportReport,
               confirm_mass_delete: Callable[[dict[str, int]], bool] | None, progress: ProgressFn,
               backup: BackupInBackground) -> None:
    progress(3, 5, f"Application de {len(package.ops)} modifications")
    _store_blobs(db, package.blobs)

    def wait_for_backup() -> None:
        try:
            report.backup = str(backup.wait())
        except (OSError, sqlite3.Error) as exc:
            reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
            raise BackupFailed(f"la sauvegarde avant l'import n'a pas pu être écrite ({reason}) : "
                               "rien n'a été importé") from exc

    try:
        _apply(db, package, batches, report, accept_mass_delete=False, duplicate=False, progress=progress,
               before_commit=wait_for_backup)
    except MassDeletion as mass:
        # Asked outside the write transaction (the database stays free while the user thinks).
        if not (confirm_mass_delete and confirm_mass_delete(mass.counts)):
            raise ImportCancelled("import annulé : il supprimait beaucoup de lignes "
                                  f"({', '.join(f'{k} : {v}' for k, v in mass.counts.items())}) ; "
                                  "rien n'a changé") from None
        _apply(db, package, batches, report, accept_mass_delete=True, duplicate=False, progress=progress,
               before_commit=wait_for_backup)


def _store_blobs(db: Database, blobs: dict[str, bytes]) -> None:
    folder = _blobs_dir(db)
    for digest, content in blobs.items():
        target = folder / digest
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(digest + ".tmp")
            tmp.write_bytes(content)
            tmp.replace(target)


class MassDeletion(Exception):
    """The import would delete many rows: rolled back, to ask the user first."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__(counts)
        self.counts = counts


@transactional
def _apply(session: Session, package, batches: dict[str, dict], report: ImportReport,
           accept_mass_delete: bool, duplicate: bool, progress: ProgressFn,
           before_commit: Callable[[], None]) -> None:
    conn = raw_connection(session)
    manifest = package.manifest
    if duplicate:
        report.status = "duplicate"
    else:
        applied = exchange.apply(conn, package.ops, batches, report.file_id, now_iso())
        outcome = applied.outcome
        report.new_ops = applied.new_ops
        report.created, report.updated, report.deleted = (
            _labelled(c) for c in (outcome.created, outcome.updated, outcome.deleted))
        report.conflicts, report.overwrites, report.proposals = (
            len(outcome.conflicts), len(outcome.overwrites), len(outcome.proposals))
        report.clock_warnings = sorted(set(applied.clock_warnings + exchange.sender_clock_warnings(manifest)))
        mass = _mass_deletions(conn, dict(outcome.deleted))
        if mass and not accept_mass_delete:
            raise MassDeletion(mass)
    sender = manifest["sender"]
    conn.execute("UPDATE sync_peer SET known_vv = ?, replica_id = ?, last_file_at = ? WHERE key_id = ?",
                 (json.dumps(_merged_vv(conn, sender["key_id"], manifest["have_vv"]), sort_keys=True),
                  str(sender.get("replica_id", "")), now_iso(), sender["key_id"]))
    _log_file(conn, report.file_id, "in", report.status, report.sender, sender["key_id"], report.file_name,
              len(package.ops), asdict(report))
    before_commit()
    progress(4, 5, "Enregistrement")              # last chance to cancel: the commit follows


def _merged_vv(conn, key_id: str, have_vv: dict[str, int]) -> dict[str, int]:
    row = conn.execute("SELECT known_vv FROM sync_peer WHERE key_id = ?", (key_id,)).fetchone()
    known = json.loads(row[0]) if row else {}
    return {r: max(known.get(r, 0), have_vv.get(r, 0)) for r in set(known) | set(have_vv)}


def _labelled(counts) -> dict[str, int]:
    return {MODEL_BY_TABLE[t].label: n for t, n in counts.items() if n}


def _mass_deletions(conn, deleted: dict[str, int]) -> dict[str, int]:
    """Tables where the import deleted more than MASS_DELETE_SHARE of the rows."""
    mass = {}
    for table, count in deleted.items():
        total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if count >= MASS_DELETE_MIN_ROWS and count > MASS_DELETE_SHARE * total:
            mass[MODEL_BY_TABLE[table].label] = count
    return mass


# --- History --------------------------------------------------------------------------

@dataclass(frozen=True)
class FileEntry:
    file_id: str
    direction: str
    status: str
    peer_name: str
    at: str
    file_name: str
    op_count: int
    report: dict

    @property
    def report_lines(self) -> list[str]:
        if self.direction == "out":
            return [f"Fichier « {self.file_name} » écrit pour {self.peer_name} : {self.op_count} modification(s)."]
        return report_lines(self.report)


@reading
def history(session: Session, limit: int = 200) -> list[FileEntry]:
    rows = raw_connection(session).execute(
        "SELECT file_id, direction, status, peer_name, at, file_name, op_count, report FROM sync_file "
        "ORDER BY id DESC LIMIT ?", (limit,))
    return [FileEntry(*row[:7], json.loads(row[7])) for row in rows]
