#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

namespace pare {

/// The integer `v` holds, as T. A float (1e300) or an integer outside T's range is refused with
/// nlohmann's type_error, as a value of the wrong type is, where get<T>() would convert it with
/// undefined behaviour.
template <typename T>
T json_integer(const nlohmann::json& v) {
  static_assert(std::is_integral_v<T>);
  using Limits = std::numeric_limits<T>;
  bool fits = false;
  if (v.is_number_unsigned()) {
    fits = std::cmp_less_equal(v.get<std::uint64_t>(), Limits::max());
  } else if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    fits = std::cmp_greater_equal(n, Limits::min()) && std::cmp_less_equal(n, Limits::max());
  }
  if (!fits) {
    throw nlohmann::json::type_error::create(
        302,
        "expected an integer from " + std::to_string(Limits::min()) + " to " +
            std::to_string(Limits::max()) + ", got " + v.dump(),
        &v);
  }
  return v.get<T>();
}

}  // namespace pare
