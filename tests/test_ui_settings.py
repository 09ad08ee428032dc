"""Paramètres and Synchronisation pages, through their widgets."""
from __future__ import annotations

import sqlite3

from conftest import type_text
from petr_desktop.domain.models import Person
from petr_desktop.services import profile, records
from petr_desktop.ui.pages.settings import SettingsPage
from petr_desktop.ui.pages.sync import SyncPage


def test_user_and_device_are_set_in_parametres(main_window, message_boxes):
    page = main_window.show_page(SettingsPage)
    assert "Renseignez votre nom" in page.status.text()
    for field, text in ((page.user_name, "Isabelle Kuntz"), (page.user_role, "Chargée de mission"),
                        (page.user_initials, "ik"), (page.device_name, "Portable d'Isabelle")):
        field.clear()
        type_text(field, text)
    page.save_button.click()
    assert page.status.text() == "Paramètres enregistrés." and page.user_initials.text() == "IK"
    saved = profile.get_profile(main_window.context.db)
    assert (saved.user_name, saved.user_role, saved.device_name) == ("Isabelle Kuntz", "Chargée de mission",
                                                                   "Portable d'Isabelle")
    records.create(main_window.context.db, Person, full_name="Hélène Roux")
    with sqlite3.connect(main_window.context.db.path) as conn:
        assert conn.execute("SELECT author FROM sync_batch ORDER BY hlc DESC").fetchone()[0] == "IK Isabelle Kuntz"


def test_bad_initials_are_refused_in_french(main_window, message_boxes):
    page = main_window.show_page(SettingsPage)
    type_text(page.user_name, "Isabelle Kuntz")
    type_text(page.device_name, "PC")
    page.user_initials.clear()
    type_text(page.user_initials, "I2")
    page.save_button.click()
    assert message_boxes[-1] == ("warning", "les initiales comptent de 1 à 4 lettres (exemple : IK)")
    assert not profile.get_profile(main_window.context.db).is_complete


def test_sync_page_shows_device_and_pending_changes(main_window):
    profile.set_profile(main_window.context.db, "Isabelle Kuntz", "", "IK", "Portable d'Isabelle")
    # a copied database is a new replica with nothing of its own yet: make one change
    from petr_desktop.domain.models import Structure
    from petr_desktop.services import records

    first = records.list_rows(main_window.context.db, Structure)[0]
    records.update(main_window.context.db, Structure, first.id, notes="Vu en réunion")
    page = main_window.show_page(SyncPage)
    assert page.device.text().startswith("Portable d'Isabelle (")
    assert int(page.pending.text()) == profile.unsynced_changes(main_window.context.db) > 0


def test_create_my_personal_certificate(main_window, message_boxes, isolated_home):
    page = main_window.show_page(SettingsPage)
    assert page.certificate_button.text() == "Créer mon certificat personnel"
    page.ask_passphrase = lambda: "un mot de passe solide"
    page.create_certificate()                         # profile incomplete: refused in French
    assert "complétez d'abord votre profil" in message_boxes[-1][1]
    profile.set_profile(main_window.context.db, "Isabelle Kuntz", "Chargée de mission", "IK", "PC")
    page.create_certificate()
    assert page.certificate.text().startswith("Certificat au nom de Isabelle Kuntz, valable jusqu'au ")
    assert page.certificate_button.text() == "Remplacer mon certificat personnel"
    key_file = isolated_home / "certificates" / "certificat-personnel.p12"
    assert key_file.is_file() and (key_file.stat().st_mode & 0o777) == 0o600
    assert b"un mot de passe solide" not in key_file.read_bytes()


def test_passphrases_must_match(qtbot):
    from petr_desktop.ui.pages.settings import PassphraseDialog

    dialog = PassphraseDialog()
    qtbot.addWidget(dialog)
    dialog.first.setText("abcdefgh")
    dialog.second.setText("abcdefgi")
    dialog.try_accept()
    assert dialog.error.text() == "Les deux mots de passe ne sont pas identiques."
    assert dialog.result() != dialog.DialogCode.Accepted
