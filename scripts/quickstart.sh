#!/usr/bin/env bash
# Installs what pare needs, builds it, makes a fat example image (a static program on a
# Debian-like base, built with GNU tar from this machine's files), then analyzes and slims it,
# and starts the slim image's program for real. Builds only pare (scripts/test.sh builds the
# tests too).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "installing what is missing (scripts/install-deps.sh: apt-get, as root)"
bash scripts/install-deps.sh
step "building pare into build/ (cmake, RelWithDebInfo; the tests are left for scripts/test.sh)"
bash scripts/build.sh pare
step "making fat example images in build/examples from this machine's files (testdata/make-slim-images.sh)"
mkdir -p build/examples
bash testdata/make-slim-images.sh build/examples
step "pare analyze build/examples/fat-static.tar"
build/pare analyze build/examples/fat-static.tar
step "pare slim build/examples/fat-static.tar -o build/examples/slim.tar --tag fat:slim"
build/pare slim build/examples/fat-static.tar -o build/examples/slim.tar --tag fat:slim
ls -l build/examples/fat-static.tar build/examples/slim.tar
step "pare verify build/examples/slim.tar --run"
build/pare verify build/examples/slim.tar --run
