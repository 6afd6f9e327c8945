#!/usr/bin/env bash
# Speed and memory of reading an image, as ratios against baselines run in this invocation:
#   gzip -dc LAYER | sha256sum   (GNU gzip inflating the layer and coreutils hashing it once)
#   tar -tzf LAYER               (GNU tar listing the same layer)
# pare does more than either: it hashes the stored and the inflated bytes and parses the tar.
# and peak memory of `pare analyze` for a small and a 10x larger image of the same shape, which
# should be about equal (memory grows with entries kept, not with bytes).
# Usage: bash bench/run.sh [PATH/TO/pare] [MB]   (default build/pare, 400 MB of file content)
set -euo pipefail
cd "$(dirname "$0")/.."
PARE=${1:-build/pare}
MB=${2:-400}
RUNS=${RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pare-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
command -v /usr/bin/time >/dev/null || { echo "bench needs /usr/bin/time (apt-get install time)"; exit 1; }

# make_image DIR MB: an OCI archive with one gzip layer holding MB of incompressible files in
# 1 MB pieces plus 20000 small files.
make_image() {
  local dir=$1 mb=$2
  mkdir -p "$dir/root/big" "$dir/root/small" "$dir/oci/blobs/sha256"
  for i in $(seq 1 "$mb"); do head -c 1048576 /dev/urandom >"$dir/root/big/f$i"; done
  for d in $(seq 1 200); do
    mkdir -p "$dir/root/small/d$d"
    for f in $(seq 1 100); do echo "$d $f" >"$dir/root/small/d$d/f$f"; done
  done
  tar -C "$dir/root" --sort=name --owner=0 --group=0 --numeric-owner -cf "$dir/layer.tar" .
  gzip -1 -n -c "$dir/layer.tar" >"$dir/layer.tar.gz"
  local diff_id digest size config cdigest csize manifest mdigest msize
  diff_id=$(sha256sum <"$dir/layer.tar" | cut -d' ' -f1)
  digest=$(sha256sum <"$dir/layer.tar.gz" | cut -d' ' -f1)
  size=$(stat -c %s "$dir/layer.tar.gz")
  cp "$dir/layer.tar.gz" "$dir/oci/blobs/sha256/$digest"
  config='{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:'$diff_id'"]}}'
  printf '%s' "$config" >"$dir/config.json"
  cdigest=$(sha256sum <"$dir/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$dir/config.json")
  cp "$dir/config.json" "$dir/oci/blobs/sha256/$cdigest"
  manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$cdigest'","size":'$csize'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'$digest'","size":'$size'}]}'
  printf '%s' "$manifest" >"$dir/manifest.json"
  mdigest=$(sha256sum <"$dir/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$dir/manifest.json")
  cp "$dir/manifest.json" "$dir/oci/blobs/sha256/$mdigest"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s}]}' "$mdigest" "$msize" >"$dir/oci/index.json"
  tar -C "$dir/oci" -cf "$dir/image.tar" .
  rm -rf "$dir/root"
}

# median_seconds CMD...: the median wall time of RUNS runs.
median_seconds() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

echo "making a $MB MB image and a $((MB / 10)) MB one..."
make_image "$WORK/big" "$MB"
make_image "$WORK/small" "$((MB / 10))"
L=$WORK/big/layer.tar.gz
floor=$(median_seconds bash -c "gzip -dc '$L' | sha256sum")
tar_t=$(median_seconds tar -tzf "$L")
pare_t=$(median_seconds "$PARE" analyze -q "$WORK/big/image.tar")
printf 'time  gzip -dc | sha256sum:        %6.2fs\n' "$floor"
printf 'time  tar -tzf:                    %6.2fs\n' "$tar_t"
printf 'time  pare analyze:                %6.2fs   %.2fx gzip|sha256sum, %.2fx tar -tzf\n' \
  "$pare_t" "$(echo "$pare_t / $floor" | bc -l)" "$(echo "$pare_t / $tar_t" | bc -l)"
small_kb=$(peak_kb "$PARE" analyze -q "$WORK/small/image.tar")
big_kb=$(peak_kb "$PARE" analyze -q "$WORK/big/image.tar")
printf 'memory pare analyze: %d kB at %d MB, %d kB at %d MB (%.2fx for 10x the bytes)\n' \
  "$small_kb" "$((MB / 10))" "$big_kb" "$MB" "$(echo "$big_kb / $small_kb" | bc -l)"
