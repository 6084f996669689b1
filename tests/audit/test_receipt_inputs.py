"""Receipts that prove their inputs, and old receipts after a ruleset update (issue #16).

``verify --inputs FILE...`` says whether the receipt was computed from
exactly these cluster files, by the canonical fingerprint the receipt
stores, and names each cluster missing, extra or changed with its file.
``verify`` recomputes under the ruleset embedded in the receipt; when the
ruleset of that id shipped now differs, that is said apart from the verdict
("identical under the ruleset it was made with; the shipped dk-kiap has
changed: operating_rate 2022 1.12 → 1.10"). A receipt given as data verifies
as its file does.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_CLUSTER, SHIPPED_RULESET
from conftest import run_cli_words as _cli
from hypothesis import given, settings
from hypothesis import strategies as st

import kiaprules.rules.loader
from kiaprules import (
    Cluster,
    InputError,
    InputTypeError,
    dumps_clusters,
    load_clusters,
    load_ruleset,
    loads_clusters,
    make_receipt,
    verify_receipt,
    write_receipt,
)

RULESET = load_ruleset("dk-kiap")
KOEGE = load_clusters(EXAMPLE_CLUSTER)

NORD = """\
[cluster]
name = "Nordklyngen"
founded = 2019-03-01

[[clinic]]
provider_number = "099999"
capacities = 2
joined = 2019-03-01
[clinic.patients]
2019 = 2000
2020 = 2010
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Two cluster files and a receipt computed from both."""
    koege, nord = tmp_path / "koege.toml", tmp_path / "nord.toml"
    koege.write_text(EXAMPLE_CLUSTER.read_text(encoding="utf-8"), encoding="utf-8")
    nord.write_text(NORD, encoding="utf-8")
    receipt = tmp_path / "receipt.json"
    status, _, err = _cli("payouts", koege, nord, "--years", "2019-2020", "--receipt", receipt)
    assert (status, err) == (0, "")
    return {"koege": koege, "nord": nord, "receipt": receipt}


# --- verify --inputs ---------------------------------------------------------------------------


def test_the_files_it_was_computed_from_are_its_inputs(files: dict[str, Path]) -> None:
    status, out, err = _cli("verify", files["receipt"], "--inputs", files["nord"],
                            files["koege"])
    assert (status, err) == (0, "")
    assert out == "identical\ninputs: the files hold exactly the receipt's inputs\n"
    verification = verify_receipt(files["receipt"], inputs=[files["koege"], files["nord"]])
    assert (verification.identical, verification.inputs_checked, verification.inputs) == (
        True, True, ())


def test_the_same_clusters_written_another_way_are_the_same_inputs(
    files: dict[str, Path], tmp_path: Path,
) -> None:
    """The fingerprint is of the canonical form: TOML or JSON, one file or two, any order."""
    both = tmp_path / "both.json"
    both.write_text(dumps_clusters(list(reversed(load_clusters([files["koege"],
                                                                files["nord"]]))), fmt="json"),
                    encoding="utf-8")
    assert _cli("verify", files["receipt"], "--inputs", both)[0] == 0


def test_a_changed_file_is_named_with_its_cluster_and_the_change(
    files: dict[str, Path],
) -> None:
    koege = files["koege"]
    koege.write_text(koege.read_text(encoding="utf-8").replace("2019 = 3150", "2019 = 3151"),
                     encoding="utf-8")
    status, out, err = _cli("verify", files["receipt"], "--inputs", koege, files["nord"])
    assert (status, err) == (1, "")
    assert out == (
        "different: inputs: the files are not the receipt's inputs (1 cluster differs)\n"
        f"  {koege}: cluster 'Køgeklyngen': changed: clinic 012345 (joined 2018-09-12): "
        "patients.2019: receipt 3150, file 3151\n")


def test_a_missing_and_an_extra_cluster_are_named(files: dict[str, Path],
                                                  tmp_path: Path) -> None:
    other = tmp_path / "syd.toml"
    other.write_text(NORD.replace("Nordklyngen", "Sydklyngen"), encoding="utf-8")
    verification = verify_receipt(files["receipt"], inputs=[files["koege"], other])
    assert not verification.identical
    assert verification.difference == ("inputs: the files are not the receipt's inputs (2 "
                                       "clusters differ)")
    assert verification.inputs == (
        "cluster 'Nordklyngen': in the receipt, in none of the files (missing)",
        f"{other}: cluster 'Sydklyngen': not in the receipt (extra)")


@pytest.mark.parametrize(("edit", "detail"), [
    (lambda t: t.replace('coordinator = "Anne Jensen"', 'coordinator = "Anne Jensen-Lund"'),
     'cluster.coordinator: receipt "Anne Jensen", file "Anne Jensen-Lund"'),
    (lambda t: t.replace('provider_number = "012345"\ncapacities = 2',
                         'provider_number = "012345"\ncapacities = 3'),
     "clinic 012345 (joined 2018-09-12): capacities: receipt 2, file 3"),
    (lambda t: t.replace('provider_number = "012345"', 'provider_number = "012346"'),
     "clinic 012345 (joined 2018-09-12): in the receipt, not in the file"),
])
def test_each_kind_of_change_is_named(files: dict[str, Path], edit: Any, detail: str) -> None:
    koege = files["koege"]
    koege.write_text(edit(koege.read_text(encoding="utf-8")), encoding="utf-8")
    verification = verify_receipt(files["receipt"], inputs=[koege, files["nord"]])
    assert verification.inputs == (f"{koege}: cluster 'Køgeklyngen': changed: {detail}",)


def test_an_input_file_that_cannot_be_read_is_bad_input(files: dict[str, Path],
                                                        tmp_path: Path) -> None:
    status, out, err = _cli("verify", files["receipt"], "--inputs", tmp_path / "absent.toml")
    assert (status, out) == (2, "")
    assert err.startswith("kiaprules: error: ") and err.count("\n") == 1
    # Two files holding one cluster: refused as when computing.
    status, _, err = _cli("verify", files["receipt"], "--inputs", files["koege"],
                          files["koege"])
    assert status == 2 and "names identify clusters" in err


def test_a_receipt_that_differs_and_inputs_that_differ_are_both_said(
    files: dict[str, Path],
) -> None:
    receipt = json.loads(files["receipt"].read_text(encoding="utf-8"))
    receipt["result"]["clusters"][0]["years"][0]["total"] = "0.00"
    verification = verify_receipt(receipt, inputs=[files["koege"]])
    assert verification.difference is not None
    assert verification.difference.startswith("result.clusters[0].years[0].total")
    assert str(verification).splitlines()[1:] == [
        "inputs: the files are not the receipt's inputs either:",
        "  cluster 'Nordklyngen': in the receipt, in none of the files (missing)"]


def test_clusters_given_as_objects_are_inputs_too(files: dict[str, Path]) -> None:
    clusters = load_clusters([files["koege"], files["nord"]])
    assert verify_receipt(files["receipt"], inputs=clusters).inputs_checked
    assert verify_receipt(files["receipt"], inputs=clusters).identical
    changed = loads_clusters(NORD.replace("2020 = 2010", "2020 = 2011"), fmt="toml",
                             path="<nord>")
    verification = verify_receipt(files["receipt"], inputs=[files["koege"], *changed])
    assert verification.inputs == ("<nord>: cluster 'Nordklyngen': changed: clinic 099999 "
                                   "(joined 2019-03-01): patients.2020: receipt 2010, file 2011",)


@pytest.mark.parametrize("inputs", [5, [5], b"koege.toml", {"a": 1}])
def test_inputs_of_another_type_are_refused(files: dict[str, Path], inputs: Any) -> None:
    with pytest.raises(InputTypeError) as info:
        verify_receipt(files["receipt"], inputs=inputs)
    assert info.value.field == "inputs"


def test_no_inputs_at_all_is_refused(files: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="name at least one cluster file"):
        verify_receipt(files["receipt"], inputs=[])


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_one_changed_patient_count_is_named(data: st.DataObject) -> None:
    """Change one clinic's count for one year: the file and cluster are named, and nothing
    else; change it back: the inputs match again."""
    receipt = SMALL_RECEIPT
    cluster = KOEGE[0]
    member = data.draw(st.sampled_from(cluster.memberships))
    year = data.draw(st.sampled_from(sorted(member.clinic.patients)))
    step = data.draw(st.integers(-500, 500).filter(bool))
    text = dumps_clusters(cluster, fmt="toml")
    document = json.loads(dumps_clusters(cluster, fmt="json"))
    for clinic in document["clinic"]:
        if clinic["provider_number"] == str(member.provider_number) and \
                clinic["joined"] == member.joined.isoformat():
            clinic["patients"][str(year)] += step
    changed = loads_clusters(json.dumps(document), fmt="json", path="koege.json")
    verification = verify_receipt(receipt, inputs=changed)
    [line] = verification.inputs
    assert line.startswith("koege.json: cluster 'Køgeklyngen': changed: clinic "
                           f"{member.provider_number} ")
    assert f"patients.{year}: receipt " in line
    assert verify_receipt(receipt, inputs=loads_clusters(text, fmt="toml")).identical


SMALL_RECEIPT = make_receipt(KOEGE, years=[2018, 2019])


# --- a receipt given as data -------------------------------------------------------------------


def test_a_receipt_as_data_verifies_as_its_file_does(tmp_path: Path) -> None:
    receipt = make_receipt(KOEGE, years=[2018, 2019])
    before = copy.deepcopy(receipt)
    assert str(verify_receipt(receipt)) == "identical"
    assert receipt == before  # the caller's data is left as it was
    path = tmp_path / "r.json"
    write_receipt(path, receipt)
    assert verify_receipt(receipt) == verify_receipt(path)
    receipt["result"]["clusters"][0]["years"][0]["total"] = "168110.91"
    assert verify_receipt(receipt).difference == (
        'result.clusters[0].years[0].total: receipt "168110.91", recomputed "168110.90"')


def test_malformed_receipt_data_names_the_field_without_a_file() -> None:
    receipt = make_receipt(KOEGE, years=[2018])
    receipt["years"] = ["2018"]
    with pytest.raises(InputError) as info:
        verify_receipt(receipt)
    assert (info.value.path, info.value.record, info.value.field) == (None, "receipt", "years")
    with pytest.raises(InputError) as info:
        verify_receipt({"result": {}})
    assert info.value.path is None and info.value.field == "receipt"
    assert info.value.reason.startswith("is not a kiaprules receipt (missing: ")
    with pytest.raises(InputError, match="is not receipt data"):
        verify_receipt({"kiaprules_receipt": object()})


@pytest.mark.parametrize("receipt", [5, None, b"receipt.json", ["receipt.json"]])
def test_a_receipt_of_another_type_is_refused(receipt: Any) -> None:
    with pytest.raises(InputTypeError) as info:
        verify_receipt(receipt)
    assert info.value.field == "receipt"


# --- after a ruleset update: identical under the ruleset it was made with ----------------------


@contextlib.contextmanager
def _shipped(tmp_path: Path, text: str) -> Iterator[None]:
    """The shipped folder of rulesets as if ``text`` were the dk-kiap shipped now."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    (folder / "dk-kiap.toml").write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kiaprules.rules.loader, "_shipped_dir", lambda: folder)
        yield


def test_a_genuine_receipt_after_a_rate_is_corrected_is_identical_and_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "receipt.json"
    write_receipt(path, make_receipt(KOEGE, years=[2022]))
    updated = SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'value = "1.12"', 'value = "1.10"', 1)
    with _shipped(tmp_path, updated):
        new = load_ruleset("dk-kiap").fingerprint
        verification = verify_receipt(path)
        status, out, err = _cli("verify", path)
    assert verification.identical and verification.difference is None
    assert verification.ruleset_changed == "the shipped dk-kiap has changed"
    assert verification.ruleset_changes == ("operating_rate 2022 1.12 → 1.10",)
    assert (status, err) == (0, "")
    assert out == ("identical under the ruleset it was made with; the shipped dk-kiap has "
                   "changed: operating_rate 2022 1.12 → 1.10\n"
                   f"note: the receipt's ruleset is {RULESET.fingerprint}; the shipped "
                   f"dk-kiap is now {new}\n")


def test_a_change_of_text_only_is_said_as_such(tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    write_receipt(path, make_receipt(KOEGE, years=[2018]))
    updated = SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'title = "', 'title = "Revised: ', 1)
    with _shipped(tmp_path, updated):
        verification = verify_receipt(path)
    assert verification.identical and verification.ruleset_changes == ()
    assert str(verification).splitlines()[0] == (
        "identical under the ruleset it was made with; the shipped dk-kiap has changed: its "
        "text, not its figures or readings")


def test_a_tampered_receipt_after_an_update_is_still_different(tmp_path: Path) -> None:
    receipt = make_receipt(KOEGE, years=[2022])
    receipt["result"]["clusters"][0]["years"][0]["total"] = "1.00"
    path = tmp_path / "receipt.json"
    write_receipt(path, receipt)
    updated = SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'value = "1.12"', 'value = "1.10"', 1)
    with _shipped(tmp_path, updated):
        status, out, _ = _cli("verify", path)
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("different: result.clusters[0].years[0].total: receipt \"1.00\"")
    assert lines[-1] == "note: the shipped dk-kiap has changed: operating_rate 2022 1.12 → 1.10"


def test_a_receipt_for_an_input_of_another_cluster_type_is_refused() -> None:
    """Clusters as inputs are Cluster objects; anything else in the list is refused."""
    with pytest.raises(InputTypeError):
        verify_receipt(SMALL_RECEIPT, inputs=[KOEGE[0], 3])  # type: ignore[list-item]
    assert isinstance(KOEGE[0], Cluster)
