# shellcheck shell=bash disable=SC1091,SC2016,SC2034  # check conditions are eval strings
# pare against real registries (tests/e2e/registry_lib.sh: Debian's docker-registry in plain,
# basic, token and tls modes, and a fault-injecting proxy), with skopeo as the independent
# client and podman to run what pare pushed: reading (ls, analyze), pushing (pack, slim),
# credentials, TLS, retries and resumes, digest checking, and one download per blob.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
need skopeo jq curl sha256sum openssl docker-registry podman runc awk ldd
[ "$(id -u)" -eq 0 ] || skip "podman run with the vfs driver needs root here"
START=$SECONDS
make_fixtures
B=$WORK/bin
make_hello_programs "$B"
mkdir -p "$WORK/home" "$WORK/run" "$WORK/tmp"
chmod 700 "$WORK/run"

# pare with HOME, XDG_RUNTIME_DIR and TMPDIR under $WORK: no auth file of this machine is read,
# and its temporary files are ours to count. AUTH=FILE sets REGISTRY_AUTH_FILE for one call.
pare_() {
  env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" \
    TMPDIR="$WORK/tmp" ${AUTH:+REGISTRY_AUTH_FILE="$AUTH"} "$PARE" "$@"
}
check() {  # NAME 'SHELL CONDITION': pass when it holds (evaluated here)
  if eval "$2"; then pass "$1"; else fail "$1"; fi
}
# noise BYTES: the same incompressible bytes on every run (AES-CTR of zeros, a fixed key).
noise() {
  openssl enc -aes-128-ctr -nosalt -K 00112233445566778899aabbccddeeff -iv 0 </dev/zero 2>/dev/null |
    head -c "$1" || true
}
sha_of() { local h; h=$(sha256sum <"$1"); echo "sha256:${h%% *}"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# run NAME CMD...: CMD exits 0; stdout in $WORK/out.txt, stderr in $WORK/err.txt. RC is set.
run() {
  local name=$1
  shift
  RC=0
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || RC=$?
  if [ "$RC" -ne 0 ]; then
    fail "$name: exit $RC"
    cat "$WORK/err.txt"
    return 1
  fi
}
# wrote_digest: the sha256 that the last stderr line in $WORK/err.txt says was written.
wrote_digest() { tail -1 "$WORK/err.txt" | grep -oE 'sha256:[0-9a-f]{64}' | tail -1; }
# analysis FILE: an analyze JSON without what names the source (to compare two sources): no
# format, source or names, and messages without their "SOURCE: " prefix.
analysis() {
  jq -S '.source as $s | del(.format, .source, .names)
         | walk(if type == "string" then ltrimstr($s + ": ") else . end)' "$1"
}
# same_listing NAME EXPECTED_FILE pare-ls-ARGS...: pare ls prints exactly EXPECTED_FILE.
same_listing() {
  local name=$1 want=$2
  shift 2
  local rc=0
  pare_ ls "$@" >"$WORK/ls.txt" 2>"$WORK/ls.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$name: exit $rc"
    cat "$WORK/ls.err"
  else
    check_same "$name" "$want" "$WORK/ls.txt"
  fi
}

# podman_runs NAME ARCHIVE EXPECTED_LINE...: podman runs docker-archive:ARCHIVE and prints
# each line.
podman_runs() {
  local name=$1 archive=$2 line out missing=''
  shift 2
  out=$(podman_run "docker-archive:$archive" 2>"$WORK/podman.err") || true
  for line in "$@"; do grep -qxF -- "$line" <<<"$out" || missing=1; done
  if [ -z "$missing" ]; then
    pass "$name"
  else
    fail "$name: $out"
    cat "$WORK/podman.err"
  fi
}

# A fat image around the static hello: a Debian-like base copied from this host (bash and
# friends with their libraries, CA bundle, zoneinfo, an apt leftover that does not compress)
# and /hello on top; Entrypoint /hello, GREETING=fat. Written by GNU tar (testdata/image-lib.sh).
make_fat() {
  local out=$1 d=$WORK/fat-build f lib
  source "$REPO/testdata/image-lib.sh"
  IL_WORK=$d IL_EPOCH=1700000000 IL_CREATED=2023-11-14T22:13:20Z
  local r=$d/base
  mkdir -p "$r/etc/ssl/certs" "$r/usr/bin" "$r/usr/share" "$r/var/cache/apt/archives" "$r/tmp" "$d/app"
  chmod 1777 "$r/tmp"
  for f in bash ls cat cp sed grep tar gzip; do
    cp "/usr/bin/$f" "$r/usr/bin/"
    for lib in $(ldd "/usr/bin/$f" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
      mkdir -p "$r$(dirname "$lib")"
      cp -L "$lib" "$r$lib"
    done
  done
  cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
  cp -r /usr/share/zoneinfo "$r/usr/share/"
  printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n' >"$r/etc/passwd"
  noise 6000000 >"$r/var/cache/apt/archives/junk.deb"
  cp "$B/hello" "$d/app/hello"
  il_tree_list "$r" >"$d/base.list"
  il_tree_list "$d/app" >"$d/app.list"
  il_layer "$r" "$d/base.list" "$d/base.tar"
  il_layer "$d/app" "$d/app.list" "$d/app.tar"
  il_oci_image "$d/layout" amd64 "" \
    '{"Env":["PATH=/usr/bin:/bin","GREETING=fat"],"Entrypoint":["/hello"],"WorkingDir":"/"}' \
    "$d/base.tar|base" "$d/app.tar|COPY hello /hello"
  il_pack "$d/layout" "$out"
}
FAT=$WORK/fat.tar
make_fat "$FAT"
HELLO_LINES=('hello from /hello on amd64, cwd /, uid 0' 'GREETING=(unset)')
FAT_LINES=('hello from /hello on amd64, cwd /, uid 0' 'GREETING=fat')

OCI=$FIXTURES/churn-oci-gzip.tar
DOCKER=$FIXTURES/churn-docker25.tar
MULTI=$FIXTURES/multi.tar
OCI_DIGEST=$(tar -xOf "$OCI" index.json | jq -r '.manifests[0].digest')
MULTI_DIGEST=$(tar -xOf "$MULTI" index.json | jq -r '.manifests[0].digest')
"$PARE" ls "$OCI" >"$WORK/churn.ls"
"$PARE" ls "$MULTI" --platform linux/arm64 >"$WORK/arm64.ls"
"$PARE" analyze --format json "$FAT" >"$WORK/fat-local.json"

# ---------------------------------------------------------------- 1. plain ---
registry_start plain plain
H=$REG_PLAIN_HOST
NOTLS=(--tls-verify=false)
registry_push_archive "$DOCKER" "$H/churn/docker:1"
registry_push_archive "$OCI" "$H/churn/oci:1"
check "plain: skopeo pushed the oci-archive as is ($OCI_DIGEST)" '[ "$REG_PUSHED_DIGEST" = "$OCI_DIGEST" ]'
registry_push_archive "$MULTI" "$H/multi:1" --all
check "plain: skopeo pushed multi.tar's index with --all" '[ "$REG_PUSHED_DIGEST" = "$MULTI_DIGEST" ]'
registry_push_archive "$FAT" "$H/fat:1"
FAT_DIGEST=$REG_PUSHED_DIGEST

same_listing "plain: ls of the pushed oci-archive is the archive's listing" "$WORK/churn.ls" \
  "${NOTLS[@]}" "docker://$H/churn/oci:1"
same_listing "plain: ls of the pushed docker-archive (a v2s2 manifest) too" "$WORK/churn.ls" \
  "${NOTLS[@]}" "docker://$H/churn/docker:1"
same_listing "plain: ls by digest (docker://$H/churn/oci@sha256:...)" "$WORK/churn.ls" \
  "${NOTLS[@]}" "docker://$H/churn/oci@$OCI_DIGEST"
printf '%s\n' '-rw-r--r-- 0:0 7 L1 /etc/hostname' >"$WORK/want.txt"
same_listing "plain: ls of one path (/etc/hostname: layer 1's, 7 bytes)" "$WORK/want.txt" \
  "${NOTLS[@]}" "docker://$H/churn/oci:1" /etc/hostname
same_listing "plain: --platform linux/arm64 of the index: the arm64 image" "$WORK/arm64.ls" \
  "${NOTLS[@]}" --platform linux/arm64 "docker://$H/multi:1"
check "plain: ... which is the single /arch file" '[ "$(awk "{ print \$NF }" "$WORK/arm64.ls")" = /arch ]'
same_listing "plain: --platform linux/amd64 of the index: churn" "$WORK/churn.ls" \
  "${NOTLS[@]}" --platform linux/amd64 "docker://$H/multi:1"
expect_exit "plain: an index without --platform" 2 'holds 2 platforms: linux/amd64, linux/arm64' -- \
  pare_ ls "${NOTLS[@]}" "docker://$H/multi:1"
if run "plain: analyze --format json" pare_ analyze "${NOTLS[@]}" --format json "docker://$H/fat:1"; then
  cp "$WORK/out.txt" "$WORK/fat-remote.json"
  check "plain: analyze JSON: format registry, source docker://..., the pushed manifest digest" \
    'jq -e --arg s "docker://$H/fat:1" --arg d "$FAT_DIGEST" ".format == \"registry\" and .source == \$s and .manifestDigest == \$d and .platform == \"linux/amd64\"" "$WORK/fat-remote.json" >/dev/null'
  check "plain: ... and the same analysis as of the archive skopeo pushed" \
    '[ "$(analysis "$WORK/fat-remote.json")" = "$(analysis "$WORK/fat-local.json")" ]'
fi
rc=0
pare_ analyze "${NOTLS[@]}" --format json --platform linux/arm64 "docker://$H/multi:1" >"$WORK/a.json" 2>/dev/null || rc=$?
lrc=0
"$PARE" analyze --format json --platform linux/arm64 "$MULTI" >"$WORK/b.json" 2>/dev/null || lrc=$?
ARM_DIGEST=$(tar -xOf "$MULTI" "blobs/sha256/${MULTI_DIGEST#sha256:}" | jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
check "plain: analyze --platform linux/arm64 reads the arm64 manifest (exit $rc as for the archive)" \
  '[ "$rc" = "$lrc" ] && jq -e --arg d "$ARM_DIGEST" ".manifestDigest == \$d and .platform == \"linux/arm64/v8\"" "$WORK/a.json" >/dev/null &&
   [ "$(analysis "$WORK/a.json")" = "$(analysis "$WORK/b.json")" ]'
expect_exit "plain: a missing tag" 3 "docker://$H/churn/oci:nope: MANIFEST_UNKNOWN: manifest unknown" -- \
  pare_ ls "${NOTLS[@]}" "docker://$H/churn/oci:nope"
expect_exit "plain: a missing digest" 3 'MANIFEST_UNKNOWN' -- \
  pare_ analyze "${NOTLS[@]}" "docker://$H/churn/oci@sha256:$(printf '0%.0s' {1..64})"
CLOSED=127.0.0.1:$(_registry_free_port)
expect_exit "plain: a closed port" 4 "docker://$CLOSED/churn/oci:1: cannot reach the registry" -- \
  pare_ ls "${NOTLS[@]}" "docker://$CLOSED/churn/oci:1"
expect_exit "plain: http without --tls-verify=false" 4 'cannot reach the registry: https://' -- \
  pare_ ls "docker://$H/churn/oci:1"

# ------------------------------------------------------------- 2. push, run ---
if run "pack -o docker://" pare_ pack "${NOTLS[@]}" "$B/hello" -o "docker://$H/hello:v1"; then
  PUSHED=$(wrote_digest)
  check "pack -o docker:// says what it wrote (pare: wrote docker://$H/hello:v1@$PUSHED)" \
    '[ "$(tail -1 "$WORK/err.txt")" = "pare: wrote docker://$H/hello:v1@$PUSHED" ]'
fi
run "pack -o FILE" pare_ pack "$B/hello" -o "$WORK/hello.tar" && HELLO_DIGEST=$(wrote_digest)
check "pack: the pushed digest is the file's ($HELLO_DIGEST)" \
  '[ "$(tail -1 "$WORK/err.txt")" = "pare: wrote $WORK/hello.tar ($HELLO_DIGEST)" ] && [ "${PUSHED:-}" = "$HELLO_DIGEST" ]'
registry_inspect "$H/hello:v1" --raw >"$WORK/raw.json"
check "pack: skopeo inspect --raw of the pushed manifest hashes to it" '[ "$(sha_of "$WORK/raw.json")" = "$HELLO_DIGEST" ]'
check "pack: ... and it is the manifest in the file" \
  '[ "$(tar -xOf "$WORK/hello.tar" "blobs/sha256/${HELLO_DIGEST#sha256:}" | sha_of /dev/stdin)" = "$HELLO_DIGEST" ] &&
   tar -xOf "$WORK/hello.tar" "blobs/sha256/${HELLO_DIGEST#sha256:}" | cmp -s - "$WORK/raw.json"'
if registry_pull "$H/hello@$HELLO_DIGEST" "docker-archive:$WORK/hello-pulled.tar"; then
  pass "pack: skopeo copies it out by digest (every digest checked)"
  podman_runs "pack: podman runs the pushed image" "$WORK/hello-pulled.tar" "${HELLO_LINES[@]}"
else
  fail "pack: skopeo copy of the pushed image"
fi

if run "slim docker:// -o docker://" pare_ slim "${NOTLS[@]}" "docker://$H/fat:1" -o "docker://$H/fat:slim"; then
  SLIM_DIGEST=$(wrote_digest)
  check "slim -o docker:// says what it wrote (...paths kept; wrote docker://$H/fat:slim@...)" \
    'tail -1 "$WORK/err.txt" | grep -qxE "pare: docker://$H/fat:1: .* paths kept; wrote docker://$H/fat:slim@$SLIM_DIGEST"'
fi
run "slim docker:// -o FILE" pare_ slim "${NOTLS[@]}" "docker://$H/fat:1" -o "$WORK/slim.tar"
check "slim: -o FILE writes the same digest (${SLIM_DIGEST:-})" \
  '[ -n "${SLIM_DIGEST:-}" ] && tail -1 "$WORK/err.txt" | grep -qxE "pare: docker://$H/fat:1: .* paths kept; wrote $WORK/slim.tar \($SLIM_DIGEST\)"'
run "slim of the local archive" pare_ slim "$FAT" -o "$WORK/slim-local.tar"
check "slim: the registry image slims to the same digest as the archive it was pushed from" \
  '[ "$(wrote_digest)" = "${SLIM_DIGEST:-}" ]'
check "slim: skopeo inspect --raw of the pushed manifest hashes to it" \
  '[ "$(registry_inspect "$H/fat:slim" --raw | sha_of /dev/stdin)" = "${SLIM_DIGEST:-}" ]'
if registry_pull "$H/fat@${SLIM_DIGEST:-none}" "docker-archive:$WORK/slim-pulled.tar"; then
  pass "slim: skopeo copies the pushed slim image out by digest (every digest checked)"
  podman_runs "slim: podman runs it, with the fat image's config" "$WORK/slim-pulled.tar" "${FAT_LINES[@]}"
else
  fail "slim: skopeo copy of the pushed slim image"
fi

# ---------------------------------------------------------------- 3. basic ---
registry_start basic basic
BH=$REG_BASIC_HOST
registry_push_archive "$OCI" "$BH/churn/oci:1"
expect_exit "basic: no credentials" 4 'UNAUTHORIZED' -- pare_ ls "${NOTLS[@]}" "docker://$BH/churn/oci:1"
same_listing "basic: --creds" "$WORK/churn.ls" "${NOTLS[@]}" --creds "$REG_BASIC_CREDS" "docker://$BH/churn/oci:1"
expect_exit "basic: a wrong password" 4 'UNAUTHORIZED' -- \
  pare_ ls "${NOTLS[@]}" --creds pare:wrong "docker://$BH/churn/oci:1"
auth_json() {  # FILE HOST USER:PASS
  mkdir -p "$(dirname "$1")"
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" "$(printf '%s' "$3" | base64 -w0)" >"$1"
}
auth_json "$WORK/auth.json" "$BH" "$REG_BASIC_CREDS"
AUTH=$WORK/auth.json same_listing "basic: REGISTRY_AUTH_FILE" "$WORK/churn.ls" "${NOTLS[@]}" "docker://$BH/churn/oci:1"
auth_json "$WORK/run/containers/auth.json" "$BH" "$REG_BASIC_CREDS"
same_listing "basic: \$XDG_RUNTIME_DIR/containers/auth.json" "$WORK/churn.ls" "${NOTLS[@]}" "docker://$BH/churn/oci:1"
rm "$WORK/run/containers/auth.json"
auth_json "$WORK/home/.docker/config.json" "$BH" "$REG_BASIC_CREDS"
same_listing "basic: ~/.docker/config.json" "$WORK/churn.ls" "${NOTLS[@]}" "docker://$BH/churn/oci:1"
rm "$WORK/home/.docker/config.json"
auth_json "$WORK/bad-auth.json" "$BH" pare:wrong
AUTH=$WORK/bad-auth.json expect_exit "basic: a wrong password in REGISTRY_AUTH_FILE" 4 'UNAUTHORIZED' -- \
  pare_ ls "${NOTLS[@]}" "docker://$BH/churn/oci:1"
if run "basic: pack -o docker:// with --creds" pare_ pack "${NOTLS[@]}" --creds "$REG_BASIC_CREDS" "$B/hello" \
  -o "docker://$BH/pare/hello:v1"; then
  check "basic: ... pushes the same digest, which skopeo reads back" \
    '[ "$(wrote_digest)" = "$HELLO_DIGEST" ] && [ "$(registry_inspect "$BH/pare/hello:v1" | jq -r .Digest)" = "$HELLO_DIGEST" ]'
fi
expect_exit "basic: a push without credentials" 4 'UNAUTHORIZED' -- \
  pare_ pack "${NOTLS[@]}" "$B/hello" -o "docker://$BH/pare/anon:v1"

# ---------------------------------------------------------------- 4. token ---
registry_start tok token
TH=$REG_TOK_HOST
registry_push_archive "$OCI" "$TH/churn/oci:1"
expect_exit "token: no credentials" 4 'UNAUTHORIZED' -- pare_ ls "${NOTLS[@]}" "docker://$TH/churn/oci:1"
same_listing "token: pull with --creds" "$WORK/churn.ls" "${NOTLS[@]}" --creds "$REG_TOK_CREDS" "docker://$TH/churn/oci:1"
expect_exit "token: a wrong password (the token server's 401)" 4 '401' -- \
  pare_ ls "${NOTLS[@]}" --creds pare:wrong "docker://$TH/churn/oci:1"
if run "token: slim -o docker:// with --creds" pare_ slim "${NOTLS[@]}" --creds "$REG_TOK_CREDS" \
  "docker://$H/fat:1" -o "docker://$TH/pare/fat:slim"; then
  check "token: ... pushes the same digest, which skopeo reads back" \
    '[ "$(wrote_digest)" = "${SLIM_DIGEST:-}" ] && [ "$(registry_inspect "$TH/pare/fat:slim" | jq -r .Digest)" = "${SLIM_DIGEST:-}" ]'
fi
check "token: pare asked the token server for pull,push on pare/fat as pare" \
  'grep -q "scope=repository%3Apare%2Ffat%3Apull%2Cpush.* 200 user=pare " "$REG_TOK_TOKEN_LOG"'
expect_exit "token: a push to readonly/ (pull-only for pare)" 4 'DENIED|UNAUTHORIZED' -- \
  pare_ pack "${NOTLS[@]}" --creds "$REG_TOK_CREDS" "$B/hello" -o "docker://$TH/readonly/hello:v1"
check "token: ... left no manifest there" '! registry_inspect "$TH/readonly/hello:v1" >/dev/null 2>&1'

# ------------------------------------------------------------------ 5. tls ---
registry_start sec tls
SH=$REG_SEC_HOST
registry_push_archive "$OCI" "$SH/churn/oci:1"
expect_exit "tls: a private CA without --cert-dir" 4 'certificate' -- \
  pare_ ls --creds "$REG_SEC_CREDS" "docker://$SH/churn/oci:1"
same_listing "tls: --cert-dir REG_SEC_CERTDIR" "$WORK/churn.ls" --creds "$REG_SEC_CREDS" \
  --cert-dir "$REG_SEC_CERTDIR" "docker://$SH/churn/oci:1"
same_listing "tls: --tls-verify=false" "$WORK/churn.ls" --creds "$REG_SEC_CREDS" --tls-verify=false \
  "docker://$SH/churn/oci:1"
mkdir -p "$WORK/other-ca"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=other \
  -keyout "$WORK/other-ca/o.key" -out "$WORK/other-ca/other.crt" >/dev/null 2>&1
expect_exit "tls: --cert-dir with another CA" 4 'certificate' -- \
  pare_ ls --creds "$REG_SEC_CREDS" --cert-dir "$WORK/other-ca" "docker://$SH/churn/oci:1"
if run "tls: pack -o docker:// with --cert-dir" pare_ pack --creds "$REG_SEC_CREDS" --cert-dir "$REG_SEC_CERTDIR" \
  "$B/hello" -o "docker://$SH/pare/hello:v1"; then
  check "tls: ... pushes the same digest, which skopeo reads back" \
    '[ "$(wrote_digest)" = "$HELLO_DIGEST" ] && [ "$(registry_inspect "$SH/pare/hello:v1" | jq -r .Digest)" = "$HELLO_DIGEST" ]'
fi

# --------------------------------------------------------------- 6. faults ---
registry_inspect "$H/fat:1" --raw >"$WORK/fat-manifest.json"
BIG=$(jq -r '.layers | max_by(.size) | .digest' "$WORK/fat-manifest.json")
BIG_PATH=/v2/fat/blobs/$BIG
# An image with one uncompressed layer whose middle byte is in a file's data (2 MB of random
# bytes): only the digest can tell that it was changed.
noise 2000000 >"$WORK/random.bin"
run "pack --compression none -o docker://" pare_ pack "${NOTLS[@]}" --base scratch --compression none "$B/hello" \
  --add "$WORK/random.bin:/data/random.bin" -o "docker://$H/raw:1"
RAW=$(registry_inspect "$H/raw:1" --raw | jq -r '.layers | max_by(.size) | .digest')
registry_proxy_start drop "$H" drop-blob-once "$BIG"
registry_proxy_start r429 "$H" 429-once
registry_proxy_start r503 "$H" 503-once
registry_proxy_start bad "$H" corrupt-blob
registry_proxy_start badl "$H" corrupt-blob "$BIG"
registry_proxy_start badr "$H" corrupt-blob "$RAW"
registry_proxy_start via "$H" none

if run "drop-blob-once: analyze" pare_ analyze "${NOTLS[@]}" --format json "docker://$REG_DROP_HOST/fat:1"; then
  check "drop-blob-once: ... gives the same analysis" '[ "$(analysis "$WORK/out.txt")" = "$(analysis "$WORK/fat-remote.json")" ]'
fi
grep "^GET $BIG_PATH " "$REG_DROP_LOG" | cut -d' ' -f3- >"$WORK/drop.txt" || true
check "drop-blob-once: the big layer was cut, then resumed with a Range request (206): $(paste -sd, "$WORK/drop.txt")" \
  '[ "$(paste -sd, "$WORK/drop.txt")" = "200 drop-blob-once,206" ]'

# 429 and 503 at once (each costs a Retry-After: 1 per path).
pids=()
for code in 429 503; do
  host=REG_R${code}_HOST
  (
    t0=$(now)
    rc=0
    pare_ analyze "${NOTLS[@]}" --format json "docker://${!host}/fat:1" >"$WORK/r$code.json" 2>"$WORK/r$code.err" || rc=$?
    echo "$rc $(since "$t0")" >"$WORK/r$code.rc"
  ) &
  pids+=($!)
done
wait "${pids[@]}"
for code in 429 503; do
  log=REG_R${code}_LOG
  read -r rc secs <"$WORK/r$code.rc"
  check "$code-once: analyze succeeds (exit $rc, ${secs} s) with the same analysis" \
    '[ "$rc" = 0 ] && [ "$(analysis "$WORK/r$code.json")" = "$(analysis "$WORK/fat-remote.json")" ]'
  [ "$rc" = 0 ] || cat "$WORK/r$code.err"
  # Every refused request (the /v2/ ping aside) came again and was answered.
  refused=$(awk -v c="$code" '$3 == c && $2 != "/v2/" { print $1, $2 }' "${!log}" | sort -u)
  unretried=$(awk -v c="$code" '$3 == c && $2 != "/v2/" { want[$1 " " $2] = 1 }
    $3 ~ /^2/ && ($1 " " $2) in want { delete want[$1 " " $2] }
    END { for (k in want) print k }' "${!log}")
  n=$(grep -c . <<<"$refused" || true)
  check "$code-once: the manifest and each blob were refused once, then retried ($n requests)" \
    '[ "$n" -ge 4 ] && [ -z "$unretried" ] && grep -q "^GET /v2/fat/manifests/1 $code $code-once$" "${!log}"'
  check "$code-once: Retry-After: 1 honoured (${secs} s >= 1 s)" 'awk -v s="$secs" "BEGIN { exit !(s >= 1) }"'
done

expect_exit "corrupt-blob (the config): refused" 3 'digest mismatch' -- \
  pare_ ls "${NOTLS[@]}" "docker://$REG_BAD_HOST/fat:1"
expect_exit "corrupt-blob (an uncompressed layer): ls refused" 3 "layer 0 \\($RAW\\): digest mismatch" -- \
  pare_ ls "${NOTLS[@]}" "docker://$REG_BADR_HOST/raw:1"
mkdir -p "$WORK/outdir"
expect_exit "corrupt-blob (an uncompressed layer): slim -o FILE refused" 3 'digest mismatch' -- \
  pare_ slim "${NOTLS[@]}" "docker://$REG_BADR_HOST/raw:1" -o "$WORK/outdir/slim.tar"
check "corrupt-blob: ... and nothing is left in the output folder" '[ -z "$(ls -A "$WORK/outdir")" ]'
expect_exit "corrupt-blob (an uncompressed layer): slim -o docker:// refused" 3 'digest mismatch' -- \
  pare_ slim "${NOTLS[@]}" "docker://$REG_BADR_HOST/raw:1" -o "docker://$H/raw:corrupt"
check "corrupt-blob: ... and no manifest was pushed" \
  '[ "$(curl -s -o /dev/null -w "%{http_code}" -I "$REG_PLAIN_URL/v2/raw/manifests/corrupt")" = 404 ]'
# A gzip layer changed in the middle: the bytes do not match the digest, whatever else the
# decompressor notices first.
expect_exit "corrupt-blob (a gzip layer): analyze refused" 3 'digest mismatch' -- \
  pare_ analyze "${NOTLS[@]}" "docker://$REG_BADL_HOST/fat:1"
expect_exit "corrupt-blob (a gzip layer): slim -o FILE refused" 3 'digest mismatch' -- \
  pare_ slim "${NOTLS[@]}" "docker://$REG_BADL_HOST/fat:1" -o "$WORK/outdir/slim.tar"
check "corrupt-blob: ... and nothing is left in the output folder" '[ -z "$(ls -A "$WORK/outdir")" ]'

# ------------------------------------------------- 7. one download per blob ---
if run "via a proxy: slim" pare_ slim "${NOTLS[@]}" "docker://$REG_VIA_HOST/fat:1" -o "$WORK/via.tar"; then
  check "via a proxy: slim writes the same image" '[ "$(wrote_digest)" = "${SLIM_DIGEST:-}" ]'
fi
counts=$(jq -r '.config.digest, .layers[].digest' "$WORK/fat-manifest.json" | while read -r d; do
  grep -c "^GET /v2/fat/blobs/$d " "$REG_VIA_LOG" || true
done | paste -sd' ')
extra=$(awk '$1 == "GET" && $2 ~ /\/blobs\// { n[$2]++ } END { for (p in n) if (n[p] > 1) print p }' "$REG_VIA_LOG")
check "via a proxy: each blob (config, layers) downloaded exactly once: GETs $counts" \
  '[ "$(tr -d " 1" <<<"$counts")" = "" ] && [ -n "$counts" ] && [ -z "$extra" ]'

# ------------------------------------------------ 7b. chunks and mounts ---
# A layer past 16 MiB goes up in PATCH chunks and a closing PUT; blobs the source repository
# of the same registry has are mounted, not sent again.
registry_proxy_start up "$H" none
noise 20000000 >"$WORK/big.bin"
if run "pack of a 20 MB layer -o docker://" pare_ pack "${NOTLS[@]}" --compression none "$B/hello" \
  --add "$WORK/big.bin:/big.bin" -o "docker://$REG_UP_HOST/chunked:v1"; then
  CHUNKED=$(wrote_digest)
fi
run "pack of a 20 MB layer -o FILE" pare_ pack --compression none "$B/hello" --add "$WORK/big.bin:/big.bin" \
  -o "$WORK/chunked.tar"
check "chunked: the pushed digest is the file's" '[ -n "${CHUNKED:-}" ] && [ "$(wrote_digest)" = "$CHUNKED" ]'
check "chunked: the big layer went up in PATCH chunks, then a PUT" \
  'grep -q "^PATCH /v2/chunked/blobs/uploads/.* 202" "$REG_UP_LOG" && grep -q "^PUT /v2/chunked/blobs/uploads/.*digest=.* 201" "$REG_UP_LOG"'
check "chunked: skopeo copies it out by digest (every digest checked)" \
  'registry_pull "$H/chunked@${CHUNKED:-none}" "docker-archive:$WORK/chunked-pulled.tar"'
: >"$REG_UP_LOG"
if run "slim to a second repository of the same registry" pare_ slim "${NOTLS[@]}" "docker://$REG_UP_HOST/fat:1" \
  -o "docker://$REG_UP_HOST/fat2:slim"; then
  check "mount: the same digest as the first slim" '[ "$(wrote_digest)" = "${SLIM_DIGEST:-}" ]'
fi
check "mount: the blobs fat:slim put in fat were mounted from it (201), none uploaded" \
  'grep -q "^POST /v2/fat2/blobs/uploads/?mount=sha256:[0-9a-f]*&from=fat 201" "$REG_UP_LOG" &&
   ! grep -q "^PUT /v2/fat2/blobs/" "$REG_UP_LOG"'

# --------------------------------------------------------------- 8. timing ---
t0=$(now)
run "timing: pare slim docker:// -o docker://" pare_ slim -q "${NOTLS[@]}" "docker://$H/fat:1" -o "docker://$H/timing/direct:slim"
T_DIRECT=$(since "$t0")
t0=$(now)
rc=0
{
  registry_pull "$H/fat:1" "docker-archive:$WORK/in.tar" &&
    pare_ slim "$WORK/in.tar" -o "$WORK/out.tar" 2>"$WORK/err.txt" &&
    registry_push_archive "docker-archive:$WORK/out.tar" "$H/timing/skopeo:slim"
} >/dev/null 2>&1 || rc=$?
T_SKOPEO=$(since "$t0")
check "timing: skopeo copy, pare slim (the same digest from skopeo's docker-archive), skopeo copy (exit $rc)" \
  '[ "$rc" = 0 ] && [ "$(wrote_digest)" = "${SLIM_DIGEST:-}" ]'
echo "# timing: $(du -m "$FAT" | cut -f1) MB image: pare slim docker:// -o docker:// ${T_DIRECT} s;" \
  "skopeo copy + pare slim + skopeo copy ${T_SKOPEO} s"

check "pare left no temporary files in TMPDIR (after every run above, failed ones too)" '[ -z "$(ls -A "$WORK/tmp")" ]'
echo "registry e2e: $((SECONDS - START)) s"
finish
