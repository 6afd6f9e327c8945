# The man pages against the binary: one page per command (man/pare-COMMAND.1) and pare(1); every
# flag `pare COMMAND --help` lists is a tagged paragraph of that command's page, or, for the
# Registry and Limits groups, of pare(1)'s; no page documents a flag the command lacks; each
# page renders with groff -ww without a warning; pare(1) covers the exit codes, the config file
# and the environment.
source "$(dirname "$0")/lib.sh"
need groff
MAN=$REPO/man

# help_flags COMMAND: "GROUP FLAG" for every flag of `pare COMMAND --help` (-h/--help left out).
help_flags() {
  "$PARE" "$1" --help | awk '
    /^[A-Z][A-Za-z ]*:$/ { group = substr($0, 1, length($0) - 1); next }
    /^  -/ {
      n = split($1, names, ",")
      for (i = 1; i <= n; i++)
        if (names[i] != "-h" && names[i] != "--help") print group, names[i]
    }' | LC_ALL=C sort -u
}

# page_flags PAGE [SECTION]: the flags named by the tag lines (the line after .TP) of PAGE, or
# only of its .SS SECTION.
page_flags() {
  awk -v want="${2:-}" '
    /^\.S[HS] / { section = $0; sub(/^\.S[HS] /, "", section); next }
    /^\.TP/ { tag = 1; next }
    tag {
      tag = 0
      if (want != "" && section != want) next
      line = $0
      # An escaped hyphen inside a word (package\-manager) starts no flag.
      while (match(line, /[A-Za-z0-9]\\-/)) line = substr(line, 1, RSTART) "-" substr(line, RSTART + RLENGTH)
      while (match(line, /\\-(\\-)?[A-Za-z0-9][A-Za-z0-9\\-]*/)) {
        flag = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
        gsub(/\\-/, "-", flag)
        print flag
      }
    }' "$1" | LC_ALL=C sort -u
}

commands=$("$PARE" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || { fail "pare --help lists no commands"; exit 1; }
page_flags "$MAN/pare.1" Registry >"$WORK/registry"
page_flags "$MAN/pare.1" Limits >"$WORK/limits"

for cmd in $commands; do
  page=$MAN/pare-$cmd.1
  if [ ! -f "$page" ]; then
    fail "pare $cmd has no man page (man/pare-$cmd.1)"
    continue
  fi
  help_flags "$cmd" >"$WORK/help"
  awk '$1 != "Registry" && $1 != "Limits" { print $2 }' "$WORK/help" | LC_ALL=C sort -u >"$WORK/own"
  page_flags "$page" >"$WORK/page"
  check_same "pare-$cmd.1 documents exactly the flags of pare $cmd --help" "$WORK/own" "$WORK/page"
  for group in Registry Limits; do
    { grep "^$group " "$WORK/help" || true; } | awk '{print $2}' >"$WORK/group"
    [ -s "$WORK/group" ] || continue
    lower=$(echo "$group" | tr 'A-Z' 'a-z')
    missing=$(LC_ALL=C comm -23 "$WORK/group" "$WORK/$lower" | tr '\n' ' ')
    [ -z "$missing" ] && pass "pare(1)'s $group section has pare $cmd's $group flags" ||
      fail "pare(1)'s $group section lacks $missing"
    grep -q "$group" "$page" && pass "pare-$cmd.1 points at pare(1) for its $group flags" ||
      fail "pare-$cmd.1 does not mention its $group flags"
  done
done

for page in "$MAN"/*.1; do
  name=$(basename "$page" .1)
  cmd=${name#pare-}
  if [ "$name" != pare ] && ! grep -qx "$cmd" <<<"$commands"; then
    fail "$name.1 documents no command of pare --help"
  fi
  if groff -ww -man -Tutf8 "$page" >/dev/null 2>"$WORK/groff.err" && [ ! -s "$WORK/groff.err" ]; then
    pass "$name.1 renders with groff -ww, no warning"
  else
    fail "$name.1: groff -ww"; head -5 "$WORK/groff.err"
  fi
  grep -q "^\.TH $(echo "$name" | tr 'a-z' 'A-Z') 1 " "$page" && pass "$name.1: .TH names it" ||
    fail "$name.1: its .TH line"
done

# pare(1): exit codes, the config file, the environment.
for code in 0 1 2 3 4; do
  awk '/^\.SH EXIT STATUS/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN/pare.1" | grep -qx "\.B $code" &&
    pass "pare(1) EXIT STATUS: $code" || fail "pare(1) EXIT STATUS lacks $code"
done
for var in SOURCE_DATE_EPOCH NO_COLOR CI REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_RUNTIME_DIR TMPDIR; do
  awk '/^\.SH ENVIRONMENT/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN/pare.1" | grep -q "$var" &&
    pass "pare(1) ENVIRONMENT: $var" || fail "pare(1) ENVIRONMENT lacks $var"
done
awk '/^\.SH FILES/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN/pare.1" | grep -q 'pare\.json' &&
  pass "pare(1) FILES: .pare.json" || fail "pare(1) FILES lacks .pare.json"

echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
