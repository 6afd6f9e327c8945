#!/usr/bin/env python3
"""Token server for the e2e registry harness (tests/e2e/registry_lib.sh, mode `token`).

Implements the distribution token protocol (docs/spec/auth/token.md) well enough for
docker-registry 2.8 and real clients:

  GET  /token?service=S&scope=A&scope=B   (scopes repeated and/or space-separated)
  POST /token                             (OAuth2 form: grant_type=password, username,
                                           password, service, scope; refresh_token grants)

Users: `pare` with password `secret`. The user is granted what it asks for, except that
repositories under `readonly/` are pull-only for it (a way for tests to get "denied").
Anonymous requests get `pull` on repositories under `public/` and nothing else. Wrong
credentials answer 401. Every token is an ES256 JWT whose header `kid` is the libtrust
fingerprint of the signing key, so the registry can find the key in `rootcertbundle`.

    registry_token_server.py --dir DIR --service S --issuer I

writes DIR/token.key, DIR/token.crt (the registry's rootcertbundle), then listens on
127.0.0.1 on a free port and writes that port to DIR/port (atomically, once listening).
Each request is logged, one line, to DIR/requests.log. The server exits when its parent
dies (registry_lib.sh sets PR_SET_PDEATHSIG), so a killed test leaves nothing behind.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from registry_serve import serve
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

USERS = {"pare": "secret"}
TOKEN_LIFETIME = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_kid(public_key):
    """SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, 12 groups of 4."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def make_key_and_cert(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pare-test-token-signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    with open(os.path.join(directory, "token.key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(directory, "token.crt"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key


def parse_scopes(values):
    """Scopes from repeated parameters, each possibly space-separated: type:name:actions.
    The name may itself hold ':' (host:port/repo), so split on the first and last colon."""
    out = []
    for value in values:
        for scope in value.split():
            first, last = scope.find(":"), scope.rfind(":")
            if first < 0 or first == last:
                continue
            out.append((scope[:first], scope[first + 1:last],
                        [a for a in scope[last + 1:].split(",") if a]))
    return out


def grant(user, scopes):
    access = []
    for typ, name, actions in scopes:
        if user is None:
            allowed = {"pull"} if typ == "repository" and name.startswith("public/") else set()
        elif typ == "repository" and name.startswith("readonly/"):
            allowed = {"pull"}
        else:
            allowed = None  # everything asked for
        got = [a for a in actions if allowed is None or a in allowed]
        if got:
            # Merge repeated requests for one resource (e.g. pull, then pull,push).
            for entry in access:
                if entry["type"] == typ and entry["name"] == name:
                    entry["actions"] = sorted(set(entry["actions"]) | set(got))
                    break
            else:
                access.append({"type": typ, "name": name, "actions": got})
    return access


class TokenServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pare-token-server"

    def log_message(self, fmt, *args):  # quiet stderr; requests.log has the story
        pass

    def log_line(self, status, user, access):
        line = "%s %s %d user=%s access=%s\n" % (
            self.command, self.path, status, user if user else "-",
            json.dumps(access, separators=(",", ":")))
        with self.server.log_lock:
            with open(self.server.log_path, "a") as f:
                f.write(line)

    def reply(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def unauthorized(self, user_shown, access=()):
        self.log_line(401, user_shown, list(access))
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                     "message": "authentication required",
                                     "detail": None}]},
                   [("WWW-Authenticate", 'Basic realm="pare-token-server"')])

    def basic_user(self):
        """(ok, user): ok False on wrong or malformed credentials; user None when anonymous."""
        header = self.headers.get("Authorization")
        if not header:
            return True, None
        kind, _, value = header.partition(" ")
        if kind.lower() != "basic":
            return False, None
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False, None
        return USERS.get(user) == password, user

    def issue(self, user, service, scopes, oauth):
        now = int(time.time())
        access = grant(user, scopes)
        claims = {"iss": self.server.issuer, "sub": user or "", "aud": service,
                  "exp": now + TOKEN_LIFETIME, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        header = {"typ": "JWT", "alg": "ES256", "kid": self.server.kid}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        der = self.server.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        token = signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        issued = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        body = {"token": token, "access_token": token, "expires_in": TOKEN_LIFETIME,
                "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if oauth and user is not None:
            body["refresh_token"] = "refresh-" + user
        self.log_line(200, user, access)
        self.reply(200, body)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != "/token":
            self.log_line(404, None, [])
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            return
        query = parse_qs(url.query, keep_blank_values=True)
        ok, user = self.basic_user()
        if not ok:
            self.unauthorized(user)
            return
        service = query.get("service", [""])[0]
        self.issue(user, service, parse_scopes(query.get("scope", [])), oauth=False)

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"),
                        keep_blank_values=True)
        if url.path != "/token":
            self.log_line(404, None, [])
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            return
        grant_type = form.get("grant_type", [""])[0]
        if grant_type == "password":
            user = form.get("username", [""])[0]
            if USERS.get(user) != form.get("password", [None])[0]:
                self.unauthorized(user)
                return
        elif grant_type == "refresh_token":
            user = form.get("refresh_token", [""])[0].partition("refresh-")[2]
            if user not in USERS:
                self.unauthorized(user)
                return
        else:
            self.log_line(400, None, [])
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        service = form.get("service", [""])[0]
        self.issue(user, service, parse_scopes(form.get("scope", [])), oauth=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--issuer", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    key = make_key_and_cert(args.dir)
    server = TokenServer(("127.0.0.1", 0), Handler)
    server.key = key
    server.kid = libtrust_kid(key.public_key())
    server.issuer = args.issuer
    server.log_path = os.path.join(args.dir, "requests.log")
    server.log_lock = threading.Lock()
    open(server.log_path, "a").close()
    serve(server, args.dir)


if __name__ == "__main__":
    main()
