"""The ``kiaprules`` command line (layer 5).

Bad input gives one line on stderr and exit status 2, never a traceback.
With ``--format json`` that line is JSON, ``{"error": {...}}``: the error's
:meth:`~kiaprules.errors.KiapRulesError.to_dict`, with its stable code
(the ``error`` schema, docs/json-format.md).
This is the one place that makes process-level choices: exit statuses, the
output streams and their encoding (:func:`run`). :func:`main` runs a command
in the caller's process and returns its status; it changes nothing else.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, BinaryIO, Final, NoReturn, TextIO

from kiaprules._files import STDIN, parse_document, read_document, read_stdin
from kiaprules._i18n import LANGS, N_, Message, _, localize, message, ngettext, resolve_lang
from kiaprules._render import json_line, json_text, table_text
from kiaprules._schemas import SCHEMAS, json_schema
from kiaprules._text import sanitize
from kiaprules._version import __version__
from kiaprules.audit.published import reproduce
from kiaprules.audit.receipt import make_receipt, verify_receipt, write_receipt
from kiaprules.cli.progress import Progress
from kiaprules.engine.compute import compute_payouts, prepare
from kiaprules.engine.report import PayoutReport
from kiaprules.engine.stream import stream_payouts
from kiaprules.errors import MAX_REASON, InputError, KiapRulesError, _part
from kiaprules.expenses.classify import classify_expenses
from kiaprules.expenses.ledger import build_ledger
from kiaprules.formats.clusterfile import dumps_clusters, load_cluster_documents, load_clusters
from kiaprules.formats.expensefile import (
    ledger_input_from_document,
    load_expense_records,
    parse_expense_records,
)
from kiaprules.model.calendar import parse_years
from kiaprules.model.cluster import Cluster
from kiaprules.reports.plot import Draw, render, require_matplotlib
from kiaprules.reports.summary import national_summary
from kiaprules.reports.sweep import sweep
from kiaprules.rules.loader import (
    available_rulesets,
    is_shipped,
    load_ruleset,
    ruleset_file,
)
from kiaprules.rules.overrides import Override
from kiaprules.rules.payout import PAYOUT_PARAMETERS, PAYOUT_POLICIES
from kiaprules.rules.registration import check_registration
from kiaprules.rules.ruleset import Ruleset, convert_value

__all__ = ["main", "run"]

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran, and found what it was asked to look for
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class _UsageError(Exception):
    """argparse's complaint about the command line, for :func:`main` to report."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse's parser, writing to the streams :func:`main` was given, not the process's."""

    def __init__(self, *args: Any, streams: tuple[TextIO, TextIO] | None = None,
                 **kwargs: Any) -> None:
        self.streams = streams
        super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        # Every subparser writes where this one does.
        kwargs["parser_class"] = functools.partial(_Parser, streams=self.streams)
        return super().add_subparsers(**kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse writes help and --version to sys.stdout and usage errors to
        # sys.stderr, read when it writes: here, to main's out and err instead.
        if self.streams is not None and message:
            file = self.streams[0] if file is sys.stdout else self.streams[1]
        super()._print_message(message, file)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        # SystemExit raised here, for main to catch: not sys.exit, which a caller's
        # process may have replaced.
        if message:
            self._print_message(message, sys.stderr)
        raise SystemExit(status)

    def error(self, message: str) -> NoReturn:  # one line, exit 2, written by main
        raise _UsageError(self.prog, message)


def _asks_for_json(words: Sequence[str]) -> bool:
    """Whether the command line asks for ``--format json`` (read before argparse has)."""
    return any(w == "--format=json" or (w == "--format" and words[i + 1:i + 2] == ["json"])
               for i, w in enumerate(words))


def _report(error: dict[str, Any] | KiapRulesError, message: str, as_json: bool,
            err: TextIO) -> None:
    """Write a failure to ``err``: ``message`` on one line, or the error as JSON.

    The JSON is the same in every language: a program reads its code.
    """
    if as_json:
        data = error.to_dict() if isinstance(error, KiapRulesError) else error
        err.write(json_line({"error": data}))
    else:
        err.write(sanitize(message) + "\n")


# --- reading the inputs: files, or standard input as `-` -------------------------------

CLUSTER_FORMATS = ("toml", "json")
EXPENSE_FORMATS = ("toml", "json", "csv")


def _stdin_format(args: argparse.Namespace, inputs: Sequence[tuple[str, Sequence[str]]]
                  ) -> str | None:
    """The format of standard input, when one of ``inputs`` (each a path and the formats
    it may have) is ``-``; None when none is. Standard input is read once, and has no
    file name to tell its format by: ``--input-format`` names it, and names nothing else.
    """
    given: str | None = args.input_format
    dashes = [formats for path, formats in inputs if path == "-"]
    if len(dashes) > 1:
        raise InputError("can be read only once: give - for one input only", path=STDIN)
    if not dashes:
        if given is not None:
            raise InputError("names the format of standard input, and no input is -",
                             field="--input-format")
        return None
    [formats] = dashes
    if given is None:
        raise InputError("is missing: standard input has no file name to tell its format "
                         f"by; give --input-format {' or '.join(formats)}", path=STDIN,
                         field="--input-format")
    if given not in formats:
        raise InputError(f"{given} is not a format of this input; it is "
                         f"{' or '.join(formats)}", path=STDIN, field="--input-format")
    return given


def _read_clusters(args: argparse.Namespace, files: Sequence[str]) -> tuple[Cluster, ...]:
    """The clusters of ``files``, one of which may be ``-``: standard input."""
    return _load_clusters(args, files, _stdin_format(args, [(f, CLUSTER_FORMATS)
                                                            for f in files]))


def _load_clusters(args: argparse.Namespace, files: Sequence[str], fmt: str | None
                   ) -> tuple[Cluster, ...]:
    """The clusters of ``files``; ``-`` is standard input in the format ``fmt``."""
    if "-" not in files:
        return load_clusters(files)

    def documents() -> Iterator[tuple[str, dict[str, Any]]]:
        for name in files:
            if name == "-":
                yield STDIN, parse_document(read_stdin(args.stdin), path=STDIN, fmt=fmt)
            else:
                yield name, read_document(name)

    return load_cluster_documents(documents())


def _read_expenses(args: argparse.Namespace, path: str, fmt: str | None
                   ) -> tuple[str, dict[str, Any], list[Any]]:
    """The name, account head and expenses of the expense file ``path`` (``-``: standard
    input, in the format ``fmt``)."""
    if path == "-":
        assert fmt is not None  # _stdin_format refused - without a format
        document, expenses = parse_expense_records(read_stdin(args.stdin), path=STDIN, fmt=fmt)
        return STDIN, document, expenses
    document, expenses = load_expense_records(path)
    return path, document, expenses


def _inputs(files: Sequence[str]) -> list[str]:
    """The files a command read, for a receipt never to be written over (not ``-``)."""
    return [f for f in files if f != "-"]


_RULESETS_HEADERS: Final = (N_("id"), N_("title"), N_("fingerprint"), N_("source"))
_SHIPPED: Final = N_("shipped")


def _cmd_rulesets(args: argparse.Namespace, out: TextIO) -> int:
    # Shipped, then the folders of KIAPRULES_RULESETS (read now); "shipped" or the file.
    rows = [(r.id, r.title, r.fingerprint, "shipped" if is_shipped(r) else str(r.source))
            for r in available_rulesets()]
    if args.format == "json":
        out.write(json_text([{"id": i, "title": t, "fingerprint": f, "source": s}
                             for i, t, f, s in rows]))
    else:
        # The titles and sources are the ruleset files' own text.
        out.write(table_text([(i, t, f, _(s, args.lang) if s == _SHIPPED else s)
                              for i, t, f, s in rows],
                             [_(h, args.lang) for h in _RULESETS_HEADERS]) + "\n")
    return EXIT_OK


def _cmd_ruleset_show(args: argparse.Namespace, out: TextIO) -> int:
    ruleset = load_ruleset(args.ruleset)
    if args.format == "json":
        out.write(json_text({"fingerprint": ruleset.fingerprint, **ruleset.to_data()}))
        return EXIT_OK
    out.write(sanitize(f"{ruleset.id}: {ruleset.title}") + f"\n{ruleset.fingerprint}\n\n")
    lang = args.lang
    out.write(table_text(ruleset.value_cells(lang), [_(h, lang) for h in Ruleset.VALUE_HEADERS],
                         widths=[None, None, None, None, 40, 60]) + "\n\n")
    # The policies' questions are the ruleset file's own text; names and readings are
    # identifiers (what --policy takes).
    out.write(table_text(ruleset.policy_cells(),
                         [_(h, lang) if h else h for h in Ruleset.POLICY_HEADERS],
                         widths=[None, None, None, None, 60]) + "\n")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    if args.name is None:
        out.write(table_text(list(SCHEMAS.items()), ("schema", "what it describes")) + "\n")
    else:
        out.write(json_text(json_schema(args.name)))
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    clusters = _read_clusters(args, args.files)
    report = []
    for cluster in clusters:
        problems = check_registration(cluster)
        report.append((cluster, problems))
    if args.format == "json":
        out.write(json_text([{"cluster": c.name, "source": c.source, "eligible": not p,
                              "problems": [x.to_dict() for x in p]} for c, p in report]))
    else:
        lang = args.lang
        for cluster, problems in report:
            members = len(cluster.memberships)
            if not problems:
                ok = ngettext("ok ({n} clinic, registration requirements met)",
                              "ok ({n} clinics, registration requirements met)",
                              members, lang).format(n=members)
                out.write(sanitize(f"{cluster.source}: {cluster.name}: {ok}") + "\n")
            for p in problems:
                where = f" {p.record}:" if p.record else ""
                out.write(sanitize(f"{cluster.source}: {cluster.name}:{where} "
                                   f"{localize(p.message, lang)} "
                                   f"[{p.citation.document} {p.citation.section}]") + "\n")
    return EXIT_PROBLEMS if any(p for _, p in report) else EXIT_OK


def _render(result: Any, fmt: str, lang: str | None = None) -> str:
    """``result`` as the chosen ``--format``: its ``to_table``, ``to_json`` or ``to_csv``;
    a table or CSV in ``lang`` for a result that has languages (JSON has none)."""
    if lang is not None and fmt != "json":
        text: str = getattr(result, f"to_{fmt}")(lang=lang)
    else:
        text = getattr(result, f"to_{fmt}")()
    return text


def _policies(pairs: Sequence[str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise InputError(f"must be NAME=VALUE (e.g. clawback=never), got {pair!r}",
                             field="--policy", code="input.syntax")
        chosen[name.strip()] = value.strip()
    return chosen


# --- charts: --plot FILE.png|FILE.svg ----------------------------------------------------
#
# A command that draws its result (a result with ``plot(ax=...)``) takes three
# steps: ``_plot_option(p)`` in its parser entry; ``fmt = _plot_format(args)``
# before any work, so a wrong file name or a missing extra fails at once; and
# ``_write_plot(args, fmt, result.plot)`` before it writes its output, so that
# a chart that cannot be written leaves nothing half done on standard output.

_PLOT_FORMATS = {".png": "png", ".svg": "svg"}


def _plot_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--plot", metavar="FILE.png|FILE.svg",
                   help="also write a chart to FILE (.png or .svg; needs pip install "
                        f"'kiaprules[plot]'): {what}")


def _plot_format(args: argparse.Namespace) -> str | None:
    """The chart's format from ``--plot``'s file name (``None`` without ``--plot``)."""
    if args.plot is None:
        return None
    fmt = _PLOT_FORMATS.get(os.path.splitext(args.plot)[1].lower())
    if fmt is None:
        raise InputError(f"must name a .png or .svg file, got {args.plot!r}", field="--plot",
                         code="input.unknown_format")
    try:
        require_matplotlib()
    except KiapRulesError as exc:
        raise exc.located(field="--plot") from None
    return fmt


def _write_plot(args: argparse.Namespace, fmt: str | None, draw: Draw) -> None:
    if fmt is None:
        return
    data = render(draw, fmt)
    try:
        with open(args.plot, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror})", path=args.plot,
                         field="--plot", code="input.unwritable") from None


def _compute(args: argparse.Namespace, *, years: Sequence[int] | None = None,
             clusters: tuple[Cluster, ...] | None = None
             ) -> tuple[tuple[Cluster, ...], PayoutReport]:
    clusters = _read_clusters(args, args.files) if clusters is None else clusters
    if years is None and args.years:
        years = parse_years(args.years)
    return clusters, compute_payouts(clusters, args.ruleset, years=years, overrides=args.set,
                                     policies=_policies(args.policy), strict=args.strict)


def _write_receipt(args: argparse.Namespace, clusters: Sequence[Cluster],
                   years: Sequence[int]) -> None:
    # Last, once all else has succeeded: a command that fails leaves no receipt
    # (nor replaces an old one), and the receipt is never written over an input.
    write_receipt(args.receipt, make_receipt(
        clusters, args.ruleset, years=years, overrides=args.set,
        policies=_policies(args.policy), strict=args.strict),
        inputs=[*_inputs(args.files), ruleset_file(args.ruleset)])


def _payouts_jsonl(args: argparse.Namespace, out: TextIO) -> int:
    """``payouts --format jsonl``: each cluster's line written as soon as it is computed."""
    started = time.monotonic()
    if args.compare:
        raise InputError("has no jsonl form (a comparison is one table of differences); use "
                         "--format json, csv or table", field="--compare")
    if args.plot is not None:
        raise InputError("has no jsonl form (a chart is drawn from the whole report); use "
                         "--format table, json or csv", field="--plot")
    clusters = _read_clusters(args, args.files)
    stream = stream_payouts(clusters, args.ruleset,
                            years=parse_years(args.years) if args.years else None,
                            overrides=args.set, policies=_policies(args.policy),
                            strict=args.strict)
    # Clusters done of the total, on standard error when it is a terminal and the run
    # is long; wiped before anything else is written there (an error's line).
    progress = Progress(len(stream), args.err, started=started)
    try:
        for done, line in enumerate(stream.jsonl_lines()):
            out.write(line)
            out.flush()  # each line leaves as it is made, for a reader at the other end
            progress.update(min(done, len(stream)))
    finally:
        progress.clear()
    if args.receipt:
        _write_receipt(args, clusters, stream.years)
    return EXIT_OK


def _cmd_payouts(args: argparse.Namespace, out: TextIO) -> int:
    if args.format == "jsonl":
        return _payouts_jsonl(args, out)
    fmt = _plot_format(args)
    clusters = _read_clusters(args, args.files)
    if fmt and not args.compare and len(clusters) != 1:
        raise InputError(f"a chart of payouts shows one cluster, and the files hold "
                         f"{len(clusters)}; give one cluster, or chart the differences "
                         "with --compare", field="--plot", code="input.ambiguous")
    clusters, report = _compute(args, clusters=clusters)
    if args.compare:
        base = compute_payouts(clusters, args.ruleset, years=report.years, strict=args.strict)
        comparison = base.compare(report)
        _write_plot(args, fmt, comparison.plot)
        text = _render(comparison, args.format, args.lang)
    else:
        _write_plot(args, fmt, report.plot)
        text = _render(report, args.format, args.lang)
    if args.receipt:
        _write_receipt(args, clusters, report.years)
    out.write(text)
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    years = parse_years(args.years, field="--year")
    _clusters, report = _compute(args, years=years)
    explanations = report.explanations(years, cluster=args.cluster)
    # Without --cluster, a cluster with nothing in a year is skipped: say which.
    skipped = [(y, [c.name for c in report.clusters if all(p.year != y for p in c.years)])
               for y in years]
    skipped_text = "; ".join(f"{y}: {', '.join(names)}" for y, names in skipped if names)
    if not explanations:
        raise InputError(message("no cluster has anything to explain in {years} (skipped "
                                 "{skipped})", years=args.years, skipped=skipped_text),
                         field="--year", code="input.unknown_year")
    if args.format == "json":
        # One object when --cluster names one cluster and one year, else a list (one entry
        # a cluster and year, cluster by cluster, year by year).
        data = [e.to_dict() for e in explanations]
        out.write(json_text(data[0] if args.cluster and len(years) == 1 else data))
        if skipped_text:
            args.err.write(sanitize(_("kiaprules: note: skipped, nothing in that year: "
                                      "{skipped}", args.lang).format(skipped=skipped_text))
                           + "\n")
    else:
        out.write("\n".join(e.to_text(lang=args.lang) for e in explanations))
        if skipped_text:
            out.write("\n" + sanitize(_("Skipped, nothing in that year: {skipped}",
                                         args.lang).format(skipped=skipped_text)) + "\n")
    return EXIT_OK


def _cmd_reproduce(args: argparse.Namespace, out: TextIO) -> int:
    result = reproduce(args.files or None, args.ruleset, policies=_policies(args.policy))
    out.write(result.to_json() if args.format == "json" else result.to_table(lang=args.lang))
    # A figure whose status is not the one its file expects fails the run, so a
    # published example can gate CI; a known erratum recorded in the file does not.
    return EXIT_PROBLEMS if result.not_as_expected else EXIT_OK


def _cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    verification = verify_receipt(args.receipt, inputs=args.inputs)
    out.write(verification.to_text(lang=args.lang) + "\n")  # sanitized
    return EXIT_OK if verification.identical else EXIT_PROBLEMS


def _cmd_national(args: argparse.Namespace, out: TextIO) -> int:
    fmt = _plot_format(args)
    clusters = _read_clusters(args, args.files)
    years = parse_years(args.years) if args.years else None
    # compute_payouts(...).summary() without a line object per cluster and year.
    summary = national_summary(clusters, args.ruleset, years=years, overrides=args.set,
                               policies=_policies(args.policy), strict=args.strict)
    _write_plot(args, fmt, summary.plot)
    out.write(_render(summary, args.format, args.lang))
    return EXIT_OK


#: The most variants one `kiaprules sweep` computes (a 1,000-variant sweep of the
#: country takes well under a second when only rates change; docs/performance.md).
MAX_VARIANTS: Final = 1000
#: A value of --values: plain digits, at most four decimals (a rate's most), no
#: sign, exponent, decimal comma, infinity or NaN, whatever Decimal() would take.
_PLAIN_NUMBER: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,4})?")
_NUMERIC_KINDS: Final = ("amount", "rate", "integer")


def _plain_number(text: str) -> Fraction:
    if not _PLAIN_NUMBER.fullmatch(text):
        raise InputError(f"must be numbers written like 3.55 (digits, at most four decimals, "
                         f"no sign, exponent or decimal comma), got {text!r}", field="--values",
                         code="input.not_a_number")
    return Fraction(text)


def _decimal(value: Fraction, places: int) -> Decimal:
    """``value`` as a Decimal with ``places`` decimals, exactly (no decimal context rounds it)."""
    units = value * 10**places
    assert units.denominator == 1
    return Decimal(f"{units.numerator}E-{places}")


def _sweep_values(text: str) -> list[Decimal]:
    """``--values``: a range ``START:STOP:STEP`` (STOP included when a step lands on it) or a
    list ``A,B,C``; at most :data:`MAX_VARIANTS` values, none twice.

    >>> [str(v) for v in _sweep_values("3.00:4.00:0.25")]
    ['3.00', '3.25', '3.50', '3.75', '4.00']
    >>> [str(v) for v in _sweep_values("3.55, 3.6")]
    ['3.55', '3.6']
    """
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise InputError(f"a range is START:STOP:STEP (e.g. 3.00:4.50:0.25), got {text!r}",
                             field="--values", code="input.syntax")
        start, stop, step = (_plain_number(p.strip()) for p in parts)
        if step == 0:
            raise InputError(f"the step of {text!r} must be more than 0", field="--values",
                             code="input.out_of_range")
        if stop < start:
            raise InputError(f"the range {text!r} ends before it starts", field="--values",
                             code="input.out_of_range")
        count = (stop - start) // step + 1
        if count > MAX_VARIANTS:
            raise InputError(f"{text!r} gives {count:,} values; a sweep takes at most "
                             f"{MAX_VARIANTS:,} (a larger step, or a narrower range)",
                             field="--values", code="input.out_of_range")
        places = max(len(p.strip().partition(".")[2]) for p in parts)
        return [_decimal(start + i * step, places) for i in range(int(count))]
    items = [item.strip() for item in text.split(",")]
    numbers = [_plain_number(item) for item in items]
    if len(items) > MAX_VARIANTS:
        raise InputError(f"lists {len(items):,} values; a sweep takes at most "
                         f"{MAX_VARIANTS:,}", field="--values", code="input.out_of_range")
    seen: dict[Fraction, str] = {}
    for item, number in zip(items, numbers, strict=True):
        if number in seen:
            raise InputError(f"names {item} twice (as {seen[number]} before)", field="--values",
                             code="input.duplicate")
        seen[number] = item
    return [Decimal(item) for item in items]  # from the text: exact, as written


def _sweep_variants(args: argparse.Namespace, ruleset: Ruleset) -> list[dict[str, Any]]:
    """The variants ``--parameter``/``--values`` or ``--readings`` ask for."""
    if args.readings is not None:
        if args.parameter is not None or args.values is not None:
            raise InputError("sweeps either a policy's readings or a parameter's values, "
                             "not both", field="--readings", code="input.ambiguous")
        payout_policies = sorted(set(PAYOUT_POLICIES) & set(ruleset.policies))
        if args.readings not in payout_policies:
            raise InputError(f"not a policy of the payouts: {args.readings!r}; a sweep takes "
                             f"one of {', '.join(payout_policies)}", field="--readings",
                             code="input.unknown_policy")
        policy = ruleset.policies[args.readings]
        return [{"name": f"{args.readings}={choice}", "policies": {args.readings: choice}}
                for choice in policy.choices]
    if args.parameter is None:
        raise InputError("name what to sweep: --parameter NAME@YEAR with --values, or "
                         "--readings POLICY", field="--parameter", code="input.missing")
    if args.values is None:
        raise InputError("is needed with --parameter: a range START:STOP:STEP or a list "
                         "A,B,C", field="--values", code="input.missing")
    name, at, when = args.parameter.partition("@")
    name, when = name.strip(), when.strip()
    if not at or not name or not when:
        raise InputError(f"must be NAME@YEAR, NAME@YEAR-YEAR or NAME@DATE (from that day on), "
                         f"e.g. operating_rate@2026, got {args.parameter!r}",
                         field="--parameter", code="input.syntax")
    numeric = sorted(n for n, p in ruleset.parameters.items()
                     if p.kind in _NUMERIC_KINDS and n in PAYOUT_PARAMETERS)
    if name not in numeric:
        raise InputError(f"not a figure of the payouts that is a number: {name!r}; a sweep "
                         f"takes one of {', '.join(numeric)}", field="--parameter",
                         code="input.not_a_choice")
    param = ruleset.parameters[name]
    values = _sweep_values(args.values)
    for value in values:
        if param.kind == "integer" and value != value.to_integral_value():
            raise InputError(f"{name} takes whole numbers, got {value}", field="--values",
                             code="input.not_a_whole_number")
        try:
            convert_value(param.kind, int(value) if param.kind == "integer" else str(value),
                          field="--values")
        except KiapRulesError as exc:
            raise InputError(f"{exc.reason} (a value of {name})", field="--values",
                             code=exc.code) from None
    texts = [f"{name}@{when}={int(v) if param.kind == 'integer' else v}" for v in values]
    try:
        Override.parse(texts[0]).apply(ruleset)  # the span, once: the same for every value
    except KiapRulesError as exc:
        raise InputError(exc.reason, field="--parameter", code=exc.code) from None
    return [{"name": text, "overrides": [text]} for text in texts]


def _cmd_sweep(args: argparse.Namespace, out: TextIO) -> int:
    fmt = _plot_format(args)
    ruleset = load_ruleset(args.ruleset)
    variants = _sweep_variants(args, ruleset)
    clusters = _read_clusters(args, args.files)
    years = parse_years(args.years) if args.years else None
    result = sweep(clusters, variants, ruleset, years=years, overrides=args.set,
                   policies=_policies(args.policy), strict=args.strict)
    _write_plot(args, fmt, result.plot)
    out.write(_render(result, args.format, args.lang))
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    # Outside the core: only this command loads the synthetic country generator.
    from kiaprules.synthetic import generate_country

    fmt = "toml" if args.output and args.output.endswith(".toml") else "json"
    text = dumps_clusters(generate_country(seed=args.seed, scale=args.scale), fmt=fmt)
    if not args.output or args.output == "-":
        out.write(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror})", path=args.output,
                         code="input.unwritable") from None
    return EXIT_OK


def _ruleset_with_sets(args: argparse.Namespace) -> Ruleset:
    return prepare([], args.ruleset, overrides=args.set).ruleset


def _cmd_expenses(args: argparse.Namespace, out: TextIO) -> int:
    fmt = _stdin_format(args, [(args.file, EXPENSE_FORMATS)])
    _, _, expenses = _read_expenses(args, args.file, fmt)
    report = classify_expenses(expenses, _ruleset_with_sets(args),
                               policies=_policies(args.policy))
    out.write(_render(report, args.format, args.lang))
    return EXIT_OK


def _cmd_ledger(args: argparse.Namespace, out: TextIO) -> int:
    fmt = _stdin_format(args, [(args.cluster_file, CLUSTER_FORMATS),
                               (args.expenses, EXPENSE_FORMATS)])
    clusters = _load_clusters(args, [args.cluster_file], fmt)
    expenses_name, document, expenses = _read_expenses(args, args.expenses, fmt)
    account = ledger_input_from_document(document, expenses_name)
    cluster_name = STDIN if args.cluster_file == "-" else args.cluster_file
    if account.cluster is not None:
        chosen = [c for c in clusters if c.name == account.cluster]
        if not chosen:
            raise InputError(f"names cluster {account.cluster!r}, which is not in "
                             f"{cluster_name}", path=expenses_name, record="account",
                             field="cluster", code="input.unknown_cluster")
        cluster = chosen[0]
    elif len(clusters) == 1:
        cluster = clusters[0]
    else:
        raise InputError("the cluster file holds several clusters; name one in [account] "
                         "cluster = ...", path=expenses_name, record="account",
                         field="cluster", code="input.ambiguous")
    years = parse_years(args.years) if args.years else None
    ruleset = _ruleset_with_sets(args)
    # The file's other clusters are consulted: a switch from one of them (C3) is
    # seen only with it.
    policies = _policies(args.policy)
    payouts = compute_payouts(cluster, ruleset, policies=policies, context=clusters)
    ledger = build_ledger(cluster, expenses, ruleset, account=account, years=years,
                          payouts=payouts, policies=policies)
    out.write(_render(ledger, args.format, args.lang))
    return EXIT_OK


def _input_format_option(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    p.add_argument("--input-format", choices=formats, metavar="|".join(formats),
                   help="the format of standard input, read where a file is given as - "
                        "(required with -)")


def _computation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="cluster files (.toml or .json); - reads one from standard input")
    _input_format_option(p, CLUSTER_FORMATS)
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH",
                   help="a ruleset's id (shipped or in KIAPRULES_RULESETS) or a ruleset file, "
                        "optionally pinned: ID@sha256:FINGERPRINT (default dk-kiap)")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE",
                   help="override a parameter for a year (or YEAR-YEAR, or from a DATE on); "
                        "repeatable, e.g. --set operating_rate@2019=4.26")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE",
                   help="choose a reading of I1-I6, e.g. --policy clawback=never")
    p.add_argument("--strict", action="store_true",
                   help="refuse years whose rate no source publishes, instead of carrying the "
                        "last rate forward (I5)")


def _parser(streams: tuple[TextIO, TextIO] | None = None) -> _Parser:
    """The command line's parser: every command, its options and their help; it writes
    help, ``--version`` and usage errors to ``streams`` (out, err) when given."""
    parser = _Parser(streams=streams, prog="kiaprules", description=(
        "Compute and explain the money Danish general-practice quality clusters (KiAP) "
        "receive, from dated rulesets with citations."))
    parser.add_argument("--version", action="version", version=f"kiaprules {__version__}")
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="the language of tables, text, CSV and errors: en (default) or da "
                             "(default: $KIAPRULES_LANG, else en); JSON has no language")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("rulesets", help="list the rulesets an id can name, with their "
                       "fingerprints: the shipped ones and those in KIAPRULES_RULESETS")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_cmd_rulesets)

    p = sub.add_parser("ruleset", help="show a ruleset: every dated value with its citation")
    rs = p.add_subparsers(dest="action", required=True)
    show = rs.add_parser("show", help="every dated value, its status and citation")
    show.add_argument("ruleset", nargs="?", default="dk-kiap", help="id or path (dk-kiap)")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(run=_cmd_ruleset_show)

    p = sub.add_parser("schema", help="print the JSON Schema of a JSON output, e.g. "
                       "`kiaprules schema payouts`; without NAME, list the schemas")
    p.add_argument("name", nargs="?", metavar="NAME", help="payouts, explain, compare, national, "
                   "sweep, reproduce, expenses, ledger, receipt, check, rulesets, ruleset, "
                   "clusters or error")
    p.set_defaults(run=_cmd_schema)

    p = sub.add_parser("check", help="load cluster files and list unmet registration "
                       "requirements (exit 1 if any)")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="cluster files (.toml or .json); - reads one from standard input")
    _input_format_option(p, CLUSTER_FORMATS)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("payouts", help="each cluster's payouts per year")
    _computation_options(p)
    p.add_argument("--years", metavar="A-B", help="years to compute, e.g. 2018-2025 (default: "
                   "the earliest founding year to the last year with patient counts)")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default="table",
                   help="jsonl: JSON Lines, a line per cluster written as it is computed, "
                        "between a head line and a warnings line (docs/json-format.md)")
    p.add_argument("--compare", action="store_true",
                   help="show the differences from the ruleset's own figures and default "
                        "policies to the --set/--policy variant")
    p.add_argument("--receipt", metavar="FILE",
                   help="also write a receipt (JSON) that `kiaprules verify` can recompute")
    _plot_option(p, "the cluster's payouts per year by kind (one cluster only), or with "
                 "--compare the differences per year")
    p.set_defaults(run=_cmd_payouts)

    p = sub.add_parser("national", help="all clusters together: one row a year (clusters, "
                       "clinics, patients, each kind of line, total), warnings summarised")
    _computation_options(p)
    p.add_argument("--years", metavar="A-B", help="years to compute, e.g. 2018-2025 (default: "
                   "the earliest founding year to the last year with patient counts)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _plot_option(p, "the totals per year by kind, the years resting on an unpublished "
                 "figure hatched")
    p.set_defaults(run=_cmd_national)

    p = sub.add_parser("sweep", help="many variants of one rate (or one policy) over the same "
                       "clusters: each variant's total and its difference from the base")
    _computation_options(p)
    p.add_argument("--parameter", metavar="NAME@YEAR",
                   help="the figure to vary and when, as --set takes it: NAME@YEAR, "
                        "NAME@YEAR-YEAR or NAME@DATE (from that day on), e.g. "
                        "operating_rate@2026")
    p.add_argument("--values", metavar="START:STOP:STEP|A,B,...",
                   help="the values it takes: a range (STOP included when a step lands on "
                        f"it) or a list; at most {MAX_VARIANTS:,}, e.g. 3.00:4.50:0.25")
    p.add_argument("--readings", metavar="POLICY",
                   help="instead, a variant for each reading of a policy, e.g. founding_year")
    p.add_argument("--years", metavar="A-B", help="the years whose payouts are added up "
                   "(default: the earliest founding year to the last year with patient counts)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _plot_option(p, "each variant's total against the swept value")
    p.set_defaults(run=_cmd_sweep)

    p = sub.add_parser("generate", help="write a synthetic country of clusters (Håndbog 2024 "
                       "§1: 116 clusters, about 3,300 doctors, 5.5 million patients)")
    p.add_argument("--seed", type=int, default=2024, help="the same seed gives the same "
                   "country (default 2024)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="how many countries' worth of clusters: 10 is 1,160 (default 1)")
    p.add_argument("--output", metavar="FILE", help="a .json (bulk form) or .toml file "
                   "(default: JSON on standard output)")
    p.set_defaults(run=_cmd_generate)

    p = sub.add_parser("explain", help="derive a year's payout line by line, with sources "
                       "(or each year of a range)")
    _computation_options(p)
    p.add_argument("--year", "--years", dest="years", required=True, metavar="Y|A-B",
                   help="the year, or years such as 2019-2021")
    p.add_argument("--cluster", metavar="NAME", help="the cluster (default: every cluster "
                   "with something in the year; the others are named as skipped)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_cmd_explain)

    p = sub.add_parser("reproduce", help="compute the published worked examples' figures, "
                       "explain every one not reproduced; exit 1 on any not as expected")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="published-figures files (default: the shipped Guide §7.2 examples)")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_cmd_reproduce)

    p = sub.add_parser("verify", help="recompute a receipt: 'identical' or the first "
                       "difference (exit 1); with --inputs, also whether these files are its "
                       "inputs")
    p.add_argument("receipt", metavar="FILE")
    p.add_argument("--inputs", nargs="+", metavar="FILE",
                   help="the cluster files the receipt should have been computed from: each "
                        "cluster missing, extra or changed is named with its file (exit 1)")
    p.set_defaults(run=_cmd_verify)

    p = sub.add_parser("expenses", help="classify expenses: allowed, needs_review, "
                       "incomplete or not_allowed, with every reason and its source")
    p.add_argument("file", metavar="FILE", help="expenses (.toml, .json or .csv); - reads "
                   "them from standard input")
    _input_format_option(p, EXPENSE_FORMATS)
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE",
                   help="override a threshold, e.g. catering_review_per_participant@2024=600")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE",
                   help="choose a reading of a policy, e.g. --policy participants_missing=ignore")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(run=_cmd_expenses)

    p = sub.add_parser("ledger", help="a cluster's yearly account: opening, received, booked, "
                       "closing")
    p.add_argument("cluster_file", metavar="CLUSTER_FILE", help="- reads it from standard input")
    p.add_argument("--expenses", required=True, metavar="FILE",
                   help="- reads them from standard input")
    _input_format_option(p, EXPENSE_FORMATS)
    p.add_argument("--years", metavar="A-B")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(run=_cmd_ledger)

    # --lang is also taken after the command (there it overrides one before it).
    for command in [*sub.choices.values(), *rs.choices.values()]:
        command.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS,
                             help="as before the command: en or da")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         err: TextIO | None = None, stdin: BinaryIO | None = None) -> int:
    """Run the command line in this process; return the exit status.

    ``argv`` defaults to the process's arguments (``sys.argv[1:]``), ``out``
    to standard output and ``err`` to standard error, each read when called.
    What a command prints (and ``--help``, ``--version``) goes to ``out``;
    an error goes to ``err`` as one line, and so does the progress of a long
    ``payouts --format jsonl`` when ``err`` is a terminal. ``stdin`` (a binary
    stream, read where an input is given as ``-``) defaults to standard
    input. Nothing of the caller's process is changed, and nothing exits:
    the status is returned (0 done, 1 found what it looks for, 2 bad input, 3
    an internal error; a usage error 2, ``--help`` 0).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if isinstance(argv, (str, bytes)):
        err.write("kiaprules: error: argv: must be a list of arguments, not one string\n")
        return EXIT_BAD_INPUT
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser((out, err)).parse_args(words)
    except _UsageError as exc:
        # argparse quotes what was typed (an unknown choice, a value it cannot
        # read): through the sanitizer like every message.
        usage = InputError(f"{exc.prog}: {exc.message}", code="input.usage")
        _report(usage, f"{exc.prog}: error: {exc.message}", _asks_for_json(words), err)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    args.stdin = stdin
    as_json = getattr(args, "format", None) == "json"
    lang = "en"
    try:
        args.err = err  # where a command's notes go
        # --lang, else $KIAPRULES_LANG read now (an unknown value is refused here).
        lang = args.lang = resolve_lang(args.lang)
        status: int = args.run(args, out)
        out.flush()
        return status
    except KiapRulesError as exc:
        _report(exc, _("kiaprules: error: {message}", lang).format(
            message=_error_text(exc, lang)), as_json, err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): not an error of ours; run() points
        # standard output at nothing so that the exit's flush cannot fail.
        raise
    except Exception as exc:  # a bug; say so in one line
        if os.environ.get("KIAPRULES_DEBUG"):
            raise
        what = sanitize(f"{type(exc).__name__}: {str(exc)[:MAX_REASON]}")
        hint = "(set KIAPRULES_DEBUG=1 for a traceback, and please report it)"
        _report({"error": "InternalError", "code": "internal", "message": f"{what} {hint}",
                 "reason": what, "path": None, "record": None, "field": None, "date": None},
                f"kiaprules: internal error: {what} {hint}", as_json, err)
        return EXIT_INTERNAL


def _error_text(error: KiapRulesError, lang: str) -> str:
    """``str(error)``, its reason in ``lang`` when the reason is a translatable message.

    The location (file, record, field) and the values quoted are shown as given.
    """
    if lang == "en" or not isinstance(error.reason_text, Message):
        return str(error)
    # Sanitized and cut as the English reason is: the values quoted come from data.
    reason = _part(localize(error.reason_text, lang), MAX_REASON) or ""
    parts = [p for p in (error.path, error.record, error.field) if p]
    return sanitize(": ".join([*parts, reason]))


def run() -> NoReturn:
    """The ``kiaprules`` command and ``python -m kiaprules``: :func:`main`, then exit.

    Output is UTF-8 whatever the terminal's locale says: amounts and
    citations carry Danish letters, dashes and minus signs.
    """
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours. Point
        # standard output at nothing, so that the flush at exit cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = EXIT_OK
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
