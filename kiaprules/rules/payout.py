"""The payout rules: a registry of data, each rule with the sentence of the source it implements.

The engine applies these rules; their figures come from the ruleset. Every
line the engine makes, and every clinic it counts in a line or leaves out of
one, carries the id of the rule that decided it (and, for a rule that is one
reading of an interpretation, the policy choice in force). Explanations
render that record; they never work out after the fact which rule applied.

Rule ids are the names used in the docs (docs/payouts.md) and in every
output. A rule that belongs to one reading of an interpretation the sources
leave open names that reading (``policy``, e.g. ``founding_members=founding``):
:func:`rule` picks the one in force.

>>> rule("founding_members", {"founding_members": "founding"}).citation.quote
'Regionen udbetaler midlerne fra den dato, hvor klyngen afholdte den stiftende generalforsamling.'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from kiaprules._i18n import N_
from kiaprules._text import value_repr
from kiaprules.errors import RulesetError
from kiaprules.rules.ruleset import Citation, Ruleset

__all__ = ["OPTIONAL_POLICIES", "PAYOUT_PARAMETERS", "PAYOUT_POLICIES", "RULES", "Rule",
           "check_payout_ruleset", "payout_rules", "rule"]


@attrs.frozen(kw_only=True)
class Rule:
    """A payout rule: a stable id, a title, the source sentence it rests on, and the
    policy reading it belongs to (``"founding_members=founding"``), if any."""

    __repr__ = value_repr

    id: str
    title: str
    citation: Citation
    policy: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "title": self.title,
                                  "citation": self.citation.to_dict()}
        if self.policy is not None:
            out["policy"] = self.policy
        return out


_GUIDE: Final = "Guide til klyngestart"
_HB: Final = "Håndbog 2024"


def _rule(id: str, title: str, document: str, section: str, quote: str,
          policy: str | None = None) -> Rule:
    return Rule(id=id, title=title, policy=policy,
                citation=Citation(document=document, section=section, quote=quote))


#: Every payout rule, in the order docs/payouts.md presents them.
RULES: Final[tuple[Rule, ...]] = (
    # --- the lines -------------------------------------------------------------
    _rule("startup_grant", N_("Startup grant per doctor capacity, paid once with the first payout"),
          _GUIDE, "§7.1",
          "Første gang udbetales et opstartshonorar pr. lægekapacitet sammen med "
          "driftsmidlerne. […] Opstartsbeløbet udbetales ikke ved klyngeskift."),
    _rule("operating_grant", N_("Operating grant per group-1 patient counted per 1 January"),
          _GUIDE, "§7.1",
          "Efterfølgende udbetales driftsmidler med afsæt i antal tilmeldte patienter pr. "
          "1. januar hvert år."),
    _rule("supplement", N_("Supplement per group-1 patient from Fonden for Almen Praksis, "
          "2019–2021"), _GUIDE, "§7.1",
          "Det indebærer at klyngerne i 2019 og 2020 tildeles ekstra 2,16 kr. pr. patient og i "
          "2021 tildeles 0,47 kr. pr. patient."),
    _rule("clawback", N_("Startup grant of a clinic that left within its first year, deducted"),
          _GUIDE, "§7.1",
          "Træder en læge ud af klyngen indenfor det første år, føres pengene tilbage til "
          "regionens kvalitetsarbejde.", "clawback=within_first_year"),
    # --- when a payout is due ----------------------------------------------------
    _rule("first_payout", N_("A new cluster's first payout, due when its registration is "
          "completed"), _GUIDE, "§7.1",
          "Regionen udbetaler midlerne fra den dato, hvor klyngen afholdte den stiftende "
          "generalforsamling. […] I gennemsnit vil pengene være på klyngens konto mellem 2-4 "
          "uger fra det tidspunkt, hvor klyngen er færdigmeldt på kiap.dk."),
    _rule("yearly_payout", N_("The yearly payout, made on the payout day"), _HB, "§5",
          "Klyngens konto får den 1. marts hvert år udbetalt klyngemidler fra regionen, "
          "baseret på hvor mange gruppe 1- patienter klyngens læger har."),
    # --- who is counted (I2) -------------------------------------------------------
    _rule("founding_members", N_("Founding members: the clinics registered when the cluster is "
          "completed"), _GUIDE, "§7.1",
          "Knappen \"Færdig klyngen\" giver regionen viden om, at klyngen er "
          "færdigregistreret, hvorefter regionen kan beregne og udbetale tilskuddet og følge "
          "eventuelle ændringer i klyngens sammensætning.", "founding_members=registration"),
    _rule("founding_members", N_("Founding members: the clinics that are members on the day of "
          "the founding general assembly"), _GUIDE, "§7.1",
          "Regionen udbetaler midlerne fra den dato, hvor klyngen afholdte den stiftende "
          "generalforsamling.", "founding_members=founding"),
    _rule("late_joiner", N_("Members added after registration are funded from the next 1 January"),
          _GUIDE, "§7.1",
          "Det er muligt at tilføje klyngemedlemmer efterfølgende, men tilskuddet for disse "
          "klyngemedlemmer udløses først ved årsskiftet."),
    # --- whether the money is paid (C2) -------------------------------------------------
    _rule("withheld", N_("A cluster that does not meet the registration requirements is paid "
          "nothing: its amounts are withheld"), _GUIDE, "§1.1",
          "I får først tildelt midler fra regionen til klyngearbejdet når klyngen er "
          "registreret og anmeldt til Kvalitetsprogrammet og der foreligger godkendte "
          "vedtægter for klyngen og et referat af den stiftende generalforsamling.",
          "unregistered=withhold"),
    # --- who is left out --------------------------------------------------------------
    _rule("left_cluster", N_("A clinic that has left is no longer counted, from the next "
          "1 January"), _GUIDE, "§7.1",
          "Hvis en klinik/en læge udtræder af klyngen vil reguleringen af midler ske det "
          "efterfølgende år 1. januar."),
    _rule("cluster_switch", N_("No startup grant for a clinic that came by a cluster switch"),
          _GUIDE, "§7.1", "Opstartsbeløbet udbetales ikke ved klyngeskift."),
    _rule("startup_once", N_("The startup grant is paid once"), _GUIDE, "§7.1",
          "En nystartet klynges økonomi vil bestå af et opstartshonorar - et éngangstilskud - "
          "på 10.000 kr. pr. lægekapacitet samt et årligt løbende driftstilskud pr. tilmeldt "
          "patient hos klinikkerne i klyngen på 4,33 kr. pr. patient (reguleres med "
          "honorarudviklingen)."),
    _rule("startup_founding_only", N_("Only the clinics of the first payout get a startup grant"),
          _GUIDE, "§7.1",
          "Første gang udbetales et opstartshonorar pr. lægekapacitet sammen med "
          "driftsmidlerne.", "late_joiner_startup=founding_only"),
    _rule("capacity_increase", N_("A later increase of capacities gets no startup grant: the "
          "grant is a one-off at the start"), _GUIDE, "§7.1",
          "En nystartet klynges økonomi vil bestå af et opstartshonorar - et éngangstilskud - "
          "på 10.000 kr. pr. lægekapacitet samt et årligt løbende driftstilskud pr. tilmeldt "
          "patient hos klinikkerne i klyngen på 4,33 kr. pr. patient (reguleres med "
          "honorarudviklingen).", "capacity_increase=no_grant"),
    _rule("capacity_increase", N_("A startup grant per capacity added, in the first payout "
          "after the increase"), _GUIDE, "§7.1",
          "Første gang udbetales et opstartshonorar pr. lægekapacitet sammen med "
          "driftsmidlerne.", "capacity_increase=grant_added"),
    _rule("clawback_window", N_("A clinic that left on or after the end of its first year keeps "
          "its startup grant"), _GUIDE, "§7.1",
          "Træder en læge ud af klyngen indenfor det første år, føres pengene tilbage til "
          "regionens kvalitetsarbejde.", "clawback=within_first_year"),
    _rule("no_clawback", N_("Nothing is clawed back"), _GUIDE, "§7.1",
          "Opstartshonoraret tilbagebetales ikke.", "clawback=never"),
)

_BY_KEY: Final[dict[tuple[str, str | None], Rule]] = {}
for _r in RULES:
    _key = (_r.id, _r.policy.partition("=")[0] if _r.policy else None)
    _BY_KEY.setdefault(_key, _r)
_POLICY_OF: Final[dict[str, str]] = {r.id: r.policy.partition("=")[0] for r in RULES
                                     if r.policy is not None}


def payout_rules() -> tuple[Rule, ...]:
    """The registry of payout rules (:data:`RULES`), in the order docs/payouts.md presents
    them; a rule that is one reading of an interpretation appears once a reading.

    A tuple of frozen rules: a read-only view, the same object every time.

    >>> [r.policy for r in payout_rules() if r.id == "founding_members"]
    ['founding_members=registration', 'founding_members=founding']
    """
    return RULES


def rule(id: str, policies: Mapping[str, str] | None = None) -> Rule:
    """The rule ``id`` under the ``policies`` in force (their defaults when not given).

    A rule that is one reading of an interpretation is looked up under that
    policy's choice; asking for a rule under a choice that has no such rule
    (``clawback`` under ``clawback=never``) is a bug, and raises ``LookupError``.
    """
    policy = _POLICY_OF.get(id)
    if policy is None:
        found = _BY_KEY.get((id, None))
        if found is None:
            raise LookupError(f"no payout rule {id!r}")
        return found
    choices = [r for r in RULES if r.id == id]
    chosen = (policies or {}).get(policy)
    for candidate in choices:
        if chosen is None or candidate.policy == f"{policy}={chosen}":
            return candidate
    raise LookupError(f"no payout rule {id!r} under {policy}={chosen}")


#: What the payout engine reads from a ruleset.
PAYOUT_PARAMETERS: Final = ("startup_grant", "operating_rate", "supplement_rate",
                            "counting_day", "payout_day", "clawback_window_months")

#: The readings of I1–I6 the engine can apply; a ruleset offering any other
#: would be computed as something it did not ask for, so it is refused.
PAYOUT_POLICIES: Final[dict[str, frozenset[str]]] = {
    "founding_year": frozenset({"full_year", "pro_rata"}),
    "founding_members": frozenset({"registration", "founding"}),
    "clawback": frozenset({"within_first_year", "never"}),
    "late_joiner_startup": frozenset({"first_funded_year", "founding_only"}),
    "unpublished_years": frozenset({"carry_forward", "refuse"}),
    "rounding": frozenset({"line", "clinic"}),
    "capacity_increase": frozenset({"no_grant", "grant_added"}),
    "unregistered": frozenset({"withhold", "as_registered", "refuse"}),
}
#: Policies a ruleset may leave out: a ruleset written before capacity changes could be
#: recorded has no I7 (the engine refuses only an increase it cannot decide), and one
#: without ``unregistered`` withholds, as the sources say (C2).
OPTIONAL_POLICIES: Final = frozenset({"capacity_increase", "unregistered"})


def check_payout_ruleset(ruleset: Ruleset) -> None:
    """Refuse a ruleset that lacks what the engine reads, or offers a reading it cannot apply."""
    for name in PAYOUT_PARAMETERS:
        if name not in ruleset.parameters:
            raise RulesetError(f"is missing: the payout engine needs it (ruleset {ruleset.id!r})",
                               path=ruleset.source, field=f"parameters.{name}",
                               code="ruleset.incomplete")
    for name, known in PAYOUT_POLICIES.items():
        policy = ruleset.policies.get(name)
        if policy is None and name in OPTIONAL_POLICIES:
            continue
        if policy is None:
            raise RulesetError(f"is missing: the payout engine needs policy {name!r} "
                               f"(ruleset {ruleset.id!r})", path=ruleset.source,
                               field=f"policies.{name}", code="ruleset.incomplete")
        unknown = sorted(set(policy.choices) - known)
        if unknown:
            raise RulesetError(
                f"offers {', '.join(repr(u) for u in unknown)}, which the payout engine cannot "
                f"apply; it knows {', '.join(sorted(known))}", path=ruleset.source,
                field=f"policies.{name}.choices", code="ruleset.unsupported")
