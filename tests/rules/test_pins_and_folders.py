"""Pinned rulesets (``dk-kiap@sha256:…``) and more folders of rulesets (``KIAPRULES_RULESETS``).

A pin refuses a ruleset whose fingerprint is not the pinned one, naming the
field ``ruleset`` and both fingerprints, by id or by path, in Python and on
the command line. ``KIAPRULES_RULESETS`` adds folders where an id is looked
up, read when it is used; an id found in two places (a shipped one among
them) is refused, never shadowed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER, SHIPPED_RULESET
from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import (
    InputError,
    InputTypeError,
    RulesetError,
    available_rulesets,
    compute_payouts,
    load_clusters,
    load_ruleset,
    make_receipt,
    verify_receipt,
)
from kiaprules.audit.receipt import write_receipt
from kiaprules.cli import main
from kiaprules.rules.loader import ruleset_by_id, ruleset_file, ruleset_folders, split_pin

RULESET = load_ruleset("dk-kiap")
PIN = RULESET.fingerprint
OTHER_PIN = "sha256:" + "0" * 64


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(list(argv), out=out)
    return status, out.getvalue(), err.getvalue()


def _ruleset_text(ruleset_id: str, rate: str = "4.33") -> str:
    """The shipped ruleset's file with another id (and, if asked, another 2018 rate)."""
    return SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'id = "dk-kiap"', f'id = "{ruleset_id}"', 1).replace('value = "4.33"',
                                                           f'value = "{rate}"', 1)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of rulesets named by KIAPRULES_RULESETS, holding ``mine``."""
    rulesets = tmp_path / "rulesets"
    rulesets.mkdir()
    (rulesets / "mine.toml").write_text(_ruleset_text("mine"), encoding="utf-8")
    monkeypatch.setenv("KIAPRULES_RULESETS", str(rulesets))
    return rulesets


# --- pins ------------------------------------------------------------------------------------


def test_a_pinned_id_with_its_fingerprint_loads_the_ruleset() -> None:
    assert load_ruleset(f"dk-kiap@{PIN}") is RULESET
    assert load_ruleset(f"dk-kiap@{PIN.upper().replace('SHA256', 'sha256')}") is RULESET
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), f"dk-kiap@{PIN}", years=[2018])
    assert report.fingerprint == PIN


def test_a_pinned_id_with_another_fingerprint_is_refused_naming_both() -> None:
    with pytest.raises(InputError) as info:
        load_ruleset(f"dk-kiap@{OTHER_PIN}")
    assert (info.value.path, info.value.record, info.value.field) == (None, None, "ruleset")
    assert str(info.value) == (f"ruleset: 'dk-kiap' has fingerprint {PIN}, not the pinned "
                               f"{OTHER_PIN}")
    with pytest.raises(InputError, match="not the pinned"):
        compute_payouts(load_clusters(EXAMPLE_CLUSTER), ruleset=f"dk-kiap@{OTHER_PIN}")


def test_a_pinned_path_is_checked_and_named(tmp_path: Path) -> None:
    path = tmp_path / "changed.toml"
    path.write_text(_ruleset_text("dk-kiap", "4.34"), encoding="utf-8")
    changed = load_ruleset(path)
    assert load_ruleset(f"{path}@{changed.fingerprint}") is changed
    # The file changed under its pin: the shipped figures were pinned.
    with pytest.raises(InputError) as info:
        load_ruleset(Path(f"{path}@{PIN}"))
    assert (info.value.path, info.value.field) == (str(path), "ruleset")
    assert str(info.value) == (f"{path}: ruleset: has fingerprint {changed.fingerprint}, not "
                               f"the pinned {PIN}")
    assert ruleset_file(f"{path}@{PIN}") == str(path)


@pytest.mark.parametrize("text", ["dk-kiap@sha256:", "dk-kiap@sha256:1234",
                                  "dk-kiap@sha256:" + "g" * 64, "@sha256:" + "0" * 64,
                                  "dk-kiap@sha256:" + "0" * 65, "x.toml@sha256: " + "0" * 64])
def test_a_malformed_pin_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(InputError) as info:
        load_ruleset(text)
    assert info.value.field == "ruleset"
    assert info.value.reason.startswith("a pinned ruleset is ID@sha256: or PATH@sha256: and "
                                        "the 64 hexadecimal digits of its fingerprint")


@given(st.text("0123456789abcdefABCDEF", min_size=64, max_size=64))
@example(PIN.removeprefix("sha256:"))
@example(PIN.removeprefix("sha256:").upper())
def test_a_pin_loads_exactly_the_ruleset_of_that_fingerprint(digits: str) -> None:
    assert split_pin(f"dk-kiap@sha256:{digits}") == ("dk-kiap", f"sha256:{digits.lower()}")
    if f"sha256:{digits.lower()}" == PIN:
        assert load_ruleset(f"dk-kiap@sha256:{digits}") is RULESET
    else:
        with pytest.raises(InputError, match=f"has fingerprint {PIN}, not the pinned"):
            load_ruleset(f"dk-kiap@sha256:{digits}")


def test_the_command_line_refuses_a_pin_that_does_not_hold(tmp_path: Path) -> None:
    status, out, err = _cli("payouts", str(EXAMPLE_CLUSTER), "--ruleset",
                            f"dk-kiap@{OTHER_PIN}")
    assert (status, out) == (2, "")
    assert err == (f"kiaprules: error: ruleset: 'dk-kiap' has fingerprint {PIN}, not the "
                   f"pinned {OTHER_PIN}\n")
    status, out, _ = _cli("ruleset", "show", f"dk-kiap@{PIN}", "--format", "json")
    assert status == 0 and json.loads(out)["fingerprint"] == PIN


def test_a_receipt_of_a_pinned_computation_verifies_and_is_never_written_over_the_ruleset(
    tmp_path: Path,
) -> None:
    receipt = tmp_path / "receipt.json"
    status, _, err = _cli("payouts", str(EXAMPLE_CLUSTER), "--years", "2018-2019", "--ruleset",
                          f"dk-kiap@{PIN}", "--receipt", str(receipt))
    assert (status, err) == (0, "")
    assert json.loads(receipt.read_text(encoding="utf-8"))["ruleset"]["fingerprint"] == PIN
    assert _cli("verify", str(receipt)) == (0, "identical\n", "")
    ruleset = tmp_path / "r.toml"
    ruleset.write_text(SHIPPED_RULESET.read_text(encoding="utf-8"), encoding="utf-8")
    status, _, err = _cli("payouts", str(EXAMPLE_CLUSTER), "--ruleset", f"{ruleset}@{PIN}",
                          "--receipt", str(ruleset))
    assert status == 2 and "is one of the computation's inputs" in err


def test_a_ruleset_of_another_type_is_refused_as_a_type_error() -> None:
    with pytest.raises(InputTypeError) as info:
        load_ruleset(5)  # type: ignore[arg-type]
    assert info.value.field == "ruleset"


# --- KIAPRULES_RULESETS ----------------------------------------------------------------------


def test_an_id_is_looked_up_in_the_folders_of_the_variable(folder: Path) -> None:
    mine = load_ruleset("mine")
    assert (mine.id, mine.source) == ("mine", str(folder / "mine.toml"))
    assert load_ruleset(f"mine@{mine.fingerprint}") is mine
    assert [r.id for r in available_rulesets()] == ["dk-kiap", "mine"]
    assert ruleset_by_id("mine") == mine
    assert ruleset_folders() == [str(SHIPPED_RULESET.parent), str(folder)]


def test_the_variable_is_read_when_it_is_used(folder: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_ruleset("mine").id == "mine"
    monkeypatch.delenv("KIAPRULES_RULESETS")
    with pytest.raises(InputError) as info:
        load_ruleset("mine")
    assert str(info.value) == ("ruleset: no shipped ruleset 'mine'; shipped: dk-kiap (or "
                               "give a path)")
    assert [r.id for r in available_rulesets()] == ["dk-kiap"]
    monkeypatch.setenv("KIAPRULES_RULESETS", str(folder))
    with pytest.raises(InputError) as info:
        load_ruleset("theirs")
    assert str(info.value) == ("ruleset: no ruleset 'theirs', shipped or in "
                               "KIAPRULES_RULESETS; known: dk-kiap, mine (or give a path)")


def test_empty_entries_and_a_folder_given_twice_count_once(folder: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          ) -> None:
    monkeypatch.setenv("KIAPRULES_RULESETS", os.pathsep.join(
        ["", str(folder), str(SHIPPED_RULESET.parent), str(folder) + os.sep, " "]))
    assert ruleset_folders() == [str(SHIPPED_RULESET.parent), str(folder)]
    assert [r.id for r in available_rulesets()] == ["dk-kiap", "mine"]


def test_an_entry_that_is_not_a_folder_is_refused_naming_it(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    absent = tmp_path / "absent"
    monkeypatch.setenv("KIAPRULES_RULESETS", str(absent))
    with pytest.raises(InputError) as info:
        load_ruleset("dk-kiap")
    assert info.value.field == "KIAPRULES_RULESETS"
    assert str(absent) in info.value.reason
    # A path is a path: the folders are not consulted.
    assert load_ruleset(SHIPPED_RULESET).id == "dk-kiap"
    status, _, err = _cli("rulesets")
    assert status == 2 and err.startswith("kiaprules: error: KIAPRULES_RULESETS: ")


def test_a_folder_that_cannot_be_listed_is_refused_naming_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    listdir = os.listdir

    def refuse(path: str) -> list[str]:
        if os.path.realpath(path) == os.path.realpath(folder):
            raise PermissionError(13, "Permission denied", path)
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refuse)
    with pytest.raises(InputError) as info:
        available_rulesets()
    assert info.value.field == "KIAPRULES_RULESETS"
    assert info.value.reason == f"{str(folder)!r} cannot be read (Permission denied)"


def test_a_shipped_id_is_never_shadowed(folder: Path) -> None:
    copy = folder / "dk-kiap.toml"
    copy.write_text(_ruleset_text("dk-kiap", "4.34"), encoding="utf-8")
    message = (f"ruleset: ruleset id 'dk-kiap' is in two places, {SHIPPED_RULESET} and "
               f"{copy}; an id must name one ruleset (rename one, or give a path)")
    for call in (lambda: load_ruleset("dk-kiap"), available_rulesets,
                 lambda: ruleset_by_id("dk-kiap")):
        with pytest.raises(InputError) as info:
            call()
        assert str(info.value) == message
    # Either file is still there to be named by its path.
    assert load_ruleset(copy).fingerprint != PIN
    status, out, err = _cli("payouts", str(EXAMPLE_CLUSTER))
    assert (status, out, err) == (2, "", f"kiaprules: error: {message}\n")


def test_an_id_in_two_added_folders_is_refused(folder: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    second = tmp_path / "second"
    second.mkdir()
    (second / "mine.toml").write_text(_ruleset_text("mine"), encoding="utf-8")
    monkeypatch.setenv("KIAPRULES_RULESETS", os.pathsep.join([str(folder), str(second)]))
    with pytest.raises(InputError, match="ruleset id 'mine' is in two places"):
        load_ruleset("mine")


def test_a_file_found_by_an_id_must_hold_that_ruleset(folder: Path) -> None:
    (folder / "yours.toml").write_text(_ruleset_text("theirs"), encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        load_ruleset("yours")
    assert (info.value.path, info.value.field) == (str(folder / "yours.toml"), "ruleset.id")
    assert info.value.reason == ("is 'theirs', but the file is named yours.toml; a ruleset "
                                 "found by its id must hold the ruleset of that id")


def test_the_rulesets_command_lists_the_folders_rulesets(folder: Path) -> None:
    status, out, err = _cli("rulesets", "--format", "json")
    assert (status, err) == (0, "")
    assert [(e["id"], e["source"]) for e in json.loads(out)] == [
        ("dk-kiap", "shipped"), ("mine", str(folder / "mine.toml"))]
    status, out, _ = _cli("rulesets")
    assert status == 0
    [mine] = [line for line in out.splitlines() if line.startswith("mine")]
    assert str(folder / "mine.toml") in mine and load_ruleset("mine").fingerprint in mine


def test_a_receipt_names_the_folders_ruleset_that_changed(folder: Path, tmp_path: Path) -> None:
    """verify compares the receipt's ruleset with the one its id names now, wherever it is."""
    receipt = make_receipt(load_clusters(EXAMPLE_CLUSTER), "mine", years=[2018])
    path = tmp_path / "receipt.json"
    write_receipt(path, receipt)
    assert str(verify_receipt(path)) == "identical"
    (folder / "mine.toml").write_text(_ruleset_text("mine", "4.40"), encoding="utf-8")
    verification = verify_receipt(path)
    assert verification.identical
    assert str(verification).splitlines()[0] == (
        "identical under the ruleset it was made with; mine (now "
        f"{folder / 'mine.toml'}) has changed: operating_rate 2018 4.33 → 4.40")
