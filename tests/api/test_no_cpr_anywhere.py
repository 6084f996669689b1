"""A CPR number never appears in any output (issue #14).

Hypothesis draws CPR numbers written every way a person might (no separator,
or any one separator: hyphen, space, no-break space, Unicode hyphens and
dashes, minus sign, a line break, a tab, a slash, a full stop) and puts them
into every free-text field of every input kind: a cluster's name,
coordinator and ``switched_from``, a file name, an expense's id, payee and
description, a custom ruleset's id, title, document name and quote, a
``--set`` value and the command line's own arguments. Every command's every
output format, its errors, the reprs of the objects, and the results' records
and HTML must show none.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiaprules import (
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
)
from kiaprules.cli import main
from kiaprules.errors import KiapRulesError
from kiaprules.rules.ruleset import Ruleset

REPO = Path(__file__).resolve().parents[2]
KOEGE = REPO / "examples" / "koegeklyngen.toml"
EXPENSES = REPO / "examples" / "koegeklyngen-expenses.toml"
RULESET = REPO / "rulesets" / "dk-kiap.toml"

SEPARATORS = ["", "-", " ", "\u00a0", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014",
              "\u2212", "\n", "\r", "\t", "/", ".", "_"]


@st.composite
def cprs(draw: st.DrawFn) -> tuple[str, re.Pattern[str]]:
    """A CPR number as someone might type it, and a pattern finding it shown in any form.

    The pattern allows up to eight characters between the date and the serial
    number: a separator escaped for JSON (``\\u00a0``) or Python (``\\xa0``).
    """
    month = draw(st.integers(1, 12))
    year = draw(st.integers(0, 99))
    last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    day = draw(st.integers(1, last))
    serial = draw(st.integers(0, 9999))
    date = f"{day:02d}{month:02d}{year:02d}"
    text = f"{date}{draw(st.sampled_from(SEPARATORS))}{serial:04d}"
    return text, re.compile(rf"{date}.{{0,8}}{serial:04d}(?!\d)")


def _cluster_file(directory: Path, cpr: str, fmt: str) -> Path:
    """Køgeklyngen with the CPR number in its name, coordinator and a switch's origin."""
    text = KOEGE.read_text(encoding="utf-8")
    escaped = json.dumps(cpr)[1:-1]  # a TOML basic string takes JSON's escapes
    text = text.replace('name = "Køgeklyngen"', f'name = "Køgeklyngen {escaped}"')
    text = text.replace('coordinator = "Anne Jensen"', f'coordinator = "Anne {escaped}"')
    text = re.sub(r'switched_from = "[^"]*"', lambda _: f'switched_from = "Gamle {escaped}"', text)
    # The file's name holds it too (a slash or a line break cannot stand in one).
    name = "k" + re.sub(r"[/\n\r]", "-", cpr) + "." + fmt
    path = directory / name
    if fmt == "toml":
        path.write_text(text, encoding="utf-8")
    else:
        from kiaprules import dumps_clusters  # the same clusters, written as JSON

        source = directory / "source.toml"
        source.write_text(text, encoding="utf-8")
        path.write_text(dumps_clusters(load_clusters(source), fmt="json"), encoding="utf-8")
    return path


def _expense_file(directory: Path, cpr: str, cluster_name: str) -> Path:
    escaped = json.dumps(cpr)[1:-1]
    text = EXPENSES.read_text(encoding="utf-8")
    text = text.replace('cluster = "Køgeklyngen"', f'cluster = "{cluster_name}"')
    text = text.replace('id = "2018-01"', f'id = "u {escaped}"', 1)
    text = text.replace('payee = "Anne Jensen"', f'payee = "Anne {escaped}"', 1)
    text = text.replace('description = "Forplejning, første klyngemøde"',
                        f'description = "Forplejning til {escaped}"', 1)
    path = directory / "expenses.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _ruleset_file(directory: Path, cpr: str) -> Path:
    escaped = json.dumps(cpr)[1:-1]
    text = RULESET.read_text(encoding="utf-8")
    text = text.replace('title = "KiAP cluster funding, Denmark (OK18 and OK22)"',
                        f'title = "Kopi {escaped}"', 1)
    text = text.replace('edition = "2018 agreement era (OK18)"',
                        f'edition = "OK18 {escaped}"', 1)
    path = directory / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    out = io.StringIO()
    main(argv, out=out)
    captured = capsys.readouterr()
    return out.getvalue() + captured.out + captured.err


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cpr=cprs(), fmt=st.sampled_from(["toml", "json"]))
def test_no_command_shows_a_cpr_number_put_into_any_free_text(
        cpr: tuple[str, re.Pattern[str]], fmt: str, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    text, shown = cpr
    directory = tmp_path_factory.mktemp("cpr")
    clusters = _cluster_file(directory, text, fmt)
    name = load_clusters(clusters)[0].name
    expenses = _expense_file(directory, text, name)
    ruleset = _ruleset_file(directory, text)
    c, e, r = str(clusters), str(expenses), str(ruleset)
    runs = [
        ["check", c], ["check", c, "--format", "json"],
        ["payouts", c], ["payouts", c, "--format", "json"], ["payouts", c, "--format", "csv"],
        ["payouts", c, "--ruleset", r], ["payouts", c, "--ruleset", r, "--format", "json"],
        ["explain", c, "--year", "2019"], ["explain", c, "--year", "2019", "--format", "json"],
        ["national", c], ["national", c, "--format", "json"],
        ["expenses", e], ["expenses", e, "--format", "json"], ["expenses", e, "--format", "csv"],
        ["ledger", c, e], ["ledger", c, e, "--format", "json"],
        ["ruleset", "show", r],
        # The CPR number where a value belongs: each is refused, and the refusal quotes it.
        ["payouts", c, "--set", f"operating_rate@2020={text}"],
        ["payouts", c, "--years", text], ["explain", c, "--year", text],
        ["payouts", c, "--format", text], [text], ["payouts", text],
        ["payouts", c, "--policy", f"rounding={text}"],
        ["sweep", c, "--parameter", "operating_rate@2024", "--values", text],
        ["sweep", c, "--parameter", f"operating_rate@{text}", "--values", "3.55"],
        ["sweep", c, "--readings", "founding_year", "--format", "csv"],
    ]
    for argv in runs:
        output = _run(argv, capsys)
        assert not shown.search(output), (argv, output)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cpr=cprs())
def test_no_repr_str_or_asdict_shows_a_cpr_number(
        cpr: tuple[str, re.Pattern[str]], tmp_path_factory: pytest.TempPathFactory) -> None:
    text, shown = cpr
    directory = tmp_path_factory.mktemp("cpr")
    clusters = load_clusters(_cluster_file(directory, text, "toml"))
    ruleset = load_ruleset(_ruleset_file(directory, text))
    report = compute_payouts(clusters, ruleset)
    _, expenses = load_expense_records(_expense_file(directory, text, clusters[0].name))
    classified = classify_expenses(expenses, ruleset)
    objects: list[object] = [*clusters, report, ruleset, classified, *classified.items,
                             report.explain(clusters[0].name, 2019), report.clusters[0],
                             report.summary(), report.compare(report)]
    for obj in objects:
        renderings = [repr(obj), str(obj)]
        if hasattr(obj, "to_records"):  # a result: its rows and its notebook view too
            renderings += [repr(obj.to_records()), obj._repr_html_()]
        for rendering in renderings:
            assert not shown.search(rendering), rendering
        # The value objects keep no CPR number at all: one in free text is masked as read.
        if attrs.has(type(obj)) and not isinstance(obj, Ruleset):
            assert not shown.search(repr(attrs.asdict(obj, recurse=True))), type(obj)


@given(cpr=cprs(), wrap=st.sampled_from(["cvr", "provider", "money", "patients"]))
def test_an_error_about_a_value_shows_no_cpr_number_in_any_of_its_forms(
        cpr: tuple[str, re.Pattern[str]], wrap: str) -> None:
    from kiaprules import CvrNumber, PatientCounts, ProviderNumber, to_money

    text, shown = cpr
    make = {"cvr": lambda: CvrNumber(text), "provider": lambda: ProviderNumber(text),
            "money": lambda: to_money(text), "patients": lambda: PatientCounts({text: 1})}[wrap]
    with contextlib.suppress(Exception):
        make()
    try:
        make()
    except KiapRulesError as error:
        for rendering in (str(error), repr(error), repr(error.args), json.dumps(error.to_dict())):
            assert not shown.search(rendering), rendering
    else:  # a CPR-shaped text is no valid CVR, provider number or year (it is an amount)
        assert wrap == "money" and not any(ch.isspace() for ch in text[6:7]), text
