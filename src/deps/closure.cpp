#include "pare/deps/closure.hpp"

namespace pare {

bool cannot_start(ProgramClass c) {
  return c == ProgramClass::kMissing || c == ProgramClass::kNotExecutable ||
         c == ProgramClass::kWrongArchitecture || c == ProgramClass::kNotElf;
}

std::string_view to_string(ProgramClass c) {
  switch (c) {
    case ProgramClass::kNone:
      return "none";
    case ProgramClass::kMissing:
      return "missing";
    case ProgramClass::kNotExecutable:
      return "not-executable";
    case ProgramClass::kWrongArchitecture:
      return "wrong-architecture";
    case ProgramClass::kNotElf:
      return "not-elf";
    case ProgramClass::kStatic:
      return "static";
    case ProgramClass::kStaticPie:
      return "static-pie";
    case ProgramClass::kDynamic:
      return "dynamic";
    case ProgramClass::kScript:
      return "script";
  }
  return "unknown";
}

std::uint64_t Closure::size() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

}  // namespace pare
