#!/usr/bin/env bash
# Check named mutants against chosen tests, the way mutmut checks a mutant
# (docs/quality.md): after a run of scripts/mutation.sh, for tests written since.
#
#   scripts/check_mutants.sh "tests/test_ledger.py" kiaprules._ledger.x_build_ledger__mutmut_54 ...
#
# The tests named are copied from this checkout into mutmut's copy of the code
# ($MUTATION_WORKTREE/mutants, default ../kiaprules-mutation/mutants), and run
# once per mutant with MUTANT_UNDER_TEST set to its name. Prints "killed" or
# "SURVIVED" per mutant, and first checks the unmutated code passes (a test
# that fails there proves nothing). KEXPR, if set, is passed to pytest -k; the
# two tests setup.cfg deselects under mutmut are deselected here too.
# Copying a test file changes mutmut's copy: run it after mutmut has finished.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wt="${MUTATION_WORKTREE:-$(dirname "$repo")/kiaprules-mutation}"
venv="${MUTATION_VENV:-$wt/.mutenv}"
tests="$1"; shift
cd "$wt/mutants"
for f in $tests; do cp "$repo/${f%%::*}" "${f%%::*}"; done
run() {
    MUTANT_UNDER_TEST="$1" timeout 600 "$venv/bin/python" -m pytest -x -q -p no:cacheprovider \
        -o addopts= -p tests.conftest_mutation ${KEXPR:+-k "$KEXPR"} \
        --deselect tests/test_expenses.py::test_every_rule_the_module_can_emit_has_a_named_case \
        --deselect tests/test_national.py::test_the_national_command_leaves_the_rest_of_the_package_alone \
        $tests > /dev/null 2>&1
}
if ! run "kiaprules.none"; then
    echo "the tests fail on the unmutated code: fix them first" >&2
    exit 1
fi
for m in "$@"; do
    if run "$m"; then echo "SURVIVED $m"; else echo "killed   $m"; fi
done
