"""Storage failures, each with the French message shown to the user."""
from __future__ import annotations


class StorageError(Exception):
    """Base class: ``str(error)`` is a French sentence for the user."""


class NewerDatabaseError(StorageError):
    def __init__(self, revision: str) -> None:
        super().__init__(
            "Cette base de données a été créée par une version plus récente de Carnet PETR "
            f"(schéma « {revision} »). Installez la dernière version de l'application pour l'ouvrir ; "
            "la base n'a pas été modifiée.")


class NotPetrDatabaseError(StorageError):
    def __init__(self, path: object) -> None:
        super().__init__(f"Le fichier « {path} » n'est pas une base de données Carnet PETR.")


class CorruptDatabaseError(StorageError):
    def __init__(self, path: object, detail: str) -> None:
        super().__init__(
            f"La base de données « {path} » est endommagée ou illisible ({detail}). "
            "Restaurez la dernière sauvegarde.")


class DatabaseLockedError(StorageError):
    def __init__(self) -> None:
        super().__init__("La base de données est occupée par un autre programme ; réessayez dans un instant.")
