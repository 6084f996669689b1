"""`kiaprules sweep`: the Python sweep from the command line.

Values by range (``START:STOP:STEP``) or list for one parameter over a span
of years, or a variant for each reading of a policy; table, JSON and CSV.
Every total is what the library's ``sweep`` (and so ``compute_payouts``)
gives for the same variant. Bad input is one line on stderr naming the
option, and exit status 2.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CLUSTER

from kiaprules import compute_payouts, load_clusters, sweep
from kiaprules.cli import main
from kiaprules.cli.commands import MAX_VARIANTS

FILE = str(EXAMPLE_CLUSTER)
CLUSTERS = load_clusters(EXAMPLE_CLUSTER)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, out=out)
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


def as_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    status, out, err = run([*argv, "--format", "json"], capsys)
    assert (status, err) == (0, "")
    data: dict[str, object] = json.loads(out)
    return data


def test_a_range_gives_a_variant_a_value_stop_included(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(["sweep", FILE, "--parameter", "operating_rate@2024",
                    "--values", "3.00:4.50:0.25"], capsys)
    names = [v["name"] for v in data["variants"]]  # type: ignore[attr-defined]
    assert names == [f"operating_rate@2024={v}" for v in
                     ("3.00", "3.25", "3.50", "3.75", "4.00", "4.25", "4.50")]


def test_every_total_is_what_the_library_computes_for_the_variant(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(["sweep", FILE, "--parameter", "operating_rate@2019-2021",
                    "--values", "4.26,4.33,4.4"], capsys)
    variants = [{"name": f"operating_rate@2019-2021={v}",
                 "overrides": [f"operating_rate@2019-2021={v}"]} for v in ("4.26", "4.33", "4.4")]
    expected = json.loads(sweep(CLUSTERS, variants).to_json())
    assert data == expected
    alone = compute_payouts(CLUSTERS, overrides=["operating_rate@2019-2021=4.26"])
    assert Decimal(expected["variants"][0]["total"]) == alone.total
    assert expected["variants"][1]["difference"] == "0.00"  # 4.33 is the base's own rate


def test_values_are_exact_decimals_never_floats(capsys: pytest.CaptureFixture[str]) -> None:
    """0.1 + 0.1 is 0.2 here: the range is stepped in exact decimals (no 3.3000000000000003)."""
    data = as_json(["sweep", FILE, "--parameter", "operating_rate@2024",
                    "--values", "3.1:3.3:0.1"], capsys)
    assert [v["name"] for v in data["variants"]] == [  # type: ignore[attr-defined]
        "operating_rate@2024=3.1", "operating_rate@2024=3.2", "operating_rate@2024=3.3"]
    # The range stops at the last step that does not pass STOP.
    data = as_json(["sweep", FILE, "--parameter", "operating_rate@2024",
                    "--values", "3:4:0.4"], capsys)
    assert [v["name"].rpartition("=")[2] for v in data["variants"]] == [  # type: ignore[attr-defined]
        "3.0", "3.4", "3.8"]


def test_a_policy_s_readings_are_a_variant_each(capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(["sweep", FILE, "--readings", "founding_year"], capsys)
    rows = {v["name"]: v for v in data["variants"]}  # type: ignore[attr-defined]
    assert set(rows) == {"founding_year=full_year", "founding_year=pro_rata"}
    assert rows["founding_year=full_year"]["difference"] == "0.00"  # the default reading
    pro_rata = compute_payouts(CLUSTERS, policies={"founding_year": "pro_rata"})
    assert Decimal(rows["founding_year=pro_rata"]["total"]) == pro_rata.total


def test_the_table_and_csv_say_the_same_as_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", FILE, "--parameter", "supplement_rate@2020", "--values", "1.00,3.00",
            "--years", "2019-2021"]
    data = as_json(argv, capsys)
    assert data["years"] == [2019, 2020, 2021]
    status, table, _ = run(argv, capsys)
    assert status == 0
    lines = table.splitlines()
    assert lines[2].startswith("base ") and lines[3].startswith("supplement_rate@2020=1.00 ")
    assert "years 2019–2021; 2 variants, 1 aggregation" in table
    status, text, _ = run([*argv, "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["variant"] for r in rows] == ["base", "supplement_rate@2020=1.00",
                                            "supplement_rate@2020=3.00"]
    for row, variant in zip(rows[1:], data["variants"], strict=True):  # type: ignore[call-overload]
        assert (row["total"], row["difference"]) == (variant["total"], variant["difference"])
        assert f"{Decimal(row['total']):,.2f}" in table


def test_the_same_command_gives_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", FILE, "--parameter", "startup_grant@2021", "--values", "0:20000:5000",
            "--format", "json"]
    assert run(argv, capsys) == run(argv, capsys)


def test_as_many_variants_as_the_cap_and_no_more(capsys: pytest.CaptureFixture[str]) -> None:
    last = Decimal(MAX_VARIANTS - 1) / 100
    status, out, err = run(["sweep", FILE, "--parameter", "operating_rate@2025", "--values",
                            f"0:{last}:0.01", "--format", "csv"], capsys)
    assert (status, err) == (0, "")
    assert len(out.splitlines()) == 1 + 1 + MAX_VARIANTS  # header, base, the variants
    status, out, err = run(["sweep", FILE, "--parameter", "operating_rate@2025", "--values",
                            f"0:{last + Decimal('0.01')}:0.01"], capsys)
    assert (status, out) == (2, "")
    assert err == f"kiaprules: error: --values: '0:{last + Decimal('0.01')}:0.01' gives " \
                  f"{MAX_VARIANTS + 1:,} values; a sweep takes at most {MAX_VARIANTS:,} " \
                  "(a larger step, or a narrower range)\n"


RATE = ["--parameter", "operating_rate@2024"]
BAD = [
    # (what is wrong, the arguments, the option named, words of the message)
    ("a range of two parts", [*RATE, "--values", "3.00:4.50"], "--values",
     "a range is START:STOP:STEP (e.g. 3.00:4.50:0.25), got '3.00:4.50'"),
    ("an exponent", [*RATE, "--values", "1e3"], "--values", "got '1e3'"),
    ("not a number", [*RATE, "--values", "nan"], "--values", "got 'nan'"),
    ("infinity", [*RATE, "--values", "3:Infinity:1"], "--values", "got 'Infinity'"),
    ("a negative value", [*RATE, "--values", "-1"], "--values", "got '-1'"),
    ("a decimal comma in a range", [*RATE, "--values", "3,50:4:1"], "--values",
     "got '3,50'"),
    ("a float's noise", [*RATE, "--values", "3.3000000000000003"], "--values",
     "at most four decimals"),
    ("digits of another script", [*RATE, "--values", "٣.٥"], "--values", "digits"),
    ("an empty item", [*RATE, "--values", "3.55,,3.60"], "--values", "got ''"),
    ("a value twice", [*RATE, "--values", "3.55,3.550"], "--values",
     "names 3.550 twice (as 3.55 before)"),
    ("a step of 0", [*RATE, "--values", "3:4:0"], "--values", "must be more than 0"),
    ("a range backwards", [*RATE, "--values", "4:3:0.5"], "--values",
     "the range '4:3:0.5' ends before it starts"),
    ("too many in a list", [*RATE, "--values", ",".join(str(i) for i in range(1001))],
     "--values", "lists 1,001 values; a sweep takes at most 1,000"),
    ("more decimals than an amount has", ["--parameter", "startup_grant@2024", "--values",
                                          "1.005"], "--values",
     "must be kroner to the øre (at most two decimals), got '1.005' (a value of startup_grant)"),
    ("a fraction of a month", ["--parameter", "clawback_window_months@2024", "--values",
                               "1.5"], "--values", "clawback_window_months takes whole numbers"),
    ("an unknown parameter", ["--parameter", "operating_rat@2024", "--values", "3"],
     "--parameter", "not a figure of the payouts that is a number: 'operating_rat'; a sweep "
     "takes one of clawback_window_months, operating_rate, startup_grant, supplement_rate"),
    ("a day, not a number", ["--parameter", "payout_day@2024", "--values", "3"], "--parameter",
     "'payout_day'"),
    ("a figure of the expenses", ["--parameter", "consultant_hourly_rate@2024", "--values",
                                  "900"], "--parameter", "'consultant_hourly_rate'"),
    ("no year", ["--parameter", "operating_rate", "--values", "3"], "--parameter",
     "must be NAME@YEAR, NAME@YEAR-YEAR or NAME@DATE"),
    ("a year that is no year", ["--parameter", "operating_rate@20x4", "--values", "3"],
     "--parameter", "must be a year (four digits), got '20x4'"),
    ("before the ruleset begins", ["--parameter", "operating_rate@1990", "--values", "3"],
     "--parameter", "the ruleset has no value before 2018-01-01"),
    ("no values", RATE, "--values", "is needed with --parameter"),
    ("nothing to sweep", [], "--parameter", "name what to sweep"),
    ("values without a parameter", ["--values", "3"], "--parameter", "name what to sweep"),
    ("an unknown policy", ["--readings", "nope"], "--readings",
     "not a policy of the payouts: 'nope'"),
    ("a policy and values", ["--readings", "founding_year", *RATE, "--values", "3"],
     "--readings", "not both"),
]


@pytest.mark.parametrize(("about", "argv", "option", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_option_and_exit_2(
        about: str, argv: list[str], option: str, words: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["sweep", FILE, *argv], capsys)
    assert (status, out) == (2, ""), about
    assert err.startswith(f"kiaprules: error: {option}: ") and err.count("\n") == 1, err
    assert words in err, err
