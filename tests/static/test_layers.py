"""The package's layers, checked: imports go one way only, and nothing imports in a cycle.

The layers, lowest first (docs/architecture.md). A module may import from its
own layer or a lower one; within a layer, modules must not import each other
in a cycle. The package's ``__init__`` is above everything (it gathers the
public API), and nothing in the package imports it.

Every import statement is read from the source with :mod:`ast`, wherever it
stands (inside functions too), so a cycle cannot hide in a function body. An
import inside a function is allowed only with a comment saying why it is
deferred (start-up time, an optional extra), on its own line or the line
above.

Imports under ``if TYPE_CHECKING:`` never run. They may point upward only
where :data:`TYPE_ONLY_UPWARD` says so: a class of a lower layer declaring,
for type checkers, the methods a higher layer attaches to it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kiaprules"

#: Layer of each top-level part of the package (a module or a subpackage).
LAYERS: dict[str, int] = {
    "_version": 0,
    "_text": 0,
    "errors": 0,
    "_files": 0,
    "_render": 0,
    "_i18n": 0,
    "_schemas": 0,
    "model": 1,
    "rules": 2,
    "engine": 3,
    "reports": 4,
    "expenses": 4,
    "formats": 4,
    "audit": 4,
    "synthetic": 4,
    "cli": 5,
    "__main__": 5,
    "pytest_plugin": 5,  # the pytest plugin: a front end, like the command line
    "__init__": 6,
}
#: (module, the higher module it names for type checkers only, and why).
TYPE_ONLY_UPWARD: dict[tuple[str, str], str] = {
    ("kiaprules.engine.report", "kiaprules.reports.explain"):
        "PayoutReport.explain is attached by kiaprules.reports",
    ("kiaprules.engine.report", "kiaprules.reports.whatif"):
        "PayoutReport.compare is attached by kiaprules.reports",
    ("kiaprules.engine.report", "kiaprules.reports.summary"):
        "PayoutReport.summary is attached by kiaprules.reports",
}
#: Outside the core: only the command line may import them (not even ``import kiaprules``).
OUTSIDE_THE_CORE = {"synthetic"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The top-level part (``engine`` for ``kiaprules.engine.report``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> Iterator[tuple[str, ast.stmt, bool, bool]]:
    """(imported module, statement, inside a function, type-only) for each import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]

    def walk(node: ast.AST, in_function: bool, type_only: bool
             ) -> Iterator[tuple[str, ast.stmt, bool, bool]]:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            typing_only = type_only or (isinstance(child, ast.If)
                                        and isinstance(child.test, ast.Name)
                                        and child.test.id == "TYPE_CHECKING")
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child, in_function, type_only
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                # ``from kiaprules.rules import payout`` imports the module
                # kiaprules.rules.payout; ``from kiaprules.rules.payout import
                # Rule`` imports kiaprules.rules.payout.
                for alias in child.names:
                    yield f"{target}.{alias.name}", child, in_function, type_only
            yield from walk(child, nested, typing_only)

    yield from walk(tree, False, False)


def kiaprules_imports(path: Path, known: set[str]
                      ) -> Iterator[tuple[str, ast.stmt, bool, bool]]:
    for target, node, in_function, type_only in imports(path):
        if target == "kiaprules" or target.startswith("kiaprules."):
            # A name imported from a module: the module it comes from.
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            yield target, node, in_function, type_only


def test_every_part_of_the_package_has_a_layer() -> None:
    assert {part_of(m) for m in modules()} <= set(LAYERS)


def test_no_module_imports_from_a_higher_layer() -> None:
    known = set(modules())
    upward = []
    for name, path in modules().items():
        mine = LAYERS[part_of(name)]
        for target, node, _, type_only in kiaprules_imports(path, known):
            theirs = LAYERS[part_of(target)]
            if theirs > mine and not (type_only and (name, target) in TYPE_ONLY_UPWARD):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {name} "
                              f"(layer {mine}) imports {target} (layer {theirs})")
    assert not upward, "\n".join(upward)


def test_only_the_command_line_imports_what_is_outside_the_core() -> None:
    known = set(modules())
    found = []
    for name, path in modules().items():
        if part_of(name) in OUTSIDE_THE_CORE | {"cli", "__main__"}:
            continue
        for target, node, _, _ in kiaprules_imports(path, known):
            if part_of(target) in OUTSIDE_THE_CORE:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {target}")
    assert not found, "\n".join(found)


def test_no_import_cycles() -> None:
    known = set(modules())
    # The edges written in the source, as a reader follows them; type-only
    # imports never run, so they make no cycle.
    graph = {name: {t for t, _, _, type_only in kiaprules_imports(path, known)
                    if t != name and not type_only}
             for name, path in modules().items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(cycles)


def test_an_import_inside_a_function_says_why() -> None:
    unexplained = []
    for path in modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        for _, node, in_function, _ in imports(path):
            if not in_function:
                continue
            here = lines[node.lineno - 1]
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if "#" not in here and not above.startswith("#"):
                unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                                   f"{here.strip()}")
    assert not sorted(set(unexplained)), "\n".join(sorted(set(unexplained)))


def test_every_type_only_exception_is_still_needed() -> None:
    known = set(modules())
    used = {(name, target) for name, path in modules().items()
            for target, _, _, type_only in kiaprules_imports(path, known) if type_only}
    assert set(TYPE_ONLY_UPWARD) <= used


@pytest.mark.parametrize("part", sorted(set(LAYERS) - {"__init__", "__main__"}))
def test_the_layer_table_names_only_what_exists(part: str) -> None:
    assert (PACKAGE / part).is_dir() or (PACKAGE / f"{part}.py").is_file(), part
