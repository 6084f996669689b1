"""Money: ``decimal.Decimal`` kroner to the øre, never float.

Amounts (what is paid, spent or printed) have exactly two decimals. Rates
(kroner per patient, per capacity, per hour) are exact decimals too; they
may carry up to four decimals so that an analyst can try a rate between
published øre, but a published rate always has two.

A float is refused wherever money enters: ``4.33`` as a binary float is
4.3300000000000000710542735760100185871124267578125, and a rules engine that
accepts it has already lost the øre it was asked to explain.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from kiaprules._i18n import N_, Count, danish_decimal, message
from kiaprules.errors import InputError, MoneyTypeError

__all__ = ["ORE", "ZERO", "difference", "exact_quotient", "format_kr", "format_kr_da",
           "format_money", "format_rate", "from_ore", "negated", "ore_half_up", "parse_decimal",
           "parse_kr_da", "per_unit_ore", "plus", "product_ore", "round_ore", "to_float",
           "to_money", "to_ore", "to_rate", "total"]

#: One øre, the smallest unit any amount is kept in.
ORE = Decimal("0.01")
_RATE_PLACES = 4
#: The largest amount or rate kiaprules takes in (a trillion kroner): far above
#: any cluster's or country's, far below where øre arithmetic could lose digits.
MAX_KRONER = Decimal(10) ** 12

# Arithmetic on money never depends on the caller's decimal context: amounts
# of a whole country fit in 28 digits with room to spare, and every rounding
# the rules ask for is explicit (round_ore).
_CONTEXT = decimal.Context(prec=34, rounding=ROUND_HALF_UP, traps=[decimal.InvalidOperation])
# Sums and differences of amounts are exact: one that would round raises
# (bounded inputs keep every sum far inside 60 digits).
_EXACT = decimal.Context(prec=60, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999,
                         traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow])

#: Zero kroner, to the øre.
ZERO = Decimal("0.00")


# An underscore groups digits only between two of them ("1_000"): C's decimal
# module would also take "_1", "1__0" and "1._5", which no person means.
_STRAY_UNDERSCORE = re.compile(r"(?<![0-9])_|_(?![0-9])")


def parse_decimal(value: object, *, field: str | None = None, what: str) -> Decimal:
    """An exact ``Decimal`` from an int, a Decimal or a decimal string.

    Floats (and bools, which Python counts as ints) are refused with
    :class:`MoneyTypeError`; anything else that is not a finite decimal with
    :class:`InputError`. ``what`` names the number in the message ("an amount
    in kroner"). A string follows Python's own decimal syntax, so digits may
    be grouped with single underscores between digits (``"1_000.50"``), as
    in a TOML number.
    """
    # ``what`` is marked for the catalogue where it is written (N_), and shown in the
    # language of the error.
    named = message(what)
    if isinstance(value, bool):
        raise MoneyTypeError(message("must be {what}, got a bool {value}", what=named,
                                     value=repr(value)), field=field, code="money.wrong_type")
    if isinstance(value, float):
        raise MoneyTypeError(
            message("must be {what} given exactly (a string like '4.33', an int or a "
                    "Decimal), got the float {value}; floats cannot hold øre exactly",
                    what=named, value=repr(value)),
            field=field,
            code="money.float",
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if _STRAY_UNDERSCORE.search(text):
            raise InputError(message("must be {what}, got {value}", what=named,
                                     value=repr(value)), field=field, code="input.not_a_number")
        try:
            result = Decimal(text)
        except decimal.InvalidOperation:
            raise InputError(message("must be {what}, got {value}", what=named,
                                     value=repr(value)), field=field,
                             code="input.not_a_number") from None
        if not text or text[-1] not in "0123456789":
            raise InputError(message("must be {what}, got {value}", what=named,
                                     value=repr(value)), field=field, code="input.not_a_number")
    else:
        raise MoneyTypeError(message("must be {what}, got {type} {value}", what=named,
                                     type=type(value).__name__, value=repr(value)),
                             field=field, code="money.wrong_type")
    if not result.is_finite():
        raise InputError(message("must be {what} (a finite number), got {value}", what=named,
                                 value=repr(value)), field=field, code="input.not_a_number")
    if result.copy_abs() > MAX_KRONER:
        raise InputError(message("is too large: at most {maximum} kr, got {value}",
                                 maximum=Count(MAX_KRONER), value=repr(value)), field=field,
                         code="input.out_of_range")
    return result


def _places(value: Decimal) -> int:
    """The decimal places ``value`` needs, counted exactly (trailing zeros do not count).

    Counted on the digits, not with ``normalize()``: that rounds to the current
    context's precision, and would turn 1.000…0001 (30 digits) into 1.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by parse_decimal
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(exponent + len(digits) - len(significant)))


def _quantize(value: Decimal, exp: Decimal, original: object, field: str | None) -> Decimal:
    try:
        return value.quantize(exp, context=_CONTEXT)
    except decimal.InvalidOperation:
        raise InputError(message("is too large to be kept to the øre, got {value}",
                                 value=repr(original)), field=field,
                         code="input.out_of_range") from None


def to_money(value: object, *, field: str | None = None, allow_negative: bool = True) -> Decimal:
    """An amount in kroner with exactly two decimals.

    >>> to_money("4.3")
    Decimal('4.30')
    >>> to_money(129900)
    Decimal('129900.00')

    An amount with more than two decimals (a fraction of an øre) is refused,
    not rounded: rounding is a rule, and rules are applied by the engine.
    """
    amount = parse_decimal(value, field=field, what=N_("an amount in kroner"))
    if _places(amount) > 2:
        raise InputError(
            f"must be kroner to the øre (at most two decimals), got {value!r}", field=field,
            code="input.too_many_decimals",
        )
    if not allow_negative and amount < 0:
        raise InputError(f"must not be negative, got {value!r}", field=field,
                         code="input.out_of_range")
    return _quantize(amount, ORE, value, field)


def to_rate(value: object, *, field: str | None = None) -> Decimal:
    """A rate in kroner per unit: an exact, non-negative decimal, at most four decimals."""
    rate = parse_decimal(value, field=field, what=N_("a rate in kroner"))
    if rate < 0:
        raise InputError(f"must not be negative, got {value!r}", field=field,
                         code="input.out_of_range")
    if _places(rate) > _RATE_PLACES:
        raise InputError(
            f"must have at most {_RATE_PLACES} decimals, got {value!r}", field=field,
            code="input.too_many_decimals",
        )
    places = max(2, _places(rate))
    return _quantize(rate, Decimal(1).scaleb(-places), value, field)


def ore_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` øre rounded to a whole øre, half up (away from zero).

    The one rounding of money (interpretation I6: "rounded to øre (0.01 kr),
    half up"). Exact integer arithmetic, so no decimal context, the
    caller's or ours, can change it.

    >>> ore_half_up(12805, 10), ore_half_up(-5, 2), ore_half_up(3, 2), ore_half_up(7, 3)
    (1281, -3, 2, 2)
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -whole if numerator < 0 else whole


def from_ore(ore: int) -> Decimal:
    """A whole number of øre as kroner with two decimals, exactly (no context rounds it).

    >>> from_ore(12805), from_ore(-5), from_ore(0)
    (Decimal('128.05'), Decimal('-0.05'), Decimal('0.00'))
    """
    return Decimal(f"{ore}E-2")


def to_ore(amount: Decimal) -> int:
    """An amount to the øre as a whole number of øre, exactly: the inverse of :func:`from_ore`.

    Refuses an amount with a fraction of an øre rather than round it: money
    in kiaprules is always kept to the øre, and rounding is a rule.

    >>> to_ore(Decimal("128.05")), to_ore(Decimal("-0.05")), to_ore(Decimal("3"))
    (12805, -5, 300)
    """
    numerator, denominator = amount.as_integer_ratio()
    ore, rest = divmod(100 * numerator, denominator)
    if rest:
        raise InputError(f"must be kroner to the øre, got {amount!r}", field="amount",
                         code="input.too_many_decimals")
    return ore


def round_ore(value: Decimal) -> Decimal:
    """``value`` rounded to the øre, half up (I6), whatever the caller's decimal context.

    >>> round_ore(Decimal("-0.005")), round_ore(Decimal("12.3449"))
    (Decimal('-0.01'), Decimal('12.34'))
    """
    numerator, denominator = value.as_integer_ratio()
    return from_ore(ore_half_up(100 * numerator, denominator))


def product_ore(a: Decimal, b: Decimal) -> Decimal:
    """``a`` × ``b`` rounded to the øre, half up, exactly (no decimal context reaches it).

    >>> product_ore(Decimal("7.5"), Decimal("1072.03"))
    Decimal('8040.23')
    """
    an, ad = a.as_integer_ratio()
    bn, bd = b.as_integer_ratio()
    return from_ore(ore_half_up(100 * an * bn, ad * bd))


def per_unit_ore(amount: Decimal, units: int) -> Decimal:
    """``amount`` / ``units`` rounded to the øre, half up, exactly.

    >>> per_unit_ore(Decimal("7000.01"), 14)
    Decimal('500.00')
    """
    n, d = amount.as_integer_ratio()
    return from_ore(ore_half_up(100 * n, d * units))


def to_float(amount: Decimal) -> float:
    """``amount`` as the nearest float: the one place money leaves ``Decimal``.

    Only where floats are asked for by name (``to_frame(money="float")``) or
    where a chart draws (matplotlib works in floats); never in a computation.

    >>> to_float(Decimal("129900.05"))
    129900.05
    """
    return float(amount)


def total(amounts: Iterable[Decimal], start: Decimal = ZERO) -> Decimal:
    """The exact sum of ``amounts`` (from ``start``), whatever the caller's decimal context.

    The one way money is added up: ``sum()`` on Decimals rounds to the
    caller's precision (``prec = 3`` makes 68,110.90 into 68,100).

    >>> import decimal
    >>> with decimal.localcontext(prec=3, rounding=decimal.ROUND_FLOOR):
    ...     total([Decimal("68000.45"), Decimal("110.45")])
    Decimal('68110.90')
    """
    add = _EXACT.add
    result = start
    for amount in amounts:
        result = add(result, amount)
    return result


def plus(a: Decimal, b: Decimal) -> Decimal:
    """``a + b`` exactly, whatever the caller's decimal context."""
    return _EXACT.add(a, b)


def difference(a: Decimal, b: Decimal) -> Decimal:
    """``a - b`` exactly, whatever the caller's decimal context."""
    return _EXACT.subtract(a, b)


def negated(a: Decimal) -> Decimal:
    """``-a`` exactly (zero stays ``0.00``, as the default context writes it)."""
    return _EXACT.minus(a)


def exact_quotient(a: Decimal, b: Decimal | int, places: int) -> Decimal:
    """``a / b`` rounded half up to ``places`` decimals, whatever the caller's context."""
    return _CONTEXT.divide(a, Decimal(b)).quantize(Decimal(1).scaleb(-places), context=_CONTEXT)


def format_money(amount: Decimal) -> str:
    """The canonical text of an amount: plain digits, a point, two decimals.

    >>> format_money(Decimal("194700"))
    '194700.00'
    """
    return f"{amount.quantize(ORE, context=_CONTEXT):f}"


def format_kr(amount: Decimal, *, signed: bool = False) -> str:
    """Amounts in tables and explanations: thousands separated by commas, two decimals.

    ``signed`` shows a plus sign on amounts above zero (a difference).

    >>> format_kr(Decimal("-20000")), format_kr(Decimal("1344.7"), signed=True)
    ('-20,000.00', '+1,344.70')
    """
    # Quantized in our context first: formatting rounds in the caller's.
    amount = amount.quantize(ORE, context=_CONTEXT)
    return f"{amount:+,.2f}" if signed else f"{amount:,.2f}"


def format_kr_da(amount: Decimal, *, signed: bool = False, unit: bool = True) -> str:
    """An amount as Danish writes it: ``129.900,00 kr.`` (``.`` between thousands,
    ``,`` before the øre, ``kr.`` after; ``unit=False`` leaves ``kr.`` off, for a column
    whose header says it).

    >>> format_kr_da(Decimal("129900")), format_kr_da(Decimal("-20000"), unit=False)
    ('129.900,00 kr.', '-20.000,00')
    >>> format_kr_da(Decimal("1344.7"), signed=True)
    '+1.344,70 kr.'
    """
    amount = amount.quantize(ORE, context=_CONTEXT)
    text = danish_decimal(amount)
    if signed and amount > 0:
        text = "+" + text
    return f"{text} kr." if unit else text


_DANISH_KR = re.compile(r"([+-]?)(\d{1,3}(?:\.\d{3})*),(\d\d)(?: kr\.)?")


def parse_kr_da(text: str) -> Decimal:
    """The amount a Danish text such as ``129.900,00 kr.`` writes (the inverse of
    :func:`format_kr_da`).

    >>> parse_kr_da("129.900,00 kr."), parse_kr_da("-0,05")
    (Decimal('129900.00'), Decimal('-0.05'))
    """
    match = _DANISH_KR.fullmatch(text.strip())
    if match is None:
        raise InputError(f"must be an amount written the Danish way (129.900,00 kr.), "
                         f"got {text!r}", code="input.not_a_number")
    sign, whole, ore = match.groups()
    return Decimal(f"{'-' if sign == '-' else ''}{whole.replace('.', '')}.{ore}")


def format_rate(rate: Decimal) -> str:
    """The canonical text of a rate: at least two decimals, no trailing noise."""
    places = max(2, _places(rate))  # not normalize(): that rounds in the caller's context
    return f"{rate.quantize(Decimal(1).scaleb(-places), context=_CONTEXT):f}"
