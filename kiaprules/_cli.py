"""The ``kiaprules`` command line.

Bad input gives one line on stderr and exit status 2, never a traceback.
Each command imports only what it uses, so ``kiaprules --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from kiaprules._errors import KiapRulesError

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran, and found what it was asked to look for
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _cmd_rulesets(args: argparse.Namespace, out: TextIO) -> int:
    from tabulate import tabulate

    from kiaprules._ruleset import available_rulesets

    rows = [(r.id, r.title, r.fingerprint) for r in available_rulesets()]
    if args.format == "json":
        json.dump([{"id": i, "title": t, "fingerprint": f} for i, t, f in rows], out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(tabulate(rows, headers=("id", "title", "fingerprint")) + "\n")
    return EXIT_OK


def _cmd_ruleset_show(args: argparse.Namespace, out: TextIO) -> int:
    from tabulate import tabulate

    from kiaprules._ruleset import format_value, load_ruleset

    ruleset = load_ruleset(args.ruleset)
    if args.format == "json":
        json.dump({"fingerprint": ruleset.fingerprint, **ruleset.to_data()}, out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    out.write(f"{ruleset.id}: {ruleset.title}\n{ruleset.fingerprint}\n\n")
    rows = []
    for name, param in ruleset.parameters.items():
        for v in param.values:
            rows.append((
                name, v.start.isoformat(), v.end.isoformat() if v.end else "",
                "—" if v.value is None else format_value(param.kind, v.value),
                v.status if v.status == "published" else f"{v.status}: {v.reason}",
                f"{v.citation.document} {v.citation.section}: “{v.citation.quote}”",
            ))
    out.write(tabulate(rows, headers=("parameter", "from", "until", "value", "status", "source"),
                       maxcolwidths=[None, None, None, None, 40, 60],
                       disable_numparse=True) + "\n\n")
    prow = [(p.interpretation, name, p.default, ", ".join(c for c in p.choices if c != p.default),
             p.question) for name, p in ruleset.policies.items()]
    prow.sort()
    out.write(tabulate(prow, headers=("", "policy", "default", "alternatives", "question"),
                       maxcolwidths=[None, None, None, None, 60]) + "\n")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from kiaprules._clusterfile import load_clusters
    from kiaprules._registration import check_registration

    clusters = load_clusters(args.files)
    report = []
    for cluster in clusters:
        problems = check_registration(cluster)
        report.append((cluster, problems))
    if args.format == "json":
        json.dump([{"cluster": c.name, "source": c.source, "eligible": not p,
                    "problems": [x.to_dict() for x in p]} for c, p in report],
                  out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for cluster, problems in report:
            members = len(cluster.memberships)
            if not problems:
                out.write(f"{cluster.source}: {cluster.name}: ok ({members} clinic"
                          f"{'' if members == 1 else 's'}, registration requirements met)\n")
            for p in problems:
                where = f" {p.record}:" if p.record else ""
                out.write(f"{cluster.source}: {cluster.name}:{where} {p.message} "
                          f"[{p.citation.document} {p.citation.section}]\n")
    return EXIT_PROBLEMS if any(p for _, p in report) else EXIT_OK


def _policies(pairs: Sequence[str]) -> dict[str, str]:
    from kiaprules._errors import InputError

    chosen: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise InputError(f"must be NAME=VALUE (e.g. clawback=never), got {pair!r}",
                             field="--policy")
        chosen[name.strip()] = value.strip()
    return chosen


def _compute(args: argparse.Namespace, *, years: Sequence[int] | None = None) -> Any:
    from kiaprules._calendar import parse_years
    from kiaprules._clusterfile import load_clusters
    from kiaprules._payouts import compute_payouts

    clusters = load_clusters(args.files)
    if years is None and args.years:
        years = parse_years(args.years)
    return clusters, compute_payouts(clusters, args.ruleset, years=years, overrides=args.set,
                                     policies=_policies(args.policy), strict=args.strict)


def _cmd_payouts(args: argparse.Namespace, out: TextIO) -> int:
    clusters, report = _compute(args)
    if args.receipt:
        from kiaprules._receipt import make_receipt, write_receipt

        write_receipt(args.receipt, make_receipt(
            clusters, args.ruleset, years=report.years, overrides=args.set,
            policies=_policies(args.policy), strict=args.strict))
    if args.compare:
        from kiaprules._payouts import compute_payouts

        base = compute_payouts(clusters, args.ruleset, years=report.years, strict=args.strict)
        comparison = base.compare(report)
        text = {"table": comparison.to_table, "json": comparison.to_json,
                "csv": comparison.to_csv}[args.format]()
    else:
        text = {"table": report.to_table, "json": report.to_json,
                "csv": report.to_csv}[args.format]()
    out.write(text)
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    _, report = _compute(args, years=[args.year])
    names = [args.cluster] if args.cluster else [c.name for c in report.clusters]
    texts = []
    for name in names:
        explanation = report.explain(name, args.year)
        texts.append(explanation.to_dict() if args.format == "json" else explanation.to_text())
    if args.format == "json":
        # One object when --cluster names one, else a list (one entry a cluster).
        out.write(json.dumps(texts[0] if args.cluster else texts, ensure_ascii=False,
                             indent=2) + "\n")
    else:
        out.write("\n".join(str(t) for t in texts))
    return EXIT_OK


def _cmd_reproduce(args: argparse.Namespace, out: TextIO) -> int:
    from kiaprules._published import reproduce

    result = reproduce(args.files or None, args.ruleset, policies=_policies(args.policy))
    out.write(result.to_json() if args.format == "json" else result.to_table())
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    from kiaprules._receipt import verify_receipt

    verification = verify_receipt(args.receipt)
    out.write(f"{verification}\n")
    return EXIT_OK if verification.identical else EXIT_PROBLEMS


def _ruleset_with_sets(args: argparse.Namespace) -> Any:
    from kiaprules._payouts import prepare

    return prepare([], args.ruleset, overrides=args.set)[1]


def _cmd_expenses(args: argparse.Namespace, out: TextIO) -> int:
    from kiaprules._expenses import classify_expenses, load_expense_records

    _, expenses = load_expense_records(args.file)
    report = classify_expenses(expenses, _ruleset_with_sets(args))
    out.write({"table": report.to_table, "json": report.to_json,
               "csv": report.to_csv}[args.format]())
    return EXIT_OK


def _cmd_ledger(args: argparse.Namespace, out: TextIO) -> int:
    from kiaprules._calendar import parse_years
    from kiaprules._clusterfile import load_clusters
    from kiaprules._errors import InputError
    from kiaprules._expenses import load_expense_records
    from kiaprules._ledger import build_ledger, ledger_input_from_document

    clusters = load_clusters(args.cluster_file)
    document, expenses = load_expense_records(args.expenses)
    account = ledger_input_from_document(document, args.expenses)
    if account.cluster is not None:
        chosen = [c for c in clusters if c.name == account.cluster]
        if not chosen:
            raise InputError(f"names cluster {account.cluster!r}, which is not in "
                             f"{args.cluster_file}", path=args.expenses, record="account",
                             field="cluster")
        cluster = chosen[0]
    elif len(clusters) == 1:
        cluster = clusters[0]
    else:
        raise InputError("the cluster file holds several clusters; name one in [account] "
                         "cluster = ...", path=args.expenses, record="account",
                         field="cluster")
    years = parse_years(args.years) if args.years else None
    ledger = build_ledger(cluster, expenses, _ruleset_with_sets(args), account=account,
                          years=years, policies=_policies(args.policy))
    out.write({"table": ledger.to_table, "json": ledger.to_json,
               "csv": ledger.to_csv}[args.format]())
    return EXIT_OK


def _computation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="cluster files (.toml or .json)")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH",
                   help="a shipped ruleset's id or a ruleset file (default dk-kiap)")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE",
                   help="override a parameter for a year (or YEAR-YEAR, or from a DATE on); "
                        "repeatable, e.g. --set operating_rate@2019=4.26")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE",
                   help="choose a reading of I1-I6, e.g. --policy clawback=never")
    p.add_argument("--strict", action="store_true",
                   help="refuse years whose rate no source publishes, instead of carrying the "
                        "last rate forward (I5)")


def _parser() -> _Parser:
    parser = _Parser(prog="kiaprules", description=(
        "Compute and explain the money Danish general-practice quality clusters (KiAP) "
        "receive, from dated rulesets with citations."))
    from kiaprules import __version__

    parser.add_argument("--version", action="version", version=f"kiaprules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("rulesets", help="list the shipped rulesets with their fingerprints")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_cmd_rulesets)

    p = sub.add_parser("ruleset", help="show a ruleset: every dated value with its citation")
    rs = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    show = rs.add_parser("show", help="every dated value, its status and citation")
    show.add_argument("ruleset", nargs="?", default="dk-kiap", help="id or path (dk-kiap)")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(run=_cmd_ruleset_show)

    p = sub.add_parser("check", help="load cluster files and list unmet registration "
                       "requirements (exit 1 if any)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("payouts", help="each cluster's payouts per year")
    _computation_options(p)
    p.add_argument("--years", metavar="A-B", help="years to compute, e.g. 2018-2025 (default: "
                   "the earliest founding year to the last year with patient counts)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--compare", action="store_true",
                   help="show the differences from the ruleset's own figures and default "
                        "policies to the --set/--policy variant")
    p.add_argument("--receipt", metavar="FILE",
                   help="also write a receipt (JSON) that `kiaprules verify` can recompute")
    p.set_defaults(run=_cmd_payouts)

    p = sub.add_parser("explain", help="derive one year's payout line by line, with sources")
    _computation_options(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--cluster", metavar="NAME", help="the cluster (default: every cluster)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_cmd_explain)

    p = sub.add_parser("reproduce", help="compute the published worked examples' figures and "
                       "explain every one not reproduced")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="published-figures files (default: the shipped Guide §7.2 examples)")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_cmd_reproduce)

    p = sub.add_parser("verify", help="recompute a receipt: 'identical' or the first "
                       "difference (exit 1)")
    p.add_argument("receipt", metavar="FILE")
    p.set_defaults(run=_cmd_verify)

    p = sub.add_parser("expenses", help="classify expenses: allowed, needs_review, "
                       "incomplete or not_allowed, with every reason and its source")
    p.add_argument("file", metavar="FILE", help="expenses (.toml, .json or .csv)")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE",
                   help="override a threshold, e.g. catering_review_per_participant@2024=600")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(run=_cmd_expenses)

    p = sub.add_parser("ledger", help="a cluster's yearly account: opening, received, booked, "
                       "closing")
    p.add_argument("cluster_file", metavar="CLUSTER_FILE")
    p.add_argument("--expenses", required=True, metavar="FILE")
    p.add_argument("--years", metavar="A-B")
    p.add_argument("--ruleset", default="dk-kiap", metavar="ID|PATH")
    p.add_argument("--set", action="append", default=[], metavar="NAME@YEAR=VALUE")
    p.add_argument("--policy", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(run=_cmd_ledger)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


#: Later modules add commands here (payouts, explain, ...), keeping this file small.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status."""
    if out is None:
        out = sys.stdout
        # Output is UTF-8 whatever the terminal's locale says: amounts and
        # citations carry Danish letters, dashes and minus signs.
        if hasattr(out, "reconfigure"):
            out.reconfigure(encoding="utf-8")
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args, out)
        out.flush()
        return status
    except KiapRulesError as exc:
        sys.stderr.write(f"kiaprules: error: {exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # pragma: no cover - a bug; say so in one line
        if os.environ.get("KIAPRULES_DEBUG"):
            raise
        sys.stderr.write(f"kiaprules: internal error: {type(exc).__name__}: {exc} "
                         "(set KIAPRULES_DEBUG=1 for a traceback, and please report it)\n")
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
