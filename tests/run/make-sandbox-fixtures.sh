#!/usr/bin/env bash
# make-sandbox-fixtures.sh OUTDIR
#
# Compiles the probe that tests/run/sandbox_test.cpp runs inside run_in_sandbox: a static
# program that prints what a container sees (argv, env, cwd, ids, hostname, pid, /proc, /dev,
# /etc/hosts, whether the host's /usr shows through) or does one thing (exit with a code, sleep,
# crash, print a lot, leave an orphan). probe-amd64 is built with musl-gcc -static, probe-arm64
# with aarch64-linux-gnu-gcc -static (run under qemu-aarch64-static). tracee-amd64 and
# tracee-arm64, built the same ways from tracee.c (next to this script), are what
# tests/run/trace_test.cpp traces.
#
# A probe whose compiler is missing is left out with a note on stderr; the tests that need it
# then fail when CI=true and are skipped otherwise.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=$1
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "$OUTDIR/.make-sandbox.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/probe.c" <<'EOF'
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

extern char** environ;

static void put(int fd, const char* text) {
  if (write(fd, text, strlen(text)) < 0) _exit(99);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "report";
  if (strcmp(mode, "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(mode, "sleep") == 0 && argc > 2) {
    sleep((unsigned)atoi(argv[2]));
    puts("woke up");
    return 0;
  }
  if (strcmp(mode, "segv") == 0) {
    *(volatile int*)0 = 1;
    return 0;
  }
  if (strcmp(mode, "spew") == 0 && argc > 2) {
    char block[1000];
    memset(block, 'x', sizeof block);
    for (long n = atol(argv[2]); n > 0; n -= (long)sizeof block) {
      if (write(1, block, n < (long)sizeof block ? (size_t)n : sizeof block) < 0) return 99;
    }
    return 0;
  }
  if (strcmp(mode, "mixed") == 0) {
    put(1, "out1\n");
    put(2, "err1\n");
    put(1, "out2\n");
    return 3;
  }
  if (strcmp(mode, "orphan") == 0) {
    /* The child keeps stdout open and outlives pid 1: the namespace's end must kill it. */
    if (fork() == 0) {
      sleep(300);
      _exit(0);
    }
    put(1, "parent done\n");
    return 0;
  }

  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  for (char** e = environ; *e != NULL; ++e) printf("env=%s\n", *e);
  char cwd[4096];
  printf("cwd=%s\n", getcwd(cwd, sizeof cwd) != NULL ? cwd : "?");
  printf("uid=%d gid=%d euid=%d\n", (int)getuid(), (int)getgid(), (int)geteuid());
  gid_t groups[64];
  const int n = getgroups(64, groups);
  printf("groups=");
  for (int i = 0; i < n; ++i) printf("%s%d", i > 0 ? "," : "", (int)groups[i]);
  printf("\n");
  char host[256] = "";
  gethostname(host, sizeof host);
  printf("hostname=%s\n", host);
  printf("pid=%d\n", (int)getpid());
  printf("proc_self=%s\n", access("/proc/self/status", R_OK) == 0 ? "yes" : "no");
  const int null_fd = open("/dev/null", O_WRONLY);
  printf("dev_null=%s\n", null_fd >= 0 && write(null_fd, "x", 1) == 1 ? "writable" : "no");
  printf("dev_urandom=%s\n", access("/dev/urandom", R_OK) == 0 ? "yes" : "no");
  printf("host_usr=%s\n", access("/usr", F_OK) == 0 ? "visible" : "absent");
  const int sysrq = open("/proc/sysrq-trigger", O_WRONLY);
  printf("sysrq=%s\n", sysrq < 0 ? "denied" : "writable");
  printf("proc_sys=%s\n", access("/proc/sys/kernel/hostname", W_OK) == 0 ? "writable" : "read-only");
  char timers[16];
  const int timer_list = open("/proc/timer_list", O_RDONLY);
  printf("timer_list=%s\n", timer_list >= 0 && read(timer_list, timers, sizeof timers) > 0 ? "readable" : "masked");
  printf("stdin=%s\n", read(0, cwd, 1) == 0 ? "eof" : "data");
  FILE* hosts = fopen("/etc/hosts", "r");
  if (hosts != NULL) {
    char line[512];
    while (fgets(line, sizeof line, hosts) != NULL) printf("hosts: %s", line);
    fclose(hosts);
  }
  return 0;
}
EOF

have() { command -v "$1" >/dev/null 2>&1; }
failed=0
build() {
  local name=$1
  shift
  if "$@" && [[ -f $WORK/$name ]]; then
    mv -f "$WORK/$name" "$OUTDIR/$name"
  else
    echo "make-sandbox-fixtures: building $name failed" >&2
    failed=1
  fi
}

if have musl-gcc; then
  build probe-amd64 musl-gcc -static -O2 -o "$WORK/probe-amd64" "$WORK/probe.c"
  build tracee-amd64 musl-gcc -static -O2 -pthread -o "$WORK/tracee-amd64" "$HERE/tracee.c"
else
  echo "make-sandbox-fixtures: probe-amd64 and tracee-amd64 not built: musl-gcc is missing" >&2
fi
if have aarch64-linux-gnu-gcc; then
  build probe-arm64 aarch64-linux-gnu-gcc -static -O2 -o "$WORK/probe-arm64" "$WORK/probe.c"
  build tracee-arm64 aarch64-linux-gnu-gcc -static -O2 -pthread -o "$WORK/tracee-arm64" \
    "$HERE/tracee.c"
else
  echo "make-sandbox-fixtures: probe-arm64 and tracee-arm64 not built: aarch64-linux-gnu-gcc is missing" >&2
fi
echo "make-sandbox-fixtures: $(find "$OUTDIR" -maxdepth 1 -type f | wc -l) programs in $OUTDIR"
exit "$failed"
