# pare slim end to end, on images built by GNU tar from real Debian files
# (testdata/make-slim-images.sh): the output loads in skopeo and umoci, holds the program and
# the distroless base and nothing else, and the program still runs, under chroot for amd64 and
# qemu-aarch64-static for arm64.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static chroot
[ "$(id -u)" -eq 0 ] || skip "running the slim program under chroot needs root"
slim_fixtures

# unpack OUT TAG DIR: the rootfs umoci unpacks from pare's output (an OCI layout in a tar).
unpack() {
  rm -rf "$WORK/layout" "$3"
  mkdir -p "$WORK/layout"
  tar -C "$WORK/layout" -xf "$1"
  umoci unpack --image "$WORK/layout:$2" "$3" >/dev/null
}

OUT=$WORK/out.tar
"$PARE" slim "$S/fat-static.tar" -o "$OUT" --tag fat:slim 2>"$WORK/summary.txt"
grep -q "paths kept; wrote $OUT" "$WORK/summary.txt" && pass "slim prints a summary ($(cat "$WORK/summary.txt"))" ||
  { fail "no summary"; cat "$WORK/summary.txt"; }
skopeo inspect "docker-archive:$OUT" >/dev/null && pass "skopeo reads the output as docker-archive" || fail "skopeo docker-archive"
skopeo inspect "oci-archive:$OUT" >/dev/null && pass "skopeo reads the output as oci-archive" || fail "skopeo oci-archive"
skopeo copy -q "oci-archive:$OUT" "dir:$WORK/copy" && pass "skopeo copy checks every digest" || fail "skopeo copy"
unpack "$OUT" slim "$WORK/b"
R=$WORK/b/rootfs
[ -x "$R/function/bootstrap" ] && pass "umoci unpacks it; /function/bootstrap is there" || fail "no bootstrap"

# Nothing but the program and the base: every file is one of these.
allowed='^/(function/bootstrap|etc/(passwd|group|nsswitch\.conf|os-release|debian_version|ssl/certs/.*)|usr/lib/os-release|usr/lib/ssl/cert\.pem|usr/share/zoneinfo/.*|var/lib/dpkg/status\.d/.*)$'
extra=$(cd "$R" && find . -type f -o -type l | sed 's|^\.||' | grep -Ev "$allowed" || true)
[ -z "$extra" ] && pass "the output holds the binary and the base, nothing else" || fail "unexpected files: $extra"
survived=""
for gone in /usr/bin/bash /var/lib/apt /var/cache/apt /usr/share/doc /usr/bin/su; do
  if [ -e "$R$gone" ] || [ -L "$R$gone" ]; then survived="$survived $gone"; fi
done
[ -z "$survived" ] && pass "shells, apt caches, docs and setuid programs are gone" || fail "survived:$survived"
[ "$(stat -c %a "$R/tmp")" = 1777 ] && [ "$(stat -c '%a %u' "$R/home/nonroot")" = "700 65532" ] &&
  pass "/tmp is 1777 and /home/nonroot is nonroot's" || fail "base folders"
grep -q '^nonroot:x:65532:65532:' "$R/etc/passwd" && pass "passwd has nonroot 65532" || fail "passwd"

# The program prints in the slim image what it printed in the fat one.
(cd "$R/function" && chroot "$R" /function/bootstrap arg1) >"$WORK/run.txt" 2>&1 || true
check_same "the slim program runs under chroot as in the fat image" "$S/fat-static.run" "$WORK/run.txt"

# Scanners: a status.d record for each package that still owns a kept file, and no other. The
# truth: dpkg -S on this Debian host (whose files the fixture copied) for every kept file.
owners_of() {
  # Files, and links to files: a link to a folder (/lib -> usr/lib) is layout, not content.
  (cd "$1" && find . \( -type f -o \( -type l ! -xtype d \) \) -not -path './var/lib/dpkg/*' | sed 's|^\.||') |
    while read -r p; do
      alt=$p
      case $p in /usr/lib/*|/usr/bin/*|/usr/sbin/*) alt=${p#/usr} ;; /lib/*|/bin/*|/sbin/*) alt=/usr$p ;; esac
      dpkg -S "$p" 2>/dev/null || dpkg -S "$alt" 2>/dev/null || true
      # update-ca-certificates writes the bundle, so no .list names it; it is ca-certificates'
      # content, and distroless records that package for it too.
      if [ "$p" = /etc/ssl/certs/ca-certificates.crt ]; then echo "ca-certificates: $p"; fi
    done | cut -d: -f1 | tr ',' '\n' | sed 's/^ *//' | sort -u
}
owners_of "$R" >"$WORK/owners-truth.txt"
ls "$R/var/lib/dpkg/status.d" | grep -v '\.md5sums$' | sort >"$WORK/owners.txt"
check_same "status.d holds exactly the packages owning kept files (dpkg -S)" "$WORK/owners-truth.txt" "$WORK/owners.txt"

# Config carried over, history says what pare did.
skopeo inspect --config "oci-archive:$OUT" >"$WORK/config.json"
jq -e '.config.WorkingDir == "/function" and .config.Entrypoint == ["./bootstrap"] and .config.Cmd == ["arg1"]
       and .config.Labels["org.example"] == "fat" and (.config.ExposedPorts | has("8080/tcp"))
       and (.history | map(select(.empty_layer != true)) | length) == (.rootfs.diff_ids | length)
       and (.history[-1].created_by | startswith("pare slim"))' "$WORK/config.json" >/dev/null &&
  pass "config carried over; history and diff_ids agree" || { fail "config"; cat "$WORK/config.json"; }

# Byte-identical twice; SOURCE_DATE_EPOCH sets created.
"$PARE" slim -q "$S/fat-static.tar" -o "$WORK/again.tar" --tag fat:slim
cmp -s "$OUT" "$WORK/again.tar" && pass "slimming twice gives byte-identical output" || fail "not deterministic"
SOURCE_DATE_EPOCH=86400 "$PARE" slim -q "$S/fat-static.tar" -o "$WORK/epoch.tar"
[ "$(skopeo inspect --config "oci-archive:$WORK/epoch.tar" | jq -r .created)" = "1970-01-02T00:00:00Z" ] &&
  pass "SOURCE_DATE_EPOCH sets created" || fail "SOURCE_DATE_EPOCH"

# --layers 2: base and app layers; loads and runs.
"$PARE" slim -q "$S/fat-static.tar" -o "$WORK/two.tar" --layers 2 --tag fat:two
n=$(skopeo inspect "oci-archive:$WORK/two.tar" | jq '.Layers | length')
[ "$n" -eq 2 ] && pass "--layers 2 writes 2 layers" || fail "--layers 2 wrote $n"
skopeo copy -q "docker-archive:$WORK/two.tar" "dir:$WORK/two-copy" && pass "--layers 2 output loads" || fail "two load"
unpack "$WORK/two.tar" two "$WORK/b2"
(cd "$WORK/b2/rootfs/function" && chroot "$WORK/b2/rootfs" /function/bootstrap arg1) >"$WORK/run2.txt" 2>&1 || true
check_same "--layers 2 output runs" "$S/fat-static.run" "$WORK/run2.txt"

# --dry-run prints the plan and writes nothing.
"$PARE" slim "$S/fat-static.tar" -o "$WORK/dry.tar" --dry-run --format json >"$WORK/plan.json"
[ ! -e "$WORK/dry.tar" ] && jq -e '.entries[] | select(.path == "/function/bootstrap" and .reason == "entrypoint")' "$WORK/plan.json" >/dev/null &&
  pass "--dry-run: the plan names the entrypoint, nothing written" || fail "dry-run"
"$PARE" slim "$S/fat-static.tar" --explain >"$WORK/plan.txt"
grep -q '/function/bootstrap  entrypoint' "$WORK/plan.txt" && grep -q -- '->' "$WORK/plan.txt" &&
  pass "--explain prints paths with reasons and before/after sizes" || fail "explain text"

# Rules. --keep of an ELF brings its closure: /usr/bin/su's libpam is not in the image, so
# keeping it fails, naming the library.
expect_exit "--keep of a program whose library is missing" 3 "libpam.so.0, needed by /usr/bin/su, is not in the image" \
  -- "$PARE" slim "$S/fat-static.tar" --dry-run --keep /usr/bin/su
# A setuid program added with umoci: kept by --keep, its setuid bit dropped and listed;
# --no-tzdata; --drop.
skopeo copy -q "docker-archive:$S/fat-static.tar" "oci:$WORK/suid:x"
umoci unpack --image "$WORK/suid:x" "$WORK/suid-b" >/dev/null
install -m 4755 "$WORK/suid-b/rootfs/function/bootstrap" "$WORK/suid-b/rootfs/usr/local/bin/suid-tool" 2>/dev/null ||
  { mkdir -p "$WORK/suid-b/rootfs/usr/local/bin" && install -m 4755 "$WORK/suid-b/rootfs/function/bootstrap" "$WORK/suid-b/rootfs/usr/local/bin/suid-tool"; }
umoci repack --image "$WORK/suid:x" "$WORK/suid-b" >/dev/null
"$PARE" slim "$WORK/suid" --dry-run --format json --keep /usr/local/bin/suid-tool --keep /usr/bin/cat \
  --no-tzdata --drop '/etc/ssl/*' >"$WORK/rules.json"
jq -e '(.setuidDropped | index("/usr/local/bin/suid-tool"))
       and (.entries[] | select(.path == "/usr/local/bin/suid-tool") | .mode == 493)
       and (.entries | map(.path) | index("/usr/lib/x86_64-linux-gnu/libc.so.6"))
       and ((.entries | map(.path) | map(select(startswith("/usr/share/zoneinfo"))) | length) == 0)
       and ((.entries | map(.path) | map(select(startswith("/etc/ssl/"))) | length) == 0)' "$WORK/rules.json" >/dev/null &&
  pass "--keep (cat brings libc), setuid dropped and listed, --no-tzdata, --drop" || { fail "rules"; jq '{setuidDropped, warnings}' "$WORK/rules.json"; }
mkdir -p "$WORK/cfg" && printf '{"slim":{"keep":["/usr/bin/cat"],"tags":["fat:cfg"]}}' >"$WORK/cfg/.pare.json"
(cd "$WORK/cfg" && "$PARE" slim "$S/fat-static.tar" --dry-run --format json) >"$WORK/cfg.json"
jq -e '.entries | map(.path) | index("/usr/bin/cat")' "$WORK/cfg.json" >/dev/null &&
  pass ".pare.json in the working folder adds rules" || fail ".pare.json"

# Refusals: nothing written.
expect_exit "an entrypoint that is not in the image" 3 "the entrypoint /nope is missing" \
  -- "$PARE" slim "$S/fat-static.tar" -o "$WORK/bad.tar" --entrypoint /nope
[ ! -e "$WORK/bad.tar" ] && ! ls "$WORK"/.bad.tar.tmp* >/dev/null 2>&1 && pass "nothing written on error" || fail "partial output"

# zstd layers; a User the base lacks brings its passwd and group lines from the image.
"$PARE" slim -q "$S/fat-static.tar" -o "$WORK/zstd.tar" --compression zstd --user bin --tag fat:zstd
skopeo inspect --raw "oci-archive:$WORK/zstd.tar" | jq -e '.layers[0].mediaType | endswith("+zstd")' >/dev/null &&
  skopeo copy -q "oci-archive:$WORK/zstd.tar" "dir:$WORK/zstd-copy" &&
  pass "--compression zstd writes zstd layers skopeo verifies" || fail "zstd"
mkdir -p "$WORK/zstd-layout" && tar -C "$WORK/zstd-layout" -xf "$WORK/zstd.tar"
layer=$(jq -r '.layers[0].digest' "$WORK/zstd-layout/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/zstd-layout/index.json" | cut -d: -f2)" | cut -d: -f2)
zstd -dc "$WORK/zstd-layout/blobs/sha256/$layer" | tar -xOf - etc/passwd >"$WORK/passwd.txt"
grep -q '^bin:x:2:2:' "$WORK/passwd.txt" && skopeo inspect --config "oci-archive:$WORK/zstd.tar" | jq -e '.config.User == "bin"' >/dev/null &&
  pass "--user bin: the config says bin and passwd has its line" || { fail "--user"; cat "$WORK/passwd.txt"; }

# An entrypoint built for another architecture: exit 3, nothing written.
skopeo copy -q "oci-archive:$S/fat-arm64.tar" "oci:$WORK/wrong:x"
umoci config --image "$WORK/wrong:x" --architecture amd64 --no-history >/dev/null 2>&1 ||
  umoci config --image "$WORK/wrong:x" --architecture amd64 >/dev/null
expect_exit "an arm64 entrypoint in an amd64 image" 3 "the entrypoint /function/bootstrap is built for arm64 \(aarch64\), the image is linux/amd64" \
  -- "$PARE" slim "$WORK/wrong" -o "$WORK/wrong.tar"
[ ! -e "$WORK/wrong.tar" ] && pass "nothing written for it" || fail "wrong.tar written"

# arm64: slim, then run under chroot through qemu-aarch64-static.
"$PARE" slim -q "$S/fat-arm64.tar" -o "$WORK/arm.tar" --tag fat:arm
skopeo copy -q "oci-archive:$WORK/arm.tar" "dir:$WORK/arm-copy" && pass "arm64 output loads in skopeo" || fail "arm64 skopeo"
unpack "$WORK/arm.tar" arm "$WORK/ba"
cp /usr/bin/qemu-aarch64-static "$WORK/ba/rootfs/qemu-aarch64-static"
(cd "$WORK/ba/rootfs/function" && chroot "$WORK/ba/rootfs" /qemu-aarch64-static /function/bootstrap arg1) >"$WORK/runa.txt" 2>&1 || true
rm -f "$WORK/ba/rootfs/qemu-aarch64-static"
check_same "the arm64 slim program runs under qemu" "$S/fat-arm64.run" "$WORK/runa.txt"

# arm64 traced under qemu on amd64: the run's paths are image paths, and the check passes.
if "$PARE" slim "$S/fat-arm64.tar" -o "$WORK/arm-traced.tar" --trace --check >"$WORK/out.txt" 2>"$WORK/err.txt" &&
  grep -q 'check linux/arm64/v8: probe 1 (bootstrap arg1): the same' "$WORK/err.txt" &&
  "$PARE" slim "$S/fat-arm64.tar" --trace --dry-run 2>/dev/null | grep -q '/etc/passwd .*probe 1 opened /etc/passwd'; then
  pass "an arm64 image is traced under qemu and passes --check"
else
  fail "arm64 --trace --check"; cat "$WORK/err.txt"
fi

# A dynamic glibc program (libcurl, getaddrinfo, getpwnam) still runs after slimming.
"$PARE" slim -q "$S/fat-dynamic.tar" -o "$WORK/dyn.tar" --tag fat:dyn
unpack "$WORK/dyn.tar" dyn "$WORK/bd"
# A runtime provides /etc/hosts (docker and podman bind-mount it); so does this test.
printf '127.0.0.1 localhost\n' >"$WORK/bd/rootfs/etc/hosts"
(cd "$WORK/bd/rootfs/function" && chroot "$WORK/bd/rootfs" /function/bootstrap arg1) >"$WORK/rund.txt" 2>&1 || true
check_same "the dynamic slim program runs (resolves localhost, finds its user)" "$S/fat-dynamic.run" "$WORK/rund.txt"
rm "$WORK/bd/rootfs/etc/hosts"
owners_of "$WORK/bd/rootfs" >"$WORK/owners-d-truth.txt"
ls "$WORK/bd/rootfs/var/lib/dpkg/status.d" | grep -v '\.md5sums$' | sort >"$WORK/owners-d.txt"
check_same "status.d of the dynamic image: the packages of its libraries and base" "$WORK/owners-d-truth.txt" "$WORK/owners-d.txt"

# Two platforms: --platform all writes an index of two slim images; each runs.
"$PARE" slim -q "$S/fat-multi.tar" -o "$WORK/multi.tar" --platform all --tag fat:multi
skopeo inspect --raw "oci-archive:$WORK/multi.tar:multi" >"$WORK/index.json"
jq -e '.mediaType == "application/vnd.oci.image.index.v1+json" and (.manifests | length) == 2 and (.manifests | map(.platform.architecture) | sort) == ["amd64", "arm64"]' "$WORK/index.json" >/dev/null &&
  pass "--platform all writes an index of two images" || { fail "index"; cat "$WORK/index.json"; }
for arch in amd64 arm64; do
  rm -rf "$WORK/m-$arch"
  skopeo copy -q --override-arch "$arch" "oci-archive:$WORK/multi.tar:multi" "oci:$WORK/m-$arch:x"
  umoci unpack --image "$WORK/m-$arch:x" "$WORK/bm-$arch" >/dev/null
  root=$WORK/bm-$arch/rootfs
  if [ "$arch" = arm64 ]; then
    cp /usr/bin/qemu-aarch64-static "$root/qemu"
    (cd "$root/function" && chroot "$root" /qemu /function/bootstrap arg1) >"$WORK/runm.txt" 2>&1 || true
    expected=$S/fat-arm64.run
  else
    (cd "$root/function" && chroot "$root" /function/bootstrap arg1) >"$WORK/runm.txt" 2>&1 || true
    expected=$S/fat-static.run
  fi
  check_same "the $arch image of the index runs" "$expected" "$WORK/runm.txt"
done
# A later layer writing through a symlinked folder (app -> opt/real, then "app/data.txt"): the
# file lands at /opt/real/data.txt, and slim copies its bytes from the entry written as
# app/data.txt (GNU tar made both layers).
IL_WORK=$WORK/il IL_EPOCH=1700000000 IL_CREATED=2023-11-14T22:13:20Z
source "$REPO/testdata/image-lib.sh"
mkdir -p "$IL_WORK/r1/opt/real" "$IL_WORK/r2/app"
musl-gcc -static -O2 -o "$IL_WORK/r1/opt/real/hello" -x c - <<'C'
int main(void) { return 0; }
C
ln -s opt/real "$IL_WORK/r1/app"
seq 1 3000 >"$IL_WORK/r2/app/data.txt"  # past the 4 KiB head pass 1 captures
il_tree_list "$IL_WORK/r1" >"$IL_WORK/l1.list"
echo app/data.txt >"$IL_WORK/l2.list"
il_layer "$IL_WORK/r1" "$IL_WORK/l1.list" "$IL_WORK/l1.tar"
il_layer "$IL_WORK/r2" "$IL_WORK/l2.list" "$IL_WORK/l2.tar"
il_oci_image "$IL_WORK/lay" amd64 "" '{"Entrypoint":["/opt/real/hello"]}' "$IL_WORK/l1.tar|base" "$IL_WORK/l2.tar|data"
"$PARE" slim "$IL_WORK/lay" --keep /opt/real/data.txt -o "$WORK/through.tar" --tag through:1 -q &&
  unpack "$WORK/through.tar" 1 "$WORK/through" &&
  cmp -s "$WORK/through/rootfs/opt/real/data.txt" "$IL_WORK/r2/app/data.txt" &&
  pass "a file written through a symlinked folder keeps its bytes" ||
  fail "a file written through a symlinked folder"
finish
