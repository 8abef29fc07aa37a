// Shape checks of the network operators: a mismatch throws invalid_input with one line
// naming the operator and both shapes.
#pragma once

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

inline void require_shape(const char* op, const char* name, const shape& got, const shape& want) {
  if (!(got == want))
    throw invalid_input(diffbridge::detail::concat(op, ": ", name, " has shape ", shape_str(got), ", expected ",
                                       shape_str(want)));
}

}  // namespace diffbridge::nn
