/* plugin compress.so: compresses a repeated text with zlib and prints the sizes and crc32. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int plugin_run(const char *text) {
  unsigned char in[4096], out[8192];
  size_t n = strlen(text), len = 0;
  while (len + n <= sizeof in) { memcpy(in + len, text, n); len += n; }
  uLongf outlen = sizeof out;
  if (compress2(out, &outlen, in, (uLong)len, 9) != Z_OK) return 2;
  printf("compress: zlib %s, %zu bytes -> %lu bytes, crc32 %08lx\n", zlibVersion(), len,
         (unsigned long)outlen, crc32(0L, in, (uInt)len));
  return 0;
}
