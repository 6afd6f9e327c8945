#!/usr/bin/env bash
# make-elf-fixtures.sh OUTDIR
#
# Compiles the real ELF binaries tests/elf/elf_test.cpp parses: static (musl, glibc), static-pie,
# dynamic (glibc with libcurl, musl), RPATH and RUNPATH programs with their shared library, arm64
# static and dynamic, stripped and unstripped, and a C program that carries a Go build info blob;
# and for the resolver: symbol versions (a library's version script, a stand-in libc.so.6), a
# setlocale caller, an iconv_open caller, a .note.dlopen, a plugin needing libz and an arm64
# library.
#
# Each fixture needs its compiler (gcc, musl-gcc from musl-tools, aarch64-linux-gnu-gcc) and, for
# dynamic-curl, libcurl4-openssl-dev. A fixture whose tool is missing is left out with a note on
# stderr; the test that needs it then fails when CI=true and is skipped otherwise.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

export LC_ALL=C
OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-elf.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

have() { command -v "$1" >/dev/null 2>&1; }
missing() { echo "make-elf-fixtures: $1 not built: $2 is missing" >&2; }
failed=0
# build NAME COMMAND...: runs COMMAND, which writes $WORK/NAME, then moves it into place, so a
# failed build never leaves a partial file. A compiler that is there but fails is an error.
build() {
  local name=$1
  shift
  if "$@" && [[ -f $WORK/$name ]]; then
    mv -f "$WORK/$name" "$OUTDIR/$name"
  else
    echo "make-elf-fixtures: building $name failed" >&2
    failed=1
  fi
}

cat >"$WORK/hello.c" <<'EOF'
#include <stdio.h>
int main(void) {
  puts("hello");
  return 0;
}
EOF

# getaddrinfo and getpwnam are what make a glibc program need NSS modules at run time.
cat >"$WORK/curl.c" <<'EOF'
#include <curl/curl.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
  struct addrinfo hints;
  struct addrinfo* res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  if (getaddrinfo(argc > 1 ? argv[1] : "localhost", "80", &hints, &res) == 0) freeaddrinfo(res);
  struct passwd* pw = getpwnam("root");
  CURL* curl = curl_easy_init();
  printf("%s %s\n", curl_version(), pw != NULL ? pw->pw_dir : "-");
  if (curl != NULL) curl_easy_cleanup(curl);
  return 0;
}
EOF

cat >"$WORK/demo.c" <<'EOF'
int demo_answer(void) { return 42; }
EOF

cat >"$WORK/use-demo.c" <<'EOF'
#include <stdio.h>
int demo_answer(void);
int main(void) {
  printf("%d\n", demo_answer());
  return 0;
}
EOF

# Symbol versions: a library whose version script defines VERS_1 and VERS_2, the same library
# defining VERS_1 only (an older build, same SONAME), and a program that needs VERS_2.
cat >"$WORK/vers.c" <<'EOF'
int vers_one(void) { return 1; }
int vers_two(void) { return 2; }
EOF
cat >"$WORK/vers.map" <<'EOF'
VERS_1 { global: vers_one; local: *; };
VERS_2 { global: vers_two; } VERS_1;
EOF
cat >"$WORK/vers-old.c" <<'EOF'
int vers_one(void) { return 1; }
EOF
cat >"$WORK/vers-old.map" <<'EOF'
VERS_1 { global: vers_one; local: *; };
EOF
cat >"$WORK/use-vers.c" <<'EOF'
#include <stdio.h>
int vers_one(void);
int vers_two(void);
int main(void) {
  printf("%d\n", vers_one() + vers_two());
  return 0;
}
EOF

# A stand-in libc.so.6 that defines GLIBC_2.2.5 and GLIBC_2.39, the same defining GLIBC_2.2.5
# only, and a program built against the first with nothing else (-nostdlib): which versions it
# needs does not depend on the host's glibc.
cat >"$WORK/fake-libc.c" <<'EOF'
int fake_old(void) { return 1; }
int fake_new(void) { return 2; }
EOF
cat >"$WORK/fake-libc.map" <<'EOF'
GLIBC_2.2.5 { global: fake_old; local: *; };
GLIBC_2.39 { global: fake_new; } GLIBC_2.2.5;
EOF
cat >"$WORK/fake-libc-old.c" <<'EOF'
int fake_old(void) { return 1; }
EOF
cat >"$WORK/fake-libc-old.map" <<'EOF'
GLIBC_2.2.5 { global: fake_old; local: *; };
EOF
cat >"$WORK/use-fake-libc.c" <<'EOF'
int fake_old(void);
int fake_new(void);
int _start(void) { return fake_old() + fake_new(); }
EOF

# A program that calls setlocale; the stand-in libstdc++.so.6 is demo.c under that SONAME (what
# counts is the name).
cat >"$WORK/locale-app.c" <<'EOF'
#include <locale.h>
#include <stdio.h>
int main(void) {
  puts(setlocale(LC_ALL, "") != NULL ? "locale" : "C");
  return 0;
}
EOF

# A program that calls iconv_open, which loads gconv modules at run time.
cat >"$WORK/iconv-app.c" <<'EOF'
#include <iconv.h>
int main(void) {
  iconv_t cd = iconv_open("UTF-16", "UTF-8");
  return cd == (iconv_t)-1;
}
EOF

# A .note.dlopen (systemd's ELF dlopen metadata) as the assembler writes it: owner "FDO", type
# 0x407c0c0a, a JSON array naming libz as required and libzstd (either SONAME) as suggested.
cat >"$WORK/dlopen-note.s" <<'EOF'
        .section .note.dlopen,"a",@note
        .balign 4
        .long 4
        .long 2f - 1f
        .long 0x407c0c0a
        .asciz "FDO"
1:      .asciz "[{\"soname\":[\"libz.so.1\"],\"feature\":\"zlib\",\"description\":\"compression\",\"priority\":\"required\"},{\"soname\":[\"libzstd.so.9\",\"libzstd.so.8\"],\"feature\":\"zstd\",\"priority\":\"suggested\"}]"
2:      .balign 4
        .section .note.GNU-stack,"",@progbits
EOF

# A plugin: a shared object a program dlopen()s, needing libz.
cat >"$WORK/plugin-z.c" <<'EOF'
#include <zlib.h>
const char* plugin_version(void) { return zlibVersion(); }
EOF

# A Go 1.18+ build info blob (golang/go src/debug/buildinfo): the 14-byte magic, pointer size 8,
# flags 2 (inline strings), padding to offset 32, then the version and the module info as
# uvarint-length strings. The module info is framed by cmd/go's 16-byte sentinels. Both lengths
# are below 128, so each uvarint is one byte. Writable, as Go's own .go.buildinfo is, so it lands
# in the first writable segment where a reader without section headers looks for it.
cat >"$WORK/go-like.c" <<'EOF'
#include <stdio.h>
#define GO_VERSION "go1.22.1"
#define MODINFO                                                                   \
  "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6"                       \
  "path\texample.com/hello\n"                                                     \
  "mod\texample.com/hello\t(devel)\t\n"                                           \
  "build\tCGO_ENABLED=0\n"                                                        \
  "build\tGOARCH=amd64\n"                                                         \
  "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2"
struct go_buildinfo {
  char magic[14];
  unsigned char pointer_size;
  unsigned char flags;
  unsigned char padding[16];
  unsigned char version_length;
  char version[sizeof GO_VERSION - 1];
  unsigned char modinfo_length;
  char modinfo[sizeof MODINFO - 1];
};
_Static_assert(sizeof MODINFO - 1 < 128, "one-byte uvarint");
__attribute__((section(".go.buildinfo"), aligned(16), used))
struct go_buildinfo go_buildinfo = {
    "\xff Go buildinf:", 8, 2, {0}, sizeof GO_VERSION - 1, GO_VERSION, sizeof MODINFO - 1, MODINFO};
int main(void) {
  printf("%.*s\n", (int)go_buildinfo.version_length, go_buildinfo.version);
  return 0;
}
EOF

if have musl-gcc; then
  build static-musl musl-gcc -static -O2 -o "$WORK/static-musl" "$WORK/hello.c"
  build dynamic-musl musl-gcc -O2 -o "$WORK/dynamic-musl" "$WORK/hello.c"
  # A musl program that needs a library of its own, for musl's search path.
  if musl-gcc -shared -fPIC -O2 -Wl,-soname,libmdemo.so.1 -o "$WORK/libmdemo.so.1" "$WORK/demo.c"; then
    build musl-demo musl-gcc -O2 -o "$WORK/musl-demo" "$WORK/use-demo.c" "$WORK/libmdemo.so.1"
    build libmdemo.so.1 true
  else
    echo "make-elf-fixtures: building libmdemo.so.1 failed" >&2
    failed=1
  fi
else
  missing "static-musl, dynamic-musl, musl-demo" musl-gcc
fi

if have gcc; then
  build static-glibc gcc -static -O2 -o "$WORK/static-glibc" "$WORK/hello.c"
  build static-pie gcc -static-pie -fPIE -O2 -o "$WORK/static-pie" "$WORK/hello.c"
  build hello gcc -O2 -o "$WORK/hello" "$WORK/hello.c"
  build hello-stripped strip -o "$WORK/hello-stripped" "$OUTDIR/hello"
  build go-like gcc -O2 -o "$WORK/go-like" "$WORK/go-like.c"

  # The library stays in $WORK until both programs are linked against it. $ORIGIN is for the
  # loader, not the shell.
  # shellcheck disable=SC2016
  if gcc -shared -fPIC -O2 -Wl,-soname,libdemo.so.1 -o "$WORK/libdemo.so.1" "$WORK/demo.c"; then
    build runpath-demo gcc -O2 -o "$WORK/runpath-demo" "$WORK/use-demo.c" "$WORK/libdemo.so.1" \
      -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags
    build rpath-demo gcc -O2 -o "$WORK/rpath-demo" "$WORK/use-demo.c" "$WORK/libdemo.so.1" \
      -Wl,-rpath,'$ORIGIN/../lib:/opt/demo/lib' -Wl,--disable-new-dtags
    # Dynamic string tokens the loader expands: $LIB and $PLATFORM.
    build dst-demo gcc -O2 -o "$WORK/dst-demo" "$WORK/use-demo.c" "$WORK/libdemo.so.1" \
      -Wl,-rpath,'/opt/$LIB/demo:/opt/p/${PLATFORM}' -Wl,--disable-new-dtags
    build libdemo.so.1 true
  else
    echo "make-elf-fixtures: building libdemo.so.1 failed" >&2
    failed=1
  fi
  if gcc -shared -fPIC -O2 -Wl,-soname,libvers.so.1 -Wl,--version-script,"$WORK/vers.map" \
    -o "$WORK/libvers.so.1" "$WORK/vers.c"; then
    build use-vers gcc -O2 -o "$WORK/use-vers" "$WORK/use-vers.c" "$WORK/libvers.so.1"
    build libvers.so.1 true
  else
    echo "make-elf-fixtures: building libvers.so.1 failed" >&2
    failed=1
  fi
  build libvers-old.so.1 gcc -shared -fPIC -O2 -Wl,-soname,libvers.so.1 \
    -Wl,--version-script,"$WORK/vers-old.map" -o "$WORK/libvers-old.so.1" "$WORK/vers-old.c"
  if gcc -shared -fPIC -nostdlib -O2 -Wl,-soname,libc.so.6 \
    -Wl,--version-script,"$WORK/fake-libc.map" -o "$WORK/fake-libc.so.6" "$WORK/fake-libc.c"; then
    build fake-libc-app gcc -nostdlib -fPIE -pie -O2 -o "$WORK/fake-libc-app" \
      "$WORK/use-fake-libc.c" "$WORK/fake-libc.so.6"
    build fake-libc.so.6 true
  else
    echo "make-elf-fixtures: building fake-libc.so.6 failed" >&2
    failed=1
  fi
  build fake-libc-old.so.6 gcc -shared -fPIC -nostdlib -O2 -Wl,-soname,libc.so.6 \
    -Wl,--version-script,"$WORK/fake-libc-old.map" -o "$WORK/fake-libc-old.so.6" \
    "$WORK/fake-libc-old.c"
  build locale-app gcc -O2 -o "$WORK/locale-app" "$WORK/locale-app.c"
  build iconv-app gcc -O2 -o "$WORK/iconv-app" "$WORK/iconv-app.c"
  if gcc -shared -fPIC -O2 -Wl,-soname,libstdc++.so.6 -o "$WORK/fake-libstdc++.so.6" \
    "$WORK/demo.c"; then
    build fake-stdcxx-app gcc -O2 -o "$WORK/fake-stdcxx-app" "$WORK/use-demo.c" \
      "$WORK/fake-libstdc++.so.6"
    build fake-libstdc++.so.6 true
  else
    echo "make-elf-fixtures: building fake-libstdc++.so.6 failed" >&2
    failed=1
  fi
  build dlopen-note gcc -O2 -o "$WORK/dlopen-note" "$WORK/hello.c" "$WORK/dlopen-note.s"
  if [[ -f /usr/include/zlib.h ]]; then
    build plugin-z.so gcc -shared -fPIC -O2 -o "$WORK/plugin-z.so" "$WORK/plugin-z.c" -lz
  else
    missing plugin-z.so "zlib1g-dev (zlib.h)"
  fi
  if [[ -n $(find /usr/include -path '*/curl/curl.h' -print -quit 2>/dev/null) ]]; then
    build dynamic-curl gcc -O2 -o "$WORK/dynamic-curl" "$WORK/curl.c" -lcurl
  else
    missing dynamic-curl "libcurl4-openssl-dev (curl/curl.h)"
  fi
else
  missing "static-glibc, static-pie, hello, go-like, rpath-demo, runpath-demo, dst-demo, dynamic-curl,
    use-vers, fake-libc-app, locale-app, iconv-app, fake-stdcxx-app, dlopen-note, plugin-z.so" gcc
fi

if have aarch64-linux-gnu-gcc; then
  build arm64-static aarch64-linux-gnu-gcc -static -O2 -o "$WORK/arm64-static" "$WORK/hello.c"
  build arm64-dynamic aarch64-linux-gnu-gcc -O2 -o "$WORK/arm64-dynamic" "$WORK/hello.c"
  build arm64-libdemo.so.1 aarch64-linux-gnu-gcc -shared -fPIC -O2 -Wl,-soname,libdemo.so.1 \
    -o "$WORK/arm64-libdemo.so.1" "$WORK/demo.c"
else
  missing "arm64-static, arm64-dynamic, arm64-libdemo.so.1" aarch64-linux-gnu-gcc
fi

echo "make-elf-fixtures: $(find "$OUTDIR" -maxdepth 1 -type f | wc -l) binaries in $OUTDIR"
exit "$failed"
