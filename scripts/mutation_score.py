"""Summarise a mutmut 3 run: killed / (total − equivalent), per module and overall.

Reads mutmut's result files (mutants/kiaprules/*.py.meta) and the list of
mutants judged equivalent in docs/quality.md (the lines of its
"Equivalent mutants" table that name a mutant, `kiaprules._x.x_f__mutmut_N`).
Writes mutation-results.json and prints a table. Run from the repository root.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 37, -24, 24, 152, 255, 36}  # killed, or stopped by a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalents(doc: Path) -> set[str]:
    if not doc.is_file():
        return set()
    text = doc.read_text(encoding="utf-8")
    section = text.split("## Equivalent mutants", 1)[-1].split("\n## ", 1)[0] \
        if "## Equivalent mutants" in text else ""
    return set(re.findall(r"`(kiaprules\.[^`\s]+__mutmut_\d+)`", section))


def main() -> int:
    root = Path.cwd()
    equiv = equivalents(root / "docs" / "quality.md")
    rows = []
    survivors: dict[str, list[str]] = {}
    totals: Counter[str] = Counter()
    base = root / "mutants" / "kiaprules"
    for meta in sorted(base.rglob("*.py.meta")):
        # kiaprules/engine/quantities.py.meta -> kiaprules.engine.quantities
        parts = meta.relative_to(base).with_name(meta.name.removesuffix(".py.meta")).parts
        module = ".".join(("kiaprules", *parts))
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        c: Counter[str] = Counter()
        for key, code in codes.items():
            c["total"] += 1
            if key in equiv:
                c["equivalent"] += 1
                if code in KILLED:
                    c["equivalent_but_killed"] += 1
            elif code in KILLED:
                c["killed"] += 1
            elif code in SURVIVED:
                c["survived"] += 1
                survivors.setdefault(module, []).append(key)
            elif code in NO_TESTS:
                c["no_tests"] += 1
                survivors.setdefault(module, []).append(key)
            elif code is None:
                c["not_checked"] += 1
            else:
                c["other"] += 1
        rows.append((module, c))
        totals.update(c)
    rows.append(("TOTAL", totals))
    out = {}
    print(f"{'module':28} {'total':>6} {'equiv':>6} {'killed':>7} {'surv':>5} {'notest':>6} "
          f"{'unchk':>6} {'score':>7}")
    for module, c in rows:
        judged = c["total"] - c["equivalent"] - c["not_checked"]
        score = 100.0 * c["killed"] / judged if judged else 0.0
        out[module] = dict(c, score=round(score, 2))
        print(f"{module:28} {c['total']:6} {c['equivalent']:6} {c['killed']:7} "
              f"{c['survived']:5} {c['no_tests']:6} {c['not_checked']:6} {score:6.2f}%")
    (root / "mutation-results.json").write_text(
        json.dumps({"modules": out, "survivors": survivors}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
