/* The program pack's tests put in images: says where it runs and what it was given. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef WITH_CURL
#include <curl/curl.h>
#endif

int main(int argc, char** argv) {
  char cwd[256] = "?";
  if (getcwd(cwd, sizeof cwd) == NULL) return 3;
  printf("hello from %s on %s, cwd %s, uid %d\n", argv[0], ARCH, cwd, (int)getuid());
  for (int i = 1; i < argc; ++i) printf("arg %s\n", argv[i]);
  const char* greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
#ifdef WITH_CURL
  printf("curl %s\n", curl_version());
#endif
  return argc > 1 && argv[1][0] == 'x' ? 7 : 0;
}
