"""The command line streams and reads standard input (issue #16, item 5).

- ``payouts --format jsonl``: a head line, a line per cluster, the warnings
  last; put back together, the ``--format json`` output; byte-deterministic.
- ``-`` reads a cluster file or an expense file from standard input, in the
  format ``--input-format`` names (required with ``-``), through the bounded
  reader, errors naming ``<stdin>``.
- Progress on standard error only when it is a terminal and the run is long;
  nothing otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES

import kiaprules.cli.progress as progress_module
from kiaprules import dumps_clusters, load_clusters
from kiaprules.cli import main
from kiaprules.cli.progress import Progress

DENMARK = EXAMPLES / "denmark.json"
EXPENSES = EXAMPLES / "koegeklyngen-expenses.toml"


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: bytes | None = None
        ) -> tuple[int, str, str]:
    """Run the command in-process, ``stdin`` as its standard input: (status, stdout, stderr)."""
    out = io.StringIO()
    status = main(argv, out=out, stdin=None if stdin is None else io.BytesIO(stdin))
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


def reassembled(text: str) -> dict[str, Any]:
    head, *clusters, last = (json.loads(line) for line in text.splitlines())
    return {**head, "warnings": last["warnings"], "clusters": clusters}


def expense_file(folder: Path, fmt: str) -> Path:
    """The example expenses as an expense file in ``fmt``: TOML as shipped, JSON or CSV."""
    if fmt == "toml":
        return EXPENSES
    document = tomllib.loads(EXPENSES.read_text(encoding="utf-8"))
    path = folder / f"expenses.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(document, ensure_ascii=False, default=dt.date.isoformat),
                        encoding="utf-8")
        return path
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=sorted({k for r in document["expense"]
                                                       for k in r}), lineterminator="\n")
    writer.writeheader()
    for record in document["expense"]:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else str(v)
                         for k, v in record.items()})
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def child(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """``python -m kiaprules`` for real: pipes, not a terminal."""
    return subprocess.run([sys.executable, "-m", "kiaprules", *args], input=stdin,
                          capture_output=True, timeout=120, check=False)


# --- payouts --format jsonl ------------------------------------------------------------


@pytest.mark.parametrize("extra", [
    [],
    ["--years", "2021"],
    ["--years", "2019-2020", "--policy", "founding_year=pro_rata", "--policy",
     "rounding=clinic"],
    ["--set", "operating_rate@2019-2021=4.26", "--strict"],
])
def test_jsonl_put_back_together_is_the_json(extra: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    status, jsonl, err = run(["payouts", str(EXAMPLE_CLUSTER), "--format", "jsonl", *extra],
                             capsys)
    assert (status, err) == (0, "")
    _, text, _ = run(["payouts", str(EXAMPLE_CLUSTER), "--format", "json", *extra], capsys)
    assert reassembled(jsonl) == json.loads(text)
    assert list(reassembled(jsonl)) == list(json.loads(text))


def test_jsonl_of_the_country_is_its_json_line_for_line(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    _, jsonl, _ = run(["payouts", str(DENMARK), "--format", "jsonl", "--years", "2024"], capsys)
    _, text, _ = run(["payouts", str(DENMARK), "--format", "json", "--years", "2024"], capsys)
    data = json.loads(text)
    lines = jsonl.splitlines()
    assert len(lines) == 116 + 2 == data["inputs"]["clusters"] + 2
    assert [json.loads(line) for line in lines[1:-1]] == data["clusters"]
    assert reassembled(jsonl) == data


def test_jsonl_is_the_same_bytes_whatever_the_order_of_the_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for i, cluster in enumerate(load_clusters(DENMARK)[:5]):
        path = tmp_path / f"{i}.{'toml' if i % 2 else 'json'}"
        path.write_text(dumps_clusters(cluster, fmt=path.suffix[1:]), encoding="utf-8")
        files.append(str(path))
    _, forward, _ = run(["payouts", *files, "--format", "jsonl"], capsys)
    _, backward, _ = run(["payouts", *reversed(files), "--format", "jsonl"], capsys)
    assert forward == backward and forward.count("\n") == 5 + 2


def test_jsonl_has_no_compare_form(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["payouts", str(EXAMPLE_CLUSTER), "--compare", "--set",
                            "operating_rate@2019=4.26", "--format", "jsonl"], capsys)
    assert (status, out) == (2, "")
    assert err == ("kiaprules: error: --compare: has no jsonl form (a comparison is one table "
                   "of differences); use --format json, csv or table\n")


def test_jsonl_has_no_chart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    status, out, err = run(["payouts", str(EXAMPLE_CLUSTER), "--plot", str(chart), "--format",
                            "jsonl"], capsys)
    assert (status, out) == (2, "")
    assert err == ("kiaprules: error: --plot: has no jsonl form (a chart is drawn from the "
                   "whole report); use --format table, json or csv\n")
    assert not chart.exists()


def test_a_failure_midway_leaves_the_lines_before_it_and_no_warnings_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The second cluster lacks a patient count: the head and the first cluster's line are
    out, no last line follows, and the error is one line naming file, record and field."""
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"clusters": [
        {"name": "Aklyngen", "founded": "2019-01-01", "cvr": "12345674",
         "coordinator": "Anne", "clinic": [{"provider_number": "11111", "capacities": 1,
                                             "joined": "2019-01-01",
                                             "patients": {"2019": 10, "2020": 10}}]},
        {"name": "Bklyngen", "founded": "2019-01-01", "cvr": "12345674",
         "coordinator": "Anne", "clinic": [{"provider_number": "22222", "capacities": 1,
                                             "joined": "2019-01-01",
                                             "patients": {"2019": 10}}]}]}), encoding="utf-8")
    status, out, err = run(["payouts", str(path), "--format", "jsonl", "--years", "2019-2020"],
                           capsys)
    assert status == 2
    lines = out.splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["name"] == "Aklyngen"
    assert err.count("\n") == 1
    assert err.startswith(f"kiaprules: error: {path}: clusters[2] (Bklyngen): clinic[1] (22222)")
    assert "patients.2020: no group-1 patient count" in err


def test_jsonl_with_a_receipt_writes_the_receipt_last(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    receipt = tmp_path / "receipt.json"
    status, out, _ = run(["payouts", str(EXAMPLE_CLUSTER), "--format", "jsonl", "--receipt",
                          str(receipt)], capsys)
    assert status == 0
    assert json.loads(receipt.read_text(encoding="utf-8"))["result"] == reassembled(out)
    assert run(["verify", str(receipt)], capsys)[0] == 0


def test_jsonl_into_a_pipe_that_closes_early_is_not_an_error() -> None:
    """``kiaprules payouts ... --format jsonl | head -1``: the reader goes away."""
    process = subprocess.Popen([sys.executable, "-m", "kiaprules", "payouts", str(DENMARK),
                                "--format", "jsonl"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["inputs"]["clusters"] == 116
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""


# --- standard input ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_cluster_file_from_standard_input_gives_what_the_file_gives(
        fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = dumps_clusters(load_clusters(EXAMPLE_CLUSTER), fmt=fmt).encode()
    for command in (["payouts", "--format", "json"], ["payouts", "--format", "jsonl"],
                    ["national"], ["check"], ["explain", "--year", "2022"],
                    ["sweep", "--parameter", "operating_rate@2019", "--values", "4.2,4.3"]):
        from_file = run([command[0], str(EXAMPLE_CLUSTER), *command[1:]], capsys)
        from_stdin = run([command[0], "-", "--input-format", fmt, *command[1:]], capsys,
                         stdin=data)
        if command[0] == "check":  # it names the file each cluster came from
            assert from_stdin == (0, from_file[1].replace(str(EXAMPLE_CLUSTER), "<stdin>"),
                                  "")
        else:
            assert from_stdin == from_file


def test_standard_input_beside_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    country = load_clusters(DENMARK)[:3]
    (tmp_path / "a.toml").write_text(dumps_clusters(country[0]), encoding="utf-8")
    (tmp_path / "c.json").write_text(dumps_clusters(country[2], fmt="json"), encoding="utf-8")
    piped = dumps_clusters(country[1], fmt="json").encode()
    _, together, _ = run(["payouts", str(tmp_path / "a.toml"), "-", str(tmp_path / "c.json"),
                          "--input-format", "json", "--format", "jsonl"], capsys, stdin=piped)
    (tmp_path / "b.json").write_bytes(piped)
    _, files, _ = run(["payouts", *(str(tmp_path / n) for n in ("a.toml", "b.json", "c.json")),
                       "--format", "jsonl"], capsys)
    assert together == files and together.count("\n") == 3 + 2


def test_main_reads_the_stdin_it_is_given_and_not_the_process_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Untouchable(io.BytesIO):
        def read(self, n: int | None = -1) -> bytes:
            raise AssertionError("the process's standard input was read")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Untouchable()))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", "-", "--input-format", "toml"], out=out, err=err,
                stdin=io.BytesIO(EXAMPLE_CLUSTER.read_bytes())) == 0
    assert out.getvalue().startswith("<stdin>: Køgeklyngen: ok") and err.getvalue() == ""


def test_standard_input_through_a_real_pipe() -> None:
    done = child("payouts", "-", "--input-format", "toml", "--format", "jsonl",
                 stdin=EXAMPLE_CLUSTER.read_bytes())
    assert (done.returncode, done.stderr) == (0, b"")
    assert json.loads(done.stdout.splitlines()[1])["name"] == "Køgeklyngen"


@pytest.mark.parametrize("fmt", ["toml", "json", "csv"])
def test_an_expense_file_from_standard_input_gives_what_the_file_gives(
        fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = expense_file(tmp_path, fmt)
    from_file = run(["expenses", str(path), "--format", "json"], capsys)
    assert from_file[0] == 0
    from_stdin = run(["expenses", "-", "--input-format", fmt, "--format", "json"], capsys,
                     stdin=path.read_bytes())
    assert from_stdin == from_file


def test_the_ledger_reads_either_of_its_files_from_standard_input(
        capsys: pytest.CaptureFixture[str]) -> None:
    from_files = run(["ledger", str(EXAMPLE_CLUSTER), "--expenses", str(EXPENSES)], capsys)
    assert from_files[0] == 0
    assert run(["ledger", "-", "--expenses", str(EXPENSES), "--input-format", "toml"], capsys,
               stdin=EXAMPLE_CLUSTER.read_bytes()) == from_files
    assert run(["ledger", str(EXAMPLE_CLUSTER), "--expenses", "-", "--input-format", "toml"],
               capsys, stdin=EXPENSES.read_bytes()) == from_files


# Each bad use of standard input: exit 2 and one line on stderr naming <stdin> or the option.
BAD_STDIN = [
    (["payouts", "-"], b"[cluster]\n",
     "<stdin>: --input-format: is missing: standard input has no file name to tell its format "
     "by; give --input-format toml or json"),
    (["expenses", "-"], b"",
     "<stdin>: --input-format: is missing: standard input has no file name to tell its format "
     "by; give --input-format toml or json or csv"),
    (["payouts", "-", "--input-format", "toml"], b"", "<stdin>: is empty"),
    (["payouts", "-", "--input-format", "json"], b"  \n", "<stdin>: is empty"),
    (["expenses", "-", "--input-format", "csv"], b"",
     "<stdin>: is empty: the first line names the columns"),
    (["payouts", "-", "-", "--input-format", "toml"], b"",
     "<stdin>: can be read only once: give - for one input only"),
    (["ledger", "-", "--expenses", "-", "--input-format", "toml"], b"",
     "<stdin>: can be read only once: give - for one input only"),
    (["ledger", "-", "--expenses", str(EXPENSES), "--input-format", "csv"], b"",
     "<stdin>: --input-format: csv is not a format of this input; it is toml or json"),
    (["payouts", str(EXAMPLE_CLUSTER), "--input-format", "toml"], b"",
     "--input-format: names the format of standard input, and no input is -"),
    (["payouts", "-", "--input-format", "json"], b'{"cluster": {"name": "X"}}',
     "<stdin>: cluster: founded: is missing"),
    (["payouts", "-", "--input-format", "toml"], b"[cluster\n",
     "<stdin>: is not valid TOML: Expected ']' at the end of a table declaration (at line 1, "
     "column 9)"),
    (["payouts", "-", "--input-format", "json"], b"\xff", "<stdin>: is not UTF-8 text"),
    (["expenses", "-", "--input-format", "csv"], b"id,nonsense\n1,2\n",
     "<stdin>: nonsense: unknown column"),
]


@pytest.mark.parametrize(("argv", "stdin", "message"), BAD_STDIN,
                         ids=[m.split(":")[-1].strip()[:40] or m for *_, m in BAD_STDIN])
def test_bad_standard_input_is_one_line_naming_it(argv: list[str], stdin: bytes, message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(argv, capsys, stdin=stdin)
    assert (status, out) == (2, "")
    assert err.startswith(f"kiaprules: error: {message}") and err.count("\n") == 1


def test_standard_input_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The limit of files (lowered here to 1,000 bytes) bounds standard input too."""
    monkeypatch.setattr("kiaprules._files.MAX_FILE_BYTES", 1_000)
    data = EXAMPLE_CLUSTER.read_bytes()
    assert len(data) > 1_000
    for argv in (["payouts", "-", "--input-format", "toml"],
                 ["expenses", "-", "--input-format", "toml"]):
        status, out, err = run(argv, capsys, stdin=data)
        assert (status, out) == (2, "")
        assert err == ("kiaprules: error: <stdin>: is larger than 1,000 bytes; larger inputs "
                       "are refused\n")


def test_a_cluster_format_that_is_not_one_is_a_usage_error(capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    status, _, err = run(["payouts", "-", "--input-format", "csv"], capsys, stdin=b"")
    assert status == 2 and "invalid choice: 'csv'" in err and err.count("\n") == 1


def test_no_standard_input_at_all_is_one_line() -> None:
    """Standard input closed (``<&-``): one line, exit 2."""
    done = subprocess.run([sys.executable, "-m", "kiaprules", "payouts", "-", "--input-format",
                           "toml"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 2 and done.stderr == b"kiaprules: error: <stdin>: is empty\n"
    closed = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(0); sys.stdin = None; "
         "from kiaprules.cli import main; sys.exit(main(['payouts', '-', '--input-format', "
         "'toml']))"], capture_output=True, timeout=60, check=False)
    assert closed.returncode == 2
    assert closed.stderr == (b"kiaprules: error: <stdin>: cannot be read: the process has no "
                             b"standard input\n")


# --- progress ---------------------------------------------------------------------------


class Terminal(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_progress_when_standard_error_is_not_a_terminal(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_module, "AFTER", 0.0)
    monkeypatch.setattr(progress_module, "EVERY", 0.0)
    status, _, err = run(["payouts", str(DENMARK), "--format", "jsonl"], capsys)
    assert (status, err) == (0, "")
    done = child("payouts", str(DENMARK), "--format", "jsonl")
    assert (done.returncode, done.stderr) == (0, b"")


def test_progress_on_a_terminal_counts_clusters_and_is_wiped_at_the_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "AFTER", 0.0)
    monkeypatch.setattr(progress_module, "EVERY", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = io.StringIO()
    assert main(["payouts", str(DENMARK), "--format", "jsonl"], out=out) == 0
    shown = terminal.getvalue()
    updates = shown.split("\r")[1:-2]
    assert updates[0].rstrip() == "kiaprules: 0 of 116 clusters"
    assert updates[-1].rstrip() == "kiaprules: 116 of 116 clusters"
    assert shown.endswith("\r" + " " * len("kiaprules: 116 of 116 clusters") + "\r")
    assert "\n" not in shown


def test_progress_is_wiped_before_an_error_line(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(progress_module, "AFTER", 0.0)
    path = tmp_path / "one.toml"  # no patient count for 2019
    path.write_text('[cluster]\nname = "A"\nfounded = 2019-01-01\n[[clinic]]\n'
                    'provider_number = "11111"\ncapacities = 1\njoined = 2019-01-01\n',
                    encoding="utf-8")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["payouts", str(path), "--format", "jsonl"], out=io.StringIO()) == 2
    shown = terminal.getvalue()
    shown_before, _, error = shown.rpartition("\r")
    assert shown_before.startswith("\rkiaprules: 0 of 1 clusters\r")
    assert error.startswith("kiaprules: error: ") and error.count("\n") == 1
    assert "patients.2019: no group-1 patient count" in error


def test_progress_waits_for_a_long_run_and_updates_at_most_so_often() -> None:
    now = [100.0]
    terminal = Terminal()
    progress = Progress(1000, terminal, started=99.0, after=2.0, every=0.5,
                        clock=lambda: now[0])
    progress.update(10)  # 1 s into the run: not yet
    assert terminal.getvalue() == ""
    now[0] = 101.0
    progress.update(20)
    now[0] = 101.2
    progress.update(30)  # too soon after the last
    now[0] = 101.5
    progress.update(1000)
    assert terminal.getvalue() == ("\rkiaprules: 20 of 1,000 clusters"
                                   "\rkiaprules: 1,000 of 1,000 clusters")
    progress.clear()
    assert terminal.getvalue().endswith("\r" + " " * len("kiaprules: 1,000 of 1,000 clusters")
                                        + "\r")
    progress.clear()  # once only
    assert terminal.getvalue().count("\r") == 4


def test_progress_never_writes_to_what_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(5, stream, after=0.0, every=0.0)
    for i in range(6):
        progress.update(i)
    progress.clear()
    assert stream.getvalue() == ""
    assert Progress(5, None, after=0.0).stream is None

    class Broken(io.StringIO):
        def isatty(self) -> bool:
            raise ValueError("I/O operation on closed file")

    assert Progress(5, Broken(), after=0.0).stream is None


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="a system with pseudo-terminals")
def test_a_short_run_on_a_real_terminal_shows_no_progress() -> None:
    """On a terminal, a run shorter than two seconds writes nothing to standard error."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "kiaprules", "payouts",
                               str(EXAMPLE_CLUSTER), "--format", "jsonl"],
                              stdout=subprocess.DEVNULL, stderr=follower, timeout=60,
                              check=False)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 1024)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0 and shown == b""
