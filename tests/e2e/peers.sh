# Tarballs written by other tools (dive's and go-containerregistry's test data, in
# ../shared/peer-fixtures): pare reads every image among them to the tree umoci unpacks after a
# skopeo copy, and refuses the non-images with a clear error. Skipped where the folder is absent
# (a user's clone); CI has it.
source "$(dirname "$0")/lib.sh"
P=$SHARED/peer-fixtures
[ -d "$P" ] || skip "no peer fixtures at $P"
need skopeo umoci
[ "$(id -u)" -eq 0 ] || skip "umoci unpack keeps owners only as root"

disk_listing() {
  (cd "$1" && find . -mindepth 1 -printf '%M %U:%G %s %y /%P -> %l\n') |
    awk '{ if ($4 != "f") $3 = 0; $4 = ""; print }' |
    sed -e 's/  / /' -e 's/ ->$//' | sort
}
pare_listing() {
  "$PARE" ls "$@" | awk '{ $4 = ""; print }' | sed -e 's/  / /' -e 's/ link to .*//' | sort
}

# compare_with_umoci NAME TRANSPORT:REF [pare flags...]
compare_with_umoci() {
  local name=$1 ref=$2 file=$3
  shift 3
  rm -rf "$WORK/oci" "$WORK/bundle"
  # umoci 0.4 reads only gzip layers: skopeo recompresses zstd ones.
  skopeo copy -q --dest-compress-format gzip "$ref" "oci:$WORK/oci:x"
  umoci unpack --image "$WORK/oci:x" "$WORK/bundle" >/dev/null
  disk_listing "$WORK/bundle/rootfs" >"$WORK/umoci.ls"
  pare_listing "$file" "$@" >"$WORK/pare.ls"
  check_same "$name reads to the tree umoci unpacks" "$WORK/umoci.ls" "$WORK/pare.ls"
}

D=$P/dive
compare_with_umoci "dive test-docker-image (legacy docker save)" "docker-archive:$D/test-docker-image.tar" "$D/test-docker-image.tar"
compare_with_umoci "dive test-kaniko-image (.tar.gz layers)" "docker-archive:$D/test-kaniko-image.tar" "$D/test-kaniko-image.tar"
for kind in uncompressed gzip zstd estargz; do
  f=$D/test-oci-$kind-image.tar
  compare_with_umoci "dive test-oci-$kind-image" "oci-archive:$f" "$f"
done
n=$("$PARE" analyze --format json "$D/test-docker-image.tar" | grep -c '"diffId"')
[ "$n" -eq 14 ] && pass "dive's docker image has 14 layers" || fail "dive's docker image: $n layers"
expect_exit "dive's plain rootfs tar is refused" 3 "test-gzip-image.tar: not an image" -- "$PARE" analyze "$D/test-gzip-image.tar"

G=$P/go-containerregistry
for f in hello-world-v25 test_image_1 overwritten_file whiteout_image whiteout_dir; do
  compare_with_umoci "ggcr $f" "docker-archive:$G/$f.tar" "$G/$f.tar"
done
expect_exit "ggcr test_bundle needs --image" 2 "holds 2 images: test_image_1, test_image_2" -- "$PARE" analyze "$G/test_bundle.tar"
compare_with_umoci "ggcr test_bundle --image test_image_2" "docker-archive:$G/test_bundle.tar:@0" "$G/test_bundle.tar" --image test_image_2
compare_with_umoci "ggcr test_link --image (links between members)" "docker-archive:$G/test_link.tar:@1" "$G/test_link.tar" --image bazel/v1/tarball:test_image_3
expect_exit "ggcr no_manifest is refused" 3 "no_manifest.tar: a docker save without manifest.json" -- "$PARE" analyze "$G/no_manifest.tar"
expect_exit "ggcr null_manifest is refused" 3 "null_manifest.tar: manifest.json is not a docker-save manifest" -- "$PARE" analyze "$G/null_manifest.tar"
finish
