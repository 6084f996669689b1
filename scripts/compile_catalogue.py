"""Compile the Danish message catalogue (.po → .mo), and list the messages the package marks.

    python scripts/compile_catalogue.py          # writes the .mo beside the .po
    python scripts/compile_catalogue.py --check  # exit 1 if the .mo is not the compiled .po,
                                                 # or a marked message has no Danish text

(the catalogue: kiaprules/locale/da/LC_MESSAGES/kiaprules.po).

Pure Python, no GNU gettext needed: the .po is read and the .mo written as
CPython's ``Tools/i18n/msgfmt.py`` does (the GNU format: a header, the
tables of original and translated strings sorted by msgid, then the
strings). The output is a function of the .po alone, so the shipped .mo can
be checked against it (tests/static/test_catalogue.py).

The messages are found as the tests find them: every call of ``_``, ``N_``,
``message``, ``ngettext`` or ``nmessage`` in the package whose first argument is
a string literal (for the plural forms, the second is the plural).
"""

from __future__ import annotations

import argparse
import ast
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kiaprules"
PO = PACKAGE / "locale" / "da" / "LC_MESSAGES" / "kiaprules.po"
MO = PO.with_suffix(".mo")

#: The helpers of kiaprules._i18n that mark a message, and whether they take a plural.
MARKERS = {"_": False, "N_": False, "message": False, "ngettext": True, "nmessage": True}

Key = tuple[str, str | None]  # (msgid, msgid_plural)


def marked_messages(package: Path = PACKAGE) -> dict[Key, list[str]]:
    """Every message the package marks, with where (``path:line``) it is marked."""
    found: dict[Key, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in MARKERS:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue  # a msgid marked elsewhere, translated here
            plural = None
            if MARKERS[name]:
                second = node.args[1]
                assert isinstance(second, ast.Constant) and isinstance(second.value, str), \
                    f"{path}:{node.lineno}: the plural must be a literal"
                plural = second.value
            where = f"{path.relative_to(package.parent)}:{node.lineno}"
            found.setdefault((first.value, plural), []).append(where)
    return found


def read_po(text: str) -> dict[Key, list[str]]:
    """The entries of a .po file: (msgid, msgid_plural) → its msgstr forms (fuzzy skipped)."""
    entries: dict[Key, list[str]] = {}
    msgid: list[str] = []
    plural: list[str] | None = None
    forms: dict[int, list[str]] = {}
    current: list[str] | None = None
    fuzzy = False
    started = False

    def flush() -> None:
        nonlocal msgid, plural, forms, fuzzy, started
        if started and not fuzzy:
            key = ("".join(msgid), None if plural is None else "".join(plural))
            entries[key] = ["".join(forms[i]) for i in sorted(forms)]
        msgid, plural, forms, fuzzy, started = [], None, {}, False, False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            if started and forms:
                flush()
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid_plural "):
            plural = []
            current = plural
            line = line[len("msgid_plural "):]
        elif line.startswith("msgid "):
            if started and forms:
                flush()
            started = True
            current = msgid
            line = line[len("msgid "):]
        elif line.startswith("msgstr["):
            index, _, line = line[len("msgstr["):].partition("] ")
            current = forms.setdefault(int(index), [])
        elif line.startswith("msgstr "):
            current = forms.setdefault(0, [])
            line = line[len("msgstr "):]
        if current is None or not (line.startswith('"') and line.endswith('"')):
            raise ValueError(f"line {number}: cannot read {raw!r}")
        current.append(ast.literal_eval(line))
    if started:
        flush()
    return entries


def compile_po(text: str) -> bytes:
    """The .mo bytes of a .po text, as msgfmt writes them (entries sorted by msgid)."""
    messages: dict[bytes, bytes] = {}
    for (msgid, plural), forms in read_po(text).items():
        key = msgid if plural is None else f"{msgid}\0{plural}"
        if not any(forms):
            continue  # untranslated: gettext falls back to the msgid (the test forbids it)
        messages[key.encode("utf-8")] = "\0".join(forms).encode("utf-8")
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(messages[k])))
        ids += k + b"\0"
        strs += messages[k] + b"\0"
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8,
                         0, 0)
    return (header + struct.pack(f"{len(koffsets)}i", *koffsets)
            + struct.pack(f"{len(voffsets)}i", *voffsets) + ids + strs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; list missing and stale messages")
    args = parser.parse_args(argv)
    text = PO.read_text(encoding="utf-8")
    compiled = compile_po(text)
    po = {k: v for k, v in read_po(text).items() if k[0]}
    marked = marked_messages()
    missing = sorted(k for k in marked if not all(po.get(k, [""])))
    stale = sorted(set(po) - set(marked))
    for key in missing:
        print(f"missing: {key} ({', '.join(marked[key])})")
    for key in stale:
        print(f"stale: {key}")
    if args.check:
        same = MO.exists() and MO.read_bytes() == compiled
        if not same:
            print(f"{MO.relative_to(ROOT)} is not the compiled {PO.name}: run this script")
        return 0 if same and not missing and not stale else 1
    MO.write_bytes(compiled)
    print(f"wrote {MO.relative_to(ROOT)} ({len(compiled)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
