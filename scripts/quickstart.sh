#!/usr/bin/env bash
# Installs what pare needs, builds it, makes an example image with GNU tar and reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
mkdir -p build/examples
bash testdata/make-images.sh build/examples >/dev/null
echo "\$ pare analyze build/examples/churn-docker-legacy.tar"
build/pare analyze build/examples/churn-docker-legacy.tar
