// Channel concatenation (spec §2.7 skip connections), residual add, copies and channel slices.
#pragma once

#include <algorithm>
#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/elementwise.hpp"  // the device overloads
#include "diffbridge/nn/exec.hpp"

namespace diffbridge::nn {

/// Channels [c0, c0 + c) of x as a view (N must be 1, so that the slice is contiguous).
inline cview channels(cview x, std::size_t c0, std::size_t c) {
  require(x.dims.n == 1 && c0 + c <= x.dims.c, "channels", "slice outside " + shape_str(x.dims));
  return {x.raw() + c0 * x.dims.h * x.dims.w, shape{1, c, x.dims.h, x.dims.w}};
}
inline fview channels(fview x, std::size_t c0, std::size_t c) {
  require(x.dims.n == 1 && c0 + c <= x.dims.c, "channels", "slice outside " + shape_str(x.dims));
  return {x.raw() + c0 * x.dims.h * x.dims.w, shape{1, c, x.dims.h, x.dims.w}};
}

/// y = x (same number of elements).
template <class B>
void copy(cview x, fview y) {
  require(x.size() == y.size(), "copy", "sizes differ: " + shape_str(x.dims) + " vs " + shape_str(y.dims));
  const float* s = x.raw();
  float* d = y.raw();
  const std::size_t n = x.size(), chunk = 65536;
  parallel_for<B>((n + chunk - 1) / chunk, [=](std::size_t t) {
    const std::size_t b = t * chunk, e = std::min(n, b + chunk);
    std::copy(s + b, s + e, d + b);
  });
}

/// y = cat([a, b], dim = 1).
template <class B>
void concat_channels(cview a, cview b, fview y) {
  require(a.dims.n == b.dims.n && a.dims.h == b.dims.h && a.dims.w == b.dims.w, "concat_channels",
          "operands " + shape_str(a.dims) + " and " + shape_str(b.dims) + " differ in N, H or W");
  require_shape("concat_channels", "output", y.dims, shape{a.dims.n, a.dims.c + b.dims.c, a.dims.h, a.dims.w});
  const std::size_t pa = a.dims.c * a.dims.h * a.dims.w, pb = b.dims.c * b.dims.h * b.dims.w;
  for (std::size_t n = 0; n < a.dims.n; ++n) {
    copy<B>(cview{a.raw() + n * pa, shape{1, 1, 1, pa}}, fview{y.raw() + n * (pa + pb), shape{1, 1, 1, pa}});
    copy<B>(cview{b.raw() + n * pb, shape{1, 1, 1, pb}}, fview{y.raw() + n * (pa + pb) + pa, shape{1, 1, 1, pb}});
  }
}

/// y += x.
template <class B>
void add_inplace(cview x, fview y) {
  require_shape("add", "operand", x.dims, y.dims);
  const float* s = x.raw();
  float* d = y.raw();
  const std::size_t n = x.size(), chunk = 65536;
  parallel_for<B>((n + chunk - 1) / chunk, [=](std::size_t t) {
    const std::size_t b = t * chunk, e = std::min(n, b + chunk);
    for (std::size_t i = b; i < e; ++i) d[i] += s[i];
  });
}

}  // namespace diffbridge::nn
