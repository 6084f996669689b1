"""Published examples as pytest tests: the collector and the items (layer 5).

The hooks pytest calls are in the top-level module :mod:`pytest_kiaprules`,
which the ``pytest11`` entry point names and which imports nothing of
kiaprules until a project's ini option ``kiaprules_published`` names a file
(docs/published-examples.md). For such a file it makes a
:class:`PublishedFile`; each of the file's figures is one
:class:`PublishedFigure` test, which passes when the figure comes out as the
file expects (``expect``, and for a known erratum the amount ``computed``)
and fails with the figure's explanation otherwise. A malformed file is a
collection error of one line naming file, record and field.

Only pytest's public API is used: :class:`pytest.File`, :class:`pytest.Item`,
``pytest.Collector.CollectError`` and ``repr_failure``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiaprules._text import sanitize, sanitize_lines
from kiaprules.audit.published import (
    FigureResult,
    PublishedExample,
    Reproduction,
    load_published,
    reproduce,
)
from kiaprules.errors import KiapRulesError
from kiaprules.model.money import format_money

__all__ = ["FigureNotAsExpected", "PublishedFigure", "PublishedFile", "failure_message"]


class FigureNotAsExpected(Exception):
    """A figure whose status (or known computed amount) is not the one its file expects."""


class PublishedFile(pytest.File):
    """A published-figures file: one test per figure."""

    _example: PublishedExample | None = None
    _outcome: Reproduction | KiapRulesError | None = None

    def collect(self) -> Iterator[PublishedFigure]:
        try:
            self._example = load_published(self._shown_path())
        except KiapRulesError as exc:
            # One line naming file, record and field, not a traceback.
            raise self.CollectError(str(exc)) from None
        for index, figure in enumerate(self._example.figures):
            # The label names the test, and pytest prints it: shown as every output is.
            yield PublishedFigure.from_parent(self, name=sanitize(figure.label), index=index)

    def _shown_path(self) -> str:
        """The file as errors name it: from the current directory when it is below it."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def result(self, index: int) -> FigureResult:
        """The figure's result; the whole file is computed once, by its first test."""
        if self._outcome is None:
            assert self._example is not None, "collected before it is run"
            try:
                self._outcome = reproduce([self._example])
            except KiapRulesError as exc:  # e.g. a year the ruleset does not cover
                self._outcome = exc
        if isinstance(self._outcome, KiapRulesError):
            raise self._outcome
        return self._outcome.results[index]


class PublishedFigure(pytest.Item):
    """One printed figure: passes when it comes out as its file expects."""

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index

    @property
    def file(self) -> PublishedFile:
        parent = self.parent
        assert isinstance(parent, PublishedFile)
        return parent

    def runtest(self) -> None:
        result = self.file.result(self.index)
        self.user_properties.append(("status", result.status))
        self.user_properties.append(("expected", result.figure.expect))
        if not result.as_expected:
            raise FigureNotAsExpected(failure_message(result))

    # ``style`` and the return type are pytest's TracebackStyle and
    # ``str | TerminalRepr``, which pytest does not export: Any keeps to its public API.
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, FigureNotAsExpected | KiapRulesError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"published figure {self.name}"


def failure_message(result: FigureResult) -> str:
    """What a failing figure says: expected against actual, the line, the explanation."""
    fig, example = result.figure, result.example
    lines = [f"{example.id} “{fig.label}”: {result.mismatch}",
             f"printed {format_money(fig.printed)} on the line: {fig.line}"]
    if result.explanation:
        lines.append(result.explanation)
    return sanitize_lines("\n".join(lines))
