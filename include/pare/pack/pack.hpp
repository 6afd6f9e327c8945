#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pare/fs/image_tree.hpp"
#include "pare/image/image.hpp"
#include "pare/pack/host_tree.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/slim/layer_builder.hpp"
#include "pare/slim/output.hpp"
#include "pare/slim/plan.hpp"

namespace pare {

/// What `pare pack` puts under the program.
enum class PackBase {
  kDistroless,  ///< distroless/static: passwd, group, nsswitch.conf, /tmp, homes, CA bundle,
                ///< zoneinfo
  kScratch,     ///< the program (with its libraries, when dynamic), /tmp and nothing else
};

/// One program to pack, for one platform.
struct PackBinary {
  std::filesystem::path path;
  std::optional<Platform> platform;  ///< as the user named it; must agree with the ELF
};

/// Everything `pare pack` was asked for.
struct PackOptions {
  PackBase base = PackBase::kDistroless;
  /// Where libraries, the CA bundle, zoneinfo and package data come from; nullopt: the
  /// machine's own for the base files, and a dynamic program is refused.
  std::optional<std::filesystem::path> sysroot;
  std::string dest;            ///< where the program goes; default "/" + its file name
  std::vector<HostCopy> adds;  ///< --add SRC:DEST
  std::optional<std::filesystem::path> ca_bundle;  ///< replaces the sysroot's CA bundle
  SlimOptions image;  ///< entrypoint, cmd, env, user, workdir, labels, tags, compression, epoch
};

/// Plans the image of one program: reads its ELF header for the architecture (amd64 or arm64;
/// a platform that disagrees is exit 3), refuses a dynamic program without a sysroot (exit 2)
/// or a file that is not an ELF program (exit 3), places it, the base and the --add files in a
/// tree over the sysroot's folders (read lazily), and plans it as slim would, with the same
/// loader emulation finding its closure. Write it with write_planned.
PlannedImage plan_pack(const PackBinary& binary, const PackOptions& options);

/// Everything `pare pack` was asked for: one program, or one a platform for an index.
struct PackRequest {
  std::vector<PackBinary> binaries;
  PackOptions options;
  Preset preset = Preset::kNone;
};

/// Checks a request before any program is read: a sysroot that is a folder, no --ca-bundle
/// over the scratch base, one program under the lambda preset (Lambda takes one manifest).
/// Throws a usage Error (exit 2).
void check_pack_request(const PackRequest& request);

/// check_pack_request, then plan_pack for each program, in order.
std::vector<PlannedImage> plan_pack(const PackRequest& request);

}  // namespace pare
