# The README's walkthrough, run as written: every ```sh block between its walkthrough markers, in
# order, in an empty folder, with this build as `pare` and podman on a private vfs store (the
# README's commands stay the ones a user types). Then what it made is checked: each image is one
# manifest (no index), the Lambda images run, the slim image is a fraction of the fat one.
source "$(dirname "$0")/lib.sh"
need rustc gcc aarch64-linux-gnu-gcc qemu-aarch64-static mmdebstrap podman runc jq
[ "$(id -u)" -eq 0 ] || skip "verify --run, slim --check and mmdebstrap need root"
command -v /usr/bin/rustc >/dev/null || skip "Debian's rustc is not installed"

BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/run"
ln -s "$PARE" "$BIN/pare"
ln -s /usr/bin/rustc "$BIN/rustc"  # Debian's, as the README's reader has
cat >"$BIN/podman" <<PODMAN
#!/bin/sh
exec /usr/bin/podman --root "$WORK/storage" --runroot "$WORK/runroot" --storage-driver vfs \\
  --cgroup-manager cgroupfs --events-backend file "\$@"
PODMAN
chmod +x "$BIN/podman"

awk '/<!-- walkthrough:begin -->/ { on = 1 } /<!-- walkthrough:end -->/ { on = 0 }
     on && /^```sh$/ { code = 1; next } code && /^```$/ { code = 0; print ""; next } code' \
  "$REPO/README.md" >"$WORK/walkthrough.sh"
blocks=$(awk '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/' "$REPO/README.md" | grep -c '^```sh$' || true)
[ "$blocks" -eq 3 ] && pass "the walkthrough has its 3 blocks" || fail "the walkthrough has $blocks blocks"
grep -q 'pare pack .*--preset lambda' "$WORK/walkthrough.sh" && grep -q 'pare slim .*--preset lambda --check' "$WORK/walkthrough.sh" &&
  pass "it packs and slims under --preset lambda" || fail "the walkthrough lost its pack or slim"

start=$SECONDS
if (cd "$WORK/run" && PATH="$BIN:$PATH" bash -euo pipefail -x "$WORK/walkthrough.sh" >"$WORK/out" 2>&1); then
  pass "every command of the walkthrough ran ($((SECONDS - start)) s)"
else
  fail "the walkthrough failed"; tail -25 "$WORK/out"
fi

R=$WORK/run
for image in rust-amd64 c-amd64 c-arm64 hello-slim; do
  tar -xOf "$R/$image.tar" index.json 2>/dev/null | jq -e '.manifests | length == 1' >/dev/null &&
    ! tar -xOf "$R/$image.tar" index.json | jq -e '.manifests[0].mediaType | test("index")' >/dev/null &&
    pass "$image.tar is one manifest, no index (Lambda's rule)" || fail "$image.tar"
done
arch=$(tar -xOf "$R/c-arm64.tar" manifest.json | jq -r '.[0].Config' | xargs -I{} tar -xOf "$R/c-arm64.tar" {} | jq -r .architecture)
[ "$arch" = arm64 ] && pass "c-arm64.tar is an arm64 image" || fail "c-arm64.tar is $arch"
grep -q 'hello from Rust on x86_64' "$WORK/out" && pass "the Rust image ran and printed its line" ||
  fail "the Rust image's output is not in the log"
fat=$(stat -c %s "$R/hello-fat.tar")
slim=$(stat -c %s "$R/hello-slim.tar")
[ "$((slim * 10))" -lt "$fat" ] && pass "hello-slim.tar is $slim bytes, under a tenth of hello-fat.tar's $fat" ||
  fail "hello-slim.tar ($slim) is not under a tenth of hello-fat.tar ($fat)"

# What the reader sees of pare: its own lines of the log.
grep -E '^(pare:|verify:|hello from)' "$WORK/out" | head -20
echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
