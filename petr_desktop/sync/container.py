"""Sync files (SYNC.md « The file »): a signed ZIP of op log parts and attachments, optionally
encrypted with a passphrase.

Reading expects hostile input: whatever the bytes, the only exception that leaves a reader is
``ContainerError`` (its text is a French message for the user). Pure file I/O and crypto: no Qt,
no database.
"""
from __future__ import annotations

import errno
import functools
import hashlib
import io
import json
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "carnet-petr-sync"
FORMAT_VERSION = 1
EXTENSION = ".petrsync"

MIB = 1 << 20
MAX_FILE_BYTES = 512 * MIB
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 256 * MIB
MAX_TOTAL_BYTES = 1024 * MIB
MAX_RATIO = 200
RATIO_FLOOR = MIB               # the ratio is only checked for members larger than this
CHUNK = 64 * 1024

MAGIC = b"PETRSYNC-ENC\x00"
ENCRYPTION_VERSION = 1
SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P = 15, 8, 1
# magic, version, log2(n), r, p, salt, nonce: the whole header is authenticated by AES-GCM
_HEADER = struct.Struct(f"!{len(MAGIC)}sBBBB16s12s")

MANIFEST, SIGNATURE, README = "manifest.json", "manifest.sig", "LISEZMOI.txt"
_FIXED = {MANIFEST, SIGNATURE, README}
_OPS_PART = re.compile(r"ops/[0-9]{6}\.jsonl")
_BLOB_PART = re.compile(r"blobs/[0-9a-f]{64}")


class ContainerError(Exception):
    """A sync file that cannot be read; str(exc) is a French message for the user."""


class PassphraseNeeded(ContainerError):
    """The file is encrypted and no passphrase was given."""


WRONG_PASSPHRASE = "mot de passe incorrect ou fichier altéré"
NOT_A_SYNC_FILE = "ce fichier n'est pas un fichier de synchronisation Carnet PETR"
UNREADABLE_ARCHIVE = f"{NOT_A_SYNC_FILE} (archive illisible ou tronquée)"
UNREADABLE = "fichier de synchronisation illisible"
BAD_MANIFEST = f"{UNREADABLE} (manifeste invalide)"
NEWER = "ce fichier vient d'une version plus récente de Carnet PETR ({}) : mettez l'application à jour pour l'importer"
BOMB = "fichier suspect (archive anormalement compressée) : import refusé"
TOO_LARGE = "fichier suspect (contenu trop volumineux) : import refusé"
UNSIGNED = "fichier non signé : import refusé"
BAD_SIGNATURE = "signature invalide : le fichier a été modifié ou ne vient pas de l'appareil annoncé"
MISMATCH = "fichier altéré ou incomplet : « {} » ne correspond pas au manifeste"
DISK_FULL = "disque plein : le fichier de synchronisation n'a pas été écrit"


@dataclass(frozen=True)
class Package:
    manifest: dict            # parsed manifest.json
    ops: list[dict]           # every op, in file order (parts concatenated in order)
    blobs: dict[str, bytes]   # sha256 hex -> content


# ---------------------------------------------------------------------------------------- writing

def write_package(path: Path, manifest: dict, ops: Sequence[dict], blobs: Mapping[str, bytes],
                  sign: Callable[[bytes], bytes], passphrase: str | None = None,
                  ops_per_part: int = 5000, verify_key: Ed25519PublicKey | None = None) -> Path:
    """Write a sync file atomically and check it; returns the final path.

    ``path`` is a folder (the file gets ``default_file_name``, never overwriting one) or a file
    name (EXTENSION added when it has no suffix). An empty passphrase means no encryption. The
    temporary file is re-read from disk before it takes the final name: part hashes and counts
    always, the signature too when ``verify_key`` is given. Any failure raises a French
    ContainerError and leaves no new file behind (a previous file of that name is untouched).
    """
    if ops_per_part < 1:
        raise ValueError("ops_per_part must be at least 1")
    target = _destination(Path(path), manifest)
    data = _zip_package(manifest, ops, blobs, sign, ops_per_part)
    if passphrase:
        data = _encrypt(data, passphrase)
    key_for = None if verify_key is None else (lambda _manifest: verify_key)
    _write_verified(target, data, lambda written: _read(written, passphrase, key_for))
    return target


def default_file_name(sender_name: str, when: datetime) -> str:
    """e.g. 'carnet-petr_Portable-Marie_2026-11-28_1432.petrsync': ASCII only, safe on Windows."""
    ascii_name = unicodedata.normalize("NFKD", sender_name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", ascii_name).strip("-.")[:40].strip("-.") or "poste"
    return f"carnet-petr_{slug}_{when:%Y-%m-%d_%H%M}{EXTENSION}"


def _destination(path: Path, manifest: dict) -> Path:
    if not path.is_dir():
        return path if path.suffix else path.with_name(path.name + EXTENSION)
    stem = default_file_name(manifest["sender"]["name"], datetime.now()).removesuffix(EXTENSION)
    target, number = path / f"{stem}{EXTENSION}", 1
    while target.exists():                 # two exports in the same minute: keep both
        number += 1
        target = path / f"{stem}-{number}{EXTENSION}"
    return target


def _json_line(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8") + b"\n"


def _zip_package(manifest: dict, ops: Sequence[dict], blobs: Mapping[str, bytes],
                 sign: Callable[[bytes], bytes], ops_per_part: int) -> bytes:
    members: list[tuple[str, bytes]] = []
    parts: list[dict] = []
    for index, start in enumerate(range(0, len(ops), ops_per_part), 1):
        chunk = ops[start:start + ops_per_part]
        if not all(isinstance(op, dict) for op in chunk):
            raise TypeError("every op must be a dict")
        data = b"".join(map(_json_line, chunk))
        members.append((f"ops/{index:06d}.jsonl", data))
        parts.append(_part(members[-1], ops=len(chunk)))
    for sha, content in sorted(blobs.items()):
        if hashlib.sha256(content).hexdigest() != sha:
            raise ValueError(f"blob {sha!r} is not named by the SHA-256 of its content")
        members.append((f"blobs/{sha}", bytes(content)))
        parts.append(_part(members[-1]))
    full = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION, "parts": parts, "op_count": len(ops)}
    manifest_bytes = json.dumps(full, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
    signature = sign(manifest_bytes)
    if len(signature) != 64:
        raise ValueError("an Ed25519 signature has 64 bytes")
    head = [(README, _readme(full)), (MANIFEST, manifest_bytes), (SIGNATURE, bytes(signature))]
    return _zip_bytes(head + members)


def _part(member: tuple[str, bytes], **extra: int) -> dict:
    name, data = member
    return {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), **extra}


def _zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """Deflate every member, except those the reader would take for a zip bomb: stored instead."""
    def build(stored: set[str]) -> tuple[bytes, set[str]]:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
        return buffer.getvalue(), {info.filename for info in archive.infolist() if _too_compressed(info)}

    data, suspects = build(set())
    return build(suspects)[0] if suspects else data


def _readme(manifest: dict) -> bytes:
    lines = ["Fichier de synchronisation de Carnet PETR", "",
             f"Envoyé par : {manifest.get('sender', {}).get('name') or 'poste inconnu'}"]
    if manifest.get("created_at"):
        lines.append(f"Créé le : {_french_time(manifest['created_at'])}")
    lines += [f"Nombre de modifications : {manifest['op_count']:,}".replace(",", "\u202f"), "",
              "Pour l'importer, ouvrez Carnet PETR sur l'autre poste et choisissez",
              "« Synchronisation › Importer un fichier ».", "",
              "Ne modifiez pas ce fichier et n'en retirez rien : il est signé, et toute",
              "modification le rend inutilisable.", ""]
    return "\r\n".join(lines).encode("utf-8-sig")     # Notepad-friendly


def _french_time(value: object) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{moment:%d/%m/%Y} à {moment:%H:%M}"


def _write_verified(target: Path, data: bytes, check: Callable[[Path], object]) -> None:
    """Temporary file in the destination folder, fsync, re-read and check, then rename."""
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            check(Path(temp))
        except ContainerError as exc:
            raise ContainerError(f"le fichier écrit ne se relit pas correctement ({exc}) : "
                                 "il n'a pas été enregistré, recommencez") from exc
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise _write_error(exc, target) from exc
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
    _sync_folder(target.parent)


def _write_error(exc: OSError, target: Path) -> ContainerError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return ContainerError(DISK_FULL)
    if isinstance(exc, PermissionError):
        return ContainerError(f"impossible d'écrire « {target.name} » : le dossier est protégé "
                              "ou le fichier est ouvert ailleurs")
    if isinstance(exc, FileNotFoundError):
        return ContainerError(f"impossible d'écrire le fichier de synchronisation : le dossier "
                              f"« {target.parent} » n'existe pas")
    return ContainerError(f"impossible d'écrire le fichier de synchronisation : {exc.strerror or exc}")


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the system allows it (POSIX); harmless elsewhere."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------- encryption

def _derive(passphrase: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=1 << log2n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _encrypt(data: bytes, passphrase: str) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _HEADER.pack(MAGIC, ENCRYPTION_VERSION, SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P, salt, nonce)
    key = _derive(passphrase, salt, SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P)
    return header + AESGCM(key).encrypt(nonce, data, header)


def _decrypt(data: bytes, passphrase: str | None) -> bytes:
    if len(data) < _HEADER.size:
        raise ContainerError(UNREADABLE_ARCHIVE)
    _magic, version, log2n, r, p, salt, nonce = _HEADER.unpack_from(data)
    if version > ENCRYPTION_VERSION:
        raise ContainerError(NEWER.format(f"chiffrement {version}"))
    if version < 1:
        raise ContainerError(WRONG_PASSPHRASE)
    if not (14 <= log2n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):     # checked before any costly work
        raise ContainerError("fichier suspect (paramètres de chiffrement anormaux) : import refusé")
    if not passphrase:
        raise PassphraseNeeded("ce fichier est protégé par un mot de passe : saisissez-le pour l'importer")
    header, ciphertext = data[:_HEADER.size], data[_HEADER.size:]
    try:
        return AESGCM(_derive(passphrase, salt, log2n, r, p)).decrypt(nonce, ciphertext, header)
    except InvalidTag:
        raise ContainerError(WRONG_PASSPHRASE) from None


# ---------------------------------------------------------------------------------------- reading

def _guarded(function):
    """Whatever the bytes, only a ContainerError leaves a reader."""
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ContainerError:
            raise
        except Exception as exc:
            raise ContainerError(UNREADABLE) from exc
    return guarded


def read_package(path: Path, public_key_for: Callable[[dict], Ed25519PublicKey],
                 passphrase: str | None = None) -> Package:
    """Check everything (limits, signature, hashes, counts) and return the contents.

    ``public_key_for(manifest)`` gives the sender's key; a ContainerError it raises (unknown or
    revoked device) goes through unchanged.
    """
    return _read(path, passphrase, public_key_for)


@_guarded
def peek_manifest(path: Path, passphrase: str | None = None) -> dict:
    """The manifest without verifying the signature (to show who sent it, to know whose key to check)."""
    return _open(path, passphrase)[2]


@_guarded
def is_encrypted(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError as exc:
        raise _read_error(exc, path) from exc


@_guarded
def _read(path: Path, passphrase: str | None,
          public_key_for: Callable[[dict], Ed25519PublicKey] | None) -> Package:
    """``public_key_for=None`` skips the signature (the writer's check without a key)."""
    archive, manifest_bytes, manifest = _open(path, passphrase)
    if SIGNATURE not in archive.namelist():
        raise ContainerError(UNSIGNED)
    signature = _member(archive, SIGNATURE)
    if public_key_for is not None:
        try:
            public_key_for(manifest).verify(signature, manifest_bytes)
        except InvalidSignature:
            raise ContainerError(BAD_SIGNATURE) from None
    return _contents(archive, manifest)


def _read_error(exc: OSError, path: Path) -> ContainerError:
    return ContainerError(f"impossible de lire « {Path(path).name} » : {exc.strerror or exc}")


def _load(path: Path, passphrase: str | None) -> bytes:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise ContainerError(TOO_LARGE)
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _read_error(exc, path) from exc
    if len(data) > MAX_FILE_BYTES:
        raise ContainerError(TOO_LARGE)
    return _decrypt(data, passphrase) if data.startswith(MAGIC) else data


def _open(path: Path, passphrase: str | None) -> tuple[zipfile.ZipFile, bytes, dict]:
    """The checked archive, the exact manifest bytes and the parsed manifest."""
    data = _load(path, passphrase)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:
        raise ContainerError(UNREADABLE_ARCHIVE) from exc
    _check_members(infos)
    manifest_bytes = _member(archive, MANIFEST)
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except ValueError:
        raise ContainerError(NOT_A_SYNC_FILE) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ContainerError(NOT_A_SYNC_FILE)
    version = manifest.get("format_version")
    if not _is_count(version) or version < 1:
        raise ContainerError(BAD_MANIFEST)
    if version > FORMAT_VERSION:
        raise ContainerError(NEWER.format(f"format {version}"))
    return archive, manifest_bytes, manifest


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Count, names (allow-list, no duplicates), declared sizes and ratios: the central directory only."""
    if len(infos) > MAX_MEMBERS:
        raise ContainerError("fichier suspect (trop d'éléments dans l'archive) : import refusé")
    if MANIFEST not in {info.orig_filename for info in infos}:
        raise ContainerError(NOT_A_SYNC_FILE)
    seen: set[str] = set()
    for info in infos:
        name = info.orig_filename
        if not _allowed(name):
            raise ContainerError(f"élément interdit dans le fichier : « {_shown(name)} » (import refusé)")
        if name in seen:
            raise ContainerError(f"élément en double dans le fichier : « {name} » (import refusé)")
        seen.add(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or _too_compressed(info):
            raise ContainerError(BOMB)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ContainerError(TOO_LARGE)
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise ContainerError(TOO_LARGE)


def _allowed(name: str) -> bool:
    return name in _FIXED or bool(_OPS_PART.fullmatch(name) or _BLOB_PART.fullmatch(name))


def _too_compressed(info: zipfile.ZipInfo) -> bool:
    return info.file_size > RATIO_FLOOR and info.file_size / max(info.compress_size, 1) > MAX_RATIO


def _shown(name: str) -> str:
    return "".join(char if char.isprintable() else "?" for char in name)[:80]


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read in chunks, never past the declared size (the header is not trusted)."""
    info = archive.getinfo(name)
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise ContainerError(BOMB)
                chunks.append(chunk)
    except ContainerError:
        raise
    except Exception as exc:      # bad CRC, corrupt deflate stream, truncated data…
        raise ContainerError(f"fichier altéré ou incomplet : « {name} » est illisible") from exc
    return b"".join(chunks)


def _declared_parts(manifest: dict) -> list[dict]:
    """The manifest's parts, each well formed and named once; anything else is a bad manifest."""
    parts = manifest.get("parts")
    if not isinstance(parts, list) or not _is_count(manifest.get("op_count")):
        raise ContainerError(BAD_MANIFEST)
    names = set()
    for part in parts:
        if not (isinstance(part, dict) and isinstance(part.get("name"), str)
                and isinstance(part.get("sha256"), str) and _is_count(part.get("bytes"))):
            raise ContainerError(BAD_MANIFEST)
        name = part["name"]
        if _OPS_PART.fullmatch(name):
            valid = _is_count(part.get("ops"))
        else:
            valid = name == f"blobs/{part['sha256']}" and bool(_BLOB_PART.fullmatch(name))
        if not valid or name in names:
            raise ContainerError(BAD_MANIFEST)
        names.add(name)
    return parts


def _contents(archive: zipfile.ZipFile, manifest: dict) -> Package:
    parts = _declared_parts(manifest)
    present = set(archive.namelist()) - _FIXED
    unlisted = sorted(present - {part["name"] for part in parts})
    if unlisted:
        raise ContainerError(f"fichier altéré : « {unlisted[0]} » n'est pas annoncé dans le manifeste")
    ops: list[dict] = []
    blobs: dict[str, bytes] = {}
    for part in parts:
        name = part["name"]
        if name not in present:
            raise ContainerError(f"fichier altéré ou incomplet : « {name} » manque")
        if archive.getinfo(name).file_size != part["bytes"]:
            raise ContainerError(MISMATCH.format(name))
        data = _member(archive, name)
        if len(data) != part["bytes"] or hashlib.sha256(data).hexdigest() != part["sha256"]:
            raise ContainerError(MISMATCH.format(name))
        if name.startswith("ops/"):
            part_ops = _parse_ops(data, name)
            if len(part_ops) != part["ops"]:
                raise ContainerError(MISMATCH.format(name))
            ops.extend(part_ops)
        else:
            blobs[part["sha256"]] = data
    if len(ops) != manifest["op_count"]:
        raise ContainerError(MISMATCH.format(MANIFEST))
    return Package(manifest, ops, blobs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_ops(data: bytes, name: str) -> list[dict]:
    """One JSON object per line, each line ended by '\\n' (split on '\\n' only: U+2028 is text)."""
    invalid = ContainerError(f"{UNREADABLE} : « {name} » contient une ligne invalide")
    try:
        text = data.decode("utf-8")
        if text and not text.endswith("\n"):
            raise invalid
        ops = [json.loads(line, parse_constant=_no_constant) for line in text.split("\n")[:-1]]
    except ValueError:
        raise invalid from None
    if not all(isinstance(op, dict) for op in ops):
        raise invalid
    return ops
