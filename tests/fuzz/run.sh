#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS [TARGET...]
#
# Runs each libFuzzer target of BUILD_DIR (configured with -DPARE_FUZZ=ON, built with the
# fuzz_targets target) for SECONDS on its seeds: the committed ones (tests/fuzz/corpus/TARGET/),
# the committed regression inputs (tests/fuzz/regressions/TARGET/, each replayed first), and
# seeds gathered from the generated fixtures (BUILD_DIR/testdata from testdata/make-images.sh,
# BUILD_DIR/elf-testdata from tests/elf/make-elf-fixtures.sh; made once into
# BUILD_DIR/fuzz-fixtures/ when the build has none). Targets: all when none is named.
#
# PARE_FUZZ_SEED, when set, is libFuzzer's -seed: the test command's runs start from the same
# mutations every time, so a CI run does not fail on whatever a random seed happens to find.
#
# Everything is written to a scratch folder, never the repository: PARE_FUZZ_WORK when set
# (kept, so a corpus grows over several runs), else a temporary folder that is removed unless
# something was found. Prints per target its runs, coverage, time and corpus size, and each
# finding with the path of the input kept for it. Exits 1 when anything was found, 2 on usage.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
SECONDS_EACH=$2
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ALL="archive model layer elf ld_cache ld_conf dpkg apk users project_file"
TARGETS=${*:-$ALL}
for t in $TARGETS; do
  [[ " $ALL " == *" $t "* ]] || { echo "run.sh: no fuzz target $t (targets: $ALL)" >&2; exit 2; }
  [[ -x $BUILD/tests/fuzz/${t}_fuzz ]] ||
    { echo "run.sh: $BUILD/tests/fuzz/${t}_fuzz is missing: build the fuzz_targets target" >&2; exit 2; }
done

if [[ -n ${PARE_FUZZ_WORK:-} ]]; then
  WORK=$PARE_FUZZ_WORK
  mkdir -p "$WORK"
  KEEP=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pare-fuzz.XXXXXX")
  KEEP=0
fi
WORK=$(cd "$WORK" && pwd)
FOUND=0
cleanup() { if [[ $KEEP -eq 0 && $FOUND -eq 0 ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
# pare's temporary files (spooled inputs, content stores) go to the scratch folder too.
mkdir -p "$WORK/tmp"
export TMPDIR=$WORK/tmp

# The generated fixtures: the build's own, else made once (under a lock: CTest runs several
# targets at once) into BUILD_DIR/fuzz-fixtures.
fixtures() { # NAME SCRIPT: the folder holding the fixtures SCRIPT makes
  local name=$1 script=$2 made=$BUILD/fuzz-fixtures/$1
  if [[ -d $BUILD/$name ]] && [[ -n $(ls -A "$BUILD/$name") ]]; then
    echo "$BUILD/$name"
    return
  fi
  mkdir -p "$BUILD/fuzz-fixtures"
  (
    flock 9
    if [[ ! -e $made.done ]]; then
      bash "$script" "$made" >"$made.log" 2>&1 || echo "run.sh: $script failed (see $made.log)" >&2
      touch "$made.done"
    fi
  ) 9>"$BUILD/fuzz-fixtures/.lock"
  echo "$made"
}
IMAGES=$(fixtures testdata "$REPO/testdata/make-images.sh")
ELVES=$(fixtures elf-testdata "$REPO/tests/elf/make-elf-fixtures.sh")

# The image archives unpacked once: their JSON documents and layer blobs are seeds too.
UNPACKED=$WORK/unpacked
(
  flock 9
  if [[ ! -d $UNPACKED ]]; then
    rm -rf "$UNPACKED.partial"
    mkdir -p "$UNPACKED.partial"
    for a in "$IMAGES"/*.tar; do
      [[ -s $a ]] || continue
      d=$UNPACKED.partial/$(basename "$a" .tar)
      mkdir -p "$d"
      tar -xf "$a" -C "$d" 2>/dev/null || true
    done
    mv "$UNPACKED.partial" "$UNPACKED"
  fi
) 9>"$WORK/.lock"

# magic FILE: json, gzip, zstd, tar, elf or other.
magic() {
  local head
  head=$(od -An -tx1 -N4 "$1" | tr -d ' \n')
  case $head in
    1f8b*) echo gzip ;;
    28b52ffd) echo zstd ;;
    7f454c46) echo elf ;;
    *)
      if [[ $(dd if="$1" bs=1 skip=257 count=5 2>/dev/null) == ustar ]]; then
        echo tar
      elif [[ $(tr -d ' \t\r\n' <"$1" | head -c1) == [\{\[] ]]; then
        echo json
      else
        echo other
      fi
      ;;
  esac
}

# seeds TARGET DIR: fills DIR with the target's generated seeds.
seeds() {
  local t=$1 dir=$2 f kind n=0
  mkdir -p "$dir"
  case $t in
    archive)
      for f in "$IMAGES"/*.tar "$IMAGES"/*.tar.gz "$IMAGES"/*.tar.zst; do
        [[ -f $f && $(stat -c %s "$f") -le 262144 ]] && cp "$f" "$dir/"
      done
      ;;
    model | layer)
      while IFS= read -r -d '' f; do
        [[ $(stat -c %s "$f") -le 262144 ]] || continue
        kind=$(magic "$f")
        n=$((n + 1))
        if [[ $t == model && $kind == json ]]; then
          for role in i d m c n; do { printf '%s' "$role"; cat "$f"; } >"$dir/$n$role.json"; done
        elif [[ $t == layer && $kind =~ ^(gzip|zstd|tar)$ ]]; then
          cp "$f" "$dir/$n.$kind"
        fi
      done < <(find "$UNPACKED" -type f -print0)
      ;;
    elf)
      for f in "$ELVES"/*; do
        [[ -f $f && $(magic "$f") == elf && $(stat -c %s "$f") -le 1048576 ]] && cp "$f" "$dir/"
      done
      ;;
    ld_cache)
      # The host's cache is a seed only: nothing asserts what it holds.
      [[ -f /etc/ld.so.cache ]] && cp /etc/ld.so.cache "$dir/host-ld.so.cache"
      ;;
  esac
  return 0
}

dict_of() { # TARGET: the -dict option, when the target has a dictionary
  case $1 in
    model | project_file) echo "-dict=$HERE/dict/json.dict" ;;
    archive | layer) echo "-dict=$HERE/dict/tar.dict" ;;
  esac
}

# stat_of LOG NAME: a libFuzzer final stat (-print_final_stats).
stat_of() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }

printf '%-13s %10s %8s %8s %6s %7s  %s\n' target runs cov ft corpus seconds findings
for t in $TARGETS; do
  bin=$BUILD/tests/fuzz/${t}_fuzz
  dir=$WORK/$t
  # This run's findings only (a kept PARE_FUZZ_WORK holds earlier runs' too).
  found_in=$dir/findings-$(date +%Y%m%d-%H%M%S)
  mkdir -p "$dir/corpus" "$found_in"
  rm -rf "$dir/seeds"
  seeds "$t" "$dir/seeds"
  [[ -d $HERE/corpus/$t ]] && cp "$HERE/corpus/$t"/* "$dir/seeds/" 2>/dev/null || true
  findings=()
  # The committed regression inputs first: each once, as they were when a fix was made.
  if [[ -d $HERE/regressions/$t ]] && [[ -n $(ls -A "$HERE/regressions/$t") ]]; then
    if ! "$bin" -rss_limit_mb=2048 -timeout=10 "$HERE/regressions/$t"/* >"$dir/regressions.log" 2>&1; then
      findings+=("regression input fails again: see $dir/regressions.log")
    fi
  fi
  # shellcheck disable=SC2046
  start=$(date +%s)
  rc=0
  "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    ${PARE_FUZZ_SEED:+-seed="$PARE_FUZZ_SEED"} -artifact_prefix="$found_in/" $(dict_of "$t") \
    "$dir/corpus" "$dir/seeds" \
    >"$dir/log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  rmdir "$found_in" 2>/dev/null || true
  for f in "$found_in"/*; do
    [[ -e $f ]] && findings+=("$(basename "$f" | cut -d- -f1): $f")
  done
  if [[ $rc -ne 0 && ${#findings[@]} -eq 0 ]]; then
    findings+=("libFuzzer exited $rc: see $dir/log")
  fi
  last=$(grep -E '^#[0-9]+.*cov: ' "$dir/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  runs=$(stat_of "$dir/log" number_of_executed_units)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  status=none
  if [[ ${#findings[@]} -gt 0 ]]; then
    FOUND=1
    status="${#findings[@]} (log: $dir/log)"
  fi
  printf '%-13s %10s %8s %8s %6s %7s  %s\n' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" \
    "$took" "$status"
  for f in "${findings[@]}"; do echo "  finding: $f"; done
done
if [[ $FOUND -ne 0 ]]; then
  echo "run.sh: findings kept in $WORK"
  exit 1
fi
