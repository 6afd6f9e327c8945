# pare pack end to end: real static amd64 and arm64 programs, a dynamic one with its libraries
# from this machine (--sysroot /), a two-platform index; each output read by skopeo and umoci,
# checked by pare verify and started for real by pare verify --run (qemu-aarch64-static for
# arm64). Then the lambda preset: a sound image passes, each broken rule is named.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static chroot unshare
[ "$(id -u)" -eq 0 ] || skip "verify --run needs root"
SRC=$REPO/tests/pack/hello.c
B=$WORK/bin
make_hello_programs "$B"

# unpack OUT TAG DIR: the rootfs umoci unpacks from pare's output (an OCI layout in a tar).
unpack() {
  rm -rf "$WORK/layout" "$3"
  mkdir -p "$WORK/layout"
  tar -C "$WORK/layout" -xf "$1"
  umoci unpack --image "$WORK/layout:$2" "$3" >/dev/null
}

# accepted NAME OUT TAG: skopeo reads it both ways and copies it checking every digest.
accepted() {
  if skopeo inspect "docker-archive:$2" >/dev/null && skopeo inspect "oci-archive:$2" >/dev/null &&
    skopeo copy -q "oci-archive:$2" "dir:$WORK/copy-$1"; then
    pass "$1: skopeo reads it (docker-archive, oci-archive) and copies it, digests checked"
  else
    fail "$1: skopeo refuses it"
  fi
}

# verified NAME EXPECTED-OUTPUT-REGEX ARGS...: pare verify --run starts the program and it
# prints what it should.
verified() {
  local name=$1 regex=$2
  shift 2
  if "$PARE" verify "$@" >"$WORK/verify.txt" 2>&1 && grep -q '^verify: ok' "$WORK/verify.txt" &&
    grep -Eq -- "$regex" "$WORK/verify.txt"; then
    pass "$name"
  else
    fail "$name"
    cat "$WORK/verify.txt"
  fi
}

# A static amd64 program on the distroless base.
OUT=$WORK/static.tar
"$PARE" pack "$B/hello" -o "$OUT" --tag hello:1 --env GREETING=hi --workdir /tmp 2>"$WORK/summary.txt"
grep -q "wrote $OUT" "$WORK/summary.txt" && pass "pack prints a summary ($(head -1 "$WORK/summary.txt"))" ||
  { fail "no summary"; cat "$WORK/summary.txt"; }
accepted static "$OUT"
unpack "$OUT" 1 "$WORK/static"
R=$WORK/static/rootfs
[ -x "$R/hello" ] && cmp -s "$R/hello" "$B/hello" && pass "umoci unpacks it; /hello is the program, byte for byte" ||
  fail "no /hello"
cmp -s "$R/etc/ssl/certs/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt &&
  [ -f "$R/usr/share/zoneinfo/Europe/Paris" ] && grep -q '^nonroot:x:65532:' "$R/etc/passwd" &&
  [ "$(stat -c %a "$R/tmp")" = 1777 ] && pass "the distroless base: CA bundle, zoneinfo, passwd, /tmp" ||
  fail "base files"
extra=$(cd "$R" && find . -type f | sed 's|^\.||' |
  grep -Ev '^/(hello|etc/(passwd|group|nsswitch\.conf|os-release|debian_version|ssl/certs/ca-certificates\.crt)|usr/lib/os-release|usr/share/zoneinfo/.*|var/lib/dpkg/status\.d/.*)$' || true)
[ -z "$extra" ] && pass "nothing else in it" || fail "unexpected files: $extra"
skopeo inspect --config "oci-archive:$OUT" |
  jq -e '.config.Entrypoint == ["/hello"] and (.config.Env | index("GREETING=hi")) and .config.WorkingDir == "/tmp"' >/dev/null &&
  pass "config: Entrypoint /hello, Env and WorkingDir as asked" || fail "config"
verified "static amd64: verify passes and --run prints the program's output" \
  '^hello from /hello on amd64, cwd /tmp, uid 0$' "$OUT" --run --expect-exit 0 --expect-output 'GREETING=hi'
"$PARE" pack "$B/hello" -o "$WORK/again.tar" -q --tag hello:1 --env GREETING=hi --workdir /tmp
cmp -s "$OUT" "$WORK/again.tar" && pass "the same program and flags give the same bytes" || fail "not deterministic"

# A static arm64 program, run under qemu.
OUT=$WORK/arm64.tar
"$PARE" pack "$B/hello-arm64" -o "$OUT" --tag hello:arm -q --user nonroot
accepted arm64 "$OUT"
skopeo inspect --config "oci-archive:$OUT" | jq -e '.architecture == "arm64" and .variant == "v8" and .config.User == "nonroot"' >/dev/null &&
  pass "arm64: architecture read from the ELF, User set" || fail "arm64 config"
unpack "$OUT" arm "$WORK/arm64"
[ -x "$WORK/arm64/rootfs/hello-arm64" ] && pass "umoci unpacks the arm64 image" || fail "arm64 unpack"
verified "static arm64: verify --run starts it under qemu as nonroot" \
  '^hello from /hello-arm64 on arm64, cwd /, uid 65532$' "$OUT" --run -- arg1

# A dynamic program: refused without --sysroot, packed with its libraries from this machine.
expect_exit "a dynamic program needs --sysroot" 2 'hello-curl: dynamically linked \(needs libcurl' -- \
  "$PARE" pack "$B/hello-curl" -o "$WORK/dyn.tar"
[ ! -e "$WORK/dyn.tar" ] && pass "nothing written on refusal" || fail "dyn.tar written"
OUT=$WORK/dyn.tar
"$PARE" pack "$B/hello-curl" --sysroot / -o "$OUT" --tag hello:dyn -q
accepted dynamic "$OUT"
unpack "$OUT" dyn "$WORK/dyn"
# The truth: the libraries the real loader maps for it on this machine.
missing=""
for lib in $(ldd "$B/hello-curl" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
  real=$(readlink -f "$lib")
  [ -f "$WORK/dyn/rootfs$real" ] || missing="$missing $real"
done
[ -z "$missing" ] && pass "every library ldd lists is in the image ($(ldd "$B/hello-curl" | wc -l) lines)" ||
  fail "missing:$missing"
verified "dynamic: verify --run starts it with its libraries" '^curl libcurl/' "$OUT" --run
chroot "$WORK/dyn/rootfs" /hello-curl | grep -q '^curl libcurl/' && pass "and it runs under plain chroot" ||
  fail "chroot run"

# A sysroot whose ld.so.conf names a vendor folder: ldconfig -r caches it, the loader finds the
# library there, and so must pack.
S=$WORK/sysroot
mkdir -p "$S/lib/x86_64-linux-gnu" "$S/lib64" "$S/opt/vendor/lib" "$S/etc/ld.so.conf.d"
cp /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 "$S/lib/x86_64-linux-gnu/"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$S/lib64/ld-linux-x86-64.so.2"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$S/etc/ld.so.conf"
printf '/opt/vendor/lib\n' >"$S/etc/ld.so.conf.d/vendor.conf"
printf 'const char* greeting(void) { return "hello from the vendor library"; }\n' >"$WORK/greet.c"
gcc -shared -fPIC -o "$S/opt/vendor/lib/libgreet.so" "$WORK/greet.c"
printf '#include <stdio.h>\nconst char* greeting(void);\nint main(void) { puts(greeting()); return 0; }\n' >"$WORK/vendor.c"
gcc -o "$B/vendor" "$WORK/vendor.c" -L"$S/opt/vendor/lib" -lgreet
ldconfig -r "$S"
OUT=$WORK/vendor.tar
"$PARE" pack "$B/vendor" --sysroot "$S" --base scratch -o "$OUT" --tag vendor:1 -q
unpack "$OUT" 1 "$WORK/vendor"
[ -f "$WORK/vendor/rootfs/opt/vendor/lib/libgreet.so" ] &&
  pass "a library in a folder the sysroot's ld.so.conf names comes along" || fail "no libgreet.so"
verified "and the program runs with it" '^hello from the vendor library$' "$OUT" --run

# A dynamic arm64 program with its libraries from Debian's cross sysroot, started under qemu.
aarch64-linux-gnu-gcc -O2 -DARCH='"arm64"' -o "$B/hello-arm64-dyn" "$SRC"
OUT=$WORK/cross.tar
"$PARE" pack "$B/hello-arm64-dyn" --sysroot /usr/aarch64-linux-gnu --base scratch -o "$OUT" --tag hello:cross -q
unpack "$OUT" cross "$WORK/cross"
listing=$(cd "$WORK/cross/rootfs" && find . -type f | sort | tr '\n' ' ')
[ "$listing" = "./hello-arm64-dyn ./lib/ld-linux-aarch64.so.1 ./lib/libc.so.6 ./lib/libgcc_s.so.1 " ] &&
  pass "cross sysroot: the program, its loader, libc and the unwinder from /usr/aarch64-linux-gnu" ||
  fail "cross sysroot holds: $listing"
verified "cross sysroot: verify --run starts it under qemu" '^hello from /hello-arm64-dyn on arm64' "$OUT" --run

# Two platforms in one index, each verified and started.
OUT=$WORK/multi.tar
"$PARE" pack --binary "linux/amd64=$B/hello" --binary "linux/arm64=$B/hello-arm64" -o "$OUT" --tag hello:multi -q
skopeo inspect --raw "oci-archive:$OUT:multi" | jq -e '[.manifests[].platform.architecture] == ["amd64", "arm64"]' >/dev/null &&
  pass "the index lists amd64 and arm64" || fail "index platforms"
for arch in amd64 arm64; do
  skopeo copy -q --override-arch "$arch" "oci-archive:$OUT:multi" "dir:$WORK/multi-$arch" &&
    pass "skopeo copies the $arch image, digests checked" || fail "skopeo $arch"
  verified "index: linux/$arch verifies and runs" "^hello from .* on $arch," "$OUT" --platform "linux/$arch" --run
done
expect_exit "--binary must match its platform" 3 'hello: a linux/amd64 program, but the platform given is linux/arm64' -- \
  "$PARE" pack --binary "linux/amd64=$B/hello" --binary "linux/arm64=$B/hello" -o "$WORK/bad.tar"
expect_exit "--platform must match the ELF" 3 'a linux/arm64/v8 program, but the platform given is linux/amd64' -- \
  "$PARE" pack "$B/hello-arm64" --platform linux/amd64 -o "$WORK/bad.tar"
expect_exit "a source file is not a program" 3 'hello.c: not an ELF program' -- \
  "$PARE" pack "$SRC" -o "$WORK/bad.tar"
[ ! -e "$WORK/bad.tar" ] && pass "no output after errors" || fail "bad.tar written"

expect_exit "a --user the image cannot name" 2 '\-\-user app: names the user app, whom /etc/passwd lacks' -- \
  "$PARE" pack "$B/hello" --user app -o "$WORK/bad.tar"
expect_exit "a user name on scratch, which has no passwd" 2 'the image has no /etc/passwd' -- \
  "$PARE" pack "$B/hello" --base scratch --user nonroot -o "$WORK/bad.tar"

# --base scratch: the program and /tmp, nothing else.
OUT=$WORK/scratch.tar
"$PARE" pack "$B/hello" --base scratch -o "$OUT" --tag hello:scratch -q
unpack "$OUT" scratch "$WORK/scratch"
listing=$(cd "$WORK/scratch/rootfs" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$listing" = "./hello ./tmp " ] && pass "scratch: /hello and /tmp only" || fail "scratch holds: $listing"
verified "scratch: verify --run" '^hello from /hello' "$OUT" --run

# --add and --ca-bundle put host files where asked.
mkdir -p "$WORK/assets/static"
echo '<h1>hi</h1>' >"$WORK/assets/static/index.html"
printf 'not really a CA\n' >"$WORK/ca.pem"
OUT=$WORK/add.tar
"$PARE" pack "$B/hello" -o "$OUT" --tag hello:add -q --add "$WORK/assets:/srv" --ca-bundle "$WORK/ca.pem" \
  --label org.opencontainers.image.source=https://example.com/hello --cmd '["serve", "--port", "80"]'
unpack "$OUT" add "$WORK/add"
cmp -s "$WORK/add/rootfs/srv/static/index.html" "$WORK/assets/static/index.html" &&
  cmp -s "$WORK/add/rootfs/etc/ssl/certs/ca-certificates.crt" "$WORK/ca.pem" &&
  pass "--add copies a folder, --ca-bundle replaces the CA bundle" || fail "--add/--ca-bundle"
skopeo inspect --config "oci-archive:$OUT" | jq -e '.config.Labels["org.opencontainers.image.source"] == "https://example.com/hello" and .config.Cmd == ["serve", "--port", "80"]' >/dev/null &&
  pass "--label and --cmd land in the config" || fail "labels/cmd"

# The lambda preset: a sound image passes pack and verify; each broken rule is named.
OUT=$WORK/lambda.tar
"$PARE" pack "$B/hello" --preset lambda --dest /var/task/bootstrap -o "$OUT" --tag fn:1 -q &&
  pass "pack --preset lambda writes a sound image" || fail "pack --preset lambda"
verified "verify --preset lambda accepts it and it runs" '^hello from /var/task/bootstrap' "$OUT" --preset lambda --run
lambda_rule() {  # NAME RULE IMAGE [ARGS]: verify --preset lambda fails naming RULE
  local name=$1 rule=$2
  shift 2
  local rc=0
  "$PARE" verify --preset lambda "$@" >"$WORK/lv.txt" 2>&1 || rc=$?
  if [ "$rc" -eq 1 ] && grep -q "^FAIL $rule:" "$WORK/lv.txt"; then
    pass "verify --preset lambda names $rule: $name ($(grep -m1 "^FAIL $rule:" "$WORK/lv.txt"))"
  else
    fail "verify --preset lambda, $name: exit $rc"
    cat "$WORK/lv.txt"
  fi
}
lambda_rule "an index of two platforms" lambda-single-image "$WORK/multi.tar" --platform linux/amd64
"$PARE" pack "$B/hello" --compression zstd -o "$WORK/zstd.tar" -q
lambda_rule "zstd layers" lambda-gzip-layers "$WORK/zstd.tar"
ln -s hello "$B/hello-link"
"$PARE" pack "$B/hello" --add "$B/hello-link:/fn" --entrypoint /fn -o "$WORK/link.tar" -q
lambda_rule "a symlink entrypoint" lambda-entrypoint "$WORK/link.tar"
"$PARE" pack "$B/hello" --dest /usr/bin/hello --entrypoint hello -o "$WORK/relative.tar" -q
lambda_rule "a relative entrypoint" lambda-entrypoint "$WORK/relative.tar"
install -m 0600 "$WORK/ca.pem" "$WORK/secret.pem"
"$PARE" pack "$B/hello" --add "$WORK/secret.pem:/etc/app/secret.pem" -o "$WORK/private.tar" -q
lambda_rule "a file only root can read" lambda-world-readable "$WORK/private.tar"
mkdir -p "$WORK/spool" && chmod 0777 "$WORK/spool"
"$PARE" pack "$B/hello" --add "$WORK/spool:/var/spool/app" -o "$WORK/writable.tar" -q
lambda_rule "a world-writable folder outside /tmp" lambda-read-only "$WORK/writable.tar"
# pack and slim refuse to write what Lambda refuses, naming the rule.
expect_exit "pack --preset lambda refuses zstd" 2 'rule lambda-gzip-layers' -- \
  "$PARE" pack "$B/hello" --preset lambda --compression zstd -o "$WORK/bad.tar"
expect_exit "pack --preset lambda refuses two platforms" 2 'rule lambda-single-image' -- \
  "$PARE" pack --preset lambda --binary "linux/amd64=$B/hello" --binary "linux/arm64=$B/hello-arm64" -o "$WORK/bad.tar"
expect_exit "pack --preset lambda refuses a symlink entrypoint" 3 'rule lambda-entrypoint: /fn: a symlink' -- \
  "$PARE" pack "$B/hello" --preset lambda --add "$B/hello-link:/fn" --entrypoint /fn -o "$WORK/bad.tar"
expect_exit "pack --preset lambda refuses an unreadable file" 3 'rule lambda-world-readable: /etc/app/secret.pem: mode 0600' -- \
  "$PARE" pack "$B/hello" --preset lambda --add "$WORK/secret.pem:/etc/app/secret.pem" -o "$WORK/bad.tar"
expect_exit "pack --preset lambda refuses a writable folder" 3 'rule lambda-read-only: /var/spool/app' -- \
  "$PARE" pack "$B/hello" --preset lambda --add "$WORK/spool:/var/spool/app" -o "$WORK/bad.tar"
expect_exit "slim --preset lambda refuses --platform all" 2 'rule lambda-single-image' -- \
  "$PARE" slim "$WORK/multi.tar" --platform all --preset lambda -o "$WORK/bad.tar"
[ ! -e "$WORK/bad.tar" ] && pass "no output after a lambda refusal" || fail "bad.tar written"
"$PARE" slim "$WORK/static.tar" --preset lambda -o "$WORK/slim-lambda.tar" -q &&
  "$PARE" verify --preset lambda "$WORK/slim-lambda.tar" >/dev/null && pass "slim --preset lambda output passes verify --preset lambda" ||
  fail "slim --preset lambda"
finish
