# Helpers shared by the end-to-end tests. Each test script is run by CTest as
#   bash tests/e2e/NAME.sh PATH/TO/pare
# and exits 0 (pass), 1 (fail) or 77 (skipped: a tool or root is missing, never in CI).
set -euo pipefail

PARE=${1:?usage: $0 PATH/TO/pare}
PARE=$(cd "$(dirname "$PARE")" && pwd)/$(basename "$PARE")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=${PARE_SHARED:-$REPO/../shared}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pare-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
CHECKS=0

skip() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $* (a skip is a failure in CI)"
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
  done
}

pass() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "not ok - $*"; }

# check_same NAME EXPECTED_FILE ACTUAL_FILE
check_same() {
  if diff -u "$2" "$3" >"$WORK/diff.txt"; then
    pass "$1"
  else
    fail "$1"
    head -40 "$WORK/diff.txt"
  fi
}

# expect_exit NAME CODE PATTERN -- COMMAND...: the command exits CODE, prints nothing on
# stdout, and prints exactly one "pare: error:" line on stderr matching PATTERN.
expect_exit() {
  local name=$1 code=$2 pattern=$3
  shift 4
  local rc=0
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  local errors
  errors=$(grep -c '^pare: error: ' "$WORK/err.txt" || true)
  if [ "$rc" -ne "$code" ]; then
    fail "$name: exit $rc, expected $code"; cat "$WORK/err.txt"
  elif [ -s "$WORK/out.txt" ]; then
    fail "$name: printed on stdout"
  elif [ "$errors" -ne 1 ]; then
    fail "$name: expected one error line"; cat "$WORK/err.txt"
  elif ! grep -q -E -- "$pattern" "$WORK/err.txt"; then
    fail "$name: error does not match /$pattern/"; cat "$WORK/err.txt"
  else
    pass "$name ($(head -1 "$WORK/err.txt"))"
  fi
}

make_fixtures() {
  need tar gzip zstd sha256sum
  [ "$(id -u)" -eq 0 ] || need fakeroot  # the fixtures own a file as uid 1000
  FIXTURES=$WORK/fixtures
  bash "$REPO/testdata/make-images.sh" "$FIXTURES" >/dev/null
}

# slim_fixtures: S, the folder of testdata/make-slim-images.sh's fat images: the one CTest made
# for this run (PARE_SLIM_DIR, tests/e2e/slim_fixtures.sh), else made here. Read only.
slim_fixtures() {
  if [ -n "${PARE_SLIM_DIR:-}" ] && [ -f "$PARE_SLIM_DIR/.complete" ]; then
    S=$PARE_SLIM_DIR
  else
    S=$WORK/slim
    bash "$REPO/testdata/make-slim-images.sh" "$S" >/dev/null
  fi
}

# make_hello_programs DIR: tests/pack/hello.c built as DIR/hello (static amd64, musl-gcc),
# DIR/hello-arm64 (static arm64) and DIR/hello-curl (dynamic amd64 with libcurl).
make_hello_programs() {
  need musl-gcc aarch64-linux-gnu-gcc gcc
  local src=$REPO/tests/pack/hello.c
  mkdir -p "$1"
  musl-gcc -static -O2 -DARCH='"amd64"' -o "$1/hello" "$src"
  aarch64-linux-gnu-gcc -static -O2 -DARCH='"arm64"' -o "$1/hello-arm64" "$src"
  gcc -O2 -DARCH='"amd64"' -DWITH_CURL -o "$1/hello-curl" "$src" -lcurl
}

# podman_ ARGS...: podman with the test's own storage under $WORK (the test leaves nothing in
# the machine's), no daemon, the vfs driver.
podman_() {
  podman --root "$WORK/storage" --runroot "$WORK/runroot" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file "$@"
}
# podman_run ARGS...: podman run as users run an image here: runc, no network, bounded ulimits,
# no pull progress.
podman_run() {
  podman_ run -q --rm --network none --runtime runc --ulimit nofile=1024:1024 \
    --ulimit nproc=1024:1024 "$@"
}

finish() {
  echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
  [ "$FAILURES" -eq 0 ]
}
