# python-app: the standard library modules a real app imports (json, hashlib,
# sqlite3, ssl), each used for real; prints the same lines on every run.
import hashlib
import json
import os
import sqlite3
import ssl
import sys

print("python %d.%d" % sys.version_info[:2])
print("cwd " + os.getcwd())
print("sha256 " + hashlib.sha256(b"pare slims images\n").hexdigest())
print("json " + json.dumps({"name": "pare", "sizes": [3, 1, 2], "ok": True, "caf\u00e9": None},
                           sort_keys=True, ensure_ascii=True))
db = sqlite3.connect(":memory:")
db.execute("create table t (k text, v integer)")
db.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2), ("a", 40)])
rows = db.execute("select k, sum(v) from t group by k order by k").fetchall()
print("sqlite " + " ".join("%s=%d" % r for r in rows))
print("ssl ok" if ssl.OPENSSL_VERSION.startswith("OpenSSL 3.") else "ssl: " + ssl.OPENSSL_VERSION)
ctx = ssl.create_default_context(cafile=ssl.get_default_verify_paths().openssl_cafile)
print("ca certificates loaded: %s" % ("yes" if ctx.cert_store_stats()["x509_ca"] > 100 else "no"))
