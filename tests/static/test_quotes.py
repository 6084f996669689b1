"""Every quote in the project stands word for word in its source: the one place that checks it.

The sources are the two documents and the kiap.dk page stored in
``shared/sources`` (beside the repository). Every citation the project makes
is collected here: the shipped rulesets' dated values and policies, the
payout rules, the registration requirements, the spending rules, and the
printed lines of the published worked examples. Each quote must appear in
the file of the document it names, whitespace aside; a quote with "[…]"
stands in the source as its parts, in order; the sources' underline markup
(``<u>``) is not part of a quote. No quote is checked against
DOMAIN.md (a brief, not a source). Without the sources the tests skip, except
in CI (``CI`` set, as ``.ci/run`` sets it), where they fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import sources_or_skip

from kiaprules import load_published, load_ruleset
from kiaprules.audit.published import shipped_published
from kiaprules.rules import registration
from kiaprules.rules.loader import available_rulesets
from kiaprules.rules.payout import RULES
from kiaprules.rules.ruleset import Citation
from kiaprules.rules.spending import SPENDING_RULES

RULESET = load_ruleset("dk-kiap")


def _normalised(text: str) -> str:
    """Whitespace folded; the sources' underline markup (``<u>…</u>``) is no word."""
    return " ".join(re.sub(r"</?u>", "", text).split())


def citations() -> Iterator[tuple[str, Citation]]:
    """(where it is made, the citation) for every citation in the package and its data."""
    for ruleset in available_rulesets():
        for name, parameter in sorted(ruleset.parameters.items()):
            for value in parameter.values:
                yield f"{ruleset.id}:{name}@{value.start}", value.citation
        for name, policy in sorted(ruleset.policies.items()):
            yield f"{ruleset.id}:policy:{name}", policy.citation
    for rule in RULES:
        yield f"payout rule {rule.id} ({rule.policy or 'always'})", rule.citation
    for name in ("COORDINATOR", "CVR", "MEMBERS", "ONE_CLUSTER"):
        yield f"registration {name}", getattr(registration, name)
    yield from _spending_citations()
    for path in shipped_published():
        example = load_published(path)
        for figure in example.figures:
            yield (f"{example.id} {figure.label}",
                   Citation(document=example.document, section=example.section,
                            quote=figure.line))
    # The example of a user's own published file (docs/published-examples.md).
    for path in sorted((Path(__file__).resolve().parents[2] / "examples").glob("published_*")):
        example = load_published(path)
        yield (f"{example.id} intro", Citation(document=example.document,
                                               section=example.section, quote=example.intro))
        for figure in example.figures:
            yield (f"{example.id} {figure.label}",
                   Citation(document=example.document, section=example.section,
                            quote=figure.line))


def _spending_citations() -> Iterator[tuple[str, Citation]]:
    for rule in SPENDING_RULES:
        yield f"spending {rule.id} ({rule.citation.document} {rule.citation.section})", \
            rule.citation


CITATIONS = sorted(citations(), key=lambda c: c[0])


def _source_text(document: str) -> str:
    meta = RULESET.documents.get(document)
    assert meta is not None, f"{document!r} is not among the shipped ruleset's documents"
    assert "file" in meta, f"{document!r} names no stored source file"
    path: Path = sources_or_skip() / meta["file"]
    return _normalised(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("where", "citation"), CITATIONS, ids=[c[0] for c in CITATIONS])
def test_every_quote_stands_word_for_word_in_its_source(where: str, citation: Citation) -> None:
    text = _source_text(citation.document)
    assert citation.quote.strip() and citation.section.strip(), where
    position = 0
    for part in re.split(r"\s*\[(?:…|\.\.\.)\]\s*", _normalised(citation.quote)):
        found = text.find(part, position)
        assert found >= 0, f"{where}: not in {citation.document}: {part!r}"
        position = found + len(part)


@pytest.mark.parametrize("document", sorted(RULESET.documents))
def test_every_document_is_a_stored_source(document: str) -> None:
    meta = RULESET.documents[document]
    assert "file" in meta, document
    assert (sources_or_skip() / meta["file"]).is_file(), meta["file"]


def test_the_guides_two_sections_numbered_7_3_are_told_apart() -> None:
    """The Guide has two headings numbered 7.3; a citation of either names it by title."""
    for where, citation in CITATIONS:
        if citation.document == "Guide til klyngestart" and citation.section.startswith("§7.3"):
            assert citation.section in ("§7.3 Brug af klyngemidler",
                                        "§7.3 Regler for budget og klyngeregnskab"), where


ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("Guide til klyngestart", "Håndbog 2024", "kiap.dk Klyngeadministration")


def doc_quotes() -> Iterator[tuple[str, str, str]]:
    """(where, document, quote) for every block quote of the docs: a quote's document is
    named on its own "— Document §x" line, or in the paragraph just before it."""
    for path in sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]):
        lines = path.read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            if not lines[i].startswith(">") or lines[i].startswith(">>>"):
                i += 1
                continue
            j = i
            while j < len(lines) and lines[j].startswith(">") and not lines[j].startswith(">>>"):
                j += 1
            block = [line[1:].strip() for line in lines[i:j]]
            attribution = [line for line in block if line.startswith("—")]
            text = " ".join(line for line in block if not line.startswith("—"))
            before = []
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            while k >= 0 and lines[k].strip():
                before.insert(0, lines[k])
                k -= 1
            said = " ".join(attribution) if attribution else " ".join(before)
            named = [d for d in DOCUMENTS if d in " ".join(said.split())]
            yield f"{path.name}:{i + 1}", named[-1] if named else "", text
            i = j


DOC_QUOTES = list(doc_quotes())


@pytest.mark.parametrize(("where", "document", "quote"), DOC_QUOTES,
                         ids=[q[0] for q in DOC_QUOTES])
def test_every_quote_in_the_docs_stands_in_its_source(where: str, document: str,
                                                      quote: str) -> None:
    assert document, f"{where}: the quote names no source document"
    test_every_quote_stands_word_for_word_in_its_source(
        where, Citation(document=document, section="(docs)", quote=quote))


def test_the_quote_check_covers_every_kind_of_citation() -> None:
    kinds = {where.split(" ")[0].split(":")[0] for where, _ in CITATIONS}
    assert {"dk-kiap", "payout", "registration", "spending"} <= kinds
    assert any(where.startswith("guide-7.2") for where, _ in CITATIONS)
    assert any(where.startswith("guide-7.1-per-unit") for where, _ in CITATIONS)
