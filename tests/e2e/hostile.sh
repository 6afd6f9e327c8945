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
"$PARE" analyze --format json "$F/bad-symlink-loop.tar" >"$WORK/loop.json"
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

(cd "$F" && find . -type f -exec sha256sum {} + | sort) >"$WORK/after.sum"
check_same "no input was modified" "$WORK/before.sum" "$WORK/after.sum"
leftovers=$(find "$WORK/run" -mindepth 1 -not -path "$WORK/run/a" -not -path "$WORK/run/a/b")
[ -z "$leftovers" ] && pass "nothing was written outside the working folder" || fail "written: $leftovers"
finish
