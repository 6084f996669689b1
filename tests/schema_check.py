"""Every JSON the test suite makes kiaprules write is validated against its shipped schema.

:func:`install` (called by ``tests/conftest.py``, so before any test module
is imported, and before the docs' examples run in the same session: the
full suite and CI) wraps, for the whole test session:

* the command line's ``main`` (``kiaprules.cli.main``, which the tests and
  the docs import): a run with ``--format json`` must write JSON that its
  command's schema accepts (``payouts --compare`` → ``compare``, ``ruleset
  show`` → ``ruleset``, ``sweep`` → ``sweep``, …); ``kiaprules schema NAME``
  must print a valid JSON Schema; ``generate`` must write what ``clusters``
  accepts; ``--receipt FILE`` must write what ``receipt`` accepts; and a run
  with ``--format json`` that fails (status 2 or 3) must write one line of
  JSON to standard error that ``error`` accepts;
* the ``to_json()`` of every result class, so the library calls of the
  property tests and of the docs are checked too;
* the making of every :class:`~kiaprules.errors.KiapRulesError`: its code
  must be one docs/json-format.md lists ("Error codes"), so an error raised
  with an undocumented (or misspelt) code fails the test that raised it.

The output is passed on unchanged (the wrapper only listens), and a run that
writes no JSON is left alone. A mismatch fails the test that ran the command,
naming the command, the schema and the first place the output breaks it.
"""

from __future__ import annotations

import functools
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from kiaprules import (
    Account,
    Comparison,
    ExpenseReport,
    KiapRulesError,
    NationalSummary,
    PayoutReport,
    Reproduction,
    Sweep,
    json_schema,
)
from kiaprules._schemas import SCHEMAS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "json-format.md"


@functools.cache
def documented_codes() -> tuple[str, ...]:
    """The error codes docs/json-format.md lists, in its order."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    return tuple(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


#: The result classes whose ``to_json()`` is checked, and the schema of each.
TO_JSON: dict[type, str] = {
    PayoutReport: "payouts", Comparison: "compare", NationalSummary: "national", Sweep: "sweep",
    Reproduction: "reproduce", ExpenseReport: "expenses", Account: "ledger",
}
#: How many outputs were checked, by schema: a test can see that the hook runs.
CHECKED: dict[str, int] = {}


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """The validator of the shipped schema ``name`` (dates checked as real dates)."""
    schema = json_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(name: str, data: Any) -> list[str]:
    """Every place where ``data`` breaks the schema ``name`` (empty when it matches)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
            for e in validator(name).iter_errors(data)]


def assert_valid(name: str, data: Any, *, what: str = "the output") -> None:
    """Fail, naming the first problem, unless ``data`` (text or parsed JSON) matches ``name``."""
    if isinstance(data, str):
        if (name, data) in _VALID_TEXTS:  # the same text again: a determinism test, a copy
            CHECKED[name] = CHECKED.get(name, 0) + 1
            return
        try:
            parsed = json.loads(data)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{what} is not JSON ({exc}); schema {name!r}") from None
        _check(name, parsed, what)
        if len(_VALID_TEXTS) >= 64:
            _VALID_TEXTS.pop(next(iter(_VALID_TEXTS)))
        _VALID_TEXTS[(name, data)] = None
    else:
        _check(name, data, what)


#: The texts last found valid, oldest first: checking one again would find the same.
_VALID_TEXTS: dict[tuple[str, str], None] = {}


def _check(name: str, data: Any, what: str) -> None:
    error = best_match(validator(name).iter_errors(data))
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        raise AssertionError(f"{what} does not match the shipped schema {name!r} at {where}: "
                             f"{error.message[:300]}")
    CHECKED[name] = CHECKED.get(name, 0) + 1


def schema_of(argv: Sequence[str]) -> str | None:
    """The schema of what ``kiaprules argv`` writes to standard output, if it writes JSON."""
    words = list(argv)
    # The words that are not options, nor the value of one taking a value before the
    # command (--lang da).
    positional = [w for i, w in enumerate(words) if not w.startswith("-")
                  and (i == 0 or words[i - 1] != "--lang")]
    command = positional[0] if positional else None
    if command == "schema":
        return "<json schema>" if len(positional) > 1 else None
    if command == "generate":
        i = words.index("--output") if "--output" in words else -1
        return "clusters" if i < 0 or words[i + 1] == "-" else None
    if not json_format(words):
        return None
    if command == "payouts" and "--compare" in words:
        return "compare"
    if command in SCHEMAS:
        return command
    return None


def _jsonl_format(words: Sequence[str]) -> bool:
    return any(w == "--format=jsonl" or (w == "--format" and i + 1 < len(words)
                                         and words[i + 1] == "jsonl")
               for i, w in enumerate(words))


def json_format(words: Sequence[str]) -> bool:
    """Whether ``--format json`` was asked for."""
    return any(w == "--format=json" or (w == "--format" and i + 1 < len(words)
                                        and words[i + 1] == "json")
               for i, w in enumerate(words))


class _Listening(io.TextIOBase):
    """Passes everything on to ``target`` and keeps a copy."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.target.write(text)

    def isatty(self) -> bool:  # the progress of a long run shows on a terminal only
        return self.target.isatty()

    def flush(self) -> None:
        self.target.flush()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")

    def text(self) -> str:
        return "".join(self.parts)


def check_run(argv: Sequence[str], status: int, out: str, err: str) -> None:
    """Validate what one run of the command line wrote (see the module's docstring)."""
    words = list(argv)
    command = f"`kiaprules {' '.join(words)}`"
    name = schema_of(words)
    if status in (0, 1) and name == "<json schema>":
        Draft202012Validator.check_schema(json.loads(out))
        CHECKED[name] = CHECKED.get(name, 0) + 1
    elif status in (0, 1) and name is not None:
        assert_valid(name, out, what=command)
    elif status in (0, 1) and json_format(words) and out:
        raise AssertionError(f"{command} wrote JSON that no shipped schema describes: add "
                             "kiaprules/schemas/NAME.json and name it in "
                             "tests/schema_check.py's schema_of")
    if status == 0 and _jsonl_format(words) and words[:1] == ["payouts"]:
        # JSON Lines: the head line, a line a cluster, the warnings line, put back
        # together, are the payouts JSON and must be valid as it is.
        lines = [json.loads(line) for line in out.splitlines()]
        document = {**lines[0], "warnings": lines[-1]["warnings"], "clusters": lines[1:-1]}
        assert_valid("payouts", document, what=f"{command} put back together")
    if status == 0 and "--receipt" in words:
        path = words[words.index("--receipt") + 1]
        with open(path, encoding="utf-8") as handle:
            assert_valid("receipt", handle.read(), what=f"the receipt of {command}")
    if status == 0 and words[:1] == ["generate"] and "--output" in words:
        path = words[words.index("--output") + 1]
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as handle:
                assert_valid("clusters", handle.read(), what=f"the file of {command}")
    if status in (2, 3) and json_format(words):
        lines = err.splitlines()
        assert len(lines) == 1 and err.endswith("\n"), \
            f"{command} failed with --format json: standard error must be one line, got {err!r}"
        assert_valid("error", lines[0], what=f"the error of {command}")


def _checked_main(real: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(real)
    def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
             err: TextIO | None = None, stdin: BinaryIO | None = None) -> int:
        listening_out = _Listening(sys.stdout if out is None else out)
        listening_err = _Listening(sys.stderr if err is None else err)
        status = real(argv, out=listening_out, err=listening_err, stdin=stdin)
        if not isinstance(argv, (str, bytes)):  # one string is refused before it is read
            words = list(sys.argv[1:] if argv is None else argv)
            check_run(words, status, listening_out.text(), listening_err.text())
        return status

    main.__wrapped_by_schema_check__ = True  # type: ignore[attr-defined]
    return main


def _checked_to_json(name: str, real: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(real)
    def to_json(self: Any, *args: Any, **kwargs: Any) -> str:
        text = real(self, *args, **kwargs)
        assert_valid(name, text, what=f"{type(self).__name__}.to_json()")
        return text

    return to_json


def _checked_init(real: Callable[..., None]) -> Callable[..., None]:
    documented = set(documented_codes())

    @functools.wraps(real)
    def __init__(self: KiapRulesError, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        if self.code not in documented:
            raise AssertionError(f"{type(self).__name__} made with the code {self.code!r}, "
                                 "which docs/json-format.md does not list")

    return __init__


def install() -> None:
    """Check every JSON output of the session (idempotent)."""
    import kiaprules.cli
    import kiaprules.cli.commands

    if getattr(kiaprules.cli.commands.main, "__wrapped_by_schema_check__", False):
        return
    KiapRulesError.__init__ = _checked_init(KiapRulesError.__init__)  # type: ignore[method-assign]
    checked = _checked_main(kiaprules.cli.commands.main)
    kiaprules.cli.commands.main = checked  # type: ignore[assignment]
    kiaprules.cli.main = checked  # type: ignore[assignment]
    for cls, name in TO_JSON.items():
        cls.to_json = _checked_to_json(name, cls.to_json)  # type: ignore[method-assign]


__all__ = ["CHECKED", "assert_valid", "check_run", "documented_codes", "install", "problems",
           "schema_of", "validator"]
