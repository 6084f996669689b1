"""What a service needs without private helpers (issue #16): the command line in-process,
clusters and a ledger's account from data, the rule registries, writing receipts.

Each is public (``kiaprules.__all__``, or ``kiaprules.cli.main``), typed and
documented; these tests pin what the docs promise of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import io
import json
import sys
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES, cluster_lists, clusters
from hypothesis import given
from hypothesis import strategies as st

import kiaprules
import kiaprules.cli
from kiaprules import (
    Cluster,
    InputError,
    InputTypeError,
    LedgerInput,
    clusters_from_data,
    dumps_clusters,
    ledger_input_from_data,
    load_clusters,
    load_ledger_input,
    loads_clusters,
    payout_rules,
    spending_rules,
)
from kiaprules.cli import main
from kiaprules.formats.expensefile import ledger_input_from_document
from kiaprules.rules.payout import RULES
from kiaprules.rules.spending import SPENDING_RULES

EXPENSES = EXAMPLES / "koegeklyngen-expenses.toml"


# --- the command line in-process ------------------------------------------------------------


class _Untouchable(io.StringIO):
    """Stands in for sys.stdout / sys.stderr: a write to it is a test failure."""

    def write(self, text: str) -> int:
        raise AssertionError(f"wrote to the process's stream: {text!r}")


@contextlib.contextmanager
def _process_streams_untouched() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", _Untouchable())
        patch.setattr(sys, "stderr", _Untouchable())
        yield


def test_main_is_the_public_way_to_run_the_command_line() -> None:
    assert kiaprules.cli.__all__ == ["main", "run"]
    parameters = inspect.signature(main).parameters
    assert list(parameters) == ["argv", "out", "err"]
    assert parameters["argv"].default is None
    assert all(parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in ("out", "err"))
    assert inspect.signature(main).return_annotation in (int, "int")


@pytest.mark.parametrize(("argv", "status", "to_out", "to_err"), [
    (["rulesets", "--format", "json"], 0, '"id": "dk-kiap"', None),
    (["payouts", str(EXAMPLE_CLUSTER), "--years", "2018"], 0, "Køgeklyngen", None),
    (["check", "absent.toml"], 2, None, "kiaprules: error: absent.toml: no such file\n"),
    (["payouts", "--no-such-option", "x"], 2, None, "unrecognized arguments"),
    (["--version"], 0, f"kiaprules {kiaprules.__version__}\n", None),
    (["explain", "--help"], 0, "usage: kiaprules explain", None),
    (["ruleset", "show", "--format", "yaml"], 2, None, "invalid choice: 'yaml'"),
])
def test_main_writes_only_to_the_streams_it_is_given(
    argv: list[str], status: int, to_out: str | None, to_err: str | None,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    with _process_streams_untouched():
        assert main(argv, out=out, err=err) == status
    if to_out is None:
        assert out.getvalue() == ""
    else:
        assert to_out in out.getvalue()
    if to_err is None:
        assert err.getvalue() == ""
    else:
        assert to_err in err.getvalue() and err.getvalue().count("\n") == 1


def test_main_refuses_one_string_for_argv() -> None:
    err = io.StringIO()
    assert main("payouts x.toml", out=io.StringIO(), err=err) == 2  # type: ignore[arg-type]
    assert err.getvalue() == "kiaprules: error: argv: must be a list of arguments, not one string\n"


# --- clusters from data ---------------------------------------------------------------------


def test_clusters_from_toml_data_and_json_data_are_equal() -> None:
    text = EXAMPLE_CLUSTER.read_text(encoding="utf-8")
    from_toml = clusters_from_data(tomllib.loads(text))
    from_json = clusters_from_data(json.loads(dumps_clusters(load_clusters(EXAMPLE_CLUSTER),
                                                             fmt="json")))
    assert from_toml == from_json == loads_clusters(text, fmt="toml")
    assert from_toml[0].source == "<data>"


@given(cluster_lists() | clusters().map(lambda c: [c]), st.sampled_from(["toml", "json"]))
def test_clusters_from_data_reads_what_dumps_clusters_writes(many: list[Cluster],
                                                             fmt: str) -> None:
    text = dumps_clusters(many, fmt=fmt)
    data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    assert clusters_from_data(data, source="request") == loads_clusters(text, fmt=fmt)


def test_clusters_from_data_names_the_source_record_and_field() -> None:
    data: dict[str, Any] = {"cluster": {"name": "Nord", "founded": "2019-03-01"},
                            "clinic": [{"provider_number": "099999", "capacities": 0,
                                        "joined": "2019-03-01"}]}
    with pytest.raises(InputError) as info:
        clusters_from_data(data, source="request 17")
    assert (info.value.path, info.value.record, info.value.field) == (
        "request 17", "clinic[1] (099999)", "capacities")


@pytest.mark.parametrize(("call", "field"), [
    (lambda: clusters_from_data("[cluster]"), "data"),  # type: ignore[arg-type]
    (lambda: clusters_from_data([]), "data"),  # type: ignore[arg-type]
    (lambda: clusters_from_data({}, source=5), "source"),  # type: ignore[arg-type]
    (lambda: ledger_input_from_data([]), "data"),  # type: ignore[arg-type]
    (lambda: loads_clusters({"cluster": {}}, fmt="toml"), "text"),  # type: ignore[arg-type]
])
def test_data_of_another_type_is_refused_as_a_type_error(call: Any, field: str) -> None:
    with pytest.raises(InputTypeError) as info:
        call()
    assert info.value.field == field


def test_loads_clusters_points_a_mapping_to_clusters_from_data() -> None:
    with pytest.raises(InputTypeError, match=r"\(for a mapping, clusters_from_data\)"):
        loads_clusters({"cluster": {}}, fmt="json")  # type: ignore[arg-type]


# --- a ledger's account -----------------------------------------------------------------------


def test_load_ledger_input_reads_the_account_of_an_expenses_file() -> None:
    expected = ledger_input_from_document(tomllib.loads(EXPENSES.read_text("utf-8")),
                                          str(EXPENSES))
    assert load_ledger_input(EXPENSES) == expected
    assert load_ledger_input(str(EXPENSES)) == expected
    assert ledger_input_from_data(tomllib.loads(EXPENSES.read_text("utf-8"))) == expected


def test_a_csv_expenses_file_holds_no_account(tmp_path: Path) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text("date,amount,category,payee,payee_role\n"
                    "2024-02-01,100.00,catering,Bageriet,supplier\n", encoding="utf-8")
    assert load_ledger_input(path) == LedgerInput()


def test_ledger_input_from_data_names_the_source_record_and_field() -> None:
    data = {"account": {"opening_balance": "1.005"},
            "general_assembly": [{"date": dt.date(2024, 4, 1)}]}
    with pytest.raises(InputError) as info:
        ledger_input_from_data(data, source="request 18")
    assert (info.value.path, info.value.record, info.value.field) == (
        "request 18", "account", "opening_balance")
    with pytest.raises(InputError) as info:
        ledger_input_from_data({"accounts": {}})
    assert (info.value.path, info.value.field) == ("<data>", "accounts")
    account = ledger_input_from_data({"budget": [{"year": "2024", "amount": "50000"}],
                                      "general_assembly": [{"date": "2024-04-01"}]})
    assert account.budgets == {2024: Decimal("50000.00")}
    assert account.general_assemblies == (dt.date(2024, 4, 1),)


# --- the rule registries ------------------------------------------------------------------------


def test_the_registries_are_read_only_views_of_the_rules_in_force() -> None:
    assert payout_rules() is RULES and isinstance(RULES, tuple)
    assert spending_rules() is SPENDING_RULES and isinstance(SPENDING_RULES, tuple)
    for registry in (payout_rules(), spending_rules()):
        assert registry
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            registry[0].id = "changed"  # type: ignore[misc]
        with pytest.raises(TypeError):
            registry[0] = registry[1]  # type: ignore[index]
    assert {r.id for r in spending_rules()} >= {"receipts_required", "honorarium_contract"}
    assert all(r.citation.quote for r in payout_rules())
