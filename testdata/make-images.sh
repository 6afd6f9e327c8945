#!/usr/bin/env bash
# make-images.sh OUTDIR
#
# Builds small, deterministic container-image fixtures for pare's tests.
# Uses only bash, coreutils, GNU tar, gzip, zstd and sha256sum.
# See README.md next to this script for what every output contains.
#
# Ownership (uid/gid 1000 on home/user-file) is taken from the staging
# directory, so the script must run as root; when it is not, it re-runs
# itself under fakeroot if that is installed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  if [[ -z ${MAKE_IMAGES_UNDER_FAKEROOT:-} ]] && command -v fakeroot >/dev/null 2>&1; then
    MAKE_IMAGES_UNDER_FAKEROOT=1 exec fakeroot -- bash "$0" "$@"
  fi
  echo "$0: needs root (or fakeroot) to set file ownership in layers" >&2
  exit 1
fi

umask 022
export LC_ALL=C TZ=UTC

OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

EPOCH=1700000000
CREATED=2023-11-14T22:13:20Z
PATH_ENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'

MT_OCI_INDEX=application/vnd.oci.image.index.v1+json
MT_OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_OCI_CONFIG=application/vnd.oci.image.config.v1+json
MT_OCI_EMPTY=application/vnd.oci.empty.v1+json
MT_LAYER_TAR=application/vnd.oci.image.layer.v1.tar
MT_LAYER_GZIP=application/vnd.oci.image.layer.v1.tar+gzip
MT_LAYER_ZSTD=application/vnd.oci.image.layer.v1.tar+zstd
MT_INTOTO=application/vnd.in-toto+json

# Options shared by every tar we write: fixed order, fixed mtime, numeric
# ids, no atime/ctime, no padding to a 10 KiB record (blocking factor 1).
TAR_COMMON=(--force-local --sort=name "--mtime=@$EPOCH" --numeric-owner -b 1
  --no-recursion --verbatim-files-from)

COUNT=0
declare -A DIFF TARSIZE GZHEX GZSIZE ZSTHEX ZSTSIZE

# ---------------------------------------------------------------- helpers ---

sha() { local h; h=$(sha256sum <"$1"); printf '%s' "${h%% *}"; }
fsize() { stat -c %s "$1"; }
sha_str() { local h; h=$(printf '%s' "$1" | sha256sum); printf '%s' "${h%% *}"; }

# Record an output file (or directory) in OUTDIR.
emit() { COUNT=$((COUNT + 1)); }

# Sorted list of every path below DIR (relative, no "./").
list_tree() { (cd "$1" && find . -mindepth 1 -printf '%P\n' | sort); }

# ---- staging a layer: STAGE is the current staging dir, META its attributes
# stage_begin NAME
stage_begin() {
  STAGE=$WORK/stage/$1
  META=$WORK/stage/$1.meta
  rm -rf "$STAGE"
  mkdir -p "$STAGE"
  : >"$META"
}
# d PATH MODE                     directory
d() { mkdir -p "$STAGE/$1"; printf 'mode %s %s\n' "$2" "$1" >>"$META"; }
# f PATH MODE CONTENT             regular file
f() { mkdir -p "$(dirname "$STAGE/$1")"; printf '%s' "$3" >"$STAGE/$1"; printf 'mode %s %s\n' "$2" "$1" >>"$META"; }
# fbytes PATH MODE COUNT CHAR     regular file made of COUNT times CHAR
fbytes() { head -c "$3" /dev/zero | tr '\0' "$4" >"$STAGE/$1"; printf 'mode %s %s\n' "$2" "$1" >>"$META"; }
# s TARGET PATH                   symlink PATH -> TARGET
s() { ln -s "$1" "$STAGE/$2"; }
# h EXISTING PATH                 hardlink PATH to EXISTING (same layer)
h() { ln "$STAGE/$1" "$STAGE/$2"; }
# wh PATH                         whiteout: empty file named PATH (e.g. data/.wh.a)
wh() { f "$1" 0644 ""; }
# own PATH UID GID
own() { printf 'own %s:%s %s\n' "$2" "$3" "$1" >>"$META"; }

# make_layer NAME [extra tar args...]
# Tars the current staging dir into $WORK/layers/NAME.tar, plus .tar.gz and
# .tar.zst, and records the digests.  Ownership: everything 0:0 except the
# paths given to `own`; modes: exactly those given to d/f (chmod after chown,
# because chown clears setuid).
make_layer() {
  local name=$1; shift
  local kind a p
  chown -hR 0:0 "$STAGE"
  while read -r kind a p; do
    case $kind in
      own) chown -h "$a" "$STAGE/$p" ;;
      mode) chmod "$a" "$STAGE/$p" ;;
    esac
  done < <(grep '^own ' "$META"; grep '^mode ' "$META")
  mkdir -p "$WORK/layers"
  local out=$WORK/layers/$name.tar
  list_tree "$STAGE" >"$WORK/stage/$name.list"
  tar -C "$STAGE" "${TAR_COMMON[@]}" --format=posix \
    --pax-option=delete=atime,delete=ctime "$@" \
    -T "$WORK/stage/$name.list" -cf "$out"
  gzip -n -9 -c <"$out" >"$out.gz"
  zstd -q --no-progress -19 -c <"$out" >"$out.zst"
  DIFF[$name]=$(sha "$out");        TARSIZE[$name]=$(fsize "$out")
  GZHEX[$name]=$(sha "$out.gz");    GZSIZE[$name]=$(fsize "$out.gz")
  ZSTHEX[$name]=$(sha "$out.zst");  ZSTSIZE[$name]=$(fsize "$out.zst")
}

# ---- JSON builders (compact, fixed key order) -------------------------------

# hist_entry CREATED_BY [empty]
hist_entry() {
  if [[ ${2:-} == empty ]]; then
    printf '{"created":"%s","created_by":"%s","empty_layer":true}' "$CREATED" "$1"
  else
    printf '{"created":"%s","created_by":"%s"}' "$CREATED" "$1"
  fi
}

# config_json ARCH VARIANT CONFIG_OBJ HISTORY_ARRAY DIFFID_HEX...
config_json() {
  local arch=$1 variant=$2 cfg=$3 hist=$4; shift 4
  local ids="" x
  for x in "$@"; do ids+="${ids:+,}\"sha256:$x\""; done
  printf '{"architecture":"%s","os":"linux",' "$arch"
  [[ -n $variant ]] && printf '"variant":"%s",' "$variant"
  printf '"created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":%s}' \
    "$CREATED" "$cfg" "$ids" "$hist"
}

# desc MEDIATYPE HEX SIZE [EXTRA_JSON_MEMBERS]   -> OCI descriptor
desc() {
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s%s}' "$1" "$2" "$3" "${4:+,$4}"
}

# oci_manifest CONFIG_DESC LAYER_DESC...         -> OCI image manifest
oci_manifest() {
  local cfg=$1; shift
  local layers="" x
  for x in "$@"; do layers+="${layers:+,}$x"; done
  printf '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}' \
    "$MT_OCI_MANIFEST" "$cfg" "$layers"
}

# oci_index DESC...                               -> OCI image index
oci_index() {
  local m="" x
  for x in "$@"; do m+="${m:+,}$x"; done
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$MT_OCI_INDEX" "$m"
}

# ---- blobs -------------------------------------------------------------------

# write_blob LAYOUT FILE        -> BLOB_HEX, BLOB_SIZE
write_blob() {
  BLOB_HEX=$(sha "$2"); BLOB_SIZE=$(fsize "$2")
  mkdir -p "$1/blobs/sha256"
  cp "$2" "$1/blobs/sha256/$BLOB_HEX"
}
# write_blob_str LAYOUT STRING  -> BLOB_HEX, BLOB_SIZE
write_blob_str() {
  local tmp=$WORK/blob.tmp
  printf '%s' "$2" >"$tmp"
  write_blob "$1" "$tmp"
}

# ---- layouts -------------------------------------------------------------------

# oci_image LAYOUT CONFIG_JSON COMP LAYER_MEDIATYPE LAYER...
#   COMP is tar|gz|zst (which bytes are stored).  Writes config, layers and the
#   manifest as blobs; sets MANIFEST_HEX, MANIFEST_SIZE, CONFIG_HEX and
#   LAYER_HEXES (array).  index.json is written separately (oci_finish).
oci_image() {
  local lay=$1 cfg=$2 comp=$3 mt=$4; shift 4
  local descs=() l file
  write_blob_str "$lay" "$cfg"
  CONFIG_HEX=$BLOB_HEX
  local cdesc; cdesc=$(desc "$MT_OCI_CONFIG" "$BLOB_HEX" "$BLOB_SIZE")
  LAYER_HEXES=()
  for l in "$@"; do
    file=$WORK/layers/$l.tar
    [[ $comp == tar ]] || file+=.$comp
    write_blob "$lay" "$file"
    LAYER_HEXES+=("$BLOB_HEX")
    descs+=("$(desc "$mt" "$BLOB_HEX" "$BLOB_SIZE")")
  done
  write_blob_str "$lay" "$(oci_manifest "$cdesc" "${descs[@]}")"
  MANIFEST_HEX=$BLOB_HEX; MANIFEST_SIZE=$BLOB_SIZE
}

# oci_finish LAYOUT INDEX_DESC...  -> oci-layout + index.json
oci_finish() {
  local lay=$1; shift
  printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  oci_index "$@" >"$lay/index.json"
}

# The usual single-image index entry: manifest descriptor with ref name.
ref_desc() {
  desc "$MT_OCI_MANIFEST" "$MANIFEST_HEX" "$MANIFEST_SIZE" \
    '"annotations":{"org.opencontainers.image.ref.name":"latest"}'
}

# legacy_image DIR CONFIG_JSON LAYER...   (docker save <= 24 layout pieces)
#   Writes <v1id>/{VERSION,json,layer.tar} and <config-hex>.json.  Sets
#   LEGACY_CONFIG (member name), LEGACY_LAYERS (array of member names) and
#   LEGACY_TOP (v1 id of the top layer).  manifest.json is written separately.
legacy_image() {
  local dir=$1 cfg=$2; shift 2
  local parent="" id l pj
  mkdir -p "$dir"
  local chex; chex=$(sha_str "$cfg")
  printf '%s' "$cfg" >"$dir/$chex.json"
  LEGACY_CONFIG=$chex.json
  LEGACY_LAYERS=()
  for l in "$@"; do
    id=$(sha_str "v1:$parent:${DIFF[$l]}")
    mkdir -p "$dir/$id"
    printf '1.0' >"$dir/$id/VERSION"
    pj=""
    [[ -n $parent ]] && pj=$(printf ',"parent":"%s"' "$parent")
    printf '{"id":"%s"%s,"created":"%s","container_config":{"Cmd":null},"os":"linux"}' \
      "$id" "$pj" "$CREATED" >"$dir/$id/json"
    cp "$WORK/layers/$l.tar" "$dir/$id/layer.tar"
    LEGACY_LAYERS+=("$id/layer.tar")
    parent=$id
  done
  LEGACY_TOP=$parent
}

# manifest_entry CONFIG_MEMBER REPOTAG LAYER_MEMBER...  -> one manifest.json entry
manifest_entry() {
  local cfg=$1 tag=$2; shift 2
  local layers="" x
  for x in "$@"; do layers+="${layers:+,}\"$x\""; done
  printf '{"Config":"%s","RepoTags":["%s"],"Layers":[%s]}' "$cfg" "$tag" "$layers"
}

# pack DIR OUTFILE    deterministic outer tar of DIR's contents
pack() {
  local dir=$1 out=$2
  find "$dir" -mindepth 1 -type d -exec chmod 0755 {} +
  find "$dir" -mindepth 1 -type f -exec chmod 0644 {} +
  chown -R 0:0 "$dir"
  list_tree "$dir" >"$WORK/pack.list"
  rm -rf "$out"
  tar -C "$dir" "${TAR_COMMON[@]}" --format=gnu --owner=0 --group=0 \
    -T "$WORK/pack.list" -cf "$out"
  emit
}

newdir() { rm -rf "$WORK/out/$1"; mkdir -p "$WORK/out/$1"; printf '%s' "$WORK/out/$1"; }

# ----------------------------------------------------------------- layers ---

build_layers() {
  # churn layer 0: base
  stage_begin churn0
  d bin 0755; d etc 0755; d usr 0755; d usr/lib 0755; d data 0755
  d opq 0755; d replaced 0755; d home 0755; d tmp 1777
  f etc/hostname 0644 $'base\n'
  f etc/passwd 0644 $'root:x:0:0:root:/root:/bin/sh\n'
  f bin/hello 0755 $'#!/bin/sh\necho hello\n'
  h bin/hello bin/hello-hard
  f bin/su-like 4755 $'#!/bin/sh\nid\n'
  f usr/lib/libfoo.so.1.2.3 0644 $'\177ELF libfoo 1.2.3 (not really)\n'
  s libfoo.so.1.2.3 usr/lib/libfoo.so.1
  s usr/lib lib
  f data/a 0644 $'a\n'
  f data/b 0644 $'b\n'
  f opq/x 0644 $'x\n'
  f opq/y 0644 $'y\n'
  f replaced/thing 0644 $'file\n'
  s chain2 chain1
  s /chain3 chain2
  s etc/hostname chain3
  s ../../../../etc/hostname escape
  s /etc/passwd abs
  f home/user-file 0644 $'owned by 1000\n'
  own home/user-file 1000 1000
  make_layer churn0

  # churn layer 1: whiteout, opaque dir, file -> dir, modified file, new file
  stage_begin churn1
  d data 0755; d etc 0755; d opq 0755; d replaced 0755
  wh data/.wh.a
  f data/c 0644 $'c\n'
  f etc/hostname 0644 $'layer1\n'
  wh opq/.wh..wh..opq
  f opq/z 0644 $'z\n'
  wh replaced/.wh.thing
  d replaced/thing 0755
  f replaced/thing/inner 0644 $'inner\n'
  make_layer churn1

  # churn layer 2: dir -> file, in-layer hardlink pair, whiteout of a hardlink
  stage_begin churn2
  d bin 0755; d data 0755; d replaced 0755
  wh bin/.wh.hello-hard
  fbytes data/big 0644 10000 B
  h data/big data/big-link
  wh replaced/.wh.thing
  f replaced/thing 0644 $'back\n'
  make_layer churn2

  # arm64 image (multi.tar)
  stage_begin arm0
  f arch 0644 $'arm64\n'
  make_layer arm0

  # app:2 (two-images.tar)
  stage_begin app2
  f version 0644 $'2\n'
  make_layer app2

  # plain rootfs (bad-plain-rootfs.tar)
  stage_begin plain
  d etc 0755; d bin 0755
  f etc/hostname 0644 $'plain\n'
  f bin/x 0755 $'#!/bin/sh\necho x\n'
  make_layer plain

  # ../../evil (bad-dotdot.tar): staged as "evil", renamed in the archive
  stage_begin dotdot
  d etc 0755
  f etc/hostname 0644 $'dotdot\n'
  f evil 0644 $'evil\n'
  make_layer dotdot -P --transform='s,^evil$,../../evil,'
  local listing
  listing=$(tar --force-local -P -tf "$WORK/layers/dotdot.tar")
  if [[ $'\n'$listing$'\n' != *$'\n../../evil\n'* ]]; then
    echo "$0: dotdot layer lacks ../../evil member" >&2
    exit 1
  fi

  # symlink loop (bad-symlink-loop.tar)
  stage_begin loop
  d etc 0755
  f etc/hostname 0644 $'loop\n'
  s loop2 loop1
  s loop1 loop2
  make_layer loop
}

# ----------------------------------------------------------------- configs ---

churn_cfg_obj() {
  printf '{"Env":[%s],"Entrypoint":["/bin/hello"],"Cmd":["--greet"],"WorkingDir":"/data","User":"1000"}' "$PATH_ENV"
}
# churn_history [short]   (short: drop the "layer2: back" entry)
churn_history() {
  local h
  h="$(hist_entry 'layer0: base'),$(hist_entry 'ENV X=1' empty),$(hist_entry 'layer1: churn')"
  [[ ${1:-} == short ]] || h+=",$(hist_entry 'layer2: back')"
  printf '[%s]' "$h"
}
# churn_config [short]
churn_config() {
  config_json amd64 "" "$(churn_cfg_obj)" "$(churn_history "${1:-}")" \
    "${DIFF[churn0]}" "${DIFF[churn1]}" "${DIFF[churn2]}"
}
# small_config ARCH VARIANT CMD_JSON CREATED_BY LAYER
small_config() {
  config_json "$1" "$2" "$(printf '{"Env":[%s],"Cmd":%s}' "$PATH_ENV" "$3")" \
    "[$(hist_entry "$4")]" "${DIFF[$5]}"
}

CHURN=(churn0 churn1 churn2)

# ------------------------------------------------------------------ images ---

# legacy_churn OUT CONFIG [NLAYERS_IN_MANIFEST [TRUNCATE_LAYER_INDEX]]
# docker save <= 24 of the churn image.
legacy_churn() {
  local out=$1 cfg=$2 nlayers=${3:-3} trunc=${4:-}
  local dir; dir=$(newdir legacy)
  legacy_image "$dir" "$cfg" "${CHURN[@]}"
  if [[ -n $trunc ]]; then
    local lf=$dir/${LEGACY_LAYERS[$trunc]} sz cut
    sz=$(fsize "$lf"); cut=$((sz / 2))
    # make sure the cut lands inside a 512-byte block, not on a boundary
    (( cut % 512 == 0 )) && cut=$((cut + 256))
    truncate -s "$cut" "$lf"
  fi
  printf '[%s]' "$(manifest_entry "$LEGACY_CONFIG" churn:latest "${LEGACY_LAYERS[@]:0:$nlayers}")" \
    >"$dir/manifest.json"
  printf '{"churn":{"latest":"%s"}}' "$LEGACY_TOP" >"$dir/repositories"
  pack "$dir" "$OUTDIR/$out"
}

# single-layer docker-legacy image: legacy_single OUT REPO CONFIG LAYER
legacy_single() {
  local dir; dir=$(newdir "legacy-$2")
  legacy_image "$dir" "$3" "$4"
  printf '[%s]' "$(manifest_entry "$LEGACY_CONFIG" "$2:latest" "${LEGACY_LAYERS[@]}")" >"$dir/manifest.json"
  printf '{"%s":{"latest":"%s"}}' "$2" "$LEGACY_TOP" >"$dir/repositories"
  pack "$dir" "$OUTDIR/$1"
}

make_docker_legacy() {
  legacy_churn churn-docker-legacy.tar "$(churn_config)"
  rm -f "$OUTDIR/churn-docker-legacy.tar.gz"
  gzip -n -c <"$OUTDIR/churn-docker-legacy.tar" >"$OUTDIR/churn-docker-legacy.tar.gz"
  emit
}

make_docker25() {
  local dir l layers=(); dir=$(newdir docker25)
  oci_image "$dir" "$(churn_config)" tar "$MT_LAYER_TAR" "${CHURN[@]}"
  oci_finish "$dir" "$(desc "$MT_OCI_MANIFEST" "$MANIFEST_HEX" "$MANIFEST_SIZE" \
    '"annotations":{"io.containerd.image.name":"docker.io/library/churn:latest","org.opencontainers.image.ref.name":"latest"}')"
  for l in "${LAYER_HEXES[@]}"; do layers+=("blobs/sha256/$l"); done
  printf '[%s]' "$(manifest_entry "blobs/sha256/$CONFIG_HEX" churn:latest "${layers[@]}")" >"$dir/manifest.json"
  printf '{"churn":{"latest":"%s"}}' "${LAYER_HEXES[-1]}" >"$dir/repositories"
  pack "$dir" "$OUTDIR/churn-docker25.tar"
}

make_kaniko() {
  local dir l cfg layers=(); dir=$(newdir kaniko)
  cfg=$(churn_config)
  local chex; chex=$(sha_str "$cfg")
  printf '%s' "$cfg" >"$dir/sha256:$chex"
  for l in "${CHURN[@]}"; do
    cp "$WORK/layers/$l.tar.gz" "$dir/${GZHEX[$l]}.tar.gz"
    layers+=("${GZHEX[$l]}.tar.gz")
  done
  printf '[%s]' "$(manifest_entry "sha256:$chex" churn:latest "${layers[@]}")" >"$dir/manifest.json"
  pack "$dir" "$OUTDIR/churn-kaniko.tar"
}

# oci_archive OUT CONFIG COMP MEDIATYPE [drop-layer=I]
oci_archive() {
  local out=$1 cfg=$2 comp=$3 mt=$4 drop=${5:-}
  local dir; dir=$(newdir "oci-$out")
  oci_image "$dir" "$cfg" "$comp" "$mt" "${CHURN[@]}"
  oci_finish "$dir" "$(ref_desc)"
  [[ -n $drop ]] && rm "$dir/blobs/sha256/${LAYER_HEXES[$drop]}"
  OCI_DIR=$dir
  [[ $out == - ]] || pack "$dir" "$OUTDIR/$out"
}

make_oci() {
  oci_archive churn-oci-gzip.tar "$(churn_config)" gz "$MT_LAYER_GZIP"
  rm -rf "$OUTDIR/churn-oci-gzip"
  cp -r "$OCI_DIR" "$OUTDIR/churn-oci-gzip"
  emit
  oci_archive churn-oci-zstd.tar "$(churn_config)" zst "$MT_LAYER_ZSTD"
  oci_archive churn-mislabeled.tar "$(churn_config)" gz "$MT_LAYER_TAR"
}

make_multi() {
  local dir; dir=$(newdir multi)
  local amd arm att
  oci_image "$dir" "$(churn_config)" gz "$MT_LAYER_GZIP" "${CHURN[@]}"
  local amd_hex=$MANIFEST_HEX
  amd=$(desc "$MT_OCI_MANIFEST" "$MANIFEST_HEX" "$MANIFEST_SIZE" \
    '"platform":{"architecture":"amd64","os":"linux"}')
  oci_image "$dir" "$(small_config arm64 v8 '["cat","/arch"]' 'layer0: arm64' arm0)" \
    gz "$MT_LAYER_GZIP" arm0
  arm=$(desc "$MT_OCI_MANIFEST" "$MANIFEST_HEX" "$MANIFEST_SIZE" \
    '"platform":{"architecture":"arm64","os":"linux","variant":"v8"}')
  # buildkit-style attestation manifest
  write_blob_str "$dir" '{}'
  local edesc; edesc=$(desc "$MT_OCI_EMPTY" "$BLOB_HEX" "$BLOB_SIZE")
  write_blob_str "$dir" "$(printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[{"name":"pkg:docker/churn@latest?platform=linux%%2Famd64","digest":{"sha256":"%s"}}],"predicate":{"spdxVersion":"SPDX-2.3"}}' "$amd_hex")"
  local ldesc; ldesc=$(desc "$MT_INTOTO" "$BLOB_HEX" "$BLOB_SIZE" \
    '"annotations":{"in-toto.io/predicate-type":"https://spdx.dev/Document"}')
  write_blob_str "$dir" "$(oci_manifest "$edesc" "$ldesc")"
  att=$(desc "$MT_OCI_MANIFEST" "$BLOB_HEX" "$BLOB_SIZE" \
    "$(printf '"annotations":{"vnd.docker.reference.digest":"sha256:%s","vnd.docker.reference.type":"attestation-manifest"},"platform":{"architecture":"unknown","os":"unknown"}' "$amd_hex")")
  write_blob_str "$dir" "$(oci_index "$amd" "$arm" "$att")"
  oci_finish "$dir" "$(desc "$MT_OCI_INDEX" "$BLOB_HEX" "$BLOB_SIZE" \
    '"annotations":{"org.opencontainers.image.ref.name":"latest"}')"
  pack "$dir" "$OUTDIR/multi.tar"
}

make_two_images() {
  local dir; dir=$(newdir two)
  legacy_image "$dir" "$(churn_config)" "${CHURN[@]}"
  local e1 top1=$LEGACY_TOP
  e1=$(manifest_entry "$LEGACY_CONFIG" app:1 "${LEGACY_LAYERS[@]}")
  legacy_image "$dir" "$(small_config amd64 "" '["cat","/version"]' 'layer0: app2' app2)" app2
  printf '[%s,%s]' "$e1" "$(manifest_entry "$LEGACY_CONFIG" app:2 "${LEGACY_LAYERS[@]}")" >"$dir/manifest.json"
  printf '{"app":{"1":"%s","2":"%s"}}' "$top1" "$LEGACY_TOP" >"$dir/repositories"
  pack "$dir" "$OUTDIR/two-images.tar"
}

# ----------------------------------------------------------------- hostile ---

make_bad() {
  # 10: outer tar cut in the middle of the first layer.tar member's data
  local listing line blk=-1 name
  listing=$(tar --force-local -R -tf "$OUTDIR/churn-docker-legacy.tar")
  while IFS= read -r line; do
    name=${line#block *: }
    if [[ $name == */layer.tar ]]; then
      blk=${line#block }; blk=${blk%%:*}
      break
    fi
  done <<<"$listing"
  [[ $blk -ge 0 ]] || { echo "$0: no layer.tar in legacy tar" >&2; exit 1; }
  head -c $(((blk + 1) * 512 + TARSIZE[churn0] / 2)) "$OUTDIR/churn-docker-legacy.tar" \
    >"$OUTDIR/bad-truncated-outer.tar"
  emit

  # 11: layer 1's layer.tar cut to half (config unchanged)
  legacy_churn bad-truncated-layer.tar "$(churn_config)" 3 1

  # 12: layer 1 blob altered in place (gzip MTIME header field set), name kept
  oci_archive - "$(churn_config)" gz "$MT_LAYER_GZIP"
  printf '\001\002\003\004' | dd of="$OCI_DIR/blobs/sha256/${LAYER_HEXES[1]}" \
    bs=1 seek=4 count=4 conv=notrunc status=none
  pack "$OCI_DIR" "$OUTDIR/bad-blob-digest.tar"

  # 13: diff_ids[1] replaced by another valid sha256; config/manifest rehashed
  oci_archive bad-diff-id.tar \
    "$(config_json amd64 "" "$(churn_cfg_obj)" "$(churn_history)" \
      "${DIFF[churn0]}" "$(sha_str 'not the layer')" "${DIFF[churn2]}")" \
    gz "$MT_LAYER_GZIP"

  # 14: blob of layer 2 missing
  oci_archive bad-missing-layer.tar "$(churn_config)" gz "$MT_LAYER_GZIP" 2

  # 15: JSON that is not an image, bare and as manifest.json in a tar
  local nj='{"name":"not an image","items":[1,2,3]}'
  printf '%s' "$nj" >"$OUTDIR/bad-not-image.json"
  emit
  local dir; dir=$(newdir notimage)
  printf '%s' "$nj" >"$dir/manifest.json"
  pack "$dir" "$OUTDIR/bad-not-image-json.tar"

  # 16: plain rootfs tar, no image metadata
  cp "$WORK/layers/plain.tar" "$OUTDIR/bad-plain-rootfs.tar"
  emit

  # 17: layer with a ../../evil member
  legacy_single bad-dotdot.tar dotdot \
    "$(small_config amd64 "" '["/bin/sh"]' 'layer0: dotdot' dotdot)" dotdot

  # 18: symlink loop as entrypoint
  legacy_single bad-symlink-loop.tar loop \
    "$(config_json amd64 "" "$(printf '{"Env":[%s],"Entrypoint":["/loop1"]}' "$PATH_ENV")" \
      "[$(hist_entry 'layer0: loop')]" "${DIFF[loop]}")" loop

  # 19: empty file
  : >"$OUTDIR/bad-empty.tar"
  emit

  # 20: history lists 2 non-empty entries for 3 layers
  legacy_churn bad-history-count.tar "$(churn_config short)"

  # 21: manifest.json lists 2 of the 3 layers
  legacy_churn bad-layer-count.tar "$(churn_config)" 2
}

build_layers
make_docker_legacy
make_docker25
make_kaniko
make_oci
make_multi
make_two_images
make_bad

echo "made $COUNT images in $OUTDIR"
