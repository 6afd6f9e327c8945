# pare diff: two images GNU tar writes here from fixed bytes (A a docker save, B an OCI layout
# folder) with one change of each kind, compared in text, JSON and Markdown against
# testdata/diff/; a pare slim of a small dynamic program against its source, whose JSON gives
# the program's and a library's reasons; --exit-code; a corrupt B; two standard inputs.
# PARE_DIFF_UPDATE=1 rewrites testdata/diff/ from this run's output instead of comparing (read
# the diff before committing it).
source "$(dirname "$0")/lib.sh"
need tar gzip sha256sum jq gcc
export LC_ALL=C TZ=UTC
umask 022
EXPECTED=$REPO/testdata/diff
F=$WORK/fixtures
mkdir -p "$F"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# put ROOT PATH MODE CONTENT: a file of fixed bytes.
put() {
  mkdir -p "$(dirname "$1/$2")"
  printf '%s' "$4" >"$1/$2"
  chmod "$3" "$1/$2"
}

# layer ROOT OUT MTIME [PATH OWNER]: ROOT's paths (name order) as a ustar layer, owned 0:0 with
# every mtime MTIME; PATH, when given, is appended last owned by OWNER (uid = gid), so no root
# or fakeroot is needed for it. Sets DIFF (the tar's sha256).
layer() {
  local root=$1 out=$2 mtime=$3 owned=${4:-} owner=${5:-}
  (cd "$root" && find . -mindepth 1 -printf '%P\n' | sort) | { grep -vxF "${owned:-/}" || true; } >"$out.list"
  tar -C "$root" --format=ustar -b 1 --no-recursion --verbatim-files-from --numeric-owner \
    --owner=0 --group=0 "--mtime=@$mtime" -T "$out.list" -cf "$out"
  if [ -n "$owned" ]; then
    tar -C "$root" --format=ustar -b 1 --no-recursion --numeric-owner "--owner=$owner" \
      "--group=$owner" "--mtime=@$mtime" -rf "$out" "$owned"
  fi
  DIFF=$(sha "$out")
}

# config ARCH CREATED_BY CONFIG_OBJECT DIFF: an image config, compact, keys in a fixed order.
config() {
  printf '{"architecture":"%s","os":"linux","created":"2024-01-02T03:04:05Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"2024-01-02T03:04:05Z","created_by":"%s"}]}' \
    "$1" "$3" "$4" "$2"
}

# docker_archive STAGING LAYER CONFIG_JSON TAG OUT: a docker save (Docker 24 layout) of one
# layer, staged in the folder STAGING.
docker_archive() {
  local d=$1 id c
  id=$(sha "$2")
  rm -rf "$d" && mkdir -p "$d/$id"
  cp "$2" "$d/$id/layer.tar"
  printf '%s' "$3" >"$d/config.tmp"
  c=$(sha "$d/config.tmp")
  mv "$d/config.tmp" "$d/$c.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$c" "$4" "$id" \
    >"$d/manifest.json"
  tar -C "$d" --format=ustar -b 1 --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$5" \
    manifest.json "$c.json" "$id/layer.tar"
}

# oci_layout LAYER CONFIG_JSON REF OUT: an OCI layout folder of one gzip layer.
oci_layout() {
  local out=$4 blobs=$4/blobs/sha256
  rm -rf "$out" && mkdir -p "$blobs"
  gzip -n -9 -c "$1" >"$blobs/layer.tmp"
  local l ls c cs m ms
  l=$(sha "$blobs/layer.tmp"); ls=$(size "$blobs/layer.tmp"); mv "$blobs/layer.tmp" "$blobs/$l"
  printf '%s' "$2" >"$blobs/config.tmp"
  c=$(sha "$blobs/config.tmp"); cs=$(size "$blobs/config.tmp"); mv "$blobs/config.tmp" "$blobs/$c"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$c" "$cs" "$l" "$ls" >"$blobs/manifest.tmp"
  m=$(sha "$blobs/manifest.tmp"); ms=$(size "$blobs/manifest.tmp"); mv "$blobs/manifest.tmp" "$blobs/$m"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$ms" "$3" >"$out/index.json"
}

# ---------------------------------------------------------------- A and B ---
# A: the files as they were. B: etc/removed.conf gone, srv/new.txt added, etc/app.conf longer,
# etc/same-size the same size with other bytes, etc/secret chmod 600, srv/data.txt owned by
# 1000:1000, usr/bin/current pointing at tool-2, usr/lib/libx.so a symlink; every folder and
# file of B has another mtime (never a change).
RA=$F/root-a
RB=$F/root-b
for r in "$RA" "$RB"; do
  mkdir -p "$r/etc" "$r/srv" "$r/usr/bin" "$r/usr/lib"
  put "$r" etc/motd 0644 $'hello\n'
  put "$r" srv/data.txt 0644 $'data\n'
  put "$r" usr/bin/tool-1 0755 $'#!tool 1\n'
  put "$r" usr/bin/tool-2 0755 $'#!tool 2\n'
  put "$r" usr/lib/libx.so.1 0644 $'\177ELF not really\n'
done
put "$RA" etc/app.conf 0644 $'level=1\n'
put "$RA" etc/same-size 0644 $'abc\n'
put "$RA" etc/secret 0644 $'s3cret\n'
put "$RA" etc/removed.conf 0644 $'old=1\n'
ln -s tool-1 "$RA/usr/bin/current"
put "$RA" usr/lib/libx.so 0644 $'\177ELF not really\n'
put "$RB" etc/app.conf 0644 $'level=22\n'
put "$RB" etc/same-size 0644 $'xyz\n'
put "$RB" etc/secret 0600 $'s3cret\n'
put "$RB" srv/new.txt 0644 $'new\n'
ln -s tool-2 "$RB/usr/bin/current"
ln -s libx.so.1 "$RB/usr/lib/libx.so"
find "$RA" "$RB" -type d -exec chmod 0755 {} +

layer "$RA" "$F/a-layer.tar" 1704164645
docker_archive "$F/a-dir" "$F/a-layer.tar" \
  "$(config amd64 "diff fixture A" '{"Env":["PATH=/usr/bin"]}' "$DIFF")" diff-a:1 "$WORK/a.tar"
layer "$RB" "$F/b-layer.tar" 1735700000 srv/data.txt 1000
oci_layout "$F/b-layer.tar" "$(config amd64 "diff fixture B" '{"Env":["PATH=/usr/bin"]}' "$DIFF")" \
  diff-b:2 "$WORK/b"

# Relative names from $WORK: the reports name the inputs as given.
cd "$WORK" || exit 1

# compare NAME EXPECTED_FILE ACTUAL_FILE: check_same, or rewrite with PARE_DIFF_UPDATE=1.
compare() {
  if [ "${PARE_DIFF_UPDATE:-}" = 1 ]; then
    mkdir -p "$EXPECTED"
    cp "$3" "$EXPECTED/$2"
    pass "$1 (written to testdata/diff/$2)"
  else
    check_same "$1" "$EXPECTED/$2" "$3"
  fi
}

# run_diff OUT ARGS...: pare diff ARGS into OUT; it must exit 0.
run_diff() {
  local out=$1 rc=0
  shift
  "$PARE" diff "$@" >"$out" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -eq 0 ] || { fail "pare diff $*: exit $rc"; cat "$WORK/stderr"; }
}

run_diff a-b.txt a.tar b
compare "text: every kind of change, aligned" a-b.txt a-b.txt
run_diff a-b.json --format json a.tar b
compare "json: every path, keys in a fixed order" a-b.json a-b.json
run_diff a-b.md --format markdown a.tar b
compare "markdown: the same as tables" a-b.md a-b.md
run_diff a-b.top2.txt --top 2 a.tar b
compare "text --top 2: each list cut, with how many more" a-b.top2.txt a-b.top2.txt
run_diff again.json --format json a.tar b
cmp -s a-b.json again.json && pass "the same output on a second run" ||
  fail "a second run printed other JSON"
jq -e '.added | length == 1 and .[0].path == "/srv/new.txt"' a-b.json >/dev/null &&
  pass "json: the added file" || fail "json: the added file"
jq -e '[.changed[] | {(.path): .changes}] | add == {"/etc/app.conf":["content"],
    "/etc/same-size":["content"], "/etc/secret":["mode"], "/srv/data.txt":["owner"],
    "/usr/bin/current":["linkTarget"], "/usr/lib/libx.so":["type"]}' a-b.json >/dev/null &&
  pass "json: each changed path and what changed (no folder: only their mtimes differ)" ||
  fail "json: the changed paths"

# ------------------------------------------------------------- exit codes ---
rc=0
"$PARE" diff --exit-code a.tar b >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "--exit-code: 1 when the images differ" || fail "--exit-code on differing images: exit $rc"
rc=0
"$PARE" diff --exit-code a.tar a.tar >same.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -qx 'no differences: 16 paths the same' same.txt &&
  pass "--exit-code: 0 when they do not" || { fail "--exit-code on one image twice: exit $rc"; cat same.txt; }
head -c 3000 a.tar >corrupt.tar
expect_exit "a corrupt B: one line naming it, exit 3" 3 'corrupt\.tar' -- "$PARE" diff a.tar corrupt.tar
expect_exit "A and B both standard input: exit 2" 2 'standard input' -- "$PARE" diff - -
expect_exit "an unknown --format: exit 2" 2 'format' -- "$PARE" diff --format xml a.tar b
expect_exit "--platform all: exit 2" 2 'one platform' -- "$PARE" diff --platform all a.tar b

# --------------------------------------------- a slim against its source ---
# A dynamic program with a library of its own on this machine's glibc, and files no program
# needs: the smallest image a slim keeps a library of.
S=$F/slim
mkdir -p "$S/root/usr/bin" "$S/root/usr/lib/x86_64-linux-gnu" "$S/root/lib64" \
  "$S/root/usr/share/doc/greet" "$S/root/etc"
printf 'void greet(void);\nint main(void) { greet(); return 0; }\n' >"$S/greet.c"
printf '#include <stdio.h>\nvoid greet(void) { puts("hello"); }\n' >"$S/libgreet.c"
(cd "$S" && gcc -shared -fPIC -O2 -Wl,-soname,libgreet.so.1 -o libgreet.so.1 libgreet.c &&
  gcc -O2 -o greet greet.c -L. -l:libgreet.so.1)
LIBC=$(gcc -print-file-name=libc.so.6)
LOADER=$(readlink -f /lib64/ld-linux-x86-64.so.2)
[ -f "$LIBC" ] && [ -f "$LOADER" ] || skip "no glibc x86-64 loader and libc.so.6 on this machine"
cp "$S/greet" "$S/root/usr/bin/greet"
cp "$S/libgreet.so.1" "$S/root/usr/lib/x86_64-linux-gnu/"
cp "$(readlink -f "$LIBC")" "$S/root/usr/lib/x86_64-linux-gnu/libc.so.6"
cp "$LOADER" "$S/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$S/root/lib64/ld-linux-x86-64.so.2"
put "$S/root" usr/share/doc/greet/README 0644 $'greet: says hello\n'
put "$S/root" etc/motd 0644 $'welcome\n'
find "$S/root" -type d -exec chmod 0755 {} +
layer "$S/root" "$S/layer.tar" 1704164645
docker_archive "$S/dir" "$S/layer.tar" \
  "$(config amd64 "COPY greet /" '{"Entrypoint":["/usr/bin/greet"]}' "$DIFF")" greet:1 greet.tar
"$PARE" slim -q greet.tar -o greet-slim.tar --keep /etc/motd
run_diff slim.json --format json greet.tar greet-slim.tar
reason() { jq -r --arg p "$1" '.slim.kept[] | select(.path == $p) | .reason' slim.json; }
[ "$(jq -r '.slim.planned' slim.json)" = true ] && pass "slim: B is a pare slim of A, planned again" ||
  { fail "slim: not planned"; jq .slim.note slim.json; }
[ "$(reason /usr/bin/greet)" = entrypoint ] && pass "slim: the program's reason is entrypoint" ||
  fail "slim: the program's reason: '$(reason /usr/bin/greet)'"
[[ "$(reason /usr/lib/x86_64-linux-gnu/libgreet.so.1)" == "needed by /usr/bin/greet"* ]] &&
  pass "slim: the library's reason: $(reason /usr/lib/x86_64-linux-gnu/libgreet.so.1)" ||
  fail "slim: the library's reason: '$(reason /usr/lib/x86_64-linux-gnu/libgreet.so.1)'"
[ "$(reason /etc/motd)" = "not in pare's default plan: a --keep, --trace or --preset rule" ] &&
  pass "slim: a --keep'd path is not in the default plan, and says so" ||
  fail "slim: /etc/motd's reason: '$(reason /etc/motd)'"
jq -e '.removed | map(.path) | index("/usr/share/doc/greet/README") != null' slim.json >/dev/null &&
  pass "slim: what went is removed" || fail "slim: the README is not removed"
jq -e '.added[] | select(.path == "/etc/passwd") | .reason | startswith("base")' slim.json >/dev/null &&
  pass "slim: a file pare wrote has its plan reason" || fail "slim: /etc/passwd has no base reason"
run_diff slim.txt greet.tar greet-slim.tar
grep -q '^WHY KEPT  B.s history says "pare slim" made it' slim.txt &&
  grep -qE '^  /usr/bin/greet +entrypoint$' slim.txt &&
  pass "slim: text says why each kept path was kept" || { fail "slim: text"; cat slim.txt; }
# B made by pare slim, but not of A: one line says why there are no reasons, and the diff stands.
run_diff other.json --format json a.tar greet-slim.tar
jq -e '.slim.planned == false and (.slim.note | startswith("A'"'"'s program cannot be planned")) and
    (.slim.kept | length == 0) and .differ' other.json >/dev/null &&
  pass "slim of another image: a note, no reasons, exit 0 ($(jq -r .slim.note other.json))" ||
  { fail "slim of another image"; jq .slim other.json; }

finish
