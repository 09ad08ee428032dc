"""A zip of files with a ``manifest.json`` (size and SHA-256 of each file) and a French ``LISEZMOI.txt``.

Pure packaging: the service gathers the files (PDF, Excel) and writes the result atomically.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

MANIFEST = "manifest.json"
README = "LISEZMOI.txt"
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass(frozen=True)
class ZipItem:
    """A file of the archive: ``name`` is its path inside the zip (« / » between folders)."""

    name: str
    data: bytes


def safe_name(text: str, limit: int = 120) -> str:
    """A file or folder name valid on Windows: forbidden characters replaced, no trailing dot or space."""
    cleaned = _FORBIDDEN.sub("-", text).strip().rstrip(". ")
    cleaned = re.sub(r"\s+", " ", cleaned)
    return (cleaned[:limit].rstrip(". ") or "sans titre")


def unique_names(items: Iterable[ZipItem]) -> list[ZipItem]:
    """Same order; a repeated name gets « (2) », « (3) »… before its extension (case-insensitive)."""
    seen: set[str] = {MANIFEST.lower(), README.lower()}
    result = []
    for item in items:
        name = item.name
        stem, dot, ext = name.rpartition(".")
        if not dot or "/" in ext:
            stem, dot, ext = name, "", ""
        counter = 2
        while name.lower() in seen:
            name = f"{stem} ({counter}){dot}{ext}"
            counter += 1
        seen.add(name.lower())
        result.append(ZipItem(name, item.data))
    return result


def manifest(items: list[ZipItem], version: str, generated_at: datetime) -> dict:
    """Name, size and SHA-256 of every file, when and by which version of the application."""
    return {
        "application": "Carnet PETR",
        "version": version,
        "genere_le": generated_at.isoformat(timespec="seconds"),
        "algorithme": "SHA-256",
        "fichiers": [{"nom": item.name, "taille_octets": len(item.data),
                      "sha256": hashlib.sha256(item.data).hexdigest()} for item in items],
    }


def readme_text(title: str, structures: list[str], generated_at: datetime, version: str,
                contents: list[str]) -> str:
    """The French LISEZMOI: what the archive holds and how to check it."""
    when = generated_at.strftime("%d/%m/%Y à %H:%M")
    lines = [title, "=" * len(title), "",
             f"Archive produite par Carnet PETR {version} le {when}.", ""]
    if len(structures) == 1:
        lines.append(f"Structure : {structures[0]}")
    else:
        lines.append(f"Structures ({len(structures)}) : un dossier par structure.")
        lines.extend(f"  - {name}" for name in structures)
    lines += ["", "Contenu :"] + [f"  - {line}" for line in contents] + [
        "",
        "Contrôle d'intégrité :",
        f"  Le fichier {MANIFEST} donne, pour chaque fichier, sa taille en octets et son empreinte SHA-256.",
        "  Pour vérifier un fichier sous Windows, dans PowerShell :",
        "      Get-FileHash -Algorithm SHA256 \"nom du fichier\"",
        "  ou dans l'invite de commandes :",
        "      certutil -hashfile \"nom du fichier\" SHA256",
        "  L'empreinte affichée doit être identique à celle du manifeste ; sinon, le fichier a été modifié.",
        "",
        "Les relevés non signés et les fiches non validées portent la mention « PROJET » : ils ne valent",
        "pas version définitive.",
        "Ces documents contiennent des noms et des coordonnées professionnelles : ne les diffusez qu'aux",
        "personnes concernées (RGPD).",
        ""]
    return "\r\n".join(lines)


def build_zip(items: list[ZipItem], readme: str, version: str, generated_at: datetime) -> bytes:
    """The archive as bytes: the files, then LISEZMOI.txt and manifest.json (which lists every other file)."""
    files = unique_names(items) + [ZipItem(README, readme.encode("utf-8"))]
    stamp = generated_at.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            archive.writestr(_info(item.name, stamp), item.data)
        listing = json.dumps(manifest(files, version, generated_at), ensure_ascii=False, indent=2)
        archive.writestr(_info(MANIFEST, stamp), (listing + "\n").encode("utf-8"))
    return out.getvalue()


def _info(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
