#!/usr/bin/env bash
# check-layering.sh [ROOT]: fails when a part includes a part above it (or a part not in the
# order). Every `#include "pare/<part>/..."` in ROOT/src/<part>/ and ROOT/include/pare/<part>/ is
# an edge from the file's part to <part>; a part may include itself and any part below it. Prints
# one line per violation (file:line: edge) and exits 1; exits 0 when the tree is layered.
# ROOT defaults to the repository this script is in (the tests give it a temporary copy).
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root" || { echo "check-layering: no such folder: $root" >&2; exit 2; }

# The parts, bottom first (docs/design-notes.md). cli is src/cli only: nothing includes it.
order="util digest archive elf image registry fs rules deps run slim sbom pack analyze verify diff cli"

# Known violations that other branches are removing, so that every commit stays green until
# they land. Each entry is exactly "FILE: FROM -> TO" as this script prints it. An entry that no
# longer occurs is reported (not an error, so merges stay green): delete it. The goal is empty.
allowed=(
)

[ -d src ] && [ -d include/pare ] || { echo "check-layering: $PWD has no src/ and include/pare/" >&2; exit 2; }
mapfile -t files < <(find src include/pare -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | LC_ALL=C sort)
[ "${#files[@]}" -gt 0 ] || { echo "check-layering: no C++ files under $PWD/src or include/pare" >&2; exit 2; }

awk -v order="$order" -v allowed="$(printf '%s\n' "${allowed[@]+"${allowed[@]}"}")" '
  BEGIN {
    n = split(order, P, " ")
    for (i = 1; i <= n; i++) rank[P[i]] = i
    m = split(allowed, A, "\n")
    for (i = 1; i <= m; i++) if (A[i] != "") { ok[A[i]] = 1; unused[A[i]] = 1 }
  }
  FNR == 1 {
    # src/<part>/... or include/pare/<part>/...
    k = split(FILENAME, seg, "/")
    from = (seg[1] == "src") ? seg[2] : (seg[1] == "include" && seg[2] == "pare") ? seg[3] : ""
    if (k < (seg[1] == "src" ? 3 : 4)) from = ""
    if (!(from in rank)) {
      printf "%s: the part \"%s\" is not in the order (%s)\n", FILENAME, from, order
      bad++
    } else if (from == "cli" && seg[1] == "include") {
      printf "%s: cli has no public headers (src/cli only)\n", FILENAME
      bad++
    }
  }
  /^[ \t]*#[ \t]*include[ \t]*["<]pare\// {
    line = $0
    sub(/^[ \t]*#[ \t]*include[ \t]*["<]pare\//, "", line)
    to = line; sub(/\/.*$/, "", to)
    if (index(line, "/") == 0) to = "(none)"
    if (!(from in rank)) next
    edge = FILENAME ": " from " -> " to
    if (!(to in rank)) {
      printf "%s:%d: %s -> %s: \"%s\" is not a part (%s)\n", FILENAME, FNR, from, to, to, order
      bad++
    } else if (to == "cli" && from != "cli") {
      printf "%s:%d: %s -> cli: nothing includes cli\n", FILENAME, FNR, from
      bad++
    } else if (rank[to] > rank[from]) {
      if (edge in ok) { delete unused[edge]; next }
      printf "%s:%d: %s -> %s: %s is above %s\n", FILENAME, FNR, from, to, to, from
      bad++
    }
  }
  END {
    for (e in unused) printf "check-layering: allow-list entry no longer needed, delete it: %s\n", e > "/dev/stderr"
    if (bad) {
      printf "check-layering: %d layering error(s); order, bottom first: %s\n", bad, order
      exit 1
    }
  }' "${files[@]}"
