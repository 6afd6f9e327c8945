#!/usr/bin/env bash
# scripts/check-layering.sh can fail: on a copy of src/ and include/ it passes, then each kind of
# bad edge is added to a fresh copy and the check must exit 1 naming the file, the line and the edge.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHECK=$REPO/scripts/check-layering.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pare-layering.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILURES=0 CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "not ok - $*"; }

fresh() { rm -rf "$WORK/t"; mkdir -p "$WORK/t"; cp -r "$REPO/src" "$REPO/include" "$WORK/t/"; }

# bad NAME FILE LINE PATTERN: a new FILE (relative to the copy) holds a comment and LINE; the
# check must exit 1 and print PATTERN (grep -E). New files, so the test does not depend on the
# names of the real ones.
bad() {
  local name=$1 file=$2 line=$3 pattern=$4 rc=0
  fresh
  mkdir -p "$(dirname "$WORK/t/$file")"
  printf '%s\n' "// a probe" "$line" >"$WORK/t/$file"
  bash "$CHECK" "$WORK/t" >"$WORK/out" 2>&1 || rc=$?
  if [ "$rc" -eq 1 ] && grep -qE -- "$pattern" "$WORK/out"; then
    pass "$name ($(head -1 "$WORK/out"))"
  else
    fail "$name: exit $rc"; cat "$WORK/out"
  fi
}

fresh
rc=0; bash "$CHECK" "$WORK/t" >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/out" ] && pass "the tree as it is passes, silently" ||
  { fail "the tree as it is: exit $rc"; cat "$WORK/out"; }

bad "a source includes a part above its own" src/util/probe.cpp '#include "pare/slim/plan.hpp"' \
  '^src/util/probe.cpp:2: util -> slim: slim is above util$'
bad "a header includes a part above its own" include/pare/digest/probe.hpp '#include <pare/verify/verify.hpp>' \
  '^include/pare/digest/probe.hpp:2: digest -> verify: verify is above digest$'
bad "a neighbour one step up is still above" src/deps/probe.cpp '#include "pare/run/sandbox.hpp"' \
  '^src/deps/probe.cpp:2: deps -> run: run is above deps$'
bad "an include of a part that is not in the order" src/fs/probe.cpp '#include "pare/bogus/x.hpp"' \
  '^src/fs/probe.cpp:2: fs -> bogus: "bogus" is not a part'
bad "nothing includes cli" src/verify/probe.cpp '#include "pare/cli/main.hpp"' \
  '^src/verify/probe.cpp:2: verify -> cli: nothing includes cli'
bad "a folder that is not a part" src/newpart/a.cpp '#include "pare/util/error.hpp"' \
  '^src/newpart/a.cpp: the part "newpart" is not in the order'

# The allow-list lets a known edge through, and only that edge.
fresh
printf '%s\n' "// a probe" '#include "pare/slim/plan.hpp"' >"$WORK/t/src/util/probe.cpp"
sed 's|^allowed=($|&\n  "src/util/probe.cpp: util -> slim"  # a test entry|' "$CHECK" >"$WORK/check.sh"
grep -q 'a test entry' "$WORK/check.sh" || { fail "could not add an allow-list entry"; exit 1; }
rc=0; bash "$WORK/check.sh" "$WORK/t" >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && pass "an allow-listed edge passes" || { fail "allow-list: exit $rc"; cat "$WORK/out"; }
echo '#include "pare/pack/pack.hpp"' >>"$WORK/t/src/util/probe.cpp"
rc=0; bash "$WORK/check.sh" "$WORK/t" >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q 'util -> pack' "$WORK/out" && ! grep -q 'util -> slim' "$WORK/out" &&
  pass "another edge from the same file still fails" || { fail "allow-list is too wide: exit $rc"; cat "$WORK/out"; }
fresh
rc=0; bash "$WORK/check.sh" "$WORK/t" >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -q 'no longer needed, delete it: src/util/probe.cpp: util -> slim' "$WORK/out" &&
  pass "a stale allow-list entry is reported" || { fail "stale entry: exit $rc"; cat "$WORK/out"; }

echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
