#!/usr/bin/env bash
# Installs, from Debian's packages, everything pare needs to build and to run its tests.
# Run as root on Debian 12. Installs only what is missing.
set -euo pipefail
packages=(
  # build
  cmake g++ make pkg-config libarchive-dev libcli11-dev nlohmann-json3-dev libssl-dev doctest-dev libisal-dev libzstd-dev
  # formatting and linting
  clang-format clang-tidy
  # the sanitizer and fuzzing build (clang: AddressSanitizer, UBSan, libFuzzer)
  clang libclang-rt-14-dev
  # fixtures and independent validators
  tar gzip zstd coreutils findutils gawk fakeroot jq skopeo umoci python3-jsonschema
  # real programs for the loader tests: static, dynamic and arm64
  musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binfmt-support libcurl4-openssl-dev file
  # running images as users do (podman run under runc, no daemon)
  podman runc
  # real application images (testdata/make-app-images.sh): a Debian base, a Go and a zlib program
  mmdebstrap golang-go zlib1g-dev
  # bench/ (igzip is ISA-L's, the floor pare is measured against)
  time bc isal
  # registries for the pull/push tests (tests/e2e/registry_lib.sh): htpasswd, tokens, TLS
  docker-registry python3 python3-cryptography python3-bcrypt openssl curl
  # the man pages (groff -ww), the .deb (dpkg-shlibdeps), the completions (bash, zsh, fish), the
  # walkthrough's Rust program, hooks in a git repository
  groff-base groff dpkg-dev bash-completion zsh fish rustc git pre-commit python3-yaml
  # analyze's HTML page in a real browser, headless, and its screenshot read (tests/e2e/report.sh)
  chromium python3-pil
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: run as root (or install these packages first): ${missing[*]}" >&2
    exit 4
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
