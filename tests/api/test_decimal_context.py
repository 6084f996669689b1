"""Results never depend on the caller's ``decimal`` context (issue #14).

Hypothesis draws hostile contexts (any precision from 1, any rounding, any
traps, tiny exponent limits) and asserts that every command's output is
byte for byte what it is under the default context (each result's records,
HTML and repr too), and that the caller's context is as it was afterwards.
"""

from __future__ import annotations

import decimal
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiaprules import (
    build_ledger,
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
    national_summary,
    sweep,
)
from kiaprules.cli import main
from kiaprules.formats.expensefile import ledger_input_from_document
from kiaprules.rules.overrides import Override

REPO = Path(__file__).resolve().parents[2]
KOEGE = REPO / "examples" / "koegeklyngen.toml"
EXPENSES = REPO / "examples" / "koegeklyngen-expenses.toml"
DENMARK = REPO / "examples" / "denmark.json"

ROUNDINGS = [decimal.ROUND_UP, decimal.ROUND_DOWN, decimal.ROUND_CEILING, decimal.ROUND_FLOOR,
             decimal.ROUND_HALF_UP, decimal.ROUND_HALF_DOWN, decimal.ROUND_HALF_EVEN,
             decimal.ROUND_05UP]
SIGNALS = [decimal.Clamped, decimal.DivisionByZero, decimal.Inexact, decimal.Overflow,
           decimal.Rounded, decimal.Underflow, decimal.InvalidOperation, decimal.Subnormal,
           decimal.FloatOperation]

contexts = st.builds(
    lambda prec, rounding, traps, emax, capitals: decimal.Context(
        prec=prec, rounding=rounding, traps=traps, Emax=emax, Emin=-emax, capitals=capitals),
    prec=st.integers(1, 40), rounding=st.sampled_from(ROUNDINGS),
    traps=st.lists(st.sampled_from(SIGNALS), unique=True),
    emax=st.sampled_from([6, 10, 999_999]), capitals=st.sampled_from([0, 1]))


def _views(result: Any) -> str:
    """What a notebook shows of a result, and its rows (``Decimal`` in their repr)."""
    return repr(result) + result._repr_html_() + repr(result.to_records())


def _outputs() -> dict[str, Callable[[], str]]:
    ruleset = load_ruleset()
    koege = load_clusters(KOEGE)
    denmark = load_clusters(DENMARK)[:12]
    head, expenses = load_expense_records(EXPENSES)
    account = ledger_input_from_document(head, path=str(EXPENSES))

    def payouts() -> str:
        report = compute_payouts(koege, ruleset)
        return (report.to_json() + report.to_table() + report.to_csv() + _views(report)
                + _views(report.clusters[0]))

    def explain() -> str:
        report = compute_payouts(koege, ruleset)
        return "".join(report.explain(koege[0].name, year).to_text()
                       + _views(report.explain(koege[0].name, year)) for year in report.years)

    def national() -> str:
        summary = national_summary(denmark, ruleset)
        return summary.to_json() + summary.to_table() + _views(summary)

    def compare() -> str:
        base = compute_payouts(denmark, ruleset)
        variant = compute_payouts(denmark, ruleset, overrides=[
            Override.parse("operating_rate@2019-2021=4.26")])
        comparison = base.compare(variant)
        return comparison.to_json() + comparison.to_table() + _views(comparison)

    def swept() -> str:
        result = sweep(denmark, [{"name": f"rate {v}", "overrides": [f"operating_rate@2024={v}"]}
                                 for v in ("3.55", "3.61", "3.5999")], ruleset, years=[2024, 2025])
        return result.to_json() + result.to_table() + _views(result)

    def swept_on_the_command_line() -> str:
        out = io.StringIO()
        main(["sweep", str(KOEGE), "--parameter", "operating_rate@2024", "--values",
              "3.1:3.3:0.1", "--format", "json"], out=out)
        return out.getvalue()

    def classified() -> str:
        report = classify_expenses(expenses, ruleset)
        return report.to_json() + report.to_table() + report.to_csv() + _views(report)

    def ledger() -> str:
        account_ = build_ledger(koege[0], expenses, ruleset, account=account)
        return account_.to_json() + account_.to_table() + _views(account_)

    def rules() -> str:
        return _views(ruleset)

    return {"payouts": payouts, "explain": explain, "national": national, "compare": compare,
            "sweep": swept, "sweep command": swept_on_the_command_line,
            "expenses": classified, "ledger": ledger, "ruleset": rules}


OUTPUTS = _outputs()
EXPECTED = {name: make() for name, make in OUTPUTS.items()}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(context=contexts)
def test_no_decimal_context_changes_an_output(name: str, context: decimal.Context) -> None:
    caller = context.copy()
    with decimal.localcontext(context) as inside:
        shown = OUTPUTS[name]()
        # The caller's context is as it was: precision, rounding, traps, flags set by us none.
        assert (inside.prec, inside.rounding, inside.Emax, inside.traps) == \
            (caller.prec, caller.rounding, caller.Emax, caller.traps)
    assert shown == EXPECTED[name]
