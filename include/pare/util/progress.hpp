#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pare {

/// Where a long pipeline says what it is doing ("linux/amd64: reading layer 2/14"), for a
/// terminal to show on one rewritten line. An empty text means the step is over (clear the
/// line). A default-constructed Progress is silent.
class Progress {
 public:
  Progress() = default;
  explicit Progress(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}

  void operator()(std::string_view text) const {
    if (sink_) sink_(text);
  }
  void done() const { (*this)({}); }

 private:
  std::function<void(std::string_view)> sink_;
};

/// "reading layer 2/6: 120.0 MB of 322.5 MB": how the commands that read layers say where they
/// are.
std::string layer_progress(std::size_t index, std::size_t layers, std::uint64_t read,
                           std::uint64_t total);

}  // namespace pare
