"""Registration eligibility: what a cluster needs before funds can flow.

Each requirement quotes the sentence of the source it checks. The model
already refuses what cannot be true of any cluster (registration before the
founding general assembly, a clinic joining before the cluster existed);
this module lists what a real cluster may still lack.
"""

from __future__ import annotations

import attrs

from kiaprules._i18n import message
from kiaprules._text import value_repr
from kiaprules.errors import InputTypeError
from kiaprules.model.cluster import Cluster, find_overlaps
from kiaprules.rules.ruleset import Citation

__all__ = ["GATES_PAYMENT", "RegistrationProblem", "check_registration", "unpaid_because"]


@attrs.frozen(kw_only=True)
class RegistrationProblem:
    """One unmet requirement: a stable code, a message and the rule's citation."""

    __repr__ = value_repr

    code: str
    message: str
    citation: Citation
    record: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "record": self.record,
                "citation": self.citation.to_dict()}


# Håndbog 2024 §5: "Der skal være valgt en klyngekoordinator for, at klyngen
# kan oprettes og registreres som klynge, og klyngekoordinatoren er den
# officielle repræsentant for klyngen."
COORDINATOR = Citation(
    document="Håndbog 2024", section="§5",
    quote="Der skal være valgt en klyngekoordinator for, at klyngen kan oprettes og registreres "
          "som klynge, og klyngekoordinatoren er den officielle repræsentant for klyngen.")

# Guide til klyngestart §7.1: "Når en klynge er anmeldt og registreret med
# CVR-nummer og NemKonto, kan en udbetaling af midlerne til klyngen påbegyndes."
CVR = Citation(
    document="Guide til klyngestart", section="§7.1",
    quote="Når en klynge er anmeldt og registreret med CVR-nummer og NemKonto, kan en "
          "udbetaling af midlerne til klyngen påbegyndes.")

# Guide til klyngestart §4.1, documents needed before registration:
# "Liste over klyngens medlemmer og ydernumre".
MEMBERS = Citation(document="Guide til klyngestart", section="§4.1",
                   quote="Liste over klyngens medlemmer og ydernumre")

# Guide til klyngestart §1: "Husk at alle læger i en klinik skal være i samme klynge".
ONE_CLUSTER = Citation(document="Guide til klyngestart", section="§1",
                       quote="Husk at alle læger i en klinik skal være i samme klynge")


def check_registration(cluster: Cluster) -> list[RegistrationProblem]:
    """Every unmet registration requirement of ``cluster``; empty when eligible.

    >>> import datetime as dt
    >>> from kiaprules import Cluster
    >>> [p.code for p in check_registration(Cluster(name="Ny", founded=dt.date(2019, 3, 1)))]
    ['coordinator_missing', 'cvr_missing', 'no_clinics']
    """
    if not isinstance(cluster, Cluster):
        raise InputTypeError(f"must be a Cluster, got {type(cluster).__name__}", field="cluster")
    problems: list[RegistrationProblem] = []
    if not cluster.coordinator:
        problems.append(RegistrationProblem(
            code="coordinator_missing",
            message=message("no coordinator: a cluster needs an elected coordinator to be "
                            "registered"),
            citation=COORDINATOR))
    if cluster.cvr is None:
        problems.append(RegistrationProblem(
            code="cvr_missing",
            message=message("no CVR number: funds flow only to a cluster registered with its "
                            "CVR number"),
            citation=CVR))
    if not cluster.memberships:
        problems.append(RegistrationProblem(
            code="no_clinics", message=message("no clinics: the registration lists the members' "
                                               "provider numbers"), citation=MEMBERS))
    elif not cluster.members_on(cluster.registered):
        problems.append(RegistrationProblem(
            code="no_members_at_registration",
            message=message("no clinic is a member on the day registration was completed "
                            "({date})", date=cluster.registered),
            citation=MEMBERS))
    for overlap in find_overlaps([cluster]):
        problems.append(RegistrationProblem(
            code="provider_number_twice", message=overlap.message, citation=ONE_CLUSTER,
            record=overlap.second[1].label))
    return problems


#: The requirements whose absence stops the money (C2): "I får først tildelt midler
#: fra regionen til klyngearbejdet når klyngen er registreret" (Guide til klyngestart
#: §1.1), and registration needs a coordinator and a CVR number.
GATES_PAYMENT = frozenset({"coordinator_missing", "cvr_missing"})


def unpaid_because(cluster: Cluster) -> list[RegistrationProblem]:
    """The unmet requirements that stop ``cluster``'s money (C2); empty when it is paid.

    >>> import datetime as dt
    >>> from kiaprules import Cluster
    >>> [p.code for p in unpaid_because(Cluster(name="Ny", founded=dt.date(2019, 3, 1)))]
    ['coordinator_missing', 'cvr_missing']
    """
    return [p for p in check_registration(cluster) if p.code in GATES_PAYMENT]
