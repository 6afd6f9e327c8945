#!/usr/bin/env bash
# build.sh [TARGET...]: configures build/ (RelWithDebInfo, warnings are errors) and builds the
# TARGETs, by default everything (pare, pare_core and the unit tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]+"${targets[@]}"}"
