"""The one bounded reader (kiaprules._files.read_bytes) and what it refuses (issue #14).

Anything that is not a regular file is refused before a byte is read: a
device that never ends (/dev/zero, directly or by a symlink), a FIFO that
would wait for a writer forever, a directory. A regular file is read only up
to the limit, counted in bytes actually read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiaprules._files import read_bytes, read_document
from kiaprules.errors import InputError

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


def test_every_file_kiaprules_reads_goes_through_the_bounded_reader() -> None:
    """No other module opens a file for reading (writing receipts and outputs is apart)."""
    offenders = []
    for path in (REPO / "kiaprules").rglob("*.py"):
        if path.name == "_files.py" or "synthetic" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("read_bytes()", "read_text(", "os.stat(", "open(name", "tomllib.load("):
            if needle in text:
                offenders.append(f"{path.relative_to(REPO)}: {needle}")
        for line in text.splitlines():
            if "open(" in line and '"w"' not in line and '"wb"' not in line \
                    and "os.devnull" not in line \
                    and not line.lstrip().startswith(("#", '"', "'")):
                offenders.append(f"{path.relative_to(REPO)}: {line.strip()}")
    assert offenders == []
