# The limits: each crossed once, refused (exit 3) with one error line naming the limit and its
# flag, and let through when the flag raises it; and the memory a path 32,000 folders deep costs.
source "$(dirname "$0")/lib.sh"
make_fixtures
F=$FIXTURES
cd "$WORK"

# docker_image OUT CONFIG_JSON LAYER_TAR: a docker-archive of one layer and that config (its
# diff_ids filled in: CONFIG_JSON holds @DIFF_ID@).
docker_image() {
  local out=$1 config=$2 layer=$3 d diff cfg
  d=$(mktemp -d "$WORK/image.XXXXXX")
  cp "$layer" "$d/layer.tar"
  diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  printf '%s' "$config" | sed "s/@DIFF_ID@/sha256:$diff/" >"$d/c.json"
  cfg=$(sha256sum "$d/c.json" | cut -d' ' -f1)
  mv "$d/c.json" "$d/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["limits:latest"],"Layers":["layer.tar"]}]' "$cfg" >"$d/manifest.json"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$d" -cf "$out" manifest.json "$cfg.json" layer.tar
}

# expect_ok NAME COMMAND...: the command exits 0.
expect_ok() {
  local name=$1 rc=0
  shift
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  [ "$rc" -eq 0 ] && pass "$name" || { fail "$name: exit $rc"; cat "$WORK/err.txt"; }
}

# Bytes: what churn's layers inflate to together, by gzip -dc of each blob; the limit crossed
# is two thirds of that, so the last layers cross it.
mkdir -p "$WORK/churn" && tar -xf "$F/churn-oci-gzip.tar" -C "$WORK/churn"
total=0
for blob in "$WORK"/churn/blobs/sha256/*; do
  if [ "$(head -c2 "$blob" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
    total=$((total + $(gzip -dc "$blob" | wc -c)))
  fi
done
under=$((total * 2 / 3))
expect_exit "the image's layers past --max-image-bytes" 3 \
  "layer [0-9] .*the image's layers inflate past $under bytes together \(--max-image-bytes\)" -- \
  "$PARE" ls --max-image-bytes "$under" "$F/churn-oci-gzip.tar"
expect_ok "the image's layers within --max-image-bytes" "$PARE" ls --max-image-bytes "$total" "$F/churn-oci-gzip.tar"
rc=0; "$PARE" verify --format json --max-image-bytes "$under" "$F/churn-oci-gzip.tar" >"$WORK/verify.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "inflate past $under bytes together (--max-image-bytes)" "$WORK/verify.json" &&
  pass "verify reports the image's layers past --max-image-bytes" ||
  { fail "verify --max-image-bytes: exit $rc"; head -40 "$WORK/verify.json"; }
# The outer archive, spooled decompressed to a temporary file, is bounded too: a small zstd
# stream must not fill the disk. Its limit: half the size of the plain tar.
zstd -q -c "$F/churn-oci-gzip.tar" >"$WORK/churn.tar.zst"
half=$(($(stat -c %s "$F/churn-oci-gzip.tar") / 2))
expect_exit "a compressed archive past --max-image-bytes" 3 \
  "churn.tar.zst: the decompressed archive exceeds the limit of $half bytes \(--max-image-bytes\)" -- \
  "$PARE" ls --max-image-bytes "$half" "$WORK/churn.tar.zst"
rc=0; "$PARE" ls --max-image-bytes "$half" - <"$F/churn-oci-gzip.tar" >/dev/null 2>"$WORK/err.txt" || rc=$?
[ "$rc" -eq 3 ] && grep -q "<stdin>: the input exceeds the limit of $half bytes (--max-image-bytes)" "$WORK/err.txt" &&
  pass "standard input past --max-image-bytes" || { fail "stdin --max-image-bytes: exit $rc"; cat "$WORK/err.txt"; }
expect_exit "a layer past --max-layer-bytes" 3 "exceeds the limit of 4096 bytes \(--max-layer-bytes\)" -- \
  "$PARE" ls --max-layer-bytes 4096 "$F/churn-oci-gzip.tar"
expect_exit "a layer past --max-entries" 3 "has more than 5 entries \(--max-entries\)" -- \
  "$PARE" ls --max-entries 5 "$F/churn-oci-gzip.tar"

# Symlinks: /chain1 -> chain2 -> /chain3 -> etc/hostname is 3 links.
expect_exit "a path through more links than --max-symlinks" 3 \
  "/chain1: too many levels of symbolic links \(a symlink loop, or more links than --max-symlinks\)" -- \
  "$PARE" ls --max-symlinks 2 "$F/churn-oci-gzip.tar" /chain1
expect_ok "a path through as many links as --max-symlinks" "$PARE" ls --max-symlinks 3 "$F/churn-oci-gzip.tar" /chain1

# JSON: size, and depth (an unknown key of the config nesting 100 arrays, which the parser
# would take; the scan refuses it before parsing).
expect_exit "a JSON document past --max-json-bytes" 3 "larger than the 100 bytes expected \(--max-json-bytes\)" -- \
  "$PARE" ls --max-json-bytes 100 "$F/churn-oci-gzip.tar"
mkdir -p "$WORK/root"
echo x >"$WORK/root/x"
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$WORK/root" -cf "$WORK/x.tar" x
open=$(printf '[%.0s' $(seq 100))
close=$(printf ']%.0s' $(seq 100))
docker_image "$WORK/deep-json.tar" \
  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"deep\":$open\"[{\\\"\"$close,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"@DIFF_ID@\"]}}" \
  "$WORK/x.tar"
expect_exit "a JSON document nesting past --max-json-depth" 3 \
  "config .* nests arrays and objects deeper than the limit of 64 \(--max-json-depth\)" -- \
  "$PARE" ls "$WORK/deep-json.tar"
expect_ok "a JSON document nesting within --max-json-depth" "$PARE" ls --max-json-depth 101 "$WORK/deep-json.tar"

# Manifests: multi.tar's nested index lists 3 manifests; two-images.tar's manifest.json 2.
expect_exit "an index listing more than --max-manifests" 3 \
  "index sha256:[0-9a-f]{64} lists 3 manifests, past the limit of 2 \(--max-manifests\)" -- \
  "$PARE" ls --platform linux/arm64 --max-manifests 2 "$F/multi.tar"
expect_ok "an index listing as many as --max-manifests" "$PARE" ls --platform linux/arm64 --max-manifests 3 "$F/multi.tar"
expect_exit "a manifest.json listing more than --max-manifests" 3 \
  "manifest.json lists 2 images, past the limit of 1 \(--max-manifests\)" -- \
  "$PARE" ls --image app:2 --max-manifests 1 "$F/two-images.tar"
expect_exit "indexes nested past --max-index-depth" 3 \
  "indexes nest deeper than the limit of 0 \(--max-index-depth\)" -- \
  "$PARE" ls --platform linux/arm64 --max-index-depth 0 "$F/multi.tar"

# ELF tables: churn's entrypoint has none; a real program (this machine's /bin/true, copied
# into an image) has more than 3 section headers.
cp -L /bin/true "$WORK/root/true"
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$WORK/root" -cf "$WORK/true.tar" true
docker_image "$WORK/true-image.tar" \
  '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/true"]},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]}}' \
  "$WORK/true.tar"
rc=0; "$PARE" analyze --format json --max-elf-entries 3 "$WORK/true-image.tar" >"$WORK/elf.json" 2>"$WORK/err.txt" || rc=$?
[ "$rc" -eq 3 ] && grep -qE 'malformed ELF: has [0-9]+ [a-z ]+, past the limit of 3 \(--max-elf-entries\)' "$WORK/err.txt" &&
  pass "an ELF table past --max-elf-entries ($(cat "$WORK/err.txt"))" ||
  { fail "--max-elf-entries: exit $rc"; cat "$WORK/err.txt"; }

# Memory: one layer holding one 64 KiB path (32,000 folders, all implicit, by GNU tar), the path
# limits raised so that it is read. What each command keeps grows with the path's length, not
# with the sum of its prefixes' (gigabytes). Measured on ${PARE_FOR_MEMORY:-$PARE}: CI points it
# at an unsanitized build, as AddressSanitizer inflates the resident set.
need /usr/bin/time
MEASURED=${PARE_FOR_MEMORY:-$PARE}
long=$(printf 'd/%.0s' $(seq 32000))x
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$WORK/root" \
  --transform "s|^x\$|$long|" -cf "$WORK/long.tar" x
docker_image "$WORK/long-image.tar" \
  '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/x"]},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]}}' \
  "$WORK/long.tar"
raised=(--max-path-bytes 70000 --max-path-depth 40000)
for run in "analyze" "analyze --format json" "ls" "ls --format json" "verify" "slim -o $WORK/long-out.tar"; do
  # shellcheck disable=SC2086 # $run is words
  rc=0; /usr/bin/time -f '%M' -o "$WORK/peak" "$MEASURED" $run "${raised[@]}" "$WORK/long-image.tar" \
    >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  peak=$(tail -1 "$WORK/peak")
  if [ "$rc" -gt 3 ]; then
    fail "$run of the 64 KiB path: exit $rc"; tail -3 "$WORK/err.txt"
  elif [ "${peak:-999999}" -lt 102400 ]; then
    pass "$run of the 64 KiB path (exit $rc): peak memory ${peak} KiB, under 100 MiB"
  else
    fail "$run of the 64 KiB path: peak memory ${peak} KiB, not under 100 MiB"
  fi
done
# ls printed the whole path (32,000 names and x), once per folder.
"$PARE" ls "${raised[@]}" "$WORK/long-image.tar" >"$WORK/ls.txt"
[ "$(wc -l <"$WORK/ls.txt")" -eq 32001 ] && tail -1 "$WORK/ls.txt" | grep -q " /$long\$" &&
  pass "ls of the 64 KiB path lists its 32,000 folders and the file" || fail "ls of the 64 KiB path"

finish
