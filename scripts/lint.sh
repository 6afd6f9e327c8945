#!/usr/bin/env bash
# Fails when a C++ file is not clang-format clean or src/ has a clang-tidy finding
# (.clang-tidy makes every finding an error). Needs build/compile_commands.json (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp')
clang-format --dry-run --Werror "${files[@]}"
mapfile -t sources < <(git ls-files -co --exclude-standard 'src/*.cpp')
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null
