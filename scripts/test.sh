#!/usr/bin/env bash
# Runs every test: installs what is missing, lints (clang-tidy without its slow clang-analyzer
# checks: scripts/lint.sh alone runs them), builds pare in build-release/ (gcc, Release: warnings
# are errors, and -O3 inlines more, so GCC warns about other things) and everything in
# build-asan/ (clang, AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer
# targets), then CTest in build-asan/ (unit and end-to-end tests, a short run of each fuzz
# target, the lint script's own test). Tests that assert memory measure the Release binary
# (PARE_FOR_MEMORY): a sanitizer's shadow memory is not pare's. Each step's line says when it
# started: CI has 30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
step "installing what is missing (scripts/install-deps.sh)"
bash scripts/install-deps.sh
step "configuring build-asan/ (clang, AddressSanitizer + UBSan, the fuzz targets)"
CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARE_SANITIZE=ON \
  -DPARE_FUZZ=ON >/dev/null
step "linting (clang-format, layering, clang-tidy without the clang-analyzer checks)"
PARE_LINT_BUILD=build-asan PARE_LINT_ANALYZER=0 bash scripts/lint.sh
step "building build-release/ (gcc, Release, warnings are errors: pare and its library)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target pare
step "building build-asan/"
cmake --build build-asan -j"$(nproc)"
step "running the tests (ctest in build-asan/)"
export PARE_FOR_MEMORY="$PWD/build-release/pare"
# One more job than cores: the end-to-end suites wait on podman, registries and pipes.
ctest --test-dir build-asan --output-on-failure -j"$(($(nproc) + 1))"
step "done"
