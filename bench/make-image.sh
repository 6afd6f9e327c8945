#!/usr/bin/env bash
# Builds a realistic benchmark image from this machine's /usr with independent tools only (GNU tar,
# gzip -n, sha256sum, jq, musl-gcc or gcc, skopeo): a runnable merged-usr Debian root in 6 gzip
# layers whose entrypoint is /usr/bin/openssl, its libraries in the big layer (lib + share).
# At SCALE 100 it holds about 1.1 GiB uncompressed in 45,000 entries (40,000 files and symlinks,
# the big layer about 710 MiB); SCALE is a percentage of every layer's byte budget (the program
# and its libraries are always there).
# Usage: bash bench/make-image.sh OUT_DIR [SCALE]
# Writes OUT_DIR/layout (OCI layout, tag "bench"), OUT_DIR/image.tar (oci-archive of it),
# OUT_DIR/docker.tar (docker-archive from skopeo, layers uncompressed), OUT_DIR/keep.txt (the
# paths the program needs, for a hand-made slim image) and OUT_DIR/stats (bytes and files).
set -euo pipefail

OUT=${1:?usage: make-image.sh OUT_DIR [SCALE]}
SCALE=${2:-100}
PROGRAM=/usr/bin/openssl
MiB=1048576

# need TOOL...: fails with a clear message when a tool is missing.
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "make-image.sh: needs $t (bash scripts/install-deps.sh)" >&2; exit 4; }
  done
}

# budget MB: the byte budget of MB at SCALE percent.
budget() { echo $(($1 * MiB * SCALE / 100)); }

# select_files DIR BYTES [MAX_KB]: files and symlinks under DIR (relative to /) in name order
# until BYTES would be passed (a hard link's bytes count once), skipping files of MAX_KB or more
# when given.
select_files() {
  local dir=$1 bytes=$2 max=${3:-}
  local size=()
  [ -n "$max" ] && size=(-size "-${max}k")
  (cd / && find "$dir" -xdev \( -type f -o -type l \) "${size[@]}" -printf '%s\t%i\t%p\n') |
    LC_ALL=C sort -t$'\t' -k3 |
    awk -F'\t' -v b="$bytes" 'done { next } { n = seen[$2]++ ? 0 : $1 } s + n > b { done = 1; next } { s += n; print $3 }'
}

# with_parents: the paths on stdin plus every parent directory, parents first, once each.
with_parents() {
  awk -F/ '{ p = $1; print p; for (i = 2; i <= NF; i++) { p = p "/" $i; print p } }' | LC_ALL=C sort -u
}

# program_closure: the program, its libraries and the loader as paths relative to / (names and
# the files they resolve to, merged-usr: /lib/... is usr/lib/...).
program_closure() {
  local p
  {
    echo "$PROGRAM"
    ldd "$PROGRAM" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  } | while read -r p; do
    case $p in /usr/*) ;; *) p=/usr$p ;; esac
    echo "${p#/}"
    readlink -f "$p" | sed 's|^/||'
  done | LC_ALL=C sort -u
}

# make_layer NAME ROOT LIST: a gzip layer of the paths in LIST (relative to ROOT, in that order),
# its blob in the layout; appends "diff_id digest size" to OUT/layers.
make_layer() {
  local name=$1 root=$2 list=$3 tarf="$OUT/$1.tar" diff_id digest size
  tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    --no-recursion --verbatim-files-from -T "$list" -cf "$tarf"
  diff_id=$(sha256sum "$tarf" | cut -d' ' -f1)
  gzip -n -c "$tarf" >"$tarf.gz"
  digest=$(sha256sum "$tarf.gz" | cut -d' ' -f1)
  size=$(stat -c %s "$tarf.gz")
  mv "$tarf.gz" "$OUT/layout/blobs/sha256/$digest"
  echo "$name $(stat -c %s "$tarf") $(wc -l <"$list")" >>"$OUT/stats"
  rm -f "$tarf"
  echo "$diff_id $digest $size" >"$OUT/layer-$name"
}

# add_blob FILE MEDIATYPE: FILE as a blob of the layout; prints its descriptor as JSON.
add_blob() {
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$OUT/layout/blobs/sha256/$digest"
  jq -cn --arg m "$2" --arg d "sha256:$digest" --argjson s "$size" '{mediaType: $m, digest: $d, size: $s}'
}

# base_root DIR: the small root layer: merged-usr symlinks, ld.so.cache, passwd and group.
base_root() {
  local d=$1 l
  mkdir -p "$d/etc" "$d/tmp"
  chmod 1777 "$d/tmp"
  for l in bin lib lib64 sbin; do ln -s "usr/$l" "$d/$l"; done
  cp /etc/passwd /etc/group "$d/etc/"
  [ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$d/etc/"
  return 0
}

# static_root DIR: a layer with a static program built here from a tiny C source.
static_root() {
  local d=$1 cc=musl-gcc
  command -v musl-gcc >/dev/null || cc=gcc
  mkdir -p "$d/usr/local/bin"
  printf '#include <stdio.h>\nint main(int c, char **v) { printf("static %%s %%d\\n", v[0], c); return 0; }\n' >"$OUT/static.c"
  "$cc" -static -O2 -o "$d/usr/local/bin/static-hello" "$OUT/static.c"
}

# tree_list DIR: every path under DIR, relative, in name order.
tree_list() { (cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort); }

# main: the layers, config, manifest, index, oci-archive and docker-archive.
main() {
  need tar gzip sha256sum jq skopeo ldd awk
  command -v musl-gcc >/dev/null || need gcc
  rm -rf "$OUT"
  mkdir -p "$OUT/layout/blobs/sha256" "$OUT/lists" "$OUT/base" "$OUT/static"
  : >"$OUT/stats"
  local L=$OUT/lists
  program_closure >"$L/closure"
  # The big layer: the program's libraries, then lib and share up to the budget.
  { cat "$L/closure"; select_files usr/lib/x86_64-linux-gnu "$(budget 450)"
    select_files usr/share "$(budget 250)" 256; echo usr/lib64/ld-linux-x86-64.so.2; } |
    grep -v '^usr/bin/' | with_parents >"$L/big"
  { grep '^usr/bin/' "$L/closure"; select_files usr/bin "$(budget 250)"; } | with_parents >"$L/bin"
  select_files usr/include "$(budget 120)" | with_parents >"$L/include"
  { select_files usr/sbin "$(budget 20)"; select_files usr/libexec "$(budget 50)"; } | with_parents >"$L/sbin"
  base_root "$OUT/base"
  tree_list "$OUT/base" >"$L/base"
  static_root "$OUT/static"
  tree_list "$OUT/static" >"$L/static"
  make_layer base "$OUT/base" "$L/base"
  make_layer big / "$L/big" &
  local big_pid=$!
  make_layer bin / "$L/bin"
  make_layer include / "$L/include"
  make_layer sbin / "$L/sbin"
  make_layer static "$OUT/static" "$L/static"
  wait "$big_pid"
  local n d g s diff_ids="" layers="" config manifest
  for n in base big bin include sbin static; do
    read -r d g s <"$OUT/layer-$n"
    diff_ids+="\"sha256:$d\","
    layers+=$(jq -cn --arg d "sha256:$g" --argjson s "$s" \
      '{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}'),
  done
  jq -cn --argjson ids "[${diff_ids%,}]" --arg p "$PROGRAM" '{architecture: "amd64", os: "linux",
    config: {Entrypoint: [$p], Cmd: ["version"], Env: ["PATH=/usr/local/bin:/usr/bin:/bin"], WorkingDir: "/"},
    rootfs: {type: "layers", diff_ids: $ids}}' >"$OUT/config.json"
  config=$(add_blob "$OUT/config.json" application/vnd.oci.image.config.v1+json)
  jq -cn --argjson c "$config" --argjson l "[${layers%,}]" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: $l}' >"$OUT/manifest.json"
  manifest=$(add_blob "$OUT/manifest.json" application/vnd.oci.image.manifest.v1+json)
  jq -cn --argjson m "$manifest" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": "bench"}}]}' >"$OUT/layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$OUT/layout/oci-layout"
  tar -C "$OUT/layout" -cf "$OUT/image.tar" .
  skopeo copy -q "oci-archive:$OUT/image.tar" "docker-archive:$OUT/docker.tar:bench:latest"
  # What the program needs, for the hand-made slim image (umoci).
  { echo bin; echo lib; echo lib64; echo sbin; echo etc/passwd; echo etc/group
    [ -f "$OUT/base/etc/ld.so.cache" ] && echo etc/ld.so.cache
    cat "$L/closure"; echo usr/lib64/ld-linux-x86-64.so.2; } | LC_ALL=C sort -u >"$OUT/keep.txt"
  rm -rf "$OUT/base" "$OUT/static" "$OUT"/layer-* "$OUT/config.json" "$OUT/manifest.json"
}

main
