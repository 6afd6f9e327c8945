# pare analyze --format html in a real browser, and --format markdown under GitHub's job
# summary cap. One image made here by GNU tar (three layers from this host's files: docs,
# locales, a setuid su, an apt cache, a static program, a file overwritten, two identical, and
# names that are HTML) is analyzed to one page, which Debian's chromium loads once, headless,
# offline (a dead proxy), dumping its DOM and a screenshot: the page's script ran (its marker)
# with no console message, nothing was fetched, the hostile names are text (no element made of
# them, the title they would set not set), and the map in the screenshot holds many colours.
# A second image of 10,000 long-named files gives Markdown under 1,000,000 bytes that says what
# it cut, and a bounded page. About 5 s under AddressSanitizer, most of it chromium.
source "$(dirname "$0")/lib.sh"
need tar gzip sha256sum chromium timeout
PY=/usr/bin/python3
[ -x "$PY" ] || skip "/usr/bin/python3 is not installed"
"$PY" -c 'import PIL' 2>/dev/null || skip "python3-pil is not installed"

export LC_ALL=C TZ=UTC
IL_WORK=$WORK/il IL_EPOCH=1700000000 IL_CREATED=2023-11-14T22:13:20Z
mkdir -p "$IL_WORK"
# shellcheck source=../../testdata/image-lib.sh
. "$REPO/testdata/image-lib.sh"

# layer NAME ROOT: ROOT's tree as $WORK/NAME.tar and .tar.gz (image-lib's conventions).
layer() {
  il_tree_list "$2" >"$WORK/$1.list"
  il_layer "$2" "$WORK/$1.list" "$WORK/$1.tar"
}
# copy_host ROOT PATH...: host files into ROOT at the same paths (what exists).
copy_host() {
  local root=$1 p
  shift
  for p in "$@"; do
    [ -e "$p" ] || continue
    mkdir -p "$root$(dirname "$p")"
    cp -a "$p" "$root$p"
  done
}

# --- the image: base, apt, app --------------------------------------------------------------
B=$WORK/base A=$WORK/apt P=$WORK/app
mkdir -p "$B/etc" "$B/usr/bin" "$B/bin" "$B/tmp"
copy_host "$B" /bin/bash /bin/dash /usr/bin/su /usr/bin/dpkg /usr/bin/apt-get /usr/include/stdio.h \
  /usr/include/stdlib.h /usr/include/string.h
chmod 4755 "$B/usr/bin/su" 2>/dev/null || true
for pkg in bash coreutils libc6 tar sed; do
  copy_host "$B" /usr/share/doc/$pkg
done
for lang in de fr es; do
  for mo in coreutils bash tar sed grep; do copy_host "$B" /usr/share/locale/$lang/LC_MESSAGES/$mo.mo; done
done
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$B/etc/passwd"
printf 'root:x:0:\n' >"$B/etc/group"
printf 'first version\n%.0s' $(seq 2000) >"$B/etc/app.conf"
layer base "$B"
mkdir -p "$A/var/cache/apt/archives" "$A/var/lib/apt/lists" "$A/etc"
head -c 400000 /dev/urandom >"$A/var/cache/apt/archives/libfoo_1.0_amd64.deb"
head -c 150000 /dev/urandom >"$A/var/lib/apt/lists/deb.debian.org_dists_bookworm_main"
printf 'second version\n%.0s' $(seq 4000) >"$A/etc/app.conf"  # overwrites the base's
layer apt "$A"
mkdir -p "$P/app/data" "$P/app/<script>document.title='PWNED'<"
cp /sbin/ldconfig "$P/app/bootstrap"  # a static-pie program: the entrypoint
for i in 1 2 3 4 5 6 7 8; do head -c $((i * 37000)) /dev/urandom >"$P/app/data/chunk-$i.bin"; done
cp "$P/app/data/chunk-8.bin" "$P/app/data/copy-of-8.bin"
# Names that are HTML: an element with a handler, and a path that is a script element.
head -c 90000 /dev/urandom >"$P/app/<img src=x onerror=\"document.title='PWNED'\">"
head -c 90000 /dev/urandom >"$P/app/<script>document.title='PWNED'</script>"
layer app "$P"
OCI=$WORK/oci
il_oci_image "$OCI" amd64 "" '{"Entrypoint":["/app/bootstrap"],"Env":["PATH=/usr/bin:/bin"]}' \
  "$WORK/base.tar|ADD rootfs.tar / # docs, locales, su, bash" \
  "$WORK/apt.tar|RUN apt-get update && apt-get install -y libfoo # <b>bold</b>" \
  "$WORK/app.tar|COPY app /app"
IMG=$WORK/report.tar
il_pack "$OCI" "$IMG"

# --- the page -------------------------------------------------------------------------------
PAGE=$WORK/page.html
rc=0
"$PARE" analyze "$IMG" --format html --max-layers 2 -o "$PAGE" 2>"$WORK/analyze.err" || rc=$?
if [ "$rc" -eq 1 ] && [ -s "$PAGE" ]; then
  pass "a failing gate exits 1 after the page is written ($(stat -c %s "$PAGE") bytes)"
else
  fail "analyze --format html -o: exit $rc"; cat "$WORK/analyze.err"
fi
"$PARE" analyze "$IMG" --format html --max-layers 2 >"$WORK/again.html" 2>/dev/null || true
cmp -s "$PAGE" "$WORK/again.html" && pass "the same image gives the same page, on stdout or -o" ||
  fail "two runs gave different pages"
if grep -qiE '(src|href|action)[[:space:]]*=[[:space:]]*["'"'"']?[a-z]+://' "$PAGE" ||
  grep -qiE '@import|url\(' "$PAGE"; then
  fail "the page refers to something outside itself"; grep -oiE '.{30}://.{30}' "$PAGE" | head -3
else
  pass "the page names no URL to load"
fi
grep -q "default-src 'none'" "$PAGE" && pass "its Content Security Policy allows no request" ||
  fail "no default-src 'none' policy"

# browse PAGE PREFIX: chromium, headless and offline, loads PAGE once: PREFIX.dom (the DOM after
# its script ran), PREFIX.png (1280x900), PREFIX.log (its console, which the page never writes
# to: any line is an uncaught exception, a load its policy refused, or a failed one). Offline:
# every request goes to a proxy nobody listens on and every name resolves to nothing, so
# neither the page nor chromium's own background requests leave the machine.
browse() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$WORK/chromium" --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
    --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' \
    --disable-background-networking --disable-component-update --disable-sync \
    --enable-logging=stderr --v=0 --window-size=1280,900 --screenshot="$2.png" \
    --dump-dom "file://$1" >"$2.dom" 2>"$2.stderr" || true
  grep -E 'CONSOLE|Uncaught|Refused to' "$2.stderr" >"$2.log" || true
}
browse "$PAGE" "$WORK/page"
if [ -s "$WORK/page.log" ]; then
  fail "the page wrote to the console"; head -5 "$WORK/page.log"
else
  pass "no console message: no error, nothing refused or failed to load"
fi
drawn=$(grep -oE 'data-rendered="[0-9]+"' "$WORK/page.dom" | grep -oE '[0-9]+' || echo 0)
[ "$drawn" -ge 20 ] && pass "its script drew the map ($drawn boxes)" ||
  fail "the map was not drawn (marker: $drawn)"
title=$(grep -oE '<title>[^<]*</title>' "$WORK/page.dom" || true)
[[ $title == "<title>pare analyze: "* ]] && pass "the names' payload did not run: $title" ||
  fail "the title is now $title"
if grep -qE '<img|<script>document' "$WORK/page.dom"; then
  fail "a name became an element"; grep -oE '.{20}(<img|<script>document).{40}' "$WORK/page.dom" | head -3
elif grep -q '&lt;img src=x onerror=' "$WORK/page.dom"; then
  pass "the hostile names are shown as text, no element made of them"
else
  fail "the hostile names are not shown"
fi
grep -q 'class="fail">FAIL' "$WORK/page.dom" && pass "the page shows the failed gate" ||
  fail "no failed gate on the page"
rect=$(sed -n 's/.*data-rect="\([0-9,-]*\)".*/\1/p' "$WORK/page.dom" | head -1)
if [ -s "$WORK/page.png" ] && [ -n "$rect" ] &&
  "$PY" - "$WORK/page.png" "$rect" >"$WORK/colours.txt" <<'PY'
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
x, y, w, h = (int(v) for v in sys.argv[2].split(","))
box = (max(0, x), max(0, y), min(image.width, x + w), min(image.height, y + h))
if box[2] - box[0] < 400 or box[3] - box[1] < 300:
    print("the map is not on the screenshot:", box)
    sys.exit(1)
area = image.crop(box)
counts = area.getcolors(maxcolors=1 << 24)
pixels = area.width * area.height
flat = [n for n, _ in counts if n >= 200]  # areas of one colour: boxes, not text's edges
largest = max(n for n, _ in counts) / pixels
print(f"{len(flat)} colours of 200 pixels or more in {box}, the largest {largest:.0%}")
sys.exit(0 if len(flat) >= 12 and largest < 0.5 else 1)
PY
then
  pass "the screenshot shows the map: $(cat "$WORK/colours.txt")"
else
  fail "the screenshot shows no map: $(cat "$WORK/colours.txt" 2>/dev/null)"
fi

# --- many long-named files: Markdown under the cap --------------------------------------------
M=$WORK/many
mkdir -p "$M"
"$PY" - "$M/layer.tar" 10000 <<'PY'
import io, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])
a, b = "many-" + "a" * 190, "long-" + "b" * 190
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    def add(name, data=None):
        info = tarfile.TarInfo(name)
        info.mtime, info.uid, info.gid, info.uname, info.gname = 1700000000, 0, 0, "", ""
        if data is None:
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        else:
            info.mode, info.size = 0o644, len(data)
            tar.addfile(info, io.BytesIO(data))
    add(a)
    add(a + "/" + b)
    for i in range(n):
        add(f"{a}/{b}/file-{i:06d}-" + "c" * 120, bytes([i % 256]) * (1 + i % 7))
PY
gzip -n -1 -c "$M/layer.tar" >"$M/layer.tar.gz"
il_oci_image "$M/oci" amd64 "" '{}' "$M/layer.tar|ADD many.tar /"
il_pack "$M/oci" "$M/many.tar"
"$PARE" analyze "$M/many.tar" --format markdown --top 100000 >"$M/summary.md" 2>"$M/err" ||
  { fail "analyze --format markdown: exit $?"; cat "$M/err"; }
size=$(stat -c %s "$M/summary.md")
if [ "$size" -lt 1000000 ] && [ "$size" -gt 900000 ]; then
  pass "--top 100000 on 10,000 long paths: $size bytes, under the 1,000,000 cap"
else
  fail "the Markdown is $size bytes"
fi
grep -qE '^… [0-9,]+ more paths not shown$' "$M/summary.md" &&
  pass "it says what it cut: $(grep -E '^… [0-9,]+ more paths not shown$' "$M/summary.md")" ||
  fail "no line says what was cut"
long=$(awk 'length($0) > 400' "$M/summary.md" | wc -l)
[ "$long" -eq 0 ] && pass "paths shortened with an ellipsis: no line over 400 bytes" ||
  fail "$long lines over 400 bytes"
"$PARE" analyze "$M/many.tar" --format markdown >"$M/top.md" 2>/dev/null || true
grep -q '^… 9,992 more paths not shown$' "$M/top.md" &&
  pass "--top 10: ten rows and the rest counted ($(stat -c %s "$M/top.md") bytes)" ||
  { fail "--top 10"; tail -5 "$M/top.md"; }
"$PARE" analyze "$M/many.tar" --format html -o "$M/page.html" 2>/dev/null || true
html=$(stat -c %s "$M/page.html" 2>/dev/null || echo 0)
if [ "$html" -gt 0 ] && [ "$html" -lt 2000000 ] && grep -q 'too small to draw one by one' "$M/page.html"; then
  pass "the page of 10,000 files stays small ($html bytes) and says what it drew together"
else
  fail "the page of 10,000 files: $html bytes"
fi
finish
