"""Tidy records: every result as rows of flat dicts, and as a pandas DataFrame.

Each result object (a payout report, a cluster's payouts, the national
summary, a comparison, a sweep, a reproduction of the published examples, an
expense report, an account, a ruleset, an explanation) has ``to_records()``:
a list of flat dicts, one a row, one row a natural unit of that result (a
line, a cluster-year, a summary year, ...; docs/records.md). The column
names are one vocabulary, :data:`COLUMNS`, shared by every result: ``cluster``
is always a cluster's name, ``year`` a calendar year, ``amount`` money paid,
so that records of different results line up and join.

Money is ``Decimal`` kroner to the øre and dates are ``datetime.date``; text
goes through the output sanitizer's CPR masking (:func:`kiaprules._text.mask_cpr_like`),
like every rendering.

``to_frame()`` makes a pandas DataFrame of the same rows. pandas is an
optional extra (``pip install 'kiaprules[pandas]'``), imported only when a
frame is asked for; without it, :class:`~kiaprules.errors.MissingExtraError`
says what to install. Money stays exact by default (``Decimal`` objects in
object columns); ``money="ore"`` gives whole øre in integer columns named
for it (``amount_ore``); ``money="float"`` gives floats, only when asked for
by that name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

import attrs

from kiaprules._text import mask_cpr_like
from kiaprules.errors import InputError, InputTypeError, MissingExtraError
from kiaprules.model.money import to_float, to_ore

if TYPE_CHECKING:
    # For type checkers only: the optional extra is imported when a frame is made.
    from pandas import DataFrame

__all__ = ["COLUMNS", "MONEY_MODES", "Column", "MoneyMode", "Records", "records_frame"]

ColumnKind = Literal["text", "int", "bool", "money", "rate", "fraction", "date", "value"]
MoneyMode = Literal["decimal", "ore", "float"]
MONEY_MODES: Final[tuple[MoneyMode, ...]] = ("decimal", "ore", "float")

#: The Python type(s) a value of each kind of column has.
TYPES: Final[Mapping[ColumnKind, tuple[type, ...]]] = {
    "text": (str,), "int": (int,), "bool": (bool,), "money": (Decimal,), "rate": (Decimal,),
    "fraction": (Fraction,), "date": (dt.date,), "value": (Decimal, int, str),
}


@attrs.frozen
class Column:
    """One column of the vocabulary: its name, the kind of its values, what it means,
    and whether a row may leave it empty (``None``)."""

    name: str
    kind: ColumnKind
    meaning: str
    optional: bool = False

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a value of this column (``True`` is no ``int``)."""
        if value is None:
            return self.optional
        if isinstance(value, bool) and self.kind != "bool":
            return False
        return isinstance(value, TYPES[self.kind])


_DIFFERENCE = "the variant's money of this kind minus the base's"

#: Every column any result's records have, by name (docs/records.md lists them).
COLUMNS: Final[Mapping[str, Column]] = {c.name: c for c in (
    # Who, when, what.
    Column("cluster", "text", "the cluster's name"),
    Column("year", "int", "the calendar year: of a payout, a summary row, an account, a "
           "figure, an expense"),
    Column("due", "date", "the day the year's payout is due"),
    Column("date", "date", "the day of an expense"),
    Column("kind", "text", "the kind of money: startup, operating, supplement or clawback "
           "(a printed figure may also be the total)"),
    Column("quantity", "int", "what a line is priced on: doctor capacities (startup, "
           "clawback) or group-1 patients (operating, supplement)"),
    Column("rate", "rate", "kroner per unit of quantity"),
    Column("fraction", "fraction", "the pro-rata share of the founding year (I1), if any",
           optional=True),
    # Money.
    Column("amount", "money", "the money the row is about, as paid: a line's amount, a "
           "year's total, an expense; 0.00 where the cluster's money is withheld (C2)"),
    Column("withheld", "money", "what would have been paid but is withheld because the "
           "cluster does not meet the registration requirements (C2)"),
    Column("paid", "bool", "whether the cluster's money for the year is paid: false where it "
           "is withheld (C2), even when it would have been 0.00"),
    Column("startup", "money", "paid on startup lines"),
    Column("operating", "money", "paid on operating lines"),
    Column("supplement", "money", "paid on supplement lines"),
    Column("clawback", "money", "deducted on clawback lines (negative)"),
    Column("base_amount", "money", "what the base paid"),
    Column("variant_amount", "money", "what the variant paid"),
    Column("difference", "money", "the row's money minus what it is compared with: the "
           "variant's minus the base's, a computed figure minus the printed one"),
    Column("startup_difference", "money", _DIFFERENCE),
    Column("operating_difference", "money", _DIFFERENCE),
    Column("supplement_difference", "money", _DIFFERENCE),
    Column("clawback_difference", "money", _DIFFERENCE),
    Column("printed", "money", "the amount a published example prints"),
    Column("computed", "money", "the amount kiaprules computes for it"),
    Column("opening", "money", "the account's balance at the start of the year"),
    Column("received", "money", "payouts received in the year (net of clawbacks)"),
    Column("booked", "money", "expenses booked in the year (allowed or needing review)"),
    Column("not_booked", "money", "expenses refused or incomplete: listed, never booked"),
    Column("closing", "money", "opening + received − booked"),
    # Counts.
    Column("clusters", "int", "clusters paid in the year"),
    Column("clinics", "int", "clinics paid on their patients in the year"),
    Column("patients", "int", "group-1 patients the operating grant is paid on"),
    # What a figure rests on.
    Column("parameter", "text", "the ruleset parameter whose dated value gave the rate"),
    Column("value_from", "date", "the day that dated value is in force from"),
    Column("value_until", "date", "the day it stops being in force (none: still in force)",
           optional=True),
    Column("value", "value", "a dated value: Decimal (amounts and rates), int, or text "
           "(a day of the year as MM-DD, a name); none where no figure is published",
           optional=True),
    Column("unit", "text", "what a parameter's value counts in"),
    Column("status", "text", "the row's status in its result's words: a dated value's "
           "(published, assumption, unpublished, override), an expense's (allowed, "
           "needs_review, incomplete, not_allowed), a figure's (reproduced, not_reproduced)"),
    Column("assumption", "text", "why the figure a line rests on is not published; none "
           "when it is", optional=True),
    Column("rests_on_assumption", "bool", "whether a figure no source publishes is used"),
    Column("reason", "text", "why a dated value is not a published figure", optional=True),
    Column("rule", "text", "the id of the rule that decided the row"),
    Column("rules", "text", "the ids of the rules that speak on an expense, joined by '; '"),
    Column("document", "text", "the source document the row rests on"),
    Column("section", "text", "its section"),
    Column("quote", "text", "the Danish sentence the value rests on"),
    # Results of their own.
    Column("variant", "text", "a sweep variant's name ('base' for the base)"),
    Column("variant_number", "int", "the variant's place in the sweep: 0 the base, then "
           "1, 2, ... in the order given"),
    Column("example", "text", "a published example's id"),
    Column("label", "text", "a printed figure's label"),
    Column("explanation", "text", "why a figure is not reproduced, or what it rests on"),
    Column("id", "text", "an expense's id (may be empty)"),
    Column("category", "text", "what an expense is for"),
    Column("payee", "text", "who is paid"),
    Column("payee_role", "text", "the payee's role"),
    Column("description", "text", "the expense's description (may be empty)"),
    Column("recipient", "text", "the recipient's CVR number or masked CPR number",
           optional=True),
    Column("income_type", "text", "A or B, for an honorarium", optional=True),
    Column("warnings", "text", "the year's warnings, joined by ' | '"),
)}


def _exact_text(value: object) -> object:
    """Text as a plain ``str`` (a translatable message is one too), CPR numbers masked."""
    return mask_cpr_like(str(value)) if isinstance(value, str) else value


class Records:
    """What makes a result tabular: ``to_records()`` and ``to_frame()``.

    A result class names its columns in ``RECORD_COLUMNS`` (every one from
    :data:`COLUMNS`) and yields its rows from ``_records()``, each a dict with
    exactly those keys in that order.
    """

    __slots__ = ()

    #: The columns of this result's records, in order.
    RECORD_COLUMNS: ClassVar[tuple[str, ...]] = ()

    def _records(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict a row, with the columns ``RECORD_COLUMNS`` (docs/records.md).

        Money is ``Decimal``, dates are ``datetime.date``, and no text holds a
        CPR number.
        """
        return [{k: _exact_text(v) for k, v in row.items()} for row in self._records()]

    def to_frame(self, *, money: MoneyMode = "decimal") -> DataFrame:
        """The records as a pandas DataFrame (the extra ``kiaprules[pandas]``).

        ``money`` says how money columns are given: ``"decimal"`` (the
        default) keeps them exact, ``Decimal`` objects; ``"ore"`` as whole øre
        in integer columns named ``<column>_ore``; ``"float"`` as floats.
        """
        return records_frame(self.to_records(), self.RECORD_COLUMNS, money=money)


_DTYPES: Final[Mapping[str, str]] = {"int": "int64", "bool": "bool"}


def records_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
                  money: MoneyMode = "decimal") -> DataFrame:
    """``rows`` as a DataFrame with ``columns``, money as ``money`` says (see :class:`Records`).

    Every column keeps its values as they are (``Decimal``, ``date``,
    ``Fraction`` in object columns; whole numbers in integer columns), but
    for money under ``"ore"`` or ``"float"``: nothing is converted silently.
    """
    if not isinstance(money, str):
        raise InputTypeError(f"must be 'decimal', 'ore' or 'float', got "
                             f"{type(money).__name__} {money!r}", field="money")
    if money not in MONEY_MODES:
        raise InputError(f"must be 'decimal', 'ore' or 'float', got {money!r}", field="money",
                         code="input.not_a_choice")
    try:
        # Deferred: pandas is the optional extra kiaprules[pandas], never imported by the core.
        import pandas
    except ImportError:
        raise MissingExtraError.of(feature="to_frame()", module="pandas",
                                   extra="pandas") from None
    data: dict[str, Any] = {}
    for name in columns:
        kind = COLUMNS[name].kind
        values = [row[name] for row in rows]
        if kind == "money" and money == "ore":
            data[f"{name}_ore"] = pandas.Series([to_ore(v) for v in values], dtype="int64")
        elif kind == "money" and money == "float":
            data[name] = pandas.Series([to_float(v) for v in values], dtype="float64")
        elif kind in _DTYPES:
            data[name] = pandas.Series(values, dtype=_DTYPES[kind])
        elif kind == "text":
            data[name] = pandas.Series(values, dtype=None if values else object)
        else:
            data[name] = pandas.Series(values, dtype=object)
    return pandas.DataFrame(data)
