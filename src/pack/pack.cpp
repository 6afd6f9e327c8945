#include "pare/pack/pack.hpp"

#include <array>
#include <span>
#include <string_view>

#include "pare/deps/ld_config.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/elf/elf.hpp"
#include "pare/rules/user.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"
#include "pare/util/path.hpp"

namespace pare {

namespace {

constexpr std::uint64_t kMaxProgramBytes = 4ULL << 30U;  // larger is no program to pack
constexpr std::string_view kCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the base files are read from: the configuration, CA bundle, zoneinfo and package
/// databases distroless/static holds.
constexpr auto kBaseFolders = std::to_array<std::string_view>({
    "etc",
    "usr/lib/os-release",
    "usr/share/zoneinfo",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d",
    "var/lib/dpkg/info",
    "lib/apk/db",
});

/// Where a loader looks for libraries (its default folders, multiarch ones below them, and
/// what ld.so.conf usually adds), and the loader configuration itself.
constexpr auto kLibraryFolders = std::to_array<std::string_view>({
    "etc/ld.so.cache",
    "etc/ld.so.conf",
    "etc/ld.so.conf.d",
    "etc/ld.so.preload",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "usr/lib",
    "usr/lib32",
    "usr/lib64",
    "usr/libx32",
    "usr/local/lib",
});

/// The program's ELF header and dynamic section, with a clear error for anything else.
ElfInfo read_program(const std::filesystem::path& path) {
  FileSource source(path);
  const std::vector<std::byte> bytes = read_all(source, kMaxProgramBytes);
  if (!is_elf(bytes)) {
    throw Error::bad_input(path.string(), "not an ELF program",
                           "pare pack takes a compiled binary; a script needs an image with its "
                           "interpreter (pare slim)");
  }
  ElfResult parsed = parse_elf(bytes);
  if (!parsed.info) throw Error::bad_input(path.string(), "malformed ELF: " + parsed.error);
  const ElfInfo& info = *parsed.info;
  if (info.kind == ElfKind::kOther ||
      (info.kind == ElfKind::kSharedObject && info.interpreter.empty())) {
    throw Error::bad_input(path.string(), info.kind == ElfKind::kOther
                                              ? "an ELF file the loader does not run"
                                              : "a shared library, not a program");
  }
  return std::move(*parsed.info);
}

Platform platform_of(const std::filesystem::path& path, const ElfInfo& info,
                     const std::optional<Platform>& wanted) {
  const std::string arch = oci_architecture(info);
  if (arch != "amd64" && arch != "arm64") {
    throw Error::bad_input(path.string(), "built for " + machine_name(info.machine) +
                                              (arch.empty() ? "" : " (" + arch + ")") +
                                              "; pare packs linux/amd64 and linux/arm64 programs");
  }
  Platform p;
  p.os = "linux";
  p.architecture = arch;
  if (arch == "arm64") p.variant = "v8";
  if (wanted && !p.matches(*wanted)) {
    throw Error::bad_input(path.string(),
                           "a " + p.str() + " program, but the platform given is " + wanted->str());
  }
  return p;
}

/// Adds a file pare writes itself, so the loader emulation reads what the image will hold.
void add_written_file(ImageTree& tree, const std::string& path, std::string_view text, int layer) {
  const ContentRef stored = tree.content.add(std::as_bytes(std::span(text.data(), text.size())));
  CapturedEntry e;
  e.entry.path = path;
  e.entry.mode = 0644;
  e.entry.size = text.size();
  e.origin = StoredBytes{stored};
  tree.rootfs.apply_layer(layer, {e}, "pare's files");
}

std::optional<std::string> read_text(const ImageTree& tree, const Node& node) {
  const auto bytes = tree.read(node);
  if (!bytes) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

}  // namespace

PlannedImage plan_pack(const PackBinary& binary, const PackOptions& options) {
  const ElfInfo info = read_program(binary.path);
  const Platform platform = platform_of(binary.path, info, binary.platform);
  const bool dynamic = !info.interpreter.empty();
  if (dynamic && !options.sysroot) {
    std::string needs;
    for (const auto& n : info.needed) needs += (needs.empty() ? "" : ", ") + n;
    throw Error::usage(binary.path.string() + ": dynamically linked" +
                           (needs.empty() ? std::string() : " (needs " + needs + ")") +
                           "; pare packs it only with --sysroot DIR to take its libraries from",
                       "--sysroot / for this machine's libraries, a cross sysroot such as "
                       "/usr/aarch64-linux-gnu, or link the program statically");
  }
  const bool distroless = options.base == PackBase::kDistroless;
  const std::filesystem::path sysroot = options.sysroot.value_or("/");

  // Layer 0: the sysroot's folders, only what the base and the loader may need.
  std::vector<HostCopy> system;
  const auto add_folders = [&](std::span<const std::string_view> folders) {
    for (const auto f : folders) {
      HostCopy c;
      c.source = sysroot / f;
      c.dest = std::string("/").append(f);
      c.root_owned = false;
      c.missing_ok = true;
      system.push_back(std::move(c));
    }
  };
  if (distroless) add_folders(kBaseFolders);
  if (dynamic) add_folders(kLibraryFolders);
  // Layer 1: the program and what the user adds, over the sysroot.
  std::string dest = options.dest.empty() ? "/" + binary.path.filename().string() : options.dest;
  if (!dest.starts_with('/') || !normalize_path(dest) || normalize_path(dest)->empty()) {
    throw Error::usage("--dest " + dest + ": not an absolute path of a file in the image");
  }
  dest = "/" + *normalize_path(dest);
  std::vector<HostCopy> app;
  app.push_back({binary.path, dest, 0755, true, false});
  if (options.ca_bundle) app.push_back({*options.ca_bundle, std::string(kCaBundle), 0644});
  app.insert(app.end(), options.adds.begin(), options.adds.end());

  ImageTree tree;
  add_host_copies(tree, system, 0);
  if (dynamic) {
    // Folders ld.so.conf adds outside the usual ones (/opt/vendor/lib) are searched too.
    std::vector<HostCopy> extra;
    for (const auto& dir : read_ld_so_conf(tree)) {
      const auto normalized = normalize_path(dir);
      if (!normalized || normalized->empty() || tree.rootfs.resolve(dir).node != nullptr) {
        continue;
      }
      HostCopy c;
      c.source = sysroot / *normalized;
      c.dest = "/" + *normalized;
      c.root_owned = false;
      c.missing_ok = true;
      extra.push_back(std::move(c));
    }
    if (!extra.empty()) add_host_copies(tree, extra, 0);
  }
  add_host_copies(tree, app, 1);
  // NSS modules follow the nsswitch.conf the image will hold, not the sysroot's.
  if (distroless) add_written_file(tree, "/etc/nsswitch.conf", kDistrolessNsswitch, 1);

  Image image;
  Config& config = image.config;
  config.os = platform.os;
  config.architecture = platform.architecture;
  config.variant = platform.variant;
  config.created = "1970-01-01T00:00:00Z";
  config.config.entrypoint = {dest};
  config.config.env = {std::string(kDefaultPath)};
  SlimOptions slim = options.image;
  if (!distroless) {
    slim.base_files = false;
    slim.ca_certs = false;
    slim.tzdata = false;
    slim.package_metadata = false;
  }
  if (slim.ca_certs && tree.rootfs.resolve(kCaBundle).node != nullptr) {
    config.config.env.push_back("SSL_CERT_FILE=" + std::string(kCaBundle));
  }
  slim.created_by = "pare pack";
  for (const auto& add : options.adds)
    slim.keep.push_back(add.dest);  // an ELF brings its libraries
  Plan plan = make_plan(tree, image, slim, binary.path.string());
  // A User the image's passwd cannot name makes every runtime refuse to start it.
  const auto written = [&](const std::string& path) -> std::optional<std::string> {
    for (const auto& e : plan.entries) {
      if (e.path != path) continue;
      if (!e.from_image) return e.content;
      const Node* node = tree.rootfs.find(path);
      return node == nullptr ? std::nullopt : read_text(tree, *node);
    }
    return std::nullopt;
  };
  const std::string user = plan.config.config.user;
  if (const std::string why = user_problem(user, written("/etc/passwd"), written("/etc/group"));
      !why.empty()) {
    throw Error::usage("--user " + user + ": " + why,
                       "use a number (--user 65532), or a user of the base: root, nobody, nonroot");
  }
  for (auto& h : plan.config.history) {
    h.comment = binary.path.filename().string() + " (" + platform.str() + "), " +
                std::to_string(plan.entries.size()) + " paths, " + std::to_string(plan.after) +
                " bytes";
  }
  PlannedImage planned;
  planned.source = binary.path.string();
  planned.image = std::move(image);
  planned.plan = std::move(plan);
  planned.content = std::move(tree.content);
  planned.host_files = tree.host_files;
  return planned;
}

void check_pack_request(const PackRequest& request) {
  const PackOptions& o = request.options;
  if (o.sysroot && !std::filesystem::is_directory(*o.sysroot)) {
    throw Error::usage("--sysroot " + o.sysroot->string() + ": not a folder");
  }
  if (o.ca_bundle && o.base == PackBase::kScratch) {
    throw Error::usage("--ca-bundle: --base scratch holds no CA bundle",
                       "use --add FILE:/etc/ssl/certs/ca-certificates.crt");
  }
  if (request.preset == Preset::kLambda && request.binaries.size() > 1) {
    throw Error::usage(
        "--preset lambda: rule lambda-single-image: Lambda takes one image manifest, not an index",
        "pack one platform per output");
  }
}

std::vector<PlannedImage> plan_pack(const PackRequest& request) {
  check_pack_request(request);
  std::vector<PlannedImage> planned;
  planned.reserve(request.binaries.size());
  for (const auto& binary : request.binaries) planned.push_back(plan_pack(binary, request.options));
  return planned;
}

}  // namespace pare
