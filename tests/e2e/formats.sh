# Every layout of the same image, written by GNU tar (testdata/make-images.sh) and converted by
# skopeo, reads to the same merged tree: the exact tree testdata/expected/churn.ls states.
source "$(dirname "$0")/lib.sh"
need skopeo
make_fixtures
EXPECTED=$REPO/testdata/expected/churn.ls

for f in churn-docker-legacy.tar churn-docker-legacy.tar.gz churn-docker25.tar churn-kaniko.tar \
         churn-oci-gzip churn-oci-gzip.tar churn-oci-zstd.tar churn-mislabeled.tar; do
  "$PARE" ls "$FIXTURES/$f" >"$WORK/tree.ls"
  check_same "GNU tar fixture $f gives the expected tree" "$EXPECTED" "$WORK/tree.ls"
done

"$PARE" ls - <"$FIXTURES/churn-oci-gzip.tar" >"$WORK/tree.ls"
check_same "standard input gives the expected tree" "$EXPECTED" "$WORK/tree.ls"
gzip -dc "$FIXTURES/churn-docker-legacy.tar.gz" | zstd -q -c | "$PARE" ls - >"$WORK/tree.ls"
check_same "a zstd-compressed docker save on standard input" "$EXPECTED" "$WORK/tree.ls"

# skopeo as an independent producer: podman's docker-archive layout (layers named by diff_id,
# symlinked <id>/layer.tar), oci-archive with gzip and zstd layers, and an OCI folder.
SRC=docker-archive:$FIXTURES/churn-docker-legacy.tar
skopeo copy -q "$SRC" "docker-archive:$WORK/sk-docker.tar:churn:latest"
skopeo copy -q "$SRC" "oci-archive:$WORK/sk-oci.tar:latest"
skopeo copy -q --dest-compress-format zstd "$SRC" "oci:$WORK/sk-oci-zstd:latest"
skopeo copy -q "$SRC" "oci:$WORK/sk-oci-dir:latest"
for out in sk-docker.tar sk-oci.tar sk-oci-zstd sk-oci-dir; do
  "$PARE" ls "$WORK/$out" >"$WORK/tree.ls"
  check_same "skopeo's $out gives the expected tree" "$EXPECTED" "$WORK/tree.ls"
done
if grep -q '+zstd' "$WORK"/sk-oci-zstd/blobs/sha256/* 2>/dev/null; then
  pass "skopeo wrote zstd layers"
else
  fail "skopeo did not write zstd layers"
fi

# zstd:chunked (one zstd frame per file, the table of contents in skippable frames), by skopeo.
# Debian 12's skopeo (1.9) rewrites the tar and may keep the source's diff_ids in the config
# though the new tar differs (seen on a 700 MiB layer, whose end it pads otherwise): pare must
# refuse that as any layer that does not hash to its diff_id, and read the layers once the
# config states what they hold.
ZC=$WORK/sk-oci-zstd-chunked
skopeo copy -q --dest-compress-format zstd:chunked "$SRC" "oci:$ZC:latest"
manifest=$ZC/blobs/sha256/$(jq -r '.manifests[0].digest' "$ZC/index.json" | cut -d: -f2)
if jq -e '[.layers[].annotations // {} | has("io.containers.zstd-chunked.manifest-position")] | all' \
  "$manifest" >/dev/null; then
  pass "skopeo wrote zstd:chunked layers"
else
  fail "skopeo did not write zstd:chunked layers"
fi
config=$ZC/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)
diff_ids=()
for d in $(jq -r '.layers[].digest' "$manifest" | cut -d: -f2); do
  diff_ids+=("sha256:$(zstd -dc "$ZC/blobs/sha256/$d" | sha256sum | cut -d' ' -f1)")
done
if [ "$(jq -c '.rootfs.diff_ids' "$config")" = "$(printf '%s\n' "${diff_ids[@]}" | jq -R . | jq -sc .)" ]; then
  pass "skopeo's zstd:chunked config states the layers' diff_ids"
else
  expect_exit "a zstd:chunked layer that does not hash to its diff_id is refused" 3 \
    "diff_id mismatch" -- "$PARE" ls "$ZC"
  # Mend the config (and the manifest and index that name it by digest), as a fixed skopeo would.
  jq -c --args '.rootfs.diff_ids = $ARGS.positional' "${diff_ids[@]}" <"$config" >"$WORK/config"
  c=$(sha256sum "$WORK/config" | cut -d' ' -f1)
  mv "$WORK/config" "$ZC/blobs/sha256/$c"
  jq -c --arg d "sha256:$c" --argjson s "$(stat -c %s "$ZC/blobs/sha256/$c")" \
    '.config.digest = $d | .config.size = $s' <"$manifest" >"$WORK/manifest"
  m=$(sha256sum "$WORK/manifest" | cut -d' ' -f1)
  mv "$WORK/manifest" "$ZC/blobs/sha256/$m"
  jq -c --arg d "sha256:$m" --argjson s "$(stat -c %s "$ZC/blobs/sha256/$m")" \
    '.manifests[0].digest = $d | .manifests[0].size = $s' <"$ZC/index.json" >"$WORK/index.json"
  mv "$WORK/index.json" "$ZC/index.json"
fi
"$PARE" ls "$ZC" >"$WORK/tree.ls"
check_same "skopeo's zstd:chunked layout gives the expected tree" "$EXPECTED" "$WORK/tree.ls"
"$PARE" analyze --format json "$ZC" 2>/dev/null >"$WORK/analyze.json" || true
check_same "analyze reads every zstd:chunked layer as zstd" <(echo '["zstd","zstd","zstd"]') \
  <(jq -c '[.layers[].compression]' "$WORK/analyze.json")

# Platforms and several images in one archive.
expect_exit "a multi-platform index without --platform lists its platforms" 2 \
  "holds 2 platforms: linux/amd64, linux/arm64/v8" -- "$PARE" analyze "$FIXTURES/multi.tar"
for p in linux/arm64 linux/arm64/v8; do
  "$PARE" ls --platform "$p" "$FIXTURES/multi.tar" >"$WORK/tree.ls"
  printf -- '-rw-r--r-- 0:0 6 L0 /arch\n' >"$WORK/arm.ls"
  check_same "--platform $p picks the arm64 image from a nested index" "$WORK/arm.ls" "$WORK/tree.ls"
done
"$PARE" ls --platform linux/amd64 "$FIXTURES/multi.tar" >"$WORK/tree.ls"
check_same "--platform linux/amd64 skips the attestation and picks amd64" "$EXPECTED" "$WORK/tree.ls"
expect_exit "a platform the index lacks" 3 "no image for platform linux/s390x; it holds: linux/amd64, linux/arm64/v8" \
  -- "$PARE" analyze --platform linux/s390x "$FIXTURES/multi.tar"
expect_exit "a malformed --platform" 2 "expected os/arch" -- "$PARE" analyze --platform arm64 "$FIXTURES/multi.tar"
expect_exit "several images without --image lists them" 2 "holds 2 images: app:1, app:2" \
  -- "$PARE" analyze "$FIXTURES/two-images.tar"
"$PARE" ls --image app:2 "$FIXTURES/two-images.tar" >"$WORK/tree.ls"
printf -- '-rw-r--r-- 0:0 2 L0 /version\n' >"$WORK/v2.ls"
check_same "--image app:2 picks the second image" "$WORK/v2.ls" "$WORK/tree.ls"
"$PARE" ls --image docker.io/library/app:1 "$FIXTURES/two-images.tar" >"$WORK/tree.ls"
check_same "--image with a fully qualified name" "$EXPECTED" "$WORK/tree.ls"
expect_exit "an image name the archive lacks" 3 "no image named app:3" \
  -- "$PARE" analyze --image app:3 "$FIXTURES/two-images.tar"

# Symlink resolution inside the image root.
for p in /chain1 /escape; do
  "$PARE" ls "$FIXTURES/churn-oci-gzip.tar" "$p" >"$WORK/one.ls"
  grep -x -- '-rw-r--r-- 0:0 7 L1 /etc/hostname' "$WORK/one.ls" >/dev/null &&
    pass "$p resolves to /etc/hostname inside the root" || fail "$p did not resolve: $(cat "$WORK/one.ls")"
done

# analyze reports the config and one row per layer with sizes and changes.
# churn's entrypoint is a #!/bin/sh script in an image without /bin/sh: the report comes out,
# then the command fails with exit 3.
rc=0
"$PARE" analyze --format json "$FIXTURES/churn-oci-gzip.tar" >"$WORK/a.json" 2>"$WORK/a.err" || rc=$?
[ "$rc" -eq 3 ] && grep -q "the interpreter /bin/sh of /bin/hello is not in the image" "$WORK/a.err" &&
  pass "a script whose interpreter is missing: report, then exit 3" || { fail "missing interpreter: exit $rc"; cat "$WORK/a.err"; }
for want in '"platform": "linux/amd64"' '"class": "script"' '"filesAdded": 28' \
            '"filesRemoved": 4' '"createdBy": "layer2: back"' '"compression": "gzip"' \
            '"workingDir": "/data"' '"user": "1000"'; do
  grep -qF "$want" "$WORK/a.json" && pass "analyze json has $want" || fail "analyze json lacks $want"
done
"$PARE" analyze "$FIXTURES/churn-docker-legacy.tar" >"$WORK/a.txt" 2>/dev/null || true
grep -qE '^ +1 +.* +4 +1 +4  layer1: churn$' "$WORK/a.txt" &&
  pass "analyze text shows layer 1: 4 added, 1 changed, 4 removed" || { fail "analyze text row"; cat "$WORK/a.txt"; }
finish
