#!/usr/bin/env python3
"""Fault-injecting HTTP proxy for the e2e registry harness (tests/e2e/registry_lib.sh).

    registry_proxy.py --upstream HOST:PORT --fault FAULT [--blob DIGEST] --dir DIR --log FILE

Listens on 127.0.0.1 on a free port, writes it to DIR/port (atomically, once listening),
and forwards every request to http://HOST:PORT: method, path, query, headers (Authorization,
Range, ... ; Host is set to the upstream) and bodies (Content-Length or chunked, streamed).
Absolute Location headers that point at the upstream are rewritten to point at the proxy.
Each request is logged to FILE as one line: METHOD TARGET STATUS [FAULT-APPLIED].

FAULT:
  none            forward everything
  drop-blob-once  the first GET of a blob (/v2/<name>/blobs/<digest>) answered 200 sends the
                  headers and half the body, then closes the connection; later GETs pass
  429-once        the first request to each path (query ignored) answers 429, Retry-After: 1
  503-once        the same with 503
  corrupt-blob    every GET of a blob flips one byte in the middle of the body (same length)

--blob DIGEST limits drop-blob-once and corrupt-blob to the blob with that digest (other blobs
pass untouched), e.g. to hit a large layer rather than the config a client reads first.

It is served by registry_serve.py: it dies with the test (registry_lib.sh sets PR_SET_PDEATHSIG).
"""

import argparse
import http.client
import json
import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from registry_serve import serve

FAULTS = ("none", "drop-blob-once", "429-once", "503-once", "corrupt-blob")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
              "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding",
              "upgrade", "expect"}
BLOB_PATH = re.compile(r"^/v2/.+/blobs/[A-Za-z0-9_+.-]+:[A-Za-z0-9=_-]+$")
CHUNK = 64 * 1024


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_line(self, status, note=""):
        line = "%s %s %s%s\n" % (self.command, self.path, status, (" " + note) if note else "")
        with self.server.lock:
            with open(self.server.log_path, "a") as f:
                f.write(line)

    # ---- request bodies ----------------------------------------------------------------
    def body_chunks(self):
        """The request body as a generator of byte strings (dechunked), and whether it was
        chunked, and its declared length (None when chunked or absent)."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            def chunked():
                while True:
                    size_line = self.rfile.readline(65537)
                    if not size_line:
                        raise ConnectionError("client closed during chunked body")
                    size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return
                    yield from self.read_exactly(size, "a chunk")
                    self.rfile.readline(3)  # CRLF after the chunk
            return chunked(), True, None
        length = self.headers.get("Content-Length")
        if length is None:
            return iter(()), False, None
        length = int(length)
        return self.read_exactly(length, "the body"), False, length

    def read_exactly(self, size, what):
        """`size` bytes of the request, in pieces; ConnectionError when the client closes."""
        remaining = size
        while remaining:
            data = self.rfile.read(min(remaining, CHUNK))
            if not data:
                raise ConnectionError("client closed during " + what)
            remaining -= len(data)
            yield data

    # ---- faults that answer without the upstream ---------------------------------------
    def answer_busy(self, status):
        chunks, _, _ = self.body_chunks()
        for _ in chunks:  # drain the request body so the connection stays usable
            pass
        code = "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE"
        data = json.dumps({"errors": [{"code": code, "message": "injected by registry_proxy",
                                       "detail": None}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Retry-After", "1")
        self.end_headers()
        self.log_line(status, self.server.fault)  # before the body: a client that has it sees the line
        if self.command != "HEAD":
            self.wfile.write(data)

    def first_time(self, key):
        with self.server.lock:
            if key in self.server.seen:
                return False
            self.server.seen.add(key)
            return True

    # ---- forwarding ---------------------------------------------------------------------
    def rewrite_location(self, value):
        for prefix in ("http://" + self.server.upstream, "//" + self.server.upstream):
            if value.startswith(prefix):
                return "http://" + self.server.own + value[len(prefix):]
        return value

    def handle_any(self):
        fault = self.server.fault
        path_only = self.path.split("?", 1)[0]
        if fault in ("429-once", "503-once") and self.first_time(path_only):
            self.answer_busy(429 if fault == "429-once" else 503)
            return

        chunks, chunked, length = self.body_chunks()
        up = http.client.HTTPConnection(self.server.upstream, timeout=60)
        try:
            up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            up.putheader("Host", self.server.upstream)
            for name, value in self.headers.items():
                if name.lower() in HOP_BY_HOP or name.lower() in ("host", "content-length"):
                    continue
                up.putheader(name, value)
            if chunked:
                up.putheader("Transfer-Encoding", "chunked")
            elif length is not None:
                up.putheader("Content-Length", str(length))
            up.endheaders()
            for data in chunks:
                if chunked:
                    up.send(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    up.send(data)
            if chunked:
                up.send(b"0\r\n\r\n")
            resp = up.getresponse()
        except (OSError, http.client.HTTPException) as e:
            up.close()
            self.close_connection = True  # the client's body may be half read
            self.log_line(502, "upstream-error:%s" % type(e).__name__)
            self.send_error(502, "upstream error")
            return
        try:
            self.relay(resp, fault, path_only)
        finally:
            up.close()

    def relay(self, resp, fault, path_only):
        is_blob_get = (self.command == "GET" and BLOB_PATH.match(path_only) is not None
                       and resp.status in (200, 206)
                       and (not self.server.blob or path_only.endswith("/blobs/" + self.server.blob)))
        drop = (fault == "drop-blob-once" and is_blob_get and resp.status == 200
                and self.first_time("drop-blob-once"))
        corrupt = fault == "corrupt-blob" and is_blob_get
        has_body = self.command != "HEAD" and resp.status not in (204, 304) and resp.status >= 200
        length = resp.getheader("Content-Length")
        length = int(length) if length is not None and has_body else None
        body = None
        if has_body and (length is None or corrupt):
            body = bytearray(resp.read())  # small (errors) or to be corrupted
            length = len(body)
            if corrupt and length:
                body[length // 2] ^= 0xFF

        self.send_response_only(resp.status, resp.reason)
        for name, value in resp.getheaders():
            lname = name.lower()
            if lname in HOP_BY_HOP or lname == "content-length":
                continue
            if lname == "location":
                value = self.rewrite_location(value)
            self.send_header(name, value)
        if has_body:
            self.send_header("Content-Length", str(length))
        elif resp.getheader("Content-Length") is not None:
            self.send_header("Content-Length", resp.getheader("Content-Length"))  # HEAD
        if drop:
            self.send_header("Connection", "close")
        self.end_headers()

        note = "drop-blob-once" if drop else ("corrupt-blob" if corrupt and length else "")
        self.log_line(resp.status, note)
        if not has_body:
            return
        if body is not None:
            self.wfile.write(body)
            return
        limit = length // 2 if drop else length
        sent = 0
        while sent < limit:
            data = resp.read(min(CHUNK, limit - sent))
            if not data:
                break
            self.wfile.write(data)
            sent += len(data)
        if drop:
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--fault", required=True, choices=FAULTS)
    ap.add_argument("--blob", default="")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = Proxy(("127.0.0.1", 0), Handler)
    server.upstream = args.upstream
    server.own = "127.0.0.1:%d" % server.server_address[1]
    server.fault = args.fault
    server.blob = args.blob
    server.log_path = args.log
    server.lock = threading.Lock()
    server.seen = set()
    open(args.log, "a").close()
    serve(server, args.dir)


if __name__ == "__main__":
    main()
