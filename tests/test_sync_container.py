"""Sync files: round trip, encryption, and refusal of every kind of damaged or hostile file."""
from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import random
import re
import struct
import time
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petr_desktop.sync import container
from petr_desktop.sync.container import (EXTENSION, FORMAT, FORMAT_VERSION, MAGIC, WRONG_PASSPHRASE,
                                         ContainerError, Package, PassphraseNeeded, default_file_name,
                                         is_encrypted, peek_manifest, read_package, write_package)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
MIB = 1 << 20
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_for(_manifest: dict):
    return KEY.public_key()


MANIFEST = {
    "file_id": "0192f0c4-7b1e-7cc0-8000-000000000001",
    "sender": {"replica_id": "replica-marie", "name": "Portable de Hélène", "key_id": "cle-1"},
    "schema_revision": 7, "app_version": "1.4.0", "have_vv": {"replica-marie": 10},
    "batches": [{"batch_id": "b1", "ctx_vv": {"replica-marie": 10}}],
    "created_at": "2026-11-28T14:32:00+01:00",
}
OPS = [{"op_id": f"op-{seq:02d}", "seq": seq, "table": "minutes", "field": "notes", "kind": "set",
        "value": json.dumps(f"Réunion nº{seq} « à l'ordre du jour »\nligne\u2028séparée\x85fin")}
       for seq in range(1, 11)]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
BLOBS = {sha(PDF): PDF, sha(b""): b""}


def write(target: Path, **options) -> Path:
    arguments = {"manifest": MANIFEST, "ops": OPS, "blobs": BLOBS, "sign": KEY.sign, "ops_per_part": 4}
    return write_package(target, **(arguments | options))


def read(path: Path, passphrase: str | None = None) -> Package:
    return read_package(path, key_for, passphrase)


def refused(path: Path, *words: str, passphrase: str | None = None) -> str:
    """Reading fails with a ContainerError whose French message holds every word."""
    with pytest.raises(ContainerError) as info:
        read(path, passphrase)
    message = str(info.value)
    assert all(word in message for word in words), message
    return message


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(path: Path, files: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # duplicate names on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in (files.items() if isinstance(files, dict) else files):
                archive.writestr(name, data)
    return path


def forge(path: Path, replace: dict[str, bytes] | None = None, **manifest_changes) -> Path:
    """A hostile but properly signed file: parts re-hashed, manifest changed and signed again."""
    files = members(path) | (replace or {})
    manifest = json.loads(files["manifest.json"])
    for part in manifest["parts"]:
        if part["name"] in files and part["name"].startswith("ops/"):
            part.update(sha256=sha(files[part["name"]]), bytes=len(files[part["name"]]))
    manifest.update(manifest_changes)
    files["manifest.json"] = json.dumps(manifest).encode()
    files["manifest.sig"] = KEY.sign(files["manifest.json"])
    return rezip(path, files)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty destination folder (so that a leftover file is noticed)."""
    path = tmp_path / "cle-usb"
    path.mkdir()
    return path


@pytest.fixture
def valid(folder: Path) -> Path:
    return write(folder / "envoi.petrsync")


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small encrypted file (written once: scrypt is slow on purpose)."""
    return write(tmp_path_factory.mktemp("chiffre") / "secret", ops=OPS[:2], blobs={}, passphrase="correct").read_bytes()


def header(version: int = 1, log2n: int = 15, r: int = 8, p: int = 1) -> bytes:
    return MAGIC + bytes([version, log2n, r, p]) + bytes(28)


# ------------------------------------------------------------------------------------- round trip

def test_round_trip(folder: Path):
    caller_manifest = json.loads(json.dumps(MANIFEST))
    path = write(folder / "envoi.petrsync", manifest=caller_manifest)
    package = read(path)
    assert package.ops == OPS
    assert package.blobs == BLOBS
    manifest = package.manifest
    assert (manifest["format"], manifest["format_version"], manifest["op_count"]) == (FORMAT, FORMAT_VERSION, 10)
    assert {key: manifest[key] for key in MANIFEST} == MANIFEST
    assert caller_manifest == MANIFEST                 # the caller's dict is left alone
    ops_parts = [part for part in manifest["parts"] if part["name"].startswith("ops/")]
    assert [(part["name"], part["ops"]) for part in ops_parts] == [
        ("ops/000001.jsonl", 4), ("ops/000002.jsonl", 4), ("ops/000003.jsonl", 2)]
    blob_parts = {part["name"]: part for part in manifest["parts"] if part["name"].startswith("blobs/")}
    assert blob_parts[f"blobs/{sha(PDF)}"] == {"name": f"blobs/{sha(PDF)}", "sha256": sha(PDF), "bytes": len(PDF)}
    assert peek_manifest(path) == manifest
    assert not is_encrypted(path)
    assert os.listdir(folder) == ["envoi.petrsync"]      # no temporary file left


def test_the_file_is_a_zip_of_allow_listed_members(valid: Path):
    assert zipfile.is_zipfile(valid)
    files = members(valid)
    assert sorted(files) == sorted(["LISEZMOI.txt", "manifest.json", "manifest.sig", "ops/000001.jsonl",
                                    "ops/000002.jsonl", "ops/000003.jsonl", f"blobs/{sha(PDF)}", f"blobs/{sha(b'')}"])
    with zipfile.ZipFile(valid) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    manifest = json.loads(files["manifest.json"].decode("utf-8"))
    assert files["manifest.json"].decode("utf-8") == json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2)
    assert "Hélène" in files["manifest.json"].decode("utf-8")          # not \u-escaped
    KEY.public_key().verify(files["manifest.sig"], files["manifest.json"])
    assert len(files["manifest.sig"]) == 64
    for part in manifest["parts"]:
        assert (sha(files[part["name"]]), len(files[part["name"]])) == (part["sha256"], part["bytes"])
    first = files["ops/000001.jsonl"]
    assert first.endswith(b"\n") and first.count(b"\n") == 4
    line = first.split(b"\n")[0]
    assert line == json.dumps(OPS[0], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_lisezmoi_says_in_french_what_the_file_is(valid: Path):
    text = members(valid)["LISEZMOI.txt"].decode("utf-8-sig")
    for words in ("Fichier de synchronisation de Carnet PETR", "Portable de Hélène", "28/11/2026 à 14:32",
                  "Nombre de modifications : 10", "« Synchronisation › Importer un fichier »", "Ne modifiez pas"):
        assert words in text


def test_empty_package_round_trips(tmp_path: Path):
    package = read(write(tmp_path / "vide", ops=[], blobs={}))
    assert (package.ops, package.blobs, package.manifest["op_count"], package.manifest["parts"]) == ([], {}, 0, [])


def test_highly_compressible_member_is_stored_so_the_reader_accepts_it(tmp_path: Path):
    zeros = bytes(2 * MIB)
    path = write(tmp_path / "zeros", blobs={sha(zeros): zeros})
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(f"blobs/{sha(zeros)}").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("ops/000001.jsonl").compress_type == zipfile.ZIP_DEFLATED
    assert read(path).blobs == {sha(zeros): zeros}


def test_file_path_gets_the_extension_and_a_folder_gets_the_default_name(tmp_path: Path, folder: Path):
    assert write(tmp_path / "envoi") == tmp_path / f"envoi{EXTENSION}"
    assert write(tmp_path / "envoi.zip") == tmp_path / "envoi.zip"
    first, second = write(folder), write(folder)
    assert first != second and first.parent == second.parent == folder       # never overwritten
    assert re.fullmatch(r"carnet-petr_Portable-de-Helene_\d{4}-\d\d-\d\d_\d{4}(-2)?\.petrsync", first.name)
    assert sorted(os.listdir(folder)) == sorted([first.name, second.name])
    assert read(first).ops == read(second).ops == OPS


def test_writing_again_replaces_the_file(valid: Path):
    write(valid, ops=OPS[:1])
    assert read(valid).ops == OPS[:1]
    assert os.listdir(valid.parent) == [valid.name]


@pytest.mark.parametrize(("name", "expected"), [
    ("Portable Marie", "carnet-petr_Portable-Marie_2026-11-28_1432.petrsync"),
    ("Poste de Hélène / Ça? *Œuvre*: <x>|\"y\"\\", "carnet-petr_Poste-de-Helene-Ca-uvre-x-y_2026-11-28_1432.petrsync"),
    ("  ...  ", "carnet-petr_poste_2026-11-28_1432.petrsync"),
    ("Ｍａｒｉｅ ﬁn", "carnet-petr_Marie-fin_2026-11-28_1432.petrsync"),
])
def test_default_file_name(name: str, expected: str):
    assert default_file_name(name, datetime(2026, 11, 28, 14, 32, 59)) == expected


@settings(max_examples=60)
@given(st.text(max_size=60))
def test_default_file_name_is_always_safe(name: str):
    result = default_file_name(name, datetime(2027, 1, 2, 3, 4))
    assert result.isascii() and len(result) < 90
    assert re.fullmatch(r"carnet-petr_[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?_2027-01-02_0304\.petrsync", result)


def test_writer_refuses_bad_input(folder: Path):
    with pytest.raises(ValueError):
        write(folder / "a", blobs={sha(b"x"): b"y"})
    with pytest.raises(TypeError):
        write(folder / "b", ops=[["not", "a", "dict"]])
    with pytest.raises(ValueError):
        write(folder / "c", ops_per_part=0)
    with pytest.raises(ValueError):
        write(folder / "d", sign=lambda data: KEY.sign(data)[:32])
    assert _empty(folder)


def test_module_is_pure_file_io_and_crypto():
    tree = ast.parse(Path(container.__file__).read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in {"PySide6", "sqlite3", "sqlalchemy", "sqlmodel"}}
    assert all(node.level == 0 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))


# ------------------------------------------------------------------------------------- encryption

def test_encrypted_round_trip(tmp_path: Path):
    path = write(tmp_path / "secret", passphrase="Mot de passe très long")
    data = path.read_bytes()
    assert data[:13] == MAGIC and list(data[13:17]) == [1, 15, 8, 1]
    assert not zipfile.is_zipfile(path) and b"manifest" not in data and b"Helene" not in data
    assert is_encrypted(path)
    package = read(path, "Mot de passe très long")
    assert (package.ops, package.blobs) == (OPS, BLOBS)
    assert peek_manifest(path, "Mot de passe très long")["sender"]["name"] == "Portable de Hélène"


def test_encryption_is_salted():
    first, second = container._encrypt(b"z", "x"), container._encrypt(b"z", "x")
    assert first[:17] == second[:17] and first[17:45] != second[17:45] and first[45:] != second[45:]


def test_encrypted_file_needs_the_right_passphrase(folder: Path, encrypted: bytes):
    path = folder / "secret.petrsync"
    path.write_bytes(encrypted)
    with pytest.raises(PassphraseNeeded, match="protégé par un mot de passe : saisissez-le"):
        read(path)
    with pytest.raises(PassphraseNeeded):
        peek_manifest(path)
    assert refused(path, passphrase="Correct") == WRONG_PASSPHRASE


@pytest.mark.parametrize("offset", [16, 17, 32, 33, 44, 45, 300, -1])    # p, salt, nonce, ciphertext, tag
def test_tampered_encrypted_file_looks_like_a_wrong_passphrase(folder: Path, encrypted: bytes, offset: int):
    path = folder / "secret.petrsync"
    data = bytearray(encrypted)
    data[offset] ^= 0x03 if offset == 16 else 0x80      # p 1 -> 2: still within the accepted range
    path.write_bytes(data)
    assert refused(path, passphrase="correct") == WRONG_PASSPHRASE


@pytest.mark.parametrize(("offset", "value"), [(14, 30), (14, 13), (14, 255), (15, 0), (15, 200), (16, 0), (16, 9)])
def test_hostile_scrypt_parameters_refused_before_any_work(valid: Path, encrypted: bytes, offset: int, value: int):
    data = bytearray(encrypted)
    data[offset] = value
    valid.write_bytes(data)
    start = time.perf_counter()
    for passphrase in ("correct", None):
        refused(valid, "fichier suspect", "paramètres de chiffrement", passphrase=passphrase)
    assert time.perf_counter() - start < 0.05


def test_damaged_encryption_header(valid: Path):
    for data in (MAGIC, header()[:30], header()[:-1]):
        valid.write_bytes(data)
        refused(valid, "archive illisible ou tronquée", passphrase="x")
    valid.write_bytes(header(version=2) + b"x" * 40)
    refused(valid, "version plus récente", "chiffrement 2", passphrase="x")
    valid.write_bytes(header(version=0) + b"x" * 40)
    assert refused(valid, passphrase="x") == WRONG_PASSPHRASE


def test_plain_file_read_with_a_passphrase_is_just_read(valid: Path):
    assert read(valid, "inutile").ops == OPS


# ----------------------------------------------------------------------------------- refused files

def test_truncated_file_refused(valid: Path):
    data = valid.read_bytes()
    for cut in sorted({0, 1, 4, 22, 30, 100, len(data) - 22, len(data) - 1} | set(range(0, len(data), 97))):
        valid.write_bytes(data[:cut])
        refused(valid)
    valid.write_bytes(b"")
    refused(valid, "n'est pas un fichier de synchronisation Carnet PETR", "archive illisible ou tronquée")


def test_every_single_bit_flip_is_refused_or_harmless(tmp_path: Path):
    """Flip a bit at every byte of a small file: refused, or (an unused ZIP field) read unchanged."""
    path = write(tmp_path / "petit", ops=OPS[:2], blobs={sha(b"pj"): b"pj"})
    original, expected = path.read_bytes(), read(path)
    outcomes = {"refused": 0, "intact": 0}
    for offset in range(len(original)):
        data = bytearray(original)
        data[offset] ^= 1 << (offset % 8)
        path.write_bytes(data)
        try:
            package = read(path)
        except ContainerError as exc:
            assert str(exc) and type(exc) is ContainerError
            outcomes["refused"] += 1
        else:
            assert package == expected, offset
            outcomes["intact"] += 1
    assert outcomes["refused"] > len(original) // 2, outcomes     # the rest: dates, local headers, LISEZMOI.txt


def test_manifest_modified_without_signing_again(valid: Path):
    files = members(valid)
    manifest = json.loads(files["manifest.json"])
    manifest["sender"]["name"] = "Portable de Bob"
    files["manifest.json"] = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2).encode()
    rezip(valid, files)
    refused(valid, "signature invalide", "modifié")
    assert peek_manifest(valid)["sender"]["name"] == "Portable de Bob"     # peek does not check


def test_signature_of_another_device_or_damaged(valid: Path):
    with pytest.raises(ContainerError, match="signature invalide"):
        read_package(valid, lambda _manifest: OTHER_KEY.public_key())
    for signature in (b"", b"x" * 10, b"\x00" * 64, b"x" * 65):
        rezip(valid, members(valid) | {"manifest.sig": signature})
        refused(valid, "signature invalide")


def test_unsigned_file_refused(valid: Path):
    files = members(valid)
    del files["manifest.sig"]
    refused(rezip(valid, files), "fichier non signé", "import refusé")


def test_unknown_device_error_goes_through_unchanged(valid: Path):
    error = ContainerError("appareil inconnu : « Portable de Hélène » n'est pas enrôlé")
    seen = []

    def unknown(manifest):
        seen.append(manifest["sender"]["key_id"])
        raise error
    with pytest.raises(ContainerError) as info:
        read_package(valid, unknown)
    assert info.value is error and seen == ["cle-1"]


@pytest.mark.parametrize("name", ["ops/000002.jsonl", f"blobs/{sha(PDF)}"])
def test_part_modified_with_the_manifest_untouched(valid: Path, name: str):
    files = members(valid)
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01
    refused(rezip(valid, files | {name: bytes(data)}), "fichier altéré ou incomplet", name, "ne correspond pas au manifeste")
    refused(rezip(valid, files | {name: files[name] + b"\n"}), "fichier altéré", name)


def test_part_missing_or_not_announced(valid: Path):
    files = members(valid)
    refused(rezip(valid, {k: v for k, v in files.items() if k != "ops/000003.jsonl"}),
            "fichier altéré ou incomplet", "ops/000003.jsonl", "manque")
    extra = files | {"ops/000004.jsonl": files["ops/000003.jsonl"]}
    refused(rezip(valid, extra), "fichier altéré", "ops/000004.jsonl", "n'est pas annoncé")
    refused(rezip(valid, files | {f"blobs/{sha(b'x')}": b"x"}), "n'est pas annoncé")


@pytest.mark.parametrize("name", [
    "../evil.txt", "ops/../x", "ops/../../manifest.json", "C:\\x", "/etc/passwd", "ops\\000009.jsonl", "ops/",
    "blobs/", "ops/1.jsonl", "ops/٠٠٠٠٠١.jsonl", "ops/000009.jsonl/", "blobs/" + "A" * 64, "blobs/" + "a" * 63,
    "Manifest.json", "LISEZMOI.txt.exe", "manifest.json\n", "mimetype", "ops/000009.jsonl\x00.exe", "\x00evil"])
def test_unexpected_member_names_refused(valid: Path, name: str):
    placeholder = name.replace("\x00", "#")         # zipfile cuts written names at a NUL: patch it in
    rezip(valid, list(members(valid).items()) + [(placeholder, b"x")])
    valid.write_bytes(valid.read_bytes().replace(placeholder.encode(), name.encode()))
    refused(valid, "élément interdit dans le fichier", "import refusé")


def test_duplicate_member_refused(valid: Path):
    files = list(members(valid).items())
    refused(rezip(valid, files + [files[3]]), "élément en double", files[3][0])


def test_zip_bomb_refused_before_inflating(valid: Path):
    """300 MB of zeros compressed to about 1.3 MB (written in chunks, never held in memory)."""
    chunk, digest = bytes(MIB), hashlib.sha256()
    for _ in range(300):
        digest.update(chunk)
    files = members(valid)
    with zipfile.ZipFile(valid, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        with archive.open(f"blobs/{digest.hexdigest()}", "w") as stream:
            for _ in range(300):
                stream.write(chunk)
    assert valid.stat().st_size < 2 * MIB
    start = time.perf_counter()
    refused(valid, "fichier suspect (archive anormalement compressée) : import refusé")
    with pytest.raises(ContainerError, match="anormalement compressée"):
        peek_manifest(valid)
    assert time.perf_counter() - start < 0.5


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Make the central directory lie about one member's uncompressed size."""
    out = bytearray(data)
    entry = out.rfind(name.encode()) - 46
    assert out[entry:entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", out, entry + 24, size)
    return bytes(out)


def test_member_lying_about_its_size_is_not_trusted(valid: Path):
    """20 MB of zeros declared as 1,000 bytes (so no ratio alarm): reading stops there, refused."""
    zeros = bytes(20 * MIB)
    name = f"blobs/{sha(zeros[:1000])}"
    manifest = json.loads(members(valid)["manifest.json"])
    manifest["parts"].append({"name": name, "sha256": sha(zeros[:1000]), "bytes": 1000})
    forge(valid, replace={name: zeros}, parts=manifest["parts"])
    valid.write_bytes(_declare_size(valid.read_bytes(), name, 1000))
    start = time.perf_counter()
    refused(valid, "fichier altéré ou incomplet", name)
    assert time.perf_counter() - start < 0.5
    valid.write_bytes(_declare_size(valid.read_bytes(), "ops/000001.jsonl", 5000))
    refused(valid, "ops/000001.jsonl", "ne correspond pas au manifeste")


@pytest.mark.parametrize(("limit", "value", "words"), [
    ("MAX_MEMBERS", 5, "fichier suspect (trop d'éléments dans l'archive)"),
    ("MAX_MEMBER_BYTES", len(PDF) - 1, "fichier suspect (contenu trop volumineux)"),
    ("MAX_TOTAL_BYTES", len(PDF) + 100, "fichier suspect (contenu trop volumineux)"),
    ("MAX_FILE_BYTES", 1000, "fichier suspect (contenu trop volumineux)"),
])
def test_limits(valid: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, words: str):
    read(valid)
    monkeypatch.setattr(container, limit, value)
    refused(valid, words)


def test_newer_format_refused_with_an_update_message(valid: Path):
    forge(valid, format_version=FORMAT_VERSION + 1)
    message = refused(valid, "version plus récente de Carnet PETR", f"format {FORMAT_VERSION + 1}", "mettez l'application à jour")
    with pytest.raises(ContainerError, match="version plus récente"):
        peek_manifest(valid)
    assert message.startswith("ce fichier vient")


@pytest.mark.parametrize("content", [b"", os.urandom(3000), b"PK\x03\x04" + os.urandom(500), b"PK\x05\x06" + bytes(18),
                                     "Bonjour, ceci est un texte\n".encode() * 50, MAGIC])
def test_not_a_sync_file(tmp_path: Path, content: bytes):
    path = tmp_path / "x.petrsync"
    path.write_bytes(content)
    refused(path)
    with pytest.raises(ContainerError):
        peek_manifest(path)


def test_foreign_zip_refused(tmp_path: Path):
    xlsx = rezip(tmp_path / "classeur.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"})
    refused(xlsx, "n'est pas un fichier de synchronisation Carnet PETR")
    for manifest in (b"pas du json", b"\xff\xfe", b"[1, 2]", json.dumps({"format": "autre"}).encode()):
        refused(rezip(xlsx, {"manifest.json": manifest}), "n'est pas un fichier de synchronisation Carnet PETR")


def test_missing_file_or_folder(tmp_path: Path):
    for path in (tmp_path / "absent.petrsync", tmp_path):
        with pytest.raises(ContainerError, match="impossible de lire"):
            read(path)
    with pytest.raises(ContainerError, match="impossible de lire"):
        is_encrypted(tmp_path / "absent.petrsync")


@pytest.mark.parametrize(("replace", "changes", "words"), [
    ({"ops/000001.jsonl": b"[1, 2]\n" * 4}, {}, "ligne invalide"),
    ({"ops/000001.jsonl": b'{"a":NaN}\n' * 4}, {}, "ligne invalide"),
    ({"ops/000001.jsonl": b'{"a":1}\n' * 3 + b'{"a":1}'}, {}, "ligne invalide"),
    ({"ops/000001.jsonl": b'{"a":1}\n' * 3 + b"\xff\n"}, {}, "ligne invalide"),
    ({"ops/000001.jsonl": b'{"a":1}\n' * 3 + b"\n"}, {}, "ligne invalide"),
    ({"ops/000001.jsonl": b'{"a":1}\n' * 3}, {}, "ne correspond pas au manifeste"),
    ({}, {"op_count": 11}, "ne correspond pas au manifeste"),
    ({}, {"format_version": "1"}, "manifeste invalide"),
    ({}, {"format_version": True}, "manifeste invalide"),
    ({}, {"format_version": 0}, "manifeste invalide"),
    ({}, {"parts": "ops/000001.jsonl"}, "manifeste invalide"),
    ({}, {"parts": [{"name": "../evil", "sha256": sha(b""), "bytes": 0}]}, "manifeste invalide"),
    ({}, {"op_count": -1}, "manifeste invalide"),
])
def test_signed_but_inconsistent_file_refused(valid: Path, replace: dict, changes: dict, words: str):
    """A hostile sender with a valid key still cannot get an inconsistent file through."""
    refused(forge(valid, replace, **changes), words)


def test_signed_duplicate_part_names_refused(valid: Path):
    parts = json.loads(members(valid)["manifest.json"])["parts"]
    refused(forge(valid, parts=parts + parts[:1]), "manifeste invalide")


# ----------------------------------------------------------------------------------------- fuzzing

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, Package]:
    path = write(tmp_path_factory.mktemp("fuzz") / "sample", ops_per_part=3)
    return path.with_name("fuzzed.petrsync"), path.read_bytes(), read(path)


def _mutate(data: bytes, draw) -> bytes:
    mutated = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(mutated) - 1, 0)))
        if kind == "flip" and mutated:
            mutated[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            mutated[at:at] = bytes([draw(st.integers(0, 255))])
        elif kind == "delete":
            del mutated[at:at + 1]
        elif kind == "truncate":
            del mutated[at:]
    return bytes(mutated)


@FUZZ
@given(st.data())
def test_fuzzed_file_is_refused_or_intact(sample, data):
    path, original, expected = sample
    mutated = _mutate(original, data.draw)
    path.write_bytes(mutated)
    try:
        package = read(path)
    except ContainerError:
        pass
    else:
        assert package == expected
    try:
        assert peek_manifest(path) == expected.manifest
    except ContainerError:
        pass


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 2**40) | st.floats(allow_nan=False) | st.text(max_size=70),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=8)
MANIFEST_KEYS = st.sampled_from(["parts", "op_count", "format_version", "format"])
PART_KEYS = st.sampled_from(["name", "sha256", "bytes", "ops"])


@settings(FUZZ, max_examples=100)
@given(changes=st.dictionaries(MANIFEST_KEYS, JSON, max_size=2), part_changes=st.dictionaries(PART_KEYS, JSON, max_size=3),
       part=st.integers(0, 4))
def test_signed_hostile_manifest_is_refused_or_consistent(sample, changes, part_changes, part):
    path, original, expected = sample
    path.write_bytes(original)
    parts = json.loads(members(path)["manifest.json"])["parts"]
    parts[part].update(part_changes)
    forge(path, **({"parts": parts} | changes))
    try:
        package = read(path)
    except ContainerError:
        return
    assert (package.ops, package.blobs) == (expected.ops, expected.blobs)


# ------------------------------------------------------------------------------------ write errors

def _empty(folder: Path) -> bool:
    return os.listdir(folder) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_write_into_a_read_only_folder(tmp_path: Path):
    folder = tmp_path / "protege"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ContainerError, match="impossible d'écrire « envoi.petrsync » : le dossier est protégé"):
            write(folder / "envoi")
        assert _empty(folder)
    finally:
        folder.chmod(0o700)


def _failing(error: OSError):
    def fail(*_args, **_kwargs):
        raise error
    return fail


@pytest.mark.parametrize(("function", "error", "message"), [
    ("fsync", OSError(errno.ENOSPC, "No space left on device"), "disque plein : le fichier de synchronisation n'a pas été écrit"),
    ("replace", PermissionError(errno.EACCES, "Permission denied"),
     "impossible d'écrire « envoi.petrsync » : le dossier est protégé ou le fichier est ouvert ailleurs"),
    ("replace", OSError(errno.EIO, "Input/output error"), "impossible d'écrire le fichier de synchronisation : Input/output error"),
])
def test_write_failure_leaves_nothing(folder: Path, monkeypatch: pytest.MonkeyPatch, function, error, message):
    monkeypatch.setattr(os, function, _failing(error))
    with pytest.raises(ContainerError) as info:
        write(folder / "envoi")
    assert str(info.value) == message
    assert _empty(folder)


def test_failed_write_keeps_the_previous_file(valid: Path, monkeypatch: pytest.MonkeyPatch):
    before = valid.read_bytes()
    monkeypatch.setattr(os, "fsync", _failing(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(ContainerError, match="disque plein"):
        write(valid, ops=OPS[:1])
    assert valid.read_bytes() == before and os.listdir(valid.parent) == [valid.name]


def test_missing_destination_folder(tmp_path: Path):
    with pytest.raises(ContainerError, match="le dossier « .*absent » n'existe pas"):
        write(tmp_path / "absent" / "envoi")


def test_written_file_is_verified_before_taking_its_name(folder: Path, monkeypatch: pytest.MonkeyPatch):
    """A device that corrupts what it stores is caught by the re-read: nothing is left behind."""
    real_fsync = os.fsync

    def corrupting_fsync(fd):
        if os.fstat(fd).st_size > 500:
            os.pwrite(fd, b"\x00" * 64, 300)
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", corrupting_fsync)
    with pytest.raises(ContainerError, match="ne se relit pas correctement"):
        write(folder / "envoi")
    assert _empty(folder)


def test_verify_key_checks_the_signature_on_write(folder: Path):
    with pytest.raises(ContainerError, match="ne se relit pas correctement.*signature invalide"):
        write(folder / "mauvais", verify_key=OTHER_KEY.public_key())
    assert _empty(folder)
    assert read(write(folder / "bon", verify_key=KEY.public_key())).ops == OPS


def test_random_bytes_never_escape_as_another_exception(tmp_path: Path):
    path, rng = tmp_path / "bruit.petrsync", random.Random(20261128)
    for size in (1, 13, 45, 100, 4096):
        path.write_bytes(rng.randbytes(size))
        refused(path)
