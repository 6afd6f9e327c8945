#!/usr/bin/env bash
# make-loader-images.sh OUTDIR
#
# Builds container images whose entrypoint is a real program with real
# shared libraries, for testing pare's emulation of the glibc and musl
# dynamic loaders.  For each case it writes
#   OUTDIR/<case>.tar       an OCI image archive (oci-layout, index.json,
#                           blobs/sha256/...; one or two gzip layers)
#   OUTDIR/<case>.expected  what the real loader reports for the entrypoint
#                           in the image's own filesystem, normalized, sorted
#   OUTDIR/<case>.run       what the program prints when run under chroot
#                           (only for cases where it runs)
# See loader-README.md next to this script for every case and the format.
#
# The loader is run (under chroot) in a tree unpacked from the very layer
# tars that go into the image, so the tree it sees is the packed tree.
#
# Needs root (chroot, unshare) and: gcc, musl-tools, gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross, qemu-user-static, libcurl4-openssl-dev, dash,
# binutils (readelf), GNU tar, gzip, coreutils.  Debian 12 amd64 host.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  echo "$0: needs root (chroot and unshare run the real loaders)" >&2
  exit 1
fi

umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=image-lib.sh
. "$HERE/image-lib.sh"

die() { echo "$0: $*" >&2; exit 1; }

need=(gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static readelf ldconfig ldd unshare tar gzip sha256sum)
for t in "${need[@]}"; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
[[ -f /usr/include/x86_64-linux-gnu/curl/curl.h || -f /usr/include/curl/curl.h ]] ||
  die "missing curl headers (libcurl4-openssl-dev)"
[[ -f /usr/lib/x86_64-linux-musl/libc.so ]] || die "missing musl (/usr/lib/x86_64-linux-musl/libc.so)"
[[ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ]] || die "missing libc6-arm64-cross"

UNSHARE=$(command -v unshare)
QEMU=$(command -v qemu-aarch64-static)
HOSTLIB=/usr/lib/x86_64-linux-gnu          # where the host's amd64 libraries really are
CROSSLIB=/usr/aarch64-linux-gnu/lib        # the arm64 cross libraries
MUSL_LIBC=/usr/lib/x86_64-linux-musl/libc.so

OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-loader-images.XXXXXX")
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"' EXIT

# shellcheck disable=SC2034  # read by image-lib.sh
IL_WORK=$WORK
# shellcheck disable=SC2034
IL_EPOCH=1700000000
# shellcheck disable=SC2034
IL_CREATED=2023-11-14T22:13:20Z
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SRC=$WORK/src
mkdir -p "$SRC" "$WORK/root" "$WORK/verify" "$WORK/layers" "$WORK/raw" "$WORK/oci"

COUNT=0

# ---------------------------------------------------------------- sources ---

cat >"$SRC/netuser.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <curl/curl.h>

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  printf("curl: %s\n", curl_version());

  struct addrinfo hints, *res, *p;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo("localhost", NULL, &hints, &res);
  if (rc != 0) {
    printf("localhost: getaddrinfo: %s\n", gai_strerror(rc));
  } else {
    /* print sorted: getaddrinfo's own order depends on the host's network */
    char *addrs[16];
    int n = 0;
    for (p = res; p && n < 16; p = p->ai_next) {
      char buf[INET6_ADDRSTRLEN];
      const void *a = p->ai_family == AF_INET
          ? (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
          : (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
      inet_ntop(p->ai_family, a, buf, sizeof buf);
      addrs[n++] = strdup(buf);
    }
    freeaddrinfo(res);
    qsort(addrs, n, sizeof addrs[0], cmp);
    for (int i = 0; i < n; i++)
      if (i == 0 || strcmp(addrs[i], addrs[i - 1]) != 0) printf("localhost: %s\n", addrs[i]);
  }

  struct passwd *pw = getpwnam("nobody");
  if (pw)
    printf("nobody: uid=%u gid=%u home=%s shell=%s\n", (unsigned)pw->pw_uid,
           (unsigned)pw->pw_gid, pw->pw_dir, pw->pw_shell);
  else
    printf("nobody: not found\n");
  return 0;
}
EOF

# hello.c: prints MSG (a -D macro)
cat >"$SRC/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts(MSG); return 0; }
EOF

# a library with one function NAME_hello returning MSG
cat >"$SRC/lib1.c" <<'EOF'
const char *FN(void) { return MSG; }
EOF

# liba: a_hello calls libb's b_hello
cat >"$SRC/liba.c" <<'EOF'
#include <stdio.h>
const char *b_hello(void);
const char *a_hello(void) {
  static char buf[128];
  snprintf(buf, sizeof buf, "liba, calling libb: %s", b_hello());
  return buf;
}
EOF

# prog1.c: prints what FN (a library function) returns
cat >"$SRC/prog1.c" <<'EOF'
#include <stdio.h>
const char *FN(void);
int main(void) { printf("%s: %s\n", WHO, FN()); return 0; }
EOF

# chroot-exec ROOT DIR [VAR=VALUE...] -- PROG [ARG...]: chroot(ROOT),
# chdir(DIR), then execve PROG with exactly the VARs as its environment.
# A static host helper, so that variables meant for the image's loader
# (LD_TRACE_LOADED_OBJECTS, LD_LIBRARY_PATH) never reach a host loader, as
# they would through a dynamically linked chroot(1) or env(1).
cat >"$SRC/chroot-exec.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *envp[64];
  int i, n = 0;
  if (argc < 5) { fputs("usage: chroot-exec ROOT DIR [VAR=VALUE...] -- PROG [ARG...]\n", stderr); return 125; }
  for (i = 3; i < argc && strcmp(argv[i], "--") != 0 && n < 63; i++) envp[n++] = argv[i];
  envp[n] = NULL;
  if (i >= argc - 1) { fputs("chroot-exec: no PROG\n", stderr); return 125; }
  if (chroot(argv[1]) != 0) { perror("chroot-exec: chroot"); return 125; }
  if (chdir(argv[2]) != 0) { perror("chroot-exec: chdir"); return 125; }
  execve(argv[i + 1], argv + i + 1, envp);
  perror("chroot-exec: execve");
  return 127;
}
EOF

# Compile in SRC with relative source names so nothing host-specific ends up
# in the output (no -g; STT_FILE symbols carry the bare source name).
cc_() { (cd "$SRC" && "$@"); }

# ------------------------------------------------------------ tree helpers ---

# resolve_in_root ROOT PATH   PATH with every symlink followed inside ROOT
# (absolute targets start at ROOT, .. stops at ROOT); prints the result.
resolve_in_root() {
  local root=$1 rest=${2#/} out="" comp t n=0
  while [[ -n $rest ]]; do
    comp=${rest%%/*}
    if [[ $rest == */* ]]; then rest=${rest#*/}; else rest=""; fi
    case $comp in
      "" | .) continue ;;
      ..) out=${out%/*}; continue ;;
    esac
    if [[ -L $root$out/$comp ]]; then
      ((++n <= 40)) || die "symlink loop resolving $2 in $root"
      t=$(readlink "$root$out/$comp")
      if [[ $t == /* ]]; then out=""; rest=${t#/}${rest:+/$rest}; else rest=$t${rest:+/$rest}; fi
    else
      out=$out/$comp
    fi
  done
  printf '%s' "${out:-/}"
}

# put PATH MODE CONTENT       a file in ROOT
put() { mkdir -p "$(dirname "$ROOT/$1")"; printf '%s' "$3" >"$ROOT/$1"; chmod "$2" "$ROOT/$1"; }
# sym TARGET PATH             symlink ROOT/PATH -> TARGET
sym() { mkdir -p "$(dirname "$ROOT/$2")"; ln -s "$1" "$ROOT/$2"; }

# etc_base: /etc/passwd, group, nsswitch.conf, hosts (distroless' passwd and
# group; an nsswitch.conf that names only the services built into glibc 2.36)
etc_base() {
  put etc/passwd 0644 $'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n'
  put etc/group 0644 $'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n'
  put etc/nsswitch.conf 0644 $'passwd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n\nhosts:          files dns\nnetworks:       files\n'
  put etc/hosts 0644 $'127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
}

# Debian's ld.so.conf (libc-bin) and conf.d files (libc-bin, libc6)
etc_ldconf() {
  put etc/ld.so.conf 0644 $'include /etc/ld.so.conf.d/*.conf\n\n'
  put etc/ld.so.conf.d/libc.conf 0644 $'# libc default configuration\n/usr/local/lib\n'
  put etc/ld.so.conf.d/x86_64-linux-gnu.conf 0644 $'# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n'
}

# run_ldconfig: build ROOT/etc/ld.so.cache with the host's ldconfig
# (it must add nothing else: no SONAME links, no /var/cache/ldconfig/aux-cache)
run_ldconfig() {
  local before
  before=$(tree_manifest "$ROOT")
  ldconfig -r "$ROOT" 2>"$WORK/raw/$CASE.ldconfig.err" || die "$CASE: ldconfig failed"
  [[ -f $ROOT/etc/ld.so.cache ]] || die "$CASE: ldconfig wrote no cache"
  [[ "$(tree_manifest "$ROOT" | grep -v '^etc/ld\.so\.cache|')" == "$before" ]] ||
    die "$CASE: ldconfig changed the tree beyond /etc/ld.so.cache"
}

# host_libs FILE...   the host libraries FILEs need (basenames, from the
# host's ldd), excluding the loader; case libraries (not found on the host)
# are skipped.
host_libs() {
  local f
  for f in "$@"; do
    env -i /usr/bin/ldd "$f" | awk '
      $2 == "=>" && $3 ~ "^/(usr/)?lib/x86_64-linux-gnu/" { n = split($3, p, "/"); print p[n] }'
  done | LC_ALL=C sort -u
}

# copy_lib SRCDIR NAME DESTDIR   copy NAME from SRCDIR with every symlink on
# the way (libcurl.so.4 -> libcurl.so.4.8.0); modes kept.
copy_lib() {
  local src=$1 n=$2 dst=$3 t
  mkdir -p "$dst"
  while :; do
    if [[ -L $src/$n ]]; then
      t=$(readlink "$src/$n")
      [[ $t != */* ]] || die "copy_lib: $src/$n -> $t leaves its directory"
      [[ -e $dst/$n || -L $dst/$n ]] || ln -s "$t" "$dst/$n"
      n=$t
    else
      [[ -f $src/$n ]] || die "copy_lib: no $src/$n"
      cp --preserve=mode "$src/$n" "$dst/$n"
      return
    fi
  done
}

# Debian 12 merged-/usr skeleton for amd64 with the loader:
#   bin -> usr/bin, lib -> usr/lib, lib64 -> usr/lib64,
#   usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2,
#   usr/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
merged_skel() {
  mkdir -p "$ROOT/usr/bin" "$ROOT/usr/lib/x86_64-linux-gnu" "$ROOT/usr/lib64"
  sym usr/bin bin; sym usr/lib lib; sym usr/lib64 lib64
  copy_lib "$HOSTLIB" ld-linux-x86-64.so.2 "$ROOT/usr/lib/x86_64-linux-gnu"
  sym /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 usr/lib64/ld-linux-x86-64.so.2
}
# merged_libs FILE...  copy the host closure of FILEs to usr/lib/x86_64-linux-gnu
merged_libs() {
  local n
  for n in $(host_libs "$@"); do copy_lib "$HOSTLIB" "$n" "$ROOT/usr/lib/x86_64-linux-gnu"; done
}

# compile a C program into ROOT: cprog CC OUT(path in ROOT) SRC [args...]
cprog() {
  local cc=$1 out=$2 src=$3; shift 3
  mkdir -p "$(dirname "$ROOT$out")"
  cc_ "$cc" -O2 -o "$ROOT$out" "$src" "$@"
}
# a shared library: clib CC OUTDIR(in ROOT) FILE SONAME SRC [args...]
clib() {
  local cc=$1 dir=$2 file=$3 soname=$4 src=$5; shift 5
  mkdir -p "$ROOT$dir"
  cc_ "$cc" -O2 -shared -fPIC "-Wl,-soname,$soname" -o "$ROOT$dir/$file" "$src" "$@"
  chmod 0644 "$ROOT$dir/$file"
}

# -------------------------------------------------------- finishing a case ---

# Each case sets, then calls finish_case:
#   CASE ROOT            name and staged tree
#   C_ARCH C_VARIANT     config architecture / variant
#   C_PROG               the entrypoint (absolute path in the image)
#   C_WORKDIR            config WorkingDir
#   C_ENV                array: config Env (also the environment the loader
#                        and the program run with)
#   C_KIND               glibc | musl | static
#   C_LIST               the ELF the loader lists (default C_PROG)
#   C_LAYER2             space-separated path prefixes that make layer 2
#                        ("" = one layer)
#   C_BY1 C_BY2          history created_by of the layers
#   C_RUNS               yes: write .run; no: the program must fail to start
new_case() {
  CASE=$1
  ROOT=$WORK/root/$CASE
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  C_ARCH=amd64 C_VARIANT="" C_PROG="" C_WORKDIR=/ C_ENV=("$PATH_ENV") C_KIND=glibc
  C_LIST="" C_LAYER2="" C_BY1="" C_BY2="" C_RUNS=yes
  rm -f "$OUTDIR/$CASE.tar" "$OUTDIR/$CASE.expected" "$OUTDIR/$CASE.run"
}

# tree_manifest DIR   one line a path: type, mode, owner, size, link, sha256
tree_manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%P|%y|%m|%U:%G|%s|%l\n' | LC_ALL=C sort) | while IFS= read -r l; do
    if [[ ${l#*|} == f\|* ]]; then printf '%s|%s\n' "$l" "$(il_sha "$1/${l%%|*}")"; else printf '%s\n' "$l"; fi
  done
}

# normalize OUT ERR INTERP   -> the .expected lines (unsorted) on stdout
normalize() {
  awk -v interp="$3" '
    { sub(/^[ \t]+/, "") }
    /^$/ { next }
    $2 == "=>" && $3 == "not" && $4 == "found" { print "missing " $1; next }
    $2 == "=>" && $4 ~ /^\(0x[0-9a-f]+\)$/ { print "lib " $1 " " $3; next }
    $1 ~ /^\// && $2 ~ /^\(0x[0-9a-f]+\)$/ { if ($1 != interp) print "lib " $1 " " $1; next }
    $1 ~ /^linux-vdso/ && $2 ~ /^\(0x/ { next }
    $1 ~ /^\(0x[0-9a-f]+\)$/ && NF == 1 { next }   # qemu: vdso with no name
    { print "UNEXPECTED " $0 }' "$1"
  # musl reports a library it cannot find on stderr and carries on
  awk '
    /^Error loading shared library / { n = $5; sub(/:$/, "", n); print "missing " n; next }
    /^Error relocating / { next }
    /^$/ { next }
    { print "UNEXPECTED-STDERR " $0 }' "$2"
}

# run_loader V RAW INTERP [VAR=VALUE...] -- ARG...: run the image's loader
# INTERP under chroot V (through qemu for arm64) with the case's Env plus
# the VARs; RAW.out, RAW.err, RAW.rc.
run_loader() {
  local v=$1 raw=$2 interp=$3 extra=() rc=0; shift 3
  while [[ $1 != -- ]]; do extra+=("$1"); shift; done; shift
  local cmd=("$interp" "$@")
  [[ $C_ARCH == arm64 ]] && cmd=(/qemu-aarch64-static "${cmd[@]}")
  [[ $C_ARCH == arm64 ]] && cp "$QEMU" "$v/qemu-aarch64-static"
  env -i "$CHEXEC" "$v" / "${C_ENV[@]}" "${extra[@]}" -- "${cmd[@]}" >"$raw.out" 2>"$raw.err" || rc=$?
  rm -f "$v/qemu-aarch64-static"
  echo "$rc" >"$raw.rc"
}

finish_case() {
  [[ -n $C_LIST ]] || C_LIST=$C_PROG
  chown -hR 0:0 "$ROOT"

  # 1. layers
  local L=$WORK/layers/$CASE layers=()
  if [[ -n $C_LAYER2 ]]; then
    il_split_layers "$ROOT" "$C_LAYER2" "$L-1.list" "$L-2.list"
    [[ -s $L-1.list && -s $L-2.list ]] || die "$CASE: empty layer"
    il_layer "$ROOT" "$L-1.list" "$L-1.tar"; layers+=("$L-1.tar|$C_BY1")
    il_layer "$ROOT" "$L-2.list" "$L-2.tar"; layers+=("$L-2.tar|$C_BY2")
  else
    il_tree_list "$ROOT" >"$L-1.list"
    il_layer "$ROOT" "$L-1.list" "$L-1.tar"; layers+=("$L-1.tar|$C_BY1")
  fi

  # 2. unpack the layers, in order, into V: the tree the loader runs in
  local V=$WORK/verify/$CASE l
  rm -rf "$V"; mkdir -p "$V"
  for l in "${layers[@]}"; do
    tar -C "$V" --force-local --numeric-owner --same-owner -p -xf "${l%%|*}"
  done
  chmod 0755 "$V"
  [[ "$(tree_manifest "$ROOT")" == "$(tree_manifest "$V")" ]] ||
    die "$CASE: unpacked layers differ from the staged tree"
  tree_manifest "$V" >"$WORK/raw/$CASE.manifest"

  # 3. expected
  local elf interp="" raw=$WORK/raw/$CASE rc
  elf=$V$(resolve_in_root "$V" "$C_LIST")
  [[ -f $elf ]] || die "$CASE: $C_LIST is not a file in the tree"
  interp=$(readelf -lW "$elf" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
  if [[ $C_KIND == static ]]; then
    [[ -z $interp ]] || die "$CASE: static program has PT_INTERP $interp"
    # cross-check with the host's ldd on amd64 (it runs the host loader)
    if [[ $C_ARCH == amd64 ]]; then
      env -i /usr/bin/ldd "$elf" >"$raw.ldd" 2>&1 || true
      grep -Eq 'not a dynamic executable|statically linked' "$raw.ldd" ||
        die "$CASE: host ldd does not call it static: $(cat "$raw.ldd")"
    fi
    echo static >"$OUTDIR/$CASE.expected"
  else
    [[ -n $interp ]] || die "$CASE: dynamic program without PT_INTERP"
    local exp=$OUTDIR/$CASE.expected
    if [[ $C_KIND == glibc ]]; then
      # (a) ldd's way: LD_TRACE_LOADED_OBJECTS=1 LOADER PROG.  A library that
      #     cannot be found is listed as "NAME => not found", exit 0.
      run_loader "$V" "$raw.trace" "$interp" LD_TRACE_LOADED_OBJECTS=1 -- "$C_LIST"
      [[ $(cat "$raw.trace.rc") == 0 && ! -s $raw.trace.err ]] ||
        die "$CASE: traced loader failed: $(cat "$raw.trace.out" "$raw.trace.err")"
      { echo "interp $interp"; normalize "$raw.trace.out" "$raw.trace.err" "$interp"; } |
        LC_ALL=C sort >"$exp"
      # (b) LOADER --list PROG must agree; glibc 2.36's --list does not fake
      #     "not found" entries but stops at the first missing library
      #     (exit 127, "error while loading shared libraries: NAME: ...").
      run_loader "$V" "$raw.list" "$interp" -- --list "$C_LIST"
      rc=$(cat "$raw.list.rc")
      if [[ $rc == 0 ]]; then
        [[ ! -s $raw.list.err ]] || die "$CASE: --list wrote to stderr: $(cat "$raw.list.err")"
        [[ "$( { echo "interp $interp"; normalize "$raw.list.out" "$raw.list.err" "$interp"; } | LC_ALL=C sort)" == "$(cat "$exp")" ]] ||
          die "$CASE: --list and LD_TRACE_LOADED_OBJECTS disagree"
      else
        local miss
        miss=$(sed -n 's/.*error while loading shared libraries: \([^:]*\): .*/\1/p' "$raw.list.err")
        if ! [[ $rc == 127 && -n $miss ]] || ! grep -Fqx "missing $miss" "$exp"; then
          die "$CASE: --list failed (rc $rc) for another reason: $(cat "$raw.list.out" "$raw.list.err")"
        fi
      fi
      cp "$raw.trace.out" "$raw.out"
    else
      # musl: LOADER --list PROG (what musl's ldd is); a library it cannot
      # find is an "Error loading shared library NAME: ..." line on stderr,
      # and it exits 127 after listing the rest.
      run_loader "$V" "$raw" "$interp" -- --list "$C_LIST"
      rc=$(cat "$raw.rc")
      [[ $rc == 0 ]] || { [[ $rc == 127 ]] && grep -q '^Error loading shared library ' "$raw.err"; } ||
        die "$CASE: musl loader failed (rc $rc): $(cat "$raw.out" "$raw.err")"
      { echo "interp $interp"; normalize "$raw.out" "$raw.err" "$interp"; } | LC_ALL=C sort >"$exp"
    fi
    if grep -q '^UNEXPECTED' "$exp"; then
      die "$CASE: unrecognized loader output: $(grep '^UNEXPECTED' "$exp")"
    fi
    awk '{print $1}' "$raw.out" | grep -Fqx -- "$interp" ||
      die "$CASE: the loader did not list itself as $interp"
  fi
  [[ "$(tree_manifest "$V")" == "$(cat "$WORK/raw/$CASE.manifest")" ]] ||
    die "$CASE: running the loader changed the tree"

  # 4. run the program for real under chroot, in WorkingDir, with the
  #    config's Env and /proc mounted (in a private mount namespace; a
  #    container always has /proc)
  mkdir "$V/proc"
  [[ $C_ARCH == arm64 ]] && cp "$QEMU" "$V/qemu-aarch64-static"
  local runcmd=("$C_PROG")
  [[ $C_ARCH == arm64 ]] && runcmd=(/qemu-aarch64-static "$C_PROG")
  rc=0
  env -i "$UNSHARE" --fork --pid --mount-proc="$V/proc" \
    "$CHEXEC" "$V" "$C_WORKDIR" "${C_ENV[@]}" -- "${runcmd[@]}" >"$raw.run" 2>"$raw.run.err" || rc=$?
  rm -f "$V/qemu-aarch64-static"
  rmdir "$V/proc"
  if [[ $C_RUNS == yes ]]; then
    [[ $rc -eq 0 && ! -s $raw.run.err ]] ||
      die "$CASE: the program failed (rc $rc): $(cat "$raw.run" "$raw.run.err")"
    cp "$raw.run" "$OUTDIR/$CASE.run"
  else
    [[ $rc -ne 0 ]] || die "$CASE: the program was expected to fail but ran"
  fi

  # 5. the image
  local env_json cfgobj lay=$WORK/oci/$CASE
  env_json=$(il_json_arr "${C_ENV[@]}")
  cfgobj=$(printf '{"Env":%s,"Entrypoint":%s,"WorkingDir":%s}' \
    "$env_json" "$(il_json_arr "$C_PROG")" "$(il_json_str "$C_WORKDIR")")
  rm -rf "$lay"
  il_oci_image "$lay" "$C_ARCH" "$C_VARIANT" "$cfgobj" "${layers[@]}"
  il_pack "$lay" "$OUTDIR/$CASE.tar"
  COUNT=$((COUNT + 1))
}

# ------------------------------------------------------------------ cases ---

CHEXEC=$WORK/chroot-exec
cc_ gcc -O2 -static -o "$CHEXEC" chroot-exec.c

# netuser, built once and used by dyn-merged and dyn-split
cc_ gcc -O2 -o "$WORK/netuser" netuser.c -lcurl

case_dyn_merged() {
  new_case dyn-merged
  merged_skel
  mkdir -p "$ROOT/usr/local/bin"
  cp "$WORK/netuser" "$ROOT/usr/local/bin/netuser"
  merged_libs "$ROOT/usr/local/bin/netuser"
  etc_base; etc_ldconf
  run_ldconfig
  C_PROG=/usr/local/bin/netuser
  C_LAYER2="usr/local"
  C_BY1="debian-like merged-usr base: ld.so, libc and the libcurl closure, ld.so.conf(.d), ld.so.cache"
  C_BY2="COPY netuser /usr/local/bin/netuser"
  finish_case
}

# libraries that sit in /lib/x86_64-linux-gnu in the split layout (as in
# Debian 11: libc6, zlib1g, libcom-err2, libkeyutils1); the rest go to
# /usr/lib/x86_64-linux-gnu
SPLIT_ROOTLIB=" ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libresolv.so.2 libz.so.1 libcom_err.so.2 libkeyutils.so.1 "

case_dyn_split() {
  new_case dyn-split
  mkdir -p "$ROOT/lib/x86_64-linux-gnu" "$ROOT/usr/lib/x86_64-linux-gnu" "$ROOT/lib64" "$ROOT/usr/local/bin"
  copy_lib "$HOSTLIB" ld-linux-x86-64.so.2 "$ROOT/lib/x86_64-linux-gnu"
  sym /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 lib64/ld-linux-x86-64.so.2
  cp "$WORK/netuser" "$ROOT/usr/local/bin/netuser"
  local n
  for n in $(host_libs "$ROOT/usr/local/bin/netuser"); do
    if [[ $SPLIT_ROOTLIB == *" $n "* ]]; then
      copy_lib "$HOSTLIB" "$n" "$ROOT/lib/x86_64-linux-gnu"
    else
      copy_lib "$HOSTLIB" "$n" "$ROOT/usr/lib/x86_64-linux-gnu"
    fi
  done
  etc_base
  C_PROG=/usr/local/bin/netuser
  C_LAYER2="usr/local"
  C_BY1="split-usr base: /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu, no ld.so.cache"
  C_BY2="COPY netuser /usr/local/bin/netuser"
  finish_case
}

case_cache_only() {
  new_case cache-only
  merged_skel
  clib gcc /opt/only/lib libonly.so.1 libonly.so.1 lib1.c -DFN=only_hello '-DMSG="libonly from /opt/only/lib"'
  cprog gcc /app/bin/prog prog1.c -DFN=only_hello '-DWHO="cache-only"' "$ROOT/opt/only/lib/libonly.so.1"
  merged_libs "$ROOT/app/bin/prog" "$ROOT/opt/only/lib/libonly.so.1"
  etc_base; etc_ldconf
  put etc/ld.so.conf.d/only.conf 0644 $'/opt/only/lib\n'
  run_ldconfig
  rm "$ROOT/etc/ld.so.conf.d/only.conf"
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app opt etc/ld.so.cache"
  C_BY1="debian-like merged-usr base: ld.so, libc, ld.so.conf(.d)"
  C_BY2="COPY app and /opt/only/lib; RUN ldconfig with only.conf, then rm only.conf"
  finish_case
}

# rpath_case NAME DTAGS   (DTAGS: --disable-new-dtags = RPATH, --enable-new-dtags = RUNPATH)
rpath_case() {
  new_case "$1"
  merged_skel
  clib gcc /opt/a/lib libb.so.1 libb.so.1 lib1.c -DFN=b_hello '-DMSG="libb from /opt/a/lib"'
  clib gcc /opt/a/lib liba.so.1 liba.so.1 liba.c "$ROOT/opt/a/lib/libb.so.1"
  cprog gcc /app/bin/prog prog1.c -DFN=a_hello "-DWHO=\"$1\"" "$ROOT/opt/a/lib/liba.so.1" \
    -Wl,-rpath,/opt/a/lib "-Wl,$2" "-Wl,-rpath-link,$ROOT/opt/a/lib"
  local want=RPATH; [[ $2 == --enable-new-dtags ]] && want=RUNPATH
  readelf -dW "$ROOT/app/bin/prog" | grep -q "($want)" || die "$1: prog has no $want"
  if readelf -dW "$ROOT/opt/a/lib/liba.so.1" | grep -Eq '\((RPATH|RUNPATH)\)'; then die "$1: liba has a path"; fi
  merged_libs "$ROOT/app/bin/prog" "$ROOT/opt/a/lib/liba.so.1" "$ROOT/opt/a/lib/libb.so.1"
  etc_base
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app opt"
  C_BY1="debian-like merged-usr base: ld.so, libc, no ld.so.cache"
  C_BY2="COPY prog ($want /opt/a/lib), liba, libb"
}
case_rpath_inherit() { rpath_case rpath-inherit --disable-new-dtags; finish_case; }
case_runpath_not_inherited() { rpath_case runpath-not-inherited --enable-new-dtags; C_RUNS=no; finish_case; }

# shellcheck disable=SC2016  # $ORIGIN is for the loader, not the shell
case_origin() {
  new_case origin
  merged_skel
  clib gcc /app/lib libdemo.so.1.0.0 libdemo.so.1 lib1.c -DFN=demo_hello '-DMSG="libdemo from $ORIGIN/../lib"'
  sym libdemo.so.1.0.0 app/lib/libdemo.so.1
  cprog gcc /app/bin/prog prog1.c -DFN=demo_hello '-DWHO="origin"' "$ROOT/app/lib/libdemo.so.1.0.0" \
    '-Wl,-rpath,$ORIGIN/../lib' -Wl,--enable-new-dtags
  merged_libs "$ROOT/app/bin/prog" "$ROOT/app/lib/libdemo.so.1.0.0"
  etc_base
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app"
  C_BY1="debian-like merged-usr base: ld.so, libc, no ld.so.cache"
  C_BY2="COPY prog (RUNPATH \$ORIGIN/../lib) and lib/libdemo.so.1 -> libdemo.so.1.0.0"
  finish_case
}

case_wrong_machine() {
  new_case wrong-machine
  merged_skel
  local d=/usr/lib/x86_64-linux-gnu
  clib gcc "$d" libdemo.so.1.0.0 libdemo.so.1 lib1.c -DFN=demo_hello '-DMSG="libdemo (amd64) from /usr/lib/x86_64-linux-gnu"'
  sym libdemo.so.1.0.0 "${d#/}/libdemo.so.1"
  clib aarch64-linux-gnu-gcc /opt/first/lib libdemo.so.1 libdemo.so.1 lib1.c -DFN=demo_hello '-DMSG="libdemo (arm64)"'
  readelf -hW "$ROOT/opt/first/lib/libdemo.so.1" | grep -q AArch64 || die "wrong-machine: not an arm64 lib"
  cprog gcc /app/bin/prog prog1.c -DFN=demo_hello '-DWHO="wrong-machine"' "$ROOT$d/libdemo.so.1.0.0" \
    -Wl,-rpath,/opt/first/lib -Wl,--disable-new-dtags
  merged_libs "$ROOT/app/bin/prog" "$ROOT$d/libdemo.so.1.0.0"
  etc_base
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app opt usr/lib/x86_64-linux-gnu/libdemo.so.1 usr/lib/x86_64-linux-gnu/libdemo.so.1.0.0"
  C_BY1="debian-like merged-usr base: ld.so, libc, no ld.so.cache"
  C_BY2="COPY prog (RPATH /opt/first/lib), arm64 /opt/first/lib/libdemo.so.1, amd64 libdemo in /usr/lib/x86_64-linux-gnu"
  finish_case
}

case_ld_library_path() {
  new_case ld-library-path
  merged_skel
  clib gcc /opt/env/lib libenv.so.1 libenv.so.1 lib1.c -DFN=env_hello '-DMSG="libenv from /opt/env/lib"'
  cprog gcc /app/bin/prog prog1.c -DFN=env_hello '-DWHO="ld-library-path"' "$ROOT/opt/env/lib/libenv.so.1"
  merged_libs "$ROOT/app/bin/prog" "$ROOT/opt/env/lib/libenv.so.1"
  etc_base
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_ENV=("$PATH_ENV" "LD_LIBRARY_PATH=/opt/env/lib")
  C_LAYER2="app opt"
  C_BY1="debian-like merged-usr base: ld.so, libc, no ld.so.cache"
  C_BY2="COPY prog and /opt/env/lib/libenv.so.1; ENV LD_LIBRARY_PATH=/opt/env/lib"
  finish_case
}

case_preload() {
  new_case preload
  merged_skel
  cat >"$SRC/pre.c" <<'EOF'
int pre_marker(void) { return 7; }
EOF
  clib gcc /opt/pre libpre.so libpre.so pre.c
  cprog gcc /app/bin/prog hello.c '-DMSG="preload: hello"'
  merged_libs "$ROOT/app/bin/prog" "$ROOT/opt/pre/libpre.so"
  etc_base
  put etc/ld.so.preload 0644 $'/opt/pre/libpre.so\n'
  C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app opt etc/ld.so.preload"
  C_BY1="debian-like merged-usr base: ld.so, libc, no ld.so.cache"
  C_BY2="COPY prog, /opt/pre/libpre.so and /etc/ld.so.preload"
  finish_case
}

# musl tree: /lib/ld-musl-x86_64.so.1 (the real file, not Debian's symlink)
musl_skel() {
  mkdir -p "$ROOT/lib"
  cp --preserve=mode "$MUSL_LIBC" "$ROOT/lib/ld-musl-x86_64.so.1"
}

case_musl_dynamic() {
  new_case musl-dynamic
  musl_skel
  clib musl-gcc /usr/local/lib libmdemo.so.1.0.0 libmdemo.so.1 lib1.c -DFN=mdemo_hello '-DMSG="libmdemo (musl) from /usr/local/lib"'
  sym libmdemo.so.1.0.0 usr/local/lib/libmdemo.so.1
  cprog musl-gcc /app/bin/prog prog1.c -DFN=mdemo_hello '-DWHO="musl-dynamic"' "$ROOT/usr/local/lib/libmdemo.so.1.0.0"
  etc_base
  C_KIND=musl C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app usr"
  C_BY1="musl base: /lib/ld-musl-x86_64.so.1"
  C_BY2="COPY prog and /usr/local/lib/libmdemo.so.1 -> libmdemo.so.1.0.0"
  finish_case
}

case_musl_path_file() {
  new_case musl-path-file
  musl_skel
  clib musl-gcc /opt/m/lib libmdemo.so.1 libmdemo.so.1 lib1.c -DFN=mdemo_hello '-DMSG="libmdemo (musl) from /opt/m/lib"'
  cprog musl-gcc /app/bin/prog prog1.c -DFN=mdemo_hello '-DWHO="musl-path-file"' "$ROOT/opt/m/lib/libmdemo.so.1"
  etc_base
  put etc/ld-musl-x86_64.path 0644 $'/opt/m/lib\n'
  C_KIND=musl C_PROG=/app/bin/prog C_WORKDIR=/app
  C_LAYER2="app opt etc/ld-musl-x86_64.path"
  C_BY1="musl base: /lib/ld-musl-x86_64.so.1"
  C_BY2="COPY prog, /opt/m/lib/libmdemo.so.1 and /etc/ld-musl-x86_64.path"
  finish_case
}

# arm64_closure FILE...   NEEDED closure of FILEs in the cross library dir
arm64_closure() {
  local todo=("$@") seen=() f n
  while ((${#todo[@]})); do
    f=${todo[0]}; todo=("${todo[@]:1}")
    for n in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
      [[ " ${seen[*]} " == *" $n "* ]] && continue
      seen+=("$n")
      [[ -e $CROSSLIB/$n ]] || die "arm64: $n not in $CROSSLIB"
      todo+=("$CROSSLIB/$n")
    done
  done
  printf '%s\n' "${seen[@]}" | LC_ALL=C sort
}

case_arm64_dynamic() {
  new_case arm64-dynamic
  # Debian 12 arm64 layout: bin -> usr/bin, lib -> usr/lib,
  # usr/lib/aarch64-linux-gnu/{ld-linux-aarch64.so.1,libc.so.6},
  # usr/lib/ld-linux-aarch64.so.1 -> aarch64-linux-gnu/ld-linux-aarch64.so.1
  mkdir -p "$ROOT/usr/bin" "$ROOT/usr/lib/aarch64-linux-gnu"
  sym usr/bin bin; sym usr/lib lib
  copy_lib "$CROSSLIB" ld-linux-aarch64.so.1 "$ROOT/usr/lib/aarch64-linux-gnu"
  sym aarch64-linux-gnu/ld-linux-aarch64.so.1 usr/lib/ld-linux-aarch64.so.1
  cprog aarch64-linux-gnu-gcc /app/bin/hello hello.c '-DMSG="arm64-dynamic: hello"'
  local n
  for n in $(arm64_closure "$ROOT/app/bin/hello"); do
    copy_lib "$CROSSLIB" "$n" "$ROOT/usr/lib/aarch64-linux-gnu"
  done
  etc_base
  C_ARCH=arm64 C_VARIANT=v8 C_PROG=/app/bin/hello C_WORKDIR=/app
  C_LAYER2="app"
  C_BY1="debian-like arm64 merged-usr base: ld.so and libc from libc6-arm64-cross"
  C_BY2="COPY hello /app/bin/hello"
  finish_case
}

# static_case NAME CC ARCH FLAG
static_case() {
  new_case "$1"
  cprog "$2" /app/bin/hello hello.c "$4" "-DMSG=\"$1: hello\""
  etc_base
  C_KIND=static C_ARCH=$3 C_PROG=/app/bin/hello C_WORKDIR=/app
  [[ $3 == arm64 ]] && C_VARIANT=v8
  C_BY1="COPY hello ($2 $4) and /etc"
  finish_case
}

case_script() {
  new_case script
  merged_skel
  mkdir -p "$ROOT/usr/bin"
  cp --preserve=mode /usr/bin/dash "$ROOT/usr/bin/dash"
  sym dash usr/bin/sh
  merged_libs "$ROOT/usr/bin/dash"
  put app/run.sh 0755 $'#!/bin/sh\necho "script: $0 says hello"\n'
  etc_base
  C_PROG=/app/run.sh C_WORKDIR=/app C_LIST=/bin/sh
  C_LAYER2="app"
  C_BY1="debian-like merged-usr base: ld.so, libc, /usr/bin/dash, /usr/bin/sh -> dash"
  C_BY2="COPY run.sh /app/run.sh"
  finish_case
}

case_dyn_merged
case_dyn_split
case_cache_only
case_rpath_inherit
case_runpath_not_inherited
case_origin
case_wrong_machine
case_ld_library_path
case_preload
case_musl_dynamic
case_musl_path_file
case_arm64_dynamic
static_case arm64-static aarch64-linux-gnu-gcc arm64 -static
static_case static-musl musl-gcc amd64 -static
static_case static-glibc gcc amd64 -static
static_case static-pie gcc amd64 -static-pie
case_script

echo "made $COUNT images in $OUTDIR"
