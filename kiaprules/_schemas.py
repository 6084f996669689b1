"""The JSON Schemas of every JSON kiaprules writes, shipped inside the package.

The schemas are data files, ``kiaprules/schemas/NAME.json`` (JSON Schema
draft 2020-12), found as package data (:mod:`importlib.resources`, so in a
wheel, a zip or a source checkout alike), read by the bounded reader and
parsed by its parser. Each is self-contained: its ``$defs`` hold everything it
refers to. docs/json-format.md lists them with the stability promise.

>>> json_schema("payouts")["$defs"]["amount"]["pattern"]
'^-?[0-9]+\\\\.[0-9]{2}$'
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

from kiaprules._files import parse_document, read_bytes
from kiaprules.errors import InputError

__all__ = ["SCHEMAS", "json_schema"]

#: Every schema, by name: what it describes.
SCHEMAS: Final = {
    "check": "kiaprules check --format json",
    "clusters": "a cluster file in JSON, as kiaprules generate and dumps_clusters write it",
    "compare": "kiaprules payouts --compare --format json (Comparison.to_json())",
    "error": "an error on standard error under --format json",
    "expenses": "kiaprules expenses --format json (ExpenseReport.to_json())",
    "explain": "kiaprules explain --format json (Explanation.to_dict())",
    "ledger": "kiaprules ledger --format json (Account.to_json())",
    "national": "kiaprules national --format json (NationalSummary.to_json())",
    "payouts": "kiaprules payouts --format json (PayoutReport.to_json())",
    "receipt": "a receipt, kiaprules payouts --receipt FILE (make_receipt())",
    "reproduce": "kiaprules reproduce --format json (Reproduction.to_json())",
    "ruleset": "kiaprules ruleset show --format json",
    "rulesets": "kiaprules rulesets --format json",
    "sweep": "a scenario sweep (Sweep.to_json())",
}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON output ``name``, as plain data.

    ``name`` is one of ``SCHEMAS``: ``"payouts"``, ``"explain"``, ``"error"``, …
    Each call reads the file afresh, so the caller may change what it gets.
    """
    if not isinstance(name, str) or name not in SCHEMAS:
        raise InputError(f"no schema {name!r}; the schemas are {', '.join(SCHEMAS)}",
                         field="schema", code="input.unknown_schema")
    shipped = resources.files("kiaprules").joinpath("schemas", f"{name}.json")
    with resources.as_file(shipped) as path:  # the file itself, unless the package is zipped
        data = read_bytes(path, what="schema file")
    return parse_document(data, path=f"kiaprules/schemas/{name}.json", fmt="json")
