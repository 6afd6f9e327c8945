#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pare/archive/compression.hpp"
#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/image.hpp"
#include "pare/run/probe.hpp"
#include "pare/slim/packages.hpp"

namespace pare {

/// What the user asked of a slim: rules and config overrides (flags or .pare.json).
struct SlimOptions {
  std::vector<std::string> keep;  ///< paths or globs to keep; an ELF kept so brings its closure
  std::vector<std::string> drop;  ///< globs to drop, applied last
  bool ca_certs = true;
  bool tzdata = true;
  bool package_metadata = true;
  std::optional<std::string> user;
  std::optional<std::string> workdir;
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> env;   ///< K=V, replacing or adding
  std::vector<std::string> tags;  ///< NAME:TAG
  Compression compression = Compression::kGzip;
  int layers = 1;  ///< 1, or 2: a base layer and an app layer
  std::optional<std::int64_t> source_date_epoch;
  bool base_files = true;  ///< distroless' passwd, group, nsswitch.conf and homes; else only /tmp
  bool homes = true;       ///< /root and /home/nonroot (0700: unreadable to Lambda's user)
  std::map<std::string, std::string> labels;  ///< set in the output config
  std::string created_by = "pare slim";       ///< what the output's history says made it
  /// Traced runs (--trace): the image's own Entrypoint and Cmd, then each probe's Cmd
  /// (shell words), each stopped at `probe_timeout`.
  bool trace = false;
  std::vector<std::string> probes;
  std::chrono::milliseconds probe_timeout{5000};
  bool strict = false;  ///< a blind spot is an error (exit 1), not a warning
};

/// The /etc/nsswitch.conf slim and pack write: distroless' (files, and dns for hosts).
extern const std::string_view kDistrolessNsswitch;

/// One path of the slim image and why it is there: a value, so a Plan outlives the tree it
/// was made from.
struct PlanEntry {
  std::string path;  ///< absolute
  std::string reason;
  EntryType type = EntryType::kFile;  ///< a hardlink of the image is written as a file
  std::uint64_t size = 0;
  std::uint32_t mode = 0644;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;   ///< as the layer will say: clamped to the plan's epoch
  std::string link_target;  ///< symlinks
  std::map<std::string, std::string> xattrs;
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  bool from_image = false;  ///< a path of the image; else one pare writes (`content`)
  /// Regular files of the image: where the bytes are (StoredBytes when captured whole, in
  /// the tree's ContentStore).
  ByteOrigin origin;
  std::string content;  ///< what pare writes, for its own files
  bool app = false;     ///< the app layer of --layers 2
};

/// Bytes of regular files per top-level folder, before and after.
struct FolderBytes {
  std::string folder;
  std::uint64_t before = 0;
  std::uint64_t after = 0;
};

/// Everything a slim will write, computed before anything is written: `--dry-run` prints it,
/// the real run executes it.
struct Plan {
  Config config;  ///< the output config, diff_ids still to fill
  Closure closure;
  std::vector<PlanEntry> entries;  ///< sorted by path
  PackageMetadata packages;
  std::vector<std::string> setuid_dropped;
  std::vector<std::string> warnings;
  /// Without a trace: why the program may read what static analysis cannot see (blind_spots),
  /// each with a hint. --strict makes them an error.
  std::vector<std::string> blind_spots;
  std::vector<FolderBytes> folders;
  std::uint64_t before = 0;  ///< bytes of regular files in the image
  std::uint64_t after = 0;   ///< bytes of regular files in the plan
  std::int64_t epoch = 0;    ///< created time and the clamp for every mtime
};

/// What slim captures while reading layers: the resolver's files, package databases and
/// /etc/passwd and /etc/group.
Capture capture_for_slim(std::string_view path, std::span<const std::byte> head);

/// Plans a slim of `image`: the entrypoint's closure, the distroless base, package metadata and
/// the user's rules. Throws Error (exit 3) when the program is missing, not executable, built
/// for another architecture, or its closure is incomplete; exit 2 for a rule that matches
/// nothing. `closure`, when given, is the program's closure the caller already resolved for the
/// same run config (no entrypoint, cmd, env, workdir or user override), so it is not resolved
/// again. `traces` are runs of the image traced in its unpacked source (run_probes): every path
/// they touched that the image has is kept (its symlinks on the way too), and the folder of each
/// path they looked for that the image lacks; iconv modules are then kept only when loaded.
Plan make_plan(const ImageTree& tree, const Image& image, const SlimOptions& options,
               const std::string& image_name, std::optional<Closure> closure = std::nullopt,
               const std::vector<ProbeRun>& traces = {});

}  // namespace pare
