"""The renderings of a payout report, its explanation, and the ``payouts`` and
``explain`` commands.

The JSON is the public contract (docs/json-format.md): these tests pin its
keys and the form of its amounts (strings with exactly two decimals).
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from strategies_payouts import RULESET

from kiaprules import compute_payouts, load_clusters
from kiaprules.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "koegeklyngen.toml"
MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")

#: A second cluster: 067890 was here until it switched to Køgeklyngen on 1 January 2020.
ROSKILDE = """\
[cluster]
name = "Roskildeklyngen"
cvr = "12345674"
coordinator = "Bo Hansen"
founded = 2018-03-01

[[clinic]]
provider_number = "067890"
capacities = 1
joined = 2018-03-01
left = 2020-01-01
[clinic.patients]
2018 = 1700
2019 = 1710

[[clinic]]
provider_number = "089012"
capacities = 2
joined = 2018-03-01
[clinic.patients]
2018 = 2500
2019 = 2510
2020 = 2520
2021 = 2530
2022 = 2540
2023 = 2550
2024 = 2560
2025 = 2570
"""


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return compute_payouts(load_clusters(EXAMPLE), RULESET)


@pytest.fixture
def roskilde(tmp_path: Path) -> Path:
    path = tmp_path / "roskilde.toml"
    path.write_text(ROSKILDE, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


# --- JSON -------------------------------------------------------------------------


def test_json_has_the_contract_keys(report) -> None:  # type: ignore[no-untyped-def]
    """The JSON names the ruleset and its fingerprint, and every cluster, year and line."""
    data = json.loads(report.to_json())
    assert data["ruleset"]["id"] == "dk-kiap"
    assert data["ruleset"]["fingerprint"].startswith("sha256:")
    assert data["ruleset"]["fingerprint"] == RULESET.fingerprint
    assert [c["name"] for c in data["clusters"]] == ["Køgeklyngen"]
    years = data["clusters"][0]["years"]
    assert [y["year"] for y in years] == list(range(2018, 2026))
    for y in years:
        assert {"year", "due", "total", "warnings", "lines"} <= set(y)
        assert isinstance(y["warnings"], list)
        for ln in y["lines"]:
            assert {"kind", "quantity", "rate", "amount", "assumption", "citation",
                    "members"} <= set(ln)
            assert ln["kind"] in ("startup", "operating", "supplement", "clawback")
            assert set(ln["citation"]) >= {"document", "section", "quote"}
            assert all(ln["citation"][k] for k in ("document", "section", "quote"))
            assert ln["members"]
            for m in ln["members"]:
                assert {"provider_number", "quantity"} <= set(m)
            assert sum(int(m["quantity"]) for m in ln["members"]) == int(ln["quantity"])


def test_json_amounts_are_strings_with_two_decimals(report) -> None:  # type: ignore[no-untyped-def]
    """Every amount and total in the JSON is a string with exactly two decimals."""
    data = json.loads(report.to_json())
    for y in data["clusters"][0]["years"]:
        assert isinstance(y["total"], str) and MONEY.fullmatch(y["total"])
        for ln in y["lines"]:
            assert isinstance(ln["amount"], str) and MONEY.fullmatch(ln["amount"])
        assert sum(Decimal(ln["amount"]) for ln in y["lines"]) == Decimal(y["total"])


def test_json_marks_assumed_rates_and_leaves_published_ones_null(report) -> None:  # type: ignore[no-untyped-def]
    """An operating line resting on a carried-forward rate has an assumption; a published one
    has null."""
    years = {y["year"]: y for y in json.loads(report.to_json())["clusters"][0]["years"]}

    def operating(year: int) -> dict[str, object]:
        return next(ln for ln in years[year]["lines"] if ln["kind"] == "operating")

    assert operating(2022)["assumption"] is None
    assert "2019" in str(operating(2019)["assumption"])


def test_json_of_the_example_has_the_hand_checked_figures(report) -> None:  # type: ignore[no-untyped-def]
    """The example's 2022 payout is 1.12 × 21,320 less the 20,000 kr clawback of 078901."""
    y2022 = next(y for y in json.loads(report.to_json())["clusters"][0]["years"]
                 if y["year"] == 2022)
    assert y2022["due"] == "2022-03-01"
    assert [(ln["kind"], ln["amount"]) for ln in y2022["lines"]] == [
        ("operating", "23878.40"), ("clawback", "-20000.00")]
    assert y2022["total"] == "3878.40"
    clawback = y2022["lines"][1]
    assert clawback["members"][0]["provider_number"] == "078901"


# --- CSV, table, HTML ----------------------------------------------------------------


def test_csv_has_a_header_and_one_row_a_line(report) -> None:  # type: ignore[no-untyped-def]
    """The CSV starts with its header and has one row per line, with two-decimal amounts."""
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    header = report.to_csv().splitlines()[0].split(",")
    assert header[:6] == ["cluster", "year", "due", "kind", "quantity", "rate"]
    assert {"amount", "assumption", "rule", "source"} <= set(header)
    assert len(rows) == sum(len(y.lines) for _, y in report)
    first = rows[0]
    assert {k: first[k] for k in ("cluster", "year", "due", "kind", "quantity", "rate",
                                  "amount", "assumption", "rule", "source")} == {
        "cluster": "Køgeklyngen", "year": "2018", "due": "2018-10-03", "kind": "startup",
        "quantity": "10", "rate": "10000.00", "amount": "100000.00", "assumption": "",
        "rule": "startup_grant", "source": "Guide til klyngestart §7.1"}
    assert all(MONEY.fullmatch(r["amount"]) for r in rows)


def test_table_shows_the_cluster_and_its_totals(report) -> None:  # type: ignore[no-untyped-def]
    """The terminal table names the cluster and shows each year's total and the warnings."""
    table = report.to_table()
    assert "Køgeklyngen" in table
    for _, y in report:
        assert f"{y.total:,.2f}" in table
    assert "168,110.90" in table
    assert "warning:" in table and "2019" in table


def test_html_is_a_table_containing_the_totals(report) -> None:  # type: ignore[no-untyped-def]
    """The notebook rendering is an HTML table that contains each year's total."""
    html = report._repr_html_()
    assert html.startswith("<table>")
    assert "</table>" in html
    assert "Køgeklyngen" in html
    for _, y in report:
        assert f"{y.total:,.2f}" in html


# --- explanations -----------------------------------------------------------------


@pytest.mark.parametrize("year", [2018, 2019, 2021, 2022])
def test_explanation_quotes_every_rule_and_source_and_lists_every_clinic(
        report, year: int) -> None:  # type: ignore[no-untyped-def]
    """The explanation quotes each line's rule and the source of its rate, and lists every
    provider number."""
    text = report.explain("Køgeklyngen", year).to_text()
    payout = report.cluster("Køgeklyngen").year(year)
    for ln in payout.lines:
        assert ln.rule.citation.quote in text
        assert ln.citation.quote in text
        assert f"{ln.citation.document} {ln.citation.section}" in text
        for m in ln.members:
            assert m.provider_number in text
    assert f"payout for {year}, due {payout.due.isoformat()}" in text


def test_explanation_ends_with_the_total() -> None:
    """Without warnings, the explanation's last line is the total as the sum of the lines."""
    report = compute_payouts(load_clusters(EXAMPLE), RULESET, years=[2022])
    text = report.explain(year=2022).to_text()
    last = text.rstrip("\n").splitlines()[-1]
    assert last.startswith("Total (sum of the lines): 23,878.40 + (")
    assert "20,000.00" in last
    assert last.endswith(" = 3,878.40 kr")


def test_explanation_with_warnings_gives_the_total_before_them(report) -> None:  # type: ignore[no-untyped-def]
    """With warnings, the total line comes after the last line's derivation, then the
    warnings."""
    lines = report.explain("Køgeklyngen", 2019).to_text().rstrip("\n").splitlines()
    total = next(i for i, s in enumerate(lines) if s.startswith("Total (sum of the lines)"))
    assert lines[total].endswith("= 144,672.90 kr")
    assert lines[total + 1:] and all(s.startswith("Warning: ") for s in lines[total + 1:])
    assert "2019" in lines[total + 1]


def test_explanation_as_data_is_json_serialisable(report) -> None:  # type: ignore[no-untyped-def]
    """explain().to_dict() survives json.dumps and carries the same total and steps."""
    data = json.loads(json.dumps(report.explain("Køgeklyngen", 2022).to_dict()))
    assert data["total"] == "3878.40"
    assert [s["kind"] for s in data["steps"]] == ["operating", "clawback"]
    assert data["steps"][1]["amount"] == "-20000.00"
    assert data["ruleset"]["fingerprint"].startswith("sha256:")


def test_explanation_of_a_pro_rata_year_shows_the_fraction() -> None:
    """Under pro rata the explanation shows the founding year's days."""
    report = compute_payouts(load_clusters(EXAMPLE), RULESET, years=[2018],
                             policies={"founding_year": "pro_rata"})
    text = report.explain(year=2018).to_text()
    assert "111 of 365 days" in text  # 12 September to 31 December 2018


def test_explanation_under_the_founding_policy_says_members_are_counted_on_the_founding_day(
) -> None:
    """Under founding_members=founding the explanation does not claim the registration day."""
    report = compute_payouts(load_clusters(EXAMPLE), RULESET, years=[2018],
                             policies={"founding_members": "founding"})
    counted = next(s for s in report.explain(year=2018).to_text().splitlines()
                   if s.startswith("Members counted:"))
    assert "2018-09-12" in counted
    assert "registration was completed" not in counted


# --- the command line -------------------------------------------------------------


def test_cli_payouts_table(report) -> None:  # type: ignore[no-untyped-def]
    """``kiaprules payouts FILE`` prints the table of the library's report."""
    status, text = run("payouts", str(EXAMPLE))
    assert status == 0
    assert text == report.to_table()


def test_cli_payouts_json_is_the_library_json(report) -> None:  # type: ignore[no-untyped-def]
    """``--format json`` prints exactly the report's JSON."""
    status, text = run("payouts", str(EXAMPLE), "--format", "json")
    assert status == 0
    assert text == report.to_json()


def test_cli_payouts_csv_with_years() -> None:
    """``--format csv --years 2022-2023`` prints the lines of those years only."""
    status, text = run("payouts", str(EXAMPLE), "--format", "csv", "--years", "2022-2023")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["year"] for r in rows} == {"2022", "2023"}
    assert {"kind": "clawback", "amount": "-20000.00"}.items() <= next(
        r for r in rows if r["kind"] == "clawback").items()


def test_cli_set_overrides_a_rate() -> None:
    """``--set operating_rate@2019=4.26`` prices 2019 at 4.26 and says so."""
    status, text = run("payouts", str(EXAMPLE), "--format", "csv",
                       "--set", "operating_rate@2019=4.26")
    assert status == 0
    row = next(r for r in csv.DictReader(io.StringIO(text))
               if r["year"] == "2019" and r["kind"] == "operating")
    assert (row["rate"], row["amount"]) == ("4.26", "81834.60")  # 4.26 × 19,210
    assert "override" in row["assumption"]


def test_cli_policy_never_drops_the_clawback() -> None:
    """``--policy clawback=never`` leaves no clawback line and records the policy."""
    status, text = run("payouts", str(EXAMPLE), "--format", "json", "--policy",
                       "clawback=never")
    assert status == 0
    data = json.loads(text)
    assert data["policies"]["clawback"] == "never"
    assert all(ln["kind"] != "clawback" for y in data["clusters"][0]["years"]
               for ln in y["lines"])


def test_cli_strict_refuses_in_one_line_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """``--strict`` on a cluster with 2019–2021 history exits 2 with one stderr line."""
    status, text = run("payouts", str(EXAMPLE), "--strict")
    err = capsys.readouterr().err
    assert status == 2
    assert text == ""
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert err.startswith("kiaprules: error: ")
    assert "2019" in err and "koegeklyngen.toml" in err


def test_cli_bad_policy_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown policy choice exits 2 with one line on stderr."""
    status, _ = run("payouts", str(EXAMPLE), "--policy", "clawback=sometimes")
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_cli_compare_shows_the_difference_of_the_override() -> None:
    """``--compare`` shows base and variant and the 2019 difference of the override."""
    status, text = run("payouts", str(EXAMPLE), "--set", "operating_rate@2019=4.26",
                       "--compare")
    assert status == 0
    assert "base:" in text and "variant:" in text
    row = next(s for s in text.splitlines() if s.startswith("Køgeklyngen") and " 2019 " in s)
    assert "-1,344.70" in row  # (4.26 − 4.33) × 19,210


def test_cli_compare_json_of_a_policy_change() -> None:
    """``--compare --format json`` of clawback=never gives back the 20,000 kr of 2022 only."""
    status, text = run("payouts", str(EXAMPLE), "--policy", "clawback=never", "--compare",
                       "--format", "json")
    assert status == 0
    data = json.loads(text)
    assert data["difference"] == "20000.00"
    changed = [r for r in data["rows"] if r["difference"] != "0.00"]
    assert [(r["year"], r["by_kind"]["clawback"]) for r in changed] == [(2022, "20000.00")]


def test_cli_explain_year(report) -> None:  # type: ignore[no-untyped-def]
    """``explain FILE --year 2022`` prints the explanation of that year."""
    status, text = run("explain", str(EXAMPLE), "--year", "2022")
    assert status == 0
    assert text.startswith("Køgeklyngen: payout for 2022, due 2022-03-01\n")
    assert "= 3,878.40 kr" in text
    assert "078901" in text


def test_cli_explain_json() -> None:
    """``explain --format json`` prints the explanation as data."""
    status, text = run("explain", str(EXAMPLE), "--year", "2018", "--format", "json",
                       "--cluster", "Køgeklyngen")
    assert status == 0
    data = json.loads(text)
    assert (data["cluster"], data["year"], data["total"]) == ("Køgeklyngen", 2018, "168110.90")


def test_cli_payouts_of_several_files(roskilde: Path) -> None:
    """Several cluster files are computed together, clusters in name order."""
    status, text = run("payouts", str(EXAMPLE), str(roskilde), "--format", "json")
    assert status == 0
    data = json.loads(text)
    assert [c["name"] for c in data["clusters"]] == ["Køgeklyngen", "Roskildeklyngen"]
    roskilde_years = {y["year"]: y for y in data["clusters"][1]["years"]}
    # 2018: founding year, 1700 + 2500 patients at 4.33; 3 capacities of startup.
    assert roskilde_years[2018]["total"] == "48186.00"
    # 2020: 067890 left on 1 January 2020 (after its first year): only 089012 is paid.
    ops = next(ln for ln in roskilde_years[2020]["lines"] if ln["kind"] == "operating")
    assert [m["provider_number"] for m in ops["members"]] == ["089012"]


def test_cli_explain_of_several_files_explains_each_cluster(roskilde: Path) -> None:
    """``explain`` over two files explains the year for each cluster."""
    status, text = run("explain", str(EXAMPLE), str(roskilde), "--year", "2019")
    assert status == 0
    assert "Køgeklyngen: payout for 2019" in text
    assert "Roskildeklyngen: payout for 2019" in text
    status, text = run("explain", str(EXAMPLE), str(roskilde), "--year", "2019", "--format",
                       "json")
    assert status == 0
    assert [e["cluster"] for e in json.loads(text)] == ["Køgeklyngen", "Roskildeklyngen"]


def test_cli_conflict_across_files_names_both(roskilde: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A clinic in two files' clusters at once exits 2, naming both clusters."""
    clash = tmp_path / "clash.toml"
    clash.write_text(ROSKILDE.replace("067890", "012345"), encoding="utf-8")
    status, _ = run("payouts", str(EXAMPLE), str(clash))
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1
    assert "Køgeklyngen" in err and "Roskildeklyngen" in err and "012345" in err


def test_a_clawback_in_a_year_between_those_asked_for_is_warned_about() -> None:
    """--years 2021,2023 leaves out 2022, where 078901's startup grant is clawed back: said."""
    from kiaprules import compute_payouts as _compute
    from kiaprules import load_clusters as _load

    clusters = _load("examples/koegeklyngen.toml")
    gap = _compute(clusters, years=[2021, 2023])
    assert [y.year for _, y in gap] == [2021, 2023]
    assert any("falls in 2022" in w and "2 capacities" in w for w in gap.warnings)
    whole = _compute(clusters, years=[2021, 2022, 2023])
    assert not any("falls in" in w for w in whole.warnings)
