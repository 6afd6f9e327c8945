# pare verify's content and run checks on sound and deliberately broken images: the program is
# missing, not executable, built for another machine, or misses a library (each named on its
# own FAIL line, exit 1); --run passes arguments, checks the exit code and the output, kills a
# program that hangs, and without root says which privilege it needs (exit 4).
source "$(dirname "$0")/lib.sh"
need skopeo gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static setpriv
[ "$(id -u)" -eq 0 ] || skip "verify --run needs root"
B=$WORK/bin
make_hello_programs "$B"
musl-gcc -static -O2 -o "$B/sleeper" -x c - <<'C'
#include <unistd.h>
int main(void) { for (;;) pause(); }
C

# fails NAME CHECK WHERE-REGEX IMAGE [ARGS]: verify exits 1 with a "FAIL CHECK: WHERE..." line.
fails() {
  local name=$1 check=$2 where=$3 image=$4
  shift 4
  local rc=0
  "$PARE" verify "$image" "$@" >"$WORK/v.txt" 2>&1 || rc=$?
  if [ "$rc" -eq 1 ] && grep -Eq "^FAIL $check: $where" "$WORK/v.txt" &&
    grep -q '^verify: [0-9]* checks failed$' "$WORK/v.txt"; then
    pass "$name ($(grep -m1 "^FAIL $check:" "$WORK/v.txt"))"
  else
    fail "$name: exit $rc"
    cat "$WORK/v.txt"
  fi
}
# passes NAME IMAGE [ARGS]: verify exits 0 and says ok.
passes() {
  local name=$1 image=$2
  shift 2
  if "$PARE" verify "$image" "$@" >"$WORK/v.txt" 2>&1 && grep -q '^verify: ok' "$WORK/v.txt"; then
    pass "$name"
  else
    fail "$name"
    cat "$WORK/v.txt"
  fi
}

"$PARE" pack "$B/hello" -o "$WORK/good.tar" -q --cmd '["first"]'
passes "a sound image verifies" "$WORK/good.tar"

# The program: missing, not executable, for another machine.
"$PARE" pack "$B/hello" --entrypoint /nope -o "$WORK/x.tar" -q 2>/dev/null && fail "pack accepted a missing entrypoint" ||
  pass "pack refuses an entrypoint that is not in the image"
printf 'data\n' >"$WORK/data.txt"
# Images pack cannot make, made by slim's overrides of a sound image (it plans, it does not check
# what it is told to start beyond the program it keeps).
"$PARE" slim "$WORK/good.tar" --keep /etc/passwd -o "$WORK/missing.tar" -q --entrypoint /hello
# The missing-program image: the config names /gone; built by rewriting a sound image's config
# with skopeo would change its digests, so GNU tar and image-lib make it.
IL_WORK=$WORK/il IL_EPOCH=1700000000 IL_CREATED=2023-11-14T22:13:20Z
source "$REPO/testdata/image-lib.sh"
mkdir -p "$IL_WORK/root/bin" "$IL_WORK/root/lib"
cp "$B/hello" "$IL_WORK/root/bin/hello"
cp "$B/hello-arm64" "$IL_WORK/root/bin/hello-arm64"
cp "$WORK/data.txt" "$IL_WORK/root/bin/data"
chmod 0755 "$IL_WORK/root/bin/hello" "$IL_WORK/root/bin/hello-arm64"
chmod 0644 "$IL_WORK/root/bin/data"
il_tree_list "$IL_WORK/root" >"$IL_WORK/all.list"
il_layer "$IL_WORK/root" "$IL_WORK/all.list" "$IL_WORK/l.tar"
image() {  # NAME ENTRYPOINT-JSON: an amd64 OCI layout over the same layer
  il_oci_image "$WORK/$1" amd64 "" "{\"Entrypoint\":$2}" "$IL_WORK/l.tar|files"
}
image ok '["/bin/hello"]'
image gone '["/bin/gone"]'
image data '["/bin/data"]'
image arm '["/bin/hello-arm64"]'
passes "GNU tar's image with /bin/hello verifies" "$WORK/ok"
fails "the entrypoint is not in the image" entrypoint-missing /bin/gone "$WORK/gone"
fails "the entrypoint is not executable" entrypoint-not-executable /bin/data "$WORK/data"
fails "the entrypoint is an arm64 program in an amd64 image" entrypoint-architecture /bin/hello-arm64 "$WORK/arm"

# A User the image's /etc/passwd lacks: runtimes refuse to start it ("unable to find user").
"$PARE" slim "$WORK/good.tar" --user app:staff -o "$WORK/user.tar" -q
fails "a User whom /etc/passwd lacks" user 'User app:staff: names the user app, whom /etc/passwd lacks' "$WORK/user.tar"
"$PARE" slim "$WORK/good.tar" --user nonroot:nope -o "$WORK/group.tar" -q
fails "a group /etc/group lacks" user 'User nonroot:nope: names the group nope' "$WORK/group.tar"
"$PARE" slim "$WORK/good.tar" --user 4242:4242 -o "$WORK/numeric.tar" -q
passes "a numeric User needs no passwd line" "$WORK/numeric.tar"

# A missing library in an otherwise sound image: the dynamic program packed with its libraries,
# then libcurl dropped from the slim copy.
"$PARE" pack "$B/hello-curl" --sysroot / -o "$WORK/dyn.tar" -q
passes "the dynamic image with its libraries verifies" "$WORK/dyn.tar"
curl=$(ldd "$B/hello-curl" | awk '$1 ~ /^libcurl\.so/ { print $3 }')
"$PARE" slim "$WORK/dyn.tar" --drop "$(readlink -f "$curl")" --drop "$curl" -o "$WORK/nolib.tar" -q 2>/dev/null
fails "a library the program needs is missing" closure '/hello-curl: .*libcurl\.so\.4' "$WORK/nolib.tar"
[ "$(grep -c '^FAIL' "$WORK/v.txt")" -eq 1 ] && pass "and nothing else is wrong with that image" ||
  fail "more than the closure failed"
fails "--run does not start a program whose closure is broken" run 'linux/amd64: not started: the closure check failed' "$WORK/nolib.tar" --run

# --run: arguments replace Cmd, the exit code and the output are checked.
passes "--run starts the program with the config's Cmd" "$WORK/good.tar" --run --expect-output '^arg first$'
passes "arguments after -- replace the Cmd" "$WORK/good.tar" --run --expect-output '^arg second$' -- second
fails "an unexpected exit code fails the run" run 'linux/amd64: exited 7, expected 0' "$WORK/good.tar" --run -- xfail
passes "--expect-exit accepts the exit code asked for" "$WORK/good.tar" --run --expect-exit 7 -- xfail
fails "output that does not match fails the run" run-output 'linux/amd64: the output does not match' \
  "$WORK/good.tar" --run --expect-output 'never printed'
"$PARE" verify "$WORK/good.tar" --run -- one two >"$WORK/run.txt"
grep -qx 'hello from /hello on amd64, cwd /, uid 0' "$WORK/run.txt" && grep -qx 'arg two' "$WORK/run.txt" &&
  grep -Eq '^run linux/amd64: exit 0 \(' "$WORK/run.txt" &&
  pass "the program's output and exit code are printed" || { fail "run output"; cat "$WORK/run.txt"; }
"$PARE" verify "$WORK/good.tar" --run --format json -- one >"$WORK/run.json"
jq -e '.ok and .runs[0].exitCode == 0 and .runs[0].argv == ["/hello", "one"] and (.runs[0].output | test("arg one"))' \
  "$WORK/run.json" >/dev/null && pass "--format json carries the run" || { fail "json run"; cat "$WORK/run.json"; }

# A program that never ends is killed after --timeout.
"$PARE" pack "$B/sleeper" -o "$WORK/sleeper.tar" -q
start=$(date +%s)
fails "a program still running after --timeout is killed" run 'linux/amd64: still running after 1 s' \
  "$WORK/sleeper.tar" --run --timeout 1
[ $(($(date +%s) - start)) -lt 10 ] && pass "and verify returns promptly" || fail "verify hung"

# arm64 under qemu, as nonroot.
"$PARE" pack "$B/hello-arm64" -o "$WORK/arm64.tar" -q --user nonroot --workdir /tmp
passes "an arm64 image runs under qemu as nonroot in its WorkingDir" "$WORK/arm64.tar" --run \
  --expect-output '^hello from /hello-arm64 on arm64, cwd /tmp, uid 65532$'

# Without root: a clear message naming the privilege, exit 4, and nothing left behind.
chmod 0755 "$WORK"
chmod 0644 "$WORK/good.tar"
before=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'pare-verify.*' | wc -l)
expect_exit "--run without root says which privilege it needs" 4 'verify --run needs root \(CAP_SYS_ADMIN\)' -- \
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$PARE" verify "$WORK/good.tar" --run
after=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'pare-verify.*' | wc -l)
[ "$before" -eq "$after" ] && pass "no temporary folder left behind" || fail "a pare-verify folder was left"
expect_exit "arguments without --run are a usage error" 2 'need --run' -- "$PARE" verify "$WORK/good.tar" -- x
finish
