# slim_fixtures.sh DIR: testdata/make-slim-images.sh's fat images, made once per CTest run for
# the suites that slim them (they find DIR in PARE_SLIM_DIR; lib.sh's slim_fixtures). Without
# root it makes nothing: those suites need root and skip on their own.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || exit 0
rm -rf "$1"
bash "$(dirname "$0")/../../testdata/make-slim-images.sh" "$1" >/dev/null
touch "$1/.complete"
