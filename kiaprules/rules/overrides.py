"""What-ifs: a parameter set to another value for a span of dates.

An :class:`Override` changes a ruleset, not the engine: applied, it gives a
new ruleset whose changed values are marked ``override`` (with the status
of what they replace) and whose fingerprint differs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from kiaprules._i18n import message
from kiaprules._text import sanitize, value_repr
from kiaprules.errors import InputError, InputTypeError
from kiaprules.model.calendar import parse_date, parse_year
from kiaprules.rules.ruleset import Ruleset

__all__ = ["Override"]


@attrs.frozen(kw_only=True)
class Override:
    """A what-if: parameter ``name`` is ``value`` from ``start`` until ``end`` (exclusive).

    >>> print(Override.parse("operating_rate@2019=4.26"))
    operating_rate = 4.26 from 2019-01-01 to 2020-01-01
    """

    __repr__ = value_repr

    parameter: str
    value: str | int | Decimal
    start: dt.date
    end: dt.date | None = None

    @classmethod
    def parse(cls, text: str) -> Override:
        """``NAME@YEAR=VALUE``, ``NAME@YEAR-YEAR=VALUE`` or ``NAME@DATE=VALUE`` (from a date on)."""
        if not isinstance(text, str):
            raise InputTypeError(f"must be an Override or text NAME@YEAR=VALUE, got "
                                 f"{type(text).__name__}", field="--set")
        spec, eq, value = text.partition("=")
        name, at, when = spec.partition("@")
        if not eq or not at or not name.strip() or not value.strip():
            raise InputError(f"must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), got "
                             f"{text!r}", field="--set", code="input.syntax")
        when = when.strip()
        if len(when) == 10:
            start, end = parse_date(when, field="--set"), None
        elif "-" in when:
            a, _, b = when.partition("-")
            first, last = parse_year(a, field="--set"), parse_year(b, field="--set")
            if last < first:
                raise InputError(f"year range {when!r} ends before it starts", field="--set",
                                 code="input.date_order")
            start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
        else:
            year = parse_year(when, field="--set")
            start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        raw: str | int = value.strip()
        digits = value.strip().removeprefix("-")
        if digits.isascii() and digits.isdigit() and name.strip().endswith("_months"):
            raw = int(value.strip())
        return cls(parameter=name.strip(), value=raw, start=start, end=end)

    def apply(self, ruleset: Ruleset) -> Ruleset:
        return ruleset.with_override(self.parameter, self.value, self.start, self.end,
                                     reason=message("override: {override}", override=str(self)))

    def __str__(self) -> str:
        """``operating_rate = 4.26 from 2019-01-01 to 2020-01-01``: a message, so that a
        Danish rendering can write it in Danish (the value stays as typed)."""
        what = {"parameter": sanitize(self.parameter), "value": sanitize(str(self.value)),
                "start": self.start}
        if self.end is None:
            return message("{parameter} = {value} from {start} on", **what)
        return message("{parameter} = {value} from {start} to {end}", **what, end=self.end)
