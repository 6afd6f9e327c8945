// What a glibc program dlopen()s that ldd cannot see: NSS modules, the unwinder, iconv modules,
// and the libraries .note.dlopen names (both loaders).

#include <algorithm>

#include "pare/deps/ld_config.hpp"
#include "pare/util/byte_source.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"
#include "resolver_internal.hpp"

namespace pare::resolver_internal {

namespace {

bool contains(std::span<const std::byte> bytes, std::string_view needle) {
  const auto* begin = reinterpret_cast<const char*>(bytes.data());
  return std::search(begin, begin + bytes.size(), needle.begin(), needle.end()) !=
         begin + bytes.size();
}

}  // namespace

void Resolver::add_glibc_extras(std::deque<int>& queue) {
  int libc = -1;
  for (std::size_t i = 0; i < objects_.size(); ++i) {
    if (objects_[i].info.soname == "libc.so.6") libc = static_cast<int>(i);
  }
  if (libc < 0) return;
  // Since glibc 2.34 the files and dns services are built into libc.so.6.
  const auto& libc_versions = objects_[static_cast<std::size_t>(libc)].info.version_defs;
  const bool builtin_files_dns =
      std::find(libc_versions.begin(), libc_versions.end(), "GLIBC_2.34") != libc_versions.end();

  if (const Resolution conf = tree_.rootfs.resolve("/etc/nsswitch.conf"); conf.node != nullptr) {
    keep("/etc/nsswitch.conf", "NSS configuration");
    const auto bytes = tree_.read(*conf.node);
    std::set<std::string> seen;
    for (const auto& source : parse_nsswitch(bytes ? to_string(*bytes) : "")) {
      if (builtin_files_dns && (source.service == "files" || source.service == "dns")) continue;
      const std::string name = "libnss_" + source.service + ".so.2";
      if (!seen.insert(name).second || already_loaded(name)) continue;
      std::vector<std::string> searched;
      if (auto found = search(name, libc, searched)) {
        queue.push_back(load(name, *found, libc, "NSS",
                             "NSS module for " + source.database + " (/etc/nsswitch.conf)", false));
      } else {
        closure_.warnings.push_back("/etc/nsswitch.conf names \"" + source.service + "\" for " +
                                    source.database + ", but " + name +
                                    " is not in the image: lookups skip it");
      }
    }
  }
  // pthread_cancel, pthread_exit and backtraces dlopen the unwinder; glibc aborts without it.
  if (!already_loaded("libgcc_s.so.1")) {
    std::vector<std::string> searched;
    if (auto found = search("libgcc_s.so.1", libc, searched)) {
      queue.push_back(load("libgcc_s.so.1", *found, libc, "unwinder",
                           "unwinder glibc loads for pthread_cancel and backtraces", false));
    }
  }
  load_needs(queue);
  // iconv modules, when an object of the program calls iconv_open. An object without a symbol
  // count (no hash table, no section headers) has no imports: its bytes are searched instead.
  for (const auto& o : objects_) {
    if (o.info.soname == "libc.so.6" || o.path == closure_.interpreter) continue;
    const Resolution r = tree_.rootfs.resolve(o.path);
    if (r.node == nullptr) continue;
    const auto& imports = o.info.imports;
    const auto bytes = imports.empty() ? tree_.read(*r.node) : std::nullopt;
    if (std::binary_search(imports.begin(), imports.end(), "iconv_open") ||
        (bytes && contains(*bytes, "iconv_open"))) {
      const Resolution real = tree_.rootfs.resolve(objects_[static_cast<std::size_t>(libc)].path);
      keep_tree(dir_name(absolute(real.path)) + "/gconv",
                "iconv modules (" + o.path + " calls iconv_open)");
      break;
    }
  }
}

void Resolver::load_dlopen_notes() {
  // objects_ grows while it is walked: a library a note brings may carry notes of its own.
  for (std::size_t index = 0; index < objects_.size(); ++index) {
    const std::vector<DlopenNote> notes = objects_[index].info.dlopen_notes;
    const std::string requester = objects_[index].path;
    for (const DlopenNote& note : notes) {
      if (std::any_of(note.sonames.begin(), note.sonames.end(),
                      [&](const std::string& n) { return already_loaded(n); })) {
        continue;
      }
      // The sonames are alternatives: the program tries them in order, the first found loads.
      std::vector<std::string> searched;
      std::optional<std::string> found;
      std::string name;
      for (const auto& soname : note.sonames) {
        found = search(soname, static_cast<int>(index), searched);
        if (found) {
          name = soname;
          break;
        }
      }
      const bool required = note.priority == "required" && objects_[index].required;
      std::string what = note.sonames.size() == 1 ? note.sonames.front() : "none of ";
      if (note.sonames.size() > 1) {
        for (std::size_t i = 0; i < note.sonames.size(); ++i) {
          what.append(i == 0 ? "" : ", ").append(note.sonames[i]);
        }
      }
      std::string why = requester;
      why.append("'s .note.dlopen (")
          .append(note.priority)
          .append(note.feature.empty() ? "" : ", feature ")
          .append(note.feature)
          .append(")");
      if (!found) {
        std::string where;
        for (const auto& path : searched) where.append(where.empty() ? "" : ", ").append(path);
        std::string message = what;
        message.append(", which ").append(why).append(" names, is not in the image");
        if (!required) {
          closure_.warnings.push_back(message);
          continue;
        }
        message.append("; searched: ").append(where.empty() ? "nothing (no search path)" : where);
        throw Error::bad_input(image_name_, message);
      }
      if (flavor_.musl && found->empty()) {
        aliases_.insert(name);
        closure_.libraries.push_back({name, closure_.interpreter, requester, "dlopen note"});
        continue;
      }
      std::deque<int> queue{load(name, *found, static_cast<int>(index), "dlopen note",
                                 "dlopen()ed by " + why, required)};
      load_needs(queue);
    }
  }
}

}  // namespace pare::resolver_internal
