"""Every error code the package uses is documented, and every documented code is used.

The codes are a contract (docs/json-format.md, "Error codes"): a program
branches on ``input.not_a_number``, not on the message. This reads the
package's source with :mod:`ast` and collects every code an error can get:

* each error class's ``default_code`` (kiaprules/errors.py);
* every ``code="..."`` given where an error class is called
  (``InputError(..., code="input.missing")``), or where a helper's result is
  raised (``raise self.fail(..., code="ruleset.unknown_key")``);
* a helper's default (``def fail(self, reason, key, code="ruleset.malformed")``).

A code passed on as a variable must be a parameter of the function it is in,
so that the literal it comes from is one of the above.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from schema_check import documented_codes

from kiaprules import errors

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kiaprules"
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?")
ERROR_CLASSES = {name: getattr(errors, name) for name in errors.__all__}
DEFAULTS = {cls.default_code for cls in ERROR_CLASSES.values()}
#: Documented codes no error class carries: the command line's own form of a bug.
COMMAND_LINE_ONLY = {"internal"}


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def used_codes() -> Iterator[tuple[str, str, str | None]]:
    """(code, where, the error class called or None for a helper) for every code given."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        raised = {id(node.exc) for node in ast.walk(tree)
                  if isinstance(node, ast.Raise) and node.exc is not None}
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = args.posonlyargs + args.args
                pairs = list(zip(positional[len(positional) - len(args.defaults):],
                                 args.defaults, strict=True))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                          if d is not None]
                for arg, default in pairs:
                    if arg.arg == "code" and isinstance(default, ast.Constant) \
                            and default.value is not None:
                        yield default.value, where, None
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node)
            if callee not in ERROR_CLASSES and id(node) not in raised:
                continue
            for keyword in node.keywords:
                if keyword.arg != "code":
                    continue
                if isinstance(keyword.value, ast.Constant):
                    yield keyword.value.value, where, callee if callee in ERROR_CLASSES else None
                else:
                    # Passed on: the enclosing function's parameter ``code``, or the code
                    # of an error caught and raised again in other words (``exc.code``).
                    value = keyword.value
                    assert (isinstance(value, ast.Name) and value.id == "code") or (
                        isinstance(value, ast.Attribute) and value.attr == "code"), \
                        f"{where}: an error's code must be a literal, or one passed on"


def test_every_code_is_well_formed_and_starts_with_its_class_code() -> None:
    found = list(used_codes())
    assert len(found) > 100  # the scan sees the package's raise sites
    for code, where, callee in found:
        assert isinstance(code, str) and CODE.fullmatch(code), (code, where)
        heads = [ERROR_CLASSES[callee].default_code] if callee is not None else DEFAULTS
        assert any(code == head or code.startswith(head + ".") for head in heads), \
            (code, where, callee)


def test_every_class_has_its_own_code() -> None:
    codes = [cls.default_code for cls in ERROR_CLASSES.values()]
    assert len(set(codes)) == len(codes)
    for cls in ERROR_CLASSES.values():
        assert "default_code" in vars(cls), cls.__name__
        assert cls("x").code == cls.default_code
        assert cls("x").to_dict()["code"] == cls.default_code
        # A class's code starts with its parent's, or names a namespace of its own.
        parent = cls.__mro__[1]
        if issubclass(parent, errors.KiapRulesError) and "." in cls.default_code:
            assert cls.default_code.startswith(parent.default_code + "."), cls.__name__


def test_every_code_used_is_documented_and_every_documented_code_is_used() -> None:
    documented = list(documented_codes())
    assert documented == sorted(documented, key=lambda c: (
        ["error", "input", "money", "conflict", "ruleset", "not_covered", "missing_extra",
         "internal"].index(c.split(".")[0]), c)), "keep the table in order: by class, then by name"
    assert len(set(documented)) == len(documented)
    used = {code for code, _, _ in used_codes()} | DEFAULTS
    assert sorted(used - set(documented)) == [], "document these codes in docs/json-format.md"
    assert sorted(set(documented) - used - COMMAND_LINE_ONLY) == [], \
        "documented codes nothing raises"


def test_an_error_made_with_an_undocumented_code_fails_the_test_that_made_it() -> None:
    """tests/conftest.py checks every error made in the session (schema_check)."""
    with pytest.raises(AssertionError, match=r"input\.not_a_numbr"):
        errors.InputError("must be a number", code="input.not_a_numbr")
    assert errors.InputError("must be a number", code="input.not_a_number").code == \
        "input.not_a_number"


def test_a_located_copy_keeps_its_code() -> None:
    error = errors.InputError("is missing", field="joined", code="input.missing")
    moved = error.located(path="a.toml", record="clinic[1]")
    assert moved.code == "input.missing"
    assert moved.to_dict()["code"] == "input.missing"


@pytest.mark.parametrize("value, code", [
    ("4,33", "input.not_a_number"),
    (4.33, "money.float"),
    (True, "money.wrong_type"),
    ("4.331", "input.too_many_decimals"),
    ("1e999999999", "input.out_of_range"),
])
def test_money_errors_say_what_is_wrong_by_code(value: object, code: str) -> None:
    from kiaprules import to_money

    with pytest.raises(errors.InputError) as info:
        to_money(value)
    assert info.value.code == code
