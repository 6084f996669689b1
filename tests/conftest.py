"""Shared Hypothesis strategies and fixtures for the kiaprules test suite.

The strategies build *valid* domain values (a CVR number with a correct check
digit, a CPR number with a real birth date under every century rule of the
7th digit, clusters whose clinics join on or after the founding date), so that
each property test can start from something the package must accept and then
change one thing.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path

import pytest
import schema_check
from hypothesis import settings
from hypothesis import strategies as st

from kiaprules import Clinic, Cluster, Membership
from kiaprules._text import mask_cpr_like

settings.register_profile("ci", deadline=None)
settings.load_profile("ci")

# Every JSON the suite makes kiaprules write (the command line's output and
# errors, every result's to_json()) is checked against its shipped schema.
schema_check.install()

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
RULESETS = REPO_ROOT / "rulesets"
EXAMPLE_CLUSTER = EXAMPLES / "koegeklyngen.toml"
SHIPPED_RULESET = RULESETS / "dk-kiap.toml"
#: The Danish source texts live beside the repository (../shared/sources), or in a
#: shared/ folder inside the checkout; not in the repository itself.
SOURCES = next((p for p in (REPO_ROOT / "shared" / "sources",
                            REPO_ROOT.parent / "shared" / "sources") if p.is_dir()),
               REPO_ROOT.parent / "shared" / "sources")
DOMAIN = SOURCES.parent / "DOMAIN.md"


def sources_or_skip() -> Path:
    """The source texts' folder; without them, a skip, except in CI (the environment
    variable ``CI`` set, as ``.ci/run`` sets it), where checking quotes must not
    silently stop: there it fails."""
    if not SOURCES.is_dir():
        message = f"the source texts are not available at {SOURCES}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: quotes must be checked)")
        pytest.skip(message)
    return SOURCES


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def example_cluster_path() -> Path:
    return EXAMPLE_CLUSTER


@pytest.fixture
def rulesets_dir() -> Path:
    return RULESETS


@pytest.fixture
def sources_dir() -> Path:
    return sources_or_skip()


# --- identifiers --------------------------------------------------------------

# CVR: "8 digits and passes modulus 11 with weights 2,7,6,5,4,3,2,1" (DOMAIN.md).
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_checksum(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS, strict=True)) % 11


def _with_check_digit(first7: list[int]) -> str | None:
    partial = sum(d * w for d, w in zip(first7, CVR_WEIGHTS[:7], strict=True))
    check = (-partial) % 11  # the last weight is 1
    if check == 10:
        return None  # no digit completes these seven: not a CVR number
    return "".join(map(str, first7)) + str(check)


cvr_numbers = (
    st.lists(st.integers(0, 9), min_size=7, max_size=7)
    .map(_with_check_digit)
    .filter(lambda s: s is not None)
)

provider_numbers = st.from_regex(r"[0-9]{5,6}", fullmatch=True)

# The CPR office's century table (7th digit → the years it may stand for):
# 0–3: 1900–1999; 4 and 9: 2000–2036 or 1937–1999; 5–8: 2000–2057 or 1858–1899.
CPR_CENTURY_RULES: dict[int, tuple[tuple[int, int], ...]] = {
    0: ((1900, 1999),),
    1: ((1900, 1999),),
    2: ((1900, 1999),),
    3: ((1900, 1999),),
    4: ((2000, 2036), (1937, 1999)),
    9: ((2000, 2036), (1937, 1999)),
    5: ((2000, 2057), (1858, 1899)),
    6: ((2000, 2057), (1858, 1899)),
    7: ((2000, 2057), (1858, 1899)),
    8: ((2000, 2057), (1858, 1899)),
}


@st.composite
def cpr_numbers(draw: st.DrawFn, *, dash: bool | None = None) -> tuple[str, dt.date]:
    """A CPR number with a valid birth date, and that date.

    The serial digits are random, so most of these fail the old modulus-11
    check, which valid CPR numbers need not pass since 1 October 2007.
    """
    seventh = draw(st.sampled_from(sorted(CPR_CENTURY_RULES)))
    first, last = draw(st.sampled_from(CPR_CENTURY_RULES[seventh]))
    birth = draw(st.dates(dt.date(first, 1, 1), dt.date(last, 12, 31)))
    serial = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    use_dash = draw(st.booleans()) if dash is None else dash
    text = f"{birth:%d%m}{birth.year % 100:02d}{'-' if use_dash else ''}{seventh}{serial}"
    return text, birth


def unmasked_forms(cpr_text: str) -> tuple[str, str]:
    """Both ways of writing the full number: ``DDMMYY-SSSS`` and ``DDMMYYSSSS``."""
    digits = cpr_text.strip().replace("-", "")
    return f"{digits[:6]}-{digits[6:]}", digits


# --- the cluster model --------------------------------------------------------

# Text a name may hold: visible characters and the plain space (kiaprules.model.text), in
# NFC, holding nothing CPR-shaped (a name keeps what it was given only then).
texts = (
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"),
                          include_characters=" "), min_size=1, max_size=20)
    .map(lambda t: unicodedata.normalize("NFC", t.strip()))
    .filter(lambda t: bool(t) and mask_cpr_like(t) == t)
)

patient_counts = st.dictionaries(
    st.integers(2018, 2030), st.integers(0, 200_000), max_size=4
)

clinics = st.builds(
    Clinic,
    provider_number=provider_numbers,
    capacities=st.integers(1, 1000),
    patients=patient_counts,
)


@st.composite
def memberships(draw: st.DrawFn, *, founded: dt.date = dt.date(2018, 1, 1)) -> Membership:
    """A membership that joins on or after ``founded`` and may have left."""
    joined = draw(st.dates(founded, dt.date(2030, 12, 31)))
    left = draw(st.none() | st.dates(joined + dt.timedelta(days=1), dt.date(2032, 12, 31)))
    return Membership(
        clinic=draw(clinics),
        joined=joined,
        left=left,
        switched_from=draw(st.none() | texts),
    )


@st.composite
def clusters(draw: st.DrawFn, *, name: st.SearchStrategy[str] = texts,
             max_clinics: int = 5) -> Cluster:
    founded = draw(st.dates(dt.date(2018, 1, 1), dt.date(2028, 12, 31)))
    registered = draw(st.none() | st.dates(founded, founded + dt.timedelta(days=120)))
    extra = {} if registered is None else {"registered": registered}
    return Cluster(
        name=draw(name),
        cvr=draw(st.none() | cvr_numbers),
        coordinator=draw(st.none() | texts),
        founded=founded,
        memberships=draw(st.lists(memberships(founded=founded), max_size=max_clinics)),
        **extra,
    )


def cluster_lists(min_size: int = 2, max_size: int = 4) -> st.SearchStrategy[list[Cluster]]:
    """Several clusters with distinct names (the bulk form)."""
    return st.lists(clusters(), min_size=min_size, max_size=max_size,
                    unique_by=lambda c: c.name)


def run_cli_words(*argv: str | os.PathLike[str]) -> tuple[int, str, str]:
    """``kiaprules argv`` in this process: its status, standard output and standard error."""
    import contextlib
    import io

    from kiaprules.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv], out=out)
    return status, out.getvalue(), err.getvalue()
