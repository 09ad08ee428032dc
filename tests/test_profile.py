import sqlite3

import pytest

from petr_desktop.domain.models import Person
from petr_desktop.services import profile, records
from petr_desktop.services.errors import InvalidValueError


def test_profile_is_stored_and_authors_the_next_changes(db):
    assert not profile.get_profile(db).is_complete
    saved = profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "ik", "Portable d'Isabelle")
    assert (saved.user_initials, saved.device_name, saved.is_complete) == ("IK", "Portable d'Isabelle", True)
    records.create(db, Person, full_name="Hélène Roux")
    with sqlite3.connect(db.path) as conn:
        author = conn.execute("SELECT author FROM sync_batch ORDER BY hlc DESC LIMIT 1").fetchone()[0]
    assert author == "IK Isabelle Kuntz"


@pytest.mark.parametrize("args,message", [(("", "r", "IK", "PC"), "votre nom"),
                                          (("Isa", "r", "I2K", "PC"), "initiales"),
                                          (("Isa", "r", "IK", " "), "nom à cet ordinateur")])
def test_profile_checks(db, args, message):
    with pytest.raises(InvalidValueError, match=message):
        profile.set_profile(db, *args)


def test_unsynced_changes_count_own_ops(empty_db):
    from petr_desktop.services import reference

    assert profile.unsynced_changes(empty_db) == 0
    reference.load_reference(empty_db)
    before = profile.unsynced_changes(empty_db)
    assert before > 0                                   # the reference data itself
    records.create(empty_db, Person, full_name="A")
    assert profile.unsynced_changes(empty_db) == before + len(set(Person.model_fields) - {"id", "updated_at"})


def test_a_copied_database_owes_nothing_of_its_original(db):
    """The `db` fixture is a copy of a database with the reference data: another replica wrote them."""
    assert profile.unsynced_changes(db) == 0
