#!/usr/bin/env bash
# Speed and memory of pare on a realistic image (bench/make-image.sh: this machine's /usr, about
# 1.1 GiB in 45,000 entries, 6 gzip layers, entrypoint /usr/bin/openssl), as ratios against floors
# run in the same invocation:
#   igzip floor: every layer blob hashed (openssl dgst -sha256) and inflated (ISA-L igzip -dc)
#                into openssl dgst -sha256, all layers in one command
#   gzip floor:  the same with sha256sum and GNU gzip -dc
# plus what a user would do without a daemon (skopeo copy, umoci unpack + delete + repack), pare
# on the docker-archive (uncompressed layers) against hashing that file once, and a size sweep
# (about 100 MB, 500 MB, 1 GB) for pare analyze and slim: time about linear, memory flat.
# Each number is the median of RUNS runs: wall seconds and peak RSS (/usr/bin/time -v).
# Usage: bash bench/run.sh [--quick] [PATH/TO/pare]
#   --quick  a small image (about 60 MB), RUNS=1, no sweep: well under a minute
# With Debian's docker-registry installed, also slim from a loopback registry to it: pare alone
# against skopeo copy in + pare slim + skopeo copy out.
# Env: PARE (default build/pare), RUNS (default 3), WORK (default a mktemp folder under TMPDIR,
#      removed on exit; a WORK you give is kept, and images already made in it are reused).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown flag $a (see --help)" >&2; exit 2 ;;
    *) PARE=$a ;;
  esac
done
PARE=${PARE:-build/pare}
RUNS=${RUNS:-3}
[ "$QUICK" = 1 ] && RUNS=1
KEEP_WORK=0
if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK"
  KEEP_WORK=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pare-bench.XXXXXX")
fi
# On exit: the bench's registry stopped, and WORK removed unless it was given.
cleanup() {
  if [ -f "$WORK/registry/pid" ]; then kill "$(cat "$WORK/registry/pid")" 2>/dev/null || true; fi
  [ "$KEEP_WORK" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
WORK=$(cd "$WORK" && pwd)
START=$(date +%s.%N)
declare -A WALL RSS

# need TOOL...: fails with a clear message when a tool is missing.
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null ||
      { echo "run.sh: needs $t (bash scripts/install-deps.sh installs it; igzip is Debian's isal)" >&2; exit 4; }
  done
}

# calc EXPR: EXPR evaluated by awk, printed with 2 decimals.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# median: the median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# image SCALE: makes (or reuses in WORK) the image at SCALE percent; prints its folder.
image() {
  local d=$WORK/img-$1
  if [ ! -f "$d/done" ]; then
    echo "making the image at scale $1% in $d ..." >&2
    bash "$ROOT/bench/make-image.sh" "$d" "$1" >&2
    touch "$d/done"
  fi
  echo "$d"
}

# blobs DIR: the layer blobs of the image in DIR/layout, in manifest order.
blobs() {
  local m
  m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$1/layout/index.json")
  jq -r '.layers[].digest | sub("sha256:"; "")' "$1/layout/blobs/sha256/$m" | sed "s|^|$1/layout/blobs/sha256/|"
}

# measure KEY PREP CMD...: runs PREP (untimed, by bash) then CMD, RUNS times; stores the median
# wall seconds in WALL[KEY] and the median peak RSS (MiB) in RSS[KEY]. CMD must succeed.
measure() {
  local key=$1 prep=$2 walls=() rsss=() t0 t1 tv=$WORK/time.txt i
  shift 2
  for ((i = 0; i < RUNS; i++)); do
    [ -n "$prep" ] && bash -c "$prep"
    t0=$(date +%s.%N)
    if ! /usr/bin/time -v -o "$tv" "$@" >"$WORK/out.txt" 2>&1; then
      echo "run.sh: failed: $*" >&2; tail -5 "$WORK/out.txt" >&2; exit 1
    fi
    t1=$(date +%s.%N)
    walls+=("$(calc "$t1 - $t0")")
    rsss+=("$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tv")")
  done
  WALL[$key]=$(printf '%s\n' "${walls[@]}" | median)
  RSS[$key]=$(printf '%s\n' "${rsss[@]}" | median)
  echo "  $key: ${WALL[$key]} s, ${RSS[$key]} MiB" >&2
}

# row LABEL KEY: one line of the Markdown table, the ratio against the igzip floor.
row() {
  printf '| %s | %.2f | %s | %.0f |\n' "$1" "${WALL[$2]}" "$(calc "${WALL[$2]} / ${WALL[igzip]}")x" "${RSS[$2]}"
}

# describe DIR: uncompressed and stored bytes, entries and layers of the image in DIR.
describe() {
  awk -v gz="$(blobs "$1" | xargs stat -c %s | awk '{ s += $1 } END { print s }')" \
    '{ b += $2; n += $3; l++ } END { printf "%.0f MiB uncompressed (%.0f MiB gzip) in %d entries, %d layers", b / 1048576, gz / 1048576, n, l }' "$1/stats"
}

# main_bench DIR: the main table on the image in DIR.
main_bench() {
  local d=$1 img=$1/image.tar out=$WORK/slim.tar b=()
  mapfile -t b < <(blobs "$d")
  echo "measuring (RUNS=$RUNS) on $(describe "$d") ..." >&2
  # shellcheck disable=SC2016 # the scripts below are for bash -c, their $b expands there
  measure igzip "" bash -c 'for b; do openssl dgst -sha256 "$b"; igzip -dc "$b" | openssl dgst -sha256; done' _ "${b[@]}"
  # shellcheck disable=SC2016
  measure gzip "" bash -c 'for b; do sha256sum "$b"; gzip -dc "$b" | sha256sum; done' _ "${b[@]}"
  measure analyze "" "$PARE" analyze "$img"
  measure slim "rm -f '$out'" "$PARE" slim "$img" -o "$out"
  measure verify_out "" "$PARE" verify "$out"
  VERIFY_IMG=1
  "$PARE" verify "$img" >"$WORK/verify-img.txt" 2>&1 || VERIFY_IMG=0
  [ "$VERIFY_IMG" = 1 ] && measure verify_img "" "$PARE" verify "$img"
  measure skopeo "rm -rf '$WORK/oci'" skopeo copy -q "oci-archive:$img" "oci:$WORK/oci:bench"
  # shellcheck disable=SC2016
  measure umoci "rm -rf '$WORK/bundle'; umoci rm --image '$WORK/oci:slim' 2>/dev/null; true" bash -c '
    set -euo pipefail
    umoci unpack --image "$1/oci:bench" "$1/bundle"
    tar -C "$1/bundle/rootfs" -cf "$1/keep.tar" -T "$2"
    find "$1/bundle/rootfs" -mindepth 1 -delete
    tar -C "$1/bundle/rootfs" -xf "$1/keep.tar"
    umoci repack --image "$1/oci:slim" "$1/bundle"' _ "$WORK" "$d/keep.txt"
  measure docker_hash "" openssl dgst -sha256 "$d/docker.tar"
  measure docker_analyze "" "$PARE" analyze "$d/docker.tar"
  SLIM_BYTES=$(stat -c %s "$out")
  UMOCI_BYTES=$(du -sb "$WORK/oci/blobs" | cut -f1)
}

# print_main DIR: the main Markdown table and the notes under it.
print_main() {
  echo
  echo "Image: $(describe "$1"); $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(date -u +%Y-%m-%d), RUNS=$RUNS, load before: $LOAD"
  echo
  echo "| command | wall s | ratio to igzip floor | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: |"
  row "igzip floor: \`openssl dgst -sha256\` + \`igzip -dc \| openssl dgst -sha256\` per layer" igzip
  row "gzip floor: \`sha256sum\` + \`gzip -dc \| sha256sum\` per layer" gzip
  row "\`pare analyze IMG\`" analyze
  row "\`pare slim IMG -o OUT\`" slim
  row "\`pare verify OUT\`" verify_out
  if [ "$VERIFY_IMG" = 1 ]; then row "\`pare verify IMG\`" verify_img
  else echo "| \`pare verify IMG\`: fails on the source ($(head -1 "$WORK/verify-img.txt")) | - | - | - |"; fi
  row "\`skopeo copy oci-archive:IMG oci:DIR:bench\`" skopeo
  row "\`umoci unpack\` + delete all but the program and its libraries + \`umoci repack\`" umoci
  row "docker-archive (tar layers): \`openssl dgst -sha256 FILE\`" docker_hash
  row "docker-archive (tar layers): \`pare analyze FILE\`" docker_analyze
  echo
  echo "On the docker-archive, \`pare analyze\` takes $(calc "${WALL[docker_analyze]} / ${WALL[docker_hash]}")x one \`openssl dgst -sha256\` of the file."
  echo "Output: pare slim $(calc "$SLIM_BYTES / 1048576") MiB; the umoci layout (source + a layer of whiteouts) $(calc "$UMOCI_BYTES / 1048576") MiB."
}

# sweep: pare analyze and slim on images of about 100 MB, 500 MB and 1 GB.
sweep() {
  local s d key mib lines=()
  for s in 9 45 100; do
    d=$(image "$s")
    echo "sweep at scale $s%: $(describe "$d")" >&2
    measure "a$s" "" "$PARE" analyze "$d/image.tar"
    measure "s$s" "rm -f '$WORK/sweep.tar'" "$PARE" slim "$d/image.tar" -o "$WORK/sweep.tar"
    mib=$(awk '{ b += $2 } END { printf "%.0f", b / 1048576 }' "$d/stats")
    key=$s
    lines+=("$(printf '| %s | %s | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f |' "$mib" \
      "$(awk '{ n += $3 } END { print n }' "$d/stats")" "${WALL[a$key]}" \
      "$(calc "${WALL[a$key]} * 1024 / $mib")" "${RSS[a$key]}" "${WALL[s$key]}" \
      "$(calc "${WALL[s$key]} * 1024 / $mib")" "${RSS[s$key]}")")
  done
  echo
  echo "| uncompressed MiB | entries | analyze s | analyze s/GiB | analyze RSS MiB | slim s | slim s/GiB | slim RSS MiB |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${lines[@]}"
}

# registry_up: Debian's docker-registry on a free loopback port, storage under WORK emptied
# first (so nothing a previous run pushed is skipped or mounted), the bench image pushed into it
# by skopeo; sets REG. Untimed: the prep of each registry run.
registry_up() {
  local port
  registry_down
  rm -rf "$WORK/registry"
  mkdir -p "$WORK/registry"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$WORK/registry/data" "$port" >"$WORK/registry/config.yml"
  docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
  echo $! >"$WORK/registry/pid"
  REG=127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "http://$REG/v2/" >/dev/null && break; sleep 0.1; done
  skopeo copy -q --dest-tls-verify=false "oci-archive:$1" "docker://$REG/bench:1"
  echo "$REG" >"$WORK/registry/host"
}
registry_down() {
  [ -f "$WORK/registry/pid" ] || return 0
  kill "$(cat "$WORK/registry/pid")" 2>/dev/null || true
  rm -f "$WORK/registry/pid"
}

# registry_bench DIR: slim from a registry to it, by pare alone against skopeo around pare.
registry_bench() {
  local img=$1/image.tar
  # shellcheck disable=SC2016 # for bash -c: the registry's host is read when the run starts
  measure reg_pare "$(declare -f registry_up registry_down); WORK='$WORK'; registry_up '$img'" bash -c '
    r=$(cat "$2/registry/host")
    "$1" slim -q --tls-verify=false "docker://$r/bench:1" -o "docker://$r/bench:slim"' _ "$PARE" "$WORK"
  # shellcheck disable=SC2016
  measure reg_skopeo "$(declare -f registry_up registry_down); WORK='$WORK'; registry_up '$img'; rm -f '$WORK/in.tar' '$WORK/out.tar'" bash -c '
    set -euo pipefail
    r=$(cat "$2/registry/host")
    skopeo copy -q --src-tls-verify=false "docker://$r/bench:1" "oci-archive:$2/in.tar"
    "$1" slim -q "$2/in.tar" -o "$2/out.tar"
    skopeo copy -q --dest-tls-verify=false "oci-archive:$2/out.tar" "docker://$r/bench:slim"' _ "$PARE" "$WORK"
  registry_down
}

# print_registry: the registry table.
print_registry() {
  echo
  echo "| from a registry to it (loopback, Debian's docker-registry) | wall s | ratio to igzip floor | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: |"
  row "\`pare slim docker://R/bench:1 -o docker://R/bench:slim\`" reg_pare
  row "\`skopeo copy\` in (oci-archive) + \`pare slim\` + \`skopeo copy\` out" reg_skopeo
  echo
  echo "pare alone takes $(calc "${WALL[reg_pare]} / ${WALL[reg_skopeo]}")x the time of skopeo around pare."
}

# main: checks the tools, makes the images, measures and prints the tables.
main() {
  need jq skopeo umoci igzip openssl gzip sha256sum tar awk /usr/bin/time
  [ -x "$PARE" ] || { echo "run.sh: no pare at $PARE (build it: bash scripts/build.sh pare, or set PARE)" >&2; exit 4; }
  LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  local d
  if [ "$QUICK" = 1 ]; then d=$(image 6); else d=$(image 100); fi
  main_bench "$d"
  local table
  table=$(print_main "$d")
  if command -v docker-registry >/dev/null; then
    registry_bench "$d"
    table+=$'\n'$(print_registry)
  fi
  [ "$QUICK" = 1 ] || table+=$'\n'$(sweep)
  echo "$table"
  echo
  echo "bench: $(calc "$(date +%s.%N) - $START") s in all (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
}

main
