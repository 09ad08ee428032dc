"""This computer's device key (Ed25519): it signs the sync files the computer writes.

Its private part never sits in clear on disk: it is stored encrypted (PKCS#8) under a
random secret that Windows protects with DPAPI (user account) and other systems keep in a
0600 file. The key file records the machine it was made on: copied to another computer it
is not used, and that computer makes its own key (to be enrolled at the office).
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..domain.ids import now_iso
from .identity import machine_fingerprint

log = logging.getLogger(__name__)

KEY_FILE = "device-key.json"
SECRET_FILE = "device-secret.bin"
KEY_FILE_FORMAT = "carnet-petr-device-key"


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def keys_dir_for(db_path: Path) -> Path:
    return Path(db_path).resolve().parent / "keys"


@dataclass(frozen=True)
class DeviceKey:
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    raw = base64.b64decode(text.encode(), validate=True)
    if len(raw) != 32:
        raise ValueError("clé publique de longueur invalide")
    return Ed25519PublicKey.from_public_bytes(raw)


def load_or_create_device_key(keys_dir: Path) -> DeviceKey:
    """This computer's key, made on first use (or when the key file came from elsewhere)."""
    path = keys_dir / KEY_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("machine") == machine_fingerprint():
            secret = _unprotect(keys_dir, stored)
            private = serialization.load_pem_private_key(stored["private_key"].encode(), password=secret)
            if isinstance(private, Ed25519PrivateKey):
                return DeviceKey(private)
        log.warning("device key file made on another computer: a new key is made")
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError, OSError) as exc:
        log.warning("device key unreadable (%s): a new key is made", type(exc).__name__)
    return _create(keys_dir)


def _create(keys_dir: Path) -> DeviceKey:
    keys_dir.mkdir(parents=True, exist_ok=True)
    key = DeviceKey(Ed25519PrivateKey.generate())
    secret = secrets.token_bytes(32)
    pem = key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(secret))
    record = {"format": KEY_FILE_FORMAT, "machine": machine_fingerprint(), "created_at": now_iso(),
              "key_id": key.key_id, "public_key": key.public_b64, "private_key": pem.decode(),
              **_protect(keys_dir, secret)}
    _write_private(keys_dir / KEY_FILE, json.dumps(record, indent=1).encode())
    return key


def _protect(keys_dir: Path, secret: bytes) -> dict[str, str]:
    if sys.platform == "win32":
        return {"protection": "dpapi", "secret": base64.b64encode(_dpapi(secret, protect=True)).decode()}
    _write_private(keys_dir / SECRET_FILE, secret)
    return {"protection": "file"}


def _unprotect(keys_dir: Path, stored: dict) -> bytes:
    if stored.get("protection") == "dpapi":
        return _dpapi(base64.b64decode(stored["secret"]), protect=False)
    return (keys_dir / SECRET_FILE).read_bytes()


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by the user only, atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _dpapi(data: bytes, protect: bool) -> bytes:
    """CryptProtectData / CryptUnprotectData of the current Windows user (ctypes, no dependency)."""
    import ctypes
    from ctypes import wintypes

    class Blob(ctypes.Structure):
        _fields_ = [("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char))]

    crypt32 = ctypes.windll.crypt32  # type: ignore[attr-defined]
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    buffer = ctypes.create_string_buffer(data, len(data))
    source = Blob(len(data), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char)))
    result = Blob()
    call = crypt32.CryptProtectData if protect else crypt32.CryptUnprotectData
    if not call(ctypes.byref(source), None, None, None, None, 0x1, ctypes.byref(result)):  # UI_FORBIDDEN
        raise OSError("DPAPI a refusé l'opération")
    try:
        return ctypes.string_at(result.pbData, result.cbData)
    finally:
        kernel32.LocalFree(result.pbData)


