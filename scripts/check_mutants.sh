#!/usr/bin/env bash
# Check named mutants against chosen tests, the way mutmut checks a mutant
# (docs/quality.md): after a run of scripts/mutation.sh, for tests written since.
#
#   scripts/check_mutants.sh "tests/test_ledger.py" kiaprules.expenses.ledger.x_build_ledger__mutmut_54 ...
#
# The tests named are copied from this checkout into mutmut's copy of the code
# ($MUTATION_WORKTREE/mutants, default ../kiaprules-mutation/mutants), and run
# once per mutant with MUTANT_UNDER_TEST set to its name. Prints "killed" or
# "SURVIVED" per mutant, and first checks the unmutated code passes (a test
# that fails there proves nothing). KEXPR, if set, is passed to pytest -k; the
# pytest arguments mutmut is given (setup.cfg, [mutmut] pytest_add_cli_args:
# the quick Hypothesis plugin, the deselected tests) are given here too.
# Copying a test file changes mutmut's copy: run it after mutmut has finished.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wt="${MUTATION_WORKTREE:-$(dirname "$repo")/kiaprules-mutation}"
venv="${MUTATION_VENV:-$wt/.mutenv}"
tests="$1"; shift
mapfile -t mutmut_args < <("$venv/bin/python" -c '
import configparser, sys
config = configparser.ConfigParser(interpolation=None)
config.read(sys.argv[1], encoding="utf-8")
print("\n".join(config["mutmut"]["pytest_add_cli_args"].split()))' "$repo/setup.cfg")
cd "$wt/mutants"
for f in $tests; do cp "$repo/${f%%::*}" "${f%%::*}"; done
run() {
    MUTANT_UNDER_TEST="$1" timeout 600 "$venv/bin/python" -m pytest -x -q "${mutmut_args[@]}" \
        ${KEXPR:+-k "$KEXPR"} $tests > /dev/null 2>&1
}
if ! run "kiaprules.none"; then
    echo "the tests fail on the unmutated code: fix them first" >&2
    exit 1
fi
for m in "$@"; do
    if run "$m"; then echo "SURVIVED $m"; else echo "killed   $m"; fi
done
