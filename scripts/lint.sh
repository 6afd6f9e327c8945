#!/usr/bin/env bash
# Fails when a C++ file is not clang-format clean.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp')
clang-format --dry-run --Werror "${files[@]}"
