"""The kiaprules pytest plugin's hooks: published-figures files as tests.

This module is what the ``pytest11`` entry point ``pytest_kiaprules`` names,
so pytest loads it in every run of an environment where kiaprules is
installed. It stands outside the ``kiaprules`` package on purpose: importing
any module of the package runs ``kiaprules/__init__.py``, which imports the
whole public API, and that would happen at every pytest start, in every
project, before pytest-cov begins measuring. Here only the hooks live; they
import nothing of kiaprules until a file matches, and then hand it to
:mod:`kiaprules.pytest_plugin` (layer 5, beside the command line), where the
collector and the test items are.

A project names its files with the ini option ``kiaprules_published`` (glob
patterns; none by default, so nothing is collected without it)::

    [tool.pytest.ini_options]
    kiaprules_published = ["tests/published_*.toml"]

See docs/published-examples.md.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Final

import pytest

__all__ = ["INI", "SUFFIXES", "matches", "pytest_addoption", "pytest_collect_file"]

#: The ini option naming the published-figures files, as glob patterns.
INI: Final = "kiaprules_published"
#: What a published-figures file is written in (docs/published-examples.md).
SUFFIXES: Final = frozenset({".toml", ".json"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI, type="args", default=[],
        help="kiaprules: glob patterns of published-figures files to run as tests, one test "
             "per figure (a pattern with a '/' is matched against the path from the rootdir, "
             "one without against the file name); default: none")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """The file as a published-figures collector, if it is a ``.toml`` or ``.json`` file
    the ini option names; else nothing (and nothing of kiaprules is imported)."""
    if file_path.suffix not in SUFFIXES:
        return None
    patterns: list[str] = parent.config.getini(INI)
    if not patterns or not matches(file_path, patterns, parent.config.rootpath):
        return None
    # Deferred: kiaprules is imported only once a project has a file to run.
    from kiaprules.pytest_plugin import PublishedFile

    published: PublishedFile = PublishedFile.from_parent(parent, path=file_path)
    return published


def matches(path: Path, patterns: list[str], rootdir: Path) -> bool:
    """Whether ``path`` matches a pattern: one with a ``/`` against the path from
    ``rootdir`` (``/``-separated), one without against the file name.

    >>> root = Path("/project")
    >>> matches(root / "tests" / "published_ex1.toml", ["published_*.toml"], root)
    True
    >>> matches(root / "published" / "guide.toml", ["published/*.toml"], root)
    True
    >>> matches(root / "tests" / "published" / "guide.toml", ["published/*.toml"], root)
    False
    >>> matches(root / "pyproject.toml", ["published_*.toml"], root)
    False
    """
    try:
        relative = path.relative_to(rootdir).as_posix()
    except ValueError:  # outside the rootdir (a path given on the command line)
        relative = path.as_posix()
    return any(fnmatch.fnmatchcase(relative if "/" in p else path.name, p) for p in patterns)
