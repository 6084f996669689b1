"""The yearly account of a cluster: opening balance, payouts, expenses, closing.

Per year: the opening balance (the previous year's closing; Håndbog 2024
§10: "Ubrugte klyngemidler overføres til det efterfølgende år."), the payouts
received on their due dates (net of clawbacks, from the payout engine), the
expenses booked (allowed, and those that need review), the expenses not
booked (not allowed or incomplete: listed, never counted), and the closing
balance = opening + received − booked.

Warnings: a balance that goes negative (with the day it does), a general
assembly before the ruleset's earliest advisable day (15 March, Håndbog 2024
§12), and spending above an approved budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from kiaprules._i18n import (
    N_,
    _,
    danish_decimal,
    format_date_da,
    localize,
    message,
    resolve_lang,
)
from kiaprules._render import csv_text, html_list, html_table, html_text, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr, years_text
from kiaprules.engine.compute import compute_payouts
from kiaprules.engine.report import PayoutReport
from kiaprules.errors import InputError, NotCoveredError
from kiaprules.expenses.classify import Classification, classify
from kiaprules.model.account import LedgerInput
from kiaprules.model.args import years_of
from kiaprules.model.cluster import Cluster
from kiaprules.model.expense import Expense
from kiaprules.model.money import (
    difference,
    format_kr,
    format_kr_da,
    format_money,
    negated,
    plus,
    total,
)
from kiaprules.model.records import Records
from kiaprules.rules.ruleset import MonthDay, Ruleset

__all__ = ["Account", "AccountYear", "build_ledger"]

_ZERO = Decimal("0.00")
_HEADERS = (N_("year"), N_("opening"), N_("received"), N_("booked"), N_("not booked"),
            N_("closing"))
_CSV_HEADERS = (N_("cluster"), N_("year"), N_("opening"), N_("received"), N_("booked"),
                N_("not_booked"), N_("closing"), N_("warnings"))


@attrs.frozen(kw_only=True)
class Receipt:
    """A payout received: its year, due date and net amount."""

    __repr__ = value_repr

    year: int
    due: dt.date
    amount: Decimal


@attrs.frozen(kw_only=True)
class AccountYear:
    __repr__ = value_repr

    year: int
    opening: Decimal
    received: tuple[Receipt, ...]
    booked: tuple[Classification, ...]
    not_booked: tuple[Classification, ...]
    warnings: tuple[str, ...]

    @property
    def received_total(self) -> Decimal:
        return total(r.amount for r in self.received)

    @property
    def booked_total(self) -> Decimal:
        return total(c.expense.amount for c in self.booked)

    @property
    def not_booked_total(self) -> Decimal:
        return total(c.expense.amount for c in self.not_booked)

    @property
    def closing(self) -> Decimal:
        """Opening + received − booked (Håndbog 2024 §10: unused funds carry over)."""
        return difference(plus(self.opening, self.received_total), self.booked_total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "opening": format_money(self.opening),
            "received": [{"year": r.year, "due": r.due.isoformat(),
                          "amount": format_money(r.amount)} for r in self.received],
            "received_total": format_money(self.received_total),
            "booked": [c.to_dict() for c in self.booked],
            "booked_total": format_money(self.booked_total),
            "not_booked": [c.to_dict() for c in self.not_booked],
            "not_booked_total": format_money(self.not_booked_total),
            "closing": format_money(self.closing),
            "warnings": list(self.warnings),
        }


@attrs.frozen(kw_only=True)
class Account(Records):
    """A cluster's yearly accounts over a span of years.

    ``to_records()``: one row a year of the account (docs/records.md).
    """

    RECORD_COLUMNS = ("cluster", "year", "opening", "received", "booked", "not_booked",
                      "closing", "warnings")

    cluster: str
    ruleset_id: str
    fingerprint: str
    years: tuple[AccountYear, ...]

    def __repr__(self) -> str:
        closing = [f"closing={format_money(self.years[-1].closing)}"] if self.years else []
        return result_repr("Account", repr(self.cluster),
                           f"years={years_text(y.year for y in self.years)}", *closing)

    def year(self, year: int) -> AccountYear:
        for y in self.years:
            if y.year == year:
                return y
        raise InputError(f"no account for {year}", record=self.cluster, field="year",
                         code="input.unknown_year")

    def to_dict(self) -> dict[str, Any]:
        return {"cluster": self.cluster,
                "ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
                "years": [y.to_dict() for y in self.years]}

    def _records(self) -> Iterator[dict[str, Any]]:
        for y in self.years:
            yield {"cluster": self.cluster, "year": y.year, "opening": y.opening,
                   "received": y.received_total, "booked": y.booked_total,
                   "not_booked": y.not_booked_total, "closing": y.closing,
                   "warnings": " | ".join(y.warnings)}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row a year, for spreadsheets; ``lang="da"`` (or ``$KIAPRULES_LANG``): Danish
        headers and warnings, ``;``, a decimal comma and a byte order mark (Danish Excel)."""
        lang = resolve_lang(lang)

        def money(value: Decimal) -> str:
            text = format_money(value)
            return danish_decimal(Decimal(text), grouped=False) if lang == "da" else text

        return csv_text([_(h, lang) for h in _CSV_HEADERS],
                        ([self.cluster, y.year, money(y.opening), money(y.received_total),
                          money(y.booked_total), money(y.not_booked_total), money(y.closing),
                          " | ".join(localize(w, lang) for w in y.warnings)]
                         for y in self.years), lang=lang)

    def _cells(self, lang: str = "en") -> list[list[str]]:
        def kr(value: Decimal) -> str:
            return format_kr_da(value, unit=False) if lang == "da" else format_kr(value)

        return [[str(y.year), kr(y.opening), kr(y.received_total), kr(y.booked_total),
                 kr(y.not_booked_total), kr(y.closing)] for y in self.years]

    def _notes(self, lang: str = "en") -> list[str]:
        """Each expense not booked, with why; then each year's warnings."""
        lines = []
        for y in self.years:
            for c in y.not_booked:
                e = c.expense
                why = "; ".join(localize(r.text, lang) for r in c.reasons
                                if r.status == c.status)
                if lang == "da":
                    what, amount = e.id or format_date_da(e.date), format_kr_da(e.amount)
                else:
                    what, amount = e.id or e.date.isoformat(), f"{format_kr(e.amount)} kr"
                lines.append(_("not booked {year}: {expense} {amount} ({status}: {why})",
                               lang).format(year=y.year, expense=what, amount=amount,
                                            status=_(c.status, lang), why=why))
        for y in self.years:
            lines.extend(_("warning {year}: {warning}", lang).format(
                year=y.year, warning=localize(w, lang)) for w in y.warnings)
        return lines

    def to_table(self, *, lang: str | None = None) -> str:
        """The yearly account, each expense not booked with why, and the warnings;
        ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish, with Danish amounts and dates."""
        lang = resolve_lang(lang)
        table = table_text(self._cells(lang), [_(h, lang) for h in _HEADERS], ("right",) * 6)
        lines = [_("{cluster}: yearly account", lang).format(cluster=self.cluster), "", table,
                 *self._notes(lang)]
        return sanitize_lines("\n".join(lines) + "\n")

    def _repr_html_(self) -> str:
        """The yearly account, what was not booked and the warnings, for notebooks."""
        return (html_text(f"{self.cluster}: yearly account", "h4")
                + html_table(_HEADERS, self._cells(), ("right",) * 6)
                + html_list(self._notes()))


def build_ledger(
    cluster: Cluster,
    expenses: Sequence[Expense],
    ruleset: Ruleset,
    *,
    account: LedgerInput | None = None,
    years: Sequence[int] | None = None,
    payouts: PayoutReport | None = None,
    policies: Mapping[str, str] | None = None,
) -> Account:
    """The yearly account of ``cluster`` from its payouts and ``expenses``.

    ``years`` defaults to the founding year through the last year with a
    payout or an expense. Payouts count in the year of their due date.
    """
    account = account or LedgerInput()
    report = payouts or compute_payouts([cluster], ruleset, policies=policies)
    for e in expenses:
        if e.date < cluster.founded:
            # A date out of order: the cluster, and its account, did not exist yet.
            raise InputError(f"{e.date.isoformat()} is before {cluster.name} was founded "
                             f"({cluster.founded.isoformat()})", path=e.path, record=e.label,
                             field="date", date=e.date, code="input.date_order")
    classified = [classify(e, ruleset, policies=policies) for e in expenses]
    received: list[Receipt] = [Receipt(year=y.year, due=y.due, amount=y.total)
                               for y in report.cluster(cluster.name).years]
    last = max([r.due.year for r in received] + [c.expense.date.year for c in classified]
               + [cluster.founded.year])
    span = list(years_of(years)) if years is not None else \
        list(range(cluster.founded.year, last + 1))
    if not span:
        raise InputError("no years to account for", field="years", code="input.missing")
    first = min(span)
    # The opening balance of the first year shown carries everything before it.
    balance = account.opening_balance
    balance = total((r.amount for r in received if r.due.year < first), balance)
    balance = difference(balance, total(c.expense.amount for c in classified
                                        if c.booked and c.expense.date.year < first))
    out: list[AccountYear] = []
    for year in range(first, max(span) + 1):
        got = tuple(r for r in received if r.due.year == year)
        mine = sorted((c for c in classified if c.expense.date.year == year),
                      key=lambda c: (c.expense.date, c.expense.id))
        booked = tuple(c for c in mine if c.booked)
        not_booked = tuple(c for c in mine if not c.booked)
        warnings: list[str] = []
        events: list[tuple[dt.date, int, Decimal]] = [(r.due, 0, r.amount) for r in got]
        events += [(c.expense.date, 1, negated(c.expense.amount)) for c in booked]
        running = balance
        if running < 0:
            warnings.append(message("the year opens with a negative balance ({amount} kr)",
                                    amount=Decimal(format_money(running))))
        else:
            for day, _, delta in sorted(events, key=lambda e: (e[0], e[1])):
                running = plus(running, delta)
                if running < 0:
                    warnings.append(message("the balance is negative ({amount} kr) on {day}",
                                            amount=Decimal(format_money(running)), day=day))
                    break
        for assembly in account.general_assemblies:
            if assembly.year != year:
                continue
            try:
                after = ruleset.lookup("general_assembly_earliest", assembly).value
            except NotCoveredError:
                continue  # C5: the advice applies from 1 April 2023, when PLO keeps the accounts
            assert isinstance(after, MonthDay)
            # "efter 15. marts" (Håndbog 2024 §12): after that day, so the day itself is early.
            if assembly <= after.in_year(year):
                warnings.append(message(
                    "the general assembly on {day} is not after {earliest}: PLO cannot send "
                    "the year's accounts before 1 March (Håndbog 2024 §12)", day=assembly,
                    earliest=after.in_year(year)))
        budget = account.budgets.get(year)
        spent = total(c.expense.amount for c in booked)
        if budget is not None and spent > budget:
            warnings.append(message("spending {spent} kr is above the approved budget of "
                                    "{budget} kr", spent=Decimal(format_money(spent)),
                                    budget=Decimal(format_money(budget))))
        entry = AccountYear(year=year, opening=balance, received=got, booked=booked,
                            not_booked=not_booked, warnings=tuple(warnings))
        balance = entry.closing
        if year in span:
            out.append(entry)
    return Account(cluster=cluster.name, ruleset_id=ruleset.id, fingerprint=ruleset.fingerprint,
                   years=tuple(out))
