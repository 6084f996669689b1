"""An expense of a cluster's funds, and the words an expense is written in.

:class:`Expense` is the record an expenses file holds (docs/expenses.md, "The
expense file"): frozen, keyword-only, every field converted and checked at
construction, so an expense that exists is well-formed. Its vocabulary
(``CATEGORIES``, ``ROLES``, ``DOCUMENTATION``) is what the spending rules
(:mod:`kiaprules.rules.spending`) decide on. A CPR number in it is kept only
masked in every rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

import attrs

from kiaprules._i18n import N_, Count, message
from kiaprules._text import mask_cpr_like, value_repr
from kiaprules.errors import InputError
from kiaprules.model.calendar import parse_date
from kiaprules.model.identifiers import CprNumber, CvrNumber
from kiaprules.model.money import format_money, parse_decimal, to_money
from kiaprules.model.text import free_text, label_text, name_text

__all__ = ["CATEGORIES", "DOCUMENTATION", "ROLES", "Expense"]

#: What the money is for (docs/expenses.md, "Vocabulary", gives the Danish words).
CATEGORIES: Final = (
    "honorarium", "room_rental", "catering", "meeting_equipment", "meeting_material",
    "speaker_fee", "facilitator_fee", "consultant_fee", "conference", "mileage", "transport",
    "lost_earnings", "medical_equipment", "clinic_operations", "study_trip", "other",
)
#: The payee's role for the cluster.
ROLES: Final = (
    "coordinator", "board_member", "treasurer", "secretary", "speaker", "facilitator",
    "consultant", "member", "clinic", "venue", "supplier",
)
#: The documents an expense can be held with.
DOCUMENTATION: Final = ("contract", "timesheet", "receipt", "invoice", "attendance_list")

_MAX_AMOUNT: Final = Decimal("100000000")  # 100 million kr: larger is a typo


def _choice(options: tuple[str, ...], field: str) -> Any:
    def convert(value: object) -> str:
        if value not in options:
            raise InputError(message("must be one of {options}, got {value}",
                                     options=", ".join(options), value=repr(value)), field=field,
                             code="input.not_a_choice")
        return str(value)
    return convert


def _documentation(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputError(message("must be a list of documents"), field="documentation",
                         code="input.wrong_type")
    items = list(value)
    for item in items:
        if item not in DOCUMENTATION:
            raise InputError(message("must be among {options}, got {value}",
                                     options=", ".join(DOCUMENTATION), value=repr(item)),
                             field="documentation", code="input.not_a_choice")
    return tuple(sorted(set(items)))


def _amount(value: object) -> Decimal:
    amount = to_money(value, field="amount")
    if amount <= 0:
        raise InputError(message("must be more than 0, got {value}", value=repr(value)),
                         field="amount", code="input.out_of_range")
    if amount > _MAX_AMOUNT:
        raise InputError(message("must be at most {maximum} kr (larger is implausible), got "
                                 "{value}", maximum=Count(_MAX_AMOUNT), value=repr(value)),
                         field="amount", code="input.out_of_range")
    return amount


def _optional_rate(value: object) -> Decimal | None:
    if value is None:
        return None
    rate = to_money(value, field="hourly_rate", allow_negative=False)
    if rate == 0:
        raise InputError(message("must be more than 0"), field="hourly_rate",
                         code="input.out_of_range")
    return rate


def _optional_hours(value: object) -> Decimal | None:
    if value is None:
        return None
    hours = parse_decimal(value, field="hours", what=N_("a number of hours"))
    if hours <= 0 or hours > 10000:
        raise InputError(message("must be more than 0 and at most {maximum}, got {value}",
                                 maximum=Count(10000), value=repr(value)), field="hours",
                         code="input.out_of_range")
    return hours


def _optional_participants(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(message("must be a whole number ≥ {minimum}, got {value}", minimum=1,
                                 value=repr(value)), field="participants",
                         code="input.not_a_whole_number")
    if value < 1 or value > 100000:
        raise InputError(message("must be a whole number ≥ {minimum}, got {value}", minimum=1,
                                 value=repr(value)), field="participants",
                         code="input.out_of_range")
    return value


def _optional_cvr(value: object) -> CvrNumber | None:
    return None if value in (None, "") else CvrNumber(value, field="recipient_cvr")


def _optional_cpr(value: object) -> CprNumber | None:
    return None if value in (None, "") else CprNumber(value, field="recipient_cpr")


def _to_id(value: object) -> str:
    return "" if value is None else name_text(value, field="id", required=False)


def _to_payee(value: object) -> str:
    return name_text(value, field="payee")


def _to_description(value: object) -> str:
    return "" if value is None else free_text(value, field="description")


def _to_category(value: object) -> str:
    return str(_choice(CATEGORIES, "category")(value))


def _to_role(value: object) -> str:
    return str(_choice(ROLES, "payee_role")(value))


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise InputError(message("must be true or false, got {value}", value=repr(value)),
                         field="abroad", code="input.wrong_type")
    return value


def _date(value: object) -> dt.date:
    return parse_date(value, field="date")


@attrs.frozen(kw_only=True)
class Expense:
    """One expense of a cluster's funds. A CPR number in it is never shown unmasked."""

    __repr__ = value_repr

    id: str = attrs.field(converter=_to_id, default="")
    date: dt.date = attrs.field(converter=_date)
    amount: Decimal = attrs.field(converter=_amount)
    category: str = attrs.field(converter=_to_category)
    payee: str = attrs.field(converter=_to_payee)
    payee_role: str = attrs.field(converter=_to_role)
    description: str = attrs.field(converter=_to_description, default="")
    participants: int | None = attrs.field(converter=_optional_participants, default=None)
    abroad: bool = attrs.field(converter=_bool, default=False)
    documentation: tuple[str, ...] = attrs.field(converter=_documentation, default=())
    hours: Decimal | None = attrs.field(converter=_optional_hours, default=None)
    hourly_rate: Decimal | None = attrs.field(converter=_optional_rate, default=None)
    recipient_cvr: CvrNumber | None = attrs.field(converter=_optional_cvr, default=None)
    recipient_cpr: CprNumber | None = attrs.field(converter=_optional_cpr, default=None)
    source: str | None = attrs.field(default=None, eq=False, repr=False,
                                     converter=label_text)
    path: str | None = attrs.field(default=None, eq=False, repr=False,
                                   converter=label_text)

    @property
    def label(self) -> str:
        return self.source or (f"expense {self.id}" if self.id else "expense")

    @property
    def recipient(self) -> str | None:
        """The recipient's identifier as shown: CVR number, or the masked CPR number."""
        if self.recipient_cvr:
            return f"CVR {self.recipient_cvr}"
        if self.recipient_cpr:
            return f"CPR {self.recipient_cpr.masked}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The expense as plain data, with any CPR number masked."""
        out: dict[str, Any] = {
            "id": mask_cpr_like(self.id), "date": self.date.isoformat(),
            "amount": format_money(self.amount), "category": self.category,
            "payee": mask_cpr_like(self.payee), "payee_role": self.payee_role,
            "description": mask_cpr_like(self.description), "participants": self.participants,
            "abroad": self.abroad, "documentation": list(self.documentation),
            # Plain notation: hours given as "1e1" are written "10", not "1E+1".
            "hours": None if self.hours is None else f"{self.hours:f}",
            "hourly_rate": None if self.hourly_rate is None else format_money(self.hourly_rate),
            "recipient": self.recipient,
        }
        return out
