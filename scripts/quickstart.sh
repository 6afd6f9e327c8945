#!/usr/bin/env bash
# Installs what pare needs, builds it, makes a fat example image (a static program on a
# Debian-like base, built with GNU tar from this machine's files), then analyzes and slims it,
# and starts the slim image's program for real.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
mkdir -p build/examples
bash testdata/make-slim-images.sh build/examples >/dev/null
echo "\$ pare analyze build/examples/fat-static.tar"
build/pare analyze build/examples/fat-static.tar
echo
echo "\$ pare slim build/examples/fat-static.tar -o build/examples/slim.tar --tag fat:slim"
build/pare slim build/examples/fat-static.tar -o build/examples/slim.tar --tag fat:slim
ls -l build/examples/fat-static.tar build/examples/slim.tar
echo
echo "\$ pare verify build/examples/slim.tar --run"
build/pare verify build/examples/slim.tar --run
