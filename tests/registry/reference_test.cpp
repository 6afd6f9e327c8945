#include "pare/registry/reference.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pare/util/error.hpp"

using namespace pare;

namespace {

ExitCode exit_of(const std::string& name) {
  try {
    Reference::parse(name);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

}  // namespace

TEST_CASE("a reference without a host is Docker Hub's, one name under library/") {
  const Reference r = Reference::parse("docker://alpine");
  CHECK(r.registry == "docker.io");
  CHECK(r.repository == "library/alpine");
  CHECK(r.tag == "latest");
  CHECK(r.digest.empty());
  CHECK(r.api_host() == "registry-1.docker.io");
  CHECK(r.str() == "docker://docker.io/library/alpine:latest");
  CHECK(Reference::parse("docker://team/app:1.2").repository == "team/app");
}

TEST_CASE("a first name with a dot, a colon or localhost is the host") {
  const Reference r = Reference::parse("docker://127.0.0.1:5000/team/app:v1");
  CHECK(r.registry == "127.0.0.1:5000");
  CHECK(r.repository == "team/app");
  CHECK(r.tag == "v1");
  CHECK(r.api_host() == "127.0.0.1:5000");
  CHECK(Reference::parse("docker://localhost/app").registry == "localhost");
  CHECK(Reference::parse("docker://ghcr.io/o/r").repository == "o/r");
  // A port is not a tag: the tag is the ':' after the last '/'.
  CHECK(Reference::parse("docker://localhost:5000/app").tag == "latest");
}

TEST_CASE("a digest names the manifest; with a tag, the digest is what is pulled") {
  const std::string d = "sha256:" + std::string(64, 'a');
  const Reference r = Reference::parse("docker://h.io/app:v1@" + d);
  CHECK(r.tag == "v1");
  CHECK(r.digest == d);
  CHECK(r.manifest_ref() == d);
  const Reference only = Reference::parse("docker://h.io/app@" + d);
  CHECK(only.tag.empty());
  CHECK(only.manifest_ref() == d);
  CHECK(only.str() == "docker://h.io/app@" + d);
}

TEST_CASE("malformed references are usage errors") {
  CHECK(!Reference::is_reference("app.tar"));
  CHECK(Reference::is_reference("docker://"));
  CHECK(exit_of("docker://") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/App") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/app:") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/app@sha256:abc") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/a//b") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/-a") == ExitCode::kUsage);
  CHECK(exit_of("docker://h.io/app:" + std::string(129, 't')) == ExitCode::kUsage);
}
