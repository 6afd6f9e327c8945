# podman, as users run images: pare's outputs (pack and slim) load with podman load and run
# with podman run from docker-archive: and oci-archive:, under runc, with no daemon.
source "$(dirname "$0")/lib.sh"
need podman runc musl-gcc gcc
[ "$(id -u)" -eq 0 ] || skip "podman run with the vfs driver needs root here"
B=$WORK/bin
make_hello_programs "$B"


"$PARE" pack "$B/hello" -o "$WORK/static.tar" --tag hello:static --env GREETING=podman -q
"$PARE" pack "$B/hello-curl" --sysroot / -o "$WORK/dyn.tar" --tag hello:dyn -q
for ref in "docker-archive:$WORK/static.tar" "oci-archive:$WORK/static.tar"; do
  out=$(podman_run "$ref" one 2>"$WORK/err.txt") || true
  if grep -qx 'hello from /hello on amd64, cwd /, uid 0' <<<"$out" && grep -qx 'arg one' <<<"$out" &&
    grep -qx 'GREETING=podman' <<<"$out"; then
    pass "podman runs pack's static image from ${ref%%:*}"
  else
    fail "podman run ${ref%%:*}: $out"
    cat "$WORK/err.txt"
  fi
done
out=$(podman_run "docker-archive:$WORK/dyn.tar" 2>"$WORK/err.txt") || true
grep -q '^curl libcurl/' <<<"$out" && pass "podman runs pack's dynamic image with its libraries" ||
  { fail "podman run dyn: $out"; cat "$WORK/err.txt"; }

podman_ load -q -i "$WORK/static.tar" >"$WORK/load.txt" 2>&1 &&
  grep -q 'hello:static' "$WORK/load.txt" && pass "podman load names the image ($(tr -d '\n' <"$WORK/load.txt"))" ||
  { fail "podman load"; cat "$WORK/load.txt"; }
out=$(podman_run --user nonroot --workdir /tmp localhost/hello:static 2>"$WORK/err.txt") || true
grep -qx 'hello from /hello on amd64, cwd /tmp, uid 65532' <<<"$out" &&
  pass "the loaded image runs as nonroot (the distroless passwd)" || fail "nonroot run: $out"

# slim's output, from an image built by GNU tar.
slim_fixtures
"$PARE" slim "$S/fat-static.tar" -o "$WORK/slimmed.tar" -q
# The program prints /etc/hostname, which podman writes: every other line as in the fat image.
out=$(podman_run "docker-archive:$WORK/slimmed.tar" 2>"$WORK/err.txt") || true
[ "$(grep -v '^hostname: ' <<<"$out")" = "$(grep -v '^hostname: ' "$S/fat-static.run")" ] &&
  grep -q '^hostname: ' <<<"$out" && pass "podman runs slim's output as the fat image ran" ||
  { fail "slim under podman: $out"; cat "$WORK/err.txt"; }
finish
