/* plugin host: reads /etc/app.conf for a line "plugin=PATH", dlopen()s PATH and calls its
 * plugin_run().  The host does not link zlib: only the plugin does. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[512], path[512] = "";
  FILE *f = fopen("/etc/app.conf", "r");
  if (!f) { perror("host: /etc/app.conf"); return 1; }
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "plugin=", 7) == 0) snprintf(path, sizeof path, "%s", line + 7);
  }
  fclose(f);
  if (!path[0]) { fputs("host: no plugin= line in /etc/app.conf\n", stderr); return 1; }
  printf("host: loading %s\n", path);
  void *h = dlopen(path, RTLD_NOW);
  if (!h) { fprintf(stderr, "host: dlopen: %s\n", dlerror()); return 1; }
  int (*run)(const char *) = (int (*)(const char *))dlsym(h, "plugin_run");
  if (!run) { fprintf(stderr, "host: dlsym: %s\n", dlerror()); return 1; }
  int rc = run("pare keeps what the entrypoint needs, and nothing else. ");
  printf("host: plugin returned %d\n", rc);
  return rc;
}
