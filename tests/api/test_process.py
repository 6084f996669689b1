"""A library call never changes the caller's process.

No garbage-collector switching, no exit, no change to the decimal context,
the locale or the standard streams: whatever a call needs, it keeps to
itself. Each library entry point is run with the process-wide switches
booby-trapped, and the process's state compared before and after.
"""

from __future__ import annotations

import decimal
import gc
import io
import json
import locale
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES

from kiaprules import (
    build_ledger,
    classify_expenses,
    clusters_from_data,
    compute_payouts,
    json_schema,
    load_clusters,
    load_expense_records,
    load_ledger_input,
    load_ruleset,
    make_receipt,
    national_summary,
    reproduce,
    stream_payouts,
    sweep,
    verify_receipt,
)
from kiaprules.cli import main
from kiaprules.reports.plot import render
from kiaprules.synthetic import generate_country

DENMARK = EXAMPLES / "denmark.json"
EXPENSES = EXAMPLES / "koegeklyngen-expenses.toml"


def _ledger() -> Any:
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    _, expenses = load_expense_records(EXPENSES)
    return build_ledger(cluster, expenses, load_ruleset())


CALLS: dict[str, Callable[[], Any]] = {
    "load_clusters": lambda: load_clusters(DENMARK),
    "compute_payouts": lambda: compute_payouts(load_clusters(DENMARK), years=[2019, 2024]),
    "compute_payouts detail=False": lambda: compute_payouts(load_clusters(DENMARK),
                                                            years=[2024], detail=False),
    "stream_payouts": lambda: list(stream_payouts(load_clusters(DENMARK),
                                                  years=[2019, 2024]).jsonl_lines()),
    "explain": lambda: compute_payouts(load_clusters(EXAMPLE_CLUSTER)).explain(year=2019)
    .to_text(),
    "national_summary": lambda: national_summary(load_clusters(DENMARK)).to_table(),
    "sweep": lambda: sweep(load_clusters(DENMARK), [{"overrides": ["operating_rate@2019=4.26"]}]),
    "classify_expenses": lambda: classify_expenses(load_expense_records(EXPENSES)[1],
                                                   load_ruleset()).to_table(),
    "build_ledger": lambda: _ledger().to_table(),
    "reproduce": lambda: reproduce().to_table(),
    # a chart drawn and written as SVG (matplotlib imported by the call, if not yet)
    "plot": lambda: render(national_summary(load_clusters(EXAMPLE_CLUSTER)).plot, "svg"),
    "generate_country": lambda: generate_country(seed=3, scale=0.2),
    "clusters_from_data": lambda: clusters_from_data(json.loads(DENMARK.read_text("utf-8"))),
    "load_ledger_input": lambda: load_ledger_input(EXPENSES),
    "verify_receipt": lambda: verify_receipt(make_receipt(load_clusters(EXAMPLE_CLUSTER)),
                                             inputs=[EXAMPLE_CLUSTER]),
    # The command line in-process: a run, a usage error, --help and bad input.
    "cli.main payouts": lambda: main(["payouts", str(EXAMPLE_CLUSTER)], out=io.StringIO(),
                                     err=io.StringIO()),
    "cli.main usage error": lambda: main(["payouts", "--no-such"], out=io.StringIO(),
                                         err=io.StringIO()),
    "cli.main --help": lambda: main(["--help"], out=io.StringIO(), err=io.StringIO()),
    "cli.main bad input": lambda: main(["check", "absent.toml"], out=io.StringIO(),
                                       err=io.StringIO()),
    "json_schema": lambda: json_schema("payouts"),
}


@pytest.fixture
def trapped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(name: str) -> Callable[..., None]:
        def call(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"a library call used {name}")
        return call

    for name in ("disable", "enable", "freeze", "unfreeze", "collect"):
        monkeypatch.setattr(gc, name, refuse(f"gc.{name}"))
    monkeypatch.setattr(sys, "exit", refuse("sys.exit"))
    monkeypatch.setattr(decimal, "setcontext", refuse("decimal.setcontext"))
    monkeypatch.setattr(locale, "setlocale", refuse("locale.setlocale"))
    yield


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_library_call_leaves_the_process_as_it_was(name: str, trapped: None) -> None:
    context = decimal.getcontext()
    before = (gc.isenabled(), gc.get_threshold(), context.prec, context.rounding,
              dict(context.traps), sys.stdout, sys.stderr, Path.cwd())
    CALLS[name]()
    after = (gc.isenabled(), gc.get_threshold(), context.prec, context.rounding,
             dict(context.traps), sys.stdout, sys.stderr, Path.cwd())
    assert after == before
    assert decimal.getcontext() is context
