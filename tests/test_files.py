"""The one bounded reader (kiaprules._files.read_bytes) and what it refuses (issue #14).

Anything that is not a regular file is refused before a byte is read: a
device that never ends (/dev/zero, directly or by a symlink), a FIFO that
would wait for a writer forever, a directory. A regular file is read only up
to the limit, counted in bytes actually read. Standard input (issue #16) is
read by ``read_stdin``, bounded the same way; no other module reads it.
"""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiaprules._files import read_bytes, read_document, read_stdin
from kiaprules.errors import InputError, InputTypeError

REPO = Path(__file__).resolve().parents[1]
KOEGE = REPO / "examples" / "koegeklyngen.toml"

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                 reason="a POSIX system with /dev/zero and FIFOs")


@needs_posix
def test_a_device_is_refused_directly_and_by_a_symlink(tmp_path: Path) -> None:
    link = tmp_path / "clusters.toml"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", link):
        with pytest.raises(InputError, match="is not a regular file") as info:
            read_bytes(path)
        assert info.value.path == str(path)


@needs_posix
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "clusters.toml"
    os.mkfifo(fifo)
    # In a child process, so that a reader that waits cannot hang the suite.
    child = subprocess.run(
        [sys.executable, "-m", "kiaprules", "payouts", str(fifo)],
        capture_output=True, text=True, timeout=60)
    assert child.returncode == 2
    assert child.stderr.count("\n") == 1
    assert "is not a regular file" in child.stderr


@needs_posix
@pytest.mark.parametrize("argv", [
    ["payouts", "/dev/zero"],
    ["payouts", "{koege}", "--ruleset", "/dev/zero"],
    ["expenses", "/dev/zero.csv"],
    ["check", "{zero_link}"],
])
def test_the_command_line_refuses_a_device_at_once_with_exit_2(
        argv: list[str], tmp_path: Path) -> None:
    zero_link = tmp_path / "link.toml"
    zero_link.symlink_to("/dev/zero")
    csv_link = tmp_path / "zero.csv"
    csv_link.symlink_to("/dev/zero")
    args = [a.format(koege=KOEGE, zero_link=zero_link).replace("/dev/zero.csv", str(csv_link))
            for a in argv]
    child = subprocess.run([sys.executable, "-m", "kiaprules", *args],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 2, child.stderr
    assert child.stderr.startswith("kiaprules: error: ") and child.stderr.count("\n") == 1


def test_a_directory_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_bytes(tmp_path / "missing.toml")


def test_a_nul_in_a_file_name_is_refused_as_bad_input() -> None:
    with pytest.raises(InputError, match="NUL"):
        read_document("a\x00.toml")


@given(size=st.integers(0, 3000), limit=st.integers(1, 2000))
def test_a_file_is_read_whole_up_to_the_limit_and_refused_past_it(
        size: int, limit: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("bounded") / "data.bin"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    if size <= limit:
        assert read_bytes(path, limit=limit) == data
    else:
        with pytest.raises(InputError) as info:
            read_bytes(path, limit=limit)
        assert info.value.reason == f"is {size:,} bytes; files over {limit:,} bytes are refused"


def test_a_file_that_grows_while_it_is_read_is_still_bounded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size the file claims is not trusted: the bytes read are counted."""
    path = tmp_path / "growing.toml"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def lying_fstat(fd: int) -> os.stat_result:
        result = real_fstat(fd)
        return os.stat_result((result.st_mode, *result[1:6], 0, *result[7:]))  # size 0

    monkeypatch.setattr(os, "fstat", lying_fstat)
    with pytest.raises(InputError, match="larger than 5 bytes"):
        read_bytes(path, limit=5)


def _reads(call: ast.Call) -> bool:
    """Whether a call of ``open`` or ``os.open`` opens for reading."""
    name = ast.unparse(call.func)
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "mode"), None)
        text = ast.unparse(mode) if mode is not None else "'r'"
        return not any(letter in text for letter in "wax")
    if name == "os.open":
        flags = ast.unparse(call.args[1]) if len(call.args) > 1 else ""
        return not any(flag in flags for flag in ("O_WRONLY", "O_RDWR", "O_CREAT", "flags"))
    return name.endswith((".read_text", ".read_bytes", "tomllib.load", "json.load"))


def test_every_file_kiaprules_reads_goes_through_the_bounded_reader() -> None:
    """No other module opens a file for reading (writing receipts and outputs is apart)."""
    offenders = []
    for path in (REPO / "kiaprules").rglob("*.py"):
        if path.name == "_files.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}"
                      for node in ast.walk(tree)
                      if isinstance(node, ast.Call) and _reads(node)]
    assert offenders == []


def test_the_reader_check_finds_a_read() -> None:
    calls = [ast.parse(code).body[0].value for code in (  # type: ignore[attr-defined]
        "open(name)", "open(name, 'rb')", "os.open(name, os.O_RDONLY)", "Path(p).read_text()")]
    assert all(_reads(call) for call in calls)
    writes = [ast.parse(code).body[0].value for code in (  # type: ignore[attr-defined]
        "open(name, 'w')", "os.open(t, os.O_WRONLY | os.O_CREAT)")]
    assert not any(_reads(call) for call in writes)


# --- standard input ------------------------------------------------------------------


@given(size=st.integers(0, 3000), limit=st.integers(0, 2000), chunk=st.integers(1, 700))
def test_standard_input_is_read_whole_up_to_the_limit_and_refused_past_it(
        size: int, limit: int, chunk: int) -> None:
    data = bytes(i % 251 for i in range(size))

    class Pipe(io.RawIOBase):
        """A pipe: at most ``chunk`` bytes a read, whatever was asked for."""

        def __init__(self) -> None:
            self.rest = data

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            taken, self.rest = self.rest[:min(n, chunk)], self.rest[min(n, chunk):]
            return taken

    if size <= limit:
        assert read_stdin(Pipe(), limit=limit) == data  # type: ignore[arg-type]
    else:
        with pytest.raises(InputError) as info:
            read_stdin(Pipe(), limit=limit)  # type: ignore[arg-type]
        assert str(info.value) == (f"<stdin>: is larger than {limit:,} bytes; larger inputs "
                                   "are refused")


def test_standard_input_that_never_ends_is_refused_after_the_limit() -> None:
    """Bytes are counted as they are read: one past the limit, and no more, is read."""

    class Endless(io.RawIOBase):
        taken = 0

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            self.taken += n
            return b"x" * n

    endless = Endless()
    with pytest.raises(InputError, match="larger than 5,000,000 bytes"):
        read_stdin(endless, limit=5_000_000)  # type: ignore[arg-type]
    assert endless.taken == 5_000_001


def test_the_limit_of_standard_input_is_the_limit_of_files(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiaprules._files.MAX_FILE_BYTES", 10)
    assert read_stdin(io.BytesIO(b"x" * 10)) == b"x" * 10
    with pytest.raises(InputError, match="larger than 10 bytes"):
        read_stdin(io.BytesIO(b"x" * 11))


def test_standard_input_that_cannot_be_read_is_one_error_naming_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    closed = io.BytesIO(b"[cluster]")
    closed.close()
    with pytest.raises(InputError, match=r"^<stdin>: cannot be read"):
        read_stdin(closed)
    with pytest.raises(InputTypeError, match=r"^<stdin>: must be a binary stream, got str"):
        read_stdin(io.StringIO("[cluster]"))  # type: ignore[arg-type]

    class Waiting(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> None:
            return None  # what a non-blocking stream says when nothing has come yet

    with pytest.raises(InputError, match=r"^<stdin>: cannot be read without waiting"):
        read_stdin(Waiting())  # type: ignore[arg-type]
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(InputError, match=r"^<stdin>: cannot be read: the process has no "):
        read_stdin()


def test_standard_input_is_read_by_the_bounded_reader_only() -> None:
    """No module but kiaprules/_files.py touches sys.stdin: the command line hands a
    stream (or None) to read_stdin, which counts every byte."""
    offenders = []
    for path in (REPO / "kiaprules").rglob("*.py"):
        if path.name == "_files.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}"
                      for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr in ("stdin", "__stdin__")
                      and ast.unparse(node.value) == "sys"]
    assert offenders == []
