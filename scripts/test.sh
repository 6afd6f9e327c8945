#!/usr/bin/env bash
# Runs every test: installs what is missing, builds build/ (RelWithDebInfo), lints, builds
# build-release/ (Release: -O3 inlines more, so GCC warns about other things), then CTest (unit
# and end-to-end tests, and the lint script's own test), then the Release unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "installing what is missing (scripts/install-deps.sh)"
bash scripts/install-deps.sh
step "building build/ (RelWithDebInfo: pare, pare_core, unit tests)"
bash scripts/build.sh
step "linting (clang-format, layering, clang-tidy)"
bash scripts/lint.sh
step "building build-release/ (Release, warnings are errors)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)"
step "running the tests (ctest in build/)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
step "running the unit tests of the Release build (on build/'s fixtures)"
PARE_BUILD_DIR="$PWD/build" build-release/tests/pare_unit_tests
