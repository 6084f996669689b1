"""One error hierarchy, rooted at :class:`KiapRulesError`.

Every error carries where it came from (``path``, ``record``, ``field``) and
renders as one line::

    cluster.toml: clinic[2] (012345): capacities: must be a whole number ≥ 1, got '2.5'

Leaves also subclass the built-in they resemble, so callers that catch
``ValueError`` or ``LookupError`` keep working (the Hypothesis convention).
Messages never contain an unmasked CPR number, nor a character that could
break the line or drive a terminal: every part of an error (reason, path,
record, field) goes through the output sanitizer when the error is made, so
``str()``, ``repr()``, ``args`` and :meth:`KiapRulesError.to_dict` all show
the same safe text. Each part is also cut short: an error quotes at most a
short prefix of what it is about, however long the offending value was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Self

from kiaprules._text import sanitize

#: The most characters an error shows of its reason, and of its path, record or field.
MAX_REASON: int = 400
MAX_PART: int = 160
MAX_PATH: int = 300


def _part(text: str | None, limit: int) -> str | None:
    """A part of an error as shown: sanitized, and cut to ``limit`` characters."""
    if not text:
        return text
    if not isinstance(text, str):  # a caller's mistake: show it, do not fail on it
        text = repr(text)
    if len(text) > 4 * limit:  # never scan a huge value whole
        text = text[:4 * limit]
    shown = sanitize(text)
    if len(shown) > limit:
        shown = shown[:limit - 1] + "…"
    return shown


__all__ = [
    "ConflictError",
    "InputError",
    "InputTypeError",
    "KiapRulesError",
    "MissingExtraError",
    "MoneyTypeError",
    "NotCoveredError",
    "RulesetError",
]


class KiapRulesError(Exception):
    """Root of every error kiaprules raises on purpose.

    ``reason`` says what is wrong; ``path``, ``record`` and ``field`` say
    where. ``str(error)`` joins them into one line. ``code`` says what kind
    of error it is, for programs (``"input.not_a_number"``): the class's
    :attr:`default_code` unless the raise site gives a more specific one.
    Codes are listed in docs/json-format.md and never renamed within a
    major version.
    """

    #: The code of an error of this class whose raise site names none. A
    #: specific code starts with it: ``"input"``, ``"input.missing"``.
    default_code: ClassVar[str] = "error"

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        record: str | None = None,
        field: str | None = None,
        date: dt.date | None = None,
        code: str | None = None,
    ) -> None:
        # Every part can come from data (a value, a file name, a record's
        # name): a CPR number typed into the wrong field and echoed back is
        # masked, text from a file cannot break the one-line rule or drive the
        # terminal, and a 10 MB value is not a 10 MB message.
        self.reason = _part(reason, MAX_REASON) or ""
        #: The reason as given: a kiaprules._i18n.Message, the command line shows in
        #: the language asked for (``--lang``); plain text otherwise.
        self.reason_text = reason
        self.path = _part(path, MAX_PATH)
        self.record = _part(record, MAX_PART)
        self.field = _part(field, MAX_PART)
        self.date = date
        self.code: str = code or self.default_code
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [p for p in (self.path, self.record, self.field) if p]
        parts.append(self.reason)
        # Masked again as a whole: a CPR number split between two parts.
        return sanitize(": ".join(parts))

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
        new.path = self.path or _part(path, MAX_PATH)
        new.record = self.record or _part(record, MAX_PART)
        field = _part(field, MAX_PART)
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
        """The error as JSON-ready data: its class, code, message and location."""
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": str(self),
            "reason": str(self.reason),  # plain text, not a translatable Message
            "path": self.path,
            "record": self.record,
            "field": self.field,
            "date": self.date.isoformat() if self.date else None,
        }


class InputError(KiapRulesError, ValueError):
    """Data handed in (a file, an argument, a record) is malformed or out of range."""

    default_code: ClassVar[str] = "input"


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type (a number where a path belongs, a list where a name does).

    A ``TypeError``, as Python calls such mistakes, and a :class:`KiapRulesError`,
    so that a caller catching either catches it.
    """

    default_code: ClassVar[str] = "input.wrong_type"


class MoneyTypeError(InputTypeError):
    """Money was handed in as a type that cannot carry exact kroner and øre (a float)."""

    default_code: ClassVar[str] = "money"


class ConflictError(InputError):
    """Records contradict each other, e.g. one provider number in two clusters at once."""

    default_code: ClassVar[str] = "conflict"


class RulesetError(KiapRulesError, ValueError):
    """A ruleset file is malformed: unknown key, uncited value, overlapping dates, ..."""

    default_code: ClassVar[str] = "ruleset"


class NotCoveredError(KiapRulesError, LookupError):
    """The ruleset has no value for what was asked (before its first date, or
    a year without a published figure under strict mode). Never answered with 0."""

    default_code: ClassVar[str] = "not_covered"


class MissingExtraError(KiapRulesError, ImportError):
    """An optional extra that a feature needs is not installed.

    Not a data error: nothing handed in is wrong, the installation lacks a
    library kiaprules does not install by default (pandas for ``to_frame()``,
    matplotlib for charts). So it is an :class:`ImportError` (code that
    already catches the missing import of an optional library keeps working;
    ``name`` is the module that is missing, ``extra`` the extra that installs
    it) and, like every error kiaprules raises on purpose, a
    :class:`KiapRulesError`, whose one-line message says what to install.
    """

    default_code: ClassVar[str] = "missing_extra"

    def __init__(self, reason: str, *, extra: str = "", module: str | None = None) -> None:
        super().__init__(reason)
        self.extra = extra
        self.name = module

    @classmethod
    def of(cls, *, feature: str, module: str, extra: str) -> MissingExtraError:
        """The error for ``feature`` needing ``module``, which the extra ``extra`` installs.

        >>> print(MissingExtraError.of(feature="to_frame()", module="pandas", extra="pandas"))
        to_frame() needs pandas, an optional extra: pip install 'kiaprules[pandas]'
        """
        return cls(f"{feature} needs {module}, an optional extra: "
                   f"pip install 'kiaprules[{extra}]'", extra=extra, module=module)

    def _copy(self) -> Self:
        new = super()._copy()
        new.name = self.name  # ImportError keeps it in a slot, not in __dict__
        return new
