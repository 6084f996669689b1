"""Expense files: TOML, JSON or CSV (see docs/expenses.md, "The expense file").

A TOML or JSON file holds ``[[expense]]`` tables and, for the ledger, the
account's own tables: ``[account]``, ``[[general_assembly]]`` and
``[[budget]]``. A CSV file holds expenses only, one a row, the first line
naming the columns. Every refusal names the file, the record (``expense[N]``
counted from 1, or ``row[N]``, the CSV line number) and the field.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from kiaprules._files import check_keys, parse_document, path_name, read_bytes, read_document
from kiaprules._text import mask_cpr_like
from kiaprules.errors import InputError, InputTypeError, KiapRulesError
from kiaprules.model.account import LedgerInput
from kiaprules.model.calendar import parse_date, parse_year
from kiaprules.model.expense import Expense
from kiaprules.model.money import to_money

__all__ = [
    "CSV_COLUMNS",
    "EXPENSE_KEYS",
    "expense_from_dict",
    "ledger_input_from_data",
    "ledger_input_from_document",
    "load_expense_records",
    "load_ledger_input",
    "parse_expense_records",
]

EXPENSE_KEYS: Final = frozenset({
    "id", "date", "amount", "category", "payee", "payee_role", "description", "participants",
    "abroad", "documentation", "hours", "hourly_rate", "recipient_cvr", "recipient_cpr"})
CSV_COLUMNS: Final = ("id", "date", "amount", "category", "payee", "payee_role", "description",
                      "participants", "abroad", "documentation", "hours", "hourly_rate",
                      "recipient_cvr", "recipient_cpr")


def expense_from_dict(raw: object, *, path: str | None, record: str) -> Expense:
    """One expense from a table of a file; an error names ``path``, ``record`` and the field."""
    if not isinstance(raw, Mapping):
        raise InputError("must be a table", path=path, record=record, code="input.wrong_type")
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        record = f"{record} ({raw['id'].strip()})"
    check_keys(raw, allowed=EXPENSE_KEYS,
               required={"date", "amount", "category", "payee", "payee_role"},
               path=path, record=record)
    try:
        return Expense(**{k: v for k, v in raw.items()}, source=record, path=path)
    except KiapRulesError as exc:
        raise exc.located(path=path, record=record) from None


def _csv_row(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, text in row.items():
        value = (text or "").strip()
        if value == "":
            continue
        if key == "participants":
            # ASCII digits only: "²" and "١٢" are digits to str.isdigit(), not counts.
            out[key] = int(value) if value.isascii() and value.isdigit() else value
        elif key == "abroad":
            lowered = value.lower()
            out[key] = True if lowered in ("true", "yes", "1", "ja") else \
                False if lowered in ("false", "no", "0", "nej") else value
        elif key == "documentation":
            out[key] = [d.strip() for d in value.split(";") if d.strip()]
        else:
            out[key] = value
    return out


def _read_csv(data: bytes, name: str) -> tuple[list[str], list[dict[Any, Any]]]:
    """The header and rows of the CSV file ``name`` (read by the one bounded reader)."""
    try:
        # utf-8-sig: spreadsheet programs start a "CSV UTF-8" file with a BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", path=name,
                         code="input.not_utf8") from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        raise InputError(f"holds a NUL character (character {at - text.rfind(chr(10), 0, at)} "
                         "of the line); a CSV file is text", path=name, record=f"row[{line}]",
                         code="input.not_csv")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = list(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"cannot be read as CSV: {exc}", path=name, code="input.not_csv") from None
    seen: set[str] = set()
    for column in header:
        if column in seen:
            # csv.DictReader keeps the last of two columns of one name: refuse instead.
            raise InputError("names a column twice in the header", path=name, record="row[1]",
                             field=column, code="input.duplicate")
        seen.add(column)
    return header, rows


def load_expense_records(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[Expense]]:
    """The account head and the expenses of an expenses file (.toml, .json or .csv)."""
    name = path_name(path)
    if name.lower().endswith(".csv"):
        return parse_expense_records(read_bytes(name), path=name, fmt="csv")
    return _records_of_document(read_document(name), name)


def parse_expense_records(data: bytes, *, path: str, fmt: str
                          ) -> tuple[dict[str, Any], list[Expense]]:
    """:func:`load_expense_records` of ``data``, the bytes of ``path`` (``"<stdin>"`` for
    standard input) in the format ``fmt``: ``toml``, ``json`` or ``csv``."""
    if fmt != "csv":
        return _records_of_document(parse_document(data, path=path, fmt=fmt), path)
    header, rows = _read_csv(data, path)
    if not header:
        raise InputError("is empty: the first line names the columns", path=path,
                         code="input.empty")
    for i, row in enumerate(rows, 2):
        if None in row:
            raise InputError(f"has {len(header) + len(row[None])} fields, the header "
                             f"{len(header)}", path=path, record=f"row[{i}]",
                             code="input.not_csv")
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise InputError(f"unknown column; expected {', '.join(CSV_COLUMNS)}",
                         path=path, field=mask_cpr_like(unknown[0]), code="input.unknown_key")
    expenses = [expense_from_dict(_csv_row(r), path=path, record=f"row[{i}]")
                for i, r in enumerate(rows, 2)]
    _refuse_duplicate_ids(expenses, path)
    return {}, expenses


def _records_of_document(document: dict[str, Any], name: str
                         ) -> tuple[dict[str, Any], list[Expense]]:
    check_keys(document, allowed={"account", "expense", "general_assembly", "budget"},
               path=name)
    raw = document.get("expense", [])
    if not isinstance(raw, list):
        raise InputError("must be a list of [[expense]] tables", path=name, field="expense",
                         code="input.wrong_type")
    expenses = [expense_from_dict(r, path=name, record=f"expense[{i}]")
                for i, r in enumerate(raw, 1)]
    _refuse_duplicate_ids(expenses, name)
    return document, expenses


def _refuse_duplicate_ids(expenses: Sequence[Expense], path: str) -> None:
    """Two records with one id would be booked twice: refuse, naming both."""
    seen: dict[str, Expense] = {}
    for e in expenses:
        if not e.id:
            continue
        if e.id in seen:
            raise InputError(f"is also the id of {seen[e.id].label}: an expense is booked once",
                             path=path, record=e.label, field="id", code="input.duplicate")
        seen[e.id] = e


def ledger_input_from_document(document: Mapping[str, Any], path: str) -> LedgerInput:
    """The ``[account]``, ``[[general_assembly]]`` and ``[[budget]]`` tables of an expenses file."""
    account = document.get("account", {})
    if not isinstance(account, Mapping):
        raise InputError("must be a table", path=path, record="account", code="input.wrong_type")
    check_keys(account, allowed={"cluster", "opening_balance"}, path=path, record="account")
    cluster = account.get("cluster")
    if cluster is not None and (not isinstance(cluster, str) or not cluster.strip()):
        raise InputError(f"must be the cluster's name, got {cluster!r}", path=path,
                         record="account", field="cluster", code="input.wrong_type")
    try:
        opening = to_money(account.get("opening_balance", "0"), field="opening_balance")
    except KiapRulesError as exc:
        raise exc.located(path=path, record="account") from None
    assemblies = []
    for i, raw in enumerate(_tables(document, "general_assembly", path), 1):
        record = f"general_assembly[{i}]"
        check_keys(raw, allowed={"date"}, required={"date"}, path=path, record=record)
        try:
            assemblies.append(parse_date(raw["date"], field="date"))
        except KiapRulesError as exc:
            raise exc.located(path=path, record=record) from None
    budgets: dict[int, Decimal] = {}
    for i, raw in enumerate(_tables(document, "budget", path), 1):
        record = f"budget[{i}]"
        check_keys(raw, allowed={"year", "amount"}, required={"year", "amount"}, path=path,
                   record=record)
        try:
            year = parse_year(raw["year"], field="year")
            amount = to_money(raw["amount"], field="amount", allow_negative=False)
        except KiapRulesError as exc:
            raise exc.located(path=path, record=record) from None
        if year in budgets:
            raise InputError(f"a budget for {year} is given twice", path=path, record=record,
                             field="year", code="input.duplicate")
        budgets[year] = amount
    return LedgerInput(cluster=cluster.strip() if isinstance(cluster, str) else None,
                       opening_balance=opening, general_assemblies=tuple(sorted(assemblies)),
                       budgets=budgets)


def ledger_input_from_data(data: Mapping[str, Any], *, source: str = "<data>") -> LedgerInput:
    """The account's own data from an expenses file's content as plain data: its
    ``account``, ``general_assembly`` and ``budget`` tables (others, such as ``expense``,
    are left to :func:`load_expense_records`). Errors name ``source`` as the file.

    >>> ledger_input_from_data({"account": {"opening_balance": "1200.50"},
    ...                         "budget": [{"year": 2024, "amount": "50000"}]}).budgets
    {2024: Decimal('50000.00')}
    """
    if not isinstance(data, Mapping):
        raise InputTypeError(f"must be an expenses file's data (a mapping), got "
                             f"{type(data).__name__}", field="data")
    if not isinstance(source, str):
        raise InputTypeError(f"must be text, got {type(source).__name__}", field="source")
    check_keys(data, allowed={"account", "expense", "general_assembly", "budget"}, path=source)
    return ledger_input_from_document(data, source)


def load_ledger_input(path: str | os.PathLike[str]) -> LedgerInput:
    """The account's own data (``[account]``, ``[[general_assembly]]``, ``[[budget]]``) of
    the expenses file at ``path``; a CSV file holds none, and gives the empty account.

    The file is read as :func:`load_expense_records` reads it, its expenses
    checked too: a file with a malformed expense is refused.
    """
    name = path_name(path)
    document, _ = load_expense_records(name)
    return ledger_input_from_document(document, name)


def _tables(document: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    raw = document.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise InputError(f"must be a list of [[{key}]] tables", path=path, field=key,
                         code="input.wrong_type")
    return raw
