"""Service failures; ``str(error)`` is the French message shown to the user."""
from __future__ import annotations

import errno


class ServiceError(Exception):
    pass


class NotFoundError(ServiceError):
    pass


class InvalidValueError(ServiceError):
    pass


class FrozenRecordError(ServiceError):
    pass


class TransitionError(ServiceError):
    pass


_OS_MESSAGES = {
    errno.ENOSPC: "le disque est plein : libérez de la place puis recommencez",
    errno.EACCES: "accès refusé (le fichier est peut-être ouvert dans un autre programme, ou protégé)",
    errno.EPERM: "opération non permise sur ce fichier",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EROFS: "le support est en lecture seule",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EEXIST: "le fichier existe déjà",
}


def describe_os_error(exc: OSError) -> str:
    """A French sentence for a file-system failure (disk full, file locked, missing...)."""
    reason = _OS_MESSAGES.get(exc.errno or 0)
    if reason is None and getattr(exc, "winerror", None) in (32, 33):     # sharing / lock violation
        reason = "le fichier est ouvert dans un autre programme (Excel ?) : fermez-le puis recommencez"
    reason = reason or f"erreur d'entrée-sortie ({exc.strerror or exc})"
    where = exc.filename
    return f"{reason} : « {where} »" if where else reason


def describe_sqlite_error(exc: Exception) -> str:
    text = str(exc).lower()
    if "full" in text:
        return "le disque est plein : la base n'a pas été modifiée ; libérez de la place puis recommencez"
    if "locked" in text or "busy" in text:
        return "la base est occupée par un autre programme ; réessayez dans un instant"
    if "readonly" in text or "read-only" in text:
        return "la base est en lecture seule (droits du fichier ou du dossier)"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "la base de données est endommagée ou illisible ; restaurez la dernière sauvegarde"
    return f"accès à la base impossible ({exc})"
