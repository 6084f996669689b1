"""The whole country: the synthetic generator, the fast paths, the summary and sweeps.

Nothing here is timed (the benchmarks in ``benchmarks/`` measure speed); these
tests pin what the speed must not change: the generator is deterministic and
matches Håndbog 2024 §1, the fast mode and the national summary add up to
``compute_payouts``, and a sweep's totals equal each variant computed on its
own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from strategies_payouts import scenarios

from kiaprules import (
    Clinic,
    Cluster,
    InputError,
    Line,
    Membership,
    PatientCounts,
    ProviderNumber,
    Variant,
    compute_payouts,
    dumps_clusters,
    load_clusters,
    load_ruleset,
    loads_clusters,
    national_summary,
    sweep,
)
from kiaprules.cli import main
from kiaprules.model.cluster import find_overlaps
from kiaprules.synthetic import generate_country, snapshot_statistics

REPO_ROOT = Path(__file__).resolve().parents[2]
DENMARK = REPO_ROOT / "examples" / "denmark.json"
RULESET = load_ruleset("dk-kiap")
YEARS = tuple(range(2018, 2026))
KINDS = ("startup", "operating", "supplement", "clawback")
Country = tuple[Cluster, ...]
ZERO = Decimal("0.00")

#: Every reading of I1-I6 the fast paths must agree on (one change at a time,
#: and the two that touch pricing together).
POLICY_CHOICES = (
    {},
    {"founding_year": "pro_rata"},
    {"rounding": "clinic"},
    {"clawback": "never"},
    {"founding_members": "founding"},
    {"late_joiner_startup": "founding_only"},
    {"founding_year": "pro_rata", "rounding": "clinic"},
)


@pytest.fixture(scope="module")
def country() -> Country:
    return generate_country(seed=2024)


@pytest.fixture(scope="module")
def shipped() -> Country:
    return load_clusters(DENMARK)


# --- the generator ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_country_to_the_byte() -> None:
    a = dumps_clusters(generate_country(seed=7, scale=0.2), fmt="json")
    b = dumps_clusters(generate_country(seed=7, scale=0.2), fmt="json")
    assert a == b
    assert a != dumps_clusters(generate_country(seed=8, scale=0.2), fmt="json")


def test_the_shipped_country_is_the_generator_s_seed_2024(country: Country) -> None:
    """examples/denmark.json is `kiaprules generate --seed 2024`, byte for byte."""
    assert DENMARK.read_text(encoding="utf-8") == dumps_clusters(country, fmt="json")


#: sha256 of examples/denmark.json as first shipped, with counts 2018-2025.
FIRST_SHIPPED_SHA256 = "f2d701bb4dd9aeca8f20d4d7ec697cbe712f44e4f061dcee97447200da44b0ea"


def test_the_2026_counts_changed_no_earlier_year_of_the_shipped_country() -> None:
    """The counts per 1 January 2026 were added later (docs/analysis.md sweeps 2026's rate).

    Without its "2026" lines (and the comma each put after "2025"), the file is
    the first shipped one, byte for byte: no cluster, membership or earlier
    count changed.
    """
    text = DENMARK.read_text(encoding="utf-8")
    added = re.findall(r',\n *"2026": \d+\n', text)
    assert len(added) == 1380
    without = re.sub(r',\n *"2026": \d+\n', "\n", text)
    assert hashlib.sha256(without.encode("utf-8")).hexdigest() == FIRST_SHIPPED_SHA256
    # ... and 2026 is paid on every clinic that is a member on 1 January 2026.
    assert national_summary(load_clusters(DENMARK), years=[2026]).rows[0].clinics == 1380


def test_a_country_matches_haandbog_2024_section_1(country: Country) -> None:
    """Håndbog 2024 §1: "Der er etableret 116 klynger, der omfatter omkring 3.300 læger og
    ca. 5,5 mio. patienter. [...] Den gennemsnitlige klynge består af 29 læger med 48.000
    patienter. [...] fra 11- 71 læger og fra 17.117-110.140 patienter." (members on
    1 January 2024)."""
    stats = snapshot_statistics(country)
    assert stats.clusters == 116
    assert 3_300 * 0.97 <= stats.capacities <= 3_300 * 1.03  # "omkring 3.300"
    assert 5_500_000 * 0.98 <= stats.patients <= 5_500_000 * 1.02  # "ca. 5,5 mio."
    assert abs(stats.capacities / stats.clusters - 29) < 0.5
    assert abs(stats.patients / stats.clusters - 48_000) < 500
    assert (stats.min_capacities, stats.max_capacities) == (11, 71)
    assert (stats.min_patients, stats.max_patients) == (17_117, 110_140)
    founded = dict(stats.founded_by_year)
    # "114 klynger" by November 2019 (kiap.dk, DOMAIN.md): most in 2018-2019.
    assert founded[2018] + founded[2019] == 114
    # "De fleste klynger består af 20-40 læger".
    day = dt.date(2024, 1, 1)
    sizes = [sum(m.clinic.capacities for m in c.members_on(day)) for c in country]
    assert sum(20 <= s <= 40 for s in sizes) > len(sizes) / 2


def test_a_country_has_the_churn_the_rules_care_about(country: Country) -> None:
    from kiaprules.model.calendar import anniversary

    members = [(c, m) for c in country for m in c.memberships]
    assert all(c.founded < c.registered <= c.founded + dt.timedelta(days=35)
               for c in country)
    late = [m for c, m in members if m.joined > c.registered and not m.switched_from]
    switched = [m for _, m in members if m.switched_from]
    left = [m for _, m in members if m.left is not None]
    within = [m for m in left if m.left is not None and m.left < anniversary(m.joined)]
    assert len(late) > 50 and len(switched) > 5 and len(within) > 10
    assert len(left) - len(within) > 50
    # Yearly drift: most clinics' counts change from one year to the next.
    changed = sum(len(set(m.clinic.patients.values())) > 1 for _, m in members)
    assert changed > 0.9 * len(members)


def test_a_switch_ends_the_old_membership_the_day_the_new_one_starts(
        country: Country) -> None:
    names = {c.name for c in country}
    by_provider: dict[str, list[tuple[str, Membership]]] = {}
    for c in country:
        for m in c.memberships:
            by_provider.setdefault(m.provider_number, []).append((c.name, m))
    for c in country:
        for m in c.memberships:
            if m.switched_from:
                assert m.switched_from in names and m.switched_from != c.name
                old = [o for n, o in by_provider[m.provider_number] if n == m.switched_from]
                assert [o.left for o in old] == [m.joined]
    assert find_overlaps(country) == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_generated_country_computes_2018_to_2025(seed: int) -> None:
    """Every member has a count for each year it is paid: a founding in December with
    registration in January pays members who joined after New Year on the founding
    year's counts."""
    report = compute_payouts(generate_country(seed=seed), years=YEARS, detail=False)
    assert report.total > 0


def test_scale_multiplies_the_country() -> None:
    stats = snapshot_statistics(generate_country(seed=3, scale=3))
    assert stats.clusters == 348
    assert stats.capacities == 3 * 3_364 and stats.patients == 3 * 5_568_000
    assert len(generate_country(seed=3, scale=0.1)) == 12
    with pytest.raises(InputError, match="scale"):
        generate_country(scale=0)


def test_the_generated_country_loads_and_round_trips_in_the_bulk_json_form(
        country: Country, tmp_path: Path) -> None:
    path = tmp_path / "country.json"
    path.write_text(dumps_clusters(country, fmt="json"), encoding="utf-8")
    loaded = load_clusters(path)
    assert loaded == country
    assert "clusters" in json.loads(path.read_text(encoding="utf-8"))
    assert dumps_clusters(loaded, fmt="json") == path.read_text(encoding="utf-8")
    assert loads_clusters(dumps_clusters(loaded, fmt="toml"), fmt="toml") == country


def test_the_bulk_loader_s_fast_path_builds_what_the_constructors_build(
        shipped: Country) -> None:
    """Every membership read from the file equals one made by the checking constructors,
    field by field, with the same types and the same source and path."""
    for cluster in shipped:
        for m in cluster.memberships:
            rebuilt = Membership(
                clinic=Clinic(provider_number=str(m.provider_number),
                              capacities=m.clinic.capacities,
                              patients={str(y): n for y, n in m.clinic.patients.items()}),
                joined=m.joined.isoformat(), left=m.left.isoformat() if m.left else None,
                switched_from=m.switched_from, source=m.source, path=m.path)
            assert rebuilt == m
            assert (rebuilt.source, rebuilt.path) == (m.source, m.path)
            assert type(m.provider_number) is ProviderNumber
            assert type(m.clinic.patients) is PatientCounts
            assert hash(m.clinic) == hash(rebuilt.clinic)
    assert shipped[0].memberships[0].source.startswith("clusters[1] (Hovedstaden 01): clinic[")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("provider_number", " 12345", None),
    ("provider_number", "1234", "must be 5–6 digits"),
    ("capacities", True, "must be a whole number"),
    ("joined", "2018-02-30", "must be a date"),
    ("left", "2018-01-01", "must be after joined"),
    ("switched_from", "  Køge  ", None),
    ("patients", {"2019": -1}, "must be a whole number"),
    ("patients", {" 2019": 5}, None),
])
def test_what_the_fast_path_leaves_alone_is_checked_the_ordinary_way(
        field: str, value: object, message: str | None) -> None:
    clinic = {"provider_number": "012345", "capacities": 2, "joined": "2018-09-12",
              "patients": {"2018": 10}, field: value}
    text = json.dumps({"cluster": {"name": "K", "founded": "2018-09-12"}, "clinic": [clinic]})
    if message is None:
        (cluster,) = loads_clusters(text, fmt="json")
        assert cluster.memberships[0].switched_from in (None, "Køge")
    else:
        with pytest.raises(InputError, match=message):
            loads_clusters(text, fmt="json")


def test_the_generate_command_writes_the_bulk_form(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    assert main(["generate", "--seed", "5", "--scale", "0.05", "--output", str(out)]) == 0
    assert load_clusters(out) == generate_country(seed=5, scale=0.05)


# --- the fast paths equal the full ones -------------------------------------------------


@settings(max_examples=100)
@given(scenarios())
def test_detail_false_equals_detail_true_without_shares_on_generated_scenarios(
        clusters: list[Cluster]) -> None:
    for policies in POLICY_CHOICES:
        full = compute_payouts(clusters, years=range(2018, 2027), policies=policies)
        fast = compute_payouts(clusters, years=range(2018, 2027), policies=policies,
                               detail=False)
        assert fast.warnings == full.warnings
        for (_, y1), (_, y2) in zip(full, fast, strict=True):
            assert attrs.evolve(y1, lines=tuple(_lean(ln) for ln in y1.lines)) == y2


def test_a_missing_count_is_refused_for_the_whole_country(country: Country) -> None:
    # The generated counts run to 1 January 2026; 2027 has none.
    with pytest.raises(InputError, match="no group-1 patient count for 1 January 2027"):
        compute_payouts(country, years=[2027])


def _lean(line: Line) -> Line:
    """A detailed line as detail=False keeps it: without what it records clinic by clinic."""
    return attrs.evolve(line, members=(), left_out=(), anniversary_tests=())


@pytest.mark.parametrize("policies", POLICY_CHOICES, ids=lambda p: ",".join(p) or "defaults")
def test_detail_false_gives_the_same_amounts_without_the_shares(
        shipped: Country, policies: dict[str, str]) -> None:
    full = compute_payouts(shipped, years=YEARS, policies=policies)
    fast = compute_payouts(shipped, years=YEARS, policies=policies, detail=False)
    assert fast.total == full.total
    assert fast.all_warnings() == full.all_warnings()
    for (c1, y1), (c2, y2) in zip(full, fast, strict=True):
        assert (c1.name, y1.year, y1.total, y1.clinics) == (c2.name, y2.year, y2.total,
                                                            y2.clinics)
        assert [{**ln.to_dict(), "members": []} for ln in y1.lines] == \
            [ln.to_dict() for ln in y2.lines]
        assert [_lean(ln) for ln in y1.lines] == list(y2.lines)
        assert y1.warnings == y2.warnings
        assert all(ln.members == () for ln in y2.lines)
        assert y1.clinics == len(next((ln.members for ln in y1.lines
                                       if ln.kind == "operating"), ()))
    with pytest.raises(InputError, match="detail=False"):
        fast.explain(fast.clusters[0].name, 2024)


# --- the national summary ----------------------------------------------------------------


def test_the_summary_adds_up_to_compute_payouts(shipped: Country) -> None:
    report = compute_payouts(shipped, years=YEARS)
    summary = report.summary()
    assert summary.total == report.total
    for row in summary.rows:
        paid = [(c, y) for c, y in report if y.year == row.year]
        assert row.clusters == len(paid)
        assert row.total == sum((y.total for _, y in paid), ZERO)
        for kind in KINDS:
            assert getattr(row, kind) == sum((y.amount(kind) for _, y in paid), ZERO)
        assert row.patients == sum(ln.quantity for _, y in paid for ln in y.lines
                                   if ln.kind == "operating")
    assert compute_payouts(shipped, years=YEARS, detail=False).summary() == summary


@pytest.mark.parametrize("policies", POLICY_CHOICES, ids=lambda p: ",".join(p) or "defaults")
def test_the_national_summary_straight_from_the_aggregation_equals_the_report_s(
        shipped: Country, policies: dict[str, str]) -> None:
    for overrides in ((), ("operating_rate@2019-2021=4.2651",),
                      ("startup_grant@2018-2020=9999.99", "supplement_rate@2020=0")):
        expected = compute_payouts(shipped, years=YEARS, policies=policies,
                                   overrides=overrides).summary()
        assert national_summary(shipped, years=YEARS, policies=policies,
                                overrides=overrides) == expected


@settings(max_examples=100)
@given(scenarios())
def test_the_national_summary_equals_the_report_s_on_generated_scenarios(
        clusters: list[Cluster]) -> None:
    """Switches not marked as such, negative years, clawbacks after the years computed."""
    for policies in POLICY_CHOICES:
        for years in ((2018, 2019, 2020, 2021, 2022), (2020, 2023, 2026)):
            expected = compute_payouts(clusters, years=years, policies=policies).summary()
            assert national_summary(clusters, years=years, policies=policies) == expected


def test_the_national_json_names_its_inputs_as_the_payout_report_does(shipped: Country) -> None:
    report = compute_payouts(shipped, years=YEARS)
    straight = national_summary(shipped, years=YEARS).to_dict()
    assert list(straight)[:3] == ["ruleset", "inputs", "policies"]
    assert straight["inputs"] == report.summary().to_dict()["inputs"] == \
        report.to_dict()["inputs"] == {"fingerprint": report.inputs_fingerprint, "clusters": 116}
    # The clusters in another order are the same inputs; one patient more is not.
    assert national_summary(list(reversed(shipped)), years=YEARS).to_dict()["inputs"] == \
        straight["inputs"]
    first = shipped[0]
    member = first.memberships[0]
    year = min(member.clinic.patients)
    more = attrs.evolve(member, clinic=attrs.evolve(member.clinic, patients={
        **member.clinic.patients, year: member.clinic.patients[year] + 1}))
    changed = [attrs.evolve(first, memberships=(more, *first.memberships[1:])), *shipped[1:]]
    assert national_summary(changed, years=YEARS).to_dict()["inputs"]["fingerprint"] != \
        straight["inputs"]["fingerprint"]


def test_a_negative_year_is_warned_about_in_the_national_summary() -> None:
    cluster = Cluster(name="K", cvr="12345674", coordinator="Anne Jensen",
                      founded="2022-02-01", memberships=[
        Membership(clinic=Clinic(provider_number="11111", capacities=9,
                                 patients={"2022": 10, "2023": 10}),
                   joined="2022-02-01", left="2022-06-01"),
        Membership(clinic=Clinic(provider_number="22222", capacities=1,
                                 patients={"2022": 100, "2023": 100}), joined="2022-02-01")])
    summary = national_summary(cluster, years=[2023])
    assert summary == compute_payouts(cluster, years=[2023]).summary()
    assert summary.warnings == ("K 2023: the payout is negative: the cluster owes 89768.00 kr "
                                "back to the region's quality work",)


def test_the_summary_says_each_assumption_once_a_year_and_parameter(shipped: Country) -> None:
    summary = compute_payouts(shipped, years=YEARS, detail=False).summary()
    # 2019–2021: the operating rate; 2022–2024: the startup grant, published by the
    # 2018 Guide only (C5), carried forward for the clusters paying or repaying one.
    assert [(a.year, a.parameter) for a in summary.assumptions] == [
        (2019, "operating_rate"), (2020, "operating_rate"), (2021, "operating_rate"),
        (2022, "startup_grant"), (2023, "startup_grant"), (2024, "startup_grant")]
    assert all("carried forward under I5" in a.message for a in summary.assumptions)
    assert summary.assumptions[2].clusters == 116
    text = summary.to_table()
    assert text.count("carried forward under I5") == 6
    assert [r.rests_on_assumption for r in summary.rows] == [
        False, True, True, True, True, True, True, False]


def test_the_national_command_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["national", str(DENMARK), "--years", "2018-2025"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["year", "clusters", "clinics", "patients", *KINDS, "total"]
    assert [ln.split()[0] for ln in lines[2:11]] == [*map(str, YEARS), "all"]
    total = compute_payouts(load_clusters(DENMARK), years=YEARS).total
    assert f"{total:,.2f} *" in lines[10]
    assert main(["national", str(DENMARK), "--years", "2024", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["years"][0]["patients"] == 5_568_000
    assert main(["national", str(DENMARK), "--years", "2024", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("2024,116,")


# --- sweeps --------------------------------------------------------------------------------


SWEEP_VARIANTS = [
    {"name": "4.2651 in 2019-2021", "overrides": ["operating_rate@2019-2021=4.2651"]},
    {"name": "supplement 2.0001", "overrides": ["supplement_rate@2019-2020=2.0001"]},
    {"name": "startup 9999.99", "overrides": ["startup_grant@2018-2019=9999.99"]},
    {"name": "pro rata", "policies": {"founding_year": "pro_rata"}},
    {"name": "clinic rounding, 1.1234", "policies": {"rounding": "clinic"},
     "overrides": ["operating_rate@2022=1.1234"]},
    {"name": "no clawback", "policies": {"clawback": "never"}},
    {"name": "count 1 March 2020", "overrides": ["counting_day@2020=03-01"]},
    {"name": "6-month window", "overrides": ["clawback_window_months@2018=6"]},
    Variant(name="pro rata 4.26", overrides=["operating_rate@2018=4.2655"],
            policies={"founding_year": "pro_rata"}),
]


def test_a_sweep_equals_each_variant_computed_on_its_own(shipped: Country) -> None:
    result = sweep(shipped, SWEEP_VARIANTS, years=YEARS)
    assert result.base.total == compute_payouts(shipped, years=YEARS).total
    for spec, row in zip(SWEEP_VARIANTS, result.rows, strict=True):
        v = Variant.of(spec)
        alone = compute_payouts(shipped, years=YEARS, overrides=v.overrides,
                                policies=v.policies, detail=False)
        assert row.total == alone.total, row.name
        assert row.difference == alone.total - result.base.total
        for kind in KINDS:
            assert row.amount(kind) == sum((y.amount(kind) for _, y in alone), ZERO)
        for year, amount in row.by_year:
            assert amount == sum((y.total for _, y in alone if y.year == year), ZERO)
        assert bool(row.assumptions) == any(y.rests_on_assumption for _, y in alone)
    # Rate-only variants share the base's aggregation; the others get their own.
    assert result.aggregations == 6


def test_a_sweep_refuses_as_compute_payouts_does(shipped: Country) -> None:
    from kiaprules import NotCoveredError

    with pytest.raises(NotCoveredError) as swept:
        sweep(shipped, [{"policies": {"unpublished_years": "refuse"}}], years=YEARS)
    with pytest.raises(NotCoveredError) as alone:
        compute_payouts(shipped, years=YEARS, policies={"unpublished_years": "refuse"})
    assert str(swept.value) == str(alone.value)
    with pytest.raises(InputError, match="unknown key"):
        sweep(shipped, [{"rates": {}}])


def test_a_sweep_renders_a_comparison_table(shipped: Country) -> None:
    result = sweep(shipped, SWEEP_VARIANTS[:2], years=YEARS)
    text = result.to_table()
    assert text.splitlines()[0].split()[:2] == ["variant", "startup"]
    assert "4.2651 in 2019-2021" in text and "base" in text
    assert json.loads(result.to_json())["variants"][0]["name"] == "4.2651 in 2019-2021"
    assert result.to_csv().splitlines()[1].startswith("base,")


# --- lean import ------------------------------------------------------------------------------


def test_import_kiaprules_defers_the_heavy_optional_libraries() -> None:
    # Every public name is a real attribute (no module __getattr__), so the
    # package is imported whole; what it defers is the libraries only some
    # commands need, imported where they are used.
    code = ("import sys, kiaprules; "
            "print(sorted(m for m in sys.modules if m.startswith(('tabulate', 'pandas', "
            "'matplotlib'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


