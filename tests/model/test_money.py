"""Money is ``Decimal`` kroner to the øre: floats refused, sub-øre refused, half-up rounding."""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import InputError, KiapRulesError, MoneyTypeError, to_money
from kiaprules.engine.pricing import price_ore
from kiaprules.model.money import ORE, format_money, format_rate, from_ore, round_ore, to_rate


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


# --- floats and bools --------------------------------------------------------


def test_money_type_error_is_a_type_error_and_a_kiaprules_error() -> None:
    """MoneyTypeError can be caught as TypeError, as ValueError (InputError) and as the root."""
    assert issubclass(MoneyTypeError, TypeError)
    assert issubclass(MoneyTypeError, KiapRulesError)
    assert issubclass(MoneyTypeError, InputError)


@given(st.floats())
@example(4.33)
@example(0.0)
@example(math.nan)
@example(math.inf)
def test_floats_are_always_refused(value: float) -> None:
    with pytest.raises(MoneyTypeError) as info:
        to_money(value)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, KiapRulesError)


@given(st.floats())
def test_floats_are_refused_as_rates_too(value: float) -> None:
    with pytest.raises(MoneyTypeError):
        to_rate(value)


def test_float_refusal_names_the_field_and_suggests_a_string() -> None:
    with pytest.raises(MoneyTypeError) as info:
        to_money(4.33, field="operating")
    assert "operating" in str(info.value)
    assert "'4.33'" in str(info.value)
    assert info.value.field == "operating"


@pytest.mark.parametrize("value", [True, False])
def test_bools_are_refused_although_python_counts_them_as_ints(value: bool) -> None:
    with pytest.raises(MoneyTypeError):
        to_money(value)


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, b"4.33", 1j])
def test_other_types_are_refused_with_money_type_error(value: object) -> None:
    with pytest.raises(MoneyTypeError):
        to_money(value)


# --- what is accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("4.33", "4.33"),
        ("4.3", "4.30"),
        (" 4.33 ", "4.33"),
        ("129900", "129900.00"),
        (129900, "129900.00"),
        (Decimal("10000"), "10000.00"),
        ("-12.5", "-12.50"),
        ("4.330000", "4.33"),
        ("1E+2", "100.00"),
        ("0", "0.00"),
    ],
)
def test_exact_values_are_accepted_with_two_decimals(given_value: object, expected: str) -> None:
    result = to_money(given_value)
    assert result == Decimal(expected)
    assert str(result) == expected


@given(st.decimals(places=2, allow_nan=False, allow_infinity=False,
                   min_value=-10**12, max_value=10**12))
def test_every_amount_keeps_its_value_and_has_exactly_two_decimals(value: Decimal) -> None:
    for form in (value, str(value), f"{value:f}"):
        result = to_money(form)
        assert result == value
        assert _places(result) == 2


@given(st.integers(-10**12, 10**12))
def test_ints_become_amounts_with_two_decimals(value: int) -> None:
    result = to_money(value)
    assert result == value
    assert _places(result) == 2
    assert format_money(result) == f"{value}.00"


def test_result_does_not_depend_on_the_callers_decimal_context() -> None:
    """A caller's low-precision context cannot round an amount."""
    with decimal.localcontext(decimal.Context(prec=3)):
        assert to_money("123456.78") == Decimal("123456.78")
        assert round_ore(Decimal("123456.785")) == Decimal("123456.79")


@pytest.mark.parametrize("rounding", [decimal.ROUND_HALF_EVEN, decimal.ROUND_DOWN])
def test_no_function_depends_on_the_callers_decimal_context(rounding: str) -> None:
    """Neither the caller's precision nor its rounding reaches any amount (I6 is half up)."""
    with decimal.localcontext(decimal.Context(prec=3, rounding=rounding)):
        assert to_rate("4.2575") == Decimal("4.2575")
        assert from_ore(price_ore(Decimal("4.33"), [30_000])) == Decimal("129900.00")
        assert from_ore(price_ore(Decimal("0.0025"), [2])) == Decimal("0.01")  # 0.005, half up
        assert format_money(Decimal("129900")) == "129900.00"
        assert format_money(Decimal("-20000.5")) == "-20000.50"
        assert format_rate(Decimal("129900.005")) == "129900.005"
        assert format_rate(Decimal("4.3")) == "4.30"


@pytest.mark.parametrize(("value", "expected"), [
    ("1_000.50", "1000.50"), (" 12_345 ", "12345.00"), ("1_0.0_5", "10.05")])
def test_digits_may_be_grouped_with_single_underscores(value: str, expected: str) -> None:
    assert str(to_money(value)) == expected


@pytest.mark.parametrize("value", ["_1000", "1__000", "1000_", "1_000_", "1._05", "_"])
def test_an_underscore_anywhere_else_is_refused(value: str) -> None:
    with pytest.raises(InputError, match="must be an amount in kroner") as info:
        to_money(value, field="amount")
    assert info.value.field == "amount"


# Every refusal names the field it was given and says what was wrong.
_REFUSALS = [
    (to_money, "abc", "InputError", "must be an amount in kroner, got 'abc'"),
    (to_money, "4.", "InputError", "must be an amount in kroner, got '4.'"),
    (to_money, [1], "MoneyTypeError", "must be an amount in kroner, got list [1]"),
    (to_money, None, "MoneyTypeError", "must be an amount in kroner, got NoneType None"),
    (to_money, Decimal("Infinity"), "InputError",
     "must be an amount in kroner (a finite number), got Decimal('Infinity')"),
    (to_money, "1.005", "InputError",
     "must be kroner to the øre (at most two decimals), got '1.005'"),
    (to_money, "1e40", "InputError", "is too large: at most 1,000,000,000,000 kr, got '1e40'"),
    (to_rate, "abc", "InputError", "must be a rate in kroner, got 'abc'"),
    (to_rate, b"4", "MoneyTypeError", "must be a rate in kroner, got bytes b'4'"),
    (to_rate, Decimal("NaN"), "InputError",
     "must be a rate in kroner (a finite number), got Decimal('NaN')"),
    (to_rate, "-0.01", "InputError", "must not be negative, got '-0.01'"),
    (to_rate, "4.33001", "InputError", "must have at most 4 decimals, got '4.33001'"),
    (to_rate, "1e40", "InputError", "is too large: at most 1,000,000,000,000 kr, got '1e40'"),
]


@pytest.mark.parametrize(("convert", "value", "kind", "message"), _REFUSALS)
def test_every_refusal_names_its_field_and_says_what_was_wrong(
        convert: Callable[..., Decimal], value: object, kind: str, message: str) -> None:
    with pytest.raises(KiapRulesError) as info:
        convert(value, field="rate")
    assert type(info.value).__name__ == kind
    assert info.value.field == "rate"
    assert str(info.value) == f"rate: {message}"


# --- what is refused ----------------------------------------------------------


@given(st.integers(0, 10**12), st.integers(1, 9), st.integers(3, 40))
@example(100, 5, 3)  # "1.005"
@example(10**29, 1, 30)  # 1.000…001, longer than the default 28-digit context
def test_sub_ore_amounts_are_refused_not_rounded(head: int, last: int, places: int) -> None:
    # Built from text, exactly: the last of `places` decimals is not 0.
    value = Decimal(f"{head}{last}E-{places}")
    negative = Decimal(f"-{head}{last}E-{places}")
    for form in (value, str(value), f"{value:f}", negative, f"{negative:f}"):
        with pytest.raises(InputError, match="øre"):
            to_money(form)


def test_one_and_a_half_ore_is_refused() -> None:
    with pytest.raises(InputError):
        to_money("1.005")


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "Inf",
     Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")],
)
def test_nan_and_infinity_are_refused(value: object) -> None:
    with pytest.raises(InputError):
        to_money(value)
    with pytest.raises(InputError):
        to_rate(value)


@pytest.mark.parametrize("value", ["", " ", "4,33", "4.", "kr 4", "4.33kr", "1e", "--1", "0x10"])
def test_text_that_is_not_a_decimal_is_refused(value: str) -> None:
    with pytest.raises(InputError):
        to_money(value)


@pytest.mark.parametrize("value", ["1e40", 10**40, "1e999999999", Decimal("9" * 40),
                                   10**12 + 1, "-1000000000000.01", "9" * 32])
def test_amounts_too_large_for_the_ore_are_refused_with_an_input_error(value: object) -> None:
    with pytest.raises(InputError, match="too large"):
        to_money(value)


def test_negative_amounts_are_refused_when_not_allowed() -> None:
    assert to_money("-1.00") == Decimal("-1.00")
    with pytest.raises(InputError, match="negative"):
        to_money("-1.00", allow_negative=False)


@given(st.text(max_size=30))
@example("1.00000000000000000000000000000000000001")
@example("1e-999999999")
@example("9" * 50)
def test_any_text_gives_an_amount_or_a_kiaprules_error(text: str) -> None:
    try:
        result = to_money(text)
    except KiapRulesError:
        return
    assert _places(result) == 2


# --- rates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [("4.33", "4.33"), ("4.3", "4.30"), ("4.2575", "4.2575"), ("4.33000", "4.33"), (3, "3.00")],
)
def test_rates_keep_up_to_four_decimals_and_at_least_two(given_value: object,
                                                         expected: str) -> None:
    assert str(to_rate(given_value)) == expected


@pytest.mark.parametrize("value", ["4.33001", "-0.01"])
def test_rates_with_five_decimals_or_below_zero_are_refused(value: str) -> None:
    with pytest.raises(InputError):
        to_rate(value)


# --- rounding (I6: half up, to the øre) --------------------------------------


def _half_up_reference(value: Decimal) -> Decimal:
    """Half up (away from zero on a tie), computed on integers."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    n = int("".join(map(str, digits)) or "0")
    scale = 10 ** max(0, -exponent)
    n *= 10 ** max(0, exponent)
    cents, rest = divmod(n * 100, scale)
    if 2 * rest >= scale:
        cents += 1
    return Decimal(-cents if sign else cents).scaleb(-2)


@given(st.decimals(places=6, allow_nan=False, allow_infinity=False,
                   min_value=-10**9, max_value=10**9))
@example(Decimal("0.005"))
@example(Decimal("2.675"))  # as a float 2.675 is 2.67499999…, and rounds down
@example(Decimal("-0.005"))
@example(Decimal("0.004999"))
@example(Decimal("129900.000"))
def test_round_ore_is_half_up(value: Decimal) -> None:
    result = round_ore(value)
    assert result == _half_up_reference(value)
    assert _places(result) == 2
    assert abs(result - value) <= ORE / 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("2.675", "2.68"), ("0.004", "0.00"), ("0.015", "0.02"),
     ("-0.005", "-0.01"), ("1.2345", "1.23")],
)
def test_round_ore_pinned_cases(value: str, expected: str) -> None:
    assert str(round_ore(Decimal(value))) == expected


def test_format_money_writes_plain_digits_with_two_decimals() -> None:
    assert format_money(Decimal("194700")) == "194700.00"
    assert format_money(Decimal("1E+6")) == "1000000.00"


def test_money_leaves_decimal_only_through_to_float() -> None:
    """No module but money.py calls float(): a float of money is asked for by name
    (to_frame(money="float")) or drawn (charts), and then through to_float."""
    import ast

    package = Path(__file__).resolve().parents[2] / "kiaprules"
    calls = [f"{path.relative_to(package)}:{node.lineno}"
             for path in package.rglob("*.py") if path.name != "money.py"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "float"]
    assert calls == []
