# shellcheck shell=bash disable=SC1091,SC2016,SC2034  # conditions are eval strings
# Self-test of the registry harness (registry_lib.sh, registry_token_server.py,
# registry_proxy.py) with curl and skopeo only: pare itself is not run, so
#   bash tests/e2e/registry_harness.sh
# works without a build (CTest passes the pare path like for the other e2e tests; unused).
[ $# -ge 1 ] || set -- "$(cd "$(dirname "$0")/../.." && pwd)/pare-is-not-used"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
need curl jq skopeo sha256sum openssl cmp docker-registry
START=$SECONDS
make_fixtures

sha_of() { local h; h=$(sha256sum <"$1"); echo "sha256:${h%% *}"; }
size_of() { stat -c %s "$1"; }
# status CURL_ARGS...: CODE = the HTTP status (000 when there is none), CURL_RC = curl's exit
# code; headers in $WORK/h.txt, body in $WORK/b.bin.
status() {
  CURL_RC=0
  CODE=$(curl -sS --max-time 10 -D "$WORK/h.txt" -o "$WORK/b.bin" -w '%{http_code}' "$@" \
    2>"$WORK/curl.err") || CURL_RC=$?
}
header() { tr -d '\r' <"$WORK/h.txt" | grep -i "^$1:" | tail -1 | cut -d' ' -f2-; }
expect_status() {  # NAME CODE CURL_ARGS...
  local name=$1 code=$2
  shift 2
  status "$@"
  if [ "$CODE" = "$code" ]; then
    pass "$name ($code)"
  else
    fail "$name: HTTP $CODE, expected $code"
    cat "$WORK/b.bin" "$WORK/curl.err"
    echo
  fi
}
check() {  # NAME 'SHELL CONDITION': pass when it holds (evaluated here)
  if eval "$2"; then pass "$1"; else fail "$1"; fi
}
jwt_access() {  # TOKEN: the access claim as compact sorted JSON
  "$REG_PYTHON" -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.dumps(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["access"], sort_keys=True, separators=(",", ":")))' "$1"
}
ACCEPT=(-H "Accept: application/vnd.oci.image.manifest.v1+json"
  -H "Accept: application/vnd.docker.distribution.manifest.v2+json")

OCI=$FIXTURES/churn-oci-gzip.tar     # oci-archive
ZSTD=$FIXTURES/churn-oci-zstd.tar    # oci-archive, zstd layers
DOCKER=$FIXTURES/churn-docker25.tar  # docker-archive (manifest.json) with an OCI layout
OCI_DIGEST=$(tar -xOf "$OCI" index.json | jq -r '.manifests[0].digest')

# ---------------------------------------------------------------- plain ---
registry_start plain plain
check "plain: REG_PLAIN_HOST is 127.0.0.1:PORT" 'grep -qE "^127\.0\.0\.1:[0-9]+$" <<<"$REG_PLAIN_HOST"'
expect_status "plain: /v2/ without credentials" 200 "$REG_PLAIN_URL/v2/"
registry_push_archive "$OCI" "$REG_PLAIN_HOST/churn/oci:1"
check "plain: skopeo keeps the oci-archive's manifest digest" '[ "$REG_PUSHED_DIGEST" = "$OCI_DIGEST" ]'
check "plain: skopeo inspect gives the pushed digest" \
  '[ "$(registry_inspect "$REG_PLAIN_HOST/churn/oci:1" | jq -r .Digest)" = "$OCI_DIGEST" ]'
status "${ACCEPT[@]}" "$REG_PLAIN_URL/v2/churn/oci/manifests/1"
check "plain: Docker-Content-Digest is the manifest's sha256" \
  '[ "$(header Docker-Content-Digest)" = "$OCI_DIGEST" ] && [ "$(sha_of "$WORK/b.bin")" = "$OCI_DIGEST" ]'
cp "$WORK/b.bin" "$WORK/manifest.json"
blobs_ok=1
for d in $(jq -r '.config.digest, .layers[].digest' "$WORK/manifest.json"); do
  if ! curl -sS --fail "$REG_PLAIN_URL/v2/churn/oci/blobs/$d" -o "$WORK/blob" ||
    [ "$(sha_of "$WORK/blob")" != "$d" ]; then
    blobs_ok=
  fi
done
check "plain: every blob reads back with its digest" '[ -n "$blobs_ok" ]'
# The largest layer is the one the proxy tests below read.
BLOB=$(jq -r '.layers | max_by(.size) | .digest' "$WORK/manifest.json")
BLOB_SIZE=$(jq -r '.layers | max_by(.size) | .size' "$WORK/manifest.json")
BLOB_PATH=/v2/churn/oci/blobs/$BLOB
curl -sS --fail "$REG_PLAIN_URL$BLOB_PATH" -o "$WORK/blob.good"
head -c $((BLOB_SIZE / 2)) "$WORK/blob.good" >"$WORK/blob.half"
head -c 10 "$WORK/blob.good" >"$WORK/blob.10"

registry_push_archive "$DOCKER" "$REG_PLAIN_HOST/churn/docker:1"
registry_inspect "$REG_PLAIN_HOST/churn/docker:1" --raw >"$WORK/raw.json"
check "plain: docker-archive detected and pushed (digest $REG_PUSHED_DIGEST)" \
  '[ "$(sha_of "$WORK/raw.json")" = "$REG_PUSHED_DIGEST" ]'
check "plain: a docker-archive becomes a Docker v2s2 manifest" \
  '[ "$(jq -r .mediaType "$WORK/raw.json")" = application/vnd.docker.distribution.manifest.v2+json ]'

# ---------------------------------------------------------------- basic ---
registry_start basic basic
expect_status "basic: /v2/ without credentials" 401 "$REG_BASIC_URL/v2/"
check "basic: the challenge is Basic" '[ "$(header Www-Authenticate)" = "Basic realm=\"basic-realm\"" ]'
expect_status "basic: /v2/ as pare:secret" 200 -u "$REG_BASIC_CREDS" "$REG_BASIC_URL/v2/"
expect_status "basic: /v2/ with a wrong password" 401 -u pare:wrong "$REG_BASIC_URL/v2/"
registry_push_archive "$ZSTD" "$REG_BASIC_HOST/churn/zstd:1"
check "basic: skopeo push and inspect of a zstd oci-archive" \
  '[ "$(registry_inspect "$REG_BASIC_HOST/churn/zstd:1" | jq -r .Digest)" = "$REG_PUSHED_DIGEST" ]'
check "basic: skopeo with a wrong password is refused" \
  '! registry_push_archive "$OCI" "$REG_BASIC_HOST/churn/x:1" --dest-creds pare:wrong 2>/dev/null'

# ---------------------------------------------------------------- token ---
registry_start tok token
expect_status "token: /v2/ without a token" 401 "$REG_TOK_URL/v2/"
check "token: the challenge names the realm and service" \
  '[ "$(header Www-Authenticate)" = "Bearer realm=\"$REG_TOK_REALM\",service=\"$REG_TOK_SERVICE\"" ]'
expect_status "token: the token server refuses a wrong password" 401 -u pare:wrong \
  "$REG_TOK_REALM?service=$REG_TOK_SERVICE&scope=repository:churn/app:pull"
registry_push_archive "$OCI" "$REG_TOK_HOST/churn/app:1"
check "token: skopeo push and inspect" \
  '[ "$(registry_inspect "$REG_TOK_HOST/churn/app:1" | jq -r .Digest)" = "$REG_PUSHED_DIGEST" ]'
check "token: skopeo with a wrong password is refused" \
  '! registry_push_archive "$OCI" "$REG_TOK_HOST/churn/x:1" --dest-creds pare:wrong 2>/dev/null'
status -u "$REG_TOK_CREDS" "$REG_TOK_REALM?service=$REG_TOK_SERVICE&scope=repository:churn/app:pull,push"
check "token: the answer has token, access_token, expires_in 300, issued_at" \
  'jq -e "(.token | length > 0) and .access_token == .token and .expires_in == 300 and (.issued_at | test(\"^[0-9-]+T[0-9:]+Z$\"))" "$WORK/b.bin" >/dev/null'
TOKEN=$(registry_token "$REG_TOK_HOST" repository:churn/app:pull,push)
expect_status "token: an upload to the token's repository" 202 -X POST -H "Authorization: Bearer $TOKEN" \
  "$REG_TOK_URL/v2/churn/app/blobs/uploads/"
expect_status "token: an upload to another repository" 401 -X POST -H "Authorization: Bearer $TOKEN" \
  "$REG_TOK_URL/v2/churn/other/blobs/uploads/"
check "token: ... is refused for insufficient scope" 'grep -q "error=\"insufficient_scope\"" <<<"$(header Www-Authenticate)"'
TOKEN=$(registry_token "$REG_TOK_HOST" "repository:a/one:pull repository:a/two:pull,push" repository:a/three:pull)
repo() { printf '{"actions":%s,"name":"%s","type":"repository"}' "$2" "$1"; }
WANT="[$(repo a/one '["pull"]'),$(repo a/two '["pull","push"]'),$(repo a/three '["pull"]')]"
check "token: space-separated and repeated scopes are all granted" '[ "$(jwt_access "$TOKEN")" = "$WANT" ]'
TOKEN=$(registry_token "$REG_TOK_HOST" repository:readonly/x:pull,push)
WANT="[$(repo readonly/x '["pull"]')]"
check "token: readonly/ repositories are pull-only for pare" '[ "$(jwt_access "$TOKEN")" = "$WANT" ]'
registry_push_archive "$OCI" "$REG_TOK_HOST/public/app:1"
TOKEN=$(REG_TOKEN_USER='' registry_token "$REG_TOK_HOST" repository:public/app:pull,push \
  repository:churn/app:pull)
WANT="[$(repo public/app '["pull"]')]"
check "token: anonymous gets pull on public/ only" '[ "$(jwt_access "$TOKEN")" = "$WANT" ]'
expect_status "token: anonymous pull of public/app" 200 "${ACCEPT[@]}" -H "Authorization: Bearer $TOKEN" \
  "$REG_TOK_URL/v2/public/app/manifests/1"
expect_status "token: anonymous pull of churn/app" 401 "${ACCEPT[@]}" -H "Authorization: Bearer $TOKEN" \
  "$REG_TOK_URL/v2/churn/app/manifests/1"
check "token: requests are logged" 'grep -q "^GET /token?.* 200 user=pare " "$REG_TOK_TOKEN_LOG"'

# ------------------------------------------------------------------ tls ---
registry_start sec tls
expect_status "tls: /v2/ with the CA and credentials" 200 --cacert "$REG_SEC_CA" -u "$REG_SEC_CREDS" "$REG_SEC_URL/v2/"
expect_status "tls: /v2/ with the CA, no credentials" 401 --cacert "$REG_SEC_CA" "$REG_SEC_URL/v2/"
status "$REG_SEC_URL/v2/"
check "tls: without the CA curl refuses the certificate (exit 60)" '[ "$CURL_RC" = 60 ]'
check "tls: REG_SEC_CERTDIR/ca.crt is the CA" 'cmp -s "$REG_SEC_CERTDIR/ca.crt" "$REG_SEC_CA"'
check "tls: REG_SEC_CERTDIR is REG_SEC_CERTSD/HOST" '[ "$REG_SEC_CERTDIR" = "$REG_SEC_CERTSD/$REG_SEC_HOST" ]'
check "tls: the server certificate is for IP:127.0.0.1" \
  'openssl x509 -noout -ext subjectAltName -in "$REG_SEC_DIR/tls/server.crt" | grep -q "IP Address:127.0.0.1"'
registry_push_archive "$DOCKER" "$REG_SEC_HOST/churn/docker:1"
check "tls: skopeo push and inspect through --cert-dir" \
  '[ "$(registry_inspect "$REG_SEC_HOST/churn/docker:1" | jq -r .Digest)" = "$REG_PUSHED_DIGEST" ]'
check "tls: skopeo without the CA is refused" \
  '! registry_push_archive "$OCI" "$REG_SEC_HOST/churn/x:1" --dest-tls-verify=true 2>/dev/null'

# -------------------------------------------------------------- proxies ---
registry_proxy_start drop "$REG_PLAIN_HOST" drop-blob-once
registry_proxy_start r429 "$REG_PLAIN_HOST" 429-once
registry_proxy_start r503 "$REG_PLAIN_HOST" 503-once
registry_proxy_start bad "$REG_PLAIN_HOST" corrupt-blob
registry_proxy_start bad1 "$REG_PLAIN_HOST" corrupt-blob "$BLOB"
registry_proxy_start via "$REG_PLAIN_HOST" none
registry_proxy_start viab "$REG_BASIC_HOST" none

# drop-blob-once: half the body then a closed connection; then the whole blob.
status "$REG_DROP_URL$BLOB_PATH"
check "drop-blob-once: the first GET announces the full length ($BLOB_SIZE)" \
  '[ "$CODE" = 200 ] && [ "$(header Content-Length)" = "$BLOB_SIZE" ]'
check "drop-blob-once: ... and sends its first half (curl exit 18)" \
  '[ "$CURL_RC" = 18 ] && cmp -s "$WORK/b.bin" "$WORK/blob.half"'
status "$REG_DROP_URL$BLOB_PATH"
check "drop-blob-once: the second GET is whole" \
  '[ "$CODE" = 200 ] && [ "$CURL_RC" = 0 ] && [ "$(sha_of "$WORK/b.bin")" = "$BLOB" ]'
check "drop-blob-once: the log shows the drop then the retry" \
  '[ "$(grep -c "^GET $BLOB_PATH " "$REG_DROP_LOG")" = 2 ] && grep -q "^GET $BLOB_PATH 200 drop-blob-once$" "$REG_DROP_LOG"'
status -r 0-9 "$REG_DROP_URL$BLOB_PATH"
check "proxy: Range is forwarded (206, 10 bytes)" '[ "$CODE" = 206 ] && cmp -s "$WORK/b.bin" "$WORK/blob.10"'

# 429-once and 503-once: per path, the first request is refused with Retry-After: 1.
for fault in 429 503; do
  var=REG_R${fault}_URL log=REG_R${fault}_LOG
  expect_status "$fault-once: first /v2/" "$fault" "${!var}/v2/"
  check "$fault-once: Retry-After: 1" '[ "$(header Retry-After)" = 1 ]'
  expect_status "$fault-once: second /v2/" 200 "${!var}/v2/"
  expect_status "$fault-once: first GET of the manifest" "$fault" "${ACCEPT[@]}" "${!var}/v2/churn/oci/manifests/1"
  expect_status "$fault-once: second GET of the manifest" 200 "${ACCEPT[@]}" "${!var}/v2/churn/oci/manifests/1"
  check "$fault-once: the log shows the retry" \
    '[ "$(grep -c "^GET /v2/churn/oci/manifests/1 " "${!log}")" = 2 ] && grep -q "^GET /v2/ $fault $fault-once$" "${!log}"'
done
expect_status "429-once: a refused upload POST (its body drained)" 429 -X POST --data-binary @"$WORK/blob.good" \
  "$REG_R429_URL/v2/churn/up/blobs/uploads/"
expect_status "429-once: the retried POST" 202 -X POST --data-binary @"$WORK/blob.good" \
  "$REG_R429_URL/v2/churn/up/blobs/uploads/"

# corrupt-blob: same length, one byte flipped, every time.
for i in 1 2; do
  status "$REG_BAD_URL$BLOB_PATH"
  check "corrupt-blob: GET $i has the full length and another sha256" \
    '[ "$CODE" = 200 ] && [ "$(size_of "$WORK/b.bin")" = "$BLOB_SIZE" ] && [ "$(sha_of "$WORK/b.bin")" != "$BLOB" ]'
  check "corrupt-blob: GET $i differs in exactly one byte" '[ "$(cmp -l "$WORK/b.bin" "$WORK/blob.good" | wc -l)" = 1 ]'
done
# corrupt-blob limited to one blob (BLOB_DIGEST): that blob is corrupted, the others pass.
status "$REG_BAD1_URL$BLOB_PATH"
check "corrupt-blob BLOB: GET of BLOB has another sha256" '[ "$CODE" = 200 ] && [ "$(sha_of "$WORK/b.bin")" != "$BLOB" ]'
OTHER=$(jq -r .config.digest "$WORK/manifest.json")
status "$REG_BAD1_URL/v2/churn/oci/blobs/$OTHER"
check "corrupt-blob BLOB: GET of another blob is untouched" '[ "$CODE" = 200 ] && [ "$(sha_of "$WORK/b.bin")" = "$OTHER" ]'

# none: a faithful proxy for uploads (POST, PATCH, PUT), Location rewriting and auth headers.
registry_push_archive "$DOCKER" "$REG_VIA_HOST/via/app:1"
VIA_DIGEST=$REG_PUSHED_DIGEST
check "proxy: skopeo pushes through it (POST, PATCH, PUT logged)" \
  'grep -q "^POST /v2/via/app/blobs/uploads/ 202" "$REG_VIA_LOG" && grep -q "^PATCH /v2/via/app/blobs/uploads/" "$REG_VIA_LOG" &&
   grep -q "^PUT /v2/via/app/blobs/uploads/.*digest=sha256" "$REG_VIA_LOG" && grep -q "^PUT /v2/via/app/manifests/1 201" "$REG_VIA_LOG"'
check "proxy: the upstream has what went through it" \
  '[ "$(registry_inspect "$REG_PLAIN_HOST/via/app:1" | jq -r .Digest)" = "$VIA_DIGEST" ]'
registry_pull "$REG_VIA_HOST/churn/oci:1" "oci:$WORK/pulled:x"
check "proxy: skopeo pulls through it" '[ "$(jq -r ".manifests[0].digest" "$WORK/pulled/index.json")" = "$OCI_DIGEST" ]'
status -X POST "$REG_VIA_URL/v2/via/loc/blobs/uploads/"
LOCATION=$(header Location)
check "proxy: Location points at the proxy ($LOCATION)" '[ "${LOCATION#"$REG_VIA_URL/v2/via/loc/blobs/uploads/"}" != "$LOCATION" ]'
printf 'chunked body' >"$WORK/small"
expect_status "proxy: a chunked PATCH is forwarded" 202 -X PATCH -H "Transfer-Encoding: chunked" \
  -H "Content-Type: application/octet-stream" --data-binary @"$WORK/small" "$LOCATION"
LOCATION=$(header Location)
expect_status "proxy: the PUT that closes the upload" 201 -X PUT "$LOCATION&digest=$(sha_of "$WORK/small")"
expect_status "proxy: the blob is upstream" 200 "$REG_PLAIN_URL/v2/via/loc/blobs/$(sha_of "$WORK/small")"
expect_status "proxy: HEAD of a blob" 200 -I "$REG_VIA_URL$BLOB_PATH"
check "proxy: HEAD keeps Content-Length" '[ "$(header Content-Length)" = "$BLOB_SIZE" ]'
expect_status "proxy: Authorization forwarded (none sent)" 401 "$REG_VIAB_URL/v2/"
expect_status "proxy: Authorization forwarded (pare:secret)" 200 -u "$REG_VIAB_CREDS" "$REG_VIAB_URL/v2/"

echo "registry harness self-test: $((SECONDS - START)) s"
finish
