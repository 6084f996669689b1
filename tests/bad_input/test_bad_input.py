"""Bad input, exhaustively: every malformed or hostile file is one clear error.

Three parts:

* **The corpus** (``tests/corpus/``, described by ``tests/corpus/EXPECTED.toml``):
  one file per defect, for every kind of file kiaprules reads (clusters,
  rulesets, published figures, expenses, receipts). Through the Python API
  each raises exactly one :class:`KiapRulesError` whose message is one line,
  starts with the file's path and names the expected record and field;
  through the command line each exits 2 (a tampered receipt: 1) with exactly
  one line on stderr and no traceback. Known bugs are ``xfail(strict=True)``
  with what happens instead, so a fix is noticed.
* **Very large files**: a 50 MB cluster file with one bad value at its very
  end, a large expenses file, and the size limit (``MAX_FILE_BYTES``, lowered
  for the test instead of writing 512 MB).
* **Properties**: the shipped files, mutated at random (a key deleted, a
  record duplicated, a value retyped or garbled, the file truncated), give a
  clear error or a correct result, never another exception, and never a
  number computed from half-read input; and nothing in a file is ever
  executed.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES, REPO_ROOT, SHIPPED_RULESET
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schema_check import assert_valid

import kiaprules._files
from kiaprules import (
    KiapRulesError,
    build_ledger,
    classify_expenses,
    compute_payouts,
    dumps_clusters,
    load_clusters,
    load_expense_records,
    load_published,
    load_ruleset,
    loads_clusters,
    make_receipt,
    reproduce,
    verify_receipt,
)
from kiaprules.audit.receipt import write_receipt
from kiaprules.cli import main
from kiaprules.formats.expensefile import (
    ledger_input_from_document,  # the `ledger` command's reader
)

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "EXPECTED.toml").read_text(encoding="utf-8"))["case"]
KINDS = ("clusters", "rulesets", "published", "expenses", "receipts")
EXAMPLE_EXPENSES = EXAMPLES / "koegeklyngen-expenses.toml"
PUBLISHED = sorted((REPO_ROOT / "published").glob("*.toml"))


def corpus_path(name: str) -> str:
    """A corpus file (or ``../../examples/...``) as the absolute path the tests pass in."""
    return os.path.normpath(CORPUS / name)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command line in-process: (exit status, stdout, stderr).

    Output goes to a strict UTF-8 stream, as the real stdout is (``main``
    reconfigures it so), not to a StringIO that would take any string.
    """
    capsys.readouterr()
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", errors="strict", newline="")
    try:
        status = main(argv, out=out)
    except SystemExit as exit_:  # argparse's way out
        status = exit_.code if isinstance(exit_.code, int) else 1
    with contextlib.suppress(ValueError):
        out.flush()
    captured = capsys.readouterr()
    return status, buffer.getvalue().decode("utf-8") + captured.out, captured.err


# --- the corpus ------------------------------------------------------------------------------


def _argv(case: dict[str, Any], file: str | None = None) -> list[str]:
    """The command line for ``case``; ``file`` stands in for its file (a copy)."""
    file = file or corpus_path(case["file"])
    also = [corpus_path(a) for a in case.get("also", [])]
    command = case["command"]
    receipt = ["--receipt", file] if case.get("receipt") else []
    if command == "ruleset show":
        return ["ruleset", "show", file]
    if command == "ledger":
        return ["ledger", also[0], "--expenses", file]
    if command == "payouts" and case.get("ruleset"):
        return ["payouts", *also, "--ruleset", file, *receipt]
    if command in ("check", "payouts", "reproduce"):
        return [command, file, *also, *receipt]
    return [command, file]


def _api(case: dict[str, Any], file: str | None = None) -> Any:
    """The Python API call that reads the file the way ``command`` does."""
    file = file or corpus_path(case["file"])
    also = [corpus_path(a) for a in case.get("also", [])]
    command = case["command"]
    if command == "check":
        return load_clusters([file, *also])
    if command == "payouts" and case.get("receipt"):
        # What `payouts --receipt FILE` does once it has computed: write the receipt.
        if case.get("ruleset"):
            receipt = make_receipt(load_clusters(also), file)
        else:
            receipt = make_receipt(load_clusters([file, *also]))
        return write_receipt(file, receipt, inputs=[file, *also])
    if command == "payouts":
        if case.get("ruleset"):
            return compute_payouts(load_clusters(also), load_ruleset(file))
        return compute_payouts(load_clusters([file, *also]))
    if command == "reproduce":
        return reproduce([file, *also])
    if command == "expenses":
        _, expenses = load_expense_records(file)
        return classify_expenses(expenses, load_ruleset("dk-kiap"))
    if command == "ledger":
        [cluster] = load_clusters(also[0])
        document, expenses = load_expense_records(file)
        account = ledger_input_from_document(document, file)
        return build_ledger(cluster, expenses, load_ruleset("dk-kiap"), account=account)
    if command == "verify":
        return verify_receipt(file)
    if command == "ruleset show":
        return load_ruleset(file)
    raise AssertionError(f"unknown command {command!r} in EXPECTED.toml")


def _cases(mode: str) -> list[Any]:
    params = []
    for case in EXPECTED:
        if mode == "api" and not case.get("api", True):
            continue
        marks = []
        if "xfail" in case and mode in case.get("xfail_in", ["api", "cli"]):
            marks.append(pytest.mark.xfail(strict=True, reason=case["xfail"]))
        params.append(pytest.param(case, id=case["file"], marks=marks))
    return params


def test_every_corpus_file_has_exactly_one_entry() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for kind in KINDS
                   for p in (CORPUS / kind).iterdir() if p.is_file())
    listed = [case["file"] for case in EXPECTED]
    assert sorted(listed) == files
    assert len(set(listed)) == len(listed)


def test_the_manifest_is_complete_and_consistent() -> None:
    allowed = {"file", "about", "command", "also", "ruleset", "receipt", "path", "record",
               "field", "status", "code", "contains", "xfail", "xfail_in", "api"}
    for case in EXPECTED:
        assert set(case) <= allowed, case["file"]
        assert {"file", "about", "command", "record", "field", "status"} <= set(case)
        assert case["status"] in (1, 2)
        assert case["status"] == 2 or case["command"] == "verify"
        assert ("code" in case) == (case["status"] == 2), case["file"]
        for other in case.get("also", []):
            assert Path(corpus_path(other)).is_file(), other
    # Every kind of file has each kind of defect the issue names.
    by_kind: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for case in EXPECTED:
        by_kind[case["file"].split("/")[0]].add(Path(case["file"]).stem)
    for kind, stems in by_kind.items():
        for required in ("syntax-error", "empty", "non-utf8"):
            assert required in stems, (kind, required)
    assert any(c["status"] == 1 and "tampered" in c["file"] for c in EXPECTED)


def _copy_of(case: dict[str, Any], folder: Path) -> str | None:
    """A case given as its own ``--receipt`` runs on a copy: a regression must not
    overwrite the corpus."""
    if not case.get("receipt"):
        return None
    copy = folder / Path(case["file"]).name
    copy.write_bytes(Path(corpus_path(case["file"])).read_bytes())
    return str(copy)


@pytest.mark.parametrize("case", _cases("api"))
def test_corpus_file_raises_one_error_naming_file_record_and_field(
    case: dict[str, Any], tmp_path: Path,
) -> None:
    copy = _copy_of(case, tmp_path)
    path = copy or corpus_path(case.get("path", case["file"]))
    before = Path(path).read_bytes()
    if case["status"] == 1:
        verification = _api(case)
        assert not verification.identical
        assert case.get("contains", "") in str(verification)
        return
    with pytest.raises(KiapRulesError) as info:
        _api(case, copy)
    assert Path(path).read_bytes() == before  # a refused command writes nothing
    exc = info.value
    message = str(exc)
    assert not isinstance(exc, BaseExceptionGroup)
    assert "\n" not in message
    assert message.startswith(f"{path}: ") or message == path, message
    assert exc.path == path, message
    assert exc.record == (case["record"] or None), message
    assert exc.field == (case["field"] or None), message
    assert exc.code == case["code"], message
    for part in (case["record"], case["field"], case.get("contains", "")):
        assert part in message
    json.dumps(exc.to_dict())  # the structured form is JSON-ready


@pytest.mark.parametrize("case", _cases("cli"))
def test_corpus_file_on_the_command_line_is_one_line_on_stderr(
    case: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    copy = _copy_of(case, tmp_path)
    path = copy or corpus_path(case.get("path", case["file"]))
    before = Path(path).read_bytes()
    status, out, err = run_cli(_argv(case, copy), capsys)
    assert Path(path).read_bytes() == before  # a refused command writes nothing
    assert "Traceback" not in out + err
    assert status == case["status"], err
    if status == 1:  # verify: the receipt does not recompute; that is a result, not an error
        assert err == ""
        assert out.startswith("different: ")
        assert case.get("contains", "") in out
        return
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert err.startswith(f"kiaprules: error: {path}"), err
    for part in (case["record"], case["field"], case.get("contains", "")):
        assert part in err


@pytest.mark.parametrize("case", [p for p in _cases("cli") if p.values[0]["status"] == 2
                                  and p.values[0]["command"] != "verify"])
def test_corpus_file_under_format_json_is_one_line_of_json_with_its_code(
    case: dict[str, Any], capsys: pytest.CaptureFixture[str],
) -> None:
    """With --format json the one line on stderr is the error as JSON (verify has no --format)."""
    path = corpus_path(case.get("path", case["file"]))
    status, out, err = run_cli([*_argv(case), "--format", "json"], capsys)
    assert status == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    document = json.loads(err)
    assert_valid("error", document)
    error = document["error"]
    assert error["code"] == case["code"]
    assert (error["path"], error["record"], error["field"]) == (
        path, case["record"] or None, case["field"] or None)
    assert error["message"].startswith(path)


def _first_of_each_kind() -> list[Any]:
    chosen: dict[str, dict[str, Any]] = {}
    for case in EXPECTED:
        kind = case["file"].split("/")[0]
        if kind not in chosen and "xfail" not in case and case["status"] == 2:
            chosen[kind] = case
    chosen["receipts-tampered"] = next(c for c in EXPECTED if c["status"] == 1)
    return [pytest.param(c, id=c["file"]) for c in chosen.values()]


@pytest.mark.parametrize("case", _first_of_each_kind())
def test_python_dash_m_kiaprules_on_a_corpus_file(case: dict[str, Any]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KIAPRULES_DEBUG"}
    result = subprocess.run([sys.executable, "-m", "kiaprules", *_argv(case)],
                            capture_output=True, text=True, encoding="utf-8", cwd=REPO_ROOT,
                            env=env, timeout=120, check=False)
    assert result.returncode == case["status"], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if case["status"] == 2:
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert case["field"] in result.stderr
        assert result.stdout == ""


# --- very large files -------------------------------------------------------------------------


def _big_cluster_json(path: Path, clinics: int, indent: int) -> None:
    """A valid cluster with ``clinics`` clinics, but capacities 0 in the very last one."""
    records = [{"provider_number": f"{100000 + i}", "capacities": 1 + i % 5,
                "joined": "2019-01-01", "patients": {"2019": 1000 + i}} for i in range(clinics)]
    records[-1]["capacities"] = 0
    document = {"cluster": {"name": "Storklyngen", "founded": "2019-01-01"}, "clinic": records}
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")


def test_a_50_mb_cluster_file_with_one_bad_value_at_its_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "stor.json"
    _big_cluster_json(path, clinics=100_000, indent=18)
    assert path.stat().st_size > 50_000_000
    record = "clinic[100000] (199999)"
    with pytest.raises(KiapRulesError) as info:
        load_clusters(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path), record, "capacities")
    status, out, err = run_cli(["check", str(path)], capsys)
    assert (status, out) == (2, "")
    assert err == f"kiaprules: error: {info.value}\n"


def test_a_large_expenses_file_names_its_last_record(tmp_path: Path) -> None:
    one = ('[[expense]]\nid = "E{i}"\ndate = 2024-05-{day:02d}\namount = "{amount}"\n'
           'category = "catering"\npayee = "Café"\npayee_role = "venue"\nparticipants = 12\n'
           'documentation = ["receipt"]\n\n')
    text = "".join(one.format(i=i, day=1 + i % 28, amount=f"{100 + i}.50") for i in range(20_000))
    text += one.format(i="LAST", day=1, amount="12.345")  # a fraction of an øre
    path = tmp_path / "mange.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KiapRulesError) as info:
        load_expense_records(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path), "expense[20001] (ELAST)", "amount")


def _copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


OVER_THE_LIMIT = [
    pytest.param(lambda d: _copy(EXAMPLE_CLUSTER, d / "k.toml"), load_clusters, ["check"],
                 id="cluster"),
    pytest.param(lambda d: _copy(SHIPPED_RULESET, d / "r.toml"), load_ruleset,
                 ["ruleset", "show"], id="ruleset"),
    pytest.param(lambda d: _copy(PUBLISHED[0], d / "p.toml"), load_published, ["reproduce"],
                 id="published"),
    pytest.param(lambda d: _copy(EXAMPLE_EXPENSES, d / "e.toml"), load_expense_records,
                 ["expenses"], id="expenses"),
    pytest.param(lambda d: _receipt_into(d / "r.json"), verify_receipt, ["verify"],
                 id="receipt"),
    pytest.param(lambda d: _expenses_csv_into(d / "e.csv"), load_expense_records, ["expenses"],
                 id="expenses-csv"),
]


@pytest.mark.parametrize(("make", "load", "command"), OVER_THE_LIMIT)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], Path], load: Callable[[Path], Any], command: list[str],
) -> None:
    """The limit (512 MB) lowered to 1,000 bytes, rather than writing 512 MB."""
    path = make(tmp_path)
    assert kiaprules._files.MAX_FILE_BYTES == 512 * 1024 * 1024
    small_limit = 1000
    monkeypatch.setattr(kiaprules._files, "MAX_FILE_BYTES", small_limit)
    size = path.stat().st_size
    assert size > small_limit
    with pytest.raises(KiapRulesError) as info:
        load(path)
    assert str(info.value) == (f"{path}: is {size:,} bytes; files over {small_limit:,} bytes "
                               "are refused")
    status, _, err = run_cli([*command, str(path)], capsys)
    assert status == 2
    assert err == f"kiaprules: error: {info.value}\n"


# --- the shipped files, mutated at random -------------------------------------------------------


def _receipt_into(path: Path) -> Path:
    """A receipt as the issue says: ``kiaprules payouts examples/koegeklyngen.toml --receipt``."""
    status = main(["payouts", str(EXAMPLE_CLUSTER), "--receipt", str(path)], out=io.StringIO())
    assert status == 0
    return path


def _expenses_csv_into(path: Path) -> Path:
    """The example expenses as the CSV form of an expenses file."""
    columns = ("id", "date", "amount", "category", "payee", "payee_role", "description",
               "participants", "abroad", "documentation", "hours", "hourly_rate",
               "recipient_cvr", "recipient_cpr")
    document = tomllib.loads(EXAMPLE_EXPENSES.read_text(encoding="utf-8"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in document["expense"]:
        row = {k: (";".join(v) if isinstance(v, list) else str(v)) for k, v in record.items()}
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _iso(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    """Any value as TOML, inline: floats, NaN, mixed arrays and all (tomllib reads it back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(str(k))} = {_toml_value(v)}"
                               for k, v in value.items() if v is not None) + "}"
    raise TypeError(type(value).__name__)


def toml_dumps(document: dict[str, Any]) -> str:
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in document.items()
                   if v is not None)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _retyped(value: Any) -> list[Any]:
    """The same value as another type: int ↔ str ↔ float ↔ bool ↔ list (and date ↔ str)."""
    out: list[Any] = [str(value) if not isinstance(value, (dict, list)) else json.dumps(
        value, default=_iso), [value], True, False]
    if isinstance(value, bool):
        out += [int(value), float(value)]
    elif isinstance(value, int):
        out += [float(value), -value, bool(value)]
    elif isinstance(value, float):
        out += [int(value) if math.isfinite(value) else 0]
    elif isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):
            out.append(int(text))
        with contextlib.suppress(ValueError):
            out.append(float(text))
        with contextlib.suppress(ValueError):
            out.append(dt.date.fromisoformat(text))
    elif isinstance(value, dt.date):
        out += [value.year, float(value.year), dt.datetime(value.year, value.month, value.day)]
    elif isinstance(value, list):
        out += [value[0] if value else None, {str(i): v for i, v in enumerate(value)}]
    elif isinstance(value, dict):
        out += [list(value.values()), list(value)]
    return [v for v in out if v is not None]


@st.composite
def _garbled(draw: st.DrawFn, value: Any) -> Any:
    """The value changed within its type: text edited, numbers pushed to extremes, dates moved."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.sampled_from([0, -1, -value, value + 1, 10**40, -(10**40), 2**63,
                                     value * 1000]))
    if isinstance(value, float):
        return draw(st.sampled_from([math.nan, math.inf, -value, 1e308, 0.1]))
    if isinstance(value, str):
        how = draw(st.sampled_from(["insert", "cut", "replace", "empty", "long"]))
        if how == "empty" or not value:
            return draw(st.sampled_from(["", " ", "\t"]))
        if how == "long":
            return value * 2000
        at = draw(st.integers(0, len(value)))
        if how == "insert":
            return value[:at] + draw(st.text(max_size=4)) + value[at:]
        if how == "cut":
            return value[:at]
        return draw(st.text(max_size=12))
    if isinstance(value, dt.date):
        moved = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(value.year, 1, 1)]
        for days in (-1, 400):
            with contextlib.suppress(OverflowError):
                moved.append(value + dt.timedelta(days=days))
        return draw(st.sampled_from(moved))
    if isinstance(value, list):
        return list(reversed(value)) if draw(st.booleans()) else []
    if isinstance(value, dict):
        return {}
    return value


@st.composite
def mutated_document(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """1–3 changes: delete a key, duplicate a record, retype a value or garble one."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(document))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        operation = draw(st.sampled_from(["delete", "duplicate", "retype", "garble"]))
        if operation == "delete":
            del parent[key]
        elif operation == "duplicate":
            if isinstance(parent, list):
                parent.insert(key, copy.deepcopy(parent[key]))
            elif isinstance(parent[key], list) and parent[key]:
                parent[key].append(copy.deepcopy(parent[key][-1]))
            else:
                parent[f"{key}"] = copy.deepcopy(parent[key])
        elif operation == "retype":
            parent[key] = draw(st.sampled_from(_retyped(parent[key])))
        else:
            parent[key] = draw(_garbled(parent[key]))
    return document


@st.composite
def mutated_text(draw: st.DrawFn, data: bytes) -> bytes:
    """The file's own text cut short, a line deleted or repeated, bytes inserted."""
    how = draw(st.sampled_from(["truncate", "truncate_at_line", "delete_line",
                                "duplicate_line", "insert", "non_utf8"]))
    lines = data.splitlines(keepends=True)
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "truncate_at_line":
        return b"".join(lines[: draw(st.integers(0, len(lines) - 1))])
    i = draw(st.integers(0, len(lines) - 1))
    if how == "delete_line":
        del lines[i]
    elif how == "duplicate_line":
        lines.insert(i, lines[i])
    elif how == "insert":
        at = draw(st.integers(0, len(lines[i])))
        extra = draw(st.text(max_size=6)).encode("utf-8", "surrogatepass")
        lines[i] = lines[i][:at] + extra + lines[i][at:]
    else:
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe6\xf8"])) \
            + lines[i][at:]
    return b"".join(lines)


class Base:
    """A shipped file (or its JSON/CSV form) to mutate, with how it is read and checked."""

    def __init__(self, kind: str, suffix: str, data: bytes) -> None:
        self.kind, self.suffix, self.data = kind, suffix, data

    def document(self) -> dict[str, Any] | None:
        if self.suffix == ".csv":
            return None
        text = self.data.decode("utf-8")
        return tomllib.loads(text) if self.suffix == ".toml" else json.loads(text)

    def __repr__(self) -> str:
        return f"Base({self.kind}, {self.suffix})"


def _bases() -> list[Base]:
    cluster = EXAMPLE_CLUSTER.read_bytes()
    expenses = EXAMPLE_EXPENSES.read_bytes()
    as_json = lambda data: json.dumps(tomllib.loads(data.decode()), default=_iso,  # noqa: E731
                                      ensure_ascii=False, indent=1).encode()
    folder = Path(tempfile.mkdtemp(prefix="kiaprules-bases-"))
    bases = [
        Base("clusters", ".toml", cluster),
        Base("clusters", ".json", as_json(cluster)),
        Base("expenses", ".toml", expenses),
        Base("expenses", ".json", as_json(expenses)),
        Base("expenses", ".csv", _expenses_csv_into(folder / "e.csv").read_bytes()),
        *(Base("published", ".toml", p.read_bytes()) for p in PUBLISHED),
        Base("published", ".json", as_json(PUBLISHED[0].read_bytes())),
        Base("rulesets", ".toml", SHIPPED_RULESET.read_bytes()),
        Base("receipts", ".json", _receipt_into(folder / "r.json").read_bytes()),
    ]
    return bases


BASES = _bases()
EXAMPLE_CLUSTERS = load_clusters(EXAMPLE_CLUSTER)


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[Base, bytes]:
    kind = draw(st.sampled_from(KINDS))
    base = draw(st.sampled_from([b for b in BASES if b.kind == kind]))
    document = base.document()
    if document is None or draw(st.booleans()):
        data = draw(mutated_text(base.data))
    else:
        changed = draw(mutated_document(document))
        if base.suffix == ".toml":
            data = toml_dumps(changed).encode("utf-8", "surrogatepass")
        else:
            data = json.dumps(changed, default=_iso, ensure_ascii=draw(st.booleans()),
                              indent=1).encode("utf-8", "surrogatepass")
    return base, data


def _outcome(compute: Callable[[], Any]) -> tuple[Any, ...]:
    """What a computation gives: its result, or the error it refuses with (never another)."""
    try:
        return ("ok", compute())
    except KiapRulesError as exc:
        return ("refused", type(exc).__name__, exc.reason, exc.field)


def _raw(data: bytes, suffix: str) -> Any:
    text = data.decode("utf-8").removeprefix("\ufeff")
    return tomllib.loads(text) if suffix == ".toml" else json.loads(text)


def _check_clusters(path: Path, base: Base, data: bytes) -> None:
    clusters = load_clusters(path)
    raw = _raw(data, base.suffix)
    entries = raw["clusters"] if "clusters" in raw else [{**raw["cluster"],
                                                          "clinic": raw.get("clinic", [])}]
    # Nothing half-read: every cluster and clinic of the document, with its numbers.
    assert len(clusters) == len(entries)
    records = [c for e in entries for c in e.get("clinic", [])]
    assert sum(len(c.memberships) for c in clusters) == len(records)
    assert sum(m.clinic.capacities for c in clusters for m in c.memberships) == sum(
        r["capacities"] for r in records)
    assert sum(sum(m.clinic.patients.values()) for c in clusters for m in c.memberships) == sum(
        sum(r.get("patients", {}).values()) for r in records)
    # The payouts are those of the clusters as loaded, written out and read back.
    fmt = base.suffix.lstrip(".")
    again = loads_clusters(dumps_clusters(clusters, fmt=fmt), fmt=fmt, path=str(path))
    assert again == clusters
    assert _outcome(lambda: compute_payouts(clusters).to_json()) == _outcome(
        lambda: compute_payouts(again).to_json())


def _check_expenses(path: Path, base: Base, data: bytes) -> None:
    if base.suffix == ".csv":
        try:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))
        except csv.Error:
            rows = []
        # A data row longer than the header is refused (corpus row-too-long.csv);
        # the checks below are for files that load.
        del rows
    document, expenses = load_expense_records(path)
    if base.suffix == ".csv":
        raw = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    else:
        raw = _raw(data, base.suffix).get("expense", [])
    # Nothing half-read: every record, every amount.
    assert len(expenses) == len(raw)
    assert sum(e.amount for e in expenses) == sum(
        Decimal(str(r["amount"]).strip().replace("_", "")) for r in raw)
    _outcome(lambda: classify_expenses(expenses, load_ruleset("dk-kiap")).to_json())
    if base.suffix != ".csv":
        _outcome(lambda: ledger_input_from_document(document, str(path)))


def _check_published(path: Path, base: Base, data: bytes) -> None:
    example = load_published(path)
    assert len(example.figures) == len(_raw(data, base.suffix)["figure"])
    _outcome(lambda: reproduce([example]).to_json())


def _check_rulesets(path: Path, base: Base, data: bytes) -> None:
    ruleset = load_ruleset(path)
    raw = _raw(data, base.suffix)
    for name, parameter in ruleset.parameters.items():
        assert len(parameter.values) == len(raw["parameters"][name]["values"])
    # A ruleset lacking a policy or parameter the engine needs is refused by it.
    _outcome(lambda: compute_payouts(EXAMPLE_CLUSTERS, ruleset).to_json())


def _check_receipts(path: Path, base: Base, data: bytes) -> None:
    verification = verify_receipt(path)
    assert isinstance(verification.identical, bool)


CHECKS = {"clusters": _check_clusters, "expenses": _check_expenses,
          "published": _check_published, "rulesets": _check_rulesets,
          "receipts": _check_receipts}
COMMANDS = {"clusters": lambda p: ["payouts", p], "expenses": lambda p: ["expenses", p],
            "published": lambda p: ["reproduce", p],
            "rulesets": lambda p: ["payouts", str(EXAMPLE_CLUSTER), "--ruleset", p],
            "receipts": lambda p: ["verify", p]}


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(mutated_files())
def test_a_mutated_file_gives_a_clear_error_or_a_correct_result(case: tuple[Base, bytes]) -> None:
    base, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mutated{base.suffix}"
        path.write_bytes(data)
        try:
            CHECKS[base.kind](path, base, data)
            event(f"{base.kind}{base.suffix}: read and checked")
        except KiapRulesError as exc:
            event(f"{base.kind}{base.suffix}: refused")
            message = str(exc)
            assert "\n" not in message
            assert message.startswith(str(path)) or exc.path is None, message
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(COMMANDS[base.kind](str(path)), out=io.StringIO())
        assert status in (0, 1, 2), err.getvalue()
        if status == 2:
            assert err.getvalue().startswith("kiaprules: error: "), err.getvalue()
            assert err.getvalue().count("\n") == 1, err.getvalue()


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


# --- nothing in a file is ever executed ---------------------------------------------------------

HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "$(touch {marker})",
    "`touch {marker}`",
    "; touch {marker} #",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}} {marker}",
    "!!python/object/apply:os.system ['touch {marker}']",
    "${{jndi:ldap://127.0.0.1/{marker}}}",
    '=HYPERLINK("file://{marker}")',
    "eval(compile('open(\"{marker}\", \"w\")', 'x', 'exec'))",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_loading_never_executes_anything_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str,
) -> None:
    marker = tmp_path / "pwned"
    evil = template.format(marker=marker)
    cluster = (f'[cluster]\nname = {_toml_string(evil)}\ncvr = "12345674"\n'
               f'coordinator = {_toml_string(evil)}\nfounded = 2019-01-01\n\n[[clinic]]\n'
               f'provider_number = "011111"\ncapacities = 2\njoined = 2019-01-01\n'
               f'switched_from = {_toml_string(evil)}\npatients = {{ 2019 = 100, 2020 = 110 }}\n')
    cluster_toml = tmp_path / "k.toml"
    cluster_toml.write_text(cluster, encoding="utf-8")
    cluster_json = tmp_path / "k.json"
    cluster_json.write_text(json.dumps(tomllib.loads(cluster), default=_iso), encoding="utf-8")
    for path in (cluster_toml, cluster_json):
        [loaded] = load_clusters(path)
        assert loaded.name == loaded.coordinator == loaded.memberships[0].switched_from \
            == evil.strip()
    expenses = tmp_path / "e.toml"
    expenses.write_text(
        f'[[expense]]\nid = {_toml_string(evil)}\ndate = 2024-05-01\namount = "100.00"\n'
        f'category = "catering"\npayee = {_toml_string(evil)}\npayee_role = "venue"\n'
        f'description = {_toml_string(evil)}\nparticipants = 3\ndocumentation = ["receipt"]\n',
        encoding="utf-8")
    _, [expense] = load_expense_records(expenses)
    assert expense.payee == expense.description == expense.id == evil.strip()
    ruleset = tmp_path / "r.toml"
    ruleset.write_text(SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'title = "KiAP cluster funding, Denmark (OK18 and OK22)"',
        f"title = {_toml_string(evil)}", 1), encoding="utf-8")
    assert load_ruleset(ruleset).title == evil.strip()
    published = tmp_path / "p.toml"
    published.write_text(PUBLISHED[0].read_text(encoding="utf-8").replace(
        'label = "startup grant, founding year"', f"label = {_toml_string(evil)}", 1),
        encoding="utf-8")
    assert load_published(published).figures[0].label == evil
    receipt = tmp_path / "r.json"
    commands = [["check", str(cluster_toml)], ["payouts", str(cluster_json), "--format", "csv"],
                ["payouts", str(cluster_toml), "--format", "json", "--receipt", str(receipt)],
                ["verify", str(receipt)],
                ["explain", str(cluster_toml), "--year", "2019"],
                ["expenses", str(expenses), "--format", "csv"], ["expenses", str(expenses)],
                ["ruleset", "show", str(ruleset)], ["reproduce", str(published)],
                ["payouts", str(cluster_toml), "--ruleset", str(ruleset)]]
    for argv in commands:
        status, _, err = run_cli(argv, capsys)
        assert status == 0, (argv, err)
    assert not marker.exists()
    assert not list(tmp_path.glob("*pwned*"))


def test_a_csv_with_a_byte_order_mark_loads_like_one_without(tmp_path: Path) -> None:
    plain = _expenses_csv_into(tmp_path / "plain.csv")
    marked = tmp_path / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert load_expense_records(marked)[1] == load_expense_records(plain)[1]


def test_control_characters_from_a_file_are_not_echoed_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "k.toml"
    path.write_text('[cluster]\nname = "K"\nfounded = 2019-01-01\n'
                    '"\\u001b[2J\\u001b[31mcolour" = "red"\n', encoding="utf-8")
    with pytest.raises(KiapRulesError) as info:
        load_clusters(path)
    # The structured field holds the key as shown: escaped, like the message.
    assert info.value.field == "\\x1b[2J\\x1b[31mcolour"
    status, _, err = run_cli(["check", str(path)], capsys)
    assert status == 2
    assert not [c for c in str(info.value) + err[:-1] if ord(c) < 0x20 or ord(c) == 0x7F]


def test_a_value_that_looks_like_code_where_a_number_belongs_is_refused_as_text(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "k.json"
    path.write_text(json.dumps({
        "cluster": {"name": "K", "founded": "2019-01-01"},
        "clinic": [{"provider_number": "011111", "joined": "2019-01-01",
                    "capacities": f"__import__('os').system('touch {marker}')"}]}),
        encoding="utf-8")
    with pytest.raises(KiapRulesError) as info:
        load_clusters(path)
    assert info.value.field == "capacities"
    assert not marker.exists()
