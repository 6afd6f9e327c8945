# Path safety of runs (verify --run, slim --trace): an image unpacks only into its own temporary
# folder, symlinks of the image never lead a write onto the host, device entries are not made,
# and the folder is removed on every exit, a signal included, without descending into a mount.
source "$(dirname "$0")/lib.sh"
need tar musl-gcc sha256sum
[ "$(id -u)" -eq 0 ] || skip "runs need root"
R=$WORK/r
mkdir -p "$R/tmp" "$R/l0/bin" "$R/l0/mnt" "$R/l1/evil" "$R/l1/esc" "$R/host/keep"
CANARY=/tmp/pare-canary-$$
rm -rf "$CANARY"
printf '#include <unistd.h>\nint main(int c, char **v) { if (c > 1) sleep(30); return 0; }\n' >"$R/p.c"
musl-gcc -static -O2 -o "$R/l0/bin/prog" "$R/p.c"
# Layer 0: the program, symlinks out of the root (absolute and by ..), a character and a block
# device, made as root by mknod; layer 1: files and a hardlink through those symlinks.
ln -s "$CANARY" "$R/l0/evil"
ln -s ../../../../../../.. "$R/l0/esc"
mknod "$R/l0/null2" c 1 3
mknod "$R/l0/blk" b 7 0
tar -C "$R/l0" --owner=0 --group=0 --numeric-owner -cf "$R/layer0.tar" bin evil esc null2 blk mnt
echo owned >"$R/l1/evil/x"
echo owned >"$R/l1/esc/y"
ln "$R/l1/evil/x" "$R/l1/esc/z"
tar -C "$R/l1" --owner=0 --group=0 --numeric-owner -cf "$R/layer1.tar" evil/x esc/y esc/z
rm -rf "$R/l1"
d0=$(sha256sum "$R/layer0.tar" | cut -d' ' -f1)
d1=$(sha256sum "$R/layer1.tar" | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/prog"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]}}' "$d0" "$d1" >"$R/c.json"
cfg=$(sha256sum "$R/c.json" | cut -d' ' -f1)
mv "$R/c.json" "$R/$cfg.json"
printf '[{"Config":"%s.json","RepoTags":["evil:1"],"Layers":["layer0.tar","layer1.tar"]}]' "$cfg" >"$R/manifest.json"
tar -C "$R" -cf "$R/evil.tar" manifest.json "$cfg.json" layer0.tar layer1.tar
sum_before=$(sha256sum "$R/evil.tar")

# confined NAME: after a run, nothing at the canary, nothing left in TMPDIR.
confined() {
  if [ -e "$CANARY" ] || [ -L "$CANARY" ]; then fail "$1: something was written at $CANARY"; rm -rf "$CANARY"
  elif [ -n "$(ls -A "$R/tmp")" ]; then fail "$1: left $(ls -A "$R/tmp")"
  else pass "$1: nothing at the canary, the temporary folder removed"; fi
}
rc=0
TMPDIR=$R/tmp "$PARE" verify --run "$R/evil.tar" >"$WORK/out.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && pass "verify --run confines the image's symlinks (exit 0)" || { fail "verify --run: exit $rc"; cat "$WORK/out.txt"; }
confined "verify --run"
rc=0
TMPDIR=$R/tmp "$PARE" slim --trace "$R/evil.tar" -o "$R/slim.tar" -q >"$WORK/out.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && pass "slim --trace runs the image (exit 0)" || { fail "slim --trace: exit $rc"; cat "$WORK/out.txt"; }
confined "slim --trace"
# A failing run (the program's exit is not the one expected) removes its folder too.
rc=0
TMPDIR=$R/tmp "$PARE" verify --run --expect-exit 7 "$R/evil.tar" >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] && pass "a failing run exits $rc" || fail "a failing run exited 0"
confined "a failing run"

# While the program runs: the unpacked tree as the host sees it, then a signal. A host folder
# bind-mounted onto the unpacked /mnt (as a mount of the sandbox would be, were it visible in
# pare's namespace) must come out of the removal intact.
echo precious >"$R/host/keep/file"
stopped_run() {
  local signal=$1 status=$2 pid rc=0 root="" i
  TMPDIR=$R/tmp "$PARE" verify --run --timeout 60 "$R/evil.tar" -- wait >/dev/null 2>&1 &
  pid=$!
  for i in $(seq 1000); do
    root=$(ls -d "$R"/tmp/*/rootfs/bin/prog 2>/dev/null | head -1 || true)
    [ -n "$root" ] && [ -n "$(ls "$R"/tmp/*/rootfs/etc/hosts 2>/dev/null || true)" ] && break
    sleep 0.01
  done
  root=${root%/bin/prog}
  if [ -z "$root" ]; then fail "SIG$signal: the run never unpacked"; kill "$pid"; wait "$pid" || true; return; fi
  local devices
  devices=$(find "$root" \( -type c -o -type b \) 2>/dev/null)
  [ -z "$devices" ] && pass "SIG$signal run: no device node in the unpacked tree" || fail "device nodes made: $devices"
  [ -f "$root$CANARY/x" ] && [ -f "$root/y" ] && [ ! -e "$CANARY" ] &&
    pass "SIG$signal run: evil/x landed at $CANARY inside the rootfs, esc/y at its root" ||
    fail "SIG$signal run: the symlinked writes are not confined as expected"
  mount --bind "$R/host" "$root/mnt"
  kill "-$signal" "$pid"
  wait "$pid" || rc=$?
  grep -q "$root/mnt" /proc/mounts && umount -l "$root/mnt"
  [ "$rc" -eq "$status" ] && pass "SIG$signal: ended by it" || fail "SIG$signal: exit $rc, expected $status"
  [ "$(cat "$R/host/keep/file" 2>/dev/null)" = precious ] && pass "SIG$signal: the bind-mounted host folder is intact" ||
    fail "SIG$signal: the removal descended into the bind mount and deleted host files"
  echo precious >"$R/host/keep/file"
  confined "SIG$signal"
}
stopped_run TERM 143
stopped_run INT 130
[ "$(sha256sum "$R/evil.tar")" = "$sum_before" ] && pass "the input is unchanged" || fail "the input changed"
finish
