"""Per-field merge policy registry (SYNC.md « Per-field policy registry »).

Every replicated column of every synced table is listed here under exactly one policy;
a test checks the registry against the schema, so a new column cannot ship without a
decision about how concurrent edits of it merge.

- ``KEEP_BOTH``: long texts and important values (notes, comments, statuses, scores,
  amounts). Concurrent heads with different values form a conflict for the user.
- ``LWW``: ordinary short fields. The last writer by ``(hlc, replica_id)`` wins; the loser
  is journaled and can be restored.
- ``TOMBSTONE``: the ``deleted`` flag. A delete concurrent with an edit keeps the row and
  opens a « supprimé / modifié » conflict.
"""
from __future__ import annotations

from enum import Enum


class Policy(str, Enum):
    KEEP_BOTH = "keep_both"
    LWW = "lww"
    TOMBSTONE = "tombstone"


#: Columns of every synced table, with their policy.
COMMON = {"created_at": Policy.LWW, "deleted": Policy.TOMBSTONE}

#: Per table: (keep-both columns, last-writer-wins columns), space separated.
_REGISTRY: dict[str, tuple[str, str]] = {
    "regional_office": ("notes", "name sites departments to_verify"),
    "structure": ("notes", "name legal_form seat_town departments siren regional_office_id rurality_class "
                           "president director active to_verify sources"),
    "person": ("", "full_name function organisation_kind organisation_name structure_id regional_office_id "
                   "email phone"),
    "framework_agreement": ("status", "structure_id period_start period_end number theme signed_on"),
    "annual_agreement": ("status", "structure_id framework_agreement_id year number cp_date deliberation_no"),
    "aid_line": ("requested_cents proposed_cents voted_cents", "annual_agreement_id kind"),
    "payment": ("amount_cents status", "annual_agreement_id aid_line_id kind due_on paid_on reference"),
    "aid_application": ("status requested_cents notes", "structure_id year submitted_on portal_reference "
                                                        "received_on cp_date deliberation_no annual_agreement_id"),
    "application_line": ("requested_cents proposed_cents modulation_percent", "application_id kind"),
    "application_document": ("received comment", "application_id position name received_on"),
    "scheme": ("core_base_cents core_modulation thematic_cap_cents collective_cap_cents advance_percent "
               "balance_percent", "period_start period_end aid_kinds commission_dates required_documents"),
    "speaker": ("", "meeting_id position full_name organisation topic"),
    "team_member": ("", "structure_id person_id position full_name role organisation"),
    "practice": ("note", "source_table source_id structure_id year theme title"),
    "meeting": ("status", "kind title structure_id meeting_date start_time end_time place_kind place"),
    "meeting_structure": ("", "meeting_id structure_id"),
    "attendance": ("status", "meeting_id person_id full_name function organisation_name position "
                             "structure_id"),
    "agenda_item": ("notes", "meeting_id position title"),
    "minutes": ("status summary vigilance_points next_steps",
                "meeting_id author next_meeting_on written_on validated_on version"),
    "decision": ("text status", "minutes_id number scope"),
    "action": ("text status", "minutes_id structure_id decision_id number owner_person_id owner_name "
                              "owner_organisation due_on follow_up_on done_on"),
    "evaluation_sheet": ("status awarded_cents advance_paid_cents balance_requested_cents region_opinion "
                         "region_comment regional_office_opinion expert_opinion proposed_balance_cents "
                         "reduction_cents reduction_reason",
                         "structure_id year kind template_version version framework_agreement_no "
                         "annual_agreement_no advance_paid_on petr_writer petr_written_on president_visa_on "
                         "president_visa opinion_on"),
    "sheet_answer": ("value", "sheet_id field_key"),
    "indicator": ("target actual cumulative comment", "sheet_id position name unit source"),
    "sheet_post": ("fte funding", "sheet_id position title holder start_on end_on vacant"),
    "sheet_session": ("present", "sheet_id position session_on place theme organiser attendee "
                                 "attendee_function elected proof"),
    "diversification_lead": ("state expected_cents", "sheet_id position lead due_on owner"),
    "sheet_project": ("amount_cents regional_funding state", "sheet_id position title project_owner"),
    "action_plan_item": ("description status", "sheet_id position action owner partners planned actual "
                                               "deliverable"),
    "supporting_document": ("received compliant comment", "sheet_id position name attachment_id"),
    "attachment": ("", "sha256 file_name mime_type size"),
    "sign_off": ("", "record_table record_id signer_name signer_role signed_at content_sha256 "
                     "pdf_signature_ref"),
    "amendment": ("body status", "root_table root_id number reason author"),
}


def _build() -> dict[str, dict[str, Policy]]:
    registry: dict[str, dict[str, Policy]] = {}
    for table, (keep_both, lww) in _REGISTRY.items():
        fields = dict(COMMON)
        fields.update({name: Policy.KEEP_BOTH for name in keep_both.split()})
        fields.update({name: Policy.LWW for name in lww.split()})
        registry[table] = fields
    return registry


REGISTRY: dict[str, dict[str, Policy]] = _build()


def policy(table: str, field: str) -> Policy:
    """The merge policy of a replicated column (KeyError for an unknown one)."""
    return REGISTRY[table][field]
