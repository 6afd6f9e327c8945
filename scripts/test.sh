#!/usr/bin/env bash
# Runs every test: installs what is missing, lints (clang-tidy, without its slow clang-analyzer
# checks, runs in the background: scripts/lint.sh alone runs them all), builds pare in
# build-release/ (gcc, Release: warnings are errors, and -O3 inlines more, so GCC warns about
# other things; its man pages and completions too) and everything in
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
step "linting: clang-format and layering now, clang-tidy (no clang-analyzer checks) in the background"
PARE_LINT_BUILD=build-asan PARE_LINT_PARTS="format layering" bash scripts/lint.sh
# clang-tidy needs only the compile commands. At the lowest priority it takes what the builds
# leave and the many idle seconds of the end-to-end tests (podman, registries, mmdebstrap);
# its result is waited for at the end.
nice -n 19 env PARE_LINT_BUILD=build-asan PARE_LINT_ANALYZER=0 PARE_LINT_PARTS=tidy \
  bash scripts/lint.sh >build-asan/lint.log 2>&1 &
tidy=$!
trap 'kill "$tidy" 2>/dev/null || true' EXIT
step "building build-release/ (gcc, Release, warnings are errors: pare, its man pages and completions)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target pare pare_share
step "building build-asan/"
cmake --build build-asan -j"$(nproc)"
step "running the tests (ctest in build-asan/)"
export PARE_FOR_MEMORY="$PWD/build-release/pare"
export PARE_RELEASE_BUILD="$PWD/build-release"  # what e2e_package makes its .deb from
# One more job than cores: the end-to-end suites wait on podman, registries and pipes.
ctest --test-dir build-asan --output-on-failure -j"$(($(nproc) + 1))"
step "waiting for clang-tidy"
if ! wait "$tidy"; then
  cat build-asan/lint.log
  echo "test.sh: clang-tidy failed" >&2
  exit 1
fi
step "done"
