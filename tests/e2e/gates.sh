# pare analyze as a CI gate: dive's numbers on dive's own fixture, each gate passing and failing
# from flags, from .pare.json and from dive's .dive-ci, findings present and absent, JSON and
# Markdown output.
source "$(dirname "$0")/lib.sh"
need jq python3 skopeo umoci gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static
[ "$(id -u)" -eq 0 ] || skip "the fixtures chown and chroot, which needs root"
make_fixtures
slim_fixtures
FAT=$S/fat-static.tar
"$PARE" slim -q "$FAT" -o "$WORK/slim.tar"

# gate NAME CODE PATTERN -- ARGS: analyze exits CODE and its output matches PATTERN.
gate() {
  local name=$1 code=$2 pattern=$3
  shift 4
  local rc=0
  "$PARE" analyze "$@" >"$WORK/g.out" 2>&1 || rc=$?
  if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" "$WORK/g.out"; then
    pass "$name"
  else
    fail "$name: exit $rc"; tail -5 "$WORK/g.out"
  fi
}

# dive_efficiency DOCKER-SAVE LIMIT: "EFFICIENCY PERCENT DISTANCE" of a docker save (Docker 24
# layout), as dive computes efficiency: per layer a tree of its entries (folders on the way
# added empty, names from ".wh..wh." on dropped); each leaf, in path order, adds its size to its
# path (a whiteout: its target's path, with the size of the target's subtree below it, or 0 for
# a file; a whiteout of nothing ends the layer's walk, as dive's visitor errors); the layer is
# then stacked (a whiteout removes its target's subtree). Efficiency is the sum over paths of
# the smallest size seen over the sum of every size seen. Printed as pare's gates print it.
dive_efficiency() {
  python3 - "$1" "$2" <<'PY'
import json, sys, tarfile

def components(path):
    return path.split("/")

def below(path, root):
    return path.startswith(root + "/")

outer = tarfile.open(sys.argv[1])
layers = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
stacked, seen = {}, {}  # path -> (size, is_dir); path -> [count, total, smallest]
for name in layers:
    tree = {}
    for m in tarfile.open(fileobj=outer.extractfile(name)):
        parts = [p for p in m.name.split("/") if p not in ("", ".")]
        for i, part in enumerate(parts):
            if part.startswith(".wh..wh."):
                break
            key = "/".join(parts[: i + 1])
            if i == len(parts) - 1:
                tree[key] = (m.size, m.isdir())
            else:
                tree.setdefault(key, (0, False))
    keys = sorted(tree, key=components)
    parents = {k.rsplit("/", 1)[0] for k in keys if "/" in k}
    for key in (k for k in keys if k not in parents):
        size, base = tree[key][0], key.rsplit("/", 1)[-1]
        if base.startswith(".wh."):
            target = key[: len(key) - len(base)] + base[4:]
            if target not in stacked:
                break
            size = 0
            if stacked[target][1]:
                size = sum(s for p, (s, _) in stacked.items() if p == target or below(p, target))
            key = target
        entry = seen.setdefault(key, [0, 0, size])
        entry[0] += 1
        entry[1] += size
        entry[2] = min(entry[2], size)
    for key in keys:
        base = key.rsplit("/", 1)[-1]
        if base.startswith(".wh."):
            target = key[: len(key) - len(base)] + base[4:]
            for p in [p for p in stacked if p == target or below(p, target)]:
                del stacked[p]
        else:
            stacked[key] = tree[key]
total = sum(e[1] for e in seen.values())
eff = 1.0 if total == 0 else sum(e[2] for e in seen.values()) / total
limit = float(sys.argv[2])
print(repr(eff), "%.2f%%" % (eff * 100.0), "%.2f%%" % (abs(eff - limit) * 100.0))
PY
}

# dive's numbers, exactly as dive's README and tests give them.
D=$SHARED/peer-fixtures/dive
if [ -d "$D" ]; then
  "$PARE" analyze --format json "$D/test-docker-image.tar" >"$WORK/dive.json"
  jq -e '.dive.sizeBytes == 1220598 and .dive.userSizeBytes == 66237 and .dive.wastedBytes == 32025
         and (.dive.efficiency - 0.9844212134184309 | fabs) < 1e-12
         and (.dive.userWastedPercent - 0.4834911001404049 | fabs) < 1e-12' "$WORK/dive.json" >/dev/null &&
    pass "dive's efficiency, size, user size, wasted and user wasted percent reproduced" ||
    { fail "dive numbers"; jq .dive "$WORK/dive.json"; }
  # The independent computation used on the fat image below gives dive's figure on dive's image.
  [ "$(dive_efficiency "$D/test-docker-image.tar" 0.99)" = "0.9844212134184309 98.44% 0.56%" ] &&
    pass "dive_efficiency (python3) reproduces dive's efficiency on dive's image" ||
    fail "dive_efficiency on dive's image: $(dive_efficiency "$D/test-docker-image.tar" 0.99)"
  mkdir -p "$WORK/divecfg" && cp "$D/.dive-ci" "$WORK/divecfg/.dive-ci"
  (cd "$WORK/divecfg" && "$PARE" analyze --format json "$D/test-docker-image.tar") >"$WORK/divegates.json"
  jq -e '(.gates | length) == 3 and (.gates | all(.passed))' "$WORK/divegates.json" >/dev/null &&
    pass "dive's own .dive-ci, found in the working folder, passes on its fixture" || { fail ".dive-ci"; jq .gates "$WORK/divegates.json"; }
  printf 'rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 1KB\n' >"$WORK/strict.dive-ci"
  gate ".dive-ci given to --config fails with the rule and by how much" 1 \
    "FAIL  min-efficiency: 98.44% is under 99.00% by 0.56%" -- --config "$WORK/strict.dive-ci" "$D/test-docker-image.tar"
elif [ "${CI:-}" = true ]; then
  fail "no peer fixtures in CI"
fi

gate "max-size passes under the limit" 0 "PASS  max-size" -- --max-size 1GB "$FAT"
gate "max-size fails over the limit, saying by how much" 1 "FAIL  max-size: [0-9.]+ MB is over the limit of 1.0 MB by [0-9.]+ MB" -- --max-size 1MB "$FAT"
gate "max-layers" 1 "FAIL  max-layers: 4 is over the limit of 2 by 2" -- --max-layers 2 "$FAT"
gate "max-layers passes" 0 "PASS  max-layers" -- --max-layers 4 "$FAT"
gate "max-wasted: pare's own wasted bytes" 1 "FAIL  max-wasted" -- --max-wasted 1kB "$FAT"
gate "max-wasted-percent" 1 "FAIL  max-wasted-percent" -- --max-wasted-percent 1% "$FAT"
gate "min-efficiency" 0 "PASS  min-efficiency" -- --min-efficiency 0.1 "$FAT"
# The fat image's efficiency depends on the host files it copied, so the expected figure is
# computed here, independently of pare: dive's algorithm in python3 over the layer tars that
# tarfile reads from the docker save. pare's JSON must agree to 1e-12, and the gate's message
# must print that figure and its distance to 99%.
"$PARE" analyze --format json "$FAT" >"$WORK/eff.json"
read -r eff eff_pct eff_by < <(dive_efficiency "$FAT" 0.99)
jq -e --argjson e "$eff" '(.dive.efficiency - $e | fabs) < 1e-12' "$WORK/eff.json" >/dev/null &&
  pass "the fat image's dive efficiency is what dive's algorithm gives ($eff_pct)" ||
  fail "dive efficiency: pare says $(jq .dive.efficiency "$WORK/eff.json"), dive's algorithm $eff"
gate "min-efficiency fails, by how much" 1 "FAIL  min-efficiency: ${eff_pct//./\\.} is under 99\\.00% by ${eff_by//./\\.}" -- --min-efficiency 99% "$FAT"
gate "max-wasted passes" 0 "PASS  max-wasted" -- --max-wasted 1GB "$FAT"
gate "max-wasted-percent passes" 0 "PASS  max-wasted-percent" -- --max-wasted-percent 0.9 "$FAT"
gate "max-removable: a slim would remove megabytes" 1 "FAIL  max-removable" -- --max-removable 100kB "$FAT"
gate "max-removable passes on a slim image" 0 "PASS  max-removable" -- --max-removable 100kB "$WORK/slim.tar"
gate "forbid shell finds bash" 1 "FAIL  forbid shell: .*bash" -- --forbid shell "$FAT"
gate "forbid shell passes on the slim image" 0 "PASS  forbid shell: none" -- --forbid shell "$WORK/slim.tar"
gate "forbid setuid finds su" 1 "FAIL  forbid setuid: 1 found \(/usr/bin/su\)" -- --forbid setuid "$FAT"
gate "forbid setuid passes on the slim image" 0 "PASS  forbid setuid: none" -- --forbid setuid "$WORK/slim.tar"
gate "forbid package-manager" 0 "PASS  forbid package-manager: none" -- --forbid package-manager "$WORK/slim.tar"
gate "forbid root-user: User unset" 1 "FAIL  forbid root-user: the image runs as root" -- --forbid root-user "$FAT"
"$PARE" slim -q "$FAT" -o "$WORK/nonroot.tar" --user nonroot
gate "forbid root-user passes for nonroot" 0 "PASS  forbid root-user: runs as nonroot" -- --forbid root-user "$WORK/nonroot.tar"

mkdir -p "$WORK/pcfg" && printf '{"analyze": {"maxLayers": 2, "forbid": ["shell"]}}' >"$WORK/pcfg/.pare.json"
(cd "$WORK/pcfg" && "$PARE" analyze --format json "$FAT") >"$WORK/p.json" || true
jq -e '(.gates | map(.name) | sort) == ["forbid shell", "max-layers"] and (.gates | all(.passed | not))' "$WORK/p.json" >/dev/null &&
  pass ".pare.json in the working folder sets gates; the JSON carries every gate's result" || { fail ".pare.json gates"; jq .gates "$WORK/p.json"; }
rc=0; (cd "$WORK/pcfg" && "$PARE" analyze -q "$FAT") >"$WORK/q.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$WORK/q.txt")" -eq 2 ] && grep -q '^FAIL' "$WORK/q.txt" &&
  pass "--quiet prints only the failed gates" || { fail "--quiet: exit $rc"; cat "$WORK/q.txt"; }
expect_exit "a malformed size is a usage error" 2 "--max-size lots: not a size" -- "$PARE" analyze --max-size lots "$FAT"

"$PARE" analyze --format markdown --max-layers 10 "$FAT" >"$WORK/r.md"
grep -q '^### pare analyze: `fat:static` (linux/amd64)' "$WORK/r.md" && grep -q '^| # | size | added | changed | removed | created by |' "$WORK/r.md" &&
  grep -q '^| max-layers | ✅ max-layers: 4 <= 10 |' "$WORK/r.md" &&
  pass "markdown: a heading, the layer table and the gates" || { fail "markdown"; cat "$WORK/r.md"; }
jq -e '.findings.shells | map(select(endswith("/bash"))) | length == 1' < <("$PARE" analyze --format json "$FAT") >/dev/null &&
  pass "findings name the shells present" || fail "shell finding"
jq -e '(.findings.shells | length) == 0 and (.findings.setuid | length) == 0' < <("$PARE" analyze --format json "$WORK/slim.tar") >/dev/null &&
  pass "and none on the slim image" || fail "slim findings"

# Colors only on a terminal, and never with NO_COLOR (script(1) gives analyze a terminal).
if command -v script >/dev/null; then
  script -qec "$PARE analyze --max-layers 9 $FAT" /dev/null >"$WORK/tty.txt" 2>&1 || true
  NO_COLOR=1 script -qec "$PARE analyze --max-layers 9 $FAT" /dev/null >"$WORK/nocolor.txt" 2>&1 || true
  "$PARE" analyze --max-layers 9 "$FAT" >"$WORK/pipe.txt" 2>&1 || true
  esc=$(printf '\033')
  grep -q "$esc\[32mPASS" "$WORK/tty.txt" && ! grep -q "$esc\[3" "$WORK/nocolor.txt" && ! grep -q "$esc" "$WORK/pipe.txt" &&
    pass "colors on a terminal only, NO_COLOR honoured" || fail "colors"
fi

# Where the bytes are: each category on the fat image, none on the slim one.
"$PARE" analyze --format json --top 3 "$FAT" >"$WORK/fat.json"
for cat in "apt downloaded packages" documentation "manual pages" locales; do
  jq -e --arg w "$cat" '.findings.categories[] | select(.what == $w and .bytes > 0)' "$WORK/fat.json" >/dev/null &&
    pass "finding: $cat on the fat image" || fail "finding $cat"
done
jq -e '(.findings.largestFiles | length) == 3 and .findings.largestFiles[0].bytes >= .findings.largestFiles[1].bytes
       and (.findings.largestFolders | length) == 3' "$WORK/fat.json" >/dev/null &&
  pass "--top 3 lists the 3 largest files and folders, largest first" || fail "top"
jq -e '.findings.duplicates[] | select(.paths | index("/usr/share/doc/bash/CHANGES.gz"))' "$WORK/fat.json" >/dev/null &&
  pass "identical files in several places are found by content" || fail "duplicates"
"$PARE" analyze --format json "$WORK/slim.tar" >"$WORK/slimf.json"
jq -e '(.findings.categories | length) == 0 and (.findings.duplicates | length) == 0 and (.findings.worldWritable | length) == 0' "$WORK/slimf.json" >/dev/null &&
  pass "the slim image has no caches, docs, locales or duplicates" || { fail "slim findings"; jq .findings "$WORK/slimf.json"; }

# Every other finding, on an image umoci builds with each of them.
umoci init --layout "$WORK/fnd" >/dev/null
umoci new --image "$WORK/fnd:x" >/dev/null
umoci unpack --image "$WORK/fnd:x" "$WORK/fnd-b" >/dev/null
F=$WORK/fnd-b/rootfs
for p in usr/include/zlib.h usr/lib/x86_64-linux-gnu/libz.a usr/share/info/tar.info.gz \
         root/.cache/pip/http/a root/.npm/_cacache/b usr/local/share/.cache/yarn/c \
         root/.cache/go-build/d var/cache/apk/APKINDEX.tar.gz usr/lib/gcc/x86_64-linux-gnu/12/cc1; do
  mkdir -p "$(dirname "$F/$p")" && head -c 1000 /dev/urandom >"$F/$p"
done
mkdir -p "$F/usr/bin" && cp /bin/true "$F/usr/bin/gcc" && mkdir -m 0777 "$F/shared" && chmod 0777 "$F/shared"
umoci repack --image "$WORK/fnd:x" "$WORK/fnd-b" >/dev/null
"$PARE" analyze --format json "$WORK/fnd" >"$WORK/fnd.json"
for what in "C and C++ headers" "static libraries" "info pages" "pip cache" "npm cache" "yarn cache" \
            "Go build and module caches" "apk cache" "compiler internals" "compilers and build tools"; do
  jq -e --arg w "$what" '.findings.categories[] | select(.what == $w and .files >= 1)' "$WORK/fnd.json" >/dev/null &&
    pass "finding: $what" || fail "finding $what"
done
jq -e '.findings.worldWritable == ["/shared"]' "$WORK/fnd.json" >/dev/null &&
  pass "finding: a world-writable folder without the sticky bit" || { fail "world-writable"; jq .findings.worldWritable "$WORK/fnd.json"; }
finish
