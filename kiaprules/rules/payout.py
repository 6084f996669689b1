"""The payout rules, each with the sentence of the source it implements.

These are the rules the engine applies; their figures come from the ruleset.
Each :class:`Rule` travels with every line it produces, so an explanation can
quote it. The numbers follow DOMAIN.md's "Payout rules".
"""

from __future__ import annotations

import attrs

from kiaprules.errors import RulesetError
from kiaprules.rules.ruleset import Citation, Ruleset

__all__ = ["PAYOUT_PARAMETERS", "PAYOUT_POLICIES", "RULES", "Rule", "check_payout_ruleset"]


@attrs.frozen(kw_only=True)
class Rule:
    """A payout rule: a stable id, a title and the source sentence it rests on."""

    id: str
    title: str
    citation: Citation

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "citation": self.citation.to_dict()}


def _rule(id: str, title: str, document: str, section: str, quote: str) -> Rule:
    return Rule(id=id, title=title,
                citation=Citation(document=document, section=section, quote=quote))


GUIDE = "Guide til klyngestart"
HB = "Håndbog 2024"

#: Rule 1 and 7: the startup grant, once, with the first operating payout; not on a switch.
STARTUP = _rule(
    "startup_grant", "Startup grant per doctor capacity, paid once with the first payout",
    GUIDE, "§7.1",
    "Første gang udbetales et opstartshonorar pr. lægekapacitet sammen med driftsmidlerne. "
    "[…] Opstartsbeløbet udbetales ikke ved klyngeskift.")

#: Rule 2 and 4: the operating grant per group-1 patient counted per 1 January.
OPERATING = _rule(
    "operating_grant", "Operating grant per group-1 patient counted per 1 January",
    GUIDE, "§7.1",
    "Efterfølgende udbetales driftsmidler med afsæt i antal tilmeldte patienter pr. 1. januar "
    "hvert år.")

#: Rule 3: the 2019–2021 supplement per patient.
SUPPLEMENT = _rule(
    "supplement", "Supplement per group-1 patient from Fonden for Almen Praksis, 2019–2021",
    GUIDE, "§7.1",
    "Det indebærer at klyngerne i 2019 og 2020 tildeles ekstra 2,16 kr. pr. patient og i 2021 "
    "tildeles 0,47 kr. pr. patient.")

#: Rule 8 under I3: a leaver's startup grant goes back to the region.
CLAWBACK = _rule(
    "clawback", "Startup grant of a clinic that left within its first year, deducted",
    GUIDE, "§7.1",
    "Træder en læge ud af klyngen indenfor det første år, føres pengene tilbage til regionens "
    "kvalitetsarbejde.")

#: Rule 4 and 5: the first payout, due when registration is completed.
FIRST_PAYOUT = _rule(
    "first_payout", "A new cluster's first payout, due when its registration is completed",
    GUIDE, "§7.1",
    "Regionen udbetaler midlerne fra den dato, hvor klyngen afholdte den stiftende "
    "generalforsamling. […] I gennemsnit vil pengene være på klyngens konto mellem 2-4 uger fra "
    "det tidspunkt, hvor klyngen er færdigmeldt på kiap.dk.")

#: Rule 6 and I2: who is paid in the first payout, counted when registration is completed.
FOUNDING_MEMBERS = _rule(
    "founding_members", "Founding members: the clinics registered when the cluster is completed",
    GUIDE, "§7.1",
    "Knappen \"Færdig klyngen\" giver regionen viden om, at klyngen er færdigregistreret, "
    "hvorefter regionen kan beregne og udbetale tilskuddet og følge eventuelle ændringer i "
    "klyngens sammensætning.")

#: Rule 6: members added after registration are funded from the next year change.
LATE_JOINER = _rule(
    "late_joiner", "Members added after registration are funded from the next 1 January",
    GUIDE, "§7.1",
    "Det er muligt at tilføje klyngemedlemmer efterfølgende, men tilskuddet for disse "
    "klyngemedlemmer udløses først ved årsskiftet.")

#: Rule 4: the yearly payout on 1 March.
YEARLY_PAYOUT = _rule(
    "yearly_payout", "The yearly payout, made on the payout day",
    HB, "§5",
    "Klyngens konto får den 1. marts hvert år udbetalt klyngemidler fra regionen, baseret på "
    "hvor mange gruppe 1- patienter klyngens læger har.")

RULES = {r.id: r for r in (STARTUP, OPERATING, SUPPLEMENT, CLAWBACK, FIRST_PAYOUT,
                           FOUNDING_MEMBERS, LATE_JOINER, YEARLY_PAYOUT)}


#: What the payout engine reads from a ruleset.
PAYOUT_PARAMETERS = ("startup_grant", "operating_rate", "supplement_rate", "counting_day",
                     "payout_day", "clawback_window_months")

#: The readings of I1–I6 the engine can apply; a ruleset offering any other
#: would be computed as something it did not ask for, so it is refused.
PAYOUT_POLICIES: dict[str, frozenset[str]] = {
    "founding_year": frozenset({"full_year", "pro_rata"}),
    "founding_members": frozenset({"registration", "founding"}),
    "clawback": frozenset({"within_first_year", "never"}),
    "late_joiner_startup": frozenset({"first_funded_year", "founding_only"}),
    "unpublished_years": frozenset({"carry_forward", "refuse"}),
    "rounding": frozenset({"line", "clinic"}),
}


def check_payout_ruleset(ruleset: Ruleset) -> None:
    """Refuse a ruleset that lacks what the engine reads, or offers a reading it cannot apply."""
    for name in PAYOUT_PARAMETERS:
        if name not in ruleset.parameters:
            raise RulesetError(f"is missing: the payout engine needs it (ruleset {ruleset.id!r})",
                               path=ruleset.source, field=f"parameters.{name}")
    for name, known in PAYOUT_POLICIES.items():
        policy = ruleset.policies.get(name)
        if policy is None:
            raise RulesetError(f"is missing: the payout engine needs policy {name!r} "
                               f"(ruleset {ruleset.id!r})", path=ruleset.source,
                               field=f"policies.{name}")
        unknown = sorted(set(policy.choices) - known)
        if unknown:
            raise RulesetError(
                f"offers {', '.join(repr(u) for u in unknown)}, which the payout engine cannot "
                f"apply; it knows {', '.join(sorted(known))}", path=ruleset.source,
                field=f"policies.{name}.choices")
