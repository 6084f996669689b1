"""Expenses: what cluster funds may pay for, each decision with its source.

Every expense gets exactly one status, the most serious its reasons imply:

``not_allowed``   a source forbids it;
``incomplete``    documentation or the recipient's identity is missing;
``needs_review``  a source asks for care rather than forbidding (expensive
                  restaurants and venues, an hourly rate above PLO's
                  recommended rate, a combination the sources do not decide);
``allowed``       a source allows it and nothing is missing.

The rules are dated code: each :class:`SpendingRule` quotes its source and
says from when to when it applies, so the move to PLO-administered accounts
on 1 April 2023 (the ruleset's ``funds_account``) applies by the expense's
date. Thresholds come from the ruleset, with their status: a published
figure, or a local policy setting. See docs/expenses.md for the decision
table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from kiaprules._render import csv_text, json_text, table_text
from kiaprules.errors import InputError, NotCoveredError
from kiaprules.model.expense import Expense
from kiaprules.model.money import (
    format_kr,
    format_money,
    format_rate,
    round_ore,
)
from kiaprules.rules.ruleset import Citation, Ruleset

__all__ = [
    "Classification",
    "ExpenseReport",
    "Reason",
    "classify",
    "classify_expenses",
]


Status = Literal["allowed", "needs_review", "incomplete", "not_allowed"]
#: From least to most serious; an expense takes the most serious of its reasons.
SEVERITY: Final[tuple[Status, ...]] = ("allowed", "needs_review", "incomplete", "not_allowed")

_TASK_ROLES: Final = frozenset({"coordinator", "board_member", "treasurer", "secretary",
                                "speaker", "facilitator", "consultant"})
_FEES: Final = frozenset({"speaker_fee", "facilitator_fee", "consultant_fee"})
_PAID_FOR_WORK: Final = frozenset({"honorarium"}) | _FEES


# --- reasons and rules ------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Threshold:
    """A figure an expense was compared with, and whether a source publishes it."""

    parameter: str
    value: Decimal
    kind: Literal["published", "local_policy"]
    citation: Citation
    note: str | None = None

    @property
    def described(self) -> str:
        return "published figure" if self.kind == "published" else "local policy setting"

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "value": format_rate(self.value),
                "kind": self.kind, "note": self.note, "citation": self.citation.to_dict()}


@attrs.frozen(kw_only=True)
class Reason:
    """Why an expense has its status: the rule, in words, with its citation."""

    rule: str
    status: Status
    text: str
    citation: Citation
    threshold: Threshold | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "status": self.status, "text": self.text,
                               "citation": self.citation.to_dict()}
        if self.threshold is not None:
            out["threshold"] = self.threshold.to_dict()
        return out


def _c(document: str, section: str, quote: str) -> Citation:
    return Citation(document=document, section=section, quote=quote)


HB, GUIDE, KIAP = "Håndbog 2024", "Guide til klyngestart", "kiap.dk Klyngeadministration"

# Håndbog 2024 §11, what the funds may be used for, "i henhold til overenskomstaftalen".
Q_HONORARIA = _c(HB, "§11", "Honorar til klyngekoordinator og bestyrelse og andre med opgaver i "
                 "klyngearbejdet")
Q_MEETINGS = _c(HB, "§11", "Udgifter til mødeafholdelse, dvs. lokaleleje og forplejning")
Q_MEETING_EQUIPMENT = _c(GUIDE, "§7.3", "Udgifter til mødeafholdelse dvs. lokaleleje, "
                         "forplejning og evt. mødeudstyr")
Q_MATERIAL = _c(GUIDE, "§7.3", "Evt. udgifter til konsulentbistand, særligt materiale til "
                "møder etc.")
Q_FEES = _c(HB, "§11", "Honorar til oplægsholder, facilitatorer eller udgifter til øvrig "
            "konsulentbistand til klyngearbejdet")
Q_NO_REFUND = _c(HB, "§11", "Klyngemidlerne kan ikke gives som refusion til klyngemedlemmer "
                 "individuelt eller de tilknyttede klinikker som mødehonorar/refusion for tabt "
                 "arbejdsfortjeneste.")
Q_NO_TRANSPORT = _c(HB, "§11", "Der udbetales heller ikke for medlemmernes transportudgifter "
                    "til klyngemøder.")
Q_SPECIAL_WORK = _c(HB, "§11", "Klyngen kan dog aftale, at enkelte medlemmer udfører særligt "
                    "honoreret arbejde for klyngen efter nærmere aftale (klyngekoordinator, "
                    "bestyrelsesmedlemmer, sekretær, oplægsholder mv.).")
Q_NO_MEDICAL = _c(HB, "§11", "Klyngemidlerne kan ikke finansiere indkøb af medicinsk udstyr og "
                  "andre tiltag rettet mod patientbehandlingen - eller lignende tiltag som "
                  "henføres til klinikdrift.")
Q_CONFERENCES = _c(HB, "§11", "Klyngemidler kan finansiere klyngekoordinator og evt. "
                   "bestyrelsesmedlemmers deltagelse i konferencer og temadage, men klyngemidler "
                   "kan ikke anvendes til at betale for studieture for klyngens medlemmer til "
                   "udlandet.")
Q_CARE = _c(HB, "§11", "Generelt set henstiller PLO til, at klyngerne udviser omtanke i brugen "
            "af klyngemidler og undgår arrangementer på dyre restauranter og konferencesteder.")
Q_NOT_BACK = _c(GUIDE, "§7.3", "Klyngemidlerne kan således ikke \"tilbageføres\" til medlemmerne "
                "individuelt eller de tilknyttede klinikker.")
Q_MILEAGE = _c(HB, "§13", "Ved kørsel i egen bil til kursusaktiviteter fx netværks- og "
               "inspirationsdage kan udbetales skattepligtig kørselsgodtgørelse til koordinator "
               "eller bestyrelsesmedlemmer, som har kontakt med klyngen.")
Q_MILEAGE_OTHERS = _c(HB, "§13", "Øvrige oplægsholdere mv. kan få udbetalt kørselsgodtgørelse "
                      "som del af honoraret.")
Q_PLO_HONORARIUM = _c(HB, "§12", "Ved indsendelse af hver anmodning om honorar-udbetaling til "
                      "PLO i zExpense, skal kopi af kontrakt eller timeopgørelse inkl. en timesats "
                      "samtidig uploades som et bilag (faktura) i app'en.")
Q_PLO_RECIPIENT = _c(HB, "§12", "I forbindelse med udbetaling af honoraret skal modtager "
                     "angive, hvilket CVR-nummer (B-indkomst) eller CPR-nummer (A-indkomst), som "
                     "honoraret skal udbetales til.")
Q_PLO_RECEIPTS = _c(HB, "§12", "Alle klyngens bonner og bilag fra mødeaktiviteter forbundet med "
                    "klyngearbejdet, skal uploades til PLO som dokumentation via "
                    "bogføringssystemet zExpense.")
Q_GUIDE_CONTRACT = _c(GUIDE, "§6", "Tilknytning af klyngekoordinator, kasserer, sekretær etc. "
                      "på konsulentbasis forudsætter udarbejdelse af en kontrakt, hvori opgaver "
                      "og honorering beskrives (se udkast på kiap.dk).")
Q_GUIDE_B_INCOME = _c(GUIDE, "§6", "Honoraret skal indberettes til SKAT af klyngen og opgives "
                      "som B-indkomst af modtager.")
Q_GUIDE_RECEIPTS = _c(GUIDE, "§7.3", "Det anbefales også, at man gemmer fakturaer og øvrige "
                      "bilag til klyngearbejdet, hvis klyngen på et tidspunkt skulle blive "
                      "omfattet af andre regnskabsregler.")
Q_VOCABULARY = _c(HB, "§11", "Klyngens midler kan i henhold til overenskomstaftalen bruges til:")


def _reason(rule: str, status: Status, text: str, citation: Citation,
            threshold: Threshold | None = None) -> Reason:
    return Reason(rule=rule, status=status, text=text, citation=citation, threshold=threshold)


def _purpose(e: Expense) -> list[Reason]:
    """What the money is for, by category and payee role (the decision table)."""
    cat, role = e.category, e.payee_role
    if cat == "lost_earnings":
        return [_reason("no_lost_earnings", "not_allowed", "lost earnings are never refunded "
                        "from cluster funds", Q_NO_REFUND)]
    if cat in ("medical_equipment", "clinic_operations"):
        return [_reason("no_patient_or_clinic_costs", "not_allowed", "funds cannot pay for "
                        "medical equipment, patient treatment or running a clinic",
                        Q_NO_MEDICAL)]
    if cat == "study_trip":
        if e.abroad:
            return [_reason("no_study_trips_abroad", "not_allowed", "funds cannot pay for study "
                            "trips abroad for the cluster's members", Q_CONFERENCES)]
        return [_reason("study_trip_review", "needs_review", "a study trip in Denmark is "
                        "neither allowed nor forbidden by the sources", Q_CONFERENCES)]
    if cat == "other":
        return [_reason("other_review", "needs_review", "the category 'other' is not one the "
                        "sources decide", Q_VOCABULARY)]
    if role in ("member", "clinic") and cat in ("transport", "mileage"):
        return [_reason("no_member_transport", "not_allowed", "members' transport to cluster "
                        "meetings is not paid", Q_NO_TRANSPORT)]
    if cat in _PAID_FOR_WORK:
        if role == "clinic":
            return [_reason("no_funds_to_clinics", "not_allowed", "funds cannot be handed to "
                            "the member clinics", Q_NOT_BACK)]
        if role == "member":
            return [_reason("member_special_work", "needs_review", "a member may be paid only "
                            "for special work agreed with the cluster, never a meeting fee",
                            Q_SPECIAL_WORK)]
        if role in ("venue", "supplier"):
            return [_reason("role_mismatch", "needs_review", f"a {cat.replace('_', ' ')} paid "
                            f"to a {role} is not a combination the sources decide",
                            Q_HONORARIA if cat == "honorarium" else Q_FEES)]
        return [_reason("honorarium_allowed" if cat == "honorarium" else "fee_allowed",
                        "allowed", "pay for work for the cluster is allowed",
                        Q_HONORARIA if cat == "honorarium" else Q_FEES)]
    if cat in ("room_rental", "catering", "meeting_equipment", "meeting_material"):
        citation = {"room_rental": Q_MEETINGS, "catering": Q_MEETINGS,
                    "meeting_equipment": Q_MEETING_EQUIPMENT,
                    "meeting_material": Q_MATERIAL}[cat]
        if role in ("member", "clinic"):
            return [_reason("meeting_cost_to_member", "needs_review", "a meeting cost paid to "
                            "a member or a member clinic must not hand funds back to them",
                            Q_NOT_BACK)]
        return [_reason("meeting_costs_allowed", "allowed", "meeting costs are allowed",
                        citation)]
    if cat == "conference":
        if role in ("coordinator", "board_member"):
            if e.abroad:
                return [_reason("conference_abroad_review", "needs_review", "a conference "
                                "abroad is allowed for the coordinator and board, but asks "
                                "for care", Q_CARE)]
            return [_reason("conference_allowed", "allowed", "the coordinator's and board's "
                            "conferences and theme days are allowed", Q_CONFERENCES)]
        return [_reason("conference_others_review", "needs_review", f"conferences are allowed "
                        f"for the coordinator and board; a {role.replace('_', ' ')} is not "
                        "named", Q_CONFERENCES)]
    if cat == "mileage":
        if role in ("coordinator", "board_member"):
            return [_reason("mileage_allowed", "allowed", "taxable mileage for the coordinator "
                            "or board to course activities is allowed", Q_MILEAGE)]
        return [_reason("mileage_in_honorarium", "needs_review", "other speakers etc. get "
                        "mileage as part of their honorarium, not as a separate payment",
                        Q_MILEAGE_OTHERS)]
    # transport, for roles other than members and clinics
    return [_reason("transport_review", "needs_review", f"transport for a "
                    f"{role.replace('_', ' ')} is not decided by the sources; members' "
                    "transport to meetings is not paid", Q_NO_TRANSPORT)]


def _plo_account(e: Expense, ruleset: Ruleset) -> bool:
    """Whether the funds were PLO-administered on the expense's date (from 1 April 2023)."""
    return bool(ruleset.lookup("funds_account", e.date).value == "plo_account")


def _documents(e: Expense, plo: bool) -> list[Reason]:
    """The documentation and identity the sources require, by the expense's date."""
    reasons: list[Reason] = []
    docs = set(e.documentation)
    if e.category in _PAID_FOR_WORK:
        # An invoice stands in for a contract for a consultant's help, and for
        # any fee before 1 April 2023; since then PLO wants the contract or
        # time sheet with every honorarium payout, and a speaker's or
        # facilitator's fee is an honorarium ("Honorar til oplægsholder,
        # facilitatorer", Håndbog 2024 §11).
        invoice_enough = "invoice" in docs and (
            e.category == "consultant_fee" or (e.category in _FEES and not plo))
        if not docs & {"contract", "timesheet"} and not invoice_enough:
            reasons.append(_reason(
                "honorarium_contract", "incomplete", "a contract or time sheet is missing",
                Q_PLO_HONORARIUM if plo else Q_GUIDE_CONTRACT))
        if e.hourly_rate is None and plo and e.category == "honorarium":
            reasons.append(_reason("honorarium_hourly_rate", "incomplete", "the hourly rate "
                                   "(timesats) is missing", Q_PLO_HONORARIUM))
        if e.recipient_cvr is None and e.recipient_cpr is None:
            reasons.append(_reason("recipient_identity", "incomplete", "the recipient's CVR "
                                   "number (B-income) or CPR number (A-income) is missing",
                                   Q_PLO_RECIPIENT if plo else Q_GUIDE_B_INCOME))
        elif e.recipient_cvr is not None and e.recipient_cpr is not None:
            reasons.append(_reason("recipient_ambiguous", "needs_review", "both a CVR and a CPR "
                                   "number are given; the recipient names one", Q_PLO_RECIPIENT))
    elif e.category == "mileage" and e.recipient_cvr is None and e.recipient_cpr is None:
        reasons.append(_reason("recipient_identity", "incomplete", "taxable mileage needs the "
                               "recipient's CVR or CPR number", Q_MILEAGE))
    if not docs & {"receipt", "invoice", "contract", "timesheet"}:
        if plo:
            reasons.append(_reason("receipts_required", "incomplete", "no receipt or invoice: "
                                   "since 1 April 2023 every voucher goes to PLO",
                                   Q_PLO_RECEIPTS))
        else:
            reasons.append(_reason("receipts_recommended", "needs_review", "no receipt or "
                                   "invoice: the Guide asks clusters to keep them",
                                   Q_GUIDE_RECEIPTS))
    return reasons


def _threshold(ruleset: Ruleset, parameter: str, day: dt.date) -> Threshold | None:
    try:
        value = ruleset.lookup(parameter, day)
    except NotCoveredError:
        return None
    kind: Literal["published", "local_policy"] = "published" if value.assumption is None \
        else "local_policy"
    return Threshold(parameter=parameter, value=value.value, kind=kind,
                     citation=value.citation, note=value.assumption)


def _care(e: Expense, ruleset: Ruleset) -> list[Reason]:
    """Where the sources ask for care: prices above a threshold go to review."""
    reasons: list[Reason] = []
    if e.hourly_rate is not None and e.category in _PAID_FOR_WORK:
        limit = _threshold(ruleset, "consultant_hourly_rate", e.date)
        if limit is None:
            first = ruleset.parameter("consultant_hourly_rate").first_date
            published = ruleset.parameter("consultant_hourly_rate").values[0].citation
            reasons.append(_reason(
                "consultant_rate_unpublished", "allowed",
                f"PLO's recommended hourly rate is published only from {first.isoformat()}; "
                f"the hourly rate {format_money(e.hourly_rate)} was not compared", published))
        elif e.hourly_rate > limit.value:
            reasons.append(_reason(
                "hourly_rate_above_recommended", "needs_review",
                f"the hourly rate {format_money(e.hourly_rate)} is above PLO's recommended "
                f"{format_money(limit.value)} ({limit.described})",
                limit.citation, limit))
        if e.hours is not None:
            product = round_ore(e.hours * e.hourly_rate)
            if product != e.amount:
                reasons.append(_reason(
                    "amount_not_hours_times_rate", "needs_review",
                    f"the amount {format_money(e.amount)} is not hours × rate "
                    f"({e.hours} × {format_money(e.hourly_rate)} = {format_money(product)})",
                    Q_PLO_HONORARIUM))
    per = {"catering": "catering_review_per_participant",
           "room_rental": "venue_review_per_participant"}.get(e.category)
    if per is not None and e.payee_role not in ("member", "clinic"):
        limit = _threshold(ruleset, per, e.date)
        if e.participants is None:
            reasons.append(_reason("participants_missing", "needs_review", "without the number "
                                   "of participants the cost per participant cannot be checked",
                                   Q_CARE))
        elif limit is not None:
            # Compared exactly; shown to the øre.
            each = round_ore(e.amount / e.participants)
            if e.amount > limit.value * e.participants:
                reasons.append(_reason(
                    "expensive_venue" if e.category == "room_rental" else "expensive_catering",
                    "needs_review", f"{format_money(each)} kr per participant is above "
                    f"{format_money(limit.value)} ({limit.described})", Q_CARE, limit))
    return reasons


@attrs.frozen(kw_only=True)
class Classification:
    """An expense, its one status, every reason, and the income type of an honorarium."""

    expense: Expense
    status: Status
    reasons: tuple[Reason, ...]
    income_type: Literal["A", "B"] | None

    @property
    def booked(self) -> bool:
        """Whether the ledger books it: allowed and needs-review expenses are booked."""
        return self.status in ("allowed", "needs_review")

    def to_dict(self) -> dict[str, Any]:
        return {**self.expense.to_dict(), "status": self.status,
                "income_type": self.income_type,
                "reasons": [r.to_dict() for r in self.reasons]}


def _income_type(e: Expense, plo: bool) -> Literal["A", "B"] | None:
    if e.category not in _PAID_FOR_WORK and e.category != "mileage":
        return None
    if e.recipient_cvr is not None:
        return "B"
    if e.recipient_cpr is not None:
        # Since 1 April 2023 PLO pays a CPR-identified honorarium as A-income
        # (Håndbog 2024 §12); before, the cluster reported honoraria as
        # B-income (Guide til klyngestart §6).
        return "A" if plo else "B"
    return None


def classify(expense: Expense, ruleset: Ruleset) -> Classification:
    """The one status of ``expense``, with every reason and its citation."""
    try:
        plo = _plo_account(expense, ruleset)
    except NotCoveredError:
        first = ruleset.parameter("funds_account").first_date
        raise InputError(
            f"{expense.date.isoformat()} is before the ruleset {ruleset.id!r} begins "
            f"({first.isoformat()}); no spending rule covers it", path=expense.path,
            record=expense.label, field="date", date=expense.date) from None
    reasons = [*_purpose(expense), *_documents(expense, plo), *_care(expense, ruleset)]
    status = max((r.status for r in reasons), key=SEVERITY.index)
    return Classification(expense=expense, status=status, reasons=tuple(reasons),
                          income_type=_income_type(expense, plo))


# --- files and reports ------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ExpenseReport:
    """Classified expenses, sorted by date and id."""

    ruleset_id: str
    fingerprint: str
    items: tuple[Classification, ...]

    def count(self, status: Status) -> int:
        return sum(1 for c in self.items if c.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
                "summary": {s: self.count(s) for s in SEVERITY},
                "expenses": [c.to_dict() for c in self.items]}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self) -> str:
        return csv_text(["id", "date", "amount", "category", "payee_role", "recipient",
                         "income_type", "status", "rules", "sources"],
                        ([c.expense.id, c.expense.date.isoformat(),
                          format_money(c.expense.amount), c.expense.category,
                          c.expense.payee_role, c.expense.recipient or "", c.income_type or "",
                          c.status, ";".join(r.rule for r in c.reasons),
                          ";".join(f"{r.citation.document} {r.citation.section}"
                                   for r in c.reasons)] for c in self.items))

    def to_table(self) -> str:
        rows = []
        for c in self.items:
            e = c.expense
            why = "; ".join(f"{r.text} [{r.citation.document} {r.citation.section}]"
                            for r in c.reasons if r.status == c.status)
            rows.append([e.id, e.date.isoformat(), format_kr(e.amount), e.category,
                         e.payee_role, c.status, why])
        table = table_text(rows, ["id", "date", "amount", "category", "role", "status", "why"],
                           ("left", "left", "right", "left", "left", "left", "left"),
                           widths=[None, None, None, None, None, None, 70])
        summary = ", ".join(f"{self.count(s)} {s}" for s in SEVERITY)
        return f"{table}\n\n{len(self.items)} expenses: {summary}\n"


def classify_expenses(expenses: Sequence[Expense], ruleset: Ruleset) -> ExpenseReport:
    """Classify every expense; the report is sorted by date, then id."""
    items = sorted((classify(e, ruleset) for e in expenses),
                   key=lambda c: (c.expense.date, c.expense.id, c.expense.amount,
                                  c.expense.category, c.expense.payee))
    return ExpenseReport(ruleset_id=ruleset.id, fingerprint=ruleset.fingerprint,
                         items=tuple(items))
