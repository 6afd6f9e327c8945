# shellcheck shell=bash disable=SC2034  # IL_* results are read by the caller
# image-lib.sh: helpers to write deterministic OCI image archives from a
# staged root filesystem.  Sourced by make-loader-images.sh (make-images.sh
# does not use it).  Uses only bash, coreutils, GNU tar, gzip and sha256sum.
#
# The caller sets, before calling anything here:
#   IL_WORK     a scratch directory (blob staging goes below it)
#   IL_EPOCH    mtime of every tar entry (seconds since the epoch)
#   IL_CREATED  the same instant as an RFC 3339 string (config "created")
# Conventions are those of make-images.sh: layer tars are --format=posix with
# atime/ctime deleted, -b 1, entries in C-locale name order, numeric owner
# 0:0; outer tars are --format=gnu; gzip -n -9; compact JSON in a fixed key
# order.

IL_MT_INDEX=application/vnd.oci.image.index.v1+json
IL_MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
IL_MT_CONFIG=application/vnd.oci.image.config.v1+json
IL_MT_LAYER_GZIP=application/vnd.oci.image.layer.v1.tar+gzip

il_sha() { local h; h=$(sha256sum <"$1"); printf '%s' "${h%% *}"; }
il_size() { stat -c %s "$1"; }

# il_tree_list ROOT   every path below ROOT, relative, C-locale sorted
il_tree_list() { (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort); }

# il_split_layers ROOT PREFIXES OUT1 OUT2
#   Splits ROOT's paths into two tar member lists.  A path equal to one of
#   the space-separated PREFIXES (relative, e.g. "app opt usr/local
#   etc/ld.so.preload") or below one goes to OUT2, with each of its ancestor
#   directories (repeated, same metadata, as docker does); everything else
#   goes to OUT1.  (find does not descend through symlinks, so every
#   ancestor listed is a real directory.)
il_split_layers() {
  local root=$1 prefixes=$2 out1=$3 out2=$4
  il_tree_list "$root" | awk -v prefixes="$prefixes" -v l1="$out1" -v l2="$out2.tmp" '
    BEGIN { n = split(prefixes, P, " ") }
    {
      in2 = 0
      for (i = 1; i <= n; i++)
        if ($0 == P[i] || index($0, P[i] "/") == 1) in2 = 1
      if (!in2) { print > l1; next }
      print > l2
      s = $0
      while ((k = match(s, /\/[^\/]*$/)) > 0) { s = substr(s, 1, k - 1); print s > l2 }
    }'
  : >>"$out1"; : >>"$out2.tmp"
  LC_ALL=C sort -u "$out2.tmp" >"$out2"
  rm -f "$out2.tmp"
}

# il_layer ROOT LIST OUT       tar the members in LIST (relative to ROOT)
#   into OUT (a .tar) and OUT.gz; sets IL_DIFF (hex sha256 of the tar),
#   IL_GZ_HEX, IL_GZ_SIZE.
il_layer() {
  local root=$1 list=$2 out=$3
  tar -C "$root" --force-local --sort=name "--mtime=@$IL_EPOCH" --numeric-owner \
    --owner=0 --group=0 -b 1 --no-recursion --verbatim-files-from \
    --format=posix --pax-option=delete=atime,delete=ctime \
    -T "$list" -cf "$out"
  gzip -n -9 -c <"$out" >"$out.gz"
  IL_DIFF=$(il_sha "$out")
  IL_GZ_HEX=$(il_sha "$out.gz"); IL_GZ_SIZE=$(il_size "$out.gz")
}

# il_json_str S    S as a JSON string (quotes and backslashes escaped)
il_json_str() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# il_json_arr S...  a JSON array of strings
il_json_arr() {
  local out="" x
  for x in "$@"; do out+="${out:+,}$(il_json_str "$x")"; done
  printf '[%s]' "$out"
}

# il_desc MEDIATYPE HEX SIZE [EXTRA_JSON_MEMBERS]   an OCI descriptor
il_desc() {
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s%s}' "$1" "$2" "$3" "${4:+,$4}"
}

# il_write_blob LAYOUT FILE   copy FILE into LAYOUT/blobs/sha256; sets
#   IL_BLOB_HEX, IL_BLOB_SIZE
il_write_blob() {
  IL_BLOB_HEX=$(il_sha "$2"); IL_BLOB_SIZE=$(il_size "$2")
  mkdir -p "$1/blobs/sha256"
  cp "$2" "$1/blobs/sha256/$IL_BLOB_HEX"
}
il_write_blob_str() {
  printf '%s' "$2" >"$IL_WORK/il-blob.tmp"
  il_write_blob "$1" "$IL_WORK/il-blob.tmp"
}

# il_oci_image LAYOUT ARCH VARIANT CONFIG_OBJ LAYER...
#   LAYER is "TARFILE|CREATED_BY" where TARFILE.gz exists (made by il_layer).
#   Writes the gzip layers, the config (architecture, os, optional variant,
#   created, config object, rootfs.diff_ids, one history entry per layer),
#   the manifest, index.json (ref.name "latest") and oci-layout.
#   Sets IL_MANIFEST_HEX, IL_CONFIG_HEX.
il_oci_image() {
  local lay=$1 arch=$2 variant=$3 cfgobj=$4; shift 4
  local l tarf by diffs="" hist="" descs=""
  mkdir -p "$lay"
  for l in "$@"; do
    tarf=${l%%|*}; by=${l#*|}
    diffs+="${diffs:+,}\"sha256:$(il_sha "$tarf")\""
    hist+="${hist:+,}{\"created\":\"$IL_CREATED\",\"created_by\":$(il_json_str "$by")}"
    il_write_blob "$lay" "$tarf.gz"
    descs+="${descs:+,}$(il_desc "$IL_MT_LAYER_GZIP" "$IL_BLOB_HEX" "$IL_BLOB_SIZE")"
  done
  local cfg
  cfg=$(printf '{"architecture":"%s","os":"linux",' "$arch")
  [[ -n $variant ]] && cfg+=$(printf '"variant":"%s",' "$variant")
  cfg+=$(printf '"created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
    "$IL_CREATED" "$cfgobj" "$diffs" "$hist")
  il_write_blob_str "$lay" "$cfg"
  IL_CONFIG_HEX=$IL_BLOB_HEX
  local cdesc; cdesc=$(il_desc "$IL_MT_CONFIG" "$IL_BLOB_HEX" "$IL_BLOB_SIZE")
  il_write_blob_str "$lay" "$(printf '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}' \
    "$IL_MT_MANIFEST" "$cdesc" "$descs")"
  IL_MANIFEST_HEX=$IL_BLOB_HEX
  printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$IL_MT_INDEX" \
    "$(il_desc "$IL_MT_MANIFEST" "$IL_BLOB_HEX" "$IL_BLOB_SIZE" \
      '"annotations":{"org.opencontainers.image.ref.name":"latest"}')" >"$lay/index.json"
}

# il_pack DIR OUTFILE   deterministic outer tar (GNU format) of DIR's contents
il_pack() {
  local dir=$1 out=$2
  find "$dir" -mindepth 1 -type d -exec chmod 0755 {} +
  find "$dir" -mindepth 1 -type f -exec chmod 0644 {} +
  chown -R 0:0 "$dir"
  il_tree_list "$dir" >"$IL_WORK/il-pack.list"
  rm -rf "$out"
  tar -C "$dir" --force-local --sort=name "--mtime=@$IL_EPOCH" --numeric-owner \
    --owner=0 --group=0 -b 1 --no-recursion --verbatim-files-from --format=gnu \
    -T "$IL_WORK/il-pack.list" -cf "$out"
}
