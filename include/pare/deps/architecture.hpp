#pragma once

#include <string>
#include <string_view>

#include "pare/elf/elf.hpp"

namespace pare {

/// Why an image of `platform_architecture` (OCI, "amd64") cannot run or map this ELF object:
/// "built for arm64 (aarch64), the image is amd64"; empty when it can, or when the platform
/// states no architecture. For callers that keep ELF files by other rules than the loader's
/// (slim's --keep, traced files): the resolver itself skips a library of another machine or
/// class as ld.so does.
std::string wrong_architecture(const ElfInfo& info, std::string_view platform_architecture);

}  // namespace pare
