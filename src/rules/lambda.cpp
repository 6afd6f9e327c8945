#include "pare/rules/lambda.hpp"

#include <algorithm>
#include <cstdio>

#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::uint64_t kMaxUnpackedBytes = 10'000'000'000ULL;  // "images up to 10 GB"

std::string octal(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777U);
  return buf;
}

bool under_tmp(const std::string& path) {
  return path == "/tmp" || path.starts_with("/tmp/");
}

const LambdaFile* find(const std::vector<LambdaFile>& files, const std::string& path) {
  const auto it =
      std::lower_bound(files.begin(), files.end(), path,
                       [](const LambdaFile& f, const std::string& p) { return f.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

void check_entrypoint(const LambdaFacts& facts, std::vector<Problem>& out) {
  const RunConfig& rc = facts.config.config;
  const std::vector<std::string>& argv = rc.entrypoint.empty() ? rc.cmd : rc.entrypoint;
  if (argv.empty() || argv.front().empty()) {
    out.push_back({"lambda-entrypoint", "config", "no Entrypoint or Cmd to start"});
    return;
  }
  const std::string& program = argv.front();
  if (!program.starts_with('/')) {
    out.push_back({"lambda-entrypoint", program,
                   "not an absolute path (Lambda needs the executable's absolute path)"});
    return;
  }
  const auto normalized = normalize_path(program);
  if (!normalized) {
    out.push_back({"lambda-entrypoint", program, "climbs out of the image root"});
    return;
  }
  std::string prefix;
  for (const auto part : split_path(*normalized)) {
    prefix.append("/").append(part);
    const LambdaFile* f = find(facts.files, prefix);
    if (f == nullptr) {
      out.push_back({"lambda-entrypoint", program, "not in the image"});
      return;
    }
    if (f->type == EntryType::kSymlink) {
      out.push_back({"lambda-entrypoint", program,
                     prefix == "/" + *normalized
                         ? "a symlink (Lambda refuses a symlink as entrypoint)"
                         : "reached through the symlink " + prefix +
                               " (Lambda refuses a symlink as entrypoint)"});
      return;
    }
  }
}

}  // namespace

std::vector<Problem> check_lambda(const LambdaFacts& facts) {
  std::vector<Problem> out;
  if (facts.images != 1 || facts.index) {
    out.push_back({"lambda-single-image", "index",
                   facts.images != 1 ? std::to_string(facts.images) +
                                           " images; Lambda takes one image manifest, not an index"
                                     : "an index; Lambda takes one image manifest, not an index"});
  }
  for (std::size_t i = 0; i < facts.layer_media_types.size(); ++i) {
    const std::string& t = facts.layer_media_types[i];
    if (!t.ends_with("+gzip") && !t.ends_with(".tar.gzip")) {
      out.push_back({"lambda-gzip-layers", "layer " + std::to_string(i + 1),
                     t + " (Lambda takes gzip layers only)"});
    }
  }
  const std::string& arch = facts.config.architecture;
  if (facts.config.os != "linux" || (arch != "amd64" && arch != "arm64")) {
    out.push_back({"lambda-architecture", "config",
                   facts.config.os + "/" + arch + " (Lambda runs linux/amd64 or linux/arm64)"});
  }
  check_entrypoint(facts, out);

  std::uint64_t size = 0;
  for (const auto& f : facts.files) {
    size += f.size;
    const std::uint32_t m = f.mode;
    if (f.type == EntryType::kSymlink) continue;
    if (f.type == EntryType::kDir) {
      if ((m & 05U) != 05U) {
        out.push_back({"lambda-world-readable", f.path,
                       "folder mode " + octal(m) + " (Lambda's user needs o+rx)"});
      }
      if ((m & 02U) != 0 && !under_tmp(f.path)) {
        out.push_back({"lambda-read-only", f.path,
                       "world-writable folder " + octal(m) +
                           " outside /tmp (Lambda's root filesystem is read-only)"});
      }
    } else if (f.type == EntryType::kFile) {
      if ((m & 04U) == 0) {
        out.push_back(
            {"lambda-world-readable", f.path, "mode " + octal(m) + " (Lambda's user needs o+r)"});
      } else if ((m & 0100U) != 0 && (m & 01U) == 0) {
        out.push_back({"lambda-world-readable", f.path,
                       "executable mode " + octal(m) + " (Lambda's user needs o+x)"});
      }
    }
  }
  if (const auto it = facts.config.config.unknown.find("Volumes");
      it != facts.config.config.unknown.end() && it->is_object()) {
    for (const auto& [volume, unused] : it->items()) {
      if (!under_tmp(volume)) {
        out.push_back({"lambda-read-only", volume,
                       "a Volume outside /tmp (Lambda's root filesystem is read-only)"});
      }
    }
  }
  if (size > kMaxUnpackedBytes) {
    out.push_back({"lambda-size", "image",
                   std::to_string(size) + " bytes unpacked (Lambda takes up to 10 GB)"});
  }
  return out;
}

}  // namespace pare
