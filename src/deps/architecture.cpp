#include "pare/deps/architecture.hpp"

namespace pare {

std::string wrong_architecture(const ElfInfo& info, std::string_view platform_architecture) {
  if (platform_architecture.empty()) return {};
  const std::string have = oci_architecture(info);
  if (have == platform_architecture) return {};
  const std::string machine = machine_name(info.machine);
  std::string reason = "built for ";
  reason.append(have.empty() ? machine : have)
      .append(" (")
      .append(machine)
      .append(", ")
      .append(std::to_string(info.elf_class))
      .append("-bit), the image is ")
      .append(platform_architecture);
  return reason;
}

}  // namespace pare
