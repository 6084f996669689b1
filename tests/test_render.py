"""The one JSON writer's compact form (kiaprules._render.json_line, issue #16): JSON Lines.

A line is what ``json.dumps(..., separators=(",", ":"))`` writes, sanitized as
the indented form is; it reads back as the same data; and no text, however
odd, breaks it into two lines, whichever way the reader splits lines.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules._i18n import message
from kiaprules._render import json_line, json_text
from kiaprules._text import mask_cpr_like

LEAVES = st.none() | st.booleans() | st.integers() | st.text()
DATA = st.recursive(LEAVES, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=20)


def _printable(data: Any) -> bool:
    """Whether every text in ``data`` is left as it is by the sanitizer."""
    if isinstance(data, str):
        return data.isprintable() and mask_cpr_like(data) == data
    if isinstance(data, list):
        return all(_printable(item) for item in data)
    if isinstance(data, dict):
        return all(_printable(k) and _printable(v) for k, v in data.items())
    return True


@given(DATA)
@example({"name": "Klynge\n\u2028\u2029\x85\x1c\x1d\x1e\x0b\x0c\r 010180-1234"})
@example([{}, [], "", {"": None}])
def test_a_line_is_one_line_of_the_indented_jsons_data(data: Any) -> None:
    line = json_line(data)
    assert line.endswith("\n") and len(line.splitlines()) == 1 and line.count("\n") == 1
    assert json.loads(line) == json.loads(json_text(data))
    if _printable(data):
        assert line == json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        assert json.loads(line) == data


def test_a_line_masks_and_escapes_as_the_indented_form_does() -> None:
    line = json_line({"k": "010180-1234\u202e\u2028"})
    assert line == '{"k":"010180-XXXX\\u202e\\u2028"}\n'


def test_a_message_is_written_as_its_english_text() -> None:
    """A warning that can also be shown in Danish (kiaprules._i18n) is, in JSON, its text."""
    warning = message("left on {date}", date="2021-09-01")
    assert json_line({"warnings": [warning], "w": warning}) == \
        '{"warnings":["left on 2021-09-01"],"w":"left on 2021-09-01"}\n'
    assert json_text([warning]) == '[\n  "left on 2021-09-01"\n]\n'
