"""The Instruction page and the « Dispositif » settings, through their widgets."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from conftest import type_text
from petr_desktop.services import instruction, money, sheets, structures
from petr_desktop.services.reference import structure_id
from petr_desktop.ui.pages.instruction import InstructionPage
from petr_desktop.ui.pages.settings import SettingsPage

DEODATIE = structure_id("Pays de la Déodatie")
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def page(qtbot, db, make_context):
    structures.update_structure(db, DEODATIE, rurality_class="B")
    widget = InstructionPage(make_context(db))
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    widget.activate()
    widget.set_year(2026)
    return widget


def checks(page):
    return page.panel.document_checks


def type_amount(qtbot, edit, text):
    edit.clear()
    type_text(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_receive_instruct_vote_and_make_the_convention(qtbot, page, message_boxes):
    page.ask_new_application = lambda: (DEODATIE, "15/01/2026")
    page.new_button.click()
    [row] = page.model.rows
    assert (row.structure_name, row.status_label, row.completeness) == ("Pays de la Déodatie", "Reçue", "0 / 5 pièces")
    panel = page.panel
    assert panel.title.text() == "Pays de la Déodatie — demande 2026 : Reçue"
    assert panel.proposed["core"].text() == f"33{NNBSP}000,00{NBSP}€"
    assert panel.notes["core"].text().startswith("classe B : 110 %")

    panel.move_buttons["complete"].click()                     # refused: the message names the pieces
    assert message_boxes[-1][0] == "warning" and message_boxes[-1][1].startswith("Dossier incomplet : il manque 5 pièces")
    assert "Étape suivante « Complète »" in panel.move_hint.text().replace("\u00a0", " ")
    for number in range(5):
        checks(page)[number].click()
    assert page.model.rows[0].completeness == "5 / 5 pièces"
    assert checks(page)[0].text().startswith("Lettre de demande signée — reçue le ")

    type_amount(qtbot, panel.requested["thematic"], "12 500,50 €")
    assert panel.requested["thematic"].text() == f"12{NNBSP}500,50{NBSP}€"
    type_amount(qtbot, panel.proposed["thematic"], "13 000")
    assert "dépasse le montant demandé" in message_boxes[-1][1]
    assert panel.proposed["thematic"].text() == "13 000"             # the typed text stays, marked
    assert "border" in panel.proposed["thematic"].styleSheet()
    type_amount(qtbot, panel.proposed["thematic"], "12 000")
    assert page.model.rows[0].proposed_cents == 3_300_000 + 1_200_000

    panel.move_buttons["complete"].click()
    panel.move_buttons["instructed"].click()
    assert page.model.rows[0].status_label == "Instruite"
    panel.move_buttons["presented"].click()
    assert message_boxes[-1][1] == "Indiquez la date de la Commission permanente avant de présenter la demande."
    type_text(panel.cp_date, "11/04/2026")
    panel.move_buttons["presented"].click()
    assert panel.title.text().endswith(": Présentée en CP") and panel.cp_hint.text() == "11 avril 2026"
    panel.move_buttons["voted"].click()
    assert "numéro de la délibération" in message_boxes[-1][1]
    type_text(panel.deliberation, "CP2026-04-017")
    panel.move_buttons["voted"].click()
    assert page.model.rows[0].status == "voted"
    assert panel.requested["core"].isReadOnly()

    panel.convention_button.click()
    assert panel.convention_button.text() == "Mettre à jour la convention annuelle"
    [agreement] = page.payments.agreements
    assert (agreement.voted_cents, agreement.deliberation_no) == (4_500_000, "CP2026-04-017")
    assert page.payments.current_key()[:2] == ("agreement", agreement.id)
    assert not any(button.isVisible() for button in panel.move_buttons.values())


@pytest.fixture
def voted_agreement(page):
    """A 2026 convention made from a voted application, shown in « Versements »."""
    db = page.db
    application = instruction.receive_application(db, DEODATIE, 2026, "15/01/2026")
    for doc in instruction.application_detail(db, application.id).documents:
        instruction.tick_document(db, doc.id)
    instruction.set_requested(db, application.id, "thematic", "20 000")
    instruction.set_proposed(db, application.id, "thematic", "20 000")
    instruction.transition(db, application.id, "complete")
    instruction.transition(db, application.id, "instructed")
    instruction.transition(db, application.id, "presented", cp_date="11/04/2026")
    instruction.transition(db, application.id, "voted", deliberation_no="CP2026-04-017")
    agreement = instruction.create_annual_agreement(db, application.id)
    page.reload()
    page.tabs.setCurrentIndex(1)
    return agreement


def test_plan_payments_and_the_gated_balance(page, voted_agreement, message_boxes):
    payments = page.payments
    assert payments.select("agreement", voted_agreement.id)
    payments.plan_button.click()
    view = money.agreement_money(page.db, voted_agreement.id)
    thematic = view.lines[1]
    advance, balance = thematic.payments
    assert (advance.amount_cents, balance.amount_cents) == (1_000_000, 1_000_000)
    assert payments.summary.text().startswith("1 convention — voté 53")

    assert payments.select("payment", balance.id)
    assert payments.request_button.isEnabled() and "bloqué" in payments.selection_hint.text()
    payments.request_button.click()
    assert message_boxes[-1] == ("warning", "Solde « Thématique » 2026 bloqué : la fiche « Thématique » 2026 de Pays "
                                            "de la Déodatie n'existe pas encore ; elle doit être validée avant la "
                                            "mise en paiement du solde.")

    payments.select("payment", advance.id)
    payments.request_button.click()
    assert payments.paid_button.isEnabled()
    page.ask_paid_on = lambda: date(2026, 6, 2)
    payments.paid_button.click()
    shown = money.agreement_money(page.db, voted_agreement.id).lines[1]
    assert (shown.payments[0].status_label, shown.paid_cents, shown.remaining_cents) == ("Versé", 1_000_000, 1_000_000)
    item = payments.tree.currentItem()
    assert (item.text(payments.STATUS), item.text(payments.DATE)) == ("Versé", "02/06/2026")

    sheet = sheets.open_sheet(page.db, DEODATIE, 2026, "thematic")
    for status in ("received", "reviewed_in_dialogue", "validated"):
        sheets.transition(page.db, sheet.id, status)
    page.reload_payments()
    payments.select("payment", balance.id)
    payments.request_button.click()
    assert payments.tree.currentItem().text(payments.STATUS) == "Mis en paiement"


def test_dispositif_settings_are_saved_with_french_errors(qtbot, db, make_context, message_boxes):
    page = SettingsPage(make_context(db))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    box = page.scheme
    assert box.grid.rowCount() == 3 and box.core_base.text() == f"30{NNBSP}000,00{NBSP}€"
    box.grid.item(1, 1).setText("beaucoup")
    box.save_button.click()
    assert message_boxes[-1][1].startswith("modulation de la classe « B » invalide : « beaucoup »")
    assert box.status.text() == "Dispositif non enregistré : corrigez la valeur signalée."
    box.grid.item(1, 1).setText("115")
    box.add_class.click()
    box.grid.item(3, 0).setText("D")
    box.grid.item(3, 1).setText("130")
    box.advance.setValue(40)
    box.save_button.click()
    assert "l'avance (40 %) et le solde (50 %) doivent totaliser 100 %" in message_boxes[-1][1]
    box.balance.setValue(60)
    type_text(box.new_commission, "17/10/2026")
    box.add_commission.click()
    box.add_document.click()
    box.documents.item(5).setText("Attestation de régularité fiscale")
    box.core_base.setText("32 000 €")
    box.save_button.click()
    assert box.status.text() == "Dispositif 2025-2027 enregistré."
    saved = instruction.current_scheme(db, 2026)
    assert saved.core_modulation == {"A": 100, "B": 115, "C": 120, "D": 130}
    assert (saved.core_base_cents, saved.advance_percent, saved.balance_percent) == (3_200_000, 40, 60)
    assert saved.commission_dates == (date(2026, 10, 17),) and box.commissions.item(0).text() == "17 octobre 2026"
    assert saved.required_documents[-1] == "Attestation de régularité fiscale"
