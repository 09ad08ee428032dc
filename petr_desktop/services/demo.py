"""Demo data: 2025-2026 for the 30 structures — meetings, minutes, decisions, actions,
sheets with indicators, money. Deterministic (seeded), realistic French, one transaction."""
from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlmodel import Session, select

from ..domain.enums import (ActionStatus, AidLineKind, MeetingKind, MeetingStatus, OrganisationKind,
                            PaymentKind, PaymentStatus, SheetKind, SheetStatus)
from ..domain.models import AgendaItem, Person, RegionalOffice, Structure
from . import instruction, meetings, minutes, money, sheets
from .records import apply_changes, insert
from .reference import load_reference
from .uow import transactional

FIRST_NAMES = ["Claire", "Julien", "Sophie", "Thomas", "Camille", "Nicolas", "Élodie", "Mathieu", "Anne",
               "François", "Léa", "Pierre", "Hélène", "Benoît", "Aurélie", "Jérôme", "Céline", "Rémi",
               "Nathalie", "Grégoire", "Maëlle", "Loïc", "Amélie", "Hervé"]
LAST_NAMES = ["Martin", "Bernard", "Schmitt", "Muller", "Klein", "Weber", "Lefèvre", "Girard", "Roux",
              "Meyer", "Fontaine", "Chevalier", "Marchal", "Collin", "Thiébaut", "Perrin", "Gérard",
              "Humbert", "Masson", "Didier", "Lambert", "Rémy", "Jacquot", "Wagner"]
REGION_STAFF = [("Isabelle Kuntz", "Chargée de mission Ingénierie territoriale des Pays/PETR"),
                ("Marc Hoffmann", "Chef de pôle Ingénierie territoriale"),
                ("Agnès Lorentz", "Chargée de mission Santé — service expert")]
THEMES = ["Santé / CLS", "Mobilité", "Transition énergétique et climat", "Alimentation / PAT",
          "Économie de proximité", "Tourisme", "Habitat"]
NOTES = {
    0: ["Le président rappelle le renouvellement du bureau intervenu au printemps et la stabilité de "
        "l'équipe technique. La conférence des maires s'est réunie deux fois ; la participation des élus "
        "progresse.",
        "Tour de table : arrivée d'un nouveau chargé de mission mobilité, départ annoncé de la chargée de "
        "communication à l'automne. Le territoire reste marqué par la fermeture d'un site industriel."],
    1: ["Bilan positif des missions socles : 14 projets communaux accompagnés, dont 6 déposés au titre "
        "des dispositifs régionaux. Le comité de pilotage du contrat de relance s'est tenu en juin.",
        "L'animation du projet de territoire a repris avec trois ateliers participatifs. Les indicateurs "
        "de l'ingénierie de projets sont atteints à 80 %, l'observation territoriale reste à structurer."],
    2: ["Point thématique avec le service expert : la démarche avance conformément au jalon de l'année. "
        "Deux projets ont émergé et mobilisent des financements régionaux (effet levier estimé à 3,2).",
        "Le diagnostic partagé est achevé ; la mise en œuvre du plan d'actions sera soumise au conseil syndical. "
        "Vigilance sur la disponibilité des partenaires de santé."],
    3: ["Participation régulière aux séances du chantier collectif. La réflexion sur la diversification "
        "des ressources a abouti à deux pistes : prestations aux EPCI et réponse à des appels à projets.",
        "Le PETR a co-animé l'atelier sur les cotisations des EPCI ; la restitution sera partagée au réseau."],
    4: ["Situation financière : l'avance de 50 % a été versée. Les dépenses réalisées atteignent 62 % du "
        "prévisionnel à mi-année. Les pièces pour le solde (état récapitulatif certifié, rapport d'activité) "
        "sont attendues pour le 31 mars.",
        "Sous-consommation possible sur le poste vacant pendant quatre mois : risque de réfaction du solde "
        "à anticiper. Le compte administratif sera transmis après son vote."],
    5: ["Bonne articulation avec le programme LEADER et le contrat local de santé. Le SCoT est en "
        "révision ; le PCAET est adopté. Lien à renforcer avec la direction de l'agriculture.",
        "Le Pacte pour les ruralités offre un levier complémentaire ; la coordination avec le CRTE est à "
        "clarifier avec la préfecture."],
    6: ["Perspectives : maintien du thème, renforcement de l'observation territoriale, demande d'aide "
        "en légère hausse pour intégrer la coordination du contrat local de santé.",
        "L'année prochaine verra la révision du projet de territoire et l'ouverture d'une maison de "
        "services ; les cibles d'indicateurs seront ajustées en conséquence."],
    7: ["Les décisions et actions ci-dessous sont arrêtées d'un commun accord. Prochain dialogue de "
        "gestion au premier semestre.",
        "Relevé validé en séance sous réserve de relecture par les participants."],
}
DECISIONS = ["Valider la trajectoire thématique présentée pour l'année",
             "Maintenir le montant de la ligne socle au niveau de l'année précédente",
             "Reporter l'examen de l'avenant thématique au prochain dialogue",
             "Retenir la piste de diversification « prestations aux EPCI »",
             "Inscrire le PETR à la prochaine séance du chantier collectif",
             "Accepter la réorientation du plan d'actions vers la mobilité solidaire"]
ACTIONS = ["Transmettre l'état récapitulatif des dépenses certifié",
           "Envoyer la fiche évaluative « Missions socle » mise à jour",
           "Organiser une réunion technique avec le service expert",
           "Communiquer le calendrier des instances de l'année",
           "Préparer la note sur le poste vacant et son financement",
           "Partager le diagnostic du modèle économique avec le réseau",
           "Vérifier l'absence de double financement du poste de chargé de mission",
           "Proposer une date pour le prochain dialogue de gestion"]
INDICATOR_TARGETS = [12, 6, 3, 20, 4]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


@transactional
def generate(session: Session, seed: int = 2025) -> dict[str, int]:
    """Fill 2025-2026 for every structure. Idempotent per database: refuses to run twice."""
    load_reference(session)
    if session.exec(select(Person).where(Person.organisation_kind == OrganisationKind.REGION_SERVICE)).first():
        return {"structures": 0}
    rng = random.Random(seed)
    region = [insert(session, Person, full_name=name, function=function,
                     organisation_kind=OrganisationKind.REGION_SERVICE.value, organisation_name="Région Grand Est — SIPUN",
                     email=name.lower().replace(" ", ".").replace("è", "e").replace("é", "e") + "@grandest.fr")
              for name, function in REGION_STAFF]
    offices = {o.id: o for o in session.exec(select(RegionalOffice))}
    structures = sorted(session.exec(select(Structure)), key=lambda s: s.name)
    counts = {"structures": len(structures), "meetings": 0, "sheets": 0}
    for index, structure in enumerate(structures):
        director = _person(rng)
        president = _person(rng)
        apply_changes(session, structure, {"director": director, "president": president,
                                           "rurality_class": rng.choice(["A", "B", "C"])})
        staff = [insert(session, Person, full_name=director, function="Directeur·rice",
                        organisation_kind=OrganisationKind.STRUCTURE.value, organisation_name=structure.name,
                        structure_id=structure.id, email=f"direction@petr-{index + 1:02d}.fr"),
                 insert(session, Person, full_name=president, function="Président·e",
                        organisation_kind=OrganisationKind.STRUCTURE.value, organisation_name=structure.name,
                        structure_id=structure.id),
                 insert(session, Person, full_name=_person(rng), function="Chargé·e de mission",
                        organisation_kind=OrganisationKind.STRUCTURE.value, organisation_name=structure.name,
                        structure_id=structure.id, email=f"mission@petr-{index + 1:02d}.fr")]
        office = offices.get(structure.regional_office_id or "")
        referent = insert(session, Person, full_name=_person(rng), function="Référent·e territorial·e",
                          organisation_kind=OrganisationKind.REGIONAL_OFFICE.value,
                          organisation_name=f"Maison de Région {office.name}" if office else "Maison de Région",
                          regional_office_id=office.id if office else None)
        theme = THEMES[index % len(THEMES)]
        money.framework_agreement(session, structure.id, number=f"CC-2025-{index + 1:03d}", theme=theme,
                                  status="signed", signed_on=date(2025, 3, 14))
        for year in (2025, 2026):
            _money(session, rng, structure.id, year, index)
            _meetings(session, rng, structure, year, region[0], staff, referent, counts)
            _sheets(session, rng, structure.id, year, theme, counts)
    network = meetings.create_meeting(session, MeetingKind.DIRECTORS_NETWORK.value, date(2026, 6, 12),
                                      title="Réseau des directeurs de PETR — juin 2026", place="Metz",
                                      place_kind="regional_office", status=MeetingStatus.HELD.value)
    for person in region[:2]:
        meetings.add_participant(session, network.id, person_id=person.id)
    counts["meetings"] += 1
    return counts


def _money(session: Session, rng: random.Random, structure_id: str, year: int, index: int) -> None:
    """A year's money through the instruction workflow, as the chargée de mission does it: the
    application received with its checklist, requested amounts, the socle proposed from the grid,
    pieces ticked, instructed, presented in CP, voted, then the convention and its payments."""
    received = date(year, 1, 31)
    application = instruction.receive_application(session, structure_id, year, received_on=received,
                                                  portal_reference=f"GE-{year}-{index + 1:04d}")
    settings = instruction.scheme_for(session, year)
    core = rng.choice([40_000, 45_000, 50_000, 55_000]) * 100      # asked; the socle proposed is the grid's
    thematic = rng.choice([15_000, 20_000, 25_000]) * 100
    collective = 5_000 * 100
    instruction.set_requested(session, application.id, AidLineKind.CORE.value, core)
    instruction.set_requested(session, application.id, AidLineKind.THEMATIC.value, thematic)
    instruction.set_requested(session, application.id, AidLineKind.COLLECTIVE.value, collective)
    instruction.propose_core(session, application.id)
    instruction.set_proposed(session, application.id, AidLineKind.THEMATIC.value,
                             min(thematic, settings.cap(AidLineKind.THEMATIC.value)))
    instruction.set_proposed(session, application.id, AidLineKind.COLLECTIVE.value, collective)
    for document in instruction.application_detail(session, application.id).documents:
        instruction.tick_document(session, document.id, received_on=received + timedelta(days=3 * document.position))
    for status in ("complete", "instructed"):
        instruction.transition(session, application.id, status)
    instruction.transition(session, application.id, "presented", cp_date=date(year, 4, 11))
    instruction.transition(session, application.id, "voted", deliberation_no=f"CP{year}-04-{index + 17:03d}")
    agreement = instruction.create_annual_agreement(session, application.id)
    money.annual_agreement(session, structure_id, year, number=f"CA-{year}-{index + 1:03d}", status="signed")
    total = instruction.application_detail(session, application.id).row.proposed_cents
    money.add_payment(session, agreement.id, PaymentKind.ADVANCE.value, total // 2, status=PaymentStatus.PAID.value,
                      due_on=date(year, 5, 15), paid_on=date(year, 6, 2))
    if year == 2025:
        money.add_payment(session, agreement.id, PaymentKind.BALANCE.value, total - total // 2 - 120_000,
                          status=PaymentStatus.PAID.value, due_on=date(2026, 4, 30), paid_on=date(2026, 5, 20))


def _meetings(session, rng, structure, year, chargee, staff, referent, counts) -> None:
    dates = [date(year, 3, 3) + timedelta(days=rng.randrange(0, 60)),
             date(year, 10, 1) + timedelta(days=rng.randrange(0, 55 if year < 2026 else 100))]
    for number, day in enumerate(dates, start=1):
        planned = day > date(2026, 11, 28)
        meeting = meetings.create_meeting(
            session, MeetingKind.MANAGEMENT_DIALOGUE.value, day, structure_id=structure.id,
            title=f"Dialogue de gestion {year} n°{number} — {structure.name}",
            start_time=time(9, 30), end_time=time(12, 0), place_kind=rng.choice(["on_site", "regional_office", "video"]),
            place=f"Siège du PETR, {structure.seat_town}",
            status=MeetingStatus.PLANNED.value if planned else MeetingStatus.HELD.value)
        counts["meetings"] += 1
        for person in (chargee, staff[0], staff[2], referent):
            meetings.add_participant(session, meeting.id, person_id=person.id)
        meetings.add_participant(session, meeting.id, person_id=staff[1].id,
                                 status=rng.choice(["present", "excused"]))
        if planned:
            continue
        record = minutes.open_minutes(session, meeting.id, author=chargee.full_name)
        for position, item in enumerate(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                                     .order_by(AgendaItem.position))):
            apply_changes(session, item, {"notes": rng.choice(NOTES.get(position, NOTES[7]))})
        apply_changes(session, record, {
            "vigilance_points": rng.choice(["Poste de chargé de mission vacant depuis juillet.",
                                            "Pièces justificatives du solde en retard.",
                                            "Risque de sous-consommation de la ligne thématique."]),
            "next_steps": "Envoi des fiches évaluatives actualisées avant le prochain dialogue.",
            "next_meeting_on": day + timedelta(days=180), "written_on": day + timedelta(days=2)})
        decisions = [minutes.add_decision(session, record.id, text, status="final")
                     for text in rng.sample(DECISIONS, rng.randint(2, 4))]
        for text in rng.sample(ACTIONS, rng.randint(3, 5)):
            owner = rng.choice([staff[0], staff[2], chargee])
            action = minutes.add_action(session, record.id, text, owner_name=owner.full_name,
                                        owner_organisation=owner.organisation_name,
                                        due_on=day + timedelta(days=rng.randint(20, 120)),
                                        decision_id=rng.choice(decisions).id, owner_person_id=owner.id)
            age = (date(2026, 11, 28) - day).days
            status = rng.choice([ActionStatus.DONE, ActionStatus.DONE, ActionStatus.IN_PROGRESS]) if age > 200 \
                else rng.choice([ActionStatus.TODO, ActionStatus.IN_PROGRESS, ActionStatus.DONE])
            if status != ActionStatus.TODO:
                minutes.set_action_status(session, action.id, status.value)
        minutes.submit_for_validation(session, record.id)
        if year == 2025 or number == 1:
            minutes.sign(session, record.id, chargee.full_name, chargee.function)


def _sheets(session, rng, structure_id: str, year: int, theme: str, counts) -> None:
    status = SheetStatus.VALIDATED if year == 2025 else SheetStatus.REVIEWED_IN_DIALOGUE
    for kind in SheetKind:
        sheet = sheets.open_sheet(session, structure_id, year, kind.value)
        counts["sheets"] += 1
        apply_changes(session, sheet, {"awarded_cents": 0, "petr_writer": "Direction du PETR",
                                       "petr_written_on": date(year + 1, 2, 15) if year == 2025 else date(year, 10, 5)})
        answers = {
            SheetKind.CORE_MISSIONS: {"faits_marquants.texte":
                                      "— Adoption du projet de territoire révisé\n— 14 projets accompagnés\n"
                                      "— Lancement de l'observatoire territorial",
                                      "perspectives.texte": "Consolider l'ingénierie de projets et "
                                      "la mise en réseau des communes."},
            SheetKind.THEMATIC: {"theme.theme": theme,
                                 "objectif_triennal.objectif": f"Structurer une politique « {theme} » à "
                                 "l'échelle du territoire d'ici 2027, avec les EPCI et les partenaires."},
            SheetKind.COLLECTIVE: {"bilan.acquis": "Meilleure connaissance des leviers de diversification ; "
                                   "méthode de diagnostic du modèle économique appropriée par l'équipe."},
        }[kind]
        for key, value in answers.items():
            sheets.set_answer(session, sheet.id, key, value)
        for position, row in enumerate(sheets.group_rows(session, sheet.id, "indicators")):
            target = INDICATOR_TARGETS[position % len(INDICATOR_TARGETS)]
            apply_changes(session, row, {"target": float(target),
                                         "actual": float(max(0, target + rng.randint(-3, 3))),
                                         "source": "Rapport d'activité"})
        for target in _status_path(status):
            sheets.transition(session, sheet.id, target)


def _status_path(final: SheetStatus) -> list[str]:
    order = [SheetStatus.RECEIVED, SheetStatus.REVIEWED_IN_DIALOGUE, SheetStatus.VALIDATED]
    return [s.value for s in order[:order.index(final) + 1]]
