"""Reading data files safely: bytes → UTF-8 → TOML or JSON → plain data.

Every failure is one :class:`InputError` naming the file. Nothing in a file is
ever executed: TOML and JSON are data formats, read by the standard library's
parsers, with JSON's non-standard constants (NaN, Infinity) refused.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any, Final

from kiaprules.errors import InputError

__all__ = ["MAX_FILE_BYTES", "check_keys", "parse_document", "read_bytes", "read_document",
           "shipped_dir", "suffix"]

#: Larger files are refused before they are read: a whole country is a few MB.
MAX_FILE_BYTES: Final = 512 * 1024 * 1024


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # rare: find the first key given twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"key {key!r} is given twice in one object")
            seen.add(key)
    return result


_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any, path: str) -> None:
    """JSON may escape half a UTF-16 pair ("\\ud800"); such text cannot be printed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InputError(f"is not valid text: a string holds half a UTF-16 "
                                 f"surrogate pair (character {exc.start})", path=path) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def shipped_dir(name: str) -> str:
    """The folder of shipped data ``name`` (``rulesets``, ``published``).

    Inside an installed wheel it sits in the package; in a source checkout
    (an editable install, the tests) it sits at the top of the repository.
    """
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, name)
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(here), name)


def suffix(path: str) -> str:
    """The suffix of the last part of ``path`` (``".toml"``), as ``pathlib`` says it.

    Without importing pathlib, which costs more than reading a country's file.

    >>> suffix("examples/denmark.json"), suffix(".toml"), suffix("a/b.tar.gz"), suffix("x.")
    ('.json', '', '.gz', '')
    """
    name = path.rstrip("/" + os.sep).replace(os.sep, "/").rpartition("/")[2]
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def parse_document(data: bytes, *, path: str, fmt: str | None = None) -> dict[str, Any]:
    """Parse ``data`` (the bytes of the file ``path``) as TOML or JSON.

    The format is ``fmt`` if given, else the file's suffix (``.toml`` or
    ``.json``). The top level must be a table/object.
    """
    fmt = fmt or suffix(path).lower().lstrip(".")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})",
                         path=path) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError("is empty", path=path)
    if fmt == "toml":
        import tomllib  # only for TOML: the bulk JSON form does without it

        try:
            document: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"is not valid TOML: {exc}", path=path) from None
        except (ValueError, RecursionError) as exc:
            # An integer of more than 4300 digits, or arrays nested too deep.
            raise InputError(f"is not valid TOML: {exc}", path=path) from None
    elif fmt == "json":
        try:
            document = json.loads(text, object_pairs_hook=_unique_pairs,
                                  parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                path=path,
            ) from None
        except (ValueError, RecursionError) as exc:
            raise InputError(f"is not valid JSON: {exc}", path=path) from None
    else:
        raise InputError("must be a .toml or .json file", path=path)
    if fmt == "json" and "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(document, path)
    if not isinstance(document, dict):
        raise InputError(f"must hold a table at the top, got {type(document).__name__}",
                         path=path)
    return document


def read_bytes(path: str | os.PathLike[str], *, what: str = "file") -> bytes:
    """The bytes of the file at ``path``, or one :class:`InputError` naming it.

    ``what`` names the kind of file when there is none: "no such ruleset file".
    """
    name = os.fspath(path)
    if "\x00" in name:  # no file has one; os.stat would raise ValueError
        raise InputError("is not a file name (it holds a NUL character)", path=name)
    try:
        size = os.stat(name).st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"is {size:,} bytes; files over {MAX_FILE_BYTES:,} bytes are refused", path=name
            )
        with open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"no such {what}", path=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=name) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path=name) from None


def read_document(path: str | os.PathLike[str], *, fmt: str | None = None) -> dict[str, Any]:
    """Read and parse the file at ``path``."""
    name = os.fspath(path)
    return parse_document(read_bytes(name), path=name, fmt=fmt)


def check_keys(
    table: Mapping[str, Any],
    *,
    allowed: set[str] | frozenset[str],
    required: set[str] | frozenset[str] = frozenset(),
    path: str | None = None,
    record: str | None = None,
    field_prefix: str | None = None,
) -> None:
    """Refuse unknown keys and missing required keys, naming the first of each."""
    if table.keys() <= allowed and table.keys() >= required:
        return  # the common case, in two set operations
    def name(key: str) -> str:
        return f"{field_prefix}.{key}" if field_prefix else key

    for key in table:
        if key not in allowed:
            raise InputError(
                f"unknown key; expected one of {', '.join(sorted(allowed))}",
                path=path, record=record, field=name(key),
            )
    for key in sorted(required):
        if key not in table:
            raise InputError("is missing", path=path, record=record, field=name(key))
