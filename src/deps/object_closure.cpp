// The closure of one object as if the image's program dlopen()ed it (a plugin slim keeps).

#include "pare/deps/architecture.hpp"
#include "pare/deps/resolver.hpp"
#include "pare/util/byte_source.hpp"
#include "pare/util/error.hpp"
#include "pare/util/path.hpp"
#include "resolver_internal.hpp"

namespace pare {

namespace resolver_internal {

/// The interpreter of the program the image starts, through "#!" scripts; empty when it is not
/// a dynamic ELF program.
std::string Resolver::program_loader() {
  std::vector<std::string> argv = config_.config.entrypoint;
  argv.insert(argv.end(), config_.config.cmd.begin(), config_.config.cmd.end());
  if (argv.empty() || argv.front().empty()) return {};
  std::string program = find_program(argv.front());
  for (int depth = 0; depth <= 4 && !program.empty(); ++depth) {
    const Resolution r = tree_.rootfs.resolve(program);
    if (r.node == nullptr) return {};
    const auto bytes = tree_.head(*r.node);
    if (!bytes || bytes->size() < 2 || (*bytes)[0] != std::byte{'#'} ||
        (*bytes)[1] != std::byte{'!'}) {
      const auto info = elf_at(program);
      return info && info->kind == ElfKind::kDynamic ? info->interpreter : std::string();
    }
    std::string line = to_string(std::span(*bytes).subspan(2));
    const auto words = split(line.substr(0, line.find('\n')), " \t\r");
    if (words.empty()) return {};
    program = base_name(words[0]) == "env" && words.size() > 1 ? find_program(words[1]) : words[0];
  }
  return {};
}

Closure Resolver::run_object(const std::string& path) {
  const std::string object = std::string("/").append(clamp_path(path));
  closure_.argv = {object};
  closure_.program = object;
  try {
    resolve_object(object);
  } catch (const Error& e) {
    closure_.error = e.what();
  }
  return closure_;
}

void Resolver::resolve_object(const std::string& object) {
  const Resolution r = tree_.rootfs.resolve(object);
  if (r.node == nullptr) {
    closure_.program_class = ProgramClass::kMissing;
    closure_.detail = std::string(to_string(r.error));
    return;
  }
  const auto info = elf_at(object);
  if (!info) {
    closure_.program_class = ProgramClass::kNotElf;
    closure_.detail = "not an ELF object";
    return;
  }
  closure_.machine = machine_name(info->machine);
  closure_.go = info->go;
  if (auto why = wrong_architecture(*info, config_.architecture); !why.empty()) {
    closure_.program_class = ProgramClass::kWrongArchitecture;
    closure_.detail = std::move(why);
    return;
  }
  machine_ = info->machine;
  elf_class_ = info->elf_class;
  switch (info->kind) {
    case ElfKind::kStatic:
      closure_.program_class = ProgramClass::kStatic;
      return;
    case ElfKind::kStaticPie:
      closure_.program_class = ProgramClass::kStaticPie;
      return;
    case ElfKind::kOther:
      closure_.program_class = ProgramClass::kNotElf;
      closure_.detail = "an ELF file that is not an executable or a library";
      return;
    case ElfKind::kDynamic:
    case ElfKind::kSharedObject:
      break;
  }
  closure_.program_class = ProgramClass::kDynamic;
  // A program keeps its own loader; a library is mapped by the loader of the image's program,
  // else by the one it names, else by the one its machine's ABI names.
  std::string loader = info->kind == ElfKind::kDynamic ? info->interpreter : program_loader();
  if (loader.empty()) loader = info->interpreter;
  if (loader.empty()) {
    const bool arm = info->machine == kEmAarch64;
    for (const char* candidate :
         {arm ? "/lib/ld-linux-aarch64.so.1" : "/lib64/ld-linux-x86-64.so.2",
          arm ? "/lib/ld-musl-aarch64.so.1" : "/lib/ld-musl-x86_64.so.1"}) {
      if (tree_.rootfs.resolve(candidate).node != nullptr) {
        loader = candidate;
        break;
      }
    }
  }
  if (loader.empty()) {
    if (info->needed.empty()) return;
    throw Error::bad_input(image_name_, object +
                                            " needs libraries, but the image has no loader "
                                            "to map them (its program is not a dynamic ELF)");
  }
  map_closure(object, *info, loader, false);
}

}  // namespace resolver_internal

Closure resolve_object_closure(const ImageTree& tree, const Config& config, const std::string& path,
                               const std::string& image_name) {
  return resolver_internal::Resolver(tree, config, image_name).run_object(path);
}

}  // namespace pare
