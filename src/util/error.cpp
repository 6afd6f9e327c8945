#include "pare/util/error.hpp"

#include <cerrno>
#include <cstring>

namespace pare {

std::string errno_message(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace pare
