# shellcheck shell=bash
# Local OCI registries for the end-to-end tests: Debian's docker-registry (2.8) on 127.0.0.1,
# a token server and a fault-injecting proxy (Python), and skopeo as an independent client.
# Source it after lib.sh:
#
#   source "$(dirname "$0")/lib.sh"
#   source "$(dirname "$0")/registry_lib.sh"
#   registry_start hub basic                  # REG_HUB_HOST=127.0.0.1:PORT, ...
#   registry_push_archive "$FIXTURES/churn-oci-gzip.tar" "$REG_HUB_HOST/app:1"
#   registry_proxy_start flaky "$REG_HUB_HOST" drop-blob-once   # REG_FLAKY_HOST, REG_FLAKY_LOG
#
# NAME is [A-Za-z][A-Za-z0-9_]*; the variables use it upper-cased (hub -> REG_HUB_HOST).
# Every file lives under $WORK. Servers are killed on EXIT before lib.sh's own trap (which is
# kept and run after) removes $WORK, and they die with the test shell even when it is killed
# (PR_SET_PDEATHSIG). A script that sets its own EXIT trap must do so before starting servers.
#
# registry_start NAME MODE        MODE: plain (http, no auth), basic (htpasswd, bcrypt),
#                                 token (Bearer tokens from registry_token_server.py), tls
#                                 (https, a CA made here, server cert for IP:127.0.0.1, basic
#                                 auth). User $REG_USER ("pare"), password $REG_PASSWORD
#                                 ("secret"). Sets (exported):
#   REG_<NAME>_HOST     127.0.0.1:PORT
#   REG_<NAME>_URL      http://HOST or https://HOST
#   REG_<NAME>_MODE     the mode
#   REG_<NAME>_CREDS    pare:secret, empty in plain mode
#   REG_<NAME>_DIR      its folder (config.yml, storage/, registry.log, ...)
#   REG_<NAME>_LOG      the registry's log (its access log included)
#   REG_<NAME>_PID      the registry's pid
#   tls:   REG_<NAME>_CA       the CA certificate (PEM)
#          REG_<NAME>_CERTDIR  a folder holding ca.crt, for --cert-dir (it is
#                              REG_<NAME>_CERTSD/HOST, so REG_<NAME>_CERTSD is a certs.d root)
#   token: REG_<NAME>_REALM    the token endpoint (http://127.0.0.1:PORT/token)
#          REG_<NAME>_SERVICE  the service name the registry asks tokens for
#          REG_<NAME>_TOKEN_LOG  one line per token request (path, status, user, granted access)
# registry_proxy_start NAME UPSTREAM_HOST FAULT [BLOB_DIGEST]
#                                 FAULT: none, drop-blob-once, 429-once, 503-once, corrupt-blob
#                                 (see registry_proxy.py); BLOB_DIGEST limits drop-blob-once and
#                                 corrupt-blob to that blob. UPSTREAM is an http registry from
#                                 registry_start. Sets REG_<NAME>_HOST, _URL, _MODE (the
#                                 upstream's), _CREDS, _DIR, _PID and _LOG=$WORK/proxy-NAME.log
#                                 (one line per request: METHOD TARGET STATUS [FAULT]). The
#                                 proxy is not probed, so its first request is the test's own.
# registry_stop NAME              kills that server (and its token server)
# registry_push_archive ARCHIVE REF [skopeo copy flags...]
#                                 skopeo copy of a docker-archive (has manifest.json) or
#                                 oci-archive file, or of an explicit TRANSPORT:REF, to
#                                 docker://REF, with the TLS and credential flags REF's registry
#                                 needs (unless the flags given set them). Sets REG_PUSHED_DIGEST.
# registry_pull REF DEST [skopeo copy flags...]   skopeo copy docker://REF to DEST (e.g. oci:DIR:tag)
# registry_inspect REF [skopeo inspect flags...]  skopeo inspect docker://REF (JSON on stdout)
# registry_skopeo ARGS...         skopeo with HOME, XDG dirs and TMPDIR under $WORK, so that it
#                                 writes nothing elsewhere (not even its blob-info cache)
# registry_curl_auth HOST         prints curl options for HOST: --cacert for tls, -u for auth
#                                 modes (not for token mode: use registry_token)
# registry_token HOST SCOPE...    prints a token for HOST (token mode) with the given scopes,
#                                 as $REG_USER; REG_TOKEN_USER= (empty) asks anonymously

REG_USER=pare
REG_PASSWORD=secret
# Debian's interpreter (with python3-cryptography and python3-bcrypt), not one that a
# pyenv or venv puts first on PATH.
if [ -z "${REG_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then REG_PYTHON=/usr/bin/python3; else REG_PYTHON=python3; fi
fi
REGISTRY_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -gA _REG_MODE_OF_HOST=() _REG_CERTDIR_OF_HOST=() _REG_REALM_OF_HOST=() _REG_SERVICE_OF_HOST=()
declare -gA _REG_PIDS_OF_NAME=()
_REG_PIDS=()
_REG_PREV_EXIT_TRAP=
REG_START_TIMEOUT=${REG_START_TIMEOUT:-20}

_registry_die() { echo "registry_lib: $*" >&2; return 1; }

_registry_cleanup() {
  local pid alive
  [ ${#_REG_PIDS[@]} -gt 0 ] || return 0
  kill -TERM "${_REG_PIDS[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    alive=
    for pid in "${_REG_PIDS[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    [ -n "$alive" ] || break
    sleep 0.05
  done
  kill -KILL "${_REG_PIDS[@]}" 2>/dev/null || true
  for pid in "${_REG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  _REG_PIDS=()
}

# Kill our servers first, then run whatever EXIT trap was there (lib.sh's rm -rf "$WORK").
_registry_arm_trap() {
  local current words=()
  current=$(trap -p EXIT)
  case $current in *_registry_cleanup*) return 0 ;; esac
  if [ -n "$current" ]; then eval "words=($current)"; fi
  _REG_PREV_EXIT_TRAP=${words[2]:-}
  trap '_registry_cleanup; eval "$_REG_PREV_EXIT_TRAP"' EXIT
}

_registry_check_name() {
  [[ $1 =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] || _registry_die "bad name '$1' (want [A-Za-z][A-Za-z0-9_]*)"
}

# _registry_set NAME FIELD VALUE: export REG_<NAME>_<FIELD>=VALUE
_registry_set() { declare -gx "REG_${1^^}_$2=$3"; }

# _registry_export NAME HOST URL MODE DIR LOG PID: what every server started exports, and its
# credentials (none for a plain registry).
_registry_export() {
  _registry_set "$1" HOST "$2"
  _registry_set "$1" URL "$3"
  _registry_set "$1" MODE "$4"
  _registry_set "$1" DIR "$5"
  _registry_set "$1" LOG "$6"
  _registry_set "$1" PID "$7"
  if [ "$4" = plain ]; then
    _registry_set "$1" CREDS ""
  else
    _registry_set "$1" CREDS "$REG_USER:$REG_PASSWORD"
  fi
}

_registry_free_port() {
  "$REG_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _registry_spawn LOG CMD...: CMD in the background, killed when this shell dies; sets _REG_PID.
_registry_spawn() {
  local log=$1 parent=$BASHPID  # (inside the & job, $BASHPID would be the job's own)
  shift
  "$REG_PYTHON" -c 'import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])' "$parent" "$@" >"$log" 2>&1 </dev/null &
  _REG_PID=$!
  _REG_PIDS+=("$_REG_PID")
}

# _registry_wait_file FILE PID WHAT: until FILE exists, PID dies or the timeout.
_registry_wait_file() {
  local deadline=$((SECONDS + REG_START_TIMEOUT))
  while [ ! -s "$1" ]; do
    kill -0 "$2" 2>/dev/null || _registry_die "$3 exited while starting" || return 1
    [ "$SECONDS" -lt "$deadline" ] || _registry_die "$3 did not start in ${REG_START_TIMEOUT}s" || return 1
    sleep 0.02
  done
}

_registry_need_bcrypt() {
  "$REG_PYTHON" -c 'import bcrypt' 2>/dev/null && return 0
  # shellcheck disable=SC2016  # "$2" is Python's
  "$REG_PYTHON" -W ignore -c 'import crypt, sys; h = crypt.crypt("x", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)); sys.exit(0 if h and h.startswith("$2") else 1)' 2>/dev/null ||
    skip "no bcrypt for htpasswd (install python3-bcrypt)"
}

# _registry_htpasswd FILE: $REG_USER with a bcrypt hash of $REG_PASSWORD, cost 4 (the registry
# checks it on every request: the default cost 10-12 would cost ~100 ms each).
_registry_htpasswd() {
  "$REG_PYTHON" -W ignore - "$REG_USER" "$REG_PASSWORD" >"$1" <<'EOF' || _registry_die "cannot make a bcrypt hash"
import sys
user, password = sys.argv[1], sys.argv[2]
try:
    import bcrypt
    h = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
except ImportError:
    import crypt
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
if not h or not h.startswith("$2"):
    sys.exit(3)
print("%s:%s" % (user, h))
EOF
}

# _registry_make_tls DIR: DIR/ca.{key,crt}, DIR/server.{key,crt} (SAN IP:127.0.0.1).
_registry_make_tls() {
  local d=$1
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$d/server.ext"
  if ! {
    openssl req -x509 -new "${ec[@]}" -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
      -subj "/CN=pare e2e test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" &&
      openssl req -new "${ec[@]}" -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" &&
      openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$d/server.ext" -out "$d/server.crt"
  } >"$d/openssl.log" 2>&1; then
    cat "$d/openssl.log" >&2
    _registry_die "openssl failed"
    return 1
  fi
}

# _registry_config FILE DIR PORT NONCE MODE [REALM SERVICE ISSUER]
_registry_config() {
  local file=$1 dir=$2 port=$3 nonce=$4 mode=$5
  {
    echo "version: 0.1"
    echo "log: {level: info, formatter: text}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: \"$dir/storage\"}"
    echo "  delete: {enabled: true}"
    echo "  maintenance: {uploadpurging: {enabled: false}}"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: $nonce"
    echo "  headers:"
    echo "    X-Content-Type-Options: [nosniff]"
    echo "    X-Pare-Registry: [\"$nonce\"]"
    if [ "$mode" = tls ]; then
      echo "  tls: {certificate: \"$dir/tls/server.crt\", key: \"$dir/tls/server.key\"}"
    fi
    case $mode in
      basic | tls)
        echo "auth:"
        echo "  htpasswd: {realm: basic-realm, path: \"$dir/htpasswd\"}"
        ;;
      token)
        echo "auth:"
        echo "  token:"
        echo "    realm: \"$6\""
        echo "    service: \"$7\""
        echo "    issuer: \"$8\""
        echo "    rootcertbundle: \"$dir/token/token.crt\""
        ;;
    esac
  } >"$file"
}

# _registry_probe URL NONCE [CA]: /v2/ answers with our nonce header (401 counts).
_registry_probe() {
  local headers
  headers=$(curl -sS --max-time 1 -o /dev/null -D - ${3:+--cacert "$3"} "$1/v2/" 2>/dev/null) || return 1
  grep -qi "^X-Pare-Registry: $2"$'\r'"\?$" <<<"$headers"
}

registry_start() {
  [ $# -eq 2 ] || _registry_die "usage: registry_start NAME plain|basic|token|tls" || return 2
  local name=$1 mode=$2
  _registry_check_name "$name" || return 2
  case $mode in
    plain | basic | token | tls) ;;
    *) _registry_die "unknown mode '$mode' (plain, basic, token, tls)"; return 2 ;;
  esac
  need docker-registry curl "$REG_PYTHON"
  case $mode in
    basic) _registry_need_bcrypt ;;
    tls) _registry_need_bcrypt; need openssl ;;
    token) "$REG_PYTHON" -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed" ;;
  esac
  _registry_arm_trap
  local dir=$WORK/registry-$name
  [ ! -e "$dir" ] || _registry_die "registry '$name' was already started" || return 2
  mkdir -p "$dir/storage"
  local pids=() scheme=http ca='' realm='' service='' issuer=''
  case $mode in
    basic) _registry_htpasswd "$dir/htpasswd" || return 1 ;;
    tls)
      scheme=https
      mkdir -p "$dir/tls"
      _registry_htpasswd "$dir/htpasswd" || return 1
      _registry_make_tls "$dir/tls" || return 1
      ca=$dir/tls/ca.crt
      ;;
    token)
      service=pare-e2e-registry-$name
      issuer=pare-e2e-token-issuer
      mkdir -p "$dir/token"
      _registry_spawn "$dir/token/server.log" "$REG_PYTHON" "$REGISTRY_LIB_DIR/registry_token_server.py" \
        --dir "$dir/token" --service "$service" --issuer "$issuer"
      pids+=("$_REG_PID")
      _registry_wait_file "$dir/token/port" "$_REG_PID" "token server for '$name'" ||
        { cat "$dir/token/server.log" >&2; return 1; }
      realm=http://127.0.0.1:$(cat "$dir/token/port")/token
      ;;
  esac
  local attempt port nonce url started=''
  for attempt in 1 2 3 4 5; do
    port=$(_registry_free_port)
    nonce=$name-$BASHPID-$RANDOM$RANDOM-$attempt
    url=$scheme://127.0.0.1:$port
    _registry_config "$dir/config.yml" "$dir" "$port" "$nonce" "$mode" "$realm" "$service" "$issuer"
    _registry_spawn "$dir/registry.log" docker-registry serve "$dir/config.yml"
    local pid=$_REG_PID deadline=$((SECONDS + REG_START_TIMEOUT))
    while :; do
      if _registry_probe "$url" "$nonce" "$ca"; then
        started=1
        break
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        break
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        kill "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.02
    done
    [ -z "$started" ] || break
    # Someone else took the port between our probe and the registry's bind: try another.
    grep -q 'address already in use' "$dir/registry.log" || break
    cp "$dir/registry.log" "$dir/registry.log.$attempt"
  done
  if [ -z "$started" ]; then
    tail -20 "$dir/registry.log" >&2
    _registry_die "registry '$name' ($mode) did not answer on $url/v2/"
    return 1
  fi
  pids+=("$pid")
  local host=127.0.0.1:$port
  _REG_MODE_OF_HOST[$host]=$mode
  _REG_PIDS_OF_NAME[$name]="${pids[*]}"
  _registry_export "$name" "$host" "$url" "$mode" "$dir" "$dir/registry.log" "$pid"
  if [ "$mode" = tls ]; then
    mkdir -p "$dir/certs.d/$host"
    cp "$ca" "$dir/certs.d/$host/ca.crt"
    _REG_CERTDIR_OF_HOST[$host]=$dir/certs.d/$host
    _registry_set "$name" CA "$ca"
    _registry_set "$name" CERTDIR "$dir/certs.d/$host"
    _registry_set "$name" CERTSD "$dir/certs.d"
  fi
  if [ "$mode" = token ]; then
    _REG_REALM_OF_HOST[$host]=$realm
    _REG_SERVICE_OF_HOST[$host]=$service
    _registry_set "$name" REALM "$realm"
    _registry_set "$name" SERVICE "$service"
    _registry_set "$name" TOKEN_LOG "$dir/token/requests.log"
  fi
}

registry_proxy_start() {
  [ $# -eq 3 ] || [ $# -eq 4 ] ||
    _registry_die "usage: registry_proxy_start NAME UPSTREAM_HOST FAULT [BLOB_DIGEST]" || return 2
  local name=$1 upstream=$2 fault=$3 blob=${4:-}
  _registry_check_name "$name" || return 2
  case $fault in
    none | drop-blob-once | 429-once | 503-once | corrupt-blob) ;;
    *) _registry_die "unknown fault '$fault'"; return 2 ;;
  esac
  local mode=${_REG_MODE_OF_HOST[$upstream]:-}
  [ -n "$mode" ] || _registry_die "$upstream is not a registry started by registry_start" || return 2
  [ "$mode" != tls ] || _registry_die "the proxy speaks http: its upstream cannot be a tls registry" || return 2
  need "$REG_PYTHON"
  _registry_arm_trap
  local dir=$WORK/proxy-$name log=$WORK/proxy-$name.log
  [ ! -e "$dir" ] || _registry_die "proxy '$name' was already started" || return 2
  mkdir -p "$dir"
  _registry_spawn "$dir/server.log" "$REG_PYTHON" "$REGISTRY_LIB_DIR/registry_proxy.py" \
    --upstream "$upstream" --fault "$fault" --blob "$blob" --dir "$dir" --log "$log"
  local pid=$_REG_PID
  _registry_wait_file "$dir/port" "$pid" "proxy '$name'" || { cat "$dir/server.log" >&2; return 1; }
  local host
  host=127.0.0.1:$(cat "$dir/port")
  _REG_MODE_OF_HOST[$host]=$mode
  _REG_REALM_OF_HOST[$host]=${_REG_REALM_OF_HOST[$upstream]:-}
  _REG_SERVICE_OF_HOST[$host]=${_REG_SERVICE_OF_HOST[$upstream]:-}
  _REG_PIDS_OF_NAME[$name]=$pid
  _registry_export "$name" "$host" "http://$host" "$mode" "$dir" "$log" "$pid"
}

registry_stop() {
  local pids pid
  pids=${_REG_PIDS_OF_NAME[$1]:-}
  [ -n "$pids" ] || _registry_die "no server named '$1'" || return 2
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for pid in $pids; do wait "$pid" 2>/dev/null || true; done
  unset "_REG_PIDS_OF_NAME[$1]"
}

registry_skopeo() {
  need skopeo
  local home=$WORK/skopeo-home
  mkdir -p "$home/run" "$home/tmp" && chmod 700 "$home/run"
  # As root, containers/image keeps its blob-info cache in /var/lib/containers; a non-zero
  # _CONTAINERS_ROOTLESS_UID moves it to $XDG_DATA_HOME.
  env HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    XDG_RUNTIME_DIR="$home/run" XDG_CACHE_HOME="$home/cache" TMPDIR="$home/tmp" \
    _CONTAINERS_ROOTLESS_UID=1000 skopeo --insecure-policy "$@"
}

# _registry_flags HOST PREFIX FLAGS...: _REG_FLAGS = the TLS and credential flags (--PREFIX...)
# that HOST's mode needs, except those FLAGS already set.
_registry_flags() {
  local host=$1 p=$2 f tls='' creds=''
  shift 2
  local mode=${_REG_MODE_OF_HOST[$host]:-}
  [ -n "$mode" ] || _registry_die "$host is not a registry started by registry_start" || return 2
  for f in "$@"; do
    case $f in
      --"${p}"tls-verify* | --"${p}"cert-dir*) tls=1 ;;
      --"${p}"creds* | --"${p}"no-creds | --"${p}"authfile* | --"${p}"username* | --"${p}"password* | --"${p}"registry-token*) creds=1 ;;
    esac
  done
  _REG_FLAGS=()
  if [ -z "$tls" ]; then
    if [ "$mode" = tls ]; then
      _REG_FLAGS+=("--${p}cert-dir" "${_REG_CERTDIR_OF_HOST[$host]}")
    else
      _REG_FLAGS+=("--${p}tls-verify=false")
    fi
  fi
  if [ -z "$creds" ] && [ "$mode" != plain ]; then
    _REG_FLAGS+=("--${p}creds" "$REG_USER:$REG_PASSWORD")
  fi
}

# _registry_log_run LOG CMD...: run CMD with its output in LOG, shown on failure.
_registry_log_run() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
}

registry_push_archive() {
  [ $# -ge 2 ] || _registry_die "usage: registry_push_archive ARCHIVE REF [skopeo flags...]" || return 2
  local archive=$1 ref=${2#docker://} src listing
  shift 2
  case $archive in
    docker-archive:* | oci-archive:* | oci:* | dir:* | docker://*) src=$archive ;;
    *)
      [ -f "$archive" ] || _registry_die "no archive $archive" || return 2
      listing=$(tar -tf "$archive") || _registry_die "$archive is not a tar" || return 2
      if grep -qxE '(\./)?manifest\.json' <<<"$listing"; then
        src=docker-archive:$archive
      else
        src=oci-archive:$archive
      fi
      ;;
  esac
  _registry_flags "${ref%%/*}" dest- "$@" || return 2
  mkdir -p "$WORK/registry-skopeo"
  local digestfile=$WORK/registry-skopeo/pushed.digest
  rm -f "$digestfile"
  _registry_log_run "$WORK/registry-skopeo/push.log" registry_skopeo copy --retry-times 0 \
    --digestfile "$digestfile" "${_REG_FLAGS[@]}" "$@" "$src" "docker://$ref" || return 1
  # shellcheck disable=SC2034  # for the caller
  REG_PUSHED_DIGEST=$(cat "$digestfile")
}

registry_pull() {
  [ $# -ge 2 ] || _registry_die "usage: registry_pull REF DEST [skopeo flags...]" || return 2
  local ref=${1#docker://} dest=$2
  shift 2
  _registry_flags "${ref%%/*}" src- "$@" || return 2
  mkdir -p "$WORK/registry-skopeo"
  _registry_log_run "$WORK/registry-skopeo/pull.log" registry_skopeo copy --retry-times 0 \
    "${_REG_FLAGS[@]}" "$@" "docker://$ref" "$dest"
}

registry_inspect() {
  [ $# -ge 1 ] || _registry_die "usage: registry_inspect REF [skopeo flags...]" || return 2
  local ref=${1#docker://}
  shift
  _registry_flags "${ref%%/*}" "" "$@" || return 2
  registry_skopeo inspect --retry-times 0 "${_REG_FLAGS[@]}" "$@" "docker://$ref"
}

registry_curl_auth() {
  local host=$1 mode=${_REG_MODE_OF_HOST[$1]:-}
  [ -n "$mode" ] || _registry_die "$host is not a registry started by registry_start" || return 2
  if [ "$mode" = tls ]; then printf '%s\n' --cacert "${_REG_CERTDIR_OF_HOST[$host]}/ca.crt"; fi
  case $mode in basic | tls) printf '%s\n' -u "$REG_USER:$REG_PASSWORD" ;; esac
}

registry_token() {
  local host=$1 realm=${_REG_REALM_OF_HOST[$1]:-} scope
  shift
  [ -n "$realm" ] || _registry_die "$host is not a token-mode registry" || return 2
  local args=(-sS --fail --max-time 10 -G --data-urlencode "service=${_REG_SERVICE_OF_HOST[$host]}")
  for scope in "$@"; do args+=(--data-urlencode "scope=$scope"); done
  local user=${REG_TOKEN_USER-$REG_USER}
  if [ -n "$user" ]; then args+=(-u "$user:$REG_PASSWORD"); fi
  curl "${args[@]}" "$realm" | "$REG_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
