"""Instruction and money: the dispositif's settings, modulation, checklist, workflow, convention,
payments planned from the settings and the balance gated by the validated evaluation sheet."""
from __future__ import annotations

import json
from datetime import date

import pytest

from petr_desktop.domain import scheme as rules
from petr_desktop.domain.models import AidLine, ApplicationLine, Payment, Scheme
from petr_desktop.services import instruction, money, records, sheets, structures
from petr_desktop.services.errors import InvalidValueError, TransitionError
from petr_desktop.services.money import PaymentBlockedError
from petr_desktop.services.reference import structure_id

DEODATIE = structure_id("Pays de la Déodatie")
LANGRES = structure_id("Pays de Langres")
DEFAULT = Scheme()


def settings_args(**overrides):
    args = dict(period_start=2025, period_end=2027, core_base="30 000,00 €",
                core_modulation={"A": 100, "B": 110, "C": 120}, thematic_cap="20 000", collective_cap="10 000",
                advance_percent=50, balance_percent=50, commission_dates=["11/04/2026", "2026-10-17"],
                required_documents=["Lettre de demande signée", "Budget prévisionnel", "RIB"])
    args.update(overrides)
    return args


@pytest.fixture
def app(db):
    """A received 2026 application of the Pays de la Déodatie (class B), with the default dispositif."""
    structures.update_structure(db, DEODATIE, rurality_class="B")
    return instruction.receive_application(db, DEODATIE, 2026, "15/01/2026")


def detail(db, application):
    return instruction.application_detail(db, application.id)


def line(db, application, kind):
    return records.get(db, ApplicationLine, instruction.line_id(application.id, kind))


def voted(db, application, documents=True):
    """Take an application through the whole workflow."""
    if documents:
        for doc in detail(db, application).documents:
            instruction.tick_document(db, doc.id, received_on="20/01/2026")
    instruction.set_requested(db, application.id, "core", "33 000")
    instruction.set_requested(db, application.id, "thematic", "18 000")
    instruction.set_proposed(db, application.id, "thematic", "15 000,50")
    instruction.transition(db, application.id, "complete")
    instruction.transition(db, application.id, "instructed")
    instruction.transition(db, application.id, "presented", cp_date="11/04/2026")
    return instruction.transition(db, application.id, "voted", deliberation_no="CP2026-04-017")


# --- pure rules -------------------------------------------------------------------------------

def test_core_amount_for_each_class_and_unknown():
    grid = json.loads(DEFAULT.core_modulation)
    base = DEFAULT.core_base_cents
    for klass, percent in grid.items():
        found = rules.core_amount(base, grid, klass.lower())
        assert (found.percent, found.cents, found.unknown_class) == (percent, base * percent // 100, False)
        assert found.label == f"classe {klass} : {percent} %"
    for unknown in ("", None, "Z"):
        found = rules.core_amount(base, grid, unknown)
        assert (found.percent, found.cents, found.unknown_class) == (100, base, True)
    assert rules.core_amount(base, grid, "").label == "classe de ruralité non renseignée : 100 % (à vérifier)"
    assert rules.core_amount(1_001, {"A": 115}, "A").cents == 1_151     # 1 151,15 rounded to the cent


def test_advance_and_balance_add_up_exactly():
    assert rules.advance_and_balance(6_500_000, 50) == (3_250_000, 3_250_000)
    assert rules.advance_and_balance(1_000_001, 50) == (500_001, 500_000)
    assert rules.advance_and_balance(1_000, 33) == (330, 670)
    assert rules.advance_and_balance(999, 70) == (699, 300)
    for voted in (0, 1, 7, 12_345, 9_999_999):
        for percent in (0, 30, 33, 50, 67, 100):
            advance, balance = rules.advance_and_balance(voted, percent)
            assert advance + balance == voted and advance >= 0 and balance >= 0


def test_next_commission():
    dates = (date(2026, 4, 11), date(2026, 10, 17))
    assert rules.next_commission(dates, date(2026, 1, 1)) == date(2026, 4, 11)
    assert rules.next_commission(dates, date(2026, 4, 11)) == date(2026, 10, 17)
    assert rules.next_commission(dates, date(2026, 11, 1)) is None


# --- the dispositif ----------------------------------------------------------------------------

def test_current_scheme_has_the_model_defaults_and_a_deterministic_id(db):
    current = instruction.current_scheme(db, 2026)
    assert (current.period_start, current.period_end) == (DEFAULT.period_start, DEFAULT.period_end)
    assert current.id == instruction.singleton_id("scheme", DEFAULT.period_start)
    assert current.core_modulation == json.loads(DEFAULT.core_modulation)
    assert current.required_documents == tuple(json.loads(DEFAULT.required_documents))
    assert current.aid_kinds == ("core", "thematic", "collective") and current.commission_dates == ()
    assert instruction.current_scheme(db, 2025).id == current.id
    later = instruction.current_scheme(db, DEFAULT.period_end + 1)
    assert later.period_start == DEFAULT.period_end + 1 and later.id != current.id


def test_save_scheme_parses_french_values(db):
    saved = instruction.save_scheme(db, **settings_args(core_modulation={" d ": "130 %", "A": 95}))
    assert saved.core_base_cents == 3_000_000 and saved.thematic_cap_cents == 2_000_000
    assert saved.core_modulation == {"D": 130, "A": 95}
    assert saved.commission_dates == (date(2026, 4, 11), date(2026, 10, 17))
    assert saved.next_commission(date(2026, 5, 1)) == date(2026, 10, 17)
    assert instruction.current_scheme(db, 2027) == saved


@pytest.mark.parametrize("overrides, message", [
    ({"core_modulation": {"B": 301}}, "modulation de la classe « B » hors limites : 301 % (de 0 à 300 %)"),
    ({"core_modulation": {"B": "beaucoup"}}, "modulation de la classe « B » invalide : « beaucoup »"),
    ({"core_modulation": {"b": 100, "B": 110}}, "la classe de ruralité « B » figure deux fois"),
    ({"core_modulation": {" ": 100}}, "une classe de ruralité de la grille n'a pas de nom"),
    ({"advance_percent": 60}, "l'avance (60 %) et le solde (50 %) doivent totaliser 100 %"),
    ({"core_base": "-5"}, "socle forfaitaire de base : le montant ne peut pas être négatif"),
    ({"thematic_cap": "vingt mille"}, "plafond de la ligne thématique : montant invalide"),
    ({"commission_dates": ["31/02/2026"]}, "date de Commission permanente : date invalide : « 31/02/2026 »"),
    ({"period_end": 2024}, "la période se termine (2024) avant de commencer (2025)"),
    ({"required_documents": ["RIB", "rib "]}, "la pièce « rib » figure deux fois"),
])
def test_bad_settings_get_french_messages(overrides, message):
    with pytest.raises(ValueError) as refused:
        rules.validate_scheme(**settings_args(**overrides))
    assert str(refused.value).startswith(message)


def test_save_scheme_refuses_bad_values_and_keeps_the_old_ones(db):
    with pytest.raises(InvalidValueError, match="modulation de la classe « B » hors limites"):
        instruction.save_scheme(db, **settings_args(core_modulation={"B": 301}))
    assert instruction.current_scheme(db, 2026).core_modulation == json.loads(DEFAULT.core_modulation)


def test_periods_may_not_overlap(db):
    instruction.save_scheme(db, **settings_args())
    with pytest.raises(InvalidValueError, match="la période 2027-2029 chevauche la période 2025-2027"):
        instruction.save_scheme(db, **settings_args(period_start=2027, period_end=2029))


# --- receiving, checklist, amounts -----------------------------------------------------------------

def test_receive_creates_checklist_lines_and_socle_proposal(db, app):
    shown = detail(db, app)
    assert [d.name for d in shown.documents] == json.loads(DEFAULT.required_documents)
    assert shown.row.completeness == "0 / 5 pièces" and shown.row.status_label == "Reçue"
    assert [l.kind for l in shown.lines] == ["core", "thematic", "collective"]
    core = shown.lines[0]
    assert (core.proposed_cents, core.modulation_percent) == (3_300_000, 110)
    assert core.note.startswith("classe B : 110 % — forfait 33\u202f000,00\u00a0€")
    with pytest.raises(InvalidValueError, match="Pays de la Déodatie a déjà une demande d'aide 2026"):
        instruction.receive_application(db, DEODATIE, 2026)


def test_unknown_class_counts_100_percent_with_a_warning(db):
    application = instruction.receive_application(db, LANGRES, 2026)
    shown = detail(db, application)
    assert shown.core.unknown_class and shown.lines[0].proposed_cents == DEFAULT.core_base_cents
    assert "non renseignée : 100 % (à vérifier)" in shown.lines[0].note


def test_changing_the_grid_in_settings_changes_the_proposal(db, app):
    instruction.save_scheme(db, **settings_args(core_base="40 000", core_modulation={"A": 100, "B": 125}))
    assert line(db, app, "core").proposed_cents == 3_300_000      # recorded proposals stay until re-applied
    instruction.propose_core(db, app.id)
    core = line(db, app, "core")
    assert (core.proposed_cents, core.modulation_percent) == (5_000_000, 125)


def test_checklist_completeness(db, app):
    docs = detail(db, app).documents
    instruction.tick_document(db, docs[0].id, received_on="20/01/2026")
    instruction.tick_document(db, docs[2].id)
    row = instruction.list_applications(db, 2026)[0]
    assert (row.completeness, row.structure_name, row.is_complete) == ("2 / 5 pièces", "Pays de la Déodatie", False)
    shown = detail(db, app).documents
    assert shown[0].received_on == date(2026, 1, 20) and shown[2].received_on == date.today()
    instruction.tick_document(db, docs[2].id, received=False)
    assert detail(db, app).documents[2].received_on is None
    assert instruction.list_applications(db, 2025) == []


def test_amounts_requested_and_proposed_with_caps(db, app):
    instruction.set_requested(db, app.id, "thematic", "25 000 €")
    instruction.set_requested(db, app.id, "collective", "4 000")
    assert records.get(db, type(app), app.id).requested_cents == 2_900_000
    with pytest.raises(InvalidValueError, match=r"« Thématique » : le montant proposé \(25\u202f000,00\u00a0€\) "
                                                r"dépasse le plafond du dispositif \(20\u202f000,00\u00a0€\)\."):
        instruction.set_proposed(db, app.id, "thematic", "25 000")
    with pytest.raises(InvalidValueError, match="dépasse le montant demandé"):
        instruction.set_proposed(db, app.id, "collective", "5 000")
    with pytest.raises(InvalidValueError, match="dépasse le forfait modulé du socle"):
        instruction.set_proposed(db, app.id, "core", "33 000,01")
    with pytest.raises(InvalidValueError, match="montant invalide"):
        instruction.set_requested(db, app.id, "core", "beaucoup")
    instruction.set_proposed(db, app.id, "thematic", "20 000")
    instruction.set_proposed(db, app.id, "core", "31 000")
    assert line(db, app, "thematic").proposed_cents == 2_000_000
    row = instruction.list_applications(db, 2026)[0]
    assert (row.requested_cents, row.proposed_cents) == (2_900_000, 5_100_000)


# --- workflow ------------------------------------------------------------------------------------

def test_complete_is_refused_while_documents_are_missing(db, app):
    docs = detail(db, app).documents
    for doc in docs[:3]:
        instruction.tick_document(db, doc.id)
    with pytest.raises(TransitionError, match="Dossier incomplet : il manque 2 pièces : « Plan de financement », "
                                              "« RIB »."):
        instruction.transition(db, app.id, "complete")
    instruction.tick_document(db, docs[3].id)
    with pytest.raises(TransitionError, match="il manque la pièce « RIB »"):
        instruction.transition(db, app.id, "complete")
    moves = dict(detail(db, app).moves)
    assert moves == {"complete": "Dossier incomplet : il manque la pièce « RIB »."}
    instruction.tick_document(db, docs[4].id)
    assert instruction.transition(db, app.id, "complete").status == "complete"
    with pytest.raises(TransitionError, match="repassez-la à « Reçue » pour retirer une pièce"):
        instruction.tick_document(db, docs[4].id, received=False)
    assert instruction.transition(db, app.id, "received").status == "received"     # back step


def test_every_workflow_rule(db, app):
    for doc in detail(db, app).documents:
        instruction.tick_document(db, doc.id)
    with pytest.raises(TransitionError, match="une demande « Reçue » ne peut pas passer à « Votée »"):
        instruction.transition(db, app.id, "voted", deliberation_no="X")
    with pytest.raises(InvalidValueError, match="valeur inconnue « acceptée »"):
        instruction.transition(db, app.id, "acceptée")
    instruction.transition(db, app.id, "complete")
    instruction.set_requested(db, app.id, "thematic", "10 000")
    with pytest.raises(TransitionError, match="proposez un montant pour « Thématique »"):
        instruction.transition(db, app.id, "instructed")
    instruction.set_proposed(db, app.id, "thematic", "10 000")
    instruction.transition(db, app.id, "instructed")
    assert [t for t, _ in detail(db, app).moves] == ["presented", "complete"]
    with pytest.raises(TransitionError, match="Indiquez la date de la Commission permanente"):
        instruction.transition(db, app.id, "presented")
    with pytest.raises(TransitionError, match="précède la réception"):
        instruction.transition(db, app.id, "presented", cp_date="02/01/2026")
    instruction.transition(db, app.id, "presented", cp_date="11/04/2026")
    with pytest.raises(TransitionError, match="ses montants ne changent plus"):
        instruction.set_proposed(db, app.id, "thematic", "9 000")
    with pytest.raises(TransitionError, match="numéro de la délibération"):
        instruction.transition(db, app.id, "voted")
    assert instruction.transition(db, app.id, "rejected").status == "rejected"
    instruction.transition(db, app.id, "presented")
    done = instruction.transition(db, app.id, "voted", deliberation_no="CP2026-04-017")
    assert (done.status, done.cp_date, done.deliberation_no) == ("voted", date(2026, 4, 11), "CP2026-04-017")
    with pytest.raises(TransitionError, match="sa date de CP et sa délibération ne changent plus"):
        instruction.set_details(db, app.id, deliberation_no="autre")
    instruction.set_details(db, app.id, notes="Dossier exemplaire")


def test_instructed_needs_a_proposed_amount(db, app):
    for doc in detail(db, app).documents:
        instruction.tick_document(db, doc.id)
    instruction.transition(db, app.id, "complete")
    instruction.set_proposed(db, app.id, "core", 0)
    with pytest.raises(TransitionError, match="aucun montant n'est proposé"):
        instruction.transition(db, app.id, "instructed")


# --- the annual convention ---------------------------------------------------------------------------

def test_convention_from_a_voted_application_is_idempotent(db, app):
    with pytest.raises(TransitionError, match="Seule une demande votée"):
        instruction.create_annual_agreement(db, app.id)
    voted(db, app)
    framework = money.framework_agreement(db, DEODATIE)
    agreement = instruction.create_annual_agreement(db, app.id)
    assert (agreement.year, agreement.cp_date, agreement.deliberation_no) == (2026, date(2026, 4, 11), "CP2026-04-017")
    assert agreement.framework_agreement_id == framework.id
    again = instruction.create_annual_agreement(db, app.id)
    assert again.id == agreement.id
    lines = records.list_rows(db, AidLine, annual_agreement_id=agreement.id)
    assert sorted((l.kind, l.requested_cents, l.proposed_cents, l.voted_cents) for l in lines) == [
        ("core", 3_300_000, 3_300_000, 3_300_000), ("thematic", 1_800_000, 1_500_050, 1_500_050)]
    assert records.get(db, type(app), app.id).annual_agreement_id == agreement.id
    assert detail(db, app).row.annual_agreement_id == agreement.id
    with pytest.raises(TransitionError, match="la demande votée ne change plus de statut"):
        instruction.transition(db, app.id, "presented")


# --- payments -------------------------------------------------------------------------------------

@pytest.fixture
def agreement(db, app):
    voted(db, app)
    return instruction.create_annual_agreement(db, app.id)


def payments_of(db, agreement_id):
    view = money.agreement_money(db, agreement_id)
    return {(l.kind, p.kind): p for l in view.lines for p in l.payments}


def test_plan_payments_is_idempotent_and_follows_the_settings(db, agreement):
    planned = money.plan_payments(db, agreement.id)
    assert len(planned) == 4
    found = payments_of(db, agreement.id)
    assert found[("thematic", "advance")].amount_cents == 750_025          # 15 000,50 € × 50 %
    assert found[("thematic", "balance")].amount_cents == 750_025
    assert found[("core", "advance")].status_label == "Prévu"
    assert len(money.plan_payments(db, agreement.id)) == 4                 # no duplicate
    money.request_payment(db, found[("core", "advance")].id)
    instruction.save_scheme(db, **settings_args(advance_percent="30", balance_percent="70 %"))
    money.plan_payments(db, agreement.id)
    found = payments_of(db, agreement.id)
    assert found[("core", "advance")].amount_cents == 1_650_000            # in payment: unchanged
    assert found[("core", "balance")].amount_cents == 1_650_000
    assert found[("thematic", "advance")].amount_cents == 450_015          # planned: re-planned at 30 %
    assert found[("thematic", "balance")].amount_cents == 1_050_035
    assert len(records.list_rows(db, Payment, annual_agreement_id=agreement.id)) == 4


def test_payment_workflow_and_remaining_amounts(db, agreement):
    money.plan_payments(db, agreement.id)
    found = payments_of(db, agreement.id)
    advance = found[("core", "advance")]
    with pytest.raises(TransitionError, match="un versement « Prévu » ne peut pas passer à « Versé » : mettez-le "
                                              "d'abord en paiement"):
        money.mark_paid(db, advance.id)
    assert money.request_payment(db, advance.id).status == "requested"
    assert money.cancel_request(db, advance.id).status == "planned"
    money.request_payment(db, advance.id)
    paid = money.mark_paid(db, advance.id, "02/06/2026")
    assert (paid.status, paid.paid_on) == ("paid", date(2026, 6, 2))
    [view] = money.payments_overview(db, 2026)
    core = view.lines[0]
    assert (core.voted_cents, core.paid_cents, core.remaining_cents) == (3_300_000, 1_650_000, 1_650_000)
    assert (view.voted_cents, view.paid_cents, view.remaining_cents) == (4_800_050, 1_650_000, 3_150_050)
    with pytest.raises(InvalidValueError, match="serait inférieur aux versements déjà engagés"):
        money.set_aid_line(db, agreement.id, "core", voted_cents="10 000")
    assert money.agreement_money(db, agreement.id).lines[0].voted_cents == 3_300_000


def test_balance_is_gated_by_the_validated_sheet(db, agreement):
    money.plan_payments(db, agreement.id)
    balance = payments_of(db, agreement.id)[("thematic", "balance")]
    with pytest.raises(PaymentBlockedError) as refused:
        money.request_payment(db, balance.id)
    assert str(refused.value) == ("Solde « Thématique » 2026 bloqué : la fiche « Thématique » 2026 de Pays de la "
                                  "Déodatie n'existe pas encore ; elle doit être validée avant la mise en paiement "
                                  "du solde.")
    sheet = sheets.open_sheet(db, DEODATIE, 2026, "thematic")
    sheets.transition(db, sheet.id, "received")
    with pytest.raises(PaymentBlockedError) as refused:
        money.request_payment(db, balance.id)
    assert str(refused.value) == ("Solde « Thématique » 2026 bloqué : la fiche « Thématique » 2026 de Pays de la "
                                  "Déodatie est « Transmise par le PETR » ; elle doit être validée avant la mise "
                                  "en paiement du solde.")
    assert payments_of(db, agreement.id)[("thematic", "balance")].blocker == str(refused.value)
    sheets.transition(db, sheet.id, "reviewed_in_dialogue")
    sheets.transition(db, sheet.id, "validated")
    assert payments_of(db, agreement.id)[("thematic", "balance")].blocker == ""
    assert money.request_payment(db, balance.id).status == "requested"
    assert money.mark_paid(db, balance.id).paid_on == date.today()
    core_balance = payments_of(db, agreement.id)[("core", "balance")]
    with pytest.raises(PaymentBlockedError, match="la fiche « Missions socle » 2026"):
        money.request_payment(db, core_balance.id)
    assert money.request_payment(db, payments_of(db, agreement.id)[("core", "advance")].id).status == "requested"


def test_global_payments_of_older_conventions_are_planned_globally(db):
    """Conventions entered before the lines had their own payments (demo data, older years)."""
    agreement = money.annual_agreement(db, LANGRES, 2026, cp_date="11/04/2026", deliberation_no="CP2026-04-020")
    money.set_aid_line(db, agreement.id, "core", voted_cents=4_500_000)
    money.set_aid_line(db, agreement.id, "collective", voted_cents=500_000)
    money.add_payment(db, agreement.id, "advance", "25 000", status="paid", paid_on="02/06/2026")
    money.plan_payments(db, agreement.id)
    view = money.agreement_money(db, agreement.id)
    advance, balance = view.global_payments
    assert (balance.kind, balance.status, balance.amount_cents) == ("balance", "planned", 2_500_000)
    assert balance.blocker == ("Solde 2026 bloqué : la fiche « Missions socle » 2026 de Pays de Langres n'existe "
                               "pas encore ; la fiche « Chantier collectif » 2026 de Pays de Langres n'existe pas "
                               "encore ; elles doivent être validées avant la mise en paiement du solde.")
    assert (view.paid_cents, view.remaining_cents) == (2_500_000, 2_500_000)
    money.plan_payments(db, agreement.id)
    assert len(money.agreement_money(db, agreement.id).global_payments) == 2
