#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pare/rules/lambda.hpp"

using pare::EntryType;
using pare::LambdaFacts;
using pare::LambdaFile;

namespace {

/// A sound Lambda image: /var/task/bootstrap started by absolute path, gzip layer.
LambdaFacts sound() {
  LambdaFacts f;
  f.layer_media_types = {"application/vnd.oci.image.layer.v1.tar+gzip"};
  f.config.os = "linux";
  f.config.architecture = "arm64";
  f.config.config.entrypoint = {"/var/task/bootstrap"};
  f.files = {{"/etc", EntryType::kDir, 0755, 0},
             {"/etc/passwd", EntryType::kFile, 0644, 90},
             {"/tmp", EntryType::kDir, 01777, 0},
             {"/var", EntryType::kDir, 0755, 0},
             {"/var/task", EntryType::kDir, 0755, 0},
             {"/var/task/bootstrap", EntryType::kFile, 0755, 1000}};
  return f;
}

std::vector<std::string> rules(const LambdaFacts& f) {
  std::vector<std::string> out;
  for (const auto& p : pare::check_lambda(f)) out.push_back(p.check + " " + p.where);
  return out;
}

void set_file(LambdaFacts& f, LambdaFile file) {
  auto it = std::find_if(f.files.begin(), f.files.end(),
                         [&](const LambdaFile& x) { return x.path == file.path; });
  if (it != f.files.end()) {
    *it = std::move(file);
  } else {
    f.files.push_back(std::move(file));
    std::sort(f.files.begin(), f.files.end(),
              [](const LambdaFile& a, const LambdaFile& b) { return a.path < b.path; });
  }
}

}  // namespace

TEST_CASE("lambda: a sound image breaks no rule") {
  CHECK(rules(sound()).empty());
  LambdaFacts docker = sound();
  docker.layer_media_types = {"application/vnd.docker.image.rootfs.diff.tar.gzip"};
  CHECK(rules(docker).empty());
}

TEST_CASE("lambda: one image manifest, no index") {
  LambdaFacts f = sound();
  f.images = 2;
  CHECK(rules(f) == std::vector<std::string>{"lambda-single-image index"});
  f.images = 1;
  f.index = true;  // even a one-platform index is refused
  CHECK(rules(f) == std::vector<std::string>{"lambda-single-image index"});
}

TEST_CASE("lambda: gzip layers only") {
  LambdaFacts f = sound();
  f.layer_media_types = {"application/vnd.oci.image.layer.v1.tar+gzip",
                         "application/vnd.oci.image.layer.v1.tar+zstd",
                         "application/vnd.oci.image.layer.v1.tar"};
  CHECK(rules(f) ==
        std::vector<std::string>{"lambda-gzip-layers layer 2", "lambda-gzip-layers layer 3"});
}

TEST_CASE("lambda: amd64 or arm64") {
  LambdaFacts f = sound();
  f.config.architecture = "s390x";
  CHECK(rules(f) == std::vector<std::string>{"lambda-architecture config"});
}

TEST_CASE("lambda: an absolute entrypoint that is no symlink") {
  LambdaFacts f = sound();
  f.config.config.entrypoint = {"bootstrap"};
  CHECK(rules(f) == std::vector<std::string>{"lambda-entrypoint bootstrap"});
  f = sound();
  f.config.config.entrypoint.clear();
  f.config.config.cmd = {"/var/task/bootstrap"};  // Cmd starts it when there is no Entrypoint
  CHECK(rules(f).empty());
  f.config.config.cmd = {"/var/task/missing"};
  CHECK(rules(f) == std::vector<std::string>{"lambda-entrypoint /var/task/missing"});
  f = sound();
  set_file(f, {"/var/task/bootstrap", EntryType::kSymlink, 0777, 0});
  CHECK(rules(f) == std::vector<std::string>{"lambda-entrypoint /var/task/bootstrap"});
  f = sound();
  set_file(f, {"/var", EntryType::kSymlink, 0777, 0});  // reached through a link
  CHECK(rules(f) == std::vector<std::string>{"lambda-entrypoint /var/task/bootstrap"});
}

TEST_CASE("lambda: every file readable by a non-root user") {
  LambdaFacts f = sound();
  set_file(f, {"/etc/passwd", EntryType::kFile, 0600, 90});
  set_file(f, {"/var/task/bootstrap", EntryType::kFile, 0750, 1000});
  set_file(f, {"/var/task/private", EntryType::kDir, 0700, 0});
  CHECK(rules(f) == std::vector<std::string>{"lambda-world-readable /etc/passwd",
                                             "lambda-world-readable /var/task/bootstrap",
                                             "lambda-world-readable /var/task/private"});
}

TEST_CASE("lambda: nothing outside /tmp needs writing") {
  LambdaFacts f = sound();
  set_file(f, {"/tmp/cache", EntryType::kDir, 0777, 0});  // /tmp is writable on Lambda
  CHECK(rules(f).empty());
  set_file(f, {"/var/cache", EntryType::kDir, 0777, 0});
  f.config.config.unknown["Volumes"] = {{"/data", nlohmann::json::object()},
                                        {"/tmp/x", nlohmann::json::object()}};
  CHECK(rules(f) ==
        std::vector<std::string>{"lambda-read-only /var/cache", "lambda-read-only /data"});
}

TEST_CASE("lambda: at most 10 GB unpacked") {
  LambdaFacts f = sound();
  set_file(f, {"/var/task/model", EntryType::kFile, 0644, 10'000'000'001ULL});
  CHECK(rules(f) == std::vector<std::string>{"lambda-size image"});
}
