# The .deb (cpack -G DEB in the Release build): its Depends are the runtime libraries, it puts
# the binary, the man pages and the completions where Debian puts them, dpkg installs it, the
# installed `pare --version` runs and names its libraries, and the installed completions load
# in bash, zsh and fish and complete a command and a flag. The package is removed at the end.
# PARE_RELEASE_BUILD names the Release build folder (scripts/test.sh sets it).
source "$(dirname "$0")/lib.sh"
need cpack dpkg dpkg-deb dpkg-shlibdeps bash zsh fish
[ -n "${PARE_RELEASE_BUILD:-}" ] || skip "PARE_RELEASE_BUILD (the Release build to package) is not set"
[ "$(id -u)" -eq 0 ] || skip "installing a .deb needs root"
[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
if [ -e /usr/bin/pare ] && ! dpkg -S /usr/bin/pare >/dev/null 2>&1; then
  skip "/usr/bin/pare exists and no package owns it: not overwriting it"
fi

cmake --build "$PARE_RELEASE_BUILD" --target pare pare_share >/dev/null
(cd "$WORK" && cpack --config "$PARE_RELEASE_BUILD/CPackConfig.cmake" -G DEB -B "$WORK/deb" >"$WORK/cpack.out" 2>&1) ||
  { cat "$WORK/cpack.out"; fail "cpack -G DEB"; exit 1; }
DEB=$(ls "$WORK"/deb/pare_*.deb)
pass "cpack made $(basename "$DEB") ($(wc -c <"$DEB") bytes)"

depends=$(dpkg-deb -f "$DEB" Depends)
# "libarchive13 (>= 3.6.0), libc6 (>= 2.34), ...": one package name a line.
tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/ .*//' >"$WORK/depends"
for lib in libarchive13 libssl3 libcurl4 libisal2 libzstd1 libc6 libstdc++6; do
  grep -qx "$lib" "$WORK/depends" && pass "Depends names $lib" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/contents"
for path in /usr/bin/pare /usr/share/man/man1/pare.1.gz /usr/share/man/man1/pare-slim.1.gz \
  /usr/share/bash-completion/completions/pare /usr/share/zsh/vendor-completions/_pare \
  /usr/share/fish/vendor_completions.d/pare.fish; do
  grep -qx "$path" "$WORK/contents" && pass "the package holds $path" || fail "the package lacks $path"
done

trap 'dpkg -r pare >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
dpkg -i "$DEB" >"$WORK/dpkg.out" 2>&1 && pass "dpkg -i installs it" || { cat "$WORK/dpkg.out"; fail "dpkg -i"; }
/usr/bin/pare --version >"$WORK/version" 2>&1 || fail "the installed pare --version exits $?"
for lib in '^pare [0-9]' '^libarchive [0-9]' '^OpenSSL [0-9]' '^libcurl [0-9]' '^ISA-L [0-9]' '^zstd [0-9]'; do
  grep -q "$lib" "$WORK/version" && pass "--version: $(grep -m1 "$lib" "$WORK/version")" ||
    fail "--version lacks /$lib/"
done
# The versions it says are the ones installed, as dpkg knows them.
curl_v=$(dpkg-query -W -f '${Version}' libcurl4 | sed 's/-.*//')
grep -q "^libcurl $curl_v" "$WORK/version" && pass "--version's libcurl is the installed $curl_v" ||
  fail "--version's libcurl is not $curl_v"
zcat /usr/share/man/man1/pare.1.gz | grep -q '^\.TH PARE 1' && pass "the man page is installed" ||
  fail "the installed man page"

# bash: bash-completion loads the installed file on demand and completes.
bash_complete() {
  bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader pare
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    $(complete -p pare | sed "s/.*-F \([^ ]*\) .*/\1/") pare "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
bash_complete pare ana | grep -qx analyze && pass "bash completes a command (pare ana -> analyze)" ||
  fail "bash: pare ana"
bash_complete pare analyze --for | grep -qx -- --format && pass "bash completes a flag (--for -> --format)" ||
  fail "bash: pare analyze --for"
bash_complete pare analyze --format '' | grep -qx markdown && pass "bash completes a flag's value (--format -> markdown)" ||
  fail "bash: pare analyze --format"
# zsh: compinit finds the installed _pare for pare.
zsh -fc 'autoload -Uz compinit && compinit -u -d "$1/zcompdump" && print -r -- $_comps[pare]' zsh "$WORK" \
  >"$WORK/zsh.out" 2>&1
grep -qx _pare "$WORK/zsh.out" && pass "zsh's compinit loads _pare for pare" || { fail "zsh"; cat "$WORK/zsh.out"; }
# fish: complete -C asks the installed completions what follows.
fish -c 'complete -C "pare ana"' | grep -q '^analyze' && pass "fish completes a command" || fail "fish: pare ana"
fish -c 'complete -C "pare slim --dry"' | grep -q '^--dry-run' && pass "fish completes a flag" ||
  fail "fish: pare slim --dry"

dpkg -r pare >/dev/null 2>&1 && [ ! -e /usr/bin/pare ] && pass "dpkg -r removes it" || fail "dpkg -r"

echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
