#!/usr/bin/env bash
# Runs every test: installs what is missing, lints, builds build-release/ (gcc, Release:
# warnings are errors, and -O3 inlines more, so GCC warns about other things) and build-asan/
# (clang, AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer targets), then CTest
# in build-asan/ (unit and end-to-end tests, a short run of each fuzz target, the lint script's
# own test), then the Release unit tests. Tests that assert memory measure the Release binary
# (PARE_FOR_MEMORY): a sanitizer's shadow memory is not pare's.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "installing what is missing (scripts/install-deps.sh)"
bash scripts/install-deps.sh
step "configuring build-asan/ (clang, AddressSanitizer + UBSan, the fuzz targets)"
CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARE_SANITIZE=ON \
  -DPARE_FUZZ=ON >/dev/null
step "linting (clang-format, layering, clang-tidy)"
PARE_LINT_BUILD=build-asan bash scripts/lint.sh
step "building build-release/ (gcc, Release, warnings are errors)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)"
step "building build-asan/"
cmake --build build-asan -j"$(nproc)"
step "running the tests (ctest in build-asan/)"
export PARE_FOR_MEMORY="$PWD/build-release/pare"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
step "running the unit tests of the Release build (on build-asan/'s fixtures)"
PARE_BUILD_DIR="$PWD/build-asan" build-release/tests/pare_unit_tests
