"""Reading data files safely: bytes → UTF-8 → TOML or JSON → plain data.

The one bounded reader (:func:`read_bytes`) is the only way kiaprules reads a
file: it opens without blocking, refuses anything that is not a regular file
(a directory, a device such as ``/dev/zero``, a FIFO, a socket), and stops
reading past :data:`MAX_FILE_BYTES` bytes actually read, whatever the file
claims its size is. Every failure is one :class:`InputError` naming the file.
Standard input is read by :func:`read_stdin`, bounded the same way and named
``<stdin>`` in every message.
Nothing in a file is ever executed: TOML and JSON are data formats, read by
the standard library's parsers, with JSON's non-standard constants (NaN,
Infinity) refused.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Mapping
from typing import Any, BinaryIO, Final

from kiaprules._i18n import message
from kiaprules.errors import InputError, InputTypeError

__all__ = ["MAX_FILE_BYTES", "STDIN", "check_keys", "parse_document", "path_name", "read_bytes",
           "read_document", "read_stdin", "shipped_dir", "suffix"]

#: Larger files are refused: a whole country is a few MB, 100 countries a few hundred.
MAX_FILE_BYTES: Final = 512 * 1024 * 1024
_CHUNK: Final = 1 << 20
#: The name standard input goes by in every message about what was read from it.
STDIN: Final = "<stdin>"
# Opening must not wait for a writer (a FIFO) or make a terminal ours.
_OPEN_FLAGS: Final = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                      | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


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
                                 f"surrogate pair (character {exc.start})", path=path,
                                 code="input.not_utf8") from None
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
        raise InputError(message("is not UTF-8 text (byte {at} is {byte})", at=exc.start,
                                 byte=f"{data[exc.start]:#04x}"), path=path,
                         code="input.not_utf8") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(message("is empty"), path=path, code="input.empty")
    if fmt == "toml":
        import tomllib  # only for TOML: the bulk JSON form does without it

        try:
            document: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"is not valid TOML: {exc}", path=path,
                             code="input.not_toml") from None
        except (ValueError, RecursionError) as exc:
            # An integer of more than 4300 digits, or arrays nested too deep.
            raise InputError(f"is not valid TOML: {exc}", path=path,
                             code="input.not_toml") from None
    elif fmt == "json":
        try:
            document = json.loads(text, object_pairs_hook=_unique_pairs,
                                  parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                path=path,
                code="input.not_json",
            ) from None
        except (ValueError, RecursionError) as exc:
            raise InputError(f"is not valid JSON: {exc}", path=path,
                             code="input.not_json") from None
    else:
        raise InputError(message("must be a .toml or .json file"), path=path,
                         code="input.unknown_format")
    if fmt == "json" and "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(document, path)
    if not isinstance(document, dict):
        raise InputError(f"must hold a table at the top, got {type(document).__name__}",
                         path=path, code="input.wrong_type")
    return document


def path_name(path: object, *, what: str = "file") -> str:
    """The text of a path argument (``str`` or ``os.PathLike``); anything else is refused."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise InputTypeError(f"must be the path of a {what}, got {type(path).__name__}",
                             field="path")
    try:
        name = os.fspath(path)
    except TypeError:  # a PathLike whose __fspath__ gives neither str nor bytes
        raise InputTypeError(f"must be the path of a {what}, got {type(path).__name__}",
                             field="path") from None
    return name if isinstance(name, str) else os.fsdecode(name)


def _no_such(what: str) -> str:
    """The reason for a missing file, in the words of what it was to be."""
    if what == "file":
        return message("no such file")
    if what == "ruleset file":
        return message("no such ruleset file")
    if what == "receipt":
        return message("no such receipt")
    return f"no such {what}"


def read_bytes(path: str | os.PathLike[str], *, limit: int | None = None,
               what: str = "file") -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    ``limit`` defaults to :data:`MAX_FILE_BYTES`; ``what`` names the file in
    the message for a missing one ("no such ruleset file").

    The one reader of files. Refused, each as one :class:`InputError` naming
    the file: a missing file, a directory, anything that is not a regular
    file (a device, a FIFO, a socket: they can block or never end), a file
    that cannot be read, and one with more than ``limit`` bytes, counted as
    they are read (a file whose size changes while it is read is still
    bounded).
    """
    name = path_name(path, what=what)
    limit = MAX_FILE_BYTES if limit is None else limit
    if "\x00" in name:
        raise InputError("is not a file name (it holds a NUL character)", path=name,
                         code="input.unreadable")
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except FileNotFoundError:
        raise InputError(_no_such(what), path=name, code="input.no_such_file") from None
    except IsADirectoryError:
        raise InputError(message("is a directory, not a file"), path=name,
                         code="input.unreadable") from None
    except PermissionError:
        raise InputError(message("cannot be read (permission denied)"), path=name,
                         code="input.unreadable") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot be read ({reason})", path=name, code="input.unreadable") from None
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if stat.S_ISDIR(mode):
            raise InputError(message("is a directory, not a file"), path=name,
                             code="input.unreadable")
        if not stat.S_ISREG(mode):
            raise InputError("is not a regular file (a device, a pipe or a socket); only "
                             "files are read", path=name, code="input.unreadable")
        if status.st_size > limit:  # refused at once; the reading below is bounded anyway
            raise InputError(f"is {status.st_size:,} bytes; files over {limit:,} bytes are "
                             "refused", path=name, code="input.too_large")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise InputError(f"is larger than {limit:,} bytes; larger files are refused",
                                 path=name, code="input.too_large")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path=name,
                         code="input.unreadable") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_stdin(stream: BinaryIO | None = None, *, limit: int | None = None) -> bytes:
    """The bytes of standard input (or of the binary ``stream``), at most ``limit`` of them.

    ``limit`` defaults to :data:`MAX_FILE_BYTES`, as for a file. Bytes are
    counted as they are read, a chunk at a time, and reading stops one byte
    past the limit: a pipe that never ends is refused, not read whole. Every
    failure is one :class:`InputError` whose path is ``<stdin>``.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    if stream is None:
        stdin = sys.stdin
        stream = getattr(stdin, "buffer", None) if stdin is not None else None
        if stream is None:
            raise InputError("cannot be read: the process has no standard input", path=STDIN)
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = stream.read(min(_CHUNK, limit + 1 - size))
        except (OSError, ValueError) as exc:  # a closed stream says ValueError
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InputError(f"cannot be read ({reason})", path=STDIN) from None
        if chunk is None:  # a non-blocking stream with nothing yet: not its end
            raise InputError("cannot be read without waiting (it is non-blocking)", path=STDIN)
        if not isinstance(chunk, bytes):
            raise InputTypeError(f"must be a binary stream, got {type(chunk).__name__} from it",
                                 path=STDIN)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise InputError(f"is larger than {limit:,} bytes; larger inputs are refused",
                         path=STDIN)
    return b"".join(chunks)


def read_document(path: str | os.PathLike[str], *, fmt: str | None = None) -> dict[str, Any]:
    """Read (:func:`read_bytes`) and parse the file at ``path``."""
    data = read_bytes(path)
    return parse_document(data, path=path_name(path), fmt=fmt)


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
                message("unknown key; expected one of {keys}", keys=", ".join(sorted(allowed))),
                path=path, record=record, field=name(key),
                code="input.unknown_key",
            )
    for key in sorted(required):
        if key not in table:
            raise InputError(message("is missing"), path=path, record=record, field=name(key),
                             code="input.missing")
