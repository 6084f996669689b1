"""Expenses: what cluster funds may pay for, each decision with its Danish source.

The sources (Håndbog 2024 §11–§13, Guide til klyngestart §6 and §7.3) are
turned into tables here:

* ``MATRIX``: every category × payee role, fully documented, with the one
  rule that decides what the money is for (docs/expenses.md prints the same
  table, and a test below checks that it does);
* ``CASES``: named cases for every documentation, identity and review rule,
  and the boundaries (1 April 2023, 1 October 2024, the review thresholds).

Every rule of the registry (``kiaprules.rules.spending.SPENDING_RULES``), in
each of its forms, is given by one of them. Every citation names a document
of the ruleset, and the Guide's two sections numbered 7.3 are cited by title;
whether each quote stands word for word in its source is checked in one place
only, tests/static/test_quotes.py. Properties over the registry close the
file's property section.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import textwrap
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import REPO_ROOT, SHIPPED_RULESET, cpr_numbers, cvr_numbers, unmasked_forms
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiaprules import (
    Classification,
    CprNumber,
    Expense,
    InputError,
    KiapRulesError,
    LedgerInput,
    MoneyTypeError,
    build_ledger,
    classify,
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
)
from kiaprules.cli import main
from kiaprules.expenses.classify import classify_with_rules
from kiaprules.formats.expensefile import expense_from_dict
from kiaprules.model.expense import CATEGORIES, DOCUMENTATION, ROLES
from kiaprules.model.money import round_ore
from kiaprules.rules.spending import SEVERITY, SPENDING_RULES, Facts

RULESET = load_ruleset("dk-kiap")
EXAMPLE_EXPENSES = REPO_ROOT / "examples" / "koegeklyngen-expenses.toml"
EXAMPLE_CLUSTER = REPO_ROOT / "examples" / "koegeklyngen.toml"
DOCS = REPO_ROOT / "docs" / "expenses.md"
_CLUSTER = load_clusters([EXAMPLE_CLUSTER])[0]
_PAYOUTS = compute_payouts([_CLUSTER], RULESET)

#: A day after both changes: PLO administers the funds (from 2023-04-01) and
#: PLO's recommended hourly rate is published (from 2024-10-01).
DAY = dt.date(2024, 11, 1)
CVR = "12345674"
CPR = "010180-1234"  # 1 January 1980; 7th digit 1 → 1900s

#: The status each rule gives, whatever the expense: a rule never changes its verdict.
RULE_STATUS: dict[str, str] = {
    # what the money is for (the decision table)
    "honorarium_allowed": "allowed",
    "fee_allowed": "allowed",
    "meeting_costs_allowed": "allowed",
    "conference_allowed": "allowed",
    "mileage_allowed": "allowed",
    "member_special_work": "needs_review",
    "role_mismatch": "needs_review",
    "meeting_cost_to_member": "needs_review",
    "conference_abroad_review": "needs_review",
    "conference_others_review": "needs_review",
    "mileage_in_honorarium": "needs_review",
    "transport_review": "needs_review",
    "study_trip_review": "needs_review",
    "other_review": "needs_review",
    "lost_earnings_review": "needs_review",
    "study_trip_abroad_review": "needs_review",
    "no_funds_to_clinics": "not_allowed",
    "no_member_transport": "not_allowed",
    "no_lost_earnings": "not_allowed",
    "no_patient_or_clinic_costs": "not_allowed",
    "no_study_trips_abroad": "not_allowed",
    # documentation and the recipient's identity
    "honorarium_contract": "incomplete",
    "honorarium_hourly_rate": "incomplete",
    "recipient_identity": "incomplete",
    "receipts_required": "incomplete",
    "recipient_ambiguous": "needs_review",
    "receipts_recommended": "needs_review",
    # care: prices compared with thresholds
    "hourly_rate_above_recommended": "needs_review",
    "amount_not_hours_times_rate": "needs_review",
    "participants_missing": "needs_review",
    "expensive_catering": "needs_review",
    "expensive_venue": "needs_review",
    "consultant_rate_unpublished": "allowed",
}


# --- building expenses ----------------------------------------------------------------


def honorarium(role: str = "coordinator", **kw: Any) -> dict[str, Any]:
    """A fully documented honorarium: contract, time sheet, hourly rate, CVR number."""
    return {"date": DAY, "amount": "9000.00", "category": "honorarium", "payee": "Anne Jensen",
            "payee_role": role, "documentation": ("contract", "timesheet"), "hours": "10",
            "hourly_rate": "900.00", "recipient_cvr": CVR, **kw}


def fee(category: str, role: str, **kw: Any) -> dict[str, Any]:
    """A speaker's, facilitator's or consultant's fee on an invoice and a contract, with a CVR
    number (since 1 April 2023 PLO wants the contract or time sheet with an honorarium)."""
    return {"date": DAY, "amount": "5000.00", "category": category, "payee": "Karen Holm",
            "payee_role": role, "documentation": ("contract", "invoice"), "recipient_cvr": CVR,
            **kw}


def meeting(category: str, role: str = "venue", **kw: Any) -> dict[str, Any]:
    """A meeting cost on an invoice: 2,000 kr for 20 participants (100 kr each)."""
    return {"date": DAY, "amount": "2000.00", "category": category, "payee": "Køge Kulturhus",
            "payee_role": role, "participants": 20, "documentation": ("invoice",), **kw}


def travel(category: str, role: str, **kw: Any) -> dict[str, Any]:
    """Mileage or transport, with a receipt and the recipient's CPR number."""
    return {"date": DAY, "amount": "350.00", "category": category, "payee": "Mette Berg",
            "payee_role": role, "documentation": ("receipt",), "recipient_cpr": CPR, **kw}


def plain(category: str, role: str, **kw: Any) -> dict[str, Any]:
    """Any other category, on an invoice."""
    return {"date": DAY, "amount": "1000.00", "category": category, "payee": "Nogen",
            "payee_role": role, "documentation": ("invoice",), **kw}


_BUILDERS = {
    "honorarium": lambda role, **kw: honorarium(role, **kw),
    "speaker_fee": lambda role, **kw: fee("speaker_fee", role, **kw),
    "facilitator_fee": lambda role, **kw: fee("facilitator_fee", role, **kw),
    "consultant_fee": lambda role, **kw: fee("consultant_fee", role, **kw),
    "room_rental": lambda role, **kw: meeting("room_rental", role, **kw),
    "catering": lambda role, **kw: meeting("catering", role, **kw),
    "meeting_equipment": lambda role, **kw: meeting("meeting_equipment", role, **kw),
    "meeting_material": lambda role, **kw: meeting("meeting_material", role, **kw),
    "mileage": lambda role, **kw: travel("mileage", role, **kw),
    "transport": lambda role, **kw: travel("transport", role, **kw),
}


def documented(category: str, role: str, **kw: Any) -> dict[str, Any]:
    """An expense of ``category`` to ``role`` with every document its category asks for."""
    build = _BUILDERS.get(category)
    return build(role, **kw) if build else plain(category, role, **kw)


def run_classify(fields: Mapping[str, Any], ruleset: Any = RULESET) -> Classification:
    return classify(Expense(**fields), ruleset)


def rules_of(result: Classification) -> list[str]:
    return [r.rule for r in result.reasons]


def check_reasons(result: Classification) -> None:
    """Every reason has a known rule, that rule's status, and a non-empty quote."""
    assert result.reasons, "an expense without a reason"
    for reason in result.reasons:
        assert reason.rule in RULE_STATUS, reason.rule
        assert reason.status == RULE_STATUS[reason.rule], reason
        assert reason.text.strip()
        assert reason.citation.document.strip()
        assert reason.citation.section.strip()
        assert reason.citation.quote.strip(), reason
    assert result.status == max((r.status for r in result.reasons), key=SEVERITY.index)


# --- the decision table: category × payee role --------------------------------------------

# The rule that decides what the money is for, for a fully documented expense.
# Columns follow ROLES. "abroad" rows are the same category with abroad = true.
_ALIASES = {
    "H": "honorarium_allowed", "F": "fee_allowed", "MS": "member_special_work",
    "NC": "no_funds_to_clinics", "RM": "role_mismatch", "MC": "meeting_costs_allowed",
    "MM": "meeting_cost_to_member", "CA": "conference_allowed",
    "CX": "conference_abroad_review", "CO": "conference_others_review",
    "MA": "mileage_allowed", "MH": "mileage_in_honorarium", "NT": "no_member_transport",
    "TR": "transport_review", "NL": "no_lost_earnings", "NP": "no_patient_or_clinic_costs",
    "ST": "study_trip_review", "NS": "no_study_trips_abroad", "OT": "other_review",
    "LR": "lost_earnings_review", "SR": "study_trip_abroad_review",
}
#                      coord board treas secr  speak facil cons  member clinic venue supplier
_MATRIX_TEXT = """
honorarium             H     H     H     H     H     H     H     MS     NC     RM    RM
speaker_fee            F     F     F     F     F     F     F     MS     NC     RM    RM
facilitator_fee        F     F     F     F     F     F     F     MS     NC     RM    RM
consultant_fee         F     F     F     F     F     F     F     MS     NC     RM    RM
room_rental            MC    MC    MC    MC    MC    MC    MC    MM     MM     MC    MC
catering               MC    MC    MC    MC    MC    MC    MC    MM     MM     MC    MC
meeting_equipment      MC    MC    MC    MC    MC    MC    MC    MM     MM     MC    MC
meeting_material       MC    MC    MC    MC    MC    MC    MC    MM     MM     MC    MC
conference             CA    CA    CO    CO    CO    CO    CO    CO     CO     CO    CO
conference/abroad      CX    CX    CO    CO    CO    CO    CO    CO     CO     CO    CO
mileage                MA    MA    MH    MH    MH    MH    MH    NT     NT     MH    MH
transport              TR    TR    TR    TR    TR    TR    TR    NT     NT     TR    TR
lost_earnings          LR    LR    LR    LR    LR    LR    LR    NL     NL     LR    LR
medical_equipment      NP    NP    NP    NP    NP    NP    NP    NP     NP     NP    NP
clinic_operations      NP    NP    NP    NP    NP    NP    NP    NP     NP     NP    NP
study_trip             ST    ST    ST    ST    ST    ST    ST    ST     ST     ST    ST
study_trip/abroad      SR    SR    SR    SR    SR    SR    SR    NS     NS     SR    SR
other                  OT    OT    OT    OT    OT    OT    OT    OT     OT     OT    OT
"""


def _matrix() -> dict[tuple[str, bool, str], str]:
    out: dict[tuple[str, bool, str], str] = {}
    for line in _MATRIX_TEXT.strip().splitlines():
        head, *cells = line.split()
        category, _, abroad = head.partition("/")
        assert len(cells) == len(ROLES), line
        for role, cell in zip(ROLES, cells, strict=True):
            out[(category, abroad == "abroad", role)] = _ALIASES[cell]
    return out


MATRIX = _matrix()


def test_the_matrix_covers_every_category_and_role() -> None:
    assert {c for c, _, _ in MATRIX} == set(CATEGORIES)
    assert {r for _, _, r in MATRIX} == set(ROLES)
    assert len(MATRIX) == (len(CATEGORIES) + 2) * len(ROLES)


@pytest.mark.parametrize(
    ("category", "abroad", "role", "rule"),
    [pytest.param(c, a, r, rule, id=f"{c}{'-abroad' if a else ''}-{r}-{RULE_STATUS[rule]}")
     for (c, a, r), rule in MATRIX.items()],
)
def test_decision_table(category: str, abroad: bool, role: str, rule: str) -> None:
    result = run_classify(documented(category, role, abroad=abroad))
    check_reasons(result)
    assert rules_of(result) == [rule]
    assert result.status == RULE_STATUS[rule]
    assert result.booked == (result.status in ("allowed", "needs_review"))


# --- named cases: every rule, and the combinations the sources decide ------------------------


def case(fields: dict[str, Any], status: str, rules: list[str], name: str) -> Any:
    return pytest.param(fields, status, rules, id=name)


CASES = [
    # Håndbog 2024 §11: honoraria to the coordinator, board and others with tasks.
    *[case(honorarium(role), "allowed", ["honorarium_allowed"], f"honorarium-{role}-allowed")
      for role in ("coordinator", "board_member", "treasurer", "secretary")],
    case(honorarium("clinic"), "not_allowed", ["no_funds_to_clinics"],
         "honorarium-clinic-not_allowed"),
    case(honorarium("member"), "needs_review", ["member_special_work"],
         "honorarium-member-needs_review"),
    case(honorarium("venue"), "needs_review", ["role_mismatch"], "honorarium-venue-role_mismatch"),
    case(fee("speaker_fee", "speaker"), "allowed", ["fee_allowed"], "speaker_fee-contract-allowed"),
    case(fee("speaker_fee", "speaker", documentation=("invoice",)), "incomplete",
         ["fee_allowed", "honorarium_contract"], "speaker_fee-invoice-only-since-2023"),
    case(fee("facilitator_fee", "facilitator", documentation=("invoice",)), "incomplete",
         ["fee_allowed", "honorarium_contract"], "facilitator_fee-invoice-only-since-2023"),
    case(fee("speaker_fee", "speaker", date=dt.date(2023, 3, 31), documentation=("invoice",)),
         "allowed", ["fee_allowed"], "speaker_fee-invoice-only-before-2023-04-01"),
    case(fee("consultant_fee", "consultant", documentation=("invoice",)), "allowed",
         ["fee_allowed"], "consultant_fee-invoice-only"),
    case(fee("facilitator_fee", "facilitator"), "allowed", ["fee_allowed"],
         "facilitator_fee-allowed"),
    case(fee("consultant_fee", "consultant", documentation=("contract",)), "allowed",
         ["fee_allowed"], "consultant_fee-contract-allowed"),
    case(fee("speaker_fee", "clinic"), "not_allowed", ["no_funds_to_clinics"],
         "speaker_fee-clinic-not_allowed"),
    # Lost earnings are not refunded to members or their clinics, whom the sentence names
    # (Håndbog 2024 §11, Guide §7.3); for any other payee the sources do not decide: review.
    *[case(plain("lost_earnings", role), "not_allowed", ["no_lost_earnings"],
           f"lost_earnings-{role}-not_allowed") for role in ("member", "clinic")],
    *[case(plain("lost_earnings", role), "needs_review", ["lost_earnings_review"],
           f"lost_earnings-{role}-needs_review")
      for role in ROLES if role not in ("member", "clinic")],
    case(plain("lost_earnings", "speaker", documentation=()), "incomplete",
         ["lost_earnings_review", "receipts_required"],
         "lost_earnings-speaker-no_receipt-incomplete"),
    # Medical equipment and running a clinic (Håndbog 2024 §11).
    *[case(plain(cat, role), "not_allowed", ["no_patient_or_clinic_costs"],
           f"{cat}-{role}-not_allowed")
      for cat in ("medical_equipment", "clinic_operations")
      for role in ("supplier", "clinic", "coordinator")],
    # Members' transport to meetings is not paid (Håndbog 2024 §11).
    *[case(travel(cat, role), "not_allowed", ["no_member_transport"],
           f"{cat}-{role}-not_allowed")
      for cat in ("transport", "mileage") for role in ("member", "clinic")],
    case(travel("mileage", "member", recipient_cpr=None), "not_allowed",
         ["no_member_transport", "recipient_identity"],
         "mileage-member-no_identity-not_allowed_beats_incomplete"),
    # Mileage for the coordinator and board (Håndbog 2024 §13), with the recipient's identity.
    case(travel("mileage", "coordinator"), "allowed", ["mileage_allowed"],
         "mileage-coordinator-cpr-allowed"),
    case(travel("mileage", "board_member", recipient_cpr=None, recipient_cvr=CVR), "allowed",
         ["mileage_allowed"], "mileage-board_member-cvr-allowed"),
    case(travel("mileage", "coordinator", recipient_cpr=None), "incomplete",
         ["mileage_allowed", "recipient_identity"], "mileage-coordinator-no_identity-incomplete"),
    case(travel("mileage", "speaker"), "needs_review", ["mileage_in_honorarium"],
         "mileage-speaker-in_honorarium"),
    case(travel("mileage", "treasurer"), "needs_review", ["mileage_in_honorarium"],
         "mileage-treasurer-needs_review"),
    case(travel("transport", "coordinator"), "needs_review", ["transport_review"],
         "transport-coordinator-needs_review"),
    # Conferences and theme days for the coordinator and board (Håndbog 2024 §11).
    case(plain("conference", "coordinator"), "allowed", ["conference_allowed"],
         "conference-coordinator-allowed"),
    case(plain("conference", "board_member"), "allowed", ["conference_allowed"],
         "conference-board_member-allowed"),
    case(plain("conference", "coordinator", abroad=True), "needs_review",
         ["conference_abroad_review"], "conference-coordinator-abroad-needs_review"),
    case(plain("conference", "member"), "needs_review", ["conference_others_review"],
         "conference-member-needs_review"),
    case(plain("conference", "secretary"), "needs_review", ["conference_others_review"],
         "conference-secretary-needs_review"),
    # No study trips abroad for the cluster's members (Håndbog 2024 §11): refused for members
    # and their clinics; for any other payee the sentence does not decide, so review.
    *[case(plain("study_trip", role, abroad=True), "not_allowed", ["no_study_trips_abroad"],
           f"study_trip-abroad-{role}-not_allowed") for role in ("member", "clinic")],
    *[case(plain("study_trip", role, abroad=True), "needs_review", ["study_trip_abroad_review"],
           f"study_trip-abroad-{role}-needs_review")
      for role in ("coordinator", "board_member", "speaker", "supplier")],
    case(plain("study_trip", "member"), "needs_review", ["study_trip_review"],
         "study_trip-denmark-needs_review"),
    # Meeting costs (Håndbog 2024 §11; Guide §7.3 adds equipment and material).
    *[case(meeting(cat, role), "allowed", ["meeting_costs_allowed"], f"{cat}-{role}-allowed")
      for cat in ("room_rental", "catering", "meeting_equipment", "meeting_material")
      for role in ("venue", "supplier")],
    case(meeting("catering", "member"), "needs_review", ["meeting_cost_to_member"],
         "catering-member-needs_review"),
    case(meeting("room_rental", "clinic"), "needs_review", ["meeting_cost_to_member"],
         "room_rental-clinic-needs_review"),
    case(plain("other", "supplier"), "needs_review", ["other_review"], "other-needs_review"),
    # Documentation (Håndbog 2024 §12; before 1 April 2023 Guide §6, §7.3).
    case(honorarium(documentation=("invoice",)), "incomplete",
         ["honorarium_allowed", "honorarium_contract"], "honorarium-no_contract-incomplete"),
    case(honorarium(documentation=("timesheet",)), "allowed", ["honorarium_allowed"],
         "honorarium-timesheet_is_enough"),
    case(honorarium(date=dt.date(2023, 3, 31), documentation=("invoice",)), "incomplete",
         ["honorarium_allowed", "honorarium_contract", "consultant_rate_unpublished"],
         "honorarium-no_contract-before_plo-guide_6"),
    case(fee("speaker_fee", "speaker", documentation=("attendance_list",)), "incomplete",
         ["fee_allowed", "honorarium_contract", "receipts_required"],
         "speaker_fee-no_invoice-incomplete"),
    case(honorarium(hours=None, hourly_rate=None), "incomplete",
         ["honorarium_allowed", "honorarium_hourly_rate"], "honorarium-no_hourly_rate-incomplete"),
    case(honorarium(date=dt.date(2023, 3, 31), hours=None, hourly_rate=None), "allowed",
         ["honorarium_allowed"], "honorarium-no_hourly_rate-before_plo-allowed"),
    case(honorarium(recipient_cvr=None), "incomplete", ["honorarium_allowed", "recipient_identity"],
         "honorarium-no_recipient-incomplete"),
    case(honorarium(date=dt.date(2022, 6, 1), recipient_cvr=None), "incomplete",
         ["honorarium_allowed", "recipient_identity", "consultant_rate_unpublished"],
         "honorarium-no_recipient-before_plo-incomplete"),
    case(fee("speaker_fee", "speaker", recipient_cvr=None), "incomplete",
         ["fee_allowed", "recipient_identity"], "speaker_fee-no_recipient-incomplete"),
    case(honorarium(recipient_cpr=CPR), "needs_review", ["honorarium_allowed",
                                                         "recipient_ambiguous"],
         "honorarium-cvr_and_cpr-needs_review"),
    case(meeting("room_rental", documentation=()), "incomplete",
         ["meeting_costs_allowed", "receipts_required"], "room_rental-no_receipt-incomplete"),
    case(meeting("catering", documentation=("attendance_list",)), "incomplete",
         ["meeting_costs_allowed", "receipts_required"],
         "catering-attendance_list_is_not_a_receipt"),
    case(meeting("room_rental", date=dt.date(2020, 5, 1), documentation=()), "needs_review",
         ["meeting_costs_allowed", "receipts_recommended"],
         "room_rental-no_receipt-before_plo-needs_review"),
    # Care (Håndbog 2024 §11, §13; kiap.dk Klyngeadministration).
    case(honorarium(hourly_rate="1200.00", amount="12000.00"), "needs_review",
         ["honorarium_allowed", "hourly_rate_above_recommended"], "hourly_rate-above-needs_review"),
    case(fee("consultant_fee", "consultant", hours="2", hourly_rate="1500.00",
             amount="3000.00"), "needs_review",
         ["fee_allowed", "hourly_rate_above_recommended"], "consultant_fee-rate_above"),
    case(honorarium(date=dt.date(2024, 9, 30)), "allowed",
         ["honorarium_allowed", "consultant_rate_unpublished"],
         "hourly_rate-before_2024-10-01-not_compared"),
    case(honorarium(amount="9500.00"), "needs_review",
         ["honorarium_allowed", "amount_not_hours_times_rate"], "amount-not-hours_times_rate"),
    case(honorarium(hours="12.5", hourly_rate="1000.00", amount="12500.00"), "allowed",
         ["honorarium_allowed"], "amount-equals-hours_times_rate"),
    case(meeting("catering", participants=None), "needs_review",
         ["meeting_costs_allowed", "participants_missing"], "catering-no_participants"),
    case(meeting("room_rental", participants=None), "needs_review",
         ["meeting_costs_allowed", "participants_missing"], "room_rental-no_participants"),
    case(meeting("meeting_equipment", participants=None), "allowed",
         ["meeting_costs_allowed"], "meeting_equipment-participants_not_needed"),
    case(meeting("catering", amount="16800.00", participants=24), "needs_review",
         ["meeting_costs_allowed", "expensive_catering"], "catering-700_each-expensive"),
    case(meeting("room_rental", amount="20000.20", participants=20), "needs_review",
         ["meeting_costs_allowed", "expensive_venue"], "room_rental-1000.01_each-expensive"),
    case(meeting("room_rental", amount="20000.00", participants=20), "allowed",
         ["meeting_costs_allowed"], "room_rental-1000.00_each-allowed"),
    case(meeting("catering", "member", amount="16800.00", participants=None), "needs_review",
         ["meeting_cost_to_member"], "catering-member-thresholds_not_applied"),
    # The most serious reason wins.
    case(honorarium("clinic", documentation=(), recipient_cvr=None, hourly_rate="2000.00",
                    amount="20000.00"), "not_allowed",
         ["no_funds_to_clinics", "honorarium_contract", "recipient_identity",
          "receipts_required", "hourly_rate_above_recommended"],
         "worst_reason_wins"),
]


@pytest.mark.parametrize(("fields", "status", "rules"), CASES)
def test_rule_case(fields: dict[str, Any], status: str, rules: list[str]) -> None:
    result = run_classify(fields)
    check_reasons(result)
    assert result.status == status
    assert rules_of(result) == rules


def test_every_registered_rule_has_a_named_case() -> None:
    """Every rule id of the registry has its status here and a case; every form of a rule
    (an id may have several, one per citation: by date, by category) is given by one."""
    assert {r.id for r in SPENDING_RULES} == set(RULE_STATUS)
    for rule in SPENDING_RULES:
        assert rule.status == RULE_STATUS[rule.id], rule.id
    covered = set(MATRIX.values()) | {r for p in CASES for r in p.values[2]}
    assert covered == set(RULE_STATUS)
    forms = {(r.id, r.citation) for r in SPENDING_RULES}
    assert len(forms) == len(SPENDING_RULES)  # a form is told apart by its citation
    fields = [documented(c, r, abroad=a) for c, a, r in MATRIX] + [p.values[0] for p in CASES]
    given = {(reason.rule, reason.citation) for f in fields for reason in run_classify(f).reasons}
    missing = sorted(f"{rule} ({c.document} {c.section})" for rule, c in forms - given)
    assert not missing, f"no case gives these forms of a rule: {missing}"
    assert given <= forms


# --- citations: the document, the section, the stored kiap.dk sentence ---------------------
#
# Whether each quote stands word for word in its source is checked in one place only:
# tests/static/test_quotes.py, over every citation of the registry. Here: what the
# citations name.


def _norm(text: str) -> str:
    return " ".join(text.split())


def _all_reasons() -> dict[tuple[str, str, str, str], str]:
    out = {}
    fields = [documented(c, r, abroad=a) for c, a, r in MATRIX] + [p.values[0] for p in CASES]
    for f in fields:
        for reason in run_classify(f).reasons:
            c = reason.citation
            out[(reason.rule, c.document, c.section, c.quote)] = reason.rule
    return out


def test_every_citation_names_a_document_of_the_ruleset_with_a_stored_source() -> None:
    """The registry's and every reason's: a document the ruleset describes, with its file."""
    cited = {(r.id, r.citation.document) for r in SPENDING_RULES}
    cited |= {(rule, document) for rule, document, _, _ in _all_reasons()}
    unknown = sorted((rule, d) for rule, d in cited if d not in RULESET.documents)
    assert unknown == []
    assert {d for _, d in cited} == {"Håndbog 2024", "Guide til klyngestart",
                                     "kiap.dk Klyngeadministration"}
    for document in {d for _, d in cited}:
        assert RULESET.documents[document].get("file"), document


#: The Guide has two headings numbered 7.3; each rule citing one names it by its title.
GUIDE_7_3 = {
    "§7.3 Brug af klyngemidler": {"meeting_costs_allowed", "no_funds_to_clinics",
                                  "meeting_cost_to_member"},
    "§7.3 Regler for budget og klyngeregnskab": {"receipts_recommended"},
}


def test_the_guides_two_sections_numbered_7_3_are_cited_by_title() -> None:
    cited: dict[str, set[str]] = {}
    for rule in SPENDING_RULES:
        c = rule.citation
        if c.document == "Guide til klyngestart" and c.section.startswith("§7"):
            cited.setdefault(c.section, set()).add(rule.id)
    assert cited == GUIDE_7_3


PLO_RATE_SENTENCE = ("Taksten pr. 1. oktober 2024 er forhandlet til 2144,03 kr. for 2 timer - "
                     "svarende til en timepris på 1.072,02 kr. for en konsulenttime.")


@pytest.mark.parametrize("rule_id", ["consultant_rate_unpublished",
                                     "hourly_rate_above_recommended"])
def test_both_hourly_rate_rules_cite_the_stored_kiap_dk_sentence(rule_id: str) -> None:
    """The sentence that gives 2144,03 kr for 2 hours and 1.072,02 kr an hour, in the
    section of the stored page it stands in; no note standing in for a missing quote."""
    [rule] = [r for r in SPENDING_RULES if r.id == rule_id]
    c = rule.citation
    assert (c.document, c.section, c.quote, c.note) == (
        "kiap.dk Klyngeadministration", "Klyngens økonomi og udbetaling af midler",
        PLO_RATE_SENTENCE, None)
    assert RULESET.documents[c.document]["file"] == "kiap-dk-klyngeadministration.txt"
    assert rule.threshold == "consultant_hourly_rate"


def test_amount_not_hours_times_rate_cites_the_zexpense_sentence_of_haandbog_12() -> None:
    """Hours × rate is asked for by "kontrakt eller timeopgørelse inkl. en timesats"."""
    [rule] = [r for r in SPENDING_RULES if r.id == "amount_not_hours_times_rate"]
    assert (rule.citation.document, rule.citation.section) == ("Håndbog 2024", "§12")
    assert "timeopgørelse inkl. en timesats" in rule.citation.quote


# --- docs/expenses.md says what the engine does --------------------------------------------------


def _docs_decision_table() -> dict[tuple[str, bool, str], str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## The decision table"):]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[0] == "category"
    out: dict[tuple[str, bool, str], str] = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not cells[0].startswith("`"):
            break
        match = re.fullmatch(r"`([a-z_]+)`(?: (in Denmark|abroad))?", cells[0])
        assert match, cells[0]
        abroad = match.group(2) == "abroad"
        for role, status in zip(header[1:], cells[1:], strict=True):
            out[(match.group(1), abroad, role)] = status
    return out


def test_the_docs_decision_table_is_the_engines() -> None:
    documented_table = _docs_decision_table()
    assert documented_table == {key: RULE_STATUS[rule] for key, rule in MATRIX.items()}


def test_the_docs_decision_table_is_the_registrys() -> None:
    """Read off the registry's purpose rules (the first that matches), cell by cell; a category
    the docs show in one row must be decided alike at home and abroad."""
    documented_table = _docs_decision_table()
    split = {category for category, abroad, _ in documented_table if abroad}
    purpose = [r for r in SPENDING_RULES if r.stage == "purpose"]
    for category in CATEGORIES:
        for role in ROLES:
            for abroad in (False, True):
                expense = Expense(**plain(category, role, abroad=abroad))
                facts = Facts.of(expense, RULESET)
                first = next(r for r in purpose if r.applies(expense, facts))
                cell = (category, abroad and category in split, role)
                assert documented_table[cell] == first.status, (cell, first.id)


def test_the_docs_name_every_rule_and_quote_every_source_sentence() -> None:
    text = _norm(DOCS.read_text(encoding="utf-8"))
    for rule in RULE_STATUS:
        assert f"`{rule}`" in text, rule
    for _, _, _, quote in _all_reasons():
        assert _norm(quote) in text, quote


# --- boundaries -------------------------------------------------------------------------------


def test_hourly_rate_exactly_the_recommended_rate_on_its_first_day_is_allowed() -> None:
    result = run_classify(honorarium(date=dt.date(2024, 10, 1), hours="10",
                                     hourly_rate="1072.02", amount="10720.20"))
    assert result.status == "allowed"
    assert rules_of(result) == ["honorarium_allowed"]


def test_hourly_rate_one_ore_above_the_recommended_rate_is_reviewed_as_published() -> None:
    result = run_classify(honorarium(date=dt.date(2024, 10, 1), hours="10",
                                     hourly_rate="1072.03", amount="10720.30"))
    assert result.status == "needs_review"
    [above] = [r for r in result.reasons if r.rule == "hourly_rate_above_recommended"]
    assert above.threshold is not None
    assert above.threshold.parameter == "consultant_hourly_rate"
    assert above.threshold.value == Decimal("1072.02")
    assert above.threshold.kind == "published"
    assert above.threshold.note is None
    assert above.citation.document == "kiap.dk Klyngeadministration"
    assert "1072.03" in above.text and "1072.02" in above.text
    assert "published figure" in above.text
    assert above.to_dict()["threshold"]["kind"] == "published"


def test_hourly_rate_the_day_before_publication_is_not_compared_and_says_so() -> None:
    result = run_classify(honorarium(date=dt.date(2024, 9, 30), hours="10",
                                     hourly_rate="5000.00", amount="50000.00"))
    assert result.status == "allowed"
    [note] = [r for r in result.reasons if r.rule == "consultant_rate_unpublished"]
    assert note.status == "allowed"
    assert note.threshold is None
    assert "2024-10-01" in note.text
    assert "5000.00" in note.text
    assert "not compared" in note.text


#: (category, amount, participants, the cost per participant to the øre (half up), reviewed)
#: The ruleset's figures: catering_review_per_participant 500.00, venue_review_per_participant
#: 1000.00 (both local policy settings); only a figure *above* them is reviewed.
PER_PARTICIPANT = [
    # catering, threshold 500.00
    ("catering", "5000.00", 10, "500.00", False),    # 5,000.00 / 10 = 500.00: at it, not above
    ("catering", "5000.04", 10, "500.00", False),    # 5,000.04 / 10 = 500.004 → 500.00
    ("catering", "5000.05", 10, "500.01", True),     # 5,000.05 / 10 = 500.005 → 500.01 (half up)
    ("catering", "5000.10", 10, "500.01", True),     # 5,000.10 / 10 = 500.01
    ("catering", "7000.00", 14, "500.00", False),    # 7,000.00 / 14 = 500.00 exactly
    ("catering", "7000.01", 14, "500.00", False),    # 7,000.01 / 14 = 500.000714… → 500.00
    ("catering", "7000.06", 14, "500.00", False),    # 7,000.06 / 14 = 500.004285… → 500.00
    ("catering", "7000.07", 14, "500.01", True),     # 7,000.07 / 14 = 500.005 → 500.01 (half up)
    # room rental, threshold 1000.00
    ("room_rental", "14000.00", 14, "1000.00", False),  # 14,000.00 / 14 = 1,000.00 exactly
    ("room_rental", "14000.06", 14, "1000.00", False),  # 14,000.06 / 14 = 1,000.004285… → 1,000.00
    ("room_rental", "14000.07", 14, "1000.01", True),   # 14,000.07 / 14 = 1,000.005 → 1,000.01
    ("room_rental", "20000.09", 20, "1000.00", False),  # 20,000.09 / 20 = 1,000.0045 → 1,000.00
    ("room_rental", "20000.10", 20, "1000.01", True),   # 20,000.10 / 20 = 1,000.005 → 1,000.01
]

_THRESHOLD_OF = {"catering": ("catering_review_per_participant", "expensive_catering", "500.00"),
                 "room_rental": ("venue_review_per_participant", "expensive_venue", "1000.00")}


@pytest.mark.parametrize(("parameter", "rule", "figure"), sorted(_THRESHOLD_OF.values()))
def test_the_per_participant_thresholds_are_the_rulesets_local_policy_figures(
        parameter: str, rule: str, figure: str) -> None:
    """The figures the boundary cases below are worked out from, on every day they apply."""
    for day in (dt.date(2018, 1, 1), dt.date(2023, 4, 1), DAY):
        value = RULESET.lookup(parameter, day)
        assert value.value == Decimal(figure)
        assert value.assumption is not None and "local policy setting" in value.assumption
    [registered] = [r for r in SPENDING_RULES if r.id == rule]
    assert (registered.threshold, registered.basis) == (parameter, "local_policy")


@pytest.mark.parametrize(("category", "amount", "participants", "each", "reviewed"),
                         PER_PARTICIPANT,
                         ids=[f"{c}-{a}-for-{n}-{e}-{'reviewed' if r else 'not'}"
                              for c, a, n, e, r in PER_PARTICIPANT])
def test_the_cost_per_participant_is_rounded_half_up_and_only_above_the_figure_reviewed(
        category: str, amount: str, participants: int, each: str, reviewed: bool) -> None:
    parameter, rule, figure = _THRESHOLD_OF[category]
    result = run_classify(meeting(category, amount=amount, participants=participants))
    expensive = [r for r in result.reasons if r.rule == rule]
    if not reviewed:
        assert (result.status, expensive) == ("allowed", [])
        return
    assert result.status == "needs_review"
    [reason] = expensive
    # The figure shown is the one compared: to the øre, half up.
    assert reason.text == f"{each} kr per participant is above {figure} (local policy setting)"
    assert reason.threshold is not None
    assert (reason.threshold.parameter, reason.threshold.value, reason.threshold.kind) == (
        parameter, Decimal(figure), "local_policy")
    assert reason.threshold.note and "local policy setting" in reason.threshold.note


@pytest.mark.parametrize(("day", "status", "rule"), [
    pytest.param(dt.date(2023, 3, 31), "needs_review", "receipts_recommended",
                 id="2023-03-31-nemkonto-recommended"),
    pytest.param(dt.date(2023, 4, 1), "incomplete", "receipts_required",
                 id="2023-04-01-plo-required"),
])
def test_receipts_change_on_1_april_2023(day: dt.date, status: str, rule: str) -> None:
    result = run_classify(meeting("room_rental", date=day, documentation=()))
    assert result.status == status
    assert rules_of(result) == ["meeting_costs_allowed", rule]
    assert result.booked == (status == "needs_review")
    [reason] = [r for r in result.reasons if r.rule == rule]
    expected = {"receipts_recommended": ("Guide til klyngestart",
                                         "§7.3 Regler for budget og klyngeregnskab"),
                "receipts_required": ("Håndbog 2024", "§12")}[rule]
    assert (reason.citation.document, reason.citation.section) == expected


@pytest.mark.parametrize(("day", "identity", "income_type"), [
    pytest.param(dt.date(2023, 3, 31), {"recipient_cpr": CPR}, "B", id="cpr-2023-03-31-B"),
    pytest.param(dt.date(2023, 4, 1), {"recipient_cpr": CPR}, "A", id="cpr-2023-04-01-A"),
    pytest.param(dt.date(2023, 3, 31), {"recipient_cvr": CVR}, "B", id="cvr-2023-03-31-B"),
    pytest.param(dt.date(2023, 4, 1), {"recipient_cvr": CVR}, "B", id="cvr-2023-04-01-B"),
    pytest.param(dt.date(2024, 11, 1), {"recipient_cvr": CVR, "recipient_cpr": CPR}, "B",
                 id="both-B"),
])
def test_income_type_of_an_honorarium(day: dt.date, identity: dict[str, str],
                                      income_type: str) -> None:
    fields = {**honorarium(date=day), "recipient_cvr": None, **identity}
    result = run_classify(fields)
    assert result.income_type == income_type
    assert result.to_dict()["income_type"] == income_type


@pytest.mark.parametrize(("fields", "income_type"), [
    pytest.param(honorarium(recipient_cvr=None), None, id="honorarium-no_identity"),
    pytest.param(travel("mileage", "coordinator"), "A", id="mileage-cpr-A"),
    pytest.param(fee("speaker_fee", "speaker"), "B", id="speaker_fee-cvr-B"),
    pytest.param(meeting("catering", recipient_cvr=CVR), None, id="catering-none"),
    pytest.param(travel("transport", "coordinator"), None, id="transport-none"),
])
def test_income_type_only_for_pay_and_mileage(fields: dict[str, Any],
                                              income_type: str | None) -> None:
    assert run_classify(fields).income_type == income_type


def test_honorarium_citations_follow_the_1_april_2023_change() -> None:
    before = run_classify(honorarium(date=dt.date(2023, 3, 31), documentation=(),
                                     recipient_cvr=None))
    after = run_classify(honorarium(date=dt.date(2023, 4, 1), documentation=(),
                                    recipient_cvr=None))
    cite = {r.rule: (r.citation.document, r.citation.section) for r in before.reasons}
    assert cite["honorarium_contract"] == ("Guide til klyngestart", "§6")
    assert cite["recipient_identity"] == ("Guide til klyngestart", "§6")
    assert cite["receipts_recommended"] == ("Guide til klyngestart",
                                            "§7.3 Regler for budget og klyngeregnskab")
    cite = {r.rule: (r.citation.document, r.citation.section) for r in after.reasons}
    assert cite["honorarium_contract"] == ("Håndbog 2024", "§12")
    assert cite["recipient_identity"] == ("Håndbog 2024", "§12")
    assert cite["receipts_required"] == ("Håndbog 2024", "§12")


def test_overriding_the_catering_threshold_changes_the_outcome() -> None:
    fields = meeting("catering", date=dt.date(2024, 3, 7), amount="16800.00", participants=24)
    assert run_classify(fields).status == "needs_review"  # 700 kr each > 500
    raised = RULESET.with_override("catering_review_per_participant", "700.00",
                                   dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert raised.fingerprint != RULESET.fingerprint
    result = run_classify(fields, raised)
    assert result.status == "allowed"
    assert rules_of(result) == ["meeting_costs_allowed"]
    # The override covers 2024 only: 2025 falls back to the shipped 500.00.
    later = run_classify({**fields, "date": dt.date(2025, 3, 7)}, raised)
    assert later.status == "needs_review"
    lowered = RULESET.with_override("catering_review_per_participant", "50.00",
                                    dt.date(2024, 1, 1))
    cheap = meeting("catering", amount="2000.00", participants=20)  # 100 kr each
    assert run_classify(cheap).status == "allowed"
    result = run_classify(cheap, lowered)
    assert result.status == "needs_review"
    [reason] = [r for r in result.reasons if r.rule == "expensive_catering"]
    assert reason.threshold is not None
    assert reason.threshold.value == Decimal("50.00")
    assert reason.threshold.kind == "local_policy"
    assert reason.threshold.note and "override" in reason.threshold.note


def test_cli_set_overrides_the_catering_threshold() -> None:
    def status_of_2024_01(*extra: str) -> str:
        out = io.StringIO()
        assert main(["expenses", str(EXAMPLE_EXPENSES), "--format", "json", *extra],
                    out=out) == 0
        [item] = [e for e in json.loads(out.getvalue())["expenses"] if e["id"] == "2024-01"]
        return str(item["status"])

    assert status_of_2024_01() == "needs_review"
    assert status_of_2024_01("--set", "catering_review_per_participant@2024=600") == \
        "needs_review"
    assert status_of_2024_01("--set", "catering_review_per_participant@2024=700") == "allowed"
    assert status_of_2024_01("--set", "catering_review_per_participant@2023=700") == \
        "needs_review"


# --- participants_missing: a local policy a ruleset policy switches off -------------------

IGNORE = {"participants_missing": "ignore"}


def test_participants_missing_is_a_local_policy_rule_with_a_ruleset_policy() -> None:
    """#13: not a rule of the sources, so marked like the thresholds and switchable."""
    [rule] = [r for r in SPENDING_RULES if r.id == "participants_missing"]
    assert (rule.basis, rule.policy, rule.stage, rule.status) == (
        "local_policy", "participants_missing", "care", "needs_review")
    policy = RULESET.policies["participants_missing"]
    assert (policy.interpretation, policy.default) == ("local policy", "review")
    assert set(policy.choices) == {"review", "ignore"}


@pytest.mark.parametrize("category", ["catering", "room_rental"])
def test_participants_missing_is_reviewed_by_default_and_left_out_when_ignored(
        category: str) -> None:
    expense = Expense(**meeting(category, participants=None))
    default = classify(expense, RULESET)
    assert (default.status, rules_of(default)) == (
        "needs_review", ["meeting_costs_allowed", "participants_missing"])
    assert classify(expense, RULESET, policies={"participants_missing": "review"}) == default
    ignored = classify(expense, RULESET, policies=IGNORE)
    assert (ignored.status, rules_of(ignored)) == ("allowed", ["meeting_costs_allowed"])


def test_ignoring_participants_missing_leaves_the_thresholds_and_other_rules_alone() -> None:
    # 16,800.00 kr for 24 participants is 700.00 kr each: above 500.00 under either reading.
    dinner = Expense(**meeting("catering", amount="16800.00", participants=24))
    assert classify(dinner, RULESET, policies=IGNORE) == classify(dinner, RULESET)
    assert rules_of(classify(dinner, RULESET, policies=IGNORE)) == [
        "meeting_costs_allowed", "expensive_catering"]
    # Without participants and without a receipt: only the participants' reason goes.
    bare = Expense(**meeting("room_rental", participants=None, documentation=()))
    assert rules_of(classify(bare, RULESET)) == [
        "meeting_costs_allowed", "receipts_required", "participants_missing"]
    ignored = classify(bare, RULESET, policies=IGNORE)
    assert (ignored.status, rules_of(ignored)) == (
        "incomplete", ["meeting_costs_allowed", "receipts_required"])


def test_classify_expenses_and_build_ledger_take_the_policy() -> None:
    lunch = Expense(**meeting("catering", date=dt.date(2024, 5, 2), amount="1800.00",
                              participants=None, id="L1"))
    report = classify_expenses([lunch], RULESET)
    assert [(c.status, rules_of(c)) for c in report.items] == [
        ("needs_review", ["meeting_costs_allowed", "participants_missing"])]
    report = classify_expenses([lunch], RULESET, policies=IGNORE)
    assert [(c.status, rules_of(c)) for c in report.items] == [
        ("allowed", ["meeting_costs_allowed"])]
    account = build_ledger(_CLUSTER, [lunch], RULESET, payouts=_PAYOUTS)
    [booked] = account.year(2024).booked
    assert rules_of(booked) == ["meeting_costs_allowed", "participants_missing"]
    account = build_ledger(_CLUSTER, [lunch], RULESET, payouts=_PAYOUTS, policies=IGNORE)
    [booked] = account.year(2024).booked
    assert (booked.status, rules_of(booked)) == ("allowed", ["meeting_costs_allowed"])


@pytest.fixture
def ignoring_ruleset(tmp_path: Path) -> Any:
    """The shipped ruleset, with 'ignore' as participants_missing's default reading."""
    text = SHIPPED_RULESET.read_text(encoding="utf-8")
    head = text.index("[policies.participants_missing]")
    at = text.index('default = "review"', head)
    path = tmp_path / "ignoring.toml"
    path.write_text(text[:at] + 'default = "ignore"' + text[at + len('default = "review"'):],
                    encoding="utf-8")
    ruleset = load_ruleset(path)
    assert ruleset.policies["participants_missing"].default == "ignore"
    return ruleset


def test_the_rulesets_default_reading_applies_when_the_caller_chooses_none(
        ignoring_ruleset: Any) -> None:
    """Fixed in 8667a48: without policies the classifier took no reading at all (so the rule
    stayed on); it takes the ruleset's default, as with any policy."""
    lunch = Expense(**meeting("catering", participants=None, id="L1"))
    for result in (classify(lunch, ignoring_ruleset),
                   classify_expenses([lunch], ignoring_ruleset).items[0],
                   build_ledger(_CLUSTER, [lunch], ignoring_ruleset,
                                payouts=_PAYOUTS).year(DAY.year).booked[0]):
        assert (result.status, rules_of(result)) == ("allowed", ["meeting_costs_allowed"])
    chosen = classify(lunch, ignoring_ruleset, policies={"participants_missing": "review"})
    assert (chosen.status, rules_of(chosen)) == (
        "needs_review", ["meeting_costs_allowed", "participants_missing"])


@pytest.mark.parametrize(("policies", "field", "words"), [
    ({"participants_missing": "maybe"}, "participants_missing",
     "must be one of review, ignore, got 'maybe'"),
    ({"participants": "ignore"}, "participants", "unknown policy; the ruleset has "),
])
def test_a_policy_the_ruleset_does_not_have_is_refused(policies: dict[str, str], field: str,
                                                       words: str) -> None:
    with pytest.raises(InputError) as info:
        classify(Expense(**meeting("catering", participants=None)), RULESET, policies=policies)
    assert info.value.field == field
    assert info.value.reason.startswith(words)


def test_cli_expenses_policy_switches_participants_missing_off(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text("id,date,amount,category,payee,payee_role,documentation\n"
                    "L1,2024-05-02,1800.00,catering,Kro,venue,invoice\n", encoding="utf-8")

    def row(*extra: str) -> str:
        out = io.StringIO()
        assert main(["expenses", str(path), "--format", "csv", *extra], out=out) == 0
        return out.getvalue().splitlines()[1]

    assert row() == ("L1,2024-05-02,1800.00,catering,venue,,,needs_review,"
                     "meeting_costs_allowed;participants_missing,Håndbog 2024 §11;Håndbog 2024 §11")
    assert row("--policy", "participants_missing=review") == row()
    assert row("--policy", "participants_missing=ignore") == (
        "L1,2024-05-02,1800.00,catering,venue,,,allowed,meeting_costs_allowed,Håndbog 2024 §11")
    capsys.readouterr()
    out = io.StringIO()
    assert main(["expenses", str(path), "--policy", "participants_missing=maybe"], out=out) == 2
    assert out.getvalue() == ""
    assert capsys.readouterr().err == ("kiaprules: error: participants_missing: must be one of "
                                       "review, ignore, got 'maybe'\n")


# --- the Køgeklyngen example -------------------------------------------------------------------

EXAMPLE_STATUSES = {
    "2018-01": ("allowed", None),
    "2018-02": ("allowed", "B"),
    "2019-01": ("not_allowed", None),
    "2019-02": ("incomplete", None),
    "2022-01": ("not_allowed", None),
    "2023-01": ("needs_review", None),
    "2023-02": ("incomplete", None),
    "2024-01": ("needs_review", None),
    "2024-02": ("needs_review", "A"),
    "2024-03": ("allowed", "B"),
    "2024-04": ("not_allowed", None),
}


def test_the_example_expenses() -> None:
    document, expenses = load_expense_records(EXAMPLE_EXPENSES)
    report = classify_expenses(expenses, RULESET)
    assert {c.expense.id: (c.status, c.income_type) for c in report.items} == EXAMPLE_STATUSES
    assert [c.expense.id for c in report.items] == sorted(EXAMPLE_STATUSES)
    assert {s: report.count(s) for s in SEVERITY} == {
        "allowed": 3, "needs_review": 3, "incomplete": 2, "not_allowed": 3}
    assert document["account"]["cluster"] == "Køgeklyngen"
    for c in report.items:
        check_reasons(c)


def test_cli_expenses_table_json_csv(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["expenses", str(EXAMPLE_EXPENSES)], out=out) == 0
    table = out.getvalue()
    assert table.endswith("11 expenses: 3 allowed, 3 needs_review, 2 incomplete, "
                          "3 not_allowed\n")
    assert "members' transport to cluster meetings is not paid [Håndbog 2024 §11]" in table
    assert "010180-1234" not in table
    out = io.StringIO()
    assert main(["expenses", str(EXAMPLE_EXPENSES), "--format", "json"], out=out) == 0
    data = json.loads(out.getvalue())
    assert data["ruleset"] == {"id": "dk-kiap", "fingerprint": RULESET.fingerprint}
    assert data["summary"] == {"allowed": 3, "needs_review": 3, "incomplete": 2,
                               "not_allowed": 3}
    [secretary] = [e for e in data["expenses"] if e["id"] == "2024-02"]
    assert secretary["recipient"] == "CPR 010180-XXXX"
    assert secretary["income_type"] == "A"
    assert [r["rule"] for r in secretary["reasons"]] == ["honorarium_allowed",
                                                         "hourly_rate_above_recommended"]
    out = io.StringIO()
    assert main(["expenses", str(EXAMPLE_EXPENSES), "--format", "csv"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == ("id,date,amount,category,payee_role,recipient,income_type,status,"
                        "rules,sources")
    assert ("2024-02,2024-11-12,15000.00,honorarium,secretary,CPR 010180-XXXX,A,needs_review,"
            "honorarium_allowed;hourly_rate_above_recommended,"
            "Håndbog 2024 §11;kiap.dk Klyngeadministration Klyngens økonomi og udbetaling "
            "af midler") in lines
    assert len(lines) == 12
    assert capsys.readouterr().err == ""


# --- properties -------------------------------------------------------------------------------

_names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzæøå ÆØÅ"), min_size=1,
                 max_size=15).filter(str.strip)


@st.composite
def expense_fields(draw: st.DrawFn, *, cpr: st.SearchStrategy[str | None] | None = None,
                   first: dt.date = dt.date(2018, 1, 1),
                   last: dt.date = dt.date(2025, 12, 31)) -> dict[str, Any]:
    """The fields of a valid expense, of any category and role, documented or not."""
    hours = draw(st.none() | st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"),
                                         places=1))
    rate = draw(st.none() | st.sampled_from([Decimal("800.00"), Decimal("1072.02"),
                                             Decimal("1072.03"), Decimal("1500.00")]))
    if hours is not None and rate is not None and draw(st.booleans()):
        amount = round_ore(hours * rate)
    else:
        amount = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"),
                                  places=2))
    return {
        "id": draw(st.text(st.sampled_from("ABC-0123"), max_size=6)),
        "date": draw(st.dates(first, last)),
        "amount": amount,
        "category": draw(st.sampled_from(CATEGORIES)),
        "payee": draw(_names),
        "payee_role": draw(st.sampled_from(ROLES)),
        "description": draw(st.none() | _names),
        "participants": draw(st.none() | st.integers(1, 200)),
        "abroad": draw(st.booleans()),
        "documentation": draw(st.lists(st.sampled_from(DOCUMENTATION), max_size=3)),
        "hours": hours,
        "hourly_rate": rate,
        "recipient_cvr": draw(st.none() | cvr_numbers),
        "recipient_cpr": draw(cpr if cpr is not None
                              else st.none() | cpr_numbers().map(lambda c: c[0])),
    }


expenses = expense_fields().map(lambda f: Expense(**f))


@settings(max_examples=100, deadline=None)
@given(expenses)
def test_every_expense_gets_one_status_deterministically(expense: Expense) -> None:
    first = classify(expense, RULESET)
    second = classify(expense, RULESET)
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert first.status in SEVERITY
    check_reasons(first)
    assert first.status == max((r.status for r in first.reasons), key=SEVERITY.index)
    # exactly one reason decides what the money is for, and it comes first
    purpose = [r for r in first.reasons if r.rule in {v for v in MATRIX.values()}]
    assert len(purpose) == 1
    assert first.reasons[0] is purpose[0]
    assert first.booked == (first.status in ("allowed", "needs_review"))


@settings(max_examples=100, deadline=None)
@given(expense_fields())
def test_classification_ignores_the_order_of_documents_and_repeats(fields: dict[str, Any]) -> None:
    a = classify(Expense(**fields), RULESET)
    docs = list(fields["documentation"])
    b = classify(Expense(**{**fields, "documentation": [*reversed(docs), *docs]}), RULESET)
    assert a.status == b.status
    assert rules_of(a) == rules_of(b)


# --- properties of the registry -------------------------------------------------------------

_PURPOSE_RULES = tuple(r for r in SPENDING_RULES if r.stage == "purpose")
_OTHER_RULES = tuple(r for r in SPENDING_RULES if r.stage != "purpose")
_FORMS = {(r.id, r.citation): r for r in SPENDING_RULES}
_LOCAL_POLICY = {r.id for r in SPENDING_RULES if r.basis == "local_policy"}


@settings(max_examples=100, deadline=None)
@given(expenses)
@example(Expense(**honorarium(date=dt.date(2023, 4, 1), hourly_rate=None, hours=None)))
@example(Expense(**meeting("catering", "member", participants=None, documentation=())))
def test_the_first_purpose_rule_that_applies_decides_and_the_worst_reason_sets_the_status(
        expense: Expense) -> None:
    result = classify(expense, RULESET)
    facts = Facts.of(expense, RULESET)
    first = next(r for r in _PURPOSE_RULES if r.applies(expense, facts))
    assert (result.reasons[0].rule, result.reasons[0].citation) == (first.id, first.citation)
    for reason in result.reasons:
        rule = _FORMS[(reason.rule, reason.citation)]
        assert (rule.stage == "purpose") == (reason is result.reasons[0])
        assert rule.applies(expense, facts)
        assert reason.status == rule.status
    # every documentation and care rule that applies gave its reason, once
    others = [(r.id, r.citation) for r in _OTHER_RULES if r.applies(expense, facts)]
    assert [(r.rule, r.citation) for r in result.reasons[1:]] == others
    assert result.status == max((r.status for r in result.reasons), key=SEVERITY.index)


@settings(max_examples=100, deadline=None)
@given(expenses, st.permutations(_OTHER_RULES), st.booleans())
def test_the_order_of_the_documentation_and_care_rules_changes_only_the_order_of_reasons(
        expense: Expense, others: list[Any], purpose_first: bool) -> None:
    rules = (*_PURPOSE_RULES, *others) if purpose_first else (*others, *_PURPOSE_RULES)
    a = classify(expense, RULESET)
    b = classify_with_rules(expense, RULESET, rules)
    assert (b.status, b.income_type, b.reasons[0]) == (a.status, a.income_type, a.reasons[0])
    assert Counter(b.reasons) == Counter(a.reasons)


@settings(max_examples=100, deadline=None)
@given(expenses)
@example(Expense(**meeting("catering", participants=None)))
@example(Expense(**meeting("catering", amount="16800.00", participants=24)))
def test_leaving_out_the_local_policy_rules_takes_away_only_their_reasons(
        expense: Expense) -> None:
    full = classify(expense, RULESET)
    sources = classify_with_rules(expense, RULESET,
                                  [r for r in SPENDING_RULES if r.basis == "source"])
    assert list(sources.reasons) == [r for r in full.reasons if r.rule not in _LOCAL_POLICY]
    assert SEVERITY.index(sources.status) <= SEVERITY.index(full.status)


#: The categories whose sentence names the members and their clinics: refused for them only.
_NAMED_FOR_MEMBERS = {("lost_earnings", False): ("no_lost_earnings", "lost_earnings_review"),
                      ("lost_earnings", True): ("no_lost_earnings", "lost_earnings_review"),
                      ("study_trip", True): ("no_study_trips_abroad", "study_trip_abroad_review")}


@settings(max_examples=200, deadline=None)
@given(expense_fields(), st.sampled_from(sorted(_NAMED_FOR_MEMBERS)))
@example(plain("lost_earnings", "coordinator"), ("lost_earnings", False))
@example(plain("study_trip", "clinic", documentation=()), ("study_trip", True))
def test_lost_earnings_and_study_trips_abroad_are_refused_exactly_for_members_and_clinics(
        fields: dict[str, Any], kind: tuple[str, bool]) -> None:
    """#13, refuse what the sources refuse, no wider: "klyngemedlemmer individuelt eller de
    tilknyttede klinikker", "studieture for klyngens medlemmer til udlandet"."""
    category, abroad = kind
    expense = Expense(**{**fields, "category": category, "abroad": abroad})
    result = classify(expense, RULESET)
    named = expense.payee_role in ("member", "clinic")
    assert (result.status == "not_allowed") == named
    refused, reviewed = _NAMED_FOR_MEMBERS[kind]
    assert result.reasons[0].rule == (refused if named else reviewed)
    assert result.reasons[0].status == ("not_allowed" if named else "needs_review")


@st.composite
def _expenses_often_without_participants(draw: st.DrawFn) -> Expense:
    fields = draw(expense_fields())
    if draw(st.booleans()):
        fields = {**fields, "category": draw(st.sampled_from(["catering", "room_rental"])),
                  "participants": None}
    return Expense(**fields)


@settings(max_examples=200, deadline=None)
@given(_expenses_often_without_participants())
@example(Expense(**meeting("catering", participants=None)))
@example(Expense(**meeting("room_rental", participants=None, documentation=())))
@example(Expense(**meeting("catering", "clinic", participants=None)))
def test_switching_participants_missing_off_only_takes_away_its_reason(expense: Expense) -> None:
    on = classify(expense, RULESET)
    off = classify(expense, RULESET, policies=IGNORE)
    assert off.reasons == tuple(r for r in on.reasons if r.rule != "participants_missing")
    assert SEVERITY.index(off.status) <= SEVERITY.index(on.status)
    assert off.income_type == on.income_type
    # The default reading is "review": choosing it changes nothing.
    assert classify(expense, RULESET, policies={"participants_missing": "review"}) == on


# --- CPR numbers are never shown ------------------------------------------------------------


#: One bad field at a time, in a record that also holds a CPR number.
BAD_FIELDS: list[dict[str, Any]] = [
    {"amount": "-5.00"},
    {"amount": 12.5},
    {"amount": "0.001"},
    {"category": "beer"},
    {"payee_role": "friend"},
    {"date": "2024-02-30"},
    {"colour": "red"},
    {"documentation": ["photo"]},
    {"participants": 0},
    {"hours": "0"},
    {"hourly_rate": "-1"},
    {"recipient_cvr": "12345675"},
    {"abroad": "maybe"},
    {"payee": ""},
]


def _assert_hidden(text: str, forms: tuple[str, str]) -> None:
    for form in forms:
        assert form not in text


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(cpr_numbers(), expense_fields(cpr=st.none()), st.sampled_from(BAD_FIELDS))
@example((CPR, dt.date(1980, 1, 1)),
         honorarium("secretary", id="x", recipient_cvr=None, hours="12.5",
                    hourly_rate="1200.00", amount="15000.00"),
         {"amount": "-5.00"})
def test_no_rendering_shows_a_cpr_number(cpr_case: tuple[str, dt.date], fields: dict[str, Any],
                                         bad: dict[str, Any]) -> None:
    text, _ = cpr_case
    forms = unmasked_forms(text)
    fields = {**fields, "recipient_cpr": text}
    expense = Expense(**fields)
    assert expense.recipient_cpr == CprNumber(text)
    result = classify(expense, RULESET)
    report = classify_expenses([expense], RULESET)
    # The ledger refuses an expense from before the cluster existed: book it on a day it did.
    booked = attrs.evolve(expense, date=max(expense.date, _CLUSTER.founded))
    account = build_ledger(_CLUSTER, [booked], RULESET, payouts=_PAYOUTS,
                           account=LedgerInput(cluster=_CLUSTER.name))
    renderings = [
        json.dumps(result.to_dict(), ensure_ascii=False), str(result.to_dict()),
        repr(expense), str(expense), str(result), repr(result),
        json.dumps(expense.to_dict(), ensure_ascii=False), str(expense.recipient),
        report.to_json(), report.to_csv(), report.to_table(), repr(report),
        account.to_json(), account.to_csv(), account.to_table(), repr(account),
    ]
    for rendering in renderings:
        _assert_hidden(rendering, forms)
    assert f"{forms[1][:6]}-XXXX" in result.to_dict()["recipient"] or \
        expense.recipient_cvr is not None
    # An error about another field of the same record never shows the CPR number.
    raw = {k: (v.isoformat() if isinstance(v, dt.date) else
               str(v) if isinstance(v, Decimal) else v)
           for k, v in fields.items() if v is not None}
    raw.update(bad)
    with pytest.raises(KiapRulesError) as info:
        expense_from_dict(raw, path="expenses.toml", record="expense[1]")
    error = info.value
    for rendering in (str(error), repr(error), json.dumps(error.to_dict(), ensure_ascii=False),
                      repr(error.args), error.reason):
        _assert_hidden(rendering, forms)
    assert error.path == "expenses.toml"
    assert error.record is not None and error.record.startswith("expense[1]")


@pytest.mark.parametrize("typed", ["010180-1234", "0101801234"])
def test_a_cpr_number_typed_into_the_cvr_field_is_not_echoed(typed: str) -> None:
    with pytest.raises(KiapRulesError) as info:
        Expense(**honorarium(recipient_cvr=typed))
    assert info.value.field == "recipient_cvr"
    _assert_hidden(str(info.value), unmasked_forms(typed))


# --- loading expense files ----------------------------------------------------------------------

GOOD_RECORD = """\
[[expense]]
id = "A1"
date = 2024-03-20
amount = "2000.00"
category = "catering"
payee = "Køge Kulturhus"
payee_role = "venue"
participants = 20
documentation = ["invoice"]
"""


def _toml_with_second_record(lines: str, *, record_id: str | None = "B2") -> str:
    head = f'id = "{record_id}"\n' if record_id else ""
    body = {"date": "2024-03-21", "amount": '"640.00"', "category": '"catering"',
            "payee": '"Kro"', "payee_role": '"venue"'}
    for line in textwrap.dedent(lines).strip().splitlines():
        key = line.split("=")[0].strip()
        body.pop(key, None)
    rest = "".join(f"{k} = {v}\n" for k, v in body.items())
    return GOOD_RECORD + "\n[[expense]]\n" + head + rest + textwrap.dedent(lines)


@pytest.mark.parametrize(("lines", "field", "error_type", "words"), [
    pytest.param('category = "beer"\n', "category", InputError, "must be one of",
                 id="unknown-category"),
    pytest.param("amount = 640.5\n", "amount", MoneyTypeError, "float", id="float-amount"),
    pytest.param('amount = "-640.00"\n', "amount", InputError, "more than 0",
                 id="negative-amount"),
    pytest.param('amount = "0.00"\n', "amount", InputError, "more than 0", id="zero-amount"),
    pytest.param('amount = "6.405"\n', "amount", InputError, "øre", id="fraction-of-an-øre"),
    pytest.param('colour = "red"\n', "colour", InputError, "unknown key", id="unknown-key"),
    pytest.param('date = "2024-02-30"\n', "date", InputError, "YYYY-MM-DD", id="bad-date"),
    pytest.param("date = 2024-03-21T10:00:00\n", "date", InputError, "time of day",
                 id="datetime"),
    pytest.param('payee_role = "friend"\n', "payee_role", InputError, "must be one of",
                 id="unknown-role"),
    pytest.param('documentation = "invoice"\n', "documentation", InputError, "list",
                 id="documentation-not-a-list"),
    pytest.param('recipient_cvr = "12345675"\n', "recipient_cvr", InputError, "modulus",
                 id="bad-cvr"),
    pytest.param('recipient_cpr = "310280-1234"\n', "recipient_cpr", InputError, "not a date",
                 id="bad-cpr"),
    pytest.param('abroad = "ja"\n', "abroad", InputError, "true or false", id="abroad-text"),
])
def test_bad_toml_expense_names_file_record_and_field(
    tmp_path: Path, lines: str, field: str, error_type: type[Exception], words: str,
) -> None:
    path = tmp_path / "expenses.toml"
    path.write_text(_toml_with_second_record(lines), encoding="utf-8")
    with pytest.raises(error_type) as info:
        load_expense_records(path)
    error = info.value
    assert isinstance(error, KiapRulesError)
    assert error.path == str(path)
    assert error.record == "expense[2] (B2)"
    assert error.field == field
    assert words in error.reason
    assert str(error).startswith(f"{path}: expense[2] (B2): {field}: ")
    assert "\n" not in str(error)


def test_a_record_without_an_id_is_named_by_its_position(tmp_path: Path) -> None:
    path = tmp_path / "expenses.toml"
    path.write_text(_toml_with_second_record('category = "beer"\n', record_id=None),
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert (info.value.record, info.value.field) == ("expense[2]", "category")


def test_a_missing_required_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "expenses.toml"
    path.write_text(GOOD_RECORD.replace('payee_role = "venue"\n', ""), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path), "expense[1] (A1)", "payee_role")
    assert info.value.reason == "is missing"


def test_an_unknown_top_level_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "expenses.toml"
    path.write_text(GOOD_RECORD + "\n[[expenses]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.field) == (str(path), "expenses")


def test_json_expense_files_load_like_toml(tmp_path: Path) -> None:
    path = tmp_path / "expenses.json"
    record = {"id": "J1", "date": "2024-03-20", "amount": "2000.00", "category": "catering",
              "payee": "Køge Kulturhus", "payee_role": "venue", "participants": 20,
              "documentation": ["invoice"]}
    path.write_text(json.dumps({"expense": [record]}), encoding="utf-8")
    _, [expense] = load_expense_records(path)
    assert classify(expense, RULESET).status == "allowed"
    record["amount"] = 2000.5
    path.write_text(json.dumps({"expense": [record]}), encoding="utf-8")
    with pytest.raises(MoneyTypeError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path), "expense[1] (J1)", "amount")


CSV_HEADER = "id,date,amount,category,payee,payee_role,participants,abroad,documentation\n"


def test_csv_expense_files_load(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text(CSV_HEADER
                    + "C1,2024-03-20,2000.00,catering,Kulturhus,venue,20,,invoice;attendance_list\n"
                    + "C2,2024-05-01,3000.00,conference,Anne,coordinator,,ja,invoice\n",
                    encoding="utf-8")
    document, [c1, c2] = load_expense_records(path)
    assert document == {}
    assert c1.documentation == ("attendance_list", "invoice")
    assert c1.participants == 20
    assert c2.abroad is True
    assert classify(c1, RULESET).status == "allowed"
    assert classify(c2, RULESET).status == "needs_review"


@pytest.mark.parametrize(("row", "record", "field"), [
    pytest.param("C2,2024-13-01,100.00,catering,V,venue,10,,invoice\n", "row[3] (C2)", "date",
                 id="bad-date"),
    pytest.param("C2,2024-03-01,-100.00,catering,V,venue,10,,invoice\n", "row[3] (C2)", "amount",
                 id="bad-amount"),
    pytest.param(",2024-03-01,100.00,beer,V,venue,10,,invoice\n", "row[3]", "category",
                 id="unknown-category-no-id"),
    pytest.param("C2,2024-03-01,100.00,catering,V,venue,ten,,invoice\n", "row[3] (C2)",
                 "participants", id="participants-not-a-number"),
    pytest.param("C2,2024-03-01,100.00,catering,V,venue,10,kanske,invoice\n", "row[3] (C2)",
                 "abroad", id="abroad-not-yes-no"),
    pytest.param("C2,2024-03-01,100.00,catering,V,venue,10,,photo\n", "row[3] (C2)",
                 "documentation", id="unknown-document"),
])
def test_bad_csv_row_names_file_row_and_field(tmp_path: Path, row: str, record: str,
                                              field: str) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text(CSV_HEADER + "C1,2024-03-20,2000.00,catering,K,venue,20,,invoice\n" + row,
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.record, info.value.field) == (str(path), record, field)


def test_bad_csv_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text("id,date,amount,category,payee,payee_role,colour\n"
                    "C1,2024-03-20,2000.00,catering,K,venue,red\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.record, info.value.field) == (str(path), None, "colour")
    assert "unknown column" in info.value.reason


def test_bad_csv_column_is_refused_even_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text("id,date,amount,category,payee,payee_role,colour\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_expense_records(path)


def test_csv_row_longer_than_its_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text(CSV_HEADER + "C1,2024-03-20,2000.00,catering,K,venue,20,,invoice,extra\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert info.value.path == str(path)


def test_non_utf8_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_bytes((CSV_HEADER + "C1,2024-03-20,2000.00,catering,Kulturhus Køge,venue,20,,"
                      "invoice\n").encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert info.value.path == str(path)
    assert "UTF-8" in info.value.reason
    assert str(info.value).startswith(f"{path}: is not UTF-8 text")


def test_missing_file(tmp_path: Path) -> None:
    for name in ("nope.csv", "nope.toml"):
        with pytest.raises(InputError) as info:
            load_expense_records(tmp_path / name)
        assert info.value.path == str(tmp_path / name)
        assert info.value.reason == "no such file"


def test_cli_bad_expense_file_is_one_line_exit_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "expenses.toml"
    path.write_text(_toml_with_second_record("amount = 640.5\n"), encoding="utf-8")
    out = io.StringIO()
    assert main(["expenses", str(path)], out=out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"kiaprules: error: {path}: expense[2] (B2): amount: ")
    assert out.getvalue() == ""


@pytest.mark.parametrize("value", [1.5, True, "abc"])
def test_expense_amount_types(value: object) -> None:
    with pytest.raises(InputError) as info:
        Expense(**meeting("catering", amount=value))
    assert info.value.field == "amount"


def test_documents_are_kept_sorted_and_unique() -> None:
    expense = Expense(**meeting("catering", documentation=["receipt", "invoice", "receipt"]))
    assert expense.documentation == ("invoice", "receipt")


# --- expenses files: every refusal names the file, the record and the field ------------------

_HEADER = "id,date,amount,category,payee,payee_role,documentation"
_ROW = "a,2024-11-01,2000.00,catering,Køge Kulturhus,venue,invoice"

# (file name, content, record, field, words)
FILE_REFUSALS = [
    ("e.toml", 'expense = "all of it"\n', None, "expense",
     "must be a list of [[expense]] tables"),
    ("e.json", '{"expense": ["catering"]}', "expense[1]", None, "must be a table"),
    ("e.csv", "", None, None, "is empty: the first line names the columns"),
    ("e.csv", f"{_HEADER}\n{_ROW},x,y\n", "row[2]", None, "has 9 fields, the header 7"),
    ("e.csv", f"{_HEADER},colour\n{_ROW},blå\n", None, "colour",
     "unknown column; expected id, date, amount, category, payee, payee_role, description, "
     "participants, abroad, documentation, hours, hourly_rate, recipient_cvr, recipient_cpr"),
    ("e.csv", f"{_HEADER}\n{_ROW.replace('a,', ',', 1)}\n{_ROW}\n{_ROW}\n", "row[4] (a)", "id",
     "is also the id of row[3] (a): an expense is booked once"),
    ("e.toml", '[[expense]]\ndate = 2024-11-01\namount = "900.00"\ncategory = "honorarium"\n'
     'payee = "Anne Jensen"\npayee_role = "coordinator"\nhourly_rate = "-90.00"\n',
     "expense[1]", "hourly_rate", "must not be negative, got '-90.00'"),
    ("e.toml", '[[expense]]\ndate = 2024-11-01\namount = "900.00"\ncategory = "honorarium"\n'
     'payee = "Anne Jensen"\npayee_role = "coordinator"\nhourly_rate = "0"\n',
     "expense[1]", "hourly_rate", "must be more than 0"),
    ("e.toml", '[[expense]]\ndate = 2024-11-01\namount = "900.00"\ncategory = "honorarium"\n'
     'payee = "Anne Jensen"\npayee_role = "coordinator"\nhours = "ti"\n',
     "expense[1]", "hours", "must be a number of hours, got 'ti'"),
    ("e.json", '{"expense": [{"date": "2024-11-01", "amount": "900.00", "category": '
     '"honorarium", "payee": "Anne Jensen", "payee_role": "coordinator", "hours": 2.5}]}',
     "expense[1]", "hours", "must be a number of hours given exactly (a string like '4.33', "
     "an int or a Decimal), got the float 2.5; floats cannot hold øre exactly"),
]


@pytest.mark.parametrize(("name", "content", "record", "field", "words"), FILE_REFUSALS,
                         ids=[f"{c[0]}-{c[4][:30]}" for c in FILE_REFUSALS])
def test_an_expenses_file_is_refused_naming_file_record_and_field(
        tmp_path: Path, name: str, content: str, record: str | None, field: str | None,
        words: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    error = info.value
    assert (error.path, error.record, error.field) == (str(path), record, field)
    assert error.reason == words


def test_a_csv_file_the_csv_reader_cannot_read_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(f'{_HEADER},description\n{_ROW},"{"x" * 200_000}"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert info.value.path == str(path)
    assert info.value.reason == ("cannot be read as CSV: field larger than field limit "
                                 "(131072)")


def test_an_expenses_file_without_expenses_has_none(tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    path.write_text('[account]\nopening_balance = "100.00"\n', encoding="utf-8")
    document, expenses = load_expense_records(path)
    assert expenses == [] and document["account"]["opening_balance"] == "100.00"


def test_a_csv_field_keeps_its_own_line_breaks(tmp_path: Path) -> None:
    """Read as the csv module asks (newline=""): a quoted CR LF stays in the field."""
    path = tmp_path / "e.csv"
    path.write_bytes(f'{_HEADER},description\r\n{_ROW},"Linje 1\r\nLinje 2"\r\n'
                     .encode("utf-8-sig"))
    [expense] = load_expense_records(path)[1]
    assert expense.description == "Linje 1\r\nLinje 2"


def test_a_csv_file_of_exactly_the_size_limit_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiaprules import _files

    text = f"{_HEADER}\n{_ROW}\n"
    size = len(text.encode("utf-8"))
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(_files, "MAX_FILE_BYTES", size)
    assert len(load_expense_records(path)[1]) == 1
    monkeypatch.setattr(_files, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(InputError) as info:
        load_expense_records(path)
    assert info.value.reason == f"is {size:,} bytes; files over {size - 1:,} bytes are refused"


def test_an_empty_recipient_cpr_is_no_cpr() -> None:
    assert Expense(**travel("mileage", "speaker", recipient_cpr="")).recipient_cpr is None


def test_a_meeting_cost_paid_to_a_member_or_clinic_is_not_judged_per_participant() -> None:
    for role in ("member", "clinic"):
        reasons = classify(Expense(**meeting("catering", role=role, participants=None)),
                           RULESET).reasons
        assert [r.rule for r in reasons] == ["meeting_cost_to_member"]


def test_an_expense_the_ruleset_does_not_cover_is_refused_with_its_date() -> None:
    early = Expense(**meeting("catering", date=dt.date(2017, 6, 1), id="tidlig"))
    with pytest.raises(InputError) as info:
        classify(early, RULESET)
    assert (info.value.field, info.value.date) == ("date", dt.date(2017, 6, 1))


# (field, value, the words of the refusal)
FIELD_REFUSALS = [
    ("category", "gifts", "must be one of honorarium, room_rental, catering, meeting_equipment, "
     "meeting_material, speaker_fee, facilitator_fee, consultant_fee, conference, mileage, "
     "transport, lost_earnings, medical_equipment, clinic_operations, study_trip, other, "
     "got 'gifts'"),
    ("documentation", "invoice", "must be a list of documents"),
    ("documentation", 5, "must be a list of documents"),
    ("documentation", ["receipt", "fax"], "must be among contract, timesheet, receipt, invoice, "
     "attendance_list, got 'fax'"),
    ("amount", "100000000.01", "must be at most 100,000,000 kr (larger is implausible), got "
     "'100000000.01'"),
    ("hours", "0", "must be more than 0 and at most 10,000, got '0'"),
    ("hours", "10000.01", "must be more than 0 and at most 10,000, got '10000.01'"),
    ("participants", 0, "must be a whole number ≥ 1, got 0"),
    ("participants", 100_001, "must be a whole number ≥ 1, got 100001"),
    ("payee", 5, "must be text, got int"),
    ("payee", " ", "must be non-empty text"),
    ("payee", "Anne\u200bJensen", "must not hold an invisible character (U+200B, character 5)"),
    ("description", 5, "must be text, got int"),
    ("id", 5, "must be text, got int"),
    ("id", "K\u202e01", "must not hold an invisible character (U+202E, character 2)"),
]


@pytest.mark.parametrize(("field", "value", "words"), FIELD_REFUSALS,
                         ids=[f"{f}-{v!r}" for f, v, _ in FIELD_REFUSALS])
def test_every_field_refusal_names_its_field_and_says_what_was_wrong(
        field: str, value: object, words: str) -> None:
    fields = {**meeting("catering"), field: value}
    with pytest.raises(InputError) as info:
        Expense(**fields)
    assert (info.value.field, info.value.reason) == (field, words)


def test_the_bounds_of_each_field_are_accepted() -> None:
    assert Expense(**meeting("catering", amount="100000000.00")).amount == Decimal("100000000")
    assert Expense(**meeting("catering", participants=1)).participants == 1
    assert Expense(**meeting("catering", participants=100_000)).participants == 100_000
    assert Expense(**honorarium(hours="10000")).hours == Decimal("10000")
    bare = Expense(**meeting("catering", recipient_cvr="", id=None, description=None))
    assert (bare.recipient_cvr, bare.id, bare.description) == (None, "", "")


def test_the_table_wraps_the_reasons_at_70_characters() -> None:
    _, expenses = load_expense_records(EXAMPLE_EXPENSES)
    report = classify_expenses(expenses, RULESET)
    # One reason made longer than a line, as a single word: cut at exactly 70.
    first = report.items[0]
    long = attrs.evolve(first, reasons=tuple(attrs.evolve(r, text="x" * 75)
                                             for r in first.reasons))
    report = attrs.evolve(report, items=(long, *report.items[1:]))
    lines = report.to_table().split("\n\n")[0].splitlines()
    at = lines[0].index("why")
    shown = [line[at:].rstrip() for line in lines[2:] if line[at:].strip()]
    expected = []
    for c in report.items:
        why = "; ".join(f"{r.text} [{r.citation.document} {r.citation.section}]"
                        for r in c.reasons if r.status == c.status)
        expected += textwrap.wrap(why, 70)
    assert shown == expected
    assert shown[0] == "x" * 70
