"""What the registry tests' Python servers share: serve on a free 127.0.0.1 port, announced in
DIR/port (written atomically once listening, which registry_lib.sh waits for), until SIGTERM.
They are started by registry_lib.sh's _registry_spawn, which already makes them die with the
test's shell."""

import os
import signal
import sys


def serve(server, directory):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = os.path.join(directory, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(directory, "port"))
    server.serve_forever()
