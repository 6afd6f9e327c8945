# The closure pare computes by reading ELF files inside an image equals what the real loader
# (glibc's ld.so --list, musl's, under chroot; qemu for arm64) reports for the same binary in
# the same tree. Images and the loader's truth: testdata/make-loader-images.sh.
source "$(dirname "$0")/lib.sh"
need gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static jq chroot
[ "$(id -u)" -eq 0 ] || skip "the real loader runs under chroot, which needs root"
L=$WORK/loader
bash "$REPO/testdata/make-loader-images.sh" "$L" >/dev/null

# pare's view in the .expected format: what ld.so maps at start (DT_NEEDED and preloads).
pare_view() {
  jq -r '.entrypoint
    | (if (.class == "static" or .class == "static-pie") then "static" else empty end),
      (if .interpreter != "" then "interp " + .interpreter else empty end),
      (.libraries[] | select(.via == "DT_NEEDED" or .via == "preload") | "lib " + .name + " " + .path)' |
    sort
}

for expected in "$L"/*.expected; do
  case_name=$(basename "$expected" .expected)
  image=$L/$case_name.tar
  rc=0
  "$PARE" analyze --format json "$image" >"$WORK/out.json" 2>"$WORK/err.txt" || rc=$?
  if grep -q '^missing ' "$expected"; then
    # The real loader cannot find a library: pare refuses the image, naming it and its needer.
    missing=$(grep '^missing ' "$expected" | head -1 | cut -d' ' -f2)
    if [ "$rc" -eq 3 ] && grep -q "pare: error: .*$missing, needed by /.*, is not in the image; searched: " "$WORK/err.txt"; then
      pass "$case_name: $missing is missing for pare too ($(cut -c1-160 "$WORK/err.txt"))"
    else
      fail "$case_name: expected exit 3 naming $missing, got $rc"; cat "$WORK/err.txt"
    fi
    continue
  fi
  if [ "$rc" -ne 0 ]; then
    fail "$case_name: pare analyze exit $rc"; cat "$WORK/err.txt"; continue
  fi
  pare_view <"$WORK/out.json" >"$WORK/pare.txt"
  sort "$expected" >"$WORK/real.txt"
  check_same "$case_name: pare's closure equals the real loader's" "$WORK/real.txt" "$WORK/pare.txt"
done

# Every kept library path exists in the image and every symlink on the way is kept too: the
# files list alone rebuilds a tree in which the loader finds everything.
jq -e '.entrypoint.files | map(.path) | index("/lib") != null' \
  < <("$PARE" analyze --format json "$L/dyn-merged.tar") >/dev/null &&
  pass "dyn-merged keeps the /lib -> usr/lib symlink its libraries are found through" ||
  fail "dyn-merged lost /lib"

# What ldd cannot see, added with umoci (an independent producer) as a layer over dyn-merged:
# an nsswitch.conf naming "compat" for passwd, its module, and the unwinder libgcc_s.
need umoci skopeo
skopeo copy -q "oci-archive:$L/dyn-merged.tar" "oci:$WORK/nss:latest"
umoci unpack --image "$WORK/nss:latest" "$WORK/nss-bundle" >/dev/null
R=$WORK/nss-bundle/rootfs
printf 'passwd: compat\ngroup: files\nhosts: files dns\n' >"$R/etc/nsswitch.conf"
cp /lib/x86_64-linux-gnu/libnss_compat.so.2 /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/usr/lib/x86_64-linux-gnu/"
umoci repack --image "$WORK/nss:latest" "$WORK/nss-bundle" >/dev/null
"$PARE" analyze --format json "$WORK/nss" >"$WORK/nss.json"
jq -e '.entrypoint.libraries[] | select(.name == "libnss_compat.so.2" and .via == "NSS")' "$WORK/nss.json" >/dev/null &&
  pass "nsswitch.conf's compat service brings libnss_compat.so.2" || fail "no NSS module"
jq -e '.entrypoint.files[] | select(.reason | startswith("NSS module for passwd"))' "$WORK/nss.json" >/dev/null &&
  pass "the NSS module is kept with its reason" || fail "NSS module reason"
jq -e '.entrypoint.libraries[] | select(.name == "libgcc_s.so.1" and .via == "unwinder")' "$WORK/nss.json" >/dev/null &&
  pass "libgcc_s.so.1 is kept for pthread_cancel" || fail "no libgcc_s"
! jq -e '.entrypoint.libraries[] | select(.name == "libnss_files.so.2")' "$WORK/nss.json" >/dev/null &&
  pass "files is built into glibc 2.36: no libnss_files module" || fail "libnss_files kept"
printf 'passwd: files systemd\n' >"$R/etc/nsswitch.conf"
umoci repack --image "$WORK/nss:latest" "$WORK/nss-bundle" >/dev/null
"$PARE" analyze --format json "$WORK/nss" >"$WORK/nss2.json"
jq -e '.entrypoint.warnings[] | select(contains("libnss_systemd.so.2 is not in the image"))' "$WORK/nss2.json" >/dev/null &&
  pass "a service whose module is absent is a warning" || fail "no warning for systemd"

# Every glibc-hwcaps variant of a library is kept: which one loads depends on the CPU.
mkdir -p "$R/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3"
cp -L /lib/x86_64-linux-gnu/libcurl.so.4 "$R/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libcurl.so.4"
umoci repack --image "$WORK/nss:latest" "$WORK/nss-bundle" >/dev/null
"$PARE" analyze --format json "$WORK/nss" >"$WORK/hw.json"
jq -e '.entrypoint.files[] | select(.path == "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libcurl.so.4")' "$WORK/hw.json" >/dev/null &&
  pass "a glibc-hwcaps variant is kept beside the library" || fail "hwcaps variant lost"

# The program's class when it cannot run: another architecture, no execute bit, missing.
skopeo copy -q "oci-archive:$L/arm64-static.tar" "oci:$WORK/cls:arm"
umoci config --image "$WORK/cls:arm" --tag amd --architecture amd64 >/dev/null 2>&1
rc=0
"$PARE" analyze --format json "$WORK/cls" --image amd >"$WORK/cls.json" 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] && jq -e '.entrypoint | select(.class == "wrong-architecture" and (.detail | contains("arm64")) and (.error | contains("is built for arm64")))' "$WORK/cls.json" >/dev/null &&
  pass "an arm64 program in an amd64 image is wrong-architecture" || { fail "wrong-architecture"; jq .entrypoint "$WORK/cls.json"; }
umoci config --image "$WORK/cls:arm" --tag gone --config.entrypoint /nope >/dev/null 2>&1
rc=0
"$PARE" analyze --format json "$WORK/cls" --image gone >"$WORK/cls.json" 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] && jq -e '.entrypoint | select(.class == "missing")' "$WORK/cls.json" >/dev/null &&
  pass "an entrypoint that is not in the image is missing" || fail "missing class"
prog=$(jq -r '.entrypoint.path' < <("$PARE" analyze --format json "$WORK/cls" --image arm))
umoci unpack --image "$WORK/cls:arm" "$WORK/cls-bundle" >/dev/null
chmod a-x "$WORK/cls-bundle/rootfs$prog"
umoci repack --image "$WORK/cls:noexec" "$WORK/cls-bundle" >/dev/null
rc=0
"$PARE" analyze --format json "$WORK/cls" --image noexec >"$WORK/cls.json" 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] && jq -e '.entrypoint | select(.class == "not-executable")' "$WORK/cls.json" >/dev/null &&
  pass "a program without execute bits is not-executable" || fail "not-executable class"
finish
