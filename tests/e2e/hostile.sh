# Hostile and broken inputs: each is refused with one error line naming the file and the fault,
# the documented exit code, nothing on stdout, no crash, the input unchanged and nothing written
# outside the working folder.
source "$(dirname "$0")/lib.sh"
make_fixtures
F=$FIXTURES
(cd "$F" && find . -type f -exec sha256sum {} + | sort) >"$WORK/before.sum"
mkdir -p "$WORK/run/a/b"
cd "$WORK/run/a/b"

expect_exit "truncated outer tar" 3 "bad-truncated-outer.tar: .*[Tt]runcated" -- "$PARE" analyze "$F/bad-truncated-outer.tar"
expect_exit "truncated layer" 3 "bad-truncated-layer.tar: layer 1 .*Truncated tar archive" -- "$PARE" analyze "$F/bad-truncated-layer.tar"
expect_exit "wrong blob digest" 3 "bad-blob-digest.tar: layer 1 \(sha256:[0-9a-f]{64}\): digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}" -- "$PARE" analyze "$F/bad-blob-digest.tar"
expect_exit "wrong diff_id" 3 "bad-diff-id.tar: layer 1 .*diff_id mismatch: the config says sha256:[0-9a-f]{64}, the uncompressed layer hashes to sha256:[0-9a-f]{64}" -- "$PARE" analyze "$F/bad-diff-id.tar"
expect_exit "a layer missing" 3 "bad-missing-layer.tar: layer 2 \(sha256:[0-9a-f]{64}\) is missing" -- "$PARE" analyze "$F/bad-missing-layer.tar"
expect_exit "a JSON file that is not an image" 3 "bad-not-image.json: a JSON document, not an image archive" -- "$PARE" analyze "$F/bad-not-image.json"
expect_exit "a tar whose manifest.json is not an image's" 3 "bad-not-image-json.tar: manifest.json is not a docker-save manifest" -- "$PARE" analyze "$F/bad-not-image-json.tar"
expect_exit "a plain rootfs tar" 3 "bad-plain-rootfs.tar: not an image" -- "$PARE" analyze "$F/bad-plain-rootfs.tar"
expect_exit "a '..' entry" 3 "bad-dotdot.tar: layer 0: entry \"\.\./\.\./evil\" climbs out of the image root" -- "$PARE" analyze "$F/bad-dotdot.tar"
expect_exit "a symlink loop" 3 "bad-symlink-loop.tar: /loop1: too many levels of symbolic links" -- "$PARE" ls "$F/bad-symlink-loop.tar" /loop1
"$PARE" analyze --format json "$F/bad-symlink-loop.tar" >"$WORK/loop.json" 2>/dev/null || true
grep -q '"detail": "too many levels of symbolic links' "$WORK/loop.json" &&
  pass "analyze reports a looping entrypoint" || fail "analyze did not report the loop"
expect_exit "an empty file" 3 "bad-empty.tar: empty file" -- "$PARE" analyze "$F/bad-empty.tar"
expect_exit "empty standard input" 3 "<stdin>: empty input" -- "$PARE" analyze - </dev/null
expect_exit "history count against layers" 3 "history has 2 entries for layers but the image has 3 layers" -- "$PARE" analyze "$F/bad-history-count.tar"
expect_exit "layer count against diff_ids" 3 "the manifest lists 2 layers but the config has 3 diff_ids" -- "$PARE" analyze "$F/bad-layer-count.tar"
expect_exit "a file that does not exist" 4 "nope.tar: no such file or folder" -- "$PARE" analyze "$WORK/nope.tar"
expect_exit "a layer past the size limit (a bomb)" 3 "exceeds the limit of 4096 bytes" -- "$PARE" analyze --max-layer-bytes 4096 "$F/churn-oci-gzip.tar"
expect_exit "a layer past the entry limit" 3 "has more than 5 entries" -- "$PARE" analyze --max-entries 5 "$F/churn-oci-gzip.tar"
expect_exit "an unknown flag" 2 "" -- "$PARE" analyze --no-such-flag "$F/churn-oci-gzip.tar"

# A corrupt gzip stream inside an otherwise sound OCI layout.
cp -r "$F/churn-oci-gzip" "$WORK/corrupt"
for blob in "$WORK"/corrupt/blobs/sha256/*; do gzip -t "$blob" 2>/dev/null && break; done
size=$(stat -c %s "$blob")
# Zeros over the middle of the deflate stream, size unchanged: the blob is now corrupt gzip.
dd if=/dev/zero of="$blob" bs=1 seek=$((size / 3)) count=$((size / 3)) conv=notrunc status=none
rc=0; "$PARE" analyze "$WORK/corrupt" >/dev/null 2>"$WORK/err.txt" || rc=$?
[ "$rc" -eq 3 ] && grep -qE "corrupt: layer [0-9]+ \(sha256:[0-9a-f]{64}\): (digest mismatch|cannot decompress)" "$WORK/err.txt" && pass "a corrupt gzip layer is exit 3 ($(cat "$WORK/err.txt"))" ||
  { fail "corrupt gzip layer: exit $rc"; cat "$WORK/err.txt"; }

# An entrypoint that cannot start: analyze prints its report, then fails like slim (exit 3, one
# error line saying why), and its JSON says why in entrypoint.error.
# rootfs_image ROOT OUT ENTRYPOINT: a docker-archive of one layer holding ROOT, by GNU tar.
rootfs_image() {
  local root=$1 out=$2 entry=$3 d diff cfg
  d=$(mktemp -d "$WORK/image.XXXXXX")
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$d/layer.tar" .
  diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$entry" "$diff" >"$d/config.json"
  cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
  mv "$d/config.json" "$d/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["hostile:latest"],"Layers":["layer.tar"]}]' "$cfg" >"$d/manifest.json"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$d" -cf "$out" manifest.json "$cfg.json" layer.tar
}
H=$WORK/cannot-start
mkdir -p "$H/escape" "$H/garbage" "$H/truncated"
ln -s ../../../../../etc/shadow "$H/escape/app"
head -c 5000 /dev/urandom >"$H/garbage/app"
head -c 200 /bin/true >"$H/truncated/app"
chmod 755 "$H/garbage/app" "$H/truncated/app"
for c in escape garbage truncated; do rootfs_image "$H/$c" "$H/$c.tar" /app; done
# cannot_start NAME IMAGE PATTERN: the report on stdout, exit 3, one error line matching PATTERN,
# and the same reason in the JSON report.
cannot_start() {
  local name=$1 image=$2 pattern=$3 rc=0
  "$PARE" analyze "$image" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" -ne 3 ]; then
    fail "analyze, $name: exit $rc, expected 3"; cat "$WORK/err.txt"
  elif ! grep -q '^Program ' "$WORK/out.txt"; then
    fail "analyze, $name: no report before the error"
  elif [ "$(grep -c '^pare: error: ' "$WORK/err.txt")" -ne 1 ] || ! grep -q -E -- "$pattern" "$WORK/err.txt"; then
    fail "analyze, $name: the error line does not match /$pattern/"; cat "$WORK/err.txt"
  else
    pass "analyze, $name: report, then exit 3 ($(head -1 "$WORK/err.txt"))"
  fi
  rc=0
  "$PARE" analyze --format json "$image" >"$WORK/out.json" 2>/dev/null || rc=$?
  if [ "$rc" -eq 3 ] && jq -r .entrypoint.error "$WORK/out.json" | grep -q -E -- "$pattern"; then
    pass "analyze --format json, $name: exit 3, entrypoint.error says why"
  else
    fail "analyze --format json, $name: exit $rc, error $(jq -c .entrypoint.error "$WORK/out.json")"
  fi
  expect_exit "slim, $name" 3 "$pattern" -- "$PARE" slim "$image" -o "$WORK/cannot-start.tar"
}
cannot_start "a looping entrypoint" "$F/bad-symlink-loop.tar" \
  "the entrypoint /loop1 is missing: too many levels of symbolic links"
cannot_start "an entrypoint linked out of the root" "$H/escape.tar" "the entrypoint /app is missing"
cannot_start "a garbage entrypoint" "$H/garbage.tar" "the entrypoint /app is not a program"
cannot_start "a truncated ELF entrypoint" "$H/truncated.tar" \
  "the entrypoint /app is not a program: malformed ELF"

# Paths too long or too deep for the tree's work to stay linear: one entry whose path is 64 KiB
# (32,000 folders, all implicit) and one of 4,500 bytes in 16 names, by GNU tar (--transform);
# refused naming the limit, in little memory.
need /usr/bin/time
DEEP=$WORK/deep
mkdir -p "$DEEP/root"
echo x >"$DEEP/root/x"
long=$(printf 'd/%.0s' $(seq 32000))x
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$DEEP/root" \
  --transform "s|^x\$|$long|" -cf "$DEEP/layer.tar" x
wide=$(printf "$(printf 'n%.0s' $(seq 280))/%.0s" $(seq 16))x
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$DEEP/root" \
  --transform "s|^x\$|$wide|" -cf "$DEEP/layer2.tar" x
for l in layer layer2; do
  # One layer: rootfs_image's layer is replaced by the crafted one (its diff_id recomputed).
  d=$(mktemp -d "$WORK/image.XXXXXX")
  cp "$DEEP/$l.tar" "$d/layer.tar"
  diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/x"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" >"$d/c.json"
  cfg=$(sha256sum "$d/c.json" | cut -d' ' -f1)
  mv "$d/c.json" "$d/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["deep:latest"],"Layers":["layer.tar"]}]' "$cfg" >"$d/manifest.json"
  tar -C "$d" -cf "$DEEP/$l-image.tar" manifest.json "$cfg.json" layer.tar
done
expect_exit "a 64 KiB path" 3 "layer 0 .*entry \"d/d/d.*\.\.\.\" has a path of 64001 bytes, past the limit of 4096 \(--max-path-bytes\)" -- \
  "$PARE" analyze "$DEEP/layer-image.tar"
/usr/bin/time -f '%M' -o "$WORK/peak" "${PARE_FOR_MEMORY:-$PARE}" analyze "$DEEP/layer-image.tar" >/dev/null 2>&1 || true
peak=$(tail -1 "$WORK/peak")
[ "${peak:-999999}" -lt 102400 ] && pass "the 64 KiB path: peak memory ${peak} KiB, under 100 MiB" ||
  fail "the 64 KiB path: peak memory ${peak} KiB"
expect_exit "a path past --max-path-depth" 3 "is 32001 folders deep, past the limit of 1000 \(--max-path-depth\)" -- \
  "$PARE" analyze --max-path-bytes 100000 --max-path-depth 1000 "$DEEP/layer-image.tar"
expect_exit "a 4,500-byte path of 17 names" 3 "has a path of 4497 bytes, past the limit of 4096" -- \
  "$PARE" slim "$DEEP/layer2-image.tar" -o "$WORK/deep-out.tar"
rm -rf "$DEEP"

# Nothing lost: an output path that is the input is refused, and a slim ended by a signal or a
# full disk leaves no temporary file and the old output as it was.
expect_exit "slim -o the input itself" 2 "is the input" -- "$PARE" slim "$F/churn-oci-gzip.tar" -o "$F/churn-oci-gzip.tar"
ln "$F/churn-oci-gzip.tar" "$WORK/hardlink.tar"
expect_exit "slim -o a hard link of the input" 2 "is the input" -- "$PARE" slim "$F/churn-oci-gzip.tar" -o "$WORK/hardlink.tar"
rm "$WORK/hardlink.tar"
expect_exit "slim -o into the input folder" 2 "is inside the input folder" -- "$PARE" slim "$F/churn-oci-gzip" -o "$F/churn-oci-gzip/out.tar"
# A program and 200 MB of noise slim is told to keep: long enough to be stopped reading the
# layer, and again writing its own.
BIG=$WORK/big
mkdir -p "$BIG/root/app" "$BIG/root/data" "$BIG/out" "$BIG/tmp"
need musl-gcc
musl-gcc -static -O2 -DARCH='"amd64"' -o "$BIG/root/app/hello" "$REPO/tests/pack/hello.c"
head -c 200000000 /dev/urandom >"$BIG/root/data/noise"
rootfs_image "$BIG/root" "$BIG/img.tar" /app/hello
# stopped SIGNAL WHEN STATUS: slim -o out/out.tar (which holds "old") gets SIGNAL once WHEN (a
# shell test) holds; it must end by that signal (STATUS), with no file left in TMPDIR or beside
# the output, and the old output unchanged.
stopped() {
  local signal=$1 when=$2 status=$3 pid rc=0 i
  echo old >"$BIG/out/out.tar"
  TMPDIR=$BIG/tmp "$PARE" slim "$BIG/img.tar" --keep /data/noise -o "$BIG/out/out.tar" -q &
  pid=$!
  for i in $(seq 600); do eval "$when" && break; sleep 0.01; done
  kill "-$signal" "$pid"
  wait "$pid" || rc=$?
  local left
  left=$(ls -A "$BIG/tmp"; ls -A "$BIG/out" | grep -v '^out.tar$' || true)
  if [ "$rc" -ne "$status" ]; then
    fail "SIG$signal ($when): exit $rc, expected $status (ended by the signal)"
  elif [ -n "$left" ]; then
    fail "SIG$signal ($when): left $left"
  elif [ "$(cat "$BIG/out/out.tar")" != old ]; then
    fail "SIG$signal ($when): the old output changed"
  else
    pass "SIG$signal ($when): ended by it, no temporary file left, the old output intact"
  fi
}
stopped INT '[ -n "$(ls -A "$BIG/tmp")" ]' 130
stopped TERM 'ls "$BIG"/out/.out.tar.tmp.* >/dev/null 2>&1' 143
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$BIG/full"
  mount -t tmpfs -o size=1m tmpfs "$BIG/full"
  echo old >"$BIG/full/out.tar"
  expect_exit "a full disk (ENOSPC)" 4 "out.tar: .*No space left on device" -- \
    env TMPDIR="$BIG/tmp" "$PARE" slim "$BIG/img.tar" --keep /data/noise -o "$BIG/full/out.tar"
  left=$(ls -A "$BIG/full" "$BIG/tmp" | grep -v -e '^out.tar$' -e '^$' -e ':$' || true)
  [ -z "$left" ] && [ "$(cat "$BIG/full/out.tar")" = old ] &&
    pass "ENOSPC: no temporary file left, the old output intact" || fail "ENOSPC: left $left"
  umount "$BIG/full"
elif [ "${CI:-}" = true ]; then
  fail "ENOSPC needs root to mount a small tmpfs (CI=true)"
else
  echo "skip - ENOSPC needs root to mount a small tmpfs"
fi
rm -rf "$BIG"

# §8 of research/image-formats.md, the pitfalls of reading an image, each from real bytes (GNU
# tar, gzip, jq): accepted with the right result, or refused with one line naming the fault.
S8=$WORK/s8
mkdir -p "$S8/d"
tar -C "$S8/d" -xf "$F/churn-docker25.tar"
# docker_save OUT ENTRY LAYER...: a docker-archive of the layer files as stored, the config's
# diff_ids those of their uncompressed bytes.
docker_save() {
  local out=$1 entry=$2 d ids="" names="" i=0 id cfg
  shift 2
  d=$(mktemp -d "$S8/ds.XXXXXX")
  for l in "$@"; do
    cp "$l" "$d/l$i"
    case $l in
      *.zst) id=$(zstd -dc "$l" | sha256sum | cut -d' ' -f1) ;;
      *) id=$(gzip -dcf "$l" | sha256sum | cut -d' ' -f1) ;;
    esac
    ids="$ids${ids:+,}\"sha256:$id\""; names="$names${names:+,}\"l$i\""; i=$((i + 1))
  done
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["%s"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$entry" "$ids" >"$d/c.json"
  cfg=$(sha256sum "$d/c.json" | cut -d' ' -f1)
  mv "$d/c.json" "$d/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["h:1"],"Layers":[%s]}]' "$cfg" "$names" >"$d/manifest.json"
  (cd "$d" && tar --owner=0 --group=0 --mtime=@0 -cf "$out" manifest.json "$cfg.json" $(ls | grep '^l'))
}
# expect_ok NAME PATTERN -- COMMAND...: exit 0 and stdout matching PATTERN.
expect_ok() {
  local name=$1 pattern=$2 rc=0
  shift 3
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" -eq 0 ] && grep -q -E -- "$pattern" "$WORK/out.txt"; then pass "$name: accepted"; else
    fail "$name: exit $rc"; cat "$WORK/err.txt"; fi
}
# 1: an OCI-only tar (no manifest.json) is read.
expect_ok "§8.1 an OCI-only tar" "/bin/hello" -- "$PARE" ls "$F/churn-oci-gzip.tar" /bin
# 2: Docker 25.0.0's OCI manifest listing the layers in another order than manifest.json.
m=$(jq -r '.manifests[0].digest | split(":")[1]' "$S8/d/index.json")
cp -r "$S8/d" "$S8/shuffled"
jq -c '.layers |= [.[1], .[0], .[2]]' "$S8/d/blobs/sha256/$m" >"$S8/m.json"
nm=$(sha256sum "$S8/m.json" | cut -d' ' -f1)
jq -c ".manifests[0].digest = \"sha256:$nm\" | .manifests[0].size = $(stat -c %s "$S8/m.json")" "$S8/d/index.json" >"$S8/shuffled/index.json"
mv "$S8/m.json" "$S8/shuffled/blobs/sha256/$nm"
tar -C "$S8/shuffled" -cf "$S8/shuffled.tar" manifest.json index.json oci-layout blobs
expect_ok "§8.2 OCI layers in another order than manifest.json's" "/bin/hello" -- "$PARE" ls "$S8/shuffled.tar" /bin
# 3: LayerSources listing every layer (Docker 25+): none is foreign.
cp -r "$S8/d" "$S8/sources"
jq -c '.[0].LayerSources = ([.[0].Layers[] | split("/")[2] | {key: ("sha256:" + .), value: {mediaType: "application/vnd.oci.image.layer.v1.tar", digest: ("sha256:" + .), size: 1}}] | from_entries)' \
  "$S8/d/manifest.json" >"$S8/sources/manifest.json"
tar -C "$S8/sources" -cf "$S8/sources.tar" manifest.json oci-layout index.json blobs
expect_ok "§8.3 LayerSources listing every layer" "/bin/hello" -- "$PARE" ls "$S8/sources.tar" /bin
# 4: names: tag-only ref.name with io.containerd.image.name (Docker), chosen by its name.
expect_ok "§8.4 a name from io.containerd.image.name" "/bin/hello" -- "$PARE" ls --image churn:latest "$F/churn-docker25.tar" /bin
# 5: the OCI layout's own files: an imageLayoutVersion other than 1.0.0, and no index.json.
cp -r "$S8/d" "$S8/v2" && printf '{"imageLayoutVersion":"2.0.0"}' >"$S8/v2/oci-layout" && rm "$S8/v2/manifest.json"
expect_exit "§8.5 an oci-layout of another version" 3 'v2: oci-layout has imageLayoutVersion "2.0.0", expected "1.0.0"' -- "$PARE" ls "$S8/v2" /bin
cp -r "$S8/d" "$S8/noindex" && rm "$S8/noindex/index.json" "$S8/noindex/manifest.json"
expect_exit "§8.5 an OCI layout without index.json" 3 "noindex: an OCI layout without index.json" -- "$PARE" ls "$S8/noindex" /bin
# A layout folder's symlinks resolve inside it, as in a chroot: a blob linked by its absolute
# host path is missing, never read from the host; one linked relatively is read.
cp -r "$S8/d" "$S8/abs" && cp -r "$S8/d" "$S8/rel" && rm "$S8/abs/manifest.json" "$S8/rel/manifest.json"
for b in "$S8"/d/blobs/sha256/*; do
  h=$(basename "$b")
  ln -sf "$b" "$S8/abs/blobs/sha256/$h"
  mv "$S8/rel/blobs/sha256/$h" "$S8/rel/$h" && ln -s "../../$h" "$S8/rel/blobs/sha256/$h"
done
expect_exit "a layout's blob linked to a host path" 3 "abs: .*(missing|has no file)" -- "$PARE" ls "$S8/abs" /bin
expect_ok "a layout's blob linked inside the layout" "/bin/hello" -- "$PARE" ls "$S8/rel" /bin
# 6: a DiffID computed over the compressed bytes.
mkdir -p "$S8/r/a"
echo hello >"$S8/r/a/file"
tar -C "$S8/r" --owner=0 --group=0 -cf "$S8/base.tar" a
gzip -nc "$S8/base.tar" >"$S8/base.tgz"
mkdir -p "$S8/cz"
g=$(sha256sum "$S8/base.tgz" | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$g" >"$S8/cz/c.json"
cfg=$(sha256sum "$S8/cz/c.json" | cut -d' ' -f1); mv "$S8/cz/c.json" "$S8/cz/$cfg.json"; cp "$S8/base.tgz" "$S8/cz/l0"
printf '[{"Config":"%s.json","Layers":["l0"]}]' "$cfg" >"$S8/cz/manifest.json"
tar -C "$S8/cz" -cf "$S8/compressed-diff-id.tar" manifest.json "$cfg.json" l0
expect_exit "§8.6 a DiffID over the compressed bytes" 3 "compressed-diff-id.tar: layer 0 \(l0\): diff_id mismatch: the config says sha256:$g \(the digest of the compressed blob\)" -- \
  "$PARE" ls "$S8/compressed-diff-id.tar" /
# 7: a zstd layer in a docker-archive (no Docker media type says so; rules_oci writes them):
# the kind comes from the bytes.
zstd -q -c "$S8/base.tar" >"$S8/base.tar.zst"
docker_save "$S8/zstd.tar" /a/file "$S8/base.tar.zst"
expect_ok "§8.7 a zstd layer in a docker-archive" "/a/file" -- "$PARE" ls "$S8/zstd.tar" /a/file
# 8: buildx attestation manifests in the index are skipped.
expect_ok "§8.8 an attestation manifest beside the image" "/bin/hello" -- "$PARE" ls --platform linux/amd64 "$F/multi.tar" /bin
# 9: a hardlink across layers is the lower file; one into a path a whiteout removed is refused.
mkdir -p "$S8/x/a" "$S8/w/a"
echo hello >"$S8/x/a/file"; ln "$S8/x/a/file" "$S8/x/b"
tar -C "$S8/x" --owner=0 --group=0 -cf "$S8/link.tar" a/file b && tar --delete -f "$S8/link.tar" a/file
touch "$S8/w/a/.wh.file"
tar -C "$S8/w" --owner=0 --group=0 -cf "$S8/wh.tar" a/.wh.file && tar -C "$S8/x" --owner=0 --group=0 -rf "$S8/wh.tar" a/file b &&
  tar --delete -f "$S8/wh.tar" a/file
docker_save "$S8/xlink.tar" /b "$S8/base.tar" "$S8/link.tar"
docker_save "$S8/wlink.tar" /b "$S8/base.tar" "$S8/wh.tar"
expect_ok "§8.9 a hardlink to a lower layer's file" "6 L1 /b link to /a/file" -- "$PARE" ls "$S8/xlink.tar" /b
expect_exit "§8.9 a hardlink into a whited-out path" 3 "wlink.tar: layer 1: hardlink /b -> /a/file: target does not exist" -- "$PARE" ls "$S8/wlink.tar" /b
# 10: the same layer twice is a valid image (old Docker repeats its empty layer); zero layers not.
docker_save "$S8/dup.tar" /a/file "$S8/base.tar" "$S8/base.tar"
expect_ok "§8.10 the same layer twice" "/a/file" -- "$PARE" ls "$S8/dup.tar" /a/file
docker_save "$S8/zero.tar" /x
expect_exit "§8.10 zero layers" 3 "zero.tar: the image has no layers" -- "$PARE" ls "$S8/zero.tar" /
# 11: outer-tar names with ./
tar -C "$S8/d" -cf "$S8/dot.tar" .
expect_ok "§8.11 outer-tar names with ./" "/bin/hello" -- "$PARE" ls "$S8/dot.tar" /bin
# ... and a blob entry that is a symlink to another, as docker save up to 24 writes a layer
# it holds twice: read through the link.
mkdir -p "$S8/sl" && tar -C "$S8/sl" -xf "$S8/dup.tar" && ln -sf l0 "$S8/sl/l1"
tar -C "$S8/sl" -cf "$S8/symlinked.tar" $(cd "$S8/sl" && ls)
expect_ok "§8.11 a blob entry linked to another" "/a/file" -- "$PARE" ls "$S8/symlinked.tar" /a/file
rm -rf "$S8"

(cd "$F" && find . -type f -exec sha256sum {} + | sort) >"$WORK/after.sum"
check_same "no input was modified" "$WORK/before.sum" "$WORK/after.sum"
leftovers=$(find "$WORK/run" -mindepth 1 -not -path "$WORK/run/a" -not -path "$WORK/run/a/b")
[ -z "$leftovers" ] && pass "nothing was written outside the working folder" || fail "written: $leftovers"
finish
