#!/usr/bin/env bash
# make-app-images.sh OUTDIR
#
# Real application images, built the ordinary way: ONE Debian 12 (bookworm)
# minbase root filesystem made by mmdebstrap from deb.debian.org with the
# packages the apps need, as the base layer of every image, and one small
# app layer per image on top.  Writes into OUTDIR (OCI archives, gzip layers):
#   nginx.tar        the Debian package's nginx (nginx-light) and /etc/nginx
#   python-app.tar   /app/main.py: json, hashlib, sqlite3, ssl
#   cxx-locale.tar   a C++ program: std::locale("C.UTF-8"), iconv, getpwnam
#   plugin.tar       a C host that dlopen()s the plugin named in /etc/app.conf
#                    (the plugin links zlib, the host does not)
#   go-workdir.tar   a static Go program run as user gopher in /home/gopher
#   NAME.run         what NAME's main run prints (see apps-README.md)
#   NAME.args        the arguments of that run, one a line (empty: the image's Cmd)
#   base.packages    "package version" of every package in the base, sorted
#   timings          seconds taken by mmdebstrap and by the whole script
# See apps-README.md next to this script.
#
# OUTDIR is a cache: when OUTDIR/.complete holds the key of this script, of
# image-lib.sh and of apps/* (their sha256), nothing is made again.  Two
# callers at once are serialized by a lock on OUTDIR/.lock.
#
# Needs root (mmdebstrap --mode=root, chroot, layer owners) and network
# access to deb.debian.org; tools: mmdebstrap, g++, gcc, go (golang-go),
# zlib headers (zlib1g-dev), unshare, mount, chroot, GNU tar, gzip,
# sha256sum, coreutils.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  echo "$0: needs root (mmdebstrap --mode=root, chroot, numeric owners)" >&2
  exit 1
fi

umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APPS=$HERE/apps
# shellcheck source-path=SCRIPTDIR source=image-lib.sh
. "$HERE/image-lib.sh"

die() { echo "$0: $*" >&2; exit 1; }

for t in mmdebstrap g++ gcc go readelf unshare mount chroot flock tar gzip sha256sum awk; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
[[ -f /usr/include/zlib.h ]] || die "missing zlib headers (zlib1g-dev)"

OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# ------------------------------------------------------------------ cache ---

KEY=$(cat "${BASH_SOURCE[0]}" "$HERE/image-lib.sh" "$APPS"/* | sha256sum | cut -d' ' -f1)
exec 9>"$OUTDIR/.lock"
flock 9
if [[ -f $OUTDIR/.complete && $(cat "$OUTDIR/.complete") == "$KEY" ]]; then
  echo "app images in $OUTDIR are up to date (key ${KEY:0:12})"
  exit 0
fi
rm -f "$OUTDIR/.complete"

T0=$(date +%s.%N)
WORK=$(mktemp -d "$OUTDIR/.make-app-images.XXXXXX")
cleanup() {
  # a truth run that died may leave its mounts; unshare's namespace took them with it
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC2034  # read by image-lib.sh
IL_WORK=$WORK
# 2024-01-02T03:04:05Z: the mtime of every entry, the config's "created" and
# mmdebstrap's SOURCE_DATE_EPOCH
IL_EPOCH=1704164645
IL_CREATED=2024-01-02T03:04:05Z
[[ $(date -u -d "@$IL_EPOCH" +%FT%TZ) == "$IL_CREATED" ]] || die "epoch and created disagree"

SUITE=bookworm
MIRROR=http://deb.debian.org
BASE_PKGS=nginx-light,python3,libstdc++6,zlib1g,ca-certificates
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APP_NAMES=(nginx python-app cxx-locale plugin go-workdir)

mkdir -p "$WORK/layers" "$WORK/src" "$WORK/raw"

# ------------------------------------------------------------- the base ---

# Debian 12 minbase with merged /usr (the hook installs usr-is-merged, not
# usrmerge and its perl), no Recommends, no manuals, docs (but copyrights)
# or translations.  dpkg's database stays: status and info/*.list.
BASE=$WORK/base
T1=$(date +%s.%N)
SOURCE_DATE_EPOCH=$IL_EPOCH mmdebstrap --mode=root --variant=minbase --include="$BASE_PKGS" \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  "$SUITE" "$BASE" \
  "deb $MIRROR/debian $SUITE main" \
  "deb $MIRROR/debian $SUITE-updates main" \
  "deb $MIRROR/debian-security $SUITE-security main" \
  >"$WORK/raw/mmdebstrap.log" 2>&1 || { tail -30 "$WORK/raw/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
T2=$(date +%s.%N)

# What a container runtime provides is not in an image: the device nodes
# mmdebstrap made in /dev, and the host's /etc/resolv.conf it copied.
find "$BASE/dev" -mindepth 1 -delete
rm -f "$BASE/etc/resolv.conf" "$BASE/etc/hostname" "$BASE/etc/hosts"
[[ -f $BASE/var/lib/dpkg/status ]] || die "base: no /var/lib/dpkg/status"
compgen -G "$BASE/var/lib/dpkg/info/*.list" >/dev/null || die "base: no dpkg info/*.list"
for f in usr/sbin/nginx usr/bin/python3 usr/lib/locale/C.utf8/LC_CTYPE \
  usr/lib/x86_64-linux-gnu/gconv/ISO8859-1.so etc/ssl/certs/ca-certificates.crt; do
  [[ -e $BASE/$f ]] || die "base: no /$f"
done
# shellcheck disable=SC2016  # dpkg-query's format, not the shell's
chroot "$BASE" dpkg-query -W -f='${Package} ${Version}\n' | sort >"$WORK/raw/base.packages"

# app_layer NAME ROOT: ROOT's whole tree as $WORK/layers/NAME.tar (+ .gz),
# with image-lib.sh's conventions but the owners kept (numeric): il_layer
# makes every entry 0:0, and a Debian root has root:shadow /etc/shadow,
# root:adm /var/log/nginx, and the go image a /home/gopher of 1000:1000.
app_layer() {
  local root=$2 out=$WORK/layers/$1.tar
  chmod 0755 "$root"
  il_tree_list "$root" >"$WORK/layers/$1.list"
  tar -C "$root" --force-local --sort=name "--mtime=@$IL_EPOCH" --numeric-owner \
    -b 1 --no-recursion --verbatim-files-from \
    --format=posix --pax-option=delete=atime,delete=ctime \
    -T "$WORK/layers/$1.list" -cf "$out"
  gzip -n -9 -c <"$out" >"$out.gz"
}
app_layer base "$BASE"

# ------------------------------------------------------------- programs ---

# Built in SRC with relative names and no -g, so no host path is in them.
SRC=$WORK/src
cp "$APPS"/* "$SRC/"
cc_() { (cd "$SRC" && "$@") >"$WORK/raw/cc.err" 2>&1 || { cat "$WORK/raw/cc.err" >&2; die "compile failed: $*"; }; }
cc_ g++ -std=c++17 -O2 -Wall -Wextra -o cxx-locale locale.cpp
cc_ gcc -O2 -Wall -Wextra -o host host.c
cc_ gcc -O2 -Wall -Wextra -shared -fPIC -o compress.so compress.c -lz
cc_ env GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" HOME="$WORK" GO111MODULE=off GOFLAGS= \
  CGO_ENABLED=0 GOOS=linux GOARCH=amd64 \
  go build -trimpath -buildvcs=false -ldflags=-buildid= -o go-workdir main.go
readelf -dW "$SRC/host" | grep -q 'NEEDED.*libz' && die "host links zlib"
readelf -dW "$SRC/compress.so" | grep -q 'NEEDED.*\[libz\.so\.1\]' || die "compress.so does not need libz.so.1"
readelf -lW "$SRC/go-workdir" | grep -q INTERP && die "go-workdir is not static"

# ----------------------------------------------------------- app layers ---

put() { # ROOT PATH MODE CONTENT
  mkdir -p "$(dirname "$1/$2")"
  printf '%s' "$4" >"$1/$2"
  chmod "$3" "$1/$2"
}
install_() { # ROOT PATH MODE FILE
  mkdir -p "$(dirname "$1/$2")"
  cp "$4" "$1/$2"
  chmod "$3" "$1/$2"
}
L=$WORK/app

# nginx: as the official image, the logs go to the container's stdout and
# stderr, and a page of its own
mkdir -p "$L/nginx/var/log/nginx"
chown 0:4 "$L/nginx/var/log/nginx"; chmod 0755 "$L/nginx/var/log/nginx"
ln -s /dev/stdout "$L/nginx/var/log/nginx/access.log"
ln -s /dev/stderr "$L/nginx/var/log/nginx/error.log"
put "$L/nginx" var/www/html/index.html 0644 $'<!doctype html>\n<title>pare</title>\n<p>nginx fixture of pare</p>\n'

install_ "$L/python-app" app/main.py 0644 "$SRC/main.py"
install_ "$L/cxx-locale" usr/local/bin/app 0755 "$SRC/cxx-locale"
install_ "$L/plugin" usr/local/bin/host 0755 "$SRC/host"
install_ "$L/plugin" usr/lib/app/plugins/compress.so 0644 "$SRC/compress.so"
put "$L/plugin" etc/app.conf 0644 $'# plugin host configuration\nplugin=/usr/lib/app/plugins/compress.so\n'

# go-workdir: what "useradd -m -u 1000 gopher" leaves (passwd, group, shadow,
# gshadow rewritten; the home directory), and the program
G=$L/go-workdir
mkdir -p "$G/etc" "$G/home/gopher" "$G/usr/local/bin"
for f in passwd group shadow gshadow; do cp -p "$BASE/etc/$f" "$G/etc/$f"; done
grep -q ':1000:' "$G/etc/passwd" && die "base already has uid 1000"
echo 'gopher:x:1000:1000::/home/gopher:/bin/sh' >>"$G/etc/passwd"
echo 'gopher:x:1000:' >>"$G/etc/group"
echo "gopher:!:$((IL_EPOCH / 86400)):0:99999:7:::" >>"$G/etc/shadow"
echo 'gopher:!::' >>"$G/etc/gshadow"
chown 1000:1000 "$G/home/gopher"; chmod 0755 "$G/home/gopher"
install_ "$G" usr/local/bin/go-workdir 0755 "$SRC/go-workdir"

for a in "${APP_NAMES[@]}"; do app_layer "$a" "$L/$a"; done

# --------------------------------------------------------------- images ---

# app_config ENTRYPOINT_JSON CMD_JSON WORKDIR USER [EXTRA_MEMBERS] [ENV...]
app_config() {
  local ep=$1 cmd=$2 wd=$3 user=$4 extra=$5; shift 5
  printf '{"User":%s,%s"Env":%s,"Entrypoint":%s,"Cmd":%s,"WorkingDir":%s}' \
    "$(il_json_str "$user")" "${extra:+$extra,}" "$(il_json_arr "$PATH_ENV" "$@")" "$ep" "$cmd" \
    "$(il_json_str "$wd")"
}
declare -A CFG BY ARGS
CFG[nginx]=$(app_config '["/usr/sbin/nginx"]' "$(il_json_arr -g 'daemon off;')" "" "" \
  '"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT"')
CFG[python-app]=$(app_config "$(il_json_arr python3 /app/main.py)" null /app "" "" LANG=C.UTF-8)
CFG[cxx-locale]=$(app_config '["/usr/local/bin/app"]' null "" "" "")
CFG[plugin]=$(app_config '["/usr/local/bin/host"]' null "" "" "")
CFG[go-workdir]=$(app_config '["/usr/local/bin/go-workdir"]' null /home/gopher gopher "")
BY[nginx]="RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log # and COPY index.html /var/www/html/"
BY[python-app]="COPY main.py /app/main.py"
BY[cxx-locale]="COPY app /usr/local/bin/app # g++ -O2 locale.cpp"
BY[plugin]="COPY host compress.so app.conf # gcc -O2 host.c; gcc -shared -fPIC compress.c -lz"
BY[go-workdir]="RUN useradd -m -u 1000 gopher # and COPY go-workdir /usr/local/bin/ (CGO_ENABLED=0 go build)"
# the main run: nginx checks its configuration (it prints on stderr), the others run their Cmd
ARGS[nginx]="-t"

BY_BASE="ADD rootfs.tar / # mmdebstrap --variant=minbase $SUITE --include=$BASE_PKGS"
for a in "${APP_NAMES[@]}"; do
  rm -rf "$WORK/oci"
  il_oci_image "$WORK/oci" amd64 "" "${CFG[$a]}" "$WORK/layers/base.tar|$BY_BASE" \
    "$WORK/layers/$a.tar|${BY[$a]}"
  il_pack "$WORK/oci" "$WORK/raw/$a.tar"
done

# ---------------------------------------------------------------- truths ---

# The layer tars are extracted in order into one tree (base, then each app
# layer; only go-workdir's changes a base file, and it comes last), and each
# program runs there under chroot, in a private mount namespace with the
# host's /dev and a /proc (nginx logs to /dev/stderr), with the config's Env
# and nothing else, from its WorkingDir, as its User.  Exit 0 is required,
# and an empty stderr for all but nginx (whose -t prints there).
V=$WORK/verify
mkdir -p "$V"
tar -C "$V" --force-local --numeric-owner --same-owner -p -xf "$WORK/layers/base.tar"
run_truth() { # NAME WORKDIR USERSPEC STDOUT STDERR ARG... (the ARGs: entrypoint and cmd)
  local name=$1 wd=${2:-/} us=$3 out=$4 err=$5; shift 5
  local env=("$PATH_ENV")
  [[ $name == python-app ]] && env+=(LANG=C.UTF-8)
  # shellcheck disable=SC2016  # both scripts are expanded by the shells they are given to
  unshare --mount --propagation private -- bash -c '
    set -euo pipefail
    v=$1 us=$2; shift 2
    mount --rbind /dev "$v/dev"
    mount -t proc proc "$v/proc"
    if [[ -n $us ]]; then
      exec chroot --userspec="$us" --groups="${us#*:}" "$v" /usr/bin/env -i "$@"
    fi
    exec chroot "$v" /usr/bin/env -i "$@"' \
    run "$V" "$us" "${env[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$wd" "$@" \
    >"$out" 2>"$err"
}
truth() { # NAME WORKDIR USERSPEC ARG...
  local a=$1 wd=$2 us=$3 rc=0; shift 3
  tar -C "$V" --force-local --numeric-owner --same-owner -p -xf "$WORK/layers/$a.tar"
  run_truth "$a" "$wd" "$us" "$WORK/raw/$a.out" "$WORK/raw/$a.err" "$@" || rc=$?
  if [[ $rc -ne 0 ]]; then
    cat "$WORK/raw/$a.out" "$WORK/raw/$a.err" >&2
    die "$a: the source program exited $rc"
  fi
  if [[ $a == nginx ]]; then
    [[ ! -s $WORK/raw/$a.out ]] || die "nginx -t printed on stdout: $(cat "$WORK/raw/$a.out")"
    cp "$WORK/raw/$a.err" "$WORK/raw/$a.run"
  else
    [[ ! -s $WORK/raw/$a.err ]] || die "$a printed on stderr: $(cat "$WORK/raw/$a.err")"
    cp "$WORK/raw/$a.out" "$WORK/raw/$a.run"
  fi
  [[ -s $WORK/raw/$a.run ]] || die "$a printed nothing"
  if [[ -n ${ARGS[$a]:-} ]]; then printf '%s\n' "${ARGS[$a]}"; fi >"$WORK/raw/$a.args"
}
truth nginx / "" /usr/sbin/nginx -t
truth python-app /app "" python3 /app/main.py
truth cxx-locale / "" /usr/local/bin/app
truth plugin / "" /usr/local/bin/host
truth go-workdir /home/gopher 1000:1000 /usr/local/bin/go-workdir
grep -q 'test is successful' "$WORK/raw/nginx.run" || die "nginx -t: $(cat "$WORK/raw/nginx.run")"
grep -qx 'ssl ok' "$WORK/raw/python-app.run" || die "python-app: no 'ssl ok'"
grep -qx 'cwd /home/gopher' "$WORK/raw/go-workdir.run" || die "go-workdir: not run in /home/gopher"

# -------------------------------------------------------------- outputs ---

for a in "${APP_NAMES[@]}"; do
  for x in tar run args; do mv "$WORK/raw/$a.$x" "$OUTDIR/$a.$x"; done
done
mv "$WORK/raw/base.packages" "$OUTDIR/base.packages"
T3=$(date +%s.%N)
awk -v a="$T1" -v b="$T2" -v c="$T0" -v d="$T3" 'BEGIN { printf "mmdebstrap %.0f\ntotal %.0f\n", b - a, d - c }' >"$OUTDIR/timings"
echo "$KEY" >"$OUTDIR/.complete"
echo "made ${#APP_NAMES[@]} app images in $OUTDIR (mmdebstrap $(sed -n 's/^mmdebstrap //p' "$OUTDIR/timings") s, total $(sed -n 's/^total //p' "$OUTDIR/timings") s)"
