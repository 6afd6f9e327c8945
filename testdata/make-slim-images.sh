#!/usr/bin/env bash
# make-slim-images.sh OUTDIR
#
# Builds "fat" images for testing `pare slim`: the shape of AWS Lambda's
# provided base (a Debian-like userland with a dpkg database, apt leftovers,
# a cleanup layer with whiteouts) with a small program on top as
# /function/bootstrap.  Writes into OUTDIR:
#   fat-static.tar     docker save (Docker 24 legacy layout), amd64, static musl bootstrap
#   fat-static.run     what that bootstrap prints, run under chroot of the unpacked image
#   fat-static.owners  Debian packages owning the files a slim image keeps (dpkg -S)
#   fat-arm64.tar      OCI archive (gzip layers), arm64 v8, static glibc bootstrap
#   fat-arm64.run      the same, run under qemu-aarch64-static
#   fat-multi.tar      OCI archive: index.json lists the amd64 and arm64 images and a
#                      buildkit attestation manifest (unknown/unknown)
#   fat-dynamic.tar    docker save (Docker 24 legacy layout), amd64, bootstrap linked
#                      against the host's libcurl, with its closure
#   fat-dynamic.run    what it prints (chroot, nothing mounted)
#   fat-dynamic.owners as fat-static.owners plus the owners of the closure
# See slim-README.md next to this script for every file and how the truths were made.
#
# The base layer is COPIED FROM THIS HOST (Debian 12 amd64): /etc files,
# bash, ls, cat, su, their libraries, certificates, zoneinfo, docs, and the
# host's own dpkg status paragraphs and .list files.  The output is the same
# bytes on every run on one host; another host (other package versions,
# another /etc/passwd) gives other bytes.
#
# Needs root (chroot; numeric owners) and: gcc, musl-tools,
# gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross), qemu-user-static,
# libcurl4-openssl-dev, dpkg, binutils (readelf), GNU tar, gzip, coreutils.
# Images are written with GNU tar, gzip, sha256sum and coreutils only
# (through image-lib.sh).  SLIM_VERIFY=1 also checks every output with
# skopeo and umoci when they are installed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  echo "$0: needs root (chroot runs the bootstraps; layers keep numeric owners)" >&2
  exit 1
fi

umask 022
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=image-lib.sh
. "$HERE/image-lib.sh"

die() { echo "$0: $*" >&2; exit 1; }

for t in gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static readelf ldd dpkg dpkg-query \
  chroot tar gzip sha256sum awk; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
[[ -f /usr/include/x86_64-linux-gnu/curl/curl.h || -f /usr/include/curl/curl.h ]] ||
  die "missing curl headers (libcurl4-openssl-dev)"
[[ -f /var/lib/dpkg/status ]] || die "no dpkg database on this host"

QEMU=$(command -v qemu-aarch64-static)

OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-slim-images.XXXXXX")
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"' EXIT

# shellcheck disable=SC2034  # read by image-lib.sh
IL_WORK=$WORK
# 2024-01-02T03:04:05Z: the mtime of every entry and the config's "created"
# shellcheck disable=SC2034
IL_EPOCH=1704164645
IL_CREATED=2024-01-02T03:04:05Z
[[ $(date -u -d "@$IL_EPOCH" +%FT%TZ) == "$IL_CREATED" ]] || die "epoch and created disagree"

PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TASK_ENV="LAMBDA_TASK_ROOT=/function"
MT_INTOTO=application/vnd.in-toto+json

SRC=$WORK/src
mkdir -p "$SRC" "$WORK/layers" "$WORK/verify" "$WORK/raw"

# ---------------------------------------------------------------- sources ---

# The static bootstrap (musl on amd64, glibc on arm64).
cat >"$SRC/bootstrap.c" <<'EOF'
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  puts("hello from bootstrap");
  for (int i = 1; i < argc; i++) printf("arg: %s\n", argv[i]);
  struct passwd *pw = getpwuid(getuid());
  printf("user: %s\n", pw && pw->pw_name ? pw->pw_name : "no-user");
  FILE *f = fopen("/etc/hostname", "r");
  if (f) {
    char line[256];
    if (fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      printf("hostname: %s\n", line);
    }
    fclose(f);
  }
  return 0;
}
EOF

# The dynamic bootstrap: the same lines, then libcurl, the resolver and NSS.
cat >"$SRC/bootstrap-dyn.c" <<'EOF'
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  puts("hello from bootstrap");
  for (int i = 1; i < argc; i++) printf("arg: %s\n", argv[i]);
  struct passwd *pw = getpwuid(getuid());
  printf("user: %s\n", pw && pw->pw_name ? pw->pw_name : "no-user");
  FILE *f = fopen("/etc/hostname", "r");
  if (f) {
    char line[256];
    if (fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      printf("hostname: %s\n", line);
    }
    fclose(f);
  }

  printf("curl: %s\n", curl_version());

  struct addrinfo hints, *res, *p;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo("localhost", NULL, &hints, &res);
  if (rc != 0) {
    printf("localhost: getaddrinfo: %s\n", gai_strerror(rc));
  } else {
    /* sorted and unique: getaddrinfo's own order is not the point */
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

  struct passwd *nb = getpwnam("nobody");
  if (nb)
    printf("nobody: uid=%u\n", (unsigned)nb->pw_uid);
  else
    printf("nobody: not found\n");
  return 0;
}
EOF

# chroot-exec ROOT DIR [VAR=VALUE...] -- PROG [ARG...]: chroot(ROOT),
# chdir(DIR), execve PROG with exactly the VARs as its environment.  Static,
# so nothing of the host's loader or environment reaches the image.
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

# Compile in SRC with relative names (no -g), so no host path ends up in a
# binary.  The glibc static link warns that getpwuid needs NSS at run time;
# that is expected (files is built into glibc 2.36).
cc_() { (cd "$SRC" && "$@") 2>"$WORK/raw/cc.err" || { cat "$WORK/raw/cc.err" >&2; die "compile failed: $*"; }; }
cc_ musl-gcc -static -O2 -o boot-amd64 bootstrap.c
cc_ aarch64-linux-gnu-gcc -static -O2 -o boot-arm64 bootstrap.c
cc_ gcc -O2 -o boot-dyn bootstrap-dyn.c -lcurl
cc_ gcc -static -O2 -o chroot-exec chroot-exec.c
CHEXEC=$SRC/chroot-exec

elf_check() { # FILE MACHINE static|dynamic
  local h l
  h=$(readelf -hW "$1"); l=$(readelf -lW "$1")
  grep -q "Machine: *$2" <<<"$h" || die "$1: not a $2 ELF"
  if [[ $3 == static ]]; then
    grep -q 'Type: *EXEC' <<<"$h" || die "$1: not ET_EXEC"
    ! grep -q 'INTERP' <<<"$l" || die "$1: static program has PT_INTERP"
  else
    grep -q 'Requesting program interpreter: /lib64/ld-linux-x86-64.so.2' <<<"$l" || die "$1: no glibc PT_INTERP"
    readelf -dW "$1" | grep -q 'NEEDED.*\[libcurl\.so\.4\]' || die "$1: does not need libcurl.so.4"
  fi
}
elf_check "$SRC/boot-amd64" 'Advanced Micro Devices X86-64' static
elf_check "$SRC/boot-arm64" AArch64 static
elf_check "$SRC/boot-dyn" 'Advanced Micro Devices X86-64' dynamic

# ------------------------------------------------------------- host copies ---

# R is the staging root being filled; COPIED lists every non-directory
# path (image spelling) copied from the host into it.
R="" COPIED=""

# copy_chain HOSTPATH: copy HOSTPATH into R at its canonical directory (the
# host's merged-usr symlinks /lib, /bin, /lib64 resolved), keeping it a
# symlink if it is one, then copy what that symlink points at, recursively.
copy_chain() {
  local p=$1 d b t
  d=$(readlink -f "$(dirname "$p")"); b=$(basename "$p"); p=$d/$b
  [[ -e $p || -L $p ]] || die "host has no $p"
  if [[ ! -e $R$p && ! -L $R$p ]]; then
    mkdir -p "$R$d"
    cp -P --preserve=mode "$p" "$R$p"
    echo "$p" >>"$COPIED"
  fi
  if [[ -L $p ]]; then
    t=$(readlink "$p")
    [[ $t == /* ]] || t=$d/$t
    copy_chain "$t"
  fi
}

# copy_tree HOSTDIR: a whole host directory (files, symlinks, subfolders)
copy_tree() {
  local p
  while IFS= read -r p; do copy_chain "$1/$p"; done < <(cd "$1" && find . -mindepth 1 ! -type d -printf '%P\n' | sort)
}

# host_closure FILE...: every path ldd resolves for FILEs (and the interpreter)
host_closure() {
  local f
  for f in "$@"; do
    env -i /usr/bin/ldd "$f" | awk '
      $2 == "=>" && $3 ~ /^\// { print $3; next }
      $2 == "=>" { print "NOTFOUND " $1; next }
      $1 ~ /^\// { print $1 }'
  done | sort -u
}

# owners_of PATH...: the Debian packages owning PATHs, one a line (no
# architecture qualifier).  dpkg's database spells a path the way the
# package shipped it, /lib/... or /usr/lib/..., so with merged-usr both
# spellings are asked.  Prints "UNOWNED path" for a path no package owns.
alt_spelling() {
  case $1 in
    /usr/lib64/*) echo "/lib64/${1#/usr/lib64/}" ;;
    /usr/lib/*) echo "/lib/${1#/usr/lib/}" ;;
    /usr/bin/*) echo "/bin/${1#/usr/bin/}" ;;
    /usr/sbin/*) echo "/sbin/${1#/usr/sbin/}" ;;
    /lib64/*) echo "/usr/lib64/${1#/lib64/}" ;;
    /lib/*) echo "/usr/lib/${1#/lib/}" ;;
    /bin/*) echo "/usr/bin/${1#/bin/}" ;;
    /sbin/*) echo "/usr/sbin/${1#/sbin/}" ;;
  esac
}
owners_of() {
  local p a out found
  for p in "$@"; do
    found=""
    for a in "$p" $(alt_spelling "$p"); do
      if out=$(dpkg-query -S "$a" 2>/dev/null); then
        found=1
        grep -v '^diversion by ' <<<"$out" | sed 's/: \/.*$//' | tr ',' '\n' |
          sed 's/^ *//; s/:[a-z0-9]*$//'
      fi
    done
    [[ -n $found ]] || echo "UNOWNED $p"
  done
}

# status_paragraphs PKG...: the host's /var/lib/dpkg/status paragraphs of
# PKGs, byte for byte, in the host file's order
status_paragraphs() {
  awk -v want=" $* " '
    /^$/ { if (keep) printf "%s\n", buf; buf = ""; keep = 0; next }
    { buf = buf $0 "\n"
      if ($0 ~ /^Package: /) { p = substr($0, 10); keep = index(want, " " p " ") > 0 } }
    END { if (keep) printf "%s\n", buf }' /var/lib/dpkg/status
}

# dpkg_db ROOT PKGS_FILE [LIST_PKGS_FILE]: ROOT/var/lib/dpkg/status with the
# paragraphs of PKGS, and info/<pkg>.list (the host's file name, with its
# :amd64 where the host has one) for each of LIST_PKGS (default PKGS)
dpkg_db() {
  local root=$1 pkgs lp p n f
  mapfile -t pkgs <"$2"
  mapfile -t lp <"${3:-$2}"
  mkdir -p "$root/var/lib/dpkg/info"
  status_paragraphs "${pkgs[@]}" >"$root/var/lib/dpkg/status"
  n=$(grep -c '^Package: ' "$root/var/lib/dpkg/status")
  [[ $n == "${#pkgs[@]}" ]] || die "dpkg status: found $n of ${#pkgs[@]} packages (${pkgs[*]})"
  for p in "${lp[@]}"; do
    f=""
    [[ -f /var/lib/dpkg/info/$p.list ]] && f=$p.list
    [[ -f /var/lib/dpkg/info/$p:amd64.list ]] && f=$p:amd64.list
    [[ -n $f ]] || die "host has no /var/lib/dpkg/info/$p.list"
    cp "/var/lib/dpkg/info/$f" "$root/var/lib/dpkg/info/$f"
    chmod 0644 "$root/var/lib/dpkg/info/$f"
  done
}

put() { # ROOT PATH MODE CONTENT
  mkdir -p "$(dirname "$1/$2")"
  printf '%s' "$4" >"$1/$2"
  chmod "$3" "$1/$2"
}

# ---------------------------------------------------- pseudo-random content ---

# MINSTD (Park-Miller) in awk: exact in doubles, the same in gawk and mawk.
# gen_packages SEED BYTES SUITE: a Packages-like index of at least BYTES
gen_packages() {
  awk -v seed="$1" -v want="$2" -v suite="$3" '
    function r(n) { x = (x * 48271) % 2147483647; return x % n }
    function hex(n,   s, i) { s = ""; for (i = 0; i < n; i++) s = s substr("0123456789abcdef", r(16) + 1, 1); return s }
    function word() { return W[r(nw) + 1] }
    BEGIN {
      x = seed
      nw = split("data library tool client server network secure fast small simple " \
        "runtime shared module plugin parser format archive image stream buffer " \
        "kernel driver system service daemon config locale font theme python perl " \
        "ruby java rust go node utility command shell terminal editor viewer " \
        "compression crypto certificate protocol codec audio video graphics " \
        "database query index cache memory thread event timer logging debug", W, " ")
      total = 0; i = 0
      while (total < want) {
        i++
        name = word() "-" word() sprintf("%d", r(100))
        ver = sprintf("%d.%d.%d-%d", r(10), r(30), r(20), 1 + r(5))
        sz = 4096 + r(900000)
        desc = word()
        for (k = 0; k < 4 + r(5); k++) desc = desc " " word()
        s = sprintf("Package: %s\nVersion: %s\nInstalled-Size: %d\nMaintainer: Debian %s Team <pkg-%s@lists.example.org>\n" \
          "Architecture: amd64\nDepends: libc6 (>= 2.34), lib%s%d (>= %s)\nDescription: %s\n" \
          "Multi-Arch: same\nHomepage: https://%s.example.org/\nDescription-md5: %s\nSection: %s\nPriority: optional\n" \
          "Filename: pool/%s/%s/%s/%s_%s_amd64.deb\nSize: %d\nMD5sum: %s\nSHA256: %s\n\n",
          name, ver, sz / 1024, word(), word(), word(), r(9), ver, desc,
          name, hex(32), word(), suite, substr(name, 1, 1), name, name, ver, sz, hex(32), hex(64))
        printf "%s", s
        total += length(s)
      }
    }'
}

# gen_release SEED SUITE NFILES: an InRelease-like file (clearsigned text)
gen_release() {
  awk -v seed="$1" -v suite="$2" -v nf="$3" '
    function r(n) { x = (x * 48271) % 2147483647; return x % n }
    function hex(n,   s, i) { s = ""; for (i = 0; i < n; i++) s = s substr("0123456789abcdef", r(16) + 1, 1); return s }
    function b64(n,   s, i) { s = ""; for (i = 0; i < n; i++) s = s substr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", r(64) + 1, 1); return s }
    BEGIN {
      x = seed
      printf "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
      printf "Origin: Debian\nLabel: Debian\nSuite: %s\nVersion: 12.11\nCodename: bookworm\n", suite
      printf "Date: Sat, 17 May 2025 09:49:45 UTC\nAcquire-By-Hash: yes\nNo-Support-for-Architecture-all: Packages\n"
      printf "Architectures: all amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x\n"
      printf "Components: main contrib non-free-firmware non-free\nDescription: Debian 12.11 Released 17 May 2025\nSHA256:\n"
      split("main contrib non-free non-free-firmware", C, " ")
      split("amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x all", A, " ")
      for (i = 0; i < nf; i++)
        printf " %s %8d %s/binary-%s/Packages%s\n", hex(64), r(50000000), C[r(4) + 1], A[r(10) + 1], (i % 3 == 0 ? "" : (i % 3 == 1 ? ".xz" : ".gz"))
      printf "-----BEGIN PGP SIGNATURE-----\n\n"
      for (i = 0; i < 12; i++) printf "%s\n", b64(64)
      printf "=%s\n-----END PGP SIGNATURE-----\n", b64(4)
    }'
}

# gen_bytes SEED BYTES PREFIX: PREFIX then pseudo-random bytes (1..255) up to BYTES
gen_bytes() {
  awk -v seed="$1" -v want="$2" -v pre="$3" '
    BEGIN { x = seed; printf "%s", pre
      for (i = length(pre); i < want; i++) { x = (x * 48271) % 2147483647; printf "%c", 1 + x % 255 } }'
}

# ------------------------------------------------------- layer 0: the base ---

L0=$WORK/l0
R=$L0 COPIED=$WORK/raw/l0.copied
mkdir -p "$R"; : >"$COPIED"

# a Debian 12 merged-/usr skeleton
for d in boot dev etc home media mnt opt proc run srv sys usr/bin usr/lib usr/lib64 usr/sbin \
  usr/local/bin usr/share var/cache var/lib/dpkg/info var/log var/tmp; do
  mkdir -p "$R/$d"
done
mkdir -p "$R/root" "$R/tmp"; chmod 0700 "$R/root"; chmod 1777 "$R/tmp" "$R/var/tmp"
ln -s usr/bin "$R/bin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"

# /etc (os-release is a symlink to ../usr/lib/os-release on Debian 12)
for f in /etc/os-release /etc/debian_version /etc/passwd /etc/group /etc/nsswitch.conf \
  /etc/ssl/certs/ca-certificates.crt; do
  copy_chain "$f"
done
# Certificates.  No hash-named link in /etc/ssl/certs points at the bundle
# (each points at one NAME.pem, which points into /usr/share/ca-certificates);
# the only symlink to the bundle on the host is /usr/lib/ssl/cert.pem.  Take
# that, and the hash links of a few roots with their whole chains.
copy_chain /usr/lib/ssl/cert.pem
CA_ROOTS=(Amazon_Root_CA_1 Amazon_Root_CA_2 Amazon_Root_CA_3 ISRG_Root_X1)
nhash=0
for n in "${CA_ROOTS[@]}"; do
  [[ -L /etc/ssl/certs/$n.pem ]] || die "host has no /etc/ssl/certs/$n.pem"
  while IFS= read -r h; do copy_chain "$h"; nhash=$((nhash + 1)); done < <(find /etc/ssl/certs -maxdepth 1 -name '*.[0-9]' -lname "$n.pem" | sort)
done
((nhash >= 3)) || die "fewer than 3 hash links found for ${CA_ROOTS[*]}"

# zoneinfo subset (UTC is a symlink to Etc/UTC on this host)
for z in UTC Etc/UTC Europe/Paris America/New_York; do copy_chain "/usr/share/zoneinfo/$z"; done

# programs, and the closure of the dynamic ones
for b in bash ls cat; do copy_chain "/usr/bin/$b"; done
copy_chain /usr/bin/su
chmod 4755 "$R/usr/bin/su"
put "$R" usr/bin/apt-get 0755 $'#!/bin/sh\n# apt-get stand-in: this image has no apt\necho "apt-get: not really apt (fat fixture)" >&2\nexit 100\n'
mapfile -t BASE_LIBS < <(host_closure /usr/bin/bash /usr/bin/ls /usr/bin/cat)
for l in "${BASE_LIBS[@]}"; do
  [[ $l != NOTFOUND* ]] || die "host ldd: $l"
  copy_chain "$l"
done
[[ -L $R/usr/lib64/ld-linux-x86-64.so.2 ]] || die "base: no /lib64/ld-linux-x86-64.so.2 link"

# documentation, manual pages, translations
for p in base-files bash ca-certificates coreutils libc6 tzdata; do copy_tree "/usr/share/doc/$p"; done
for m in bash ls cat su; do copy_chain "/usr/share/man/man1/$m.1.gz"; done
for m in ls cat; do
  if [[ -e /usr/share/man/fr/man1/$m.1.gz ]]; then copy_chain "/usr/share/man/fr/man1/$m.1.gz"; fi
done
for lc in de fr; do
  for d in bash coreutils; do copy_chain "/usr/share/locale/$lc/LC_MESSAGES/$d.mo"; done
done

# the dpkg database: the named packages and every owner of a copied file
BASE_NAMED=(libc6 base-files ca-certificates tzdata bash coreutils libselinux1 libpcre2-8-0 libtinfo6 netbase)
mapfile -t l0files <"$COPIED"
owners_of "${l0files[@]}" >"$WORK/raw/l0.owners.raw"
grep '^UNOWNED ' "$WORK/raw/l0.owners.raw" | sort >"$WORK/raw/l0.unowned" || true
{ printf '%s\n' "${BASE_NAMED[@]}"; grep -v '^UNOWNED ' "$WORK/raw/l0.owners.raw"; } | sort -u >"$WORK/raw/l0.pkgs"
dpkg_db "$R" "$WORK/raw/l0.pkgs"

# ---------------------------------------------------------- layer 1: apt ---

L1=$WORK/l1
mkdir -p "$L1/var/lib/apt/lists/partial" "$L1/var/cache/apt/archives/partial" "$L1/tmp/build-junk"
chmod 0700 "$L1/var/lib/apt/lists/partial" "$L1/var/cache/apt/archives/partial"
chmod 1777 "$L1/tmp"
LISTS=$L1/var/lib/apt/lists
gen_release 11 stable 180 >"$LISTS/deb.debian.org_debian_dists_bookworm_InRelease"
gen_packages 12 1550000 main >"$LISTS/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
gen_release 13 stable-security 60 >"$LISTS/deb.debian.org_debian-security_dists_bookworm-security_InRelease"
gen_packages 14 420000 main >"$LISTS/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"
gen_release 15 stable-updates 60 >"$LISTS/deb.debian.org_debian_dists_bookworm-updates_InRelease"
: >"$LISTS/lock"; chmod 0640 "$LISTS/lock"
ARCH_DIR=$L1/var/cache/apt/archives
: >"$ARCH_DIR/lock"; chmod 0640 "$ARCH_DIR/lock"
DEB_GONE=curl_7.88.1-10+deb12u15_amd64.deb
DEBS=("$DEB_GONE" libcurl4_7.88.1-10+deb12u15_amd64.deb ca-certificates_20230311+deb12u1_all.deb)
seed=21
for d in "${DEBS[@]}"; do
  gen_bytes "$seed" 1048576 $'!<arch>\ndebian-binary   1704164645  0     0     100644  4         `\n2.0\n' >"$ARCH_DIR/$d"
  seed=$((seed + 1))
done
gen_bytes 31 65536 $'\177ELF fake object\n' >"$L1/tmp/build-junk/main.o"
put "$L1" tmp/build-junk/build.log 0644 $'cc -O2 -c main.c -o main.o\nld -o bootstrap main.o\nok\n'

# ------------------------------------------------------ layer 2: cleanup ---

L2=$WORK/l2
mkdir -p "$L2/var/cache/apt/archives" "$L2/var/lib/apt/lists" "$L2/tmp"
chmod 1777 "$L2/tmp"
: >"$L2/var/cache/apt/archives/.wh.$DEB_GONE"
: >"$L2/tmp/.wh.build-junk"
: >"$L2/var/lib/apt/lists/.wh..wh..opq"
: >"$L2/var/lib/apt/lists/lock"; chmod 0640 "$L2/var/lib/apt/lists/lock"

# ----------------------------------------------------- layer 3: function ---

l3_static() { # DIR BINARY
  mkdir -p "$1/function"
  cp "$2" "$1/function/bootstrap"
  chmod 0755 "$1/function/bootstrap"
}
L3S=$WORK/l3-static; l3_static "$L3S" "$SRC/boot-amd64"
L3A=$WORK/l3-arm64; l3_static "$L3A" "$SRC/boot-arm64"

# dynamic: bootstrap, the closure libraries not already in the base (with
# their symlinks), /etc/hosts, and the dpkg database as apt-get would leave
# it: a rewritten status (base packages plus the owners of the new
# libraries) and the new packages' .list files
L3D=$WORK/l3-dynamic
l3_static "$L3D" "$SRC/boot-dyn"
mapfile -t DYN_LIBS < <(host_closure "$SRC/boot-dyn")
R=$L3D COPIED=$WORK/raw/l3d.copied
: >"$COPIED"
for l in "${DYN_LIBS[@]}"; do
  [[ $l != NOTFOUND* ]] || die "host ldd of the dynamic bootstrap: $l"
  c=$(readlink -f "$(dirname "$l")")/$(basename "$l")
  [[ -e $L0$c || -L $L0$c ]] && continue   # libc, ld.so: already in the base
  copy_chain "$l"
done
put "$L3D" etc/hosts 0644 $'127.0.0.1 localhost\n'
mapfile -t l3files <"$COPIED"
owners_of "${l3files[@]}" >"$WORK/raw/l3d.owners.raw"
! grep -q '^UNOWNED ' "$WORK/raw/l3d.owners.raw" || die "unowned closure library: $(grep '^UNOWNED ' "$WORK/raw/l3d.owners.raw")"
sort -u "$WORK/raw/l3d.owners.raw" | LC_ALL=C comm -23 - "$WORK/raw/l0.pkgs" >"$WORK/raw/l3d.newpkgs"
sort -u "$WORK/raw/l0.pkgs" "$WORK/raw/l3d.newpkgs" >"$WORK/raw/l3d.pkgs"
dpkg_db "$L3D" "$WORK/raw/l3d.pkgs" "$WORK/raw/l3d.newpkgs"

# ------------------------------------------------------------ the layers ---

# layer_tar NAME ROOT: ROOT's whole tree as $WORK/layers/NAME.tar (+ .gz)
declare -A DIFF
layer_tar() {
  # chown clears set-user-ID and set-group-ID bits: put them back after it
  local sid
  sid=$(cd "$2" && find . -type f \( -perm -4000 -o -perm -2000 \) -printf '%m %P\n')
  chown -hR 0:0 "$2"
  [[ -z $sid ]] || while read -r m p; do chmod "$m" "$2/$p"; done <<<"$sid"
  chmod 0755 "$2"
  il_tree_list "$2" >"$WORK/layers/$1.list"
  il_layer "$2" "$WORK/layers/$1.list" "$WORK/layers/$1.tar"
  DIFF[$1]=$IL_DIFF
}
layer_tar base "$L0"
layer_tar apt "$L1"
layer_tar cleanup "$L2"
layer_tar fn-static "$L3S"
layer_tar fn-arm64 "$L3A"
layer_tar fn-dynamic "$L3D"

BY_BASE="ADD debian-bookworm-fat-rootfs.tar / # copied from a Debian 12 host: /etc, bash, ls, cat, su, libs, certs, zoneinfo, docs, dpkg"
BY_ENV="ENV LAMBDA_TASK_ROOT=/function"
BY_APT="RUN /bin/sh -c apt-get update && apt-get install --download-only -y curl libcurl4 ca-certificates && make -C /tmp/build-junk # buildkit"
BY_CLEAN="RUN /bin/sh -c rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/curl_*.deb /tmp/build-junk && touch /var/lib/apt/lists/lock # buildkit"
BY_FN_STATIC="COPY bootstrap /function/bootstrap # buildkit (Rust-like static binary: musl-gcc -static)"
BY_FN_ARM64="COPY bootstrap /function/bootstrap # buildkit (static arm64: aarch64-linux-gnu-gcc -static)"
BY_FN_DYN="RUN /bin/sh -c apt-get install -y --no-install-recommends libcurl4 && cp /src/bootstrap /function/bootstrap # buildkit (gcc, -lcurl)"

# hist_entry CREATED_BY [empty]: one history entry
hist_entry() {
  printf '{"created":"%s","created_by":%s,"comment":"buildkit.dockerfile.v0"%s}' \
    "$IL_CREATED" "$(il_json_str "$1")" "${2:+,\"empty_layer\":true}"
}

# fat_config ARCH VARIANT FN_LAYER FN_CREATED_BY: the image config (compact,
# keys in the order Docker writes them: sorted at the top level)
fat_config() {
  local arch=$1 variant=$2 fn=$3 by=$4
  printf '{"architecture":"%s",' "$arch"
  printf '"config":{"User":"","ExposedPorts":{"8080/tcp":{}},"Env":%s,"Entrypoint":["./bootstrap"],"Cmd":["arg1"],"WorkingDir":"/function","Labels":{"org.example":"fat"},"StopSignal":"SIGTERM"},' \
    "$(il_json_arr "$PATH_ENV" "$TASK_ENV")"
  printf '"created":"%s",' "$IL_CREATED"
  printf '"history":[%s,%s,%s,%s,%s],' "$(hist_entry "$BY_BASE")" "$(hist_entry "$BY_ENV" empty)" "$(hist_entry "$BY_APT")" "$(hist_entry "$BY_CLEAN")" "$(hist_entry "$by")"
  printf '"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s","sha256:%s","sha256:%s"]}' \
    "${DIFF[base]}" "${DIFF[apt]}" "${DIFF[cleanup]}" "${DIFF[$fn]}"
  [[ -n $variant ]] && printf ',"variant":"%s"' "$variant"
  printf '}'
}

sha_str() { local h; h=$(printf '%s' "$1" | sha256sum); printf '%s' "${h%% *}"; }

# legacy_archive OUT REPO TAG CONFIG LAYER...: docker save of Docker <= 24:
# manifest.json, repositories, <config-hex>.json, <v1-id>/{VERSION,json,layer.tar}
legacy_archive() {
  local out=$1 repo=$2 tag=$3 cfg=$4; shift 4
  local dir=$WORK/pack-$repo-$tag parent="" id l pj chex layers=""
  rm -rf "$dir"; mkdir -p "$dir"
  chex=$(sha_str "$cfg")
  printf '%s' "$cfg" >"$dir/$chex.json"
  for l in "$@"; do
    id=$(sha_str "v1:$parent:${DIFF[$l]}")
    mkdir -p "$dir/$id"
    printf '1.0' >"$dir/$id/VERSION"
    pj=""
    [[ -n $parent ]] && pj=$(printf ',"parent":"%s"' "$parent")
    printf '{"id":"%s"%s,"created":"%s","container_config":{"Cmd":null},"os":"linux"}' \
      "$id" "$pj" "$IL_CREATED" >"$dir/$id/json"
    cp "$WORK/layers/$l.tar" "$dir/$id/layer.tar"
    layers+="${layers:+,}\"$id/layer.tar\""
    parent=$id
  done
  printf '[{"Config":"%s.json","RepoTags":["%s:%s"],"Layers":[%s]}]' "$chex" "$repo" "$tag" "$layers" >"$dir/manifest.json"
  printf '{"%s":{"%s":"%s"}}' "$repo" "$tag" "$parent" >"$dir/repositories"
  il_pack "$dir" "$OUTDIR/$out"
}

# oci_add_image LAYOUT CONFIG LAYER...: config, gzip layers and manifest as
# blobs; sets M_HEX, M_SIZE
oci_add_image() {
  local lay=$1 cfg=$2 l descs=""; shift 2
  mkdir -p "$lay"
  for l in "$@"; do
    il_write_blob "$lay" "$WORK/layers/$l.tar.gz"
    descs+="${descs:+,}$(il_desc "$IL_MT_LAYER_GZIP" "$IL_BLOB_HEX" "$IL_BLOB_SIZE")"
  done
  il_write_blob_str "$lay" "$cfg"
  local cdesc; cdesc=$(il_desc "$IL_MT_CONFIG" "$IL_BLOB_HEX" "$IL_BLOB_SIZE")
  il_write_blob_str "$lay" "$(printf '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}' \
    "$IL_MT_MANIFEST" "$cdesc" "$descs")"
  M_HEX=$IL_BLOB_HEX M_SIZE=$IL_BLOB_SIZE
}
oci_finish() { # LAYOUT DESC...
  local lay=$1 m="" x; shift
  for x in "$@"; do m+="${m:+,}$x"; done
  printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$IL_MT_INDEX" "$m" >"$lay/index.json"
}

CFG_STATIC=$(fat_config amd64 "" fn-static "$BY_FN_STATIC")
CFG_ARM64=$(fat_config arm64 v8 fn-arm64 "$BY_FN_ARM64")
CFG_DYN=$(fat_config amd64 "" fn-dynamic "$BY_FN_DYN")

rm -f "$OUTDIR"/fat-{static,arm64,multi,dynamic}.{tar,run,owners}

# 1. fat-static.tar
legacy_archive fat-static.tar fat static "$CFG_STATIC" base apt cleanup fn-static

# 2. fat-arm64.tar
LAY=$WORK/oci-arm64
oci_add_image "$LAY" "$CFG_ARM64" base apt cleanup fn-arm64
oci_finish "$LAY" "$(il_desc "$IL_MT_MANIFEST" "$M_HEX" "$M_SIZE" \
  '"annotations":{"org.opencontainers.image.ref.name":"latest"},"platform":{"architecture":"arm64","os":"linux","variant":"v8"}')"
il_pack "$LAY" "$OUTDIR/fat-arm64.tar"

# 3. fat-multi.tar: index.json lists amd64, arm64 and an attestation manifest
LAY=$WORK/oci-multi
oci_add_image "$LAY" "$CFG_STATIC" base apt cleanup fn-static
AMD_HEX=$M_HEX
D_AMD=$(il_desc "$IL_MT_MANIFEST" "$M_HEX" "$M_SIZE" \
  '"annotations":{"org.opencontainers.image.ref.name":"amd64"},"platform":{"architecture":"amd64","os":"linux"}')
oci_add_image "$LAY" "$CFG_ARM64" base apt cleanup fn-arm64
D_ARM=$(il_desc "$IL_MT_MANIFEST" "$M_HEX" "$M_SIZE" \
  '"annotations":{"org.opencontainers.image.ref.name":"arm64"},"platform":{"architecture":"arm64","os":"linux","variant":"v8"}')
# buildkit's attestation manifest: an in-toto SPDX statement about the amd64
# image, config "unknown/unknown", referenced by vnd.docker.reference.digest
il_write_blob_str "$LAY" "$(printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[{"name":"pkg:docker/fat@multi?platform=linux%%2Famd64","digest":{"sha256":"%s"}}],"predicate":{"spdxVersion":"SPDX-2.3","name":"sbom","packages":[]}}' "$AMD_HEX")"
INTOTO_HEX=$IL_BLOB_HEX
D_INTOTO=$(il_desc "$MT_INTOTO" "$IL_BLOB_HEX" "$IL_BLOB_SIZE" '"annotations":{"in-toto.io/predicate-type":"https://spdx.dev/Document"}')
il_write_blob_str "$LAY" "$(printf '{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$INTOTO_HEX")"
D_ATTCFG=$(il_desc "$IL_MT_CONFIG" "$IL_BLOB_HEX" "$IL_BLOB_SIZE")
il_write_blob_str "$LAY" "$(printf '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}' "$IL_MT_MANIFEST" "$D_ATTCFG" "$D_INTOTO")"
D_ATT=$(il_desc "$IL_MT_MANIFEST" "$IL_BLOB_HEX" "$IL_BLOB_SIZE" \
  "$(printf '"annotations":{"vnd.docker.reference.digest":"sha256:%s","vnd.docker.reference.type":"attestation-manifest"},"platform":{"architecture":"unknown","os":"unknown"}' "$AMD_HEX")")
oci_finish "$LAY" "$D_AMD" "$D_ARM" "$D_ATT"
il_pack "$LAY" "$OUTDIR/fat-multi.tar"

# 4. fat-dynamic.tar
legacy_archive fat-dynamic.tar fat dynamic "$CFG_DYN" base apt cleanup fn-dynamic

# ------------------------------------------------------------ run truths ---

# unpack NAME LAYER...: apply the layer tars in order into verify/NAME, as a
# container runtime does: a layer's whiteouts first (.wh.X deletes X below,
# DIR/.wh..wh..opq empties DIR below), then its other entries
unpack() {
  local v=$WORK/verify/$1 l m d; shift
  rm -rf "$v"; mkdir -p "$v"; chmod 0755 "$v"
  for l in "$@"; do
    while IFS= read -r m; do
      m=${m%/}; d=$(dirname "$m")
      case $(basename "$m") in
        .wh..wh..opq) [[ -d $v/$d ]] && find "$v/$d" -mindepth 1 -maxdepth 1 -exec rm -rf {} + ;;
        .wh.*) rm -rf "${v:?}/$d/$(basename "$m" | cut -c5-)" ;;
      esac
    done < <(tar --force-local -tf "$WORK/layers/$l.tar")
    tar -C "$v" --force-local --numeric-owner --same-owner -p --exclude='.wh.*' -xf "$WORK/layers/$l.tar"
  done
}

# run_boot NAME ARCH: run /function/bootstrap arg1 from /function under
# chroot of verify/NAME with the config's Env; stdout to OUTDIR/NAME.run
run_boot() {
  local v=$WORK/verify/$1 cmd=(/function/bootstrap arg1) rc=0
  if [[ $2 == arm64 ]]; then
    cp "$QEMU" "$v/qemu-aarch64-static"
    cmd=(/qemu-aarch64-static "${cmd[@]}")
  fi
  env -i "$CHEXEC" "$v" /function "$PATH_ENV" "$TASK_ENV" -- "${cmd[@]}" \
    >"$WORK/raw/$1.out" 2>"$WORK/raw/$1.err" || rc=$?
  rm -f "$v/qemu-aarch64-static"
  [[ $rc == 0 ]] || die "$1: bootstrap exited $rc: $(cat "$WORK/raw/$1.err")"
  [[ ! -s $WORK/raw/$1.err ]] || die "$1: bootstrap wrote to stderr: $(cat "$WORK/raw/$1.err")"
  grep -qx 'hello from bootstrap' "$WORK/raw/$1.out" || die "$1: unexpected output: $(cat "$WORK/raw/$1.out")"
  cp "$WORK/raw/$1.out" "$OUTDIR/$1.run"
}

unpack fat-static base apt cleanup fn-static
# the merged tree must show the whiteouts applied
V=$WORK/verify/fat-static
[[ ! -e $V/var/cache/apt/archives/$DEB_GONE && ! -e $V/tmp/build-junk ]] || die "whiteouts not applied"
[[ $(ls -A "$V/var/lib/apt/lists") == lock ]] || die "opaque whiteout not applied: $(ls -A "$V/var/lib/apt/lists")"
[[ $(stat -c %a "$V/usr/bin/su") == 4755 ]] || die "su lost its setuid bit"
run_boot fat-static amd64
unpack fat-arm64 base apt cleanup fn-arm64
run_boot fat-arm64 arm64
unpack fat-dynamic base apt cleanup fn-dynamic
run_boot fat-dynamic amd64

# ---------------------------------------------------------- owner truths ---

# What a scanner would report for the files a slim image keeps: dpkg -S on
# the host.  Files that no package owns (the generated certificate bundle,
# nsswitch.conf) contribute nothing.
SLIM_FILES=(/etc/ssl/certs/ca-certificates.crt /usr/share/zoneinfo/UTC /etc/os-release
  /etc/debian_version /etc/nsswitch.conf)
owners_of "${SLIM_FILES[@]}" >"$WORK/raw/static.owners.raw"
grep -v '^UNOWNED ' "$WORK/raw/static.owners.raw" | sort -u >"$OUTDIR/fat-static.owners"
{
  cat "$WORK/raw/static.owners.raw"
  owners_of "${DYN_LIBS[@]}"
} >"$WORK/raw/dynamic.owners.raw"
grep -v '^UNOWNED ' "$WORK/raw/dynamic.owners.raw" | sort -u >"$OUTDIR/fat-dynamic.owners"
# every closure library must have an owner
[[ $(grep -c '^UNOWNED ' "$WORK/raw/dynamic.owners.raw") == "$(grep -c '^UNOWNED ' "$WORK/raw/static.owners.raw")" ]] ||
  die "a closure library has no owner: $(grep '^UNOWNED ' "$WORK/raw/dynamic.owners.raw")"

# ------------------------------------------------------- optional checks ---

if [[ -n ${SLIM_VERIFY:-} ]]; then
  { command -v skopeo && command -v umoci; } >/dev/null || die "SLIM_VERIFY needs skopeo and umoci"
  vcheck() { # TRANSPORT:FILE NAME [skopeo copy options]
    local src=$1 name=$2; shift 2
    local d=$WORK/vv/$name
    rm -rf "$d"; mkdir -p "$d"
    skopeo "$@" inspect "$src" >"$d/inspect.json" || die "skopeo inspect $src"
    skopeo "$@" inspect --config "$src" >"$d/config.json" || die "skopeo inspect --config $src"
    skopeo --insecure-policy "$@" copy -q "$src" "oci:$d/oci:x" || die "skopeo copy $src"
    umoci unpack --image "$d/oci:x" "$d/bundle" >/dev/null || die "umoci unpack ($name)"
    [[ -x $d/bundle/rootfs/function/bootstrap ]] || die "$name: no bootstrap in umoci's rootfs"
    echo "verified $name"
  }
  vcheck "docker-archive:$OUTDIR/fat-static.tar" static
  vcheck "docker-archive:$OUTDIR/fat-dynamic.tar" dynamic
  vcheck "oci-archive:$OUTDIR/fat-arm64.tar" arm64 --override-arch arm64
  vcheck "oci-archive:$OUTDIR/fat-multi.tar:amd64" multi-amd64
  vcheck "oci-archive:$OUTDIR/fat-multi.tar:arm64" multi-arm64 --override-arch arm64
fi

for f in fat-static fat-arm64 fat-multi fat-dynamic; do
  printf '%-16s %10d bytes\n' "$f.tar" "$(stat -c %s "$OUTDIR/$f.tar")"
done
echo "made 4 images in $OUTDIR"
