"""Danish output of the surfaces after the first pass (#16 item 1): explanations,
expenses, the ledger, comparisons, reproduce, verify, rulesets, sweep and the
model's refusals, pinned for the shipped examples; English stays as it was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER, REPO_ROOT

from kiaprules import compute_payouts, load_clusters
from kiaprules.cli import main

EXAMPLE = "examples/koegeklyngen.toml"
EXPENSES = "examples/koegeklyngen-expenses.toml"
PINS = Path(__file__).parent / "pins"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, out=out)
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the repository, with no language in the environment."""
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.delenv("KIAPRULES_LANG", raising=False)


def _fingerprint() -> str:
    return compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap").fingerprint


def pinned(name: str) -> str:
    return (PINS / name).read_text(encoding="utf-8").replace("{fingerprint}", _fingerprint())


# --- explain ------------------------------------------------------------------------------

def test_explain_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", "explain", EXAMPLE, "--year", "2022"], capsys)
    assert (status, err) == (0, "")
    assert out == pinned("explain-2022.da.txt")


def test_explain_to_text_takes_lang(at_root: None, monkeypatch: pytest.MonkeyPatch) -> None:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap", years=[2018])
    explanation = report.explain(None, 2018)
    english = explanation.to_text()
    assert english == explanation.to_text(lang="en") == str(explanation)
    assert english.startswith("Køgeklyngen: payout for 2018, due 2018-10-03\n")
    danish = explanation.to_text(lang="da")
    assert danish.startswith("Køgeklyngen: udbetaling for 2018, udbetales 3. oktober 2018\n")
    assert "1. opstartshonorar: Opstartshonorar pr. lægekapacitet, udbetalt én gang sammen " \
           "med den første udbetaling\n" in danish
    assert "   Udregning: 10.000,00 kr. × 10 = 100.000\n" in danish
    monkeypatch.setenv("KIAPRULES_LANG", "da")
    assert explanation.to_text() == danish
    assert explanation.to_dict()["steps"][0]["arithmetic"] == "10000.00 kr × 10 = 100,000"


def test_explain_withheld_and_pro_rata_in_danish() -> None:
    import attrs

    example = load_clusters(EXAMPLE_CLUSTER)[0]
    report = compute_payouts(attrs.evolve(example, cvr=None), "dk-kiap", years=[2018],
                             policies={"founding_year": "pro_rata"})
    text = report.explain(None, 2018).to_text(lang="da")
    assert "   Forholdsmæssigt (I1): 111 af stiftelsesårets 365 dage, fra den stiftende " \
           "generalforsamling\n" in text
    assert "kr., tilbageholdt; udbetalt i alt 0,00 kr.\n" in text
    assert "  Ikke opfyldt: intet CVR-nummer: midlerne udbetales kun til en klynge" in text


# --- expenses -----------------------------------------------------------------------------

def test_expenses_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", "expenses", EXPENSES], capsys)
    assert (status, err) == (0, "")
    assert out == pinned("expenses.da.txt")


def test_expenses_csv_in_danish_for_excel(at_root: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["expenses", EXPENSES, "--format", "csv", "--lang", "da"], capsys)
    assert status == 0
    lines = out.split("\n")
    assert lines[0] == ("\ufeffid;dato;beløb;kategori;modtagerrolle;modtager;indkomsttype;"
                        "status;regler;kilder")
    assert lines[1] == ("2018-01;2018-11-20;3850,00;catering;venue;;;tilladt;"
                        "meeting_costs_allowed;Håndbog 2024 §11")


def test_expense_reasons_stay_english_in_json(at_root: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    english = run(["expenses", EXPENSES, "--format", "json"], capsys)
    danish = run(["--lang", "da", "expenses", EXPENSES, "--format", "json"], capsys)
    assert english == danish
    assert "700.00 kr per participant is above 500.00 (local policy setting)" in english[1]
    table = run(["expenses", EXPENSES], capsys)[1]
    assert "700.00 kr per participant is above 500.00 (local policy setting)" in table
    assert table.endswith("11 expenses: 3 allowed, 3 needs_review, 2 incomplete, "
                          "3 not_allowed\n")


# --- ledger -------------------------------------------------------------------------------

LEDGER = ["ledger", EXAMPLE, "--expenses", EXPENSES]


def test_ledger_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", *LEDGER], capsys)
    assert (status, err) == (0, "")
    assert out == pinned("ledger.da.txt")


def test_ledger_csv_in_danish_and_json_unchanged(at_root: None,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = run([*LEDGER, "--format", "csv", "--lang", "da"], capsys)[1]
    lines = out.split("\n")
    assert lines[0] == ("\ufeffklynge;år;primo;modtaget;bogført;ikke_bogført;ultimo;"
                        "advarsler")
    assert lines[1] == "Køgeklyngen;2018;0,00;168110,90;27850,00;0,00;140260,90;"
    assert "forbruget på 76.800,00 kr. er over det godkendte budget på 60.000,00 kr." in out
    english = run([*LEDGER, "--format", "json"], capsys)
    assert english == run(["--lang", "da", *LEDGER, "--format", "json"], capsys)
    assert "spending 76800.00 kr is above the approved budget of 60000.00 kr" in english[1]


# --- payouts --compare --------------------------------------------------------------------

COMPARE_DA = """\
grundlag: dk-kiap sha256:1abb0da43250…
variant:  dk-kiap sha256:bac549d58cdd… | operating_rate = 1.20 fra 1. januar 2022 til \
1. januar 2023 | clawback=never

klynge         år    grundlag    variant     forskel
-----------  ----  ----------  ---------  ----------
Køgeklyngen  2022    3.878,40  25.584,00  +21.705,60

forskel i alt: +21.705,60 kr.
"""

COMPARE = ["payouts", EXAMPLE, "--compare", "--set", "operating_rate@2022=1.20", "--policy",
           "clawback=never"]


def test_compare_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", *COMPARE], capsys)
    assert (status, err) == (0, "")
    assert out == COMPARE_DA
    english = run(COMPARE, capsys)[1]
    assert english.startswith("base:    dk-kiap sha256:1abb0da43250…\nvariant: dk-kiap "
                              "sha256:bac549d58cdd… | operating_rate = 1.20 from 2022-01-01 "
                              "to 2023-01-01 | clawback=never\n")
    assert english.endswith("total difference: +21,705.60 kr\n")
    nothing = run(["--lang", "da", "payouts", EXAMPLE, "--compare"], capsys)[1]
    assert nothing.endswith("\ningen forskelle\n")


def test_compare_csv_in_danish_and_json_unchanged(at_root: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["--lang", "da", *COMPARE, "--format", "csv"], capsys)[1]
    assert out.split("\n")[0] == ("\ufeffklynge;år;grundlag;variant;forskel;"
                                  "opstartshonorar_forskel;driftstilskud_forskel;tillæg_forskel;"
                                  "tilbagebetaling_forskel")
    assert "Køgeklyngen;2022;3878,40;25584,00;21705,60;0,00;1705,60;0,00;20000,00" in out
    english = run([*COMPARE, "--format", "json"], capsys)
    assert english == run(["--lang", "da", *COMPARE, "--format", "json"], capsys)
    assert "operating_rate = 1.20 from 2022-01-01 to 2023-01-01" in english[1]


# --- reproduce ----------------------------------------------------------------------------

def test_reproduce_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", "reproduce"], capsys)
    assert (status, err) == (0, "")
    assert out == pinned("reproduce.da.txt")
    english = run(["reproduce"], capsys)[1]
    assert "24 figures: 22 reproduced, 2 not reproduced, 4 flagged by the text checks.\n" \
           "All 24 as expected.\n" in english
    assert run(["reproduce", "--format", "json"], capsys) == \
        run(["--lang", "da", "reproduce", "--format", "json"], capsys)


def test_reproduce_mismatch_in_danish(at_root: None, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO_ROOT / "examples" / "published_guide_7_1.toml").read_text(encoding="utf-8")
    assert 'expect = "not_reproduced"' not in text
    path = tmp_path / "forkert.toml"
    path.write_text(text.replace('printed = "10000"', 'printed = "10001"', 1), encoding="utf-8")
    status, out, _ = run(["--lang", "da", "reproduce", str(path)], capsys)
    assert status == 1
    assert "1 ikke som forventet:\n" in out
    assert "Forventet genskabt, men gav ikke genskabt (beregnet 10.000,00 i 2018)." in out
    assert "Ikke genskabt (2018: beregnet 10.000,00, trykt − beregnet = 1,00)." in out


# --- verify -------------------------------------------------------------------------------

def test_verify_in_danish(at_root: None, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    receipt = tmp_path / "kvittering.json"
    assert run(["payouts", EXAMPLE, "--receipt", str(receipt)], capsys)[0] == 0
    assert run(["--lang", "da", "verify", str(receipt)], capsys)[:2] == (0, "identisk\n")
    text = receipt.read_text(encoding="utf-8")
    receipt.write_text(text.replace('"68110.90"', '"68110.91"', 1), encoding="utf-8")
    status, out, _ = run(["verify", str(receipt), "--lang", "da"], capsys)
    assert (status, out) == (1, "forskellig: result.clusters[0].years[0].lines[1].amount: "
                                "kvitteringen har \"68110.91\", genberegnet \"68110.90\"\n")
    status, out, _ = run(["verify", str(receipt)], capsys)
    assert (status, out) == (1, "different: result.clusters[0].years[0].lines[1].amount: "
                                "receipt \"68110.91\", recomputed \"68110.90\"\n")


# --- rulesets and ruleset show ------------------------------------------------------------

def test_rulesets_and_ruleset_show_in_danish(at_root: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["--lang", "da", "rulesets"], capsys)[1]
    assert out.startswith("id       titel   ")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "titel", "fingeraftryk", "kilde"]
    assert lines[2].endswith("  medfølger")
    assert run(["rulesets"], capsys)[1].startswith("id       title   ")
    status, out, _ = run(["--lang", "da", "ruleset", "show"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[3].split() == ["parameter", "fra", "til", "værdi", "status", "kilde"]
    assert lines[5].startswith("catering_review_per_participant  1. januar 2018      "
                               "             500,00       antagelse: local policy setting: no")
    assert any(line.split() == ["fortolkning", "standard", "alternativer", "spørgsmål"]
               for line in lines)
    english = run(["ruleset", "show"], capsys)[1].splitlines()
    assert english[3].split() == ["parameter", "from", "until", "value", "status", "source"]
    assert english[5].startswith("catering_review_per_participant  2018-01-01              "
                                 "500.00       assumption: local policy setting: no")
    assert run(["ruleset", "show", "--format", "json"], capsys) == \
        run(["--lang", "da", "ruleset", "show", "--format", "json"], capsys)


# --- sweep --------------------------------------------------------------------------------

SWEEP = ["sweep", EXAMPLE, "--parameter", "operating_rate@2022", "--values", "1.00,1.12,1.30"]


def test_sweep_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", *SWEEP], capsys)
    assert (status, err) == (0, "")
    assert out == pinned("sweep.da.txt")
    english = run(SWEEP, capsys)[1]
    assert english.startswith("variant                      startup    operating")
    assert "; years 2018–2025; 3 variants, 1 aggregation\n" in english


def test_sweep_csv_in_danish_and_json_unchanged(at_root: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["--lang", "da", *SWEEP, "--format", "csv"], capsys)[1]
    assert out.split("\n")[:2] == [
        "\ufeffvariant;opstartshonorar;driftstilskud;tillæg;tilbagebetaling;i alt;forskel",
        "grundlag;140000,00;576243,05;98290,00;-20000,00;794533,05;0,00"]
    assert run([*SWEEP, "--format", "json"], capsys) == \
        run(["--lang", "da", *SWEEP, "--format", "json"], capsys)


# --- the model's refusals -----------------------------------------------------------------

@pytest.mark.parametrize(("cluster", "english", "danish"), [
    ('name = "Ny\u200b"\nfounded = 2019-03-01', "name: must not hold an invisible character "
     "(U+200B, character 3)", "name: må ikke indeholde et usynligt tegn (U+200B, tegn nr. 3)"),
    ('name = "Ny"\nfounded = "2019-13-01"', "founded: must be a date YYYY-MM-DD, got "
     "'2019-13-01'", "founded: skal være en dato ÅÅÅÅ-MM-DD, fik '2019-13-01'"),
    ('name = "Ny"\nfounded = 2019-03-01\nfoo = 1', "foo: unknown key; expected one of "
     "coordinator, cvr, founded, name, registered", "foo: ukendt nøgle; forventede en af "
     "coordinator, cvr, founded, name, registered"),
    ('name = "Ny"', "founded: is missing", "founded: mangler"),
    ('name = 7\nfounded = 2019-03-01', "name: must be text, got int",
     "name: skal være tekst, fik int"),
    ('name = "Ny"\nfounded = 2019-03-01\ncvr = "12345678"', "cvr: fails the CVR modulus-11 "
     "check, got '12345678'", "cvr: består ikke CVR-nummerets modulus 11-kontrol, fik "
     "'12345678'"),
], ids=["invisible", "date", "unknown-key", "missing", "text", "cvr"])
def test_model_refusals_in_danish(at_root: None, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str], cluster: str,
                                  english: str, danish: str) -> None:
    path = tmp_path / "ny.toml"
    path.write_text(f"[cluster]\n{cluster}\n", encoding="utf-8")
    status, _, err = run(["check", str(path)], capsys)
    assert status == 2 and err.endswith(f": {english}\n") and err.count("\n") == 1
    status, _, err = run(["--lang", "da", "check", str(path)], capsys)
    assert status == 2 and err.endswith(f": {danish}\n"), err
    assert err.startswith("kiaprules: fejl: ")


def test_number_refusals_in_danish(at_root: None, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO_ROOT / EXAMPLE).read_text(encoding="utf-8")
    path = tmp_path / "k.toml"
    path.write_text(text.replace("capacities = 2", "capacities = 2.5", 1), encoding="utf-8")
    err = run(["--lang", "da", "payouts", str(path)], capsys)[2]
    assert err.endswith("capacities: skal være et helt tal ≥ 1, fik 2.5\n"), err
    assert run(["payouts", str(path)], capsys)[2].endswith(
        "capacities: must be a whole number ≥ 1, got 2.5\n")
    path.write_text(text.replace("capacities = 2", "capacities = 2000", 1), encoding="utf-8")
    err = run(["--lang", "da", "payouts", str(path)], capsys)[2]
    assert err.endswith("capacities: må højst være 1.000 (mere er usandsynligt for én klinik), "
                        "fik 2000\n"), err
    assert run(["payouts", str(path)], capsys)[2].endswith(
        "capacities: must be at most 1,000 (larger is implausible for one clinic), got 2000\n")


def test_a_danish_reason_is_cut_as_the_english_one(at_root: None, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lang.toml"
    path.write_text(f'[cluster]\nname = "Ny"\nfounded = "{"x" * 5000}"\n', encoding="utf-8")
    english = run(["check", str(path)], capsys)[2]
    danish = run(["--lang", "da", "check", str(path)], capsys)[2]
    assert len(danish) < 1000 and abs(len(danish) - len(english)) < 40


def test_conflicts_in_danish(at_root: None, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    err = run(["--lang", "da", "payouts", EXAMPLE, EXAMPLE], capsys)[2]
    assert err == ("kiaprules: fejl: examples/koegeklyngen.toml: cluster (Køgeklyngen): name: "
                   "er også navnet på cluster (Køgeklyngen) i examples/koegeklyngen.toml: "
                   "navne identificerer klynger\n")
    text = (REPO_ROOT / EXAMPLE).read_text(encoding="utf-8")
    path = tmp_path / "k.toml"
    path.write_text(text.replace("left = 2021-09-01", "left = 2020-01-01", 1), encoding="utf-8")
    err = run(["--lang", "da", "check", str(path)], capsys)[2]
    assert err.endswith("left: 1. januar 2020 skal ligge efter indtrædelsen (1. januar 2021): "
                        "left er den første dag, klinikken ikke længere er medlem\n"), err
    assert run(["check", str(path)], capsys)[2].endswith(
        "left: 2020-01-01 must be after joined (2021-01-01): left is the first day no longer "
        "a member\n")


def test_verify_inputs_in_danish(at_root: None, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    cluster = tmp_path / "k.toml"
    cluster.write_text((REPO_ROOT / EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8")
    receipt = tmp_path / "r.json"
    assert run(["payouts", str(cluster), "--receipt", str(receipt)], capsys)[0] == 0
    out = run(["--lang", "da", "verify", str(receipt), "--inputs", str(cluster)], capsys)[1]
    assert out == "identisk\ninputs: filerne indeholder præcis kvitteringens inddata\n"
    text = cluster.read_text(encoding="utf-8")
    cluster.write_text(text.replace("capacities = 2\n", "capacities = 3\n", 1), encoding="utf-8")
    status, out, _ = run(["--lang", "da", "verify", str(receipt), "--inputs", str(cluster)],
                         capsys)
    assert status == 1
    assert out.replace(str(cluster), "k.toml") == (
        "forskellig: inputs: filerne er ikke kvitteringens inddata (1 klynge er forskellig)\n"
        "  k.toml: klynge 'Køgeklyngen': ændret: klinik 012345 (indtrådt 2018-09-12): "
        "capacities: kvitteringen har 2, filen 3\n")
    english = run(["verify", str(receipt), "--inputs", str(cluster)], capsys)[1]
    assert english.replace(str(cluster), "k.toml") == (
        "different: inputs: the files are not the receipt's inputs (1 cluster differs)\n"
        "  k.toml: cluster 'Køgeklyngen': changed: clinic 012345 (joined 2018-09-12): "
        "capacities: receipt 2, file 3\n")
