# pare sbom and pare slim --sbom end to end: every SBOM is valid against the SPDX 2.3 JSON
# schema of the specification's repository (testdata/spdx), and says what independent tools
# find in the image: dpkg-query reads the fixture's database, GNU tar extracts the layers,
# sha256sum and sha1sum hash the files, python's urllib percent-encodes the purls.
source "$(dirname "$0")/lib.sh"
need gcc tar gzip sha256sum sha1sum dpkg-query cmp
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed"
[ "$(id -u)" -eq 0 ] || skip "the fixtures are packed as root's (image-lib.sh chowns them)"
SCHEMA=$REPO/testdata/spdx/spdx-2.3-schema.json
LIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)
[ -f "$LIBC" ] && [ -f "$LDSO" ] || skip "no amd64 glibc on this host"

# ---------------------------------------------------------------- fixtures ---
# A Debian-shaped image written here: a dynamic program and its library built by gcc, the
# host's libc and loader, /etc/os-release, and a dpkg database written by hand (status and
# info/*.list) whose packages own them; greet-doc owns only docs, which a slim drops.
IL_WORK=$WORK/il
IL_EPOCH=1704164645
IL_CREATED=2024-01-02T03:04:05Z
mkdir -p "$IL_WORK"
# shellcheck source=../../testdata/image-lib.sh
. "$REPO/testdata/image-lib.sh"

R=$WORK/root
mkdir -p "$R"/{etc,app,lib/x86_64-linux-gnu,lib64,usr/bin,usr/lib/x86_64-linux-gnu} \
  "$R"/usr/share/doc/greet-doc "$R"/var/lib/dpkg/info
printf 'int greet_answer(void) { return 42; }\n' >"$WORK/greet.c"
printf '#include <stdio.h>\nint greet_answer(void);\nint main(void) { printf("%%d\\n", greet_answer()); return 0; }\n' >"$WORK/main.c"
gcc -shared -fPIC -Wl,-soname,libgreet.so.1 -o "$R/usr/lib/x86_64-linux-gnu/libgreet.so.1" "$WORK/greet.c"
gcc -o "$R/usr/bin/greet" "$WORK/main.c" -L"$R/usr/lib/x86_64-linux-gnu" -l:libgreet.so.1
cp "$LIBC" "$R/lib/x86_64-linux-gnu/libc.so.6"
cp "$LDSO" "$R/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/ld-linux-x86-64.so.2"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$R/etc/os-release"
printf 'greet reads this\n' >"$R/app/data.txt"
printf 'how to greet\n' >"$R/usr/share/doc/greet-doc/README"
printf 'greet-doc (1.0-1) unstable; urgency=low\n' >"$R/usr/share/doc/greet-doc/changelog"
cat >"$R/var/lib/dpkg/status" <<'EOF'
Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: greet
Status: install ok installed
Architecture: amd64
Version: 1.0-1
Depends: libc6 (>= 2.34), libgreet1
Description: prints the answer

Package: greet-doc
Status: install ok installed
Architecture: all
Version: 1.0-1
Description: how to greet

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u7
Description: GNU C Library: Shared libraries

Package: libgreet1
Status: install ok installed
Architecture: amd64
Version: 1:1.0~rc1-1+b2
Description: the answer, as a library
EOF
printf '/.\n/etc\n/etc/os-release\n' >"$R/var/lib/dpkg/info/base-files.list"
printf '/.\n/usr\n/usr/bin\n/usr/bin/greet\n' >"$R/var/lib/dpkg/info/greet.list"
printf '/.\n/usr\n/usr/share\n/usr/share/doc\n/usr/share/doc/greet-doc\n/usr/share/doc/greet-doc/README\n/usr/share/doc/greet-doc/changelog\n' \
  >"$R/var/lib/dpkg/info/greet-doc.list"
printf '/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n/lib64\n/lib64/ld-linux-x86-64.so.2\n' \
  >"$R/var/lib/dpkg/info/libc6:amd64.list"
printf '/.\n/usr/lib/x86_64-linux-gnu/libgreet.so.1\n' >"$R/var/lib/dpkg/info/libgreet1.list"
chmod 0755 "$R/usr/bin/greet"
il_tree_list "$R" >"$WORK/members"
il_layer "$R" "$WORK/members" "$WORK/layer.tar"
il_oci_image "$WORK/layout" amd64 "" '{"Entrypoint":["/usr/bin/greet"]}' "$WORK/layer.tar|COPY . /"
il_pack "$WORK/layout" "$WORK/greet.tar"
IMG=$WORK/greet.tar

# An Alpine-shaped one: apk's installed database and os-release, no program.
A=$WORK/alpine
mkdir -p "$A"/{etc,lib/apk/db,usr/lib}
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' >"$A/etc/os-release"
printf 'musl\n' >"$A/usr/lib/libc.musl-x86_64.so.1"
cat >"$A/lib/apk/db/installed" <<'EOF'
C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
F:usr/lib
R:libc.musl-x86_64.so.1

C:Q1def=
P:alpine-baselayout-data
V:3.4.3-r2
A:x86_64
F:etc
R:os-release
EOF
il_tree_list "$A" >"$WORK/amembers"
il_layer "$A" "$WORK/amembers" "$WORK/alayer.tar"
il_oci_image "$WORK/alayout" amd64 "" '{}' "$WORK/alayer.tar|COPY . /"
il_pack "$WORK/alayout" "$WORK/alpine.tar"

# ------------------------------------------------------------------ helpers ---
# unpack ARCHIVE DIR: the layers of the archive's one image extracted by GNU tar, in order.
unpack() {
  rm -rf "$2" "$2.layout"
  mkdir -p "$2" "$2.layout"
  tar -C "$2.layout" -xf "$1"
  "$PY" - "$2.layout" <<'EOF' | while read -r blob; do tar -C "$2" -xzf "$2.layout/$blob"; done
import json, sys
lay = sys.argv[1]
index = json.load(open(lay + "/index.json"))
m = json.load(open(lay + "/blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
for l in m["layers"]:
    print("blobs/sha256/" + l["digest"].split(":")[1])
EOF
}

# sums ROOT TOOL: "HEX  ./path" for every regular file below ROOT, sorted by path.
sums() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r "$2"); }

# spdx SBOM QUERY: facts of an SBOM, one a line, sorted (python reads only the JSON).
spdx() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
q = sys.argv[2]
pkgs = {p["SPDXID"]: p for p in doc["packages"]}
out = []
def purl(p):
    return [r["referenceLocator"] for r in p.get("externalRefs", []) if r["referenceType"] == "purl"][0]
if q in ("sha1", "sha256"):
    alg = q.upper()
    out = [f"{[c['checksumValue'] for c in f['checksums'] if c['algorithm'] == alg][0]}  {f['fileName']}"
           for f in doc["files"]]
    out.sort(key=lambda l: l.split("  ", 1)[1])
    print("\n".join(out))
    sys.exit(0)
if q == "packages":  # name version arch purl, the image left out
    out = [f"{p['name']} {p.get('versionInfo', '')} {purl(p)}" for p in doc["packages"]
           if p.get("primaryPackagePurpose") != "CONTAINER" and "externalRefs" in p]
elif q == "image":
    out = [f"{p['versionInfo']} {purl(p)}" for p in doc["packages"]
           if p.get("primaryPackagePurpose") == "CONTAINER"]
elif q == "relationships":
    out = [f"{r['spdxElementId']} {r['relationshipType']} {r['relatedSpdxElement']}"
           for r in doc["relationships"]]
elif q == "applications":
    out = [p["name"] for p in doc["packages"] if p.get("primaryPackagePurpose") == "APPLICATION"]
elif q == "depends":  # names of what the application depends on
    names = {**{k: p["name"] for k, p in pkgs.items()},
             **{f["SPDXID"]: f["fileName"] for f in doc["files"]}}
    out = [f"{names[r['spdxElementId']]} -> {names[r['relatedSpdxElement']]}"
           for r in doc["relationships"] if r["relationshipType"] == "DEPENDS_ON"]
print("\n".join(sorted(out)))
EOF
}

# valid SBOM NAME: schema-valid, SPDXIDs unique, every relationship names an element, every
# file has a SHA1 and is contained once, the document describes the image.
valid() {
  local report
  if report=$("$PY" - "$SCHEMA" "$1" <<'EOF' 2>&1
import json, sys, collections
import jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
ids = ["SPDXRef-DOCUMENT"] + [e["SPDXID"] for e in doc.get("packages", []) + doc.get("files", [])]
if len(ids) != len(set(ids)):
    errors.append("duplicate SPDXIDs")
known = set(ids)
contained = collections.Counter()
for r in doc["relationships"]:
    for k in ("spdxElementId", "relatedSpdxElement"):
        if r[k] not in known:
            errors.append(f"relationship names {r[k]}, no element of the document")
    if r["relationshipType"] == "CONTAINS":
        contained[r["relatedSpdxElement"]] += 1
for f in doc["files"]:
    if [c["algorithm"] for c in f["checksums"]].count("SHA1") != 1:
        errors.append(f"{f['fileName']}: not one SHA1")
    if contained[f["SPDXID"]] != 1:
        errors.append(f"{f['fileName']}: contained {contained[f['SPDXID']]} times")
if {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
    "relatedSpdxElement": "SPDXRef-Image"} not in doc["relationships"]:
    errors.append("the document does not describe SPDXRef-Image")
if doc["spdxVersion"] != "SPDX-2.3":
    errors.append("not SPDX-2.3")
print("\n".join(errors[:5]))
sys.exit(1 if errors else 0)
EOF
  ); then
    pass "$2: valid SPDX 2.3 (schema, identifiers, relationships, SHA1s)"
  else
    fail "$2: invalid"; echo "$report"
  fi
}

# purl NAME VERSION ARCH: the purl the spec asks for, encoded by python's urllib.
deb_purl() {
  "$PY" -c 'import sys, urllib.parse as u
n, v, a = sys.argv[1:4]
print("pkg:deb/debian/%s@%s?arch=%s&distro=debian-12" % (n, u.quote(v, safe=":"), u.quote(a)))' "$@"
}

# ------------------------------------------------------------- pare sbom ---
"$PARE" sbom "$IMG" -o "$WORK/source.json" 2>"$WORK/err.txt" ||
  { fail "pare sbom exits non-zero"; cat "$WORK/err.txt"; }
valid "$WORK/source.json" "pare sbom of the source"
"$PARE" sbom "$IMG" >"$WORK/stdout.json"
cmp -s "$WORK/source.json" "$WORK/stdout.json" && pass "without -o the SBOM goes to stdout, the same bytes" ||
  fail "stdout differs from -o"
"$PARE" sbom -q "$IMG" -o "$WORK/again.json"
cmp -s "$WORK/source.json" "$WORK/again.json" && pass "pare sbom twice gives identical bytes" ||
  fail "pare sbom is not deterministic"

unpack "$IMG" "$WORK/src"
check_same "every file of the source with the SHA-256 sha256sum gives" \
  <(sums "$WORK/src" sha256sum) <(spdx "$WORK/source.json" sha256)
check_same "and the SHA-1 sha1sum gives" <(sums "$WORK/src" sha1sum) <(spdx "$WORK/source.json" sha1)

# The packages dpkg-query reads from the fixture's database, with the purls the spec asks for.
dpkg-query --admindir="$WORK/src/var/lib/dpkg" -W -f '${Package} ${Version} ${Architecture}\n' |
  while read -r n v a; do echo "$n $v $(deb_purl "$n" "$v" "$a")"; done | LC_ALL=C sort >"$WORK/dpkg.txt"
[ "$(wc -l <"$WORK/dpkg.txt")" -eq 5 ] || fail "dpkg-query lists $(wc -l <"$WORK/dpkg.txt") packages, not 5"
check_same "pare sbom lists every package dpkg-query does, with its purl" "$WORK/dpkg.txt" \
  <(spdx "$WORK/source.json" packages)
spdx "$WORK/source.json" packages >"$WORK/source-packages.txt"
grep -qxF 'libgreet1 1:1.0~rc1-1+b2 pkg:deb/debian/libgreet1@1:1.0~rc1-1%2Bb2?arch=amd64&distro=debian-12' \
  "$WORK/source-packages.txt" && pass "an epoch, a tilde and a plus in a version's purl" ||
  fail "libgreet1's purl"

manifest=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' \
  "$WORK/src.layout/index.json")
image_line=$(spdx "$WORK/source.json" image)
# No name but the layout's ref.name "latest": the file names it, with that tag.
[ "$image_line" = "$manifest pkg:oci/greet@$manifest?arch=amd64&tag=latest" ] &&
  pass "the image package: its manifest digest and pkg:oci purl ($image_line)" || fail "image: $image_line"
[ "$(spdx "$WORK/source.json" applications)" = greet ] &&
  pass "the program's package is the APPLICATION" || fail "applications: $(spdx "$WORK/source.json" applications)"
printf 'greet -> libc6\ngreet -> libgreet1\n' >"$WORK/depends.txt"
check_same "the program DEPENDS_ON the packages owning its loader and libraries" "$WORK/depends.txt" \
  <(spdx "$WORK/source.json" depends)
spdx "$WORK/source.json" relationships >"$WORK/source-rels.txt"
grep -qx 'SPDXRef-Image CONTAINS SPDXRef-File-app-data.txt' "$WORK/source-rels.txt" &&
  grep -qx 'SPDXRef-Package-greet-doc-all CONTAINS SPDXRef-File-usr-share-doc-greet-doc-README' \
    "$WORK/source-rels.txt" &&
  pass "files no package owns are the image's; the others their package's" || fail "CONTAINS"
SOURCE_DATE_EPOCH=86400 "$PARE" sbom -q "$IMG" -o "$WORK/epoch.json"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["creationInfo"]["created"] != "1970-01-02T00:00:00Z")' \
  "$WORK/epoch.json" && pass "SOURCE_DATE_EPOCH sets created" || fail "SOURCE_DATE_EPOCH"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["creationInfo"]["created"] != sys.argv[2])' \
  "$WORK/source.json" "$IL_CREATED" && pass "else created is the config's ($IL_CREATED)" || fail "created"

"$PARE" sbom "$WORK/alpine.tar" -o "$WORK/alpine.json"
valid "$WORK/alpine.json" "pare sbom of an apk image"
printf '%s\n' 'alpine-baselayout-data 3.4.3-r2 pkg:apk/alpine/alpine-baselayout-data@3.4.3-r2?arch=x86_64&distro=alpine-3.19.1' \
  'musl 1.2.4_git20230717-r4 pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1' >"$WORK/apk.txt"
check_same "apk packages as pkg:apk/alpine purls" "$WORK/apk.txt" <(spdx "$WORK/alpine.json" packages)

# ------------------------------------------------------- pare slim --sbom ---
"$PARE" slim -q "$IMG" -o "$WORK/plain.tar"
"$PARE" slim -q "$IMG" -o "$WORK/out.tar" --sbom "$WORK/slim.json" 2>"$WORK/err.txt" ||
  { fail "slim --sbom exits non-zero"; cat "$WORK/err.txt"; }
valid "$WORK/slim.json" "slim --sbom"
cmp -s "$WORK/plain.tar" "$WORK/out.tar" && pass "the slim output is byte-identical with and without --sbom" ||
  fail "--sbom changed the image"
"$PY" - "$WORK/out.tar" <<'EOF' && pass "the output's index names one image manifest, no index or artifact" || fail "the output is an index"
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
index = json.load(t.extractfile("index.json"))
ms = index["manifests"]
assert len(ms) == 1 and ms[0]["mediaType"] == "application/vnd.oci.image.manifest.v1+json", ms
m = json.load(t.extractfile("blobs/sha256/" + ms[0]["digest"].split(":")[1]))
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and "manifests" not in m, m
assert not any(n.endswith(".json") and "spdx" in n for n in t.getnames())
EOF
unpack "$WORK/out.tar" "$WORK/slim"
check_same "slim --sbom: every file of the output with sha256sum's SHA-256" \
  <(sums "$WORK/slim" sha256sum) <(spdx "$WORK/slim.json" sha256)
check_same "and sha1sum's SHA-1" <(sums "$WORK/slim" sha1sum) <(spdx "$WORK/slim.json" sha1)
out_manifest=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' \
  "$WORK/slim.layout/index.json")
[ "sha256:$(sha256sum <"$WORK/slim.layout/blobs/sha256/${out_manifest#sha256:}" | cut -d' ' -f1)" = "$out_manifest" ] &&
  [ "$(spdx "$WORK/slim.json" image)" = "$out_manifest pkg:oci/out@$out_manifest?arch=amd64" ] &&
  pass "its image package is the written output's manifest digest" || fail "slim image: $(spdx "$WORK/slim.json" image)"

# The packages that still own a file or link of the output: from the fixture's .list files
# and the extracted output, folders left out.
for list in "$WORK"/src/var/lib/dpkg/info/*.list; do
  pkg=$(basename "$list" .list); pkg=${pkg%%:*}
  while read -r p; do
    if [ -e "$WORK/slim$p" ] || [ -L "$WORK/slim$p" ]; then [ -d "$WORK/slim$p" ] || { echo "$pkg"; break; }; fi
  done <"$list"
done | sort -u >"$WORK/surviving.txt"
grep -qx greet-doc "$WORK/surviving.txt" && fail "greet-doc survived the slim"
awk 'NR == FNR { kept[$1] = 1; next } kept[$1]' "$WORK/surviving.txt" "$WORK/dpkg.txt" >"$WORK/slim-expected.txt"
check_same "slim --sbom lists exactly the packages still owning output files, with purls" \
  "$WORK/slim-expected.txt" <(spdx "$WORK/slim.json" packages)
spdx "$WORK/slim.json" packages >"$WORK/slim-packages.txt"
if grep -q '^greet-doc ' "$WORK/slim-packages.txt"; then
  fail "greet-doc in slim --sbom"
elif grep -q '^greet-doc ' "$WORK/dpkg.txt" && grep -q '^greet-doc ' <(spdx "$WORK/source.json" packages); then
  pass "greet-doc, all slimmed away, is absent from slim --sbom and present in pare sbom of the source"
else
  fail "greet-doc is not in pare sbom of the source"
fi
check_same "the slim SBOM's program still DEPENDS_ON libc6 and libgreet1" "$WORK/depends.txt" \
  <(spdx "$WORK/slim.json" depends)
spdx "$WORK/slim.json" relationships >"$WORK/slim-rels.txt"
grep -qx 'SPDXRef-Image CONTAINS SPDXRef-File-etc-passwd' "$WORK/slim-rels.txt" &&
  pass "files pare writes (passwd) are listed and the image's" || fail "no /etc/passwd"
"$PARE" sbom -q "$WORK/out.tar" -o "$WORK/out-sbom.json"
valid "$WORK/out-sbom.json" "pare sbom of the slim output (distroless status.d)"
check_same "pare sbom of the output finds the packages slim --sbom lists" \
  <(spdx "$WORK/slim.json" packages) <(spdx "$WORK/out-sbom.json" packages)

# ----------------------------------------------------------------- failures ---
head -c 20000 "$IMG" >"$WORK/bad.tar"
expect_exit "pare sbom of a truncated archive" 3 "bad\.tar" -- "$PARE" sbom "$WORK/bad.tar" -o "$WORK/bad.json"
[ ! -e "$WORK/bad.json" ] && pass "and writes no SBOM" || fail "bad.json was left"
expect_exit "slim --sbom of a truncated archive" 3 "bad\.tar" -- \
  "$PARE" slim "$WORK/bad.tar" -o "$WORK/bad-out.tar" --sbom "$WORK/bad-slim.json"
[ ! -e "$WORK/bad-out.tar" ] && [ ! -e "$WORK/bad-slim.json" ] && pass "and writes neither file" ||
  fail "slim left a file"
[ -z "$(find "$WORK" -maxdepth 1 -name '.*' -newer "$WORK/bad.tar")" ] && pass "no temporary file is left" ||
  fail "temporaries: $(find "$WORK" -maxdepth 1 -name '.*' -newer "$WORK/bad.tar")"
# One byte of the layer changed: its digest no longer matches the manifest.
cp -r "$WORK/layout" "$WORK/badlayout"
layer=$(ls -S "$WORK/badlayout/blobs/sha256" | head -1)
printf 'X' | dd of="$WORK/badlayout/blobs/sha256/$layer" bs=1 seek=100 conv=notrunc 2>/dev/null
il_pack "$WORK/badlayout" "$WORK/badlayer.tar"
expect_exit "pare sbom of an image whose layer is not its digest" 3 "badlayer\.tar" -- \
  "$PARE" sbom "$WORK/badlayer.tar" -o "$WORK/badlayer.json"
[ ! -e "$WORK/badlayer.json" ] && pass "and writes no SBOM" || fail "badlayer.json was left"
cp "$IMG" "$WORK/in.tar"
expect_exit "-o naming the input is refused" 2 "in\.tar" -- "$PARE" sbom "$WORK/in.tar" -o "$WORK/in.tar"
cmp -s "$IMG" "$WORK/in.tar" && pass "and the input is untouched" || fail "the input changed"
expect_exit "--sbom naming the image output is refused" 2 "--sbom" -- \
  "$PARE" slim "$IMG" -o "$WORK/x.tar" --sbom "$WORK/x.tar"
expect_exit "--sbom with --dry-run is refused" 2 "--dry-run" -- \
  "$PARE" slim "$IMG" --dry-run --sbom "$WORK/y.json"

finish
