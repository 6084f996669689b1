"""Identifiers: CVR (modulus 11), provider numbers (5–6 digits) and CPR (date only, masked)."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
import traceback

import pytest
from conftest import cpr_numbers, cvr_checksum, cvr_numbers, provider_numbers, unmasked_forms
from hypothesis import assume, example, given
from hypothesis import strategies as st

from kiaprules import CprNumber, CvrNumber, InputError, KiapRulesError, ProviderNumber
from kiaprules._text import mask_cpr_like
from kiaprules.model.identifiers import cvr_check_digit_ok

# --- CVR ----------------------------------------------------------------------


@given(cvr_numbers)
@example("12345674")
def test_cvr_numbers_with_a_valid_check_digit_are_accepted(text: str) -> None:
    assert cvr_checksum(text) == 0
    cvr = CvrNumber(text)
    assert cvr == text
    assert isinstance(cvr, str)
    assert repr(cvr) == f"CvrNumber({text!r})"
    assert CvrNumber(cvr) is cvr


@given(cvr_numbers, st.integers(0, 7), st.integers(1, 9))
@example("12345674", 7, 1)
def test_any_single_digit_change_of_a_cvr_number_fails_the_check(
    text: str, position: int, shift: int
) -> None:
    digits = list(text)
    digits[position] = str((int(digits[position]) + shift) % 10)
    changed = "".join(digits)
    assert changed != text
    with pytest.raises(InputError, match="modulus-11") as info:
        CvrNumber(changed)
    assert info.value.field == "cvr"


@pytest.mark.parametrize(
    "value",
    ["1234567", "123456740", "", "1234567a", "1234 5674", "12-345674", "１２３４５６７４",
     "12345674\n9"],
)
def test_cvr_numbers_of_the_wrong_shape_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="8 digits"):
        CvrNumber(value)


def test_a_cvr_number_given_as_an_int_is_refused_with_a_note_on_leading_zeros() -> None:
    with pytest.raises(InputError, match="leading zeros"):
        CvrNumber(12345674)


@pytest.mark.parametrize("value", [None, 12345674.0, True, ["12345674"], b"12345674"])
def test_a_cvr_number_of_another_type_is_refused(value: object) -> None:
    with pytest.raises(InputError) as info:
        CvrNumber(value, field="payee_cvr")
    assert info.value.field == "payee_cvr"
    assert str(info.value) == ("payee_cvr: must be a CVR number of 8 digits as a string, "
                               f"got {type(value).__name__}")


@pytest.mark.parametrize("value", ["", "1234567", "123456740", "1234567a", "１２３４５６７４"])
def test_the_cvr_check_is_false_for_anything_but_eight_digits(value: str) -> None:
    assert cvr_check_digit_ok(value) is False


@given(cvr_numbers)
def test_the_cvr_check_agrees_with_the_weighted_sum(text: str) -> None:
    assert cvr_check_digit_ok(text) is (cvr_checksum(text) == 0)


# --- provider numbers -----------------------------------------------------------


@given(provider_numbers)
@example("012345")
@example("00000")
def test_provider_numbers_of_five_or_six_digits_are_kept_as_text(text: str) -> None:
    number = ProviderNumber(text)
    assert number == text
    assert str(number) == text
    assert repr(number) == f"ProviderNumber({text!r})"


def test_a_provider_number_keeps_its_leading_zero() -> None:
    assert ProviderNumber(" 012345 ") == "012345"


@pytest.mark.parametrize("value", ["1234", "1234567", "12a45", "", "12 345", "１２３４５"])
def test_provider_numbers_of_the_wrong_shape_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="5–6 digits") as info:
        ProviderNumber(value)
    assert info.value.field == "provider_number"


@pytest.mark.parametrize("value", [12345, 123456])
def test_a_provider_number_given_as_an_int_is_refused_with_a_note_on_leading_zeros(
    value: int,
) -> None:
    with pytest.raises(InputError, match="leading zeros"):
        ProviderNumber(value)


@pytest.mark.parametrize("value", [None, True, 12345.0])
def test_a_provider_number_of_another_type_is_refused(value: object) -> None:
    with pytest.raises(InputError) as info:
        ProviderNumber(value)
    assert info.value.field == "provider_number"
    # Only an int (not a bool) gets the note about leading zeros.
    assert str(info.value) == ("provider_number: must be a provider number of 5–6 digits "
                               f"as a string, got {type(value).__name__}")


# --- CPR: the birth date and the century rules ------------------------------------


@given(cpr_numbers())
@example(("010203-1234", dt.date(1903, 2, 1)))  # 7th digit 1: 1900s
@example(("3112994999", dt.date(1999, 12, 31)))  # 7th digit 4, year 99: 1900s
@example(("010136-4000", dt.date(2036, 1, 1)))  # 4, year 36: the last 2000s year
@example(("010137-4000", dt.date(1937, 1, 1)))  # 4, year 37: back to the 1900s
@example(("010157-5000", dt.date(2057, 1, 1)))  # 5, year 57: the last 2000s year
@example(("010158-8000", dt.date(1858, 1, 1)))  # 8, year 58: the 1800s
@example(("290200-4000", dt.date(2000, 2, 29)))  # 2000 is a leap year
@example(("290256-5000", dt.date(2056, 2, 29)))
def test_cpr_numbers_with_a_valid_birth_date_are_accepted(case: tuple[str, dt.date]) -> None:
    text, birth = case
    cpr = CprNumber(text)
    assert cpr.birth_date == birth
    assert cpr.unmasked() == unmasked_forms(text)[0]
    assert cpr.masked == f"{unmasked_forms(text)[1][:6]}-XXXX"


@pytest.mark.parametrize("seventh", range(10))
def test_every_seventh_digit_century_rule_accepts_its_years(seventh: int) -> None:
    # CPR-kontoret's table, as the DOMAIN.md identifiers section gives it.
    expected = {0: 1930, 1: 1930, 2: 1930, 3: 1930, 4: 2030, 9: 2030,
                5: 2030, 6: 2030, 7: 2030, 8: 2030}
    assert CprNumber(f"150630-{seventh}123").birth_date == dt.date(expected[seventh], 6, 15)
    old = {0: 1980, 1: 1980, 2: 1980, 3: 1980, 4: 1980, 9: 1980,
           5: 1880, 6: 1880, 7: 1880, 8: 1880}
    assert CprNumber(f"150680{seventh}123").birth_date == dt.date(old[seventh], 6, 15)


@pytest.mark.parametrize(
    "text",
    [
        "300201-1234",  # 30 February
        "290200-0000",  # 29 February 1900: 1900 is no leap year
        "290258-5000",  # 29 February 1858: no leap year
        "290201-4000",  # 29 February 2001
        "000101-1234",  # day 0
        "320101-1234",  # day 32
        "010001-1234",  # month 0
        "011301-1234",  # month 13
    ],
)
def test_cpr_numbers_with_an_impossible_birth_date_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="not a date"):
        CprNumber(text)


@pytest.mark.parametrize("text", ["010203-123", "010203-12345", "01020-31234", "0102031234x",
                                  "010203 1234", "01.02.03-1234", ""])
def test_cpr_numbers_of_the_wrong_shape_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="DDMMYY-SSSS"):
        CprNumber(text)


@pytest.mark.parametrize("value", [102031234, None, b"0102031234"])
def test_a_cpr_number_that_is_not_a_string_is_refused(value: object) -> None:
    with pytest.raises(InputError, match="string"):
        CprNumber(value)


def _passes_modulus_11(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1),
                                          strict=True)) % 11 == 0


def test_a_cpr_number_failing_modulus_11_is_accepted() -> None:
    """010203-1234 fails the old modulus-11 check and is a valid CPR number all the same."""
    assert not _passes_modulus_11("0102031234")
    assert CprNumber("010203-1234").birth_date == dt.date(1903, 2, 1)


@given(cpr_numbers())
def test_cpr_numbers_are_never_rejected_for_failing_modulus_11(
    case: tuple[str, dt.date],
) -> None:
    text, birth = case
    assume(not _passes_modulus_11(unmasked_forms(text)[1]))
    assert CprNumber(text).birth_date == birth


def test_cpr_numbers_compare_by_their_digits_whatever_the_dash() -> None:
    a, b = CprNumber("010203-1234"), CprNumber("0102031234")
    assert a == b
    assert hash(a) == hash(b)
    assert a != CprNumber("010203-1235")
    assert a != "010203-1234"
    assert CprNumber(a) == a


def test_a_cpr_number_is_immutable() -> None:
    cpr = CprNumber("010203-1234")
    with pytest.raises(AttributeError):
        cpr.birth_date = dt.date(2000, 1, 1)  # type: ignore[misc]


def test_a_pickled_cpr_number_comes_back_equal() -> None:
    cpr = CprNumber("010203-1234")
    assert pickle.loads(pickle.dumps(cpr)) == cpr


# --- CPR: the digits are never shown ------------------------------------------------


def _renderings(cpr: CprNumber) -> list[str]:
    return [
        str(cpr),
        repr(cpr),
        format(cpr),
        format(cpr, ">30"),
        f"{cpr}",
        f"{cpr!r}",
        f"{cpr!s:<20}",
        "%s %r" % (cpr, cpr),  # noqa: UP031 - the old formatting must mask too
        repr([cpr]),
        str([cpr]),
        repr({"cpr": cpr}),
        repr((cpr,)),
        json.dumps(cpr, default=str),
        json.dumps({"recipient": [cpr]}, default=str),
    ]


@given(cpr_numbers())
@example(("010203-1234", dt.date(1903, 2, 1)))
@example(("0102031234", dt.date(1903, 2, 1)))
def test_the_unmasked_digits_never_appear_in_any_rendering(case: tuple[str, dt.date]) -> None:
    text, _ = case
    cpr = CprNumber(text)
    dashed, plain = unmasked_forms(text)
    for shown in _renderings(cpr):
        assert dashed not in shown
        assert plain not in shown
        assert f"{plain[:6]}-XXXX" in shown


def _error_texts(exc: KiapRulesError) -> list[str]:
    return [
        str(exc),
        repr(exc),
        *map(str, exc.args),
        json.dumps(exc.to_dict()),
        "".join(traceback.format_exception_only(type(exc), exc)),
    ]


_LONG_DIGIT_RUN = re.compile(r"[0-9]{7}|[0-9]{6}-[0-9]{4}")

_cpr_like_strings = st.one_of(
    st.from_regex(r"\s*[0-9]{6}-?[0-9]{4}\s*", fullmatch=True),  # mostly impossible dates
    st.from_regex(r"[0-9]{6}-?[0-9]{3,5}", fullmatch=True),
    st.text(st.sampled_from("0123456789- xX/"), max_size=14),
    st.text(max_size=14),
)


@given(_cpr_like_strings)
@example("300201-1234")
@example("3002011234")
@example("010203-12345")
@example(" 311399-9999 ")
def test_no_error_about_a_cpr_number_echoes_its_digits(text: str) -> None:
    """The message of an error raised for an invalid CPR number never contains its digits."""
    try:
        cpr = CprNumber(text)
    except KiapRulesError as exc:
        assert isinstance(exc, InputError)
        digits = re.sub(r"[^0-9]", "", text)
        for shown in _error_texts(exc):
            assert not _LONG_DIGIT_RUN.search(shown), shown
            if len(digits) >= 7:
                assert digits not in shown
            if len(text.strip()) >= 7:
                assert text.strip() not in shown
    else:
        dashed, plain = unmasked_forms(text)
        for shown in _renderings(cpr):
            assert dashed not in shown
            assert plain not in shown


def test_an_error_about_a_cpr_number_given_as_an_int_does_not_echo_it() -> None:
    with pytest.raises(InputError) as info:
        CprNumber(3002011234)
    assert "3002011234" not in str(info.value)


# --- masking CPR-shaped numbers in free text ------------------------------------------


def _cpr_shaped(digits: str) -> bool:
    """The first six digits are a date in some century: DD, MM, YY."""
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if not 1 <= month <= 12:
        return False
    days = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= day <= days[month - 1]


def _decimal_follows(tokens: list[str], i: int) -> bool:
    return tokens[i:i + 1] == ["."] and len(tokens) > i + 1 and tokens[i + 1].isdigit()


def _masked_by_hand(text: str) -> str:
    """The rule read naively, token by token: a run of exactly ten digits, or six digits,
    any one character that is not a digit and four digits, whose first six digits are a
    date; not the integer part of a decimal number."""
    tokens = re.findall(r"[0-9]+|[^0-9]", text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (len(token) == 10 and token.isdigit() and _cpr_shaped(token)
                and not _decimal_follows(tokens, i + 1)):
            out.append(token[:6] + "-XXXX")
            i += 1
        elif (len(token) == 6 and token.isdigit() and len(tokens) > i + 2
              and not tokens[i + 1].isdigit() and len(tokens[i + 2]) == 4
              and tokens[i + 2].isdigit() and _cpr_shaped(token)
              and not _decimal_follows(tokens, i + 3)):
            out.append(token + "-XXXX")
            i += 3
        else:
            out.append(token)
            i += 1
    return "".join(out)


_two = st.integers(0, 99).map(lambda n: f"{n:02d}")
_cpr_like_pieces = st.tuples(st.integers(0, 39).map(lambda n: f"{n:02d}"),
                             st.integers(0, 19).map(lambda n: f"{n:02d}"), _two,
                             st.sampled_from(["", "-", " ", "\u00a0", "\u2011", "\u2013",
                                              "\n", "/", "."]),
                             st.integers(0, 9999).map(lambda n: f"{n:04d}")).map("".join)
_free_text = st.lists(st.one_of(_cpr_like_pieces, st.text("0123456789", min_size=1, max_size=12),
                                st.sampled_from([" ", "-", "x", "/", "æ", "\n", "."])),
                      max_size=8).map("".join)


@given(_free_text)
@example("3112991234 3212991234 0113991234 0013991234 3101001234")
@example("010180-1234 010180 1234 010180--1234 0101801234-5678")
@example("2902001234 2902011234 3104801234 3004801234 2012345678.00 201234.5678")
def test_free_text_masks_exactly_the_cpr_shaped_numbers(text: str) -> None:
    assert mask_cpr_like(text) == _masked_by_hand(text)


@pytest.mark.parametrize(("text", "shown"), [
    ("3112991234", "311299-XXXX"),    # the last day and month
    ("0101001234", "010100-XXXX"),    # the first
    ("3212991234", "3212991234"),     # day 32
    ("0113991234", "0113991234"),     # month 13
    ("0012991234", "0012991234"),     # day 0
    ("0100991234", "0100991234"),     # month 0
    ("12345678901", "12345678901"),   # eleven digits
    ("ydernr 123456-7890", "ydernr 123456-7890"),  # month 34
    ("3104801234", "3104801234"),     # 31 April
    ("2902011234", "2902011234"),     # 29 February 2001 (or 1901)
    ("2902001234", "290200-XXXX"),    # 29 February 2000
    # one separator of any kind: a space, a no-break space, a non-breaking hyphen,
    # an en dash, a line break, a slash, a full stop
    ("070761 4285", "070761-XXXX"),
    ("070761\u00a04285", "070761-XXXX"),
    ("070761\u20114285", "070761-XXXX"),
    ("070761\u20134285", "070761-XXXX"),
    ("070761\n4285", "070761-XXXX"),
    ("070761/4285", "070761-XXXX"),
    ("070761.4285", "070761-XXXX"),
    ("070761 - 4285", "070761 - 4285"),  # three characters: not one separator
    ("\uff10\uff17\uff10\uff17\uff16\uff11\uff14\uff12\uff18\uff15",
     "\uff10\uff17\uff10\uff17\uff16\uff11-XXXX"),  # full-width digits
    ("2012345678.00", "2012345678.00"),  # an amount, not a CPR number
    ("sha256:" + "a" * 27 + "0707614285" + "b" * 27,
     "sha256:" + "a" * 27 + "0707614285" + "b" * 27),  # a fingerprint is left alone
])
def test_a_cpr_shaped_number_is_masked_and_nothing_else(text: str, shown: str) -> None:
    assert mask_cpr_like(text) == shown
