// Shape checks of the network operators: a mismatch throws invalid_input with one line
// naming the operator and both shapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/core/error.hpp"

namespace diffbridge::nn {

using fview = tensor_view<float>;
using cview = tensor_view<const float>;

inline std::string shape_str(const shape& s) {
  return diffbridge::detail::concat("(", s.n, ", ", s.c, ", ", s.h, ", ", s.w, ")");
}

/// Throws invalid_input "OP: WHAT" unless ok.
inline void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw invalid_input(diffbridge::detail::concat(op, ": ", what));
}

/// Throws invalid_input "OP: empty NAME (N, C, H, W)" when the tensor holds no element.
inline void require_nonempty(const char* op, const char* name, const shape& s) {
  if (s.n == 0 || s.c == 0 || s.h == 0 || s.w == 0)
    throw invalid_input(diffbridge::detail::concat(op, ": empty ", name, " ", shape_str(s)));
}

/// Throws invalid_input unless the output's memory is disjoint from the input's (operators
/// that read neighbours or whole rows of x while writing y cannot run in place).
inline void require_disjoint(const char* op, cview x, fview y) {
  const auto xa = reinterpret_cast<std::uintptr_t>(x.raw()),
             ya = reinterpret_cast<std::uintptr_t>(y.raw());
  const std::size_t xb = x.size() * sizeof(float), yb = y.size() * sizeof(float);
  if (!(ya + yb <= xa || xa + xb <= ya))
    throw invalid_input(diffbridge::detail::concat(
        op, ": the output overlaps the input (this operator cannot run in place)"));
}

inline void require_shape(const char* op, const char* name, const shape& got, const shape& want) {
  if (!(got == want))
    throw invalid_input(diffbridge::detail::concat(op, ": ", name, " has shape ", shape_str(got), ", expected ",
                                       shape_str(want)));
}

}  // namespace diffbridge::nn
