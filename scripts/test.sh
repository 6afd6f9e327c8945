#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then CTest (unit and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/lint.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
