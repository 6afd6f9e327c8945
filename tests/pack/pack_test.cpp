#include "pare/pack/pack.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "../elf/elf_testdata.hpp"
#include "../support.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

using namespace pare;

namespace {

const PlanEntry* entry_at(const Plan& plan, const std::string& path) {
  const auto it = std::find_if(plan.entries.begin(), plan.entries.end(),
                               [&](const PlanEntry& e) { return e.path == path; });
  return it == plan.entries.end() ? nullptr : &*it;
}

PackBinary binary(const std::string& name) {
  PackBinary b;
  b.path = elf_testdata(name);
  return b;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

}  // namespace

TEST_CASE("pack: a static program over the distroless base, its platform from the ELF") {
  PackOptions options;
  options.image.source_date_epoch = 0;
  const PlannedImage p = plan_pack(binary("static-musl"), options);
  CHECK(p.source == elf_testdata("static-musl"));
  CHECK(p.image.platform().str() == "linux/amd64");
  CHECK(p.layer_files == nullptr);  // every byte is a host file or written by pare
  const PlanEntry* program = entry_at(p.plan, "/static-musl");
  REQUIRE(program != nullptr);
  CHECK(program->mode == 0755);
  CHECK(std::holds_alternative<HostBytes>(program->origin));
  CHECK(p.plan.config.config.entrypoint == std::vector<std::string>{"/static-musl"});
  CHECK(entry_at(p.plan, "/etc/passwd") != nullptr);
  CHECK(entry_at(p.plan, "/tmp") != nullptr);
  REQUIRE_FALSE(p.plan.config.history.empty());
  CHECK(p.plan.config.history.back().created_by == "pare pack");
}

TEST_CASE("pack: the scratch base holds the program and /tmp only") {
  PackOptions options;
  options.base = PackBase::kScratch;
  options.dest = "/bin/app";
  const PlannedImage p = plan_pack(binary("static-musl"), options);
  std::vector<std::string> paths;
  for (const auto& e : p.plan.entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"/bin", "/bin/app", "/tmp"});
}

TEST_CASE("pack: an arm64 program makes an arm64 image; a platform that disagrees is refused") {
  const PlannedImage p = plan_pack(binary("arm64-static"), PackOptions{});
  CHECK(p.image.config.architecture == "arm64");
  PackBinary wrong = binary("arm64-static");
  wrong.platform = Platform::parse("linux/amd64");
  CHECK(code_of([&] { plan_pack(wrong, PackOptions{}); }) == ExitCode::kBadInput);
}

TEST_CASE("pack: a dynamic program needs a sysroot; a library is no program") {
  CHECK(code_of([&] { plan_pack(binary("dynamic-curl"), PackOptions{}); }) == ExitCode::kUsage);
  CHECK(code_of([&] { plan_pack(binary("libdemo.so.1"), PackOptions{}); }) == ExitCode::kBadInput);
}

TEST_CASE("pack: a User the image's passwd cannot name is refused before anything is written") {
  const auto pack_as = [](const char* user) {
    return code_of([&] {
      PackOptions options;
      options.image.cmd =
          std::vector<std::string>{"-v"};  // alone, user trips GCC 12 -Wmaybe-uninitialized
      options.image.user = std::string(user);
      plan_pack(binary("static-musl"), options);
    });
  };
  CHECK(pack_as("nonroot") == ExitCode::kOk);
  CHECK(pack_as("someone") == ExitCode::kUsage);
  CHECK(pack_as("4242") == ExitCode::kOk);
}

TEST_CASE("pack: a request is checked before any program is read") {
  PackRequest request;
  request.binaries = {binary("no-such-program")};
  request.options.sysroot = "/no/such/folder";
  CHECK(code_of([&] { check_pack_request(request); }) == ExitCode::kUsage);
  request.options.sysroot.reset();
  request.options.base = PackBase::kScratch;
  request.options.ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
  CHECK(code_of([&] { check_pack_request(request); }) == ExitCode::kUsage);
  request.options.ca_bundle.reset();
  // Two programs that pack alone: only the preset's one-manifest rule refuses them.
  request.binaries = {binary("static-musl"), binary("arm64-static")};
  request.preset = Preset::kLambda;
  CHECK(code_of([&] { plan_pack(request); }) == ExitCode::kUsage);
  request.preset = Preset::kNone;
  const auto planned = plan_pack(request);
  REQUIRE(planned.size() == 2);
  CHECK(planned[0].image.config.architecture == "amd64");
  CHECK(planned[1].image.config.architecture == "arm64");
}
