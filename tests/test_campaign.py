"""The campaign of dialogues de gestion: proposal (spread, weekdays, free days, participants),
creation in one unit of work, status counts; and the standing team of a structure."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from petr_desktop.domain.models import AgendaItem, Attendance, Meeting, Person
from petr_desktop.services import campaign, meetings, minutes, records, reference
from petr_desktop.services.campaign import TeamMemberDraft
from petr_desktop.services.errors import InvalidValueError, NotFoundError

TODAY = date(2026, 11, 28)
LANGRES = reference.structure_id("Pays de Langres")
CHAUMONT = reference.structure_id("Pays de Chaumont")
BRIEY = reference.structure_id("Pays du Bassin de Briey")


def _propose(db, months=(3, 4, 5), per=1, **kw):
    return campaign.propose_campaign(db, 2027, list(months), per, today=TODAY, **kw)


def test_public_holidays_of_2027():
    holidays = campaign.public_holidays(2027)
    for day in (date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17), date(2027, 12, 26),
                date(2027, 7, 14)):
        assert day in holidays


def test_one_dialogue_per_structure_spread_over_the_months(db):
    plan = _propose(db)
    days = [d.meeting_date for d in plan.dialogues]
    assert plan.count == 30 and len({d.structure_id for d in plan.dialogues}) == 30
    assert len(set(days)) == 30                                   # never two the same day
    assert all(d.weekday() < 5 and d.month in (3, 4, 5) for d in days)
    assert not set(days) & campaign.public_holidays(2027)
    assert days == sorted(days)
    per_month = Counter(d.month for d in days)                    # evenly spread over the working days
    assert sorted(per_month) == [3, 4, 5] and all(9 <= n <= 11 for n in per_month.values())
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    assert max(gaps) <= 7                                         # a holiday weekend at most
    assert plan.dialogues[0].date_label.split()[0] in campaign.WEEKDAYS
    assert plan.dialogues[0].title.startswith("Dialogue de gestion 2027 — ")


def test_structures_come_by_regional_office_then_name(db):
    plan = _propose(db)
    order = [(campaign.sort_key(d.office_name), campaign.sort_key(d.structure_name))
             for d in sorted(plan.dialogues, key=lambda d: d.meeting_date)]
    assert order == sorted(order)


def test_two_dialogues_per_structure_one_in_each_half(db):
    plan = _propose(db, months=(3, 4, 5, 9, 10, 11), per=2)
    assert plan.count == 60 and len({d.meeting_date for d in plan.dialogues}) == 60
    by_structure: dict[str, list] = {}
    for d in plan.dialogues:
        by_structure.setdefault(d.structure_id, []).append(d)
    for first, second in (sorted(v, key=lambda d: d.meeting_date) for v in by_structure.values()):
        assert first.meeting_date.month <= 5 and second.meeting_date.month >= 9
        assert (first.number, second.number) == (1, 2) and second.title.startswith("Dialogue de gestion 2027 n°2")


def test_busy_and_past_days_are_avoided(db):
    busy = date(2027, 3, 2)
    meetings.create_meeting(db, "directors_network", busy, title="Réseau des directeurs")
    plan = campaign.propose_campaign(db, 2027, [3], 1, structures=[LANGRES, CHAUMONT], today=TODAY)
    assert busy not in {d.meeting_date for d in plan.dialogues}
    late = campaign.propose_campaign(db, 2026, [11, 12], 1, structures=[LANGRES], today=TODAY)
    assert late.dialogues[0].meeting_date >= TODAY


def test_not_enough_days_is_said_in_french(db):
    with pytest.raises(InvalidValueError, match="pas assez de jours ouvrés libres en février 2027 : 60 dialogues"):
        _propose(db, months=(2,), per=2)
    with pytest.raises(InvalidValueError, match="au moins un mois"):
        _propose(db, months=())
    with pytest.raises(InvalidValueError, match="un ou deux dialogues"):
        _propose(db, per=3)


def test_the_team_is_proposed_else_the_regional_office(db):
    referent = records.create(db, Person, full_name="Aurélie Didier", function="Référente territoriale",
                              organisation_kind="regional_office", organisation_name="Maison de Région Chaumont",
                              regional_office_id=records.get(db, reference.Structure, CHAUMONT).regional_office_id)
    expert = records.create(db, Person, full_name="Agnès Lorentz", function="Chargée de mission Santé",
                            organisation_kind="region_service", organisation_name="Région Grand Est")
    campaign.set_team(db, LANGRES, [TeamMemberDraft("Agnès Lorentz", "Service expert", "Région Grand Est", expert.id),
                                    TeamMemberDraft("Paul Durand", "Direction de l'agriculture", "Région")])
    plan = _propose(db, structures=[LANGRES, CHAUMONT, BRIEY])
    people = {d.structure_name: [(p.full_name, p.person_id) for p in d.participants] for d in plan.dialogues}
    assert people["Pays de Langres"] == [("Agnès Lorentz", expert.id), ("Paul Durand", None)]
    assert people["Pays de Chaumont"] == [("Aurélie Didier", referent.id)]
    assert people["Pays du Bassin de Briey"] == []
    assert any("Pays du Bassin de Briey" in note for note in plan.notes)


def test_create_campaign_writes_every_meeting(db):
    campaign.set_team(db, LANGRES, [TeamMemberDraft("Paul Durand", "Direction de l'agriculture", "Région")])
    plan = _propose(db, months=(3, 4, 5, 9, 10, 11), per=2, structures=[LANGRES, CHAUMONT])
    ids = campaign.create_campaign(db, plan)
    assert len(ids) == 4
    created = [records.get(db, Meeting, mid) for mid in ids]
    assert {m.kind for m in created} == {"management_dialogue"} and {m.status for m in created} == {"planned"}
    langres = next(m for m in created if m.structure_id == LANGRES)
    assert [i.title for i in meetings.agenda(db, langres.id)] == meetings.default_agenda("management_dialogue")
    assert [a.full_name for a in meetings.participants(db, langres.id)] == ["Paul Durand"]
    assert langres.place == "Siège du PETR, Langres"
    # A second proposal numbers the next dialogues after these and avoids their days.
    again = _propose(db, months=(6,), structures=[LANGRES])
    assert again.dialogues[0].number == 3 and again.dialogues[0].meeting_date not in {m.meeting_date for m in created}


def test_the_campaign_is_all_or_nothing(db):
    plan = _propose(db, structures=[LANGRES, CHAUMONT, BRIEY])
    before = len(records.list_rows(db, Meeting))
    plan.dialogues[-1].structure_id = "structure-disparue"           # fails after two meetings were written
    with pytest.raises(NotFoundError):
        campaign.create_campaign(db, plan)
    assert len(records.list_rows(db, Meeting)) == before
    assert records.list_rows(db, AgendaItem) == [] and records.list_rows(db, Attendance) == []


def test_a_day_taken_since_the_proposal_is_refused(db):
    plan = _propose(db, structures=[LANGRES, CHAUMONT])
    meetings.create_meeting(db, "other", plan.dialogues[1].meeting_date, title="Comité régional")
    with pytest.raises(InvalidValueError, match="n'est plus libre"):
        campaign.create_campaign(db, plan)
    assert len(records.list_rows(db, Meeting)) == 1


def test_campaign_status_counts(db):
    plan = _propose(db, months=(3, 4, 5, 9, 10, 11), per=2, structures=[LANGRES, CHAUMONT])
    ids = campaign.create_campaign(db, plan)
    langres = sorted((records.get(db, Meeting, i) for i in ids if records.get(db, Meeting, i).structure_id == LANGRES),
                     key=lambda m: m.meeting_date)
    meetings.mark_held(db, langres[0].id)
    record = minutes.open_minutes(db, langres[0].id)
    minutes.submit_for_validation(db, record.id)
    minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")
    cancelled = next(i for i in ids if records.get(db, Meeting, i).structure_id == CHAUMONT)
    records.update(db, Meeting, cancelled, status="cancelled")
    rows = {r.structure_id: r for r in campaign.campaign_status(db, 2027)}
    assert len(rows) == 30
    assert (rows[LANGRES].scheduled, rows[LANGRES].planned, rows[LANGRES].held, rows[LANGRES].signed) == (2, 1, 1, 1)
    assert rows[LANGRES].next_date == langres[1].meeting_date
    assert (rows[CHAUMONT].scheduled, rows[CHAUMONT].held) == (1, 0)
    assert (rows[BRIEY].scheduled, rows[BRIEY].next_date) == (0, None)


def test_the_standing_team_is_editable(db):
    person = records.create(db, Person, full_name="Aurélie Didier", organisation_kind="regional_office")
    members = campaign.set_team(db, LANGRES, [TeamMemberDraft(" Aurélie Didier ", "Référente", "Maison de Région",
                                                              person.id),
                                              TeamMemberDraft("Paul Durand", "Agriculture", "Région")])
    assert [(m.full_name, m.role) for m in members] == [("Aurélie Didier", "Référente"), ("Paul Durand", "Agriculture")]
    kept = members[1]
    kept.role = "Direction de l'agriculture"
    campaign.set_team(db, LANGRES, [kept])
    assert [(m.full_name, m.role, m.member_id) for m in campaign.team(db, LANGRES)] == [
        ("Paul Durand", "Direction de l'agriculture", kept.member_id)]
    with pytest.raises(InvalidValueError, match="n'a pas de nom"):
        campaign.set_team(db, LANGRES, [TeamMemberDraft("")])
    with pytest.raises(InvalidValueError, match="deux fois"):
        campaign.set_team(db, LANGRES, [TeamMemberDraft("A", person_id=person.id),
                                        TeamMemberDraft("B", person_id=person.id)])
    assert campaign.team(db, CHAUMONT) == []
