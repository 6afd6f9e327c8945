#!/usr/bin/env bash
# Fails when a C++ file is not clang-format clean, when a part includes a part above it
# (scripts/check-layering.sh), or when src/ has a clang-tidy finding (.clang-tidy makes every
# finding an error). Needs the compile_commands.json of a configured build folder: build/
# (scripts/build.sh) unless PARE_LINT_BUILD names another. Quiet on success.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PARE_LINT_BUILD:-build}
[ -f "$build/compile_commands.json" ] ||
  { echo "lint: $build/compile_commands.json is missing: run scripts/build.sh first" >&2; exit 2; }
# PARE_LINT_PARTS picks what runs (default all): "format layering" is quick, "tidy" is minutes,
# which the test command runs in the background while it builds and tests.
parts=" ${PARE_LINT_PARTS:-format layering tidy} "
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp')
[[ $parts == *" format "* ]] && clang-format --dry-run --Werror "${files[@]}"
[[ $parts == *" layering "* ]] && bash scripts/check-layering.sh
[[ $parts == *" tidy "* ]] || exit 0
mapfile -t sources < <(git ls-files -co --exclude-standard 'src/*.cpp')
# clang-tidy prints "N warnings generated" (warnings in system headers it suppresses) on
# stderr for every file; only that line is dropped, so real errors show.
log=$(mktemp "${TMPDIR:-/tmp}/pare-lint.XXXXXX")
trap 'rm -f "$log"' EXIT
rc=0
# PARE_LINT_ANALYZER=0 leaves out the clang-analyzer-* checks, half of clang-tidy's time: the
# test command's lint, for CI's 30 minutes. By default every check of .clang-tidy runs.
extra=()
[ "${PARE_LINT_ANALYZER:-1}" = 0 ] && extra=(--checks=-clang-analyzer-*)
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet "${extra[@]+"${extra[@]}"}" >"$log" 2>&1 || rc=$?
grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$log" || true
if [ "$rc" -ne 0 ]; then
  echo "lint: clang-tidy failed (exit $rc)" >&2
  exit 1
fi
