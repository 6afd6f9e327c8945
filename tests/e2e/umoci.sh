# umoci as an independent producer and reader: layers umoci writes (its own whiteouts, opaque
# handling, hardlinks, symlinks) read by pare to the tree umoci unpacks, and pare's view of the
# GNU tar fixtures equal to umoci's unpacked rootfs.
source "$(dirname "$0")/lib.sh"
need umoci skopeo
[ "$(id -u)" -eq 0 ] || skip "umoci unpack keeps owners only as root"
make_fixtures

# A listing of an unpacked rootfs in pare ls's format, minus the layer column and with the
# sizes of everything but regular files as 0 (pare reports content bytes only). Hardlinks are
# regular files on disk, so pare's "link to" suffix is dropped on its side.
disk_listing() {
  (cd "$1" && find . -mindepth 1 -printf '%M %U:%G %s %y /%P -> %l\n') |
    awk '{ if ($4 != "f") $3 = 0; t = $4; $4 = ""; print }' |
    sed -e 's/  / /' -e 's/ ->$//' -e 's|/\./|/|' | sort
}
pare_listing() {
  "$PARE" ls "$@" | awk '{ $4 = ""; print }' | sed -e 's/  / /' -e 's/ link to .*//' | sort
}

# 1. pare reads the GNU tar fixtures as umoci unpacks them.
umoci unpack --image "$FIXTURES/churn-oci-gzip:latest" "$WORK/b-churn" >/dev/null
disk_listing "$WORK/b-churn/rootfs" >"$WORK/umoci.ls"
pare_listing "$FIXTURES/churn-oci-gzip.tar" >"$WORK/pare.ls"
check_same "pare's tree of churn equals umoci unpack's" "$WORK/umoci.ls" "$WORK/pare.ls"

# 2. An image built by umoci, layer by layer, with its own whiteouts and an opaque dir.
L=$WORK/built
umoci init --layout "$L" >/dev/null
umoci new --image "$L:v" >/dev/null
umoci unpack --image "$L:v" "$WORK/b" >/dev/null
R=$WORK/b/rootfs
mkdir -p "$R/etc" "$R/usr/lib" "$R/data/sub" "$R/opq"
printf 'one\n' >"$R/etc/hostname"
printf 'lib\n' >"$R/usr/lib/libz.so.1.2"
ln -s libz.so.1.2 "$R/usr/lib/libz.so.1"
ln -s usr/lib "$R/lib"
printf 'x\n' >"$R/data/a"; printf 'y\n' >"$R/data/sub/b"; printf 'o\n' >"$R/opq/old"
ln "$R/data/a" "$R/data/a-hard"
chmod 4755 "$R/data/a"; chown 1000:1000 "$R/data/sub/b"
# umoci repack diffs against the bundle's unpack, so unpack again to stack the next layer.
next_layer() {
  umoci repack --image "$L:v" "$WORK/b" >/dev/null
  rm -rf "$WORK/b"
  umoci unpack --image "$L:v" "$WORK/b" >/dev/null
}
next_layer
rm -rf "$R/data/sub" "$R/opq"; mkdir "$R/opq"; printf 'n\n' >"$R/opq/new"
printf 'two\n' >"$R/etc/hostname"; rm "$R/data/a-hard"
next_layer
rm "$R/usr/lib/libz.so.1"; mkdir "$R/usr/lib/libz.so.1"; printf 'd\n' >"$R/usr/lib/libz.so.1/f"
umoci repack --image "$L:v" "$WORK/b" >/dev/null
umoci unpack --image "$L:v" "$WORK/b2" >/dev/null
disk_listing "$WORK/b2/rootfs" >"$WORK/umoci.ls"
pare_listing "$L" >"$WORK/pare.ls"
check_same "an image umoci built in 3 layers reads to umoci's own unpack" "$WORK/umoci.ls" "$WORK/pare.ls"
grep -q ' /opq/new$' "$WORK/pare.ls" && ! grep -q '/opq/old' "$WORK/pare.ls" &&
  pass "a dir umoci replaced hides its old children" || fail "opq children"
whiteouts=$(for b in "$L"/blobs/sha256/*; do gzip -t "$b" 2>/dev/null && tar -tzf "$b"; done | grep -c '\.wh\.' || true)
[ "$whiteouts" -gt 0 ] && pass "umoci wrote $whiteouts whiteouts for pare to apply" || fail "umoci wrote no whiteouts"
layers=$("$PARE" analyze --format json "$L" | grep -c '"diffId"')
[ "$layers" -eq 3 ] && pass "umoci's image has 3 layers, pare sees 3" || fail "layer count $layers"

# 3. The same image through skopeo into a docker-archive and back.
skopeo copy -q "oci:$L:v" "docker-archive:$WORK/built.tar:built:v"
pare_listing "$WORK/built.tar" >"$WORK/pare2.ls"
check_same "skopeo's docker-archive of umoci's image reads the same" "$WORK/umoci.ls" "$WORK/pare2.ls"
finish
