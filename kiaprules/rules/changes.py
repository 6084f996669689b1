"""What changed between two rulesets: each dated value, parameter and policy reading.

A receipt holds the ruleset it was made with. When the ruleset of that id
has been updated since, :func:`ruleset_changes` says how, in the terms an
auditor checks a figure by: the parameter, the period, the old and the new
value.

>>> import datetime as dt
>>> from kiaprules.rules.loader import load_ruleset
>>> old = load_ruleset("dk-kiap")
>>> new = old.with_override("operating_rate", "1.10", dt.date(2022, 1, 1), dt.date(2023, 1, 1))
>>> ruleset_changes(old, new)
('operating_rate 2022 1.12 → 1.10 (override)',)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kiaprules.rules.ruleset import DatedValue, Parameter, Ruleset, format_value

__all__ = ["period_text", "ruleset_changes"]


def period_text(start: dt.date, end: dt.date | None) -> str:
    """The days from ``start`` until ``end`` (exclusive), in whole years where they are.

    >>> period_text(dt.date(2022, 1, 1), dt.date(2023, 1, 1))
    '2022'
    >>> period_text(dt.date(2019, 1, 1), dt.date(2022, 1, 1))
    '2019-2021'
    >>> period_text(dt.date(2026, 1, 1), None)
    'from 2026'
    >>> period_text(dt.date(2023, 4, 1), dt.date(2024, 1, 1))
    '2023-04-01 to 2023-12-31'
    >>> period_text(dt.date(2023, 4, 1), None)
    'from 2023-04-01'
    """
    whole = (start.month, start.day) == (1, 1) and (end is None or (end.month, end.day) == (1, 1))
    if end is None:
        return f"from {start.year}" if whole else f"from {start.isoformat()}"
    if whole:
        last = end.year - 1
        return str(start.year) if last == start.year else f"{start.year}-{last}"
    return f"{start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()}"


def _shown(parameter: Parameter | None, entry: DatedValue | None) -> str:
    """A dated value as a change shows it: the value, and its status when that is not the
    plain one (``published`` with a value, ``unpublished`` without)."""
    if parameter is None or entry is None:
        return "none"
    if entry.value is None:
        return entry.status
    text = format_value(parameter.kind, entry.value)
    return text if entry.status == "published" else f"{text} ({entry.status})"


def _entry(parameter: Parameter | None, day: dt.date) -> DatedValue | None:
    if parameter is None:
        return None
    for entry in parameter.values:
        if entry.covers(day):
            return entry
    return None


def _value_changes(name: str, old: Parameter | None, new: Parameter | None) -> Iterator[str]:
    """``name PERIOD OLD → NEW`` for each period in which the two parameters differ, adjacent
    periods with the same change joined into one."""
    edges: set[dt.date] = set()
    for parameter in (old, new):
        for entry in parameter.values if parameter else ():
            edges.add(entry.start)
            if entry.end is not None:
                edges.add(entry.end)
    days = sorted(edges)
    run: tuple[dt.date, str, str] | None = None
    for i, start in enumerate(days):
        end = days[i + 1] if i + 1 < len(days) else None
        before, after = _shown(old, _entry(old, start)), _shown(new, _entry(new, start))
        if run is not None and (before, after) != run[1:]:
            if run[1] != run[2]:
                yield f"{name} {period_text(run[0], start)} {run[1]} → {run[2]}"
            run = None
        if run is None:
            run = (start, before, after)
        if end is None and run[1] != run[2]:
            yield f"{name} {period_text(run[0], None)} {run[1]} → {run[2]}"


def ruleset_changes(old: Ruleset, new: Ruleset) -> tuple[str, ...]:
    """How ``new`` differs from ``old``: each changed dated value (``operating_rate 2022
    1.12 → 1.10``), parameter and policy reading, in the order of their names.

    Empty when the two hold the same figures and readings; their text
    (citations, labels, descriptions) may still differ, and with it their
    fingerprints.
    """
    changes: list[str] = []
    for name in sorted(set(old.parameters) | set(new.parameters)):
        before, after = old.parameters.get(name), new.parameters.get(name)
        if before is not None and after is not None and before.values == after.values \
                and before.kind == after.kind:
            continue
        changes.extend(_value_changes(name, before, after))
    for name in sorted(set(old.policies) | set(new.policies)):
        was, now = old.policies.get(name), new.policies.get(name)
        if was is None or now is None:
            changes.append(f"policy {name} {'added' if was is None else 'removed'}")
            continue
        if was.default != now.default:
            changes.append(f"policy {name} default {was.default} → {now.default}")
        if set(was.choices) != set(now.choices):
            changes.append(f"policy {name} readings {', '.join(sorted(was.choices))} → "
                           f"{', '.join(sorted(now.choices))}")
    return tuple(changes)
