/* The program tests/run/trace_test.cpp traces in run_in_sandbox (built static by
 * make-sandbox-fixtures.sh). Each mode makes a known set of path system calls, so the test can
 * assert the exact records; the rest serve, ignore SIGTERM, or loop for the timings. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Raw calls: musl 1.2.3 has no wrappers for these. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
struct how {
  uint64_t flags, mode, resolve;
};

static void put(const char* text) {
  if (write(1, text, strlen(text)) < 0) _exit(99);
}

static void on_term(int sig) {
  (void)sig;
  put("stopping\n");
  _exit(0);
}

static void* open_in_thread(void* path) {
  close(open((const char*)path, O_RDONLY));
  return NULL;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "modern") == 0) {
    struct how h = {O_RDONLY, 0, 0};
    char statx_buf[256];
    close((int)syscall(SYS_openat2, AT_FDCWD, "/data/a.txt", &h, sizeof h));
    syscall(SYS_faccessat2, AT_FDCWD, "/data/b.txt", R_OK, AT_EACCESS);
    syscall(SYS_statx, AT_FDCWD, "/data/b.txt", 0, 0x7ffU, statx_buf);
    return 0;
  }
  if (strcmp(mode, "relative") == 0) {
    struct stat st;
    int dir;
    if (chdir("/data") != 0) return 1;
    close(open("a.txt", O_RDONLY));
    close(open("sub/../b.txt", O_RDONLY));
    dir = open("/data/sub", O_RDONLY | O_DIRECTORY);
    close(openat(dir, "c.txt", O_RDONLY));
    fstatat(dir, "../b.txt", &st, AT_SYMLINK_NOFOLLOW);
    if (chdir("sub") != 0) return 1;
    stat("../../../etc/passwd", &st);
    access("./c.txt", R_OK);
    return 0;
  }
  if (strcmp(mode, "deleted") == 0) {
    /* The cwd removed under the process: /proc/PID/cwd then says "/tmp/gone (deleted)". */
    mkdir("/tmp/gone", 0755);
    if (chdir("/tmp/gone") != 0) return 1;
    if (rmdir("../gone") != 0) return 1;
    open("x", O_RDONLY);
    return 0;
  }
  if (strcmp(mode, "chroot") == 0) {
    /* Absolute paths inside a chroot the program made resolve in its new root. */
    if (chroot("/data") != 0 || chdir("/") != 0) return 1;
    close(open("/a.txt", O_RDONLY));
    close(open("sub/c.txt", O_RDONLY));
    return 0;
  }
  if (strcmp(mode, "missing") == 0) {
    open("/data/missing.txt", O_RDONLY);
    close(open("/data/new.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    access("/nope/x", F_OK);
    return 0;
  }
  if (strcmp(mode, "files") == 0) {
    struct stat st;
    struct statfs sfs;
    char target[64];
    DIR* d;
    mkdir("/tmp/d", 0755);
    close(open("/tmp/d/f", O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644));
    rename("/tmp/d/f", "/tmp/d/g");
    if (symlink("g", "/tmp/d/l") != 0) return 1;
    if (readlink("/tmp/d/l", target, sizeof target) < 0) return 1;
    lstat("/tmp/d/l", &st);
    link("/tmp/d/g", "/tmp/d/h");
    chmod("/tmp/d/g", 0600);
    if (chown("/tmp/d/g", 0, 0) != 0) return 1;
    if (truncate("/tmp/d/g", 0) != 0) return 1;
    utimensat(AT_FDCWD, "/tmp/d/g", NULL, 0);
    unlink("/tmp/d/h");
    mknod("/tmp/d/p", S_IFIFO | 0600, 0);
    d = opendir("/tmp/d");
    while (d != NULL && readdir(d) != NULL) {
    }
    if (d != NULL) closedir(d);
    statfs("/", &sfs);
    mkdir("/tmp/e", 0755);
    rmdir("/tmp/e");
    close(open("/proc/self/status", O_RDONLY));
    close(open("/dev/null", O_WRONLY));
    return 0;
  }
  if (strcmp(mode, "ids") == 0) {
    char line[64];
    snprintf(line, sizeof line, "uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
    put(line);
    return 0;
  }
  if (strcmp(mode, "exec") == 0 && argc > 2) {
    execv(argv[2], argv + 2);
    return 127;
  }
  if (strcmp(mode, "open") == 0 && argc > 2) {
    return open(argv[2], O_RDONLY) >= 0 ? 0 : 1;
  }
  if (strcmp(mode, "fork") == 0 && argc > 2) {
    int status = 0;
    const pid_t child = fork();
    if (child == 0) _exit(open(argv[2], O_RDONLY) >= 0 ? 0 : 1);
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  if (strcmp(mode, "thread") == 0 && argc > 2) {
    pthread_t t;
    if (pthread_create(&t, NULL, open_in_thread, argv[2]) != 0) return 1;
    pthread_join(t, NULL);
    return 0;
  }
  if (strcmp(mode, "server") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    put("ready\n");
    for (;;) pause();
  }
  if (strcmp(mode, "stubborn") == 0) {
    signal(SIGTERM, SIG_IGN);
    put("ready\n");
    for (;;) pause();
  }
  if (strcmp(mode, "getpid") == 0 && argc > 2) {
    for (long n = atol(argv[2]); n > 0; --n) syscall(SYS_getpid);
    return 0;
  }
  if (strcmp(mode, "opens") == 0 && argc > 3) {
    for (long n = atol(argv[2]); n > 0; --n) close(open(argv[3], O_RDONLY));
    return 0;
  }
  put("usage: tracee modern|relative|deleted|chroot|missing|files|ids|exec PATH ARGS|open "
      "PATH|fork PATH|"
      "thread PATH|server|stubborn|getpid N|opens N PATH\n");
  return 2;
}
