#include "pare/util/progress.hpp"

#include "pare/util/format.hpp"

namespace pare {

std::string layer_progress(std::size_t index, std::size_t layers, std::uint64_t read,
                           std::uint64_t total) {
  std::string text = "reading layer " + std::to_string(index + 1) + "/" + std::to_string(layers);
  if (total > 0)
    text.append(": ").append(human_size(read)).append(" of ").append(human_size(total));
  return text;
}

}  // namespace pare
