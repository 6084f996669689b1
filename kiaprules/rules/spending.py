"""The spending rules: what cluster funds may pay for, each rule with its Danish source.

The sources (Håndbog 2024 §11–§13, Guide til klyngestart §6 and §7.3) are
written here as data: each :class:`SpendingRule` is one object with its id,
its condition, the status it gives, the reason in words and the citation
(document, section and the Danish sentence it implements). The registry
:data:`SPENDING_RULES` holds every rule in decision order; the classifier
(:mod:`kiaprules.expenses.classify`) walks it and has no rules of its own.

Three stages, in this order:

``purpose``        what the money is for, by category and payee role (the
                   decision table of docs/expenses.md): the first rule that
                   matches decides, so every expense gets exactly one;
``documentation``  the documents and the recipient's identity the sources
                   require: every rule whose condition holds adds a reason;
``care``           prices compared with a threshold: likewise.

Rules are dated by the ruleset, not by dates written here: a rule marked
``funds="plo_account"`` applies while PLO administers the cluster's funds
(the ruleset's ``funds_account`` on the expense's date; from 1 April 2023 in
``dk-kiap``), one marked ``funds="own_account"`` while it does not. The
figures a care rule compares with (``threshold``) are the ruleset's dated
parameters, each with its own citation and status.

Each rule says what it rests on (``basis``): a rule of the ``source``, or a
``local_policy`` setting that no source states (the per-participant review
thresholds, and asking for the number of participants to check them), so a
policy can leave the local ones out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from kiaprules._i18n import N_, Message, message
from kiaprules._text import value_repr
from kiaprules.errors import NotCoveredError
from kiaprules.model.expense import CATEGORIES, ROLES, Expense
from kiaprules.model.money import format_money, format_rate, per_unit_ore, product_ore
from kiaprules.rules.ruleset import Citation, Ruleset

__all__ = [
    "BASES",
    "FEES",
    "PAID_FOR_WORK",
    "SEVERITY",
    "SPENDING_RULES",
    "STAGES",
    "Facts",
    "SpendingRule",
    "Threshold",
    "When",
    "spending_rules",
]

Status = Literal["allowed", "needs_review", "incomplete", "not_allowed"]
#: From least to most serious; an expense takes the most serious of its reasons.
SEVERITY: Final[tuple[Status, ...]] = ("allowed", "needs_review", "incomplete", "not_allowed")
Stage = Literal["purpose", "documentation", "care"]
STAGES: Final[tuple[Stage, ...]] = ("purpose", "documentation", "care")
Basis = Literal["source", "local_policy"]
BASES: Final[tuple[Basis, ...]] = ("source", "local_policy")
Funds = Literal["plo_account", "own_account"]

#: Pay for work: a speaker's, facilitator's or consultant's fee, or an honorarium.
FEES: Final = frozenset({"speaker_fee", "facilitator_fee", "consultant_fee"})
PAID_FOR_WORK: Final = frozenset({"honorarium"}) | FEES
_MEETING_COSTS: Final = ("room_rental", "catering", "meeting_equipment", "meeting_material")
#: The cluster's members and their clinics: funds must not be handed back to them.
_MEMBERS: Final = ("member", "clinic")
_BOARD: Final = ("coordinator", "board_member")
#: Documents that are vouchers; an attendance list is kept, but is not one.
_VOUCHERS: Final = frozenset({"receipt", "invoice", "contract", "timesheet"})


# --- what the classifier knows ----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Threshold:
    """A figure an expense was compared with, and whether a source publishes it."""

    __repr__ = value_repr

    parameter: str
    value: Decimal
    kind: Literal["published", "local_policy"]
    citation: Citation
    note: str | None = None

    @property
    def described(self) -> str:
        return (message("published figure") if self.kind == "published"
                else message("local policy setting"))

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "value": format_rate(self.value),
                "kind": self.kind, "note": self.note, "citation": self.citation.to_dict()}


@attrs.frozen(kw_only=True)
class Facts:
    """What a rule may ask besides the expense: the ruleset's facts on the expense's date."""

    __repr__ = value_repr

    ruleset: Ruleset
    on: dt.date
    #: Whether PLO administered the cluster's funds that day (the ruleset's ``funds_account``).
    plo_account: bool
    #: The readings of the ruleset's policies (those that switch local rules off).
    policies: Mapping[str, str] = attrs.field(factory=dict)
    #: The figures looked up so far: several rules ask for the same one.
    _looked_up: dict[str, Threshold | None] = attrs.field(factory=dict, init=False,
                                                          repr=False, eq=False)

    @classmethod
    def of(cls, expense: Expense, ruleset: Ruleset,
           policies: Mapping[str, str] | None = None) -> Facts:
        """The facts on ``expense``'s date; :class:`NotCoveredError` before the ruleset begins."""
        account = ruleset.lookup("funds_account", expense.date).value
        return cls(ruleset=ruleset, on=expense.date, plo_account=account == "plo_account",
                   policies=policies or {})

    def threshold(self, parameter: str) -> Threshold | None:
        """The ruleset's figure ``parameter`` on the day, or ``None`` where it has none."""
        if parameter not in self._looked_up:
            self._looked_up[parameter] = self._threshold(parameter)
        return self._looked_up[parameter]

    def _threshold(self, parameter: str) -> Threshold | None:
        try:
            value = self.ruleset.lookup(parameter, self.on)
        except NotCoveredError:
            return None
        kind: Literal["published", "local_policy"] = "published" if value.assumption is None \
            else "local_policy"
        return Threshold(parameter=parameter, value=value.value, kind=kind,
                         citation=value.citation, note=value.assumption)

    def first_date(self, parameter: str) -> dt.date:
        """The first day the ruleset gives ``parameter`` a value."""
        return self.ruleset.parameter(parameter).first_date


Condition = Callable[[Expense, Facts], bool]
Text = Callable[[Expense, Facts], str]


def _names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _optional_names(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


@attrs.frozen(kw_only=True)
class When:
    """A condition on what the money is for: the category, the payee's role, abroad or not.

    ``None`` matches anything. It is data, so the decision table can be read off it.
    """

    __repr__ = value_repr

    categories: frozenset[str] = attrs.field(converter=_names)
    roles: frozenset[str] | None = attrs.field(default=None, converter=_optional_names)
    abroad: bool | None = None

    @categories.validator
    def _check_categories(self, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
        if not value or not value <= set(CATEGORIES):
            raise ValueError(f"'categories' must be some of {', '.join(CATEGORIES)} (got "
                             f"{sorted(value)!r})")

    @roles.validator
    def _check_roles(self, attribute: attrs.Attribute[Any], value: frozenset[str] | None) -> None:
        if value is not None and not (value and value <= set(ROLES)):
            raise ValueError(f"'roles' must be some of {', '.join(ROLES)} (got "
                             f"{sorted(value)!r})")

    def __call__(self, expense: Expense, facts: Facts) -> bool:
        return (expense.category in self.categories
                and (self.roles is None or expense.payee_role in self.roles)
                and (self.abroad is None or expense.abroad == self.abroad))


def _words(value: str) -> str:
    return value.replace("_", " ")


#: The categories and roles as a reason names them: in English their names in words,
#: in Danish the words docs/expenses.md gives (its "Vocabulary").
_WORDS: Final[dict[str, str]] = {
    "honorarium": N_("honorarium"), "room_rental": N_("room rental"),
    "catering": N_("catering"), "meeting_equipment": N_("meeting equipment"),
    "meeting_material": N_("meeting material"), "speaker_fee": N_("speaker fee"),
    "facilitator_fee": N_("facilitator fee"), "consultant_fee": N_("consultant fee"),
    "conference": N_("conference"), "mileage": N_("mileage"), "transport": N_("transport"),
    "lost_earnings": N_("lost earnings"), "medical_equipment": N_("medical equipment"),
    "clinic_operations": N_("clinic operations"), "study_trip": N_("study trip"),
    "other": N_("other"),
    "coordinator": N_("coordinator"), "board_member": N_("board member"),
    "treasurer": N_("treasurer"), "secretary": N_("secretary"), "speaker": N_("speaker"),
    "facilitator": N_("facilitator"), "consultant": N_("consultant"), "member": N_("member"),
    "clinic": N_("clinic"), "venue": N_("venue"), "supplier": N_("supplier"),
}


def _word(value: str) -> Message:
    """A category or role in words, a message (English: ``_words(value)``)."""
    return message(_WORDS.get(value, _words(value)))


def _is_rule_id(instance: SpendingRule, attribute: attrs.Attribute[Any], value: str) -> None:
    if not re.fullmatch(r"[a-z][a-z_]*[a-z]", value):
        raise ValueError(f"'id' must be lower-case words joined by '_' (got {value!r})")


@attrs.frozen(kw_only=True)
class SpendingRule:
    """One spending rule: when it applies, the status it gives, why, and its source.

    ``text`` is the reason in English: a template (``{category}`` and
    ``{role}`` are the expense's, in words) or a function of the expense and
    the facts. ``threshold`` names the ruleset figure the rule compares with;
    the reason shows it with its own citation and status.
    """

    __repr__ = value_repr

    id: str = attrs.field(validator=_is_rule_id)
    stage: Stage = attrs.field(validator=attrs.validators.in_(STAGES))
    status: Status = attrs.field(validator=attrs.validators.in_(SEVERITY))
    condition: Condition = attrs.field(validator=attrs.validators.is_callable())
    text: str | Text
    citation: Citation = attrs.field(validator=attrs.validators.instance_of(Citation))
    basis: Basis = attrs.field(default="source", validator=attrs.validators.in_(BASES))
    funds: Funds | None = attrs.field(
        default=None, validator=attrs.validators.optional(
            attrs.validators.in_(("plo_account", "own_account"))))
    threshold: str | None = None
    #: A ruleset policy that can switch a local-policy rule off (reading ``"ignore"``).
    policy: str | None = None

    def in_force(self, *, plo_account: bool) -> bool:
        """Whether the rule applies while PLO does (or does not) administer the funds."""
        return self.funds is None or (self.funds == "plo_account") == plo_account

    def switched_on(self, facts: Facts) -> bool:
        """Whether the policies in force leave the rule on (a rule without a policy always is)."""
        return self.policy is None or facts.policies.get(self.policy, "review") != "ignore"

    def applies(self, expense: Expense, facts: Facts) -> bool:
        """Whether the rule speaks on ``expense``: in force on its date, switched on, and its
        condition holds."""
        return (self.in_force(plo_account=facts.plo_account) and self.switched_on(facts)
                and self.condition(expense, facts))

    def reason_text(self, expense: Expense, facts: Facts) -> str:
        """The reason in English, a :class:`~kiaprules._i18n.Message` that can be shown in
        another language (the template is in the catalogue)."""
        if not isinstance(self.text, str):
            return self.text(expense, facts)
        if "{" not in self.text:
            return message(self.text)
        return message(self.text, category=_word(expense.category),
                       role=_word(expense.payee_role))


# --- the sources' sentences ---------------------------------------------------------------


def _c(document: str, section: str, quote: str, *, note: str | None = None) -> Citation:
    return Citation(document=document, section=section, quote=quote, note=note)


HB, GUIDE, KIAP = "Håndbog 2024", "Guide til klyngestart", "kiap.dk Klyngeadministration"

# Håndbog 2024 §11, what the funds may be used for, "i henhold til overenskomstaftalen".
Q_HONORARIA = _c(HB, "§11", "Honorar til klyngekoordinator og bestyrelse og andre med opgaver i "
                 "klyngearbejdet")
Q_MEETINGS = _c(HB, "§11", "Udgifter til mødeafholdelse, dvs. lokaleleje og forplejning")
G73_USE, G73_ACCOUNTS = "§7.3 Brug af klyngemidler", "§7.3 Regler for budget og klyngeregnskab"
Q_MEETING_EQUIPMENT = _c(GUIDE, G73_USE, "Udgifter til mødeafholdelse dvs. lokaleleje, "
                         "forplejning og evt. mødeudstyr")
Q_MATERIAL = _c(GUIDE, G73_USE, "Evt. udgifter til konsulentbistand, særligt materiale til "
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
Q_NOT_BACK = _c(GUIDE, G73_USE, "Klyngemidlerne kan således ikke \"tilbageføres\" til medlemmerne "
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
Q_PLO_RATE = _c(KIAP, "Klyngens økonomi og udbetaling af midler",
                "Taksten pr. 1. oktober 2024 er forhandlet til 2144,03 kr. for 2 timer - svarende "
                "til en timepris på 1.072,02 kr. for en konsulenttime.")
Q_GUIDE_CONTRACT = _c(GUIDE, "§6", "Tilknytning af klyngekoordinator, kasserer, sekretær etc. "
                      "på konsulentbasis forudsætter udarbejdelse af en kontrakt, hvori opgaver "
                      "og honorering beskrives (se udkast på kiap.dk).")
Q_GUIDE_B_INCOME = _c(GUIDE, "§6", "Honoraret skal indberettes til SKAT af klyngen og opgives "
                      "som B-indkomst af modtager.")
Q_GUIDE_RECEIPTS = _c(GUIDE, G73_ACCOUNTS, "Det anbefales også, at man gemmer fakturaer og øvrige "
                      "bilag til klyngearbejdet, hvis klyngen på et tidspunkt skulle blive "
                      "omfattet af andre regnskabsregler.")
Q_VOCABULARY = _c(HB, "§11", "Klyngens midler kan i henhold til overenskomstaftalen bruges til:")


# --- conditions and texts that need more than a template ---------------------------------


def _contract_missing(invoice_suffices_for: Iterable[str]) -> Condition:
    """Pay for work held with neither a contract nor a time sheet.

    An invoice stands in for them for ``invoice_suffices_for``: a
    consultant's help bought from a firm, and before 1 April 2023 any fee;
    since then PLO wants the contract or time sheet with every honorarium
    payout, and a speaker's or facilitator's fee is an honorarium ("Honorar
    til oplægsholder, facilitatorer", Håndbog 2024 §11).
    """
    invoiced = frozenset(invoice_suffices_for)

    def condition(e: Expense, f: Facts) -> bool:
        docs = set(e.documentation)
        return (e.category in PAID_FOR_WORK and not docs & {"contract", "timesheet"}
                and not ("invoice" in docs and e.category in invoiced))
    return condition


def _no_recipient(categories: Iterable[str]) -> Condition:
    """An expense of ``categories`` with neither the recipient's CVR nor CPR number."""
    of = frozenset(categories)
    return lambda e, f: e.category in of and e.recipient_cvr is None and e.recipient_cpr is None


def _money(value: Decimal) -> Decimal:
    """An amount with two decimals, as ``format_money`` writes it (a message shows its
    digits: ``1200.00``, in Danish ``1.200,00``)."""
    return Decimal(format_money(value))


def _plain(value: Decimal | None) -> Decimal | str:
    """A number as ``str()`` writes it; a Decimal (Danish: a decimal comma) when that is
    what a message writes too."""
    text = str(value)
    return value if value is not None and text == f"{value:f}" else text


def _hourly_rate(e: Expense) -> Decimal | None:
    """The hourly rate of pay for work, the only hourly rate the care rules compare."""
    return e.hourly_rate if e.category in PAID_FOR_WORK else None


def _rate_above_recommended(e: Expense, f: Facts) -> bool:
    rate = _hourly_rate(e)
    if rate is None:
        return False
    limit = f.threshold("consultant_hourly_rate")
    return limit is not None and rate > limit.value


def _rate_above_text(e: Expense, f: Facts) -> str:
    limit = f.threshold("consultant_hourly_rate")
    assert e.hourly_rate is not None and limit is not None  # the condition held
    return message("the hourly rate {rate} is above PLO's recommended {limit} ({described})",
                   rate=_money(e.hourly_rate), limit=_money(limit.value),
                   described=limit.described)


def _rate_unpublished_text(e: Expense, f: Facts) -> str:
    assert e.hourly_rate is not None  # the condition held
    return message("PLO's recommended hourly rate is published only from {start}; the hourly "
                   "rate {rate} was not compared", start=f.first_date("consultant_hourly_rate"),
                   rate=_money(e.hourly_rate))


def _hours_times_rate(e: Expense) -> Decimal | None:
    rate = _hourly_rate(e)
    return None if rate is None or e.hours is None else product_ore(e.hours, rate)


def _not_hours_times_rate_text(e: Expense, f: Facts) -> str:
    product = _hours_times_rate(e)
    assert product is not None and e.hourly_rate is not None  # the condition held
    return message("the amount {amount} is not hours × rate ({hours} × {rate} = {product})",
                   amount=_money(e.amount), hours=_plain(e.hours), rate=_money(e.hourly_rate),
                   product=_money(product))


def _per_participant_rule(id: str, category: str, parameter: str) -> SpendingRule:
    """Catering or room rental above the ruleset's figure per participant: reviewed.

    The amount per participant, to the øre (half up), is compared with the figure: a
    figure exactly at the threshold is not above it, and the one shown is the one
    compared.
    """
    def condition(e: Expense, f: Facts) -> bool:
        if e.category != category or e.payee_role in _MEMBERS or e.participants is None:
            return False
        limit = f.threshold(parameter)
        return limit is not None and per_unit_ore(e.amount, e.participants) > limit.value

    def text(e: Expense, f: Facts) -> str:
        limit = f.threshold(parameter)
        assert e.participants is not None and limit is not None  # the condition held
        return message("{amount} kr per participant is above {limit} ({described})",
                       amount=_money(per_unit_ore(e.amount, e.participants)),
                       limit=_money(limit.value), described=limit.described)

    return SpendingRule(id=id, stage="care", status="needs_review", condition=condition,
                        text=text, citation=Q_CARE, basis="local_policy", threshold=parameter)


def _purpose(id: str, status: Status, when: When, text: str, citation: Citation) -> SpendingRule:
    return SpendingRule(id=id, stage="purpose", status=status, condition=when, text=text,
                        citation=citation)


# --- the registry, in decision order ---------------------------------------------------------

#: Every spending rule, in decision order: the purpose rules (first match
#: wins), then the documentation and care rules (each adds its reason).
SPENDING_RULES: Final[tuple[SpendingRule, ...]] = (
    # What the money is for: category × payee role (docs/expenses.md, the decision table).
    # Refused for whom the sentences name (members and their clinics); for another
    # payee the sources do not decide (#13: refuse what the sources refuse, no wider).
    _purpose("no_lost_earnings", "not_allowed",
             When(categories={"lost_earnings"}, roles=_MEMBERS),
             N_("lost earnings of members or their clinics are never refunded from cluster funds"),
             Q_NO_REFUND),
    _purpose("lost_earnings_review", "needs_review", When(categories={"lost_earnings"}),
             N_("lost earnings of a {role}: the sources forbid refunding them to members and their "
             "clinics only"), Q_NO_REFUND),
    _purpose("no_patient_or_clinic_costs", "not_allowed",
             When(categories={"medical_equipment", "clinic_operations"}),
             N_("funds cannot pay for medical equipment, patient treatment or running a clinic"),
             Q_NO_MEDICAL),
    _purpose("no_study_trips_abroad", "not_allowed",
             When(categories={"study_trip"}, roles=_MEMBERS, abroad=True),
             N_("funds cannot pay for study trips abroad for the cluster's members"),
             Q_CONFERENCES),
    _purpose("study_trip_abroad_review", "needs_review",
             When(categories={"study_trip"}, abroad=True),
             N_("a study trip abroad for a {role}: the sources forbid it for the cluster's members "
             "only"), Q_CONFERENCES),
    _purpose("study_trip_review", "needs_review", When(categories={"study_trip"}),
             N_("a study trip in Denmark is neither allowed nor forbidden by the sources"),
             Q_CONFERENCES),
    _purpose("other_review", "needs_review", When(categories={"other"}),
             N_("the category 'other' is not one the sources decide"), Q_VOCABULARY),
    _purpose("no_member_transport", "not_allowed",
             When(categories={"transport", "mileage"}, roles=_MEMBERS),
             N_("members' transport to cluster meetings is not paid"), Q_NO_TRANSPORT),
    _purpose("no_funds_to_clinics", "not_allowed", When(categories=PAID_FOR_WORK, roles={"clinic"}),
             N_("funds cannot be handed to the member clinics"), Q_NOT_BACK),
    _purpose("member_special_work", "needs_review",
             When(categories=PAID_FOR_WORK, roles={"member"}),
             N_("a member may be paid only for special work agreed with the cluster, never a "
             "meeting fee"), Q_SPECIAL_WORK),
    _purpose("role_mismatch", "needs_review",
             When(categories={"honorarium"}, roles={"venue", "supplier"}),
             N_("{category} paid to a {role}: not a combination the sources decide"), Q_HONORARIA),
    _purpose("role_mismatch", "needs_review", When(categories=FEES, roles={"venue", "supplier"}),
             N_("{category} paid to a {role}: not a combination the sources decide"), Q_FEES),
    _purpose("honorarium_allowed", "allowed", When(categories={"honorarium"}),
             N_("pay for work for the cluster is allowed"), Q_HONORARIA),
    _purpose("fee_allowed", "allowed", When(categories=FEES),
             N_("pay for work for the cluster is allowed"), Q_FEES),
    _purpose("meeting_cost_to_member", "needs_review",
             When(categories=_MEETING_COSTS, roles=_MEMBERS),
             N_("a meeting cost paid to a member or a member clinic must not hand funds back "
                "to them"),
             Q_NOT_BACK),
    _purpose("meeting_costs_allowed", "allowed", When(categories={"room_rental", "catering"}),
             N_("meeting costs are allowed"), Q_MEETINGS),
    _purpose("meeting_costs_allowed", "allowed", When(categories={"meeting_equipment"}),
             N_("meeting costs are allowed"), Q_MEETING_EQUIPMENT),
    _purpose("meeting_costs_allowed", "allowed", When(categories={"meeting_material"}),
             N_("meeting costs are allowed"), Q_MATERIAL),
    _purpose("conference_abroad_review", "needs_review",
             When(categories={"conference"}, roles=_BOARD, abroad=True),
             N_("a conference abroad is allowed for the coordinator and board, but asks for care"),
             Q_CARE),
    _purpose("conference_allowed", "allowed", When(categories={"conference"}, roles=_BOARD),
             N_("the coordinator's and board's conferences and theme days are allowed"),
             Q_CONFERENCES),
    _purpose("conference_others_review", "needs_review", When(categories={"conference"}),
             N_("conferences are allowed for the coordinator and board; a {role} is not named"),
             Q_CONFERENCES),
    _purpose("mileage_allowed", "allowed", When(categories={"mileage"}, roles=_BOARD),
             N_("taxable mileage for the coordinator or board to course activities is allowed"),
             Q_MILEAGE),
    _purpose("mileage_in_honorarium", "needs_review", When(categories={"mileage"}),
             N_("other speakers etc. get mileage as part of their honorarium, not as a separate "
             "payment"), Q_MILEAGE_OTHERS),
    _purpose("transport_review", "needs_review", When(categories={"transport"}),
             N_("transport for a {role} is not decided by the sources; members' transport to "
             "meetings is not paid"), Q_NO_TRANSPORT),
    # The documentation and the recipient's identity, by who administers the funds.
    SpendingRule(id="honorarium_contract", stage="documentation", status="incomplete",
                 funds="plo_account", condition=_contract_missing({"consultant_fee"}),
                 text=N_("a contract or time sheet is missing"), citation=Q_PLO_HONORARIUM),
    SpendingRule(id="honorarium_contract", stage="documentation", status="incomplete",
                 funds="own_account", condition=_contract_missing(FEES),
                 text=N_("a contract or time sheet is missing"), citation=Q_GUIDE_CONTRACT),
    SpendingRule(id="honorarium_hourly_rate", stage="documentation", status="incomplete",
                 funds="plo_account",
                 condition=lambda e, f: e.category == "honorarium" and e.hourly_rate is None,
                 text=N_("the hourly rate (timesats) is missing"), citation=Q_PLO_HONORARIUM),
    SpendingRule(id="recipient_identity", stage="documentation", status="incomplete",
                 funds="plo_account", condition=_no_recipient(PAID_FOR_WORK),
                 text=N_("the recipient's CVR number (B-income) or CPR number (A-income) is "
                         "missing"),
                 citation=Q_PLO_RECIPIENT),
    SpendingRule(id="recipient_identity", stage="documentation", status="incomplete",
                 funds="own_account", condition=_no_recipient(PAID_FOR_WORK),
                 text=N_("the recipient's CVR number (B-income) or CPR number (A-income) is "
                         "missing"),
                 citation=Q_GUIDE_B_INCOME),
    SpendingRule(id="recipient_ambiguous", stage="documentation", status="needs_review",
                 condition=lambda e, f: (e.category in PAID_FOR_WORK
                                         and e.recipient_cvr is not None
                                         and e.recipient_cpr is not None),
                 text=N_("both a CVR and a CPR number are given; the recipient names one"),
                 citation=Q_PLO_RECIPIENT),
    SpendingRule(id="recipient_identity", stage="documentation", status="incomplete",
                 condition=_no_recipient({"mileage"}),
                 text=N_("taxable mileage needs the recipient's CVR or CPR number"),
                 citation=Q_MILEAGE),
    SpendingRule(id="receipts_required", stage="documentation", status="incomplete",
                 funds="plo_account", condition=lambda e, f: not _VOUCHERS & set(e.documentation),
                 text=N_("no receipt or invoice: since 1 April 2023 every voucher goes to PLO"),
                 citation=Q_PLO_RECEIPTS),
    SpendingRule(id="receipts_recommended", stage="documentation", status="needs_review",
                 funds="own_account", condition=lambda e, f: not _VOUCHERS & set(e.documentation),
                 text=N_("no receipt or invoice: the Guide asks clusters to keep them"),
                 citation=Q_GUIDE_RECEIPTS),
    # Care: prices compared with the ruleset's figures.
    SpendingRule(id="consultant_rate_unpublished", stage="care", status="allowed",
                 condition=lambda e, f: (_hourly_rate(e) is not None
                                         and f.threshold("consultant_hourly_rate") is None),
                 text=_rate_unpublished_text, citation=Q_PLO_RATE,
                 threshold="consultant_hourly_rate"),
    SpendingRule(id="hourly_rate_above_recommended", stage="care", status="needs_review",
                 condition=_rate_above_recommended, text=_rate_above_text, citation=Q_PLO_RATE,
                 threshold="consultant_hourly_rate"),
    SpendingRule(id="amount_not_hours_times_rate", stage="care", status="needs_review",
                 condition=lambda e, f: _hours_times_rate(e) not in (None, e.amount),
                 text=_not_hours_times_rate_text, citation=Q_PLO_HONORARIUM),
    SpendingRule(id="participants_missing", stage="care", status="needs_review",
                 basis="local_policy", policy="participants_missing",
                 condition=lambda e, f: (e.category in ("catering", "room_rental")
                                         and e.payee_role not in _MEMBERS
                                         and e.participants is None),
                 text=N_("without the number of participants the cost per participant cannot be "
                      "checked"), citation=Q_CARE),
    _per_participant_rule("expensive_catering", "catering", "catering_review_per_participant"),
    _per_participant_rule("expensive_venue", "room_rental", "venue_review_per_participant"),
)


def spending_rules() -> tuple[SpendingRule, ...]:
    """The registry of spending rules (:data:`SPENDING_RULES`), in decision order.

    A tuple of frozen rules: a read-only view, the same object every time.

    >>> [r.id for r in spending_rules()][:2] == [r.id for r in SPENDING_RULES][:2]
    True
    """
    return SPENDING_RULES
