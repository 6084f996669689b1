"""Danish output (#16 item 1): --lang da, KIAPRULES_LANG, lang= on the renderers.

The catalogue is checked against the source (every marked message has a
Danish text, no stale one, the shipped .mo is the .po compiled); the Danish
outputs of the shipped example are pinned per surface; English is unchanged.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib.util
import io
import locale
import pickle
import re
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest
from conftest import EXAMPLE_CLUSTER, REPO_ROOT
from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import Cluster, InputError, compute_payouts, load_clusters
from kiaprules._i18n import format_date_da, message, resolve_lang
from kiaprules._render import json_text
from kiaprules.cli import main
from kiaprules.model.money import format_kr, format_kr_da, parse_kr_da

EXAMPLE = "examples/koegeklyngen.toml"


def _script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "compile_catalogue.py"
    spec = importlib.util.spec_from_file_location("compile_catalogue", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CATALOGUE = _script()
PO_TEXT = CATALOGUE.PO.read_text(encoding="utf-8")
PO = {k: v for k, v in CATALOGUE.read_po(PO_TEXT).items() if k[0]}
MARKED = CATALOGUE.marked_messages()


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


# --- the catalogue ------------------------------------------------------------------------

def test_the_package_marks_messages() -> None:
    assert len(MARKED) > 40


@pytest.mark.parametrize("key", sorted(MARKED), ids=lambda k: k[0][:50])
def test_every_marked_message_has_a_danish_text(key: tuple[str, str | None]) -> None:
    forms = PO.get(key)
    assert forms, f"no Danish text for {key[0]!r} ({', '.join(MARKED[key])})"
    assert all(forms) and len(forms) == (1 if key[1] is None else 2)
    # The same placeholders, so that .format() of the Danish text cannot fail.
    wanted = set(re.findall(r"{(\w+)}", key[0] + (key[1] or "")))
    for form in forms:
        assert set(re.findall(r"{(\w+)}", form)) <= wanted | {"n"}, form


def test_no_stale_messages_in_the_catalogue() -> None:
    assert sorted(set(PO) - set(MARKED)) == []


def test_the_shipped_mo_is_the_compiled_po() -> None:
    shipped = files("kiaprules") / "locale" / "da" / "LC_MESSAGES" / "kiaprules.mo"
    assert shipped.read_bytes() == CATALOGUE.compile_po(PO_TEXT)


def test_the_script_checks_as_the_tests_do() -> None:
    assert CATALOGUE.main(["--check"]) == 0


def test_the_compiled_catalogue_reads_as_gettext_reads_it(tmp_path: Path) -> None:
    import gettext

    folder = tmp_path / "da" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "kiaprules.mo").write_bytes(CATALOGUE.compile_po(PO_TEXT))
    tr = gettext.translation("kiaprules", str(tmp_path), languages=["da"])
    assert tr.gettext("clawback") == "tilbagebetaling"
    assert tr.ngettext("{year} {parameter} ({n} cluster): {message}",
                       "{year} {parameter} ({n} clusters): {message}", 2).startswith(
        "{year} {parameter} ({n} klynger)")


# --- Danish numbers and dates -------------------------------------------------------------

@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2,
                   allow_nan=False, allow_infinity=False))
@example(Decimal("129900.00"))
@example(Decimal("-0.05"))
@example(Decimal("0.00"))
@example(Decimal("999999.99"))
@example(Decimal("1000000.00"))
def test_format_kr_da_round_trips(amount: Decimal) -> None:
    text = format_kr_da(amount)
    assert text.endswith(" kr.")
    assert parse_kr_da(text) == amount
    assert parse_kr_da(format_kr_da(amount, unit=False)) == amount
    # The same digits as the English format, the separators swapped.
    assert text[:-4] == format_kr(amount).translate(str.maketrans(",.", ".,"))


def test_danish_formats_as_the_issue_writes_them() -> None:
    assert format_kr_da(Decimal("129900")) == "129.900,00 kr."
    assert format_date_da(dt.date(2020, 3, 1)) == "1. marts 2020"
    assert format_date_da(dt.date(2024, 12, 31)) == "31. december 2024"
    with pytest.raises(InputError):
        parse_kr_da("129,900.00 kr")


# --- the surfaces, pinned for the shipped example -----------------------------------------

PAYOUTS_DA = """\
klynge         år  udbetales          opstartshonorar    driftstilskud     tillæg    tilbagebetaling         i alt
-----------  ----  ---------------  -----------------  ---------------  ---------  -----------------  ------------
Køgeklyngen  2018  3. oktober 2018         100.000,00        68.110,90       0,00               0,00    168.110,90
Køgeklyngen  2019  1. marts 2019            20.000,00        83.179,30  41.493,60               0,00  144.672,90 *
Køgeklyngen  2020  1. marts 2020                 0,00        91.168,15  45.478,80               0,00  136.646,95 *
Køgeklyngen  2021  1. marts 2021            20.000,00       104.266,40  11.317,60               0,00  135.584,00 *
Køgeklyngen  2022  1. marts 2022                 0,00        23.878,40       0,00         -20.000,00      3.878,40
Køgeklyngen  2023  1. marts 2023                 0,00        49.752,40       0,00               0,00     49.752,40
Køgeklyngen  2024  1. marts 2024                 0,00        76.591,25       0,00               0,00     76.591,25
Køgeklyngen  2025  1. marts 2025                 0,00        79.296,25       0,00               0,00     79.296,25

regelsæt dk-kiap {fingerprint}
* beløbet i alt hviler på et tal, som ingen kilde offentliggør (se advarslerne)
advarsel: Køgeklyngen 2019: ikke offentliggjort: ingen kilde angiver operating_rate for 2019; 4,33 (gældende fra 1. januar 2018) videreført efter I5
advarsel: Køgeklyngen 2020: ikke offentliggjort: ingen kilde angiver operating_rate for 2020; 4,33 (gældende fra 1. januar 2018) videreført efter I5
advarsel: Køgeklyngen 2021: ikke offentliggjort: ingen kilde angiver operating_rate for 2021; 4,33 (gældende fra 1. januar 2018) videreført efter I5
"""  # noqa: E501

NATIONAL_DA = """\
år      klynger    klinikker    patienter    opstartshonorar    driftstilskud     tillæg    tilbagebetaling         i alt
----  ---------  -----------  -----------  -----------------  ---------------  ---------  -----------------  ------------
2018          1            4       15.730         100.000,00        68.110,90       0,00               0,00    168.110,90
2019          1            5       19.210          20.000,00        83.179,30  41.493,60               0,00  144.672,90 *
2020          1            6       21.055               0,00        91.168,15  45.478,80               0,00  136.646,95 *
2021          1            7       24.080          20.000,00       104.266,40  11.317,60               0,00  135.584,00 *
2022          1            6       21.320               0,00        23.878,40       0,00         -20.000,00      3.878,40
2023          1            6       21.445               0,00        49.752,40       0,00               0,00     49.752,40
2024          1            6       21.575               0,00        76.591,25       0,00               0,00     76.591,25
2025          1            6       21.725               0,00        79.296,25       0,00               0,00     79.296,25
alle                                              140.000,00       576.243,05  98.290,00         -20.000,00  794.533,05 *

regelsæt dk-kiap {fingerprint}
* beløbet i alt hviler på et tal, som ingen kilde offentliggør:
  2019 operating_rate (1 klynge): ikke offentliggjort: ingen kilde angiver operating_rate for 2019; 4,33 (gældende fra 1. januar 2018) videreført efter I5
  2020 operating_rate (1 klynge): ikke offentliggjort: ingen kilde angiver operating_rate for 2020; 4,33 (gældende fra 1. januar 2018) videreført efter I5
  2021 operating_rate (1 klynge): ikke offentliggjort: ingen kilde angiver operating_rate for 2021; 4,33 (gældende fra 1. januar 2018) videreført efter I5
"""  # noqa: E501


def _fingerprint() -> str:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap")
    return report.fingerprint


def test_payouts_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", "payouts", EXAMPLE], capsys)
    assert (status, err) == (0, "")
    assert out == PAYOUTS_DA.format(fingerprint=_fingerprint())


def test_payouts_csv_in_danish_for_excel(at_root: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["payouts", EXAMPLE, "--format", "csv", "--lang", "da"], capsys)
    assert status == 0
    lines = out.split("\n")
    assert lines[0] == ("\ufeffklynge;år;udbetales;art;antal;sats;brøkdel;beløb;antagelse;"
                        "regel;parameter;gældende_fra;kilde;tilbageholdt")
    assert lines[1] == ("Køgeklyngen;2018;2018-10-03;opstartshonorar;10;10000,00;;100000,00;;"
                        "startup_grant;startup_grant;2018-01-01;Guide til klyngestart §7.1;nej")
    assert lines[4] == ("Køgeklyngen;2019;2019-03-01;driftstilskud;19210;4,33;;83179,30;"
                        '"ikke offentliggjort: ingen kilde angiver operating_rate for 2019; 4,33 '
                        '(gældende fra 1. januar 2018) videreført efter I5";operating_grant;'
                        "operating_rate;2018-01-01;Guide til klyngestart §7.1;nej")
    assert out.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert "tilbagebetaling;2;10000,00;;-20000,00" in out


def test_check_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--lang", "da", "check", EXAMPLE], capsys)
    assert (status, out) == (
        0, "examples/koegeklyngen.toml: Køgeklyngen: ok (7 klinikker, registreringskravene "
           "er opfyldt)\n")


def test_check_problems_in_danish(at_root: None, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ny.toml"
    path.write_text('[cluster]\nname = "Ny"\nfounded = 2019-03-01\n', encoding="utf-8")
    status, out, _ = run(["check", str(path), "--lang", "da"], capsys)
    assert status == 1
    assert out.replace(str(path), "ny.toml") == (
        "ny.toml: Ny: ingen klyngekoordinator: en klynge skal have valgt en klyngekoordinator "
        "for at blive registreret [Håndbog 2024 §5]\n"
        "ny.toml: Ny: intet CVR-nummer: midlerne udbetales kun til en klynge, der er "
        "registreret med sit CVR-nummer [Guide til klyngestart §7.1]\n"
        "ny.toml: Ny: ingen klinikker: registreringen oplister medlemmernes ydernumre "
        "[Guide til klyngestart §4.1]\n")


def test_national_table_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--lang", "da", "national", EXAMPLE], capsys)
    assert status == 0
    assert out == NATIONAL_DA.format(fingerprint=_fingerprint())


def test_withheld_and_negative_in_danish() -> None:
    example = load_clusters(EXAMPLE_CLUSTER)[0]
    import attrs

    unregistered = attrs.evolve(example, cvr=None)
    report = compute_payouts(unregistered, "dk-kiap", years=[2022])
    text = report.to_table(lang="da")
    assert "† tilbageholdt: 3.878,40 kr. ville blive udbetalt til klynger, der ikke opfylder " \
           "registreringskravene (se advarslerne); deres beløb i alt er 0,00" in text
    assert "advarsel: Køgeklyngen 2022: tilbageholdt: intet CVR-nummer: midlerne udbetales " \
           "kun til en klynge, der er registreret med sit CVR-nummer [Guide til klyngestart " \
           "§7.1]" in text
    summary = report.summary().to_table(lang="da")
    assert "tilbageholdt 2022: 3.878,40 kr. ville blive udbetalt" in summary
    negative = message("the payout is negative: the cluster owes {amount} kr back to the "
                       "region's quality work", amount=Decimal("20000.00"))
    from kiaprules._i18n import localize

    assert localize(negative, "da") == ("udbetalingen er negativ: klyngen skylder 20.000,00 kr. "
                                        "tilbage til regionens kvalitetsarbejde")


def test_errors_in_danish(at_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "da", "payouts", "findes-ikke.toml"], capsys)
    assert (status, out, err) == (2, "", "kiaprules: fejl: findes-ikke.toml: findes ikke\n")
    # A reason in the catalogue: Danish, the values (a date) in Danish.
    status, _, err = run(["--lang", "da", "payouts", EXAMPLE, "--years", "2026"], capsys)
    assert status == 2
    assert err == ("kiaprules: fejl: examples/koegeklyngen.toml: clinic[1] (012345): "
                   "patients.2026: intet antal gruppe 1-patienter pr. 1. januar 2026; klinikken "
                   "er medlem 1. januar 2026, så Køgeklyngen får udbetalt for den i 2026\n")
    # A reason not in the catalogue (the command line's own): the frame is Danish, the
    # reason as it was.
    status, _, err = run(["--lang", "da", "payouts", EXAMPLE, "--policy", "clawback"], capsys)
    assert (status, err) == (2, "kiaprules: fejl: --policy: must be NAME=VALUE (e.g. "
                                "clawback=never), got 'clawback'\n")


# --- English unchanged, the language chosen ----------------------------------------------

def test_english_is_the_default_and_unchanged(at_root: None) -> None:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap")
    assert report.to_table() == report.to_table(lang="en")
    assert report.to_csv() == report.to_csv(lang="en")
    assert report.to_table().startswith("cluster        year  due            startup")
    assert "warning: Køgeklyngen 2019: unpublished: no source gives operating_rate for 2019; " \
           "4.33 (in force from 2018-01-01) carried forward under I5" in report.to_table()


def test_json_has_no_language(at_root: None, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    english = run(["payouts", EXAMPLE, "--format", "json"], capsys)
    danish = run(["--lang", "da", "payouts", EXAMPLE, "--format", "json"], capsys)
    monkeypatch.setenv("KIAPRULES_LANG", "da")
    from_env = run(["payouts", EXAMPLE, "--format", "json"], capsys)
    assert english == danish == from_env
    assert "unpublished: no source gives operating_rate for 2019" in english[1]


def test_kiaprules_lang_is_read_at_each_call(at_root: None,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap")
    english = report.to_table()
    monkeypatch.setenv("KIAPRULES_LANG", "da")
    assert report.to_table() == report.to_table(lang="da") != english
    assert report.to_table(lang="en") == english  # the argument wins over the variable
    out = run(["payouts", EXAMPLE], capsys)[1]
    assert out == PAYOUTS_DA.format(fingerprint=report.fingerprint)
    out = run(["--lang", "en", "payouts", EXAMPLE], capsys)[1]
    assert out == english
    monkeypatch.delenv("KIAPRULES_LANG")
    assert report.to_table() == english


def test_an_unknown_language_is_one_line_naming_lang(at_root: None,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--lang", "fr", "payouts", EXAMPLE], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1 and "--lang" in err
    monkeypatch.setenv("KIAPRULES_LANG", "fr")
    status, out, err = run(["payouts", EXAMPLE], capsys)
    assert (status, out) == (2, "")
    assert err == ("kiaprules: error: --lang (from KIAPRULES_LANG): unknown language 'fr' "
                   "(known: da, en)\n")
    with pytest.raises(InputError, match="--lang"):
        compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap").to_table()
    with pytest.raises(InputError, match="--lang: unknown language 'de'"):
        resolve_lang("de")


def test_danish_output_changes_nothing_of_the_process(at_root: None) -> None:
    before = (locale.setlocale(locale.LC_ALL), "_" in builtins.__dict__)
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), "dk-kiap")
    report.to_table(lang="da")
    report.to_csv(lang="da")
    assert (locale.setlocale(locale.LC_ALL), "_" in builtins.__dict__) == before


def test_a_message_is_its_english_text() -> None:
    m = message("no clinic is a member on the day registration was completed ({date})",
                date=dt.date(2019, 3, 1))
    assert m == "no clinic is a member on the day registration was completed (2019-03-01)"
    assert json_text([m]) == json_text(
        ["no clinic is a member on the day registration was completed (2019-03-01)"])
    again = pickle.loads(pickle.dumps(m))
    assert again == m and again.values == m.values
    assert Cluster  # the public API still imports
