# shellcheck shell=bash source=tests/e2e/lib.sh
# pare verify's structural checks, end to end: sound images from GNU tar and skopeo verify with
# exit 0 and "verify: ok"; each image testdata/make-broken-images.sh breaks in one way fails
# with exit 1 and a FAIL line of exactly the check that fault breaks; the input is never
# changed; inputs that are no image at all keep the usual error and exit code.
source "$(dirname "$0")/lib.sh"
need tar gzip sha256sum jq skopeo
[ "$(id -u)" -eq 0 ] || need fakeroot
B=$WORK/broken
bash "$REPO/testdata/make-broken-images.sh" "$B" >/dev/null

# verify_ok NAME IMAGE: exit 0, the last line "verify: ok (...)", no FAIL line.
verify_ok() {
  local rc=0
  "$PARE" verify "$2" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" -eq 0 ] && tail -1 "$WORK/out.txt" | grep -qE '^verify: ok \([0-9]+ blobs?, [0-9]+ manifests?, [0-9]+ layers?, [0-9]+ programs?\)$' &&
    ! grep -q '^FAIL' "$WORK/out.txt" && [ ! -s "$WORK/err.txt" ]; then
    pass "$1: $(tail -1 "$WORK/out.txt")"
  else
    fail "$1: exit $rc"; cat "$WORK/out.txt" "$WORK/err.txt"
  fi
}

# checks_in FILE: the check ids of the FAIL lines, sorted and unique, one a line.
checks_in() { sed -n 's/^FAIL \([a-z-]*\): .*/\1/p' "$1" | sort -u; }

# verify_fails NAME CHECK [ALSO...]: exit 1, a FAIL line for CHECK, no FAIL line of any check
# but CHECK and the ALSO ones the fault implies, "verify: N checks failed" last, N the FAIL
# lines, and the input unchanged.
verify_fails() {
  local name=$1 check=$2 image=$B/$1.tar rc=0 before after
  shift 2
  before=$(sha256sum <"$image")
  "$PARE" verify "$image" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  after=$(sha256sum <"$image")
  local allowed
  allowed=$(printf '%s\n' "$check" "$@" | sort -u)
  local others
  others=$(checks_in "$WORK/out.txt" | comm -23 - <(printf '%s\n' "$allowed"))
  local n
  n=$(grep -c '^FAIL ' "$WORK/out.txt" || true)
  if [ "$rc" -ne 1 ]; then
    fail "$name: exit $rc, expected 1"; cat "$WORK/out.txt" "$WORK/err.txt"
  elif ! grep -q "^FAIL $check: " "$WORK/out.txt"; then
    fail "$name: no FAIL $check line"; cat "$WORK/out.txt"
  elif [ -n "$others" ]; then
    fail "$name: also failed $(echo "$others" | tr '\n' ' ')"; cat "$WORK/out.txt"
  elif [ "$(tail -1 "$WORK/out.txt")" != "verify: $n checks failed" ]; then
    fail "$name: last line: $(tail -1 "$WORK/out.txt")"
  elif [ "$before" != "$after" ]; then
    fail "$name: verify changed its input"
  else
    pass "$name: $(grep -m1 "^FAIL $check: " "$WORK/out.txt")"
  fi
}

# Sound images: GNU tar's, and skopeo's rewrites of them (another producer's bytes).
verify_ok "GNU tar OCI archive with manifest.json" "$B/good-oci.tar"
verify_ok "GNU tar plain docker save" "$B/good-docker.tar"
skopeo copy -q "oci-archive:$B/good-oci.tar" "docker-archive:$WORK/sk-docker.tar:broken:latest"
skopeo copy -q "oci-archive:$B/good-oci.tar" "oci:$WORK/sk-oci:latest"
skopeo copy -q --dest-compress-format zstd "oci-archive:$B/good-oci.tar" "oci:$WORK/sk-oci-zstd:latest"
verify_ok "skopeo docker-archive" "$WORK/sk-docker.tar"
verify_ok "skopeo oci: folder" "$WORK/sk-oci"
verify_ok "skopeo oci: folder with zstd layers" "$WORK/sk-oci-zstd"
verify_ok "standard input" - <"$B/good-oci.tar"
gzip -c "$B/good-oci.tar" >"$WORK/good.tar.gz"
verify_ok "a gzip-compressed archive" "$WORK/good.tar.gz"

# Other producers' tarballs (dive's and go-containerregistry's test data, where the folder is
# there): every image verifies, including Docker 25.0.0's save by ID ("manifests": null).
P=$SHARED/peer-fixtures
if [ -d "$P" ]; then
  for f in dive/test-docker-image dive/test-kaniko-image dive/test-oci-gzip-image \
           dive/test-oci-zstd-image dive/test-oci-uncompressed-image dive/test-oci-estargz-image \
           go-containerregistry/hello-world-v25 go-containerregistry/test_bundle \
           go-containerregistry/test_link go-containerregistry/whiteout_dir; do
    verify_ok "peer fixture $f" "$P/$f.tar"
  done
fi

# One test per fault. A flipped byte of a gzip layer also breaks its inflated stream.
verify_fails bad-blob-digest blob-digest diff-id
verify_fails bad-config-digest blob-digest
verify_fails bad-blob-size blob-size
verify_fails bad-manifest-size blob-size
verify_fails bad-blob-missing blob-missing
verify_fails bad-diff-id diff-id
verify_fails bad-layer-count layer-count
verify_fails bad-history history
verify_fails bad-created-word created
verify_fails bad-created-space created
verify_fails bad-media-type-docker media-type
verify_fails bad-media-type-zstd media-type
verify_fails bad-media-type-descriptor media-type
verify_fails bad-oci-layout oci-layout
verify_fails bad-json-index json
verify_fails bad-json-manifest json
verify_fails bad-manifest-json manifest-json
verify_fails bad-manifest-json-layers manifest-json
verify_fails bad-platform platform
verify_fails bad-docker-diff-id diff-id
verify_fails bad-docker-layer-count layer-count

# Every fixture the script made is tested above, and says which check it breaks.
listed=$(cut -d' ' -f1 "$B/broken.list" | sort)
made=$(cd "$B" && ls bad-*.tar | sed 's/\.tar$//' | sort)
[ "$listed" = "$made" ] && pass "broken.list names every broken fixture" || fail "broken.list and the fixtures differ"
while read -r name check; do
  grep -qE "^verify_fails $name $check( |$)" "$0" || fail "no test for $name ($check)"
done <"$B/broken.list"

# The exact text line and -q.
"$PARE" verify "$B/bad-platform.tar" >"$WORK/out.txt" || true
grep -qxE 'FAIL platform: manifest sha256:[0-9a-f]{12}: the index says linux/arm64/v8 but the config says linux/amd64' "$WORK/out.txt" &&
  pass "the FAIL line names the check, the manifest and both platforms" || { fail "platform line"; cat "$WORK/out.txt"; }
rc=0
"$PARE" verify -q "$B/bad-diff-id.tar" >"$WORK/out.txt" || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$WORK/out.txt")" -eq 1 ] && grep -q '^FAIL diff-id: ' "$WORK/out.txt" &&
  pass "-q prints only the FAIL lines" || { fail "-q: exit $rc"; cat "$WORK/out.txt"; }
rc=0
"$PARE" verify -q "$B/good-oci.tar" >"$WORK/out.txt" || rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$WORK/out.txt" ] && pass "-q on a sound image prints nothing" || fail "-q sound: exit $rc"

# JSON: the documented shape, problems as the text lines say them.
rc=0
"$PARE" verify --format json "$B/bad-media-type-zstd.tar" >"$WORK/v.json" || rc=$?
if [ "$rc" -eq 1 ] && jq -e --arg img "$B/bad-media-type-zstd.tar" '
     .schemaVersion == 1 and .image == $img and .ok == false and
     (.problems | length) == 1 and .problems[0].check == "media-type" and
     (.problems[0].where | test("^layer 0 sha256:")) and
     (.problems[0].message | test("says zstd but the bytes are gzip")) and
     .checked.layers == 2 and .checked.manifests == 1 and (.checked.blobs | type) == "number"' \
     "$WORK/v.json" >/dev/null; then
  pass "--format json on a broken image"
else
  fail "--format json broken: exit $rc"; cat "$WORK/v.json"
fi
rc=0
"$PARE" verify --format json "$B/good-docker.tar" >"$WORK/v.json" || rc=$?
[ "$rc" -eq 0 ] && jq -e '.ok == true and .problems == [] and .checked.layers == 2' "$WORK/v.json" >/dev/null &&
  pass "--format json on a sound image" || { fail "--format json sound: exit $rc"; cat "$WORK/v.json"; }

# Inputs that are no image keep the usual one-line error and its exit code.
printf 'not a tar at all\n' >"$WORK/text.txt"
expect_exit "a file that is no tar" 3 "not an image" -- "$PARE" verify "$WORK/text.txt"
expect_exit "a missing file" 4 "no such file" -- "$PARE" verify "$WORK/nothing.tar"
tar -C "$WORK" -cf "$WORK/plain.tar" text.txt
expect_exit "a tar that is no image" 3 "not an image" -- "$PARE" verify "$WORK/plain.tar"
expect_exit "a platform the image lacks" 3 "no image for platform linux/s390x" \
  -- "$PARE" verify --platform linux/s390x "$B/good-oci.tar"
expect_exit "a malformed --platform" 2 "expected os/arch" -- "$PARE" verify --platform arm64 "$B/good-oci.tar"
"$PARE" verify --platform linux/amd64 --image broken:latest "$B/good-oci.tar" >/dev/null &&
  pass "--platform and --image pick the image" || fail "--platform linux/amd64 --image broken:latest"

# pare's own output verifies: a slim of the sound image (static program, so slim keeps it).
if "$PARE" slim "$B/good-oci.tar" -o "$WORK/slim.tar" 2>"$WORK/slim.err"; then
  verify_ok "pare slim's output" "$WORK/slim.tar"
else
  fail "pare slim of good-oci.tar: $(cat "$WORK/slim.err")"
fi

finish
