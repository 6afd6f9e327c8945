#include "pare/sbom/purl.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pare/sbom/os_release.hpp"

using namespace pare;

namespace {

Digest digest_of(char c) {
  return Digest::from_hex(std::string(64, c)).value();
}

}  // namespace

TEST_CASE("sbom: purl_encode keeps letters, digits, .-_~ and ':' and encodes the rest") {
  CHECK(purl_encode("1:2.4.47-2+b1") == "1:2.4.47-2%2Bb1");
  CHECK(purl_encode("a_b~c.d-e") == "a_b~c.d-e");
  CHECK(purl_encode("docker.io/library/debian") == "docker.io%2Flibrary%2Fdebian");
  CHECK(purl_encode("a b&c=d?e#f@g%") == "a%20b%26c%3Dd%3Fe%23f%40g%25");
  CHECK(purl_encode("\xc3\xa9") == "%C3%A9");  // UTF-8 bytes, one triplet each
}

TEST_CASE("sbom: a dpkg package's purl names the distribution os-release states") {
  const OsRelease debian{"debian", "12"};
  CHECK(package_purl("dpkg", debian, "libc6", "2.36-9+deb12u4", "amd64").str() ==
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
  // The purl spec's own example: an epoch's ':' stays, '+' is encoded.
  CHECK(package_purl("dpkg", {"debian", ""}, "attr", "1:2.4.47-2+b1", "amd64").str() ==
        "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
  CHECK(package_purl("dpkg-status.d", {"ubuntu", "22.04"}, "base-files", "12ubuntu4", "amd64")
            .str() == "pkg:deb/ubuntu/base-files@12ubuntu4?arch=amd64&distro=ubuntu-22.04");
  // No os-release (a distroless image without one): Debian's, without distro.
  CHECK(package_purl("dpkg", {}, "tzdata", "2024a-0+deb12u1", "all").str() ==
        "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all");
  CHECK(package_purl("dpkg", debian, "Mixed", "1", "").str() ==
        "pkg:deb/debian/mixed@1?distro=debian-12");
}

TEST_CASE("sbom: an apk package's purl is pkg:apk/alpine") {
  CHECK(package_purl("apk", {"alpine", "3.19.1"}, "musl", "1.2.4_git20230717-r4", "x86_64").str() ==
        "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
  CHECK(package_purl("apk", {}, "busybox", "1.36.1-r15", "aarch64").str() ==
        "pkg:apk/alpine/busybox@1.36.1-r15?arch=aarch64");
  CHECK(package_purl("", {}, "x", "1", "amd64").type.empty());
}

TEST_CASE("sbom: an image's purl is pkg:oci with the digest, repository and tag") {
  const Digest d = digest_of('a');
  const std::string hex(64, 'a');
  CHECK(image_purl("docker.io/library/debian:12", d, "amd64").str() ==
        "pkg:oci/debian@sha256:" + hex +
            "?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=12");
  CHECK(image_purl("localhost:5000/team/App", d, "arm64").str() ==
        "pkg:oci/app@sha256:" + hex + "?arch=arm64&repository_url=localhost:5000%2Fteam%2FApp");
  CHECK(image_purl("fat:slim", d, "amd64").str() ==
        "pkg:oci/fat@sha256:" + hex + "?arch=amd64&tag=slim");
  CHECK(image_purl("library/debian@sha256:" + std::string(64, 'b'), d, "amd64").str() ==
        "pkg:oci/debian@sha256:" + hex + "?arch=amd64");
  CHECK(image_purl("out", d, "amd64").str() == "pkg:oci/out@sha256:" + hex + "?arch=amd64");
}

TEST_CASE("sbom: os-release values bare, quoted and escaped") {
  const OsRelease os = parse_os_release(
      "# a comment\n"
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
      "NAME='Debian'\n"
      "  ID=Debian  \r\n"
      "garbage line\n"
      "VERSION_ID=\"12\\\"x\"\n");
  CHECK(os.id == "debian");
  CHECK(os.version_id == "12\"x");
  CHECK(parse_os_release("ID=alpine\nVERSION_ID=3.19.1").version_id == "3.19.1");
  CHECK(parse_os_release("").id.empty());
}
