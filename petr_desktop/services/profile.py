"""The user of this device (author of changes, signer) and the device's sync status."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ..storage.database import raw_connection
from .errors import InvalidValueError
from .uow import reading, transactional


@dataclass(frozen=True)
class Profile:
    user_name: str
    user_role: str
    user_initials: str
    device_name: str
    replica_id: str

    @property
    def is_complete(self) -> bool:
        return bool(self.user_name.strip() and self.user_initials.strip())


@reading
def get_profile(session: Session) -> Profile:
    row = raw_connection(session).execute(
        "SELECT user_name, user_role, user_initials, replica_name, replica_id FROM sync_local WHERE id = 1"
    ).fetchone()
    return Profile(*row)


@transactional
def set_profile(session: Session, user_name: str, user_role: str, user_initials: str,
                device_name: str) -> Profile:
    initials = user_initials.strip().upper()
    if not user_name.strip():
        raise InvalidValueError("indiquez votre nom : il signe vos relevés et vos modifications")
    if not 1 <= len(initials) <= 4 or not initials.replace(".", "").isalpha():
        raise InvalidValueError("les initiales comptent de 1 à 4 lettres (exemple : IK)")
    if not device_name.strip():
        raise InvalidValueError("donnez un nom à cet ordinateur (exemple : Portable d'Isabelle)")
    raw_connection(session).execute(
        "UPDATE sync_local SET user_name = ?, user_role = ?, user_initials = ?, replica_name = ? WHERE id = 1",
        (user_name.strip(), user_role.strip(), initials, device_name.strip()))
    return get_profile(session)


@reading
def unsynced_changes(session: Session) -> int:
    """Own changes (ops) not yet sent in a sync file."""
    return raw_connection(session).execute(
        "SELECT seq - exported_seq FROM sync_local WHERE id = 1").fetchone()[0]
