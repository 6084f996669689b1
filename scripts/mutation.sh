#!/usr/bin/env bash
# Mutation testing of the rule-bearing modules with mutmut 3 (issue 6; docs/quality.md).
#
#   scripts/mutation.sh                 # mutate the committed HEAD in a fresh worktree
#   scripts/mutation.sh --here          # mutate this checkout as it is (uncommitted edits too)
#   scripts/mutation.sh engine.quantities model.money  # only these modules (default: the
#                                       # rule-bearing ones below, in this order)
#
# The worktree is $MUTATION_WORKTREE (default: ../kiaprules-mutation beside this
# repository, so that ../shared, the source texts some tests read, resolves from
# it as it does from here); the virtualenv is $MUTATION_VENV (default: .mutenv in
# the worktree). mutmut's own settings are in setup.cfg ([mutmut]); the quick,
# derandomized Hypothesis budget it runs the tests under is tests/conftest_mutation.py.
# JOBS (default 2) parallel mutants. It writes mutants/ (mutmut's results and a
# log per module; browse them with `mutmut browse` in the worktree) and mutation-results.json, and prints
# killed / (total − equivalent) per module and overall. Equivalent mutants are the
# ones listed in docs/quality.md.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here=0
modules=()
for arg in "$@"; do
    case "$arg" in
        --here) here=1 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) modules+=("$arg") ;;
    esac
done
[ ${#modules[@]} -gt 0 ] || modules=(engine.quantities engine.pricing rules.spending expenses.classify
    rules.ruleset expenses.ledger model.identifiers model.money _text)

if [ "$here" = 1 ]; then
    wt="$repo"
else
    wt="${MUTATION_WORKTREE:-$(dirname "$repo")/kiaprules-mutation}"
    if [ ! -d "$wt" ]; then
        git -C "$repo" worktree add --detach "$wt" HEAD
    else
        # A worktree left by an earlier run: move it to this HEAD, or the run
        # would measure the commit it was made for.
        git -C "$wt" checkout -q --detach "$(git -C "$repo" rev-parse HEAD)"
    fi
    echo "mutating commit $(git -C "$wt" rev-parse --short HEAD)"
fi
# tests/conftest.py finds the source texts at <checkout>/../shared; mutmut runs the
# tests from <checkout>/mutants, one level deeper, so give it a shared/ there too.
shared="$(dirname "$repo")/shared"
if [ -d "$shared" ] && [ ! -e "$wt/shared" ]; then
    ln -s "$shared" "$wt/shared"
fi

venv="${MUTATION_VENV:-$wt/.mutenv}"
if [ ! -x "$venv/bin/mutmut" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -e "$wt[test]" "mutmut==3.8.1"
fi

cd "$wt"
rm -rf mutants mutation-results.json
mkdir mutants
start=$(date +%s)
for m in "${modules[@]}"; do
    echo "== kiaprules.$m"
    t0=$(date +%s)
    # A survivor is not an error; mutmut's exit status says nothing about the score.
    "$venv/bin/mutmut" run --max-children "${JOBS:-2}" "kiaprules.$m.*" \
        > "mutants/run-$m.log" 2>&1 || true
    tr '\r' '\n' < "mutants/run-$m.log" | tail -n 3
    echo "   kiaprules.$m took $(( $(date +%s) - t0 )) s"
done
echo "total wall time: $(( $(date +%s) - start )) s"
"$venv/bin/python" scripts/mutation_score.py
