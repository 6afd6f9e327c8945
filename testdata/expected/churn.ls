lrwxrwxrwx 0:0 0 L0 /abs -> /etc/passwd
drwxr-xr-x 0:0 0 L2 /bin
-rwxr-xr-x 0:0 21 L0 /bin/hello
-rwsr-xr-x 0:0 13 L0 /bin/su-like
lrwxrwxrwx 0:0 0 L0 /chain1 -> chain2
lrwxrwxrwx 0:0 0 L0 /chain2 -> /chain3
lrwxrwxrwx 0:0 0 L0 /chain3 -> etc/hostname
drwxr-xr-x 0:0 0 L2 /data
-rw-r--r-- 0:0 2 L0 /data/b
-rw-r--r-- 0:0 10000 L2 /data/big
-rw-r--r-- 0:0 10000 L2 /data/big-link link to /data/big
-rw-r--r-- 0:0 2 L1 /data/c
lrwxrwxrwx 0:0 0 L0 /escape -> ../../../../etc/hostname
drwxr-xr-x 0:0 0 L1 /etc
-rw-r--r-- 0:0 7 L1 /etc/hostname
-rw-r--r-- 0:0 30 L0 /etc/passwd
drwxr-xr-x 0:0 0 L0 /home
-rw-r--r-- 1000:1000 14 L0 /home/user-file
lrwxrwxrwx 0:0 0 L0 /lib -> usr/lib
drwxr-xr-x 0:0 0 L1 /opq
-rw-r--r-- 0:0 2 L1 /opq/z
drwxr-xr-x 0:0 0 L2 /replaced
-rw-r--r-- 0:0 5 L2 /replaced/thing
drwxrwxrwt 0:0 0 L0 /tmp
drwxr-xr-x 0:0 0 L0 /usr
drwxr-xr-x 0:0 0 L0 /usr/lib
lrwxrwxrwx 0:0 0 L0 /usr/lib/libfoo.so.1 -> libfoo.so.1.2.3
-rw-r--r-- 0:0 31 L0 /usr/lib/libfoo.so.1.2.3
