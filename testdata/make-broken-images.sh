#!/usr/bin/env bash
# make-broken-images.sh OUTDIR
#
# Builds one sound image and, from the same parts, one broken copy per fault
# `pare verify` checks for (OUTDIR/broken.list names each and its check).  Each
# broken copy carries exactly one fault: every digest, size and name that the
# fault does not touch is recomputed, so only the named check can fail.
#
# Writes into OUTDIR:
#   good-oci.tar      OCI layout + docker manifest.json in one tar (as Docker 25+
#                     and pare write it), linux/amd64, two layers: layer 0 gzip
#                     (/etc), layer 1 uncompressed (/app/hello, a static
#                     program when musl-gcc or gcc -static is installed)
#   good-docker.tar   the same image as a plain docker save (Docker <= 24 layout)
#   bad-*.tar         the broken copies; broken.list says which check each
#                     must fail ("NAME CHECK", one a line)
#
# Uses bash, coreutils, GNU tar, gzip, sha256sum and jq (through image-lib.sh
# for the tars).  Needs root or fakeroot for the numeric owners of the outer
# tars.  Same bytes on every run on one host (the program's bytes depend on
# the compiler).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  if [[ -z ${MAKE_BROKEN_UNDER_FAKEROOT:-} ]] && command -v fakeroot >/dev/null 2>&1; then
    MAKE_BROKEN_UNDER_FAKEROOT=1 exec fakeroot -- bash "$0" "$@"
  fi
  echo "$0: needs root (or fakeroot) for the owners in the tars" >&2
  exit 1
fi

umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=image-lib.sh
. "$HERE/image-lib.sh"

die() { echo "$0: $*" >&2; exit 1; }
for t in tar gzip sha256sum jq; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done

OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-broken-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# shellcheck disable=SC2034  # read by image-lib.sh
IL_WORK=$WORK
# shellcheck disable=SC2034
IL_EPOCH=1704164645
IL_CREATED=2024-01-02T03:04:05Z

MT_DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
MT_DOCKER_LAYER_GZIP=application/vnd.docker.image.rootfs.diff.tar.gzip
MT_LAYER_TAR=application/vnd.oci.image.layer.v1.tar
MT_LAYER_ZSTD=application/vnd.oci.image.layer.v1.tar+zstd
ZERO_DIGEST=sha256:0000000000000000000000000000000000000000000000000000000000000000

# ------------------------------------------------------------------- layers ---

ROOT=$WORK/root
mkdir -p "$ROOT/etc" "$ROOT/app" "$WORK/layers"
printf 'broken\n' >"$ROOT/etc/hostname"
printf 'ID=pare-test\nPRETTY_NAME="pare verify fixture"\n' >"$ROOT/etc/os-release"
cat >"$WORK/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello from a sound image"); return 0; }
EOF
if command -v musl-gcc >/dev/null 2>&1 &&
  musl-gcc -static -Os -s -o "$ROOT/app/hello" "$WORK/hello.c" 2>/dev/null; then
  :
elif command -v gcc >/dev/null 2>&1 && gcc -static -Os -s -o "$ROOT/app/hello" "$WORK/hello.c" 2>/dev/null; then
  :
else
  printf '#!/bin/sh\necho hello from a sound image\n' >"$ROOT/app/hello"
fi
chmod 0755 "$ROOT/etc" "$ROOT/app" "$ROOT/app/hello"
chmod 0644 "$ROOT/etc/hostname" "$ROOT/etc/os-release"
chown -R 0:0 "$ROOT"
printf 'etc\netc/hostname\netc/os-release\n' >"$WORK/l0.list"
printf 'app\napp/hello\n' >"$WORK/l1.list"
il_layer "$ROOT" "$WORK/l0.list" "$WORK/layers/l0.tar"
DIFF0=$IL_DIFF
il_layer "$ROOT" "$WORK/l1.list" "$WORK/layers/l1.tar"
DIFF1=$IL_DIFF

# ------------------------------------------------------------------- images ---

base_config() {
  local h0 h1
  h0=$(printf '{"created":"%s","created_by":"layer 0: /etc"}' "$IL_CREATED")
  h1=$(printf '{"created":"%s","created_by":"layer 1: /app/hello"}' "$IL_CREATED")
  printf '{"architecture":"amd64","os":"linux","created":"%s",' "$IL_CREATED"
  printf '"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],'
  printf '"Entrypoint":["/app/hello"]},'
  printf '"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},' "$DIFF0" "$DIFF1"
  printf '"history":[%s,{"created":"%s","created_by":"ENV PATH","empty_layer":true},%s]}' \
    "$h0" "$IL_CREATED" "$h1"
}

# The knobs of one build; reset() before each.  Each *_JQ is a jq filter
# applied to that document before it is written (so digests follow it).
reset() {
  CFG_JQ=.
  MAN_JQ=.
  IDX_JQ=.
  MJ_JQ=.
  LAYOUT='{"imageLayoutVersion":"1.0.0"}'
  POST=:
}

# oci NAME: writes OUTDIR/NAME.tar, an OCI layout with manifest.json.  Blob
# hexes are left in L0_HEX, L1_HEX, CFG_HEX, MAN_HEX for POST and the knobs.
oci() {
  local name=$1 dir=$WORK/out/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  il_write_blob "$dir" "$WORK/layers/l0.tar.gz"
  L0_HEX=$IL_BLOB_HEX; local l0_size=$IL_BLOB_SIZE
  il_write_blob "$dir" "$WORK/layers/l1.tar"
  L1_HEX=$IL_BLOB_HEX; local l1_size=$IL_BLOB_SIZE
  il_write_blob_str "$dir" "$(base_config | jq -c "$CFG_JQ")"
  CFG_HEX=$IL_BLOB_HEX
  local man
  man=$(printf '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s,%s]}' \
    "$IL_MT_MANIFEST" "$(il_desc "$IL_MT_CONFIG" "$CFG_HEX" "$IL_BLOB_SIZE")" \
    "$(il_desc "$IL_MT_LAYER_GZIP" "$L0_HEX" "$l0_size")" \
    "$(il_desc "$MT_LAYER_TAR" "$L1_HEX" "$l1_size")")
  il_write_blob_str "$dir" "$(printf '%s' "$man" | jq -c "$MAN_JQ")"
  MAN_HEX=$IL_BLOB_HEX
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$IL_MT_INDEX" \
    "$(il_desc "$IL_MT_MANIFEST" "$MAN_HEX" "$IL_BLOB_SIZE" \
      '"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"docker.io/library/broken:latest","org.opencontainers.image.ref.name":"latest"}')" |
    jq -c "$IDX_JQ" | tr -d '\n' >"$dir/index.json"
  printf '%s' "$LAYOUT" >"$dir/oci-layout"
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["broken:latest"],"Layers":["blobs/sha256/%s","blobs/sha256/%s"]}]' \
    "$CFG_HEX" "$L0_HEX" "$L1_HEX" | jq -c "$MJ_JQ" | tr -d '\n' >"$dir/manifest.json"
  "$POST" "$dir"
  il_pack "$dir" "$OUTDIR/$name.tar"
}

# docker NAME: a plain docker save (Docker <= 24): <config-hex>.json,
# <v1id>/layer.tar (uncompressed), manifest.json, repositories.
docker() {
  local name=$1 dir=$WORK/out/$1 cfg chex
  rm -rf "$dir"
  mkdir -p "$dir/v1-0" "$dir/v1-1"
  cfg=$(base_config | jq -c "$CFG_JQ" | tr -d '\n')
  printf '%s' "$cfg" >"$WORK/cfg.json"
  chex=$(il_sha "$WORK/cfg.json")
  cp "$WORK/cfg.json" "$dir/$chex.json"
  cp "$WORK/layers/l0.tar" "$dir/v1-0/layer.tar"
  cp "$WORK/layers/l1.tar" "$dir/v1-1/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":["broken:latest"],"Layers":["v1-0/layer.tar","v1-1/layer.tar"]}]' \
    "$chex" >"$dir/manifest.json"
  printf '{"broken":{"latest":"v1-1"}}' >"$dir/repositories"
  "$POST" "$dir"
  il_pack "$dir" "$OUTDIR/$name.tar"
}

# flip FILE: the byte in the middle of FILE, bitwise inverted.
flip() {
  local f=$1 off b
  off=$(($(il_size "$f") / 2))
  b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
  # shellcheck disable=SC2059  # the format is the octal escape of one byte
  printf "\\$(printf '%03o' $((255 - b)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

: >"$OUTDIR/broken.list"
# broken NAME CHECK: record what NAME must fail.
broken() { printf '%s %s\n' "$1" "$2" >>"$OUTDIR/broken.list"; }

reset; oci good-oci
reset; docker good-docker

# blob-digest: a byte of the gzip layer flipped (the inflated stream breaks
# too, so diff-id may fail as well), and a config whose bytes no longer hash
# to its name but still parse.
post_flip_layer0() { flip "$1/blobs/sha256/$L0_HEX"; }
reset; POST=post_flip_layer0; oci bad-blob-digest; broken bad-blob-digest blob-digest
post_edit_config() { sed -i 's,layer 0: /etc,layer 0: /etx,' "$1/blobs/sha256/$CFG_HEX"; }
reset; POST=post_edit_config; oci bad-config-digest; broken bad-config-digest blob-digest

# blob-size: a layer descriptor one byte too large; the manifest descriptor of
# index.json one byte too small.
reset; MAN_JQ='.layers[1].size += 1'; oci bad-blob-size; broken bad-blob-size blob-size
reset; IDX_JQ='.manifests[0].size -= 1'; oci bad-manifest-size; broken bad-manifest-size blob-size

# blob-missing: layer 1 deleted.
post_rm_layer1() { rm "$1/blobs/sha256/$L1_HEX"; }
reset; POST=post_rm_layer1; oci bad-blob-missing; broken bad-blob-missing blob-missing

# diff-id: a wrong diff_id for layer 1.
reset; CFG_JQ=".rootfs.diff_ids[1] = \"$ZERO_DIGEST\""; oci bad-diff-id; broken bad-diff-id diff-id

# layer-count: the diff_id of layer 1 removed (history still counts two).
reset; CFG_JQ='del(.rootfs.diff_ids[1])'; oci bad-layer-count; broken bad-layer-count layer-count

# history: one more entry that is not empty_layer.
reset; CFG_JQ=".history += [{\"created\":\"$IL_CREATED\",\"created_by\":\"RUN true\"}]"
oci bad-history; broken bad-history history

# created: a word, and a time without 'T' and zone.
reset; CFG_JQ='.created = "yesterday"'; oci bad-created-word; broken bad-created-word created
reset; CFG_JQ='.history[0].created = "2024-01-02 03:04:05"'; oci bad-created-space
broken bad-created-space created

# media-type: a Docker layer type in an OCI manifest; a gzip layer declared
# zstd; an index descriptor whose type is not the manifest's own.
reset; MAN_JQ=".layers[0].mediaType = \"$MT_DOCKER_LAYER_GZIP\""; oci bad-media-type-docker
broken bad-media-type-docker media-type
reset; MAN_JQ=".layers[0].mediaType = \"$MT_LAYER_ZSTD\""; oci bad-media-type-zstd
broken bad-media-type-zstd media-type
reset; IDX_JQ=".manifests[0].mediaType = \"$MT_DOCKER_MANIFEST\""; oci bad-media-type-descriptor
broken bad-media-type-descriptor media-type

# oci-layout: a version no reader knows.
reset; LAYOUT='{"imageLayoutVersion":"2.0.0"}'; oci bad-oci-layout; broken bad-oci-layout oci-layout

# json: index.json cut short; a manifest whose layers are no array.
post_cut_index() { head -c 40 "$1/index.json" >"$1/index.cut" && mv "$1/index.cut" "$1/index.json"; }
reset; POST=post_cut_index; oci bad-json-index; broken bad-json-index json
reset; MAN_JQ='.layers = {}'; oci bad-json-manifest; broken bad-json-manifest json

# manifest-json: manifest.json names another config (a real blob of the
# archive, the config with another created time) than index.json's manifest.
post_other_config() {
  local other
  other=$(base_config | jq -c '.created = "2024-02-03T04:05:06Z"' | tr -d '\n')
  il_write_blob_str "$1" "$other"
  jq -c --arg c "blobs/sha256/$IL_BLOB_HEX" '.[0].Config = $c' "$1/manifest.json" | tr -d '\n' >"$1/mj.tmp"
  mv "$1/mj.tmp" "$1/manifest.json"
}
reset; POST=post_other_config; oci bad-manifest-json; broken bad-manifest-json manifest-json
# ... and its layers in the wrong order.
reset; MJ_JQ='.[0].Layers |= reverse'; oci bad-manifest-json-layers
broken bad-manifest-json-layers manifest-json

# platform: the index says arm64, the config amd64.
reset; IDX_JQ='.manifests[0].platform = {"architecture":"arm64","os":"linux","variant":"v8"}'
oci bad-platform; broken bad-platform platform

# docker save: a byte of layer 1 flipped (its name states no digest, so only
# the diff_id can tell).
post_flip_docker_layer1() { flip "$1/v1-1/layer.tar"; }
reset; POST=post_flip_docker_layer1; docker bad-docker-diff-id; broken bad-docker-diff-id diff-id
reset; CFG_JQ='del(.rootfs.diff_ids[1])'; docker bad-docker-layer-count
broken bad-docker-layer-count layer-count

echo "made $(($(wc -l <"$OUTDIR/broken.list") + 2)) images in $OUTDIR"
