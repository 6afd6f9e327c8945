# pare analyze --format json against docs/analyze.schema.json, checked by an independent
# validator (python3's jsonschema, Draft 2020-12): the report of an image whose program cannot
# start (exit 3, the JSON still printed), of fat static and dynamic images with gates, and of
# dive's own fixture; and a broken copy of a real report must fail, so the schema is not vacuous.
source "$(dirname "$0")/lib.sh"
need python3 gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static
python3 -c 'import jsonschema' 2>/dev/null || skip "python3's jsonschema module is not installed"
[ "$(id -u)" -eq 0 ] || skip "the fixtures chown and chroot, which needs root"
SCHEMA=$REPO/docs/analyze.schema.json
python3 -c 'import json,sys,jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' \
  "$SCHEMA" && pass "the schema is itself a valid Draft 2020-12 schema" || fail "the schema is not a valid schema"
make_fixtures
slim_fixtures

# valid FILE: exit 0 when FILE is a report the schema accepts, else print the first error.
valid() {
  python3 -c 'import json,sys,jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
e = jsonschema.exceptions.best_match(v.iter_errors(json.load(open(sys.argv[1]))))
if e is not None:
    print("  " + "/".join(map(str, e.absolute_path)) + ": " + e.message[:300]); sys.exit(1)' "$1" "$SCHEMA"
}

# json_report COMMAND NAME CODE OUT -- ARGS: `pare COMMAND --format json ARGS` exits CODE, prints
# JSON to OUT, and $SCHEMA accepts it.
json_report() {
  local command=$1 name=$2 code=$3 out=$4
  shift 5
  local rc=0
  "$PARE" "$command" --format json "$@" >"$out" 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$name: exit $rc, expected $code"; cat "$WORK/err.txt"
  elif valid "$out" >"$WORK/why.txt"; then
    pass "$name"
  else
    fail "$name: does not match the schema"; cat "$WORK/why.txt"
  fi
}
report() { json_report analyze "$@"; }

report "a script whose interpreter is missing: exit 3, and its JSON matches" 3 "$WORK/churn.json" -- \
  "$FIXTURES/churn-oci-gzip.tar"
report "zstd layers, OCI archive" 3 "$WORK/zstd.json" -- "$FIXTURES/churn-oci-zstd.tar"
report "docker save with an OCI layout" 3 "$WORK/d25.json" -- "$FIXTURES/churn-docker25.tar"
report "fat static image with failing gates (max-size, forbid shell)" 1 "$WORK/static.json" -- \
  --max-size 1MB --forbid shell "$S/fat-static.tar"
"$PARE" slim -q "$S/fat-static.tar" -o "$WORK/slim.tar"
report "pare slim's output with passing gates" 0 "$WORK/pass.json" -- \
  --max-size 1GB --max-layers 10 --min-efficiency 0.1 --max-removable 100kB --forbid shell --forbid setuid \
  "$WORK/slim.tar"
report "fat dynamic image: libraries, a slim plan" 0 "$WORK/dynamic.json" -- "$S/fat-dynamic.tar"
report "arm64 image chosen from an index" 0 "$WORK/arm64.json" -- --platform linux/arm64/v8 "$S/fat-multi.tar"

D=$SHARED/peer-fixtures/dive
if [ -d "$D" ]; then
  report "dive's fixture" 0 "$WORK/dive.json" -- "$D/test-docker-image.tar"
elif [ "${CI:-}" = true ]; then
  fail "no peer fixtures in CI"
fi

# The schema has teeth: real reports, each broken one way, must be refused.
# broken NAME SOURCE PYTHON: apply PYTHON (on the parsed report r) to a copy of SOURCE.
broken() {
  local name=$1 src=$2 edit=$3
  if ! python3 -c "import json,sys
r = json.load(open(sys.argv[1]))
$edit
json.dump(r, open(sys.argv[2], 'w'))" "$src" "$WORK/broken.json" 2>"$WORK/why.txt"; then
    fail "a report with $name: cannot edit $(basename "$src")"; tail -1 "$WORK/why.txt"
  elif valid "$WORK/broken.json" >"$WORK/why.txt"; then
    fail "the schema accepts a report with $name"
  else
    pass "the schema refuses a report with $name ($(sed 's/^ *//' "$WORK/why.txt" | head -c 120))"
  fi
}
broken "no totals.wastedBytes" "$WORK/churn.json" "del r['totals']['wastedBytes']"
broken "a layer size as a string" "$WORK/dynamic.json" "r['layers'][0]['compressedSize'] = str(r['layers'][0]['compressedSize'])"
broken "an unknown entrypoint.class" "$WORK/dynamic.json" "r['entrypoint']['class'] = 'shared-object'"
broken "an unknown key" "$WORK/static.json" "r['gates'][0]['severity'] = 'high'"
broken "a gate without passed" "$WORK/static.json" "del r['gates'][1]['passed']"
broken "a fractional totals.files" "$WORK/static.json" "r['totals']['files'] += 0.5"
broken "slim.size null but removable set" "$WORK/dynamic.json" "r['slim']['size'] = None; r['slim']['error'] = 'no plan'"

# pare verify --format json against docs/verify.schema.json: a sound image with --run, a broken
# one, and a report edited to break the schema.
SCHEMA=$REPO/docs/verify.schema.json
python3 -c 'import json,sys,jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' \
  "$SCHEMA" && pass "the verify schema is itself a valid Draft 2020-12 schema" || fail "the verify schema is not a valid schema"
"$PARE" slim "$S/fat-static.tar" -o "$WORK/slim-static.tar" -q || fail "slim of fat-static failed"
verified() {
  local name=$1
  shift
  json_report verify "verify $name: its JSON matches" "$1" "$2" -- "${@:3}"
}
verified "a slim image, run" 0 "$WORK/verify-ok.json" "$WORK/slim-static.tar" --run
verified "an image whose script lacks its interpreter" 1 "$WORK/verify-bad.json" "$FIXTURES/churn-oci-gzip.tar"
broken "verify: a problem without check" "$WORK/verify-bad.json" "del r['problems'][0]['check']"
broken "verify: a run whose exitCode is a string" "$WORK/verify-ok.json" "r['runs'][0]['exitCode'] = '0'"
finish
