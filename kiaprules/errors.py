"""One error hierarchy, rooted at :class:`KiapRulesError`.

Every error carries where it came from (``path``, ``record``, ``field``) and
renders as one line::

    cluster.toml: clinic[2] (012345): capacities: must be a whole number ≥ 1, got '2.5'

Leaves also subclass the built-in they resemble, so callers that catch
``ValueError`` or ``LookupError`` keep working (the Hypothesis convention).
Messages never contain an unmasked CPR number: code that raises about a CPR
number passes only its masked form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from kiaprules._text import mask_cpr_like, printable

__all__ = [
    "ConflictError",
    "InputError",
    "KiapRulesError",
    "MoneyTypeError",
    "NotCoveredError",
    "RulesetError",
]


class KiapRulesError(Exception):
    """Root of every error kiaprules raises on purpose.

    ``reason`` says what is wrong; ``path``, ``record`` and ``field`` say
    where. ``str(error)`` joins them into one line.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        record: str | None = None,
        field: str | None = None,
        date: dt.date | None = None,
    ) -> None:
        self.reason = reason
        self.path = path
        # Record and field names can come from a file: kept printable, as shown.
        self.record = printable(record) if record else record
        self.field = printable(field) if field else field
        self.date = date
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [p for p in (self.path, self.record, self.field) if p]
        parts.append(self.reason)
        # A CPR number never appears in an error, even one typed into the
        # wrong field (a CVR or provider number) and echoed back; and text
        # from a file cannot break the one-line rule or drive the terminal.
        return printable(mask_cpr_like(": ".join(parts)))

    def __str__(self) -> str:
        return self._render()

    def located(
        self,
        *,
        path: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> Self:
        """The same error with its location filled in where it is still unknown.

        A validator knows the field; the loader that called it knows the file
        and the record. Each adds what it knows on the way out.
        """
        new = self._copy()
        new.path = self.path or path
        new.record = self.record or (printable(record) if record else record)
        field = printable(field) if field else field
        if field and self.field and self.field != field and not self.field.startswith(field):
            new.field = f"{field}.{self.field}"
        else:
            new.field = self.field or field
        new.args = (new._render(),)
        return new

    def _copy(self) -> Self:
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: its kind, message and location."""
        return {
            "error": type(self).__name__,
            "message": str(self),
            "reason": self.reason,
            "path": self.path,
            "record": self.record,
            "field": self.field,
            "date": self.date.isoformat() if self.date else None,
        }


class InputError(KiapRulesError, ValueError):
    """Data handed in (a file, an argument, a record) is malformed or out of range."""


class MoneyTypeError(InputError, TypeError):
    """Money was handed in as a type that cannot carry exact kroner and øre (a float)."""


class ConflictError(InputError):
    """Records contradict each other, e.g. one provider number in two clusters at once."""


class RulesetError(KiapRulesError, ValueError):
    """A ruleset file is malformed: unknown key, uncited value, overlapping dates, ..."""


class NotCoveredError(KiapRulesError, LookupError):
    """The ruleset has no value for what was asked (before its first date, or
    a year without a published figure under strict mode). Never answered with 0."""
