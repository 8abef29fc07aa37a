// Test-time geometry of the pipelines (spec §7): bottom/right padding to a multiple (PyTorch
// 'reflect', which mirrors without the edge, or NumPy 'symmetric', which repeats it), cropping,
// and the nearest-neighbour upsampling of the SR input residual (spec §3.2).
#pragma once

#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"

namespace diffbridge::nn {

enum class pad_mode { reflect, symmetric };

/// Index of the padded coordinate i ≥ n in a source of length n.
inline std::size_t pad_index(std::size_t i, std::size_t n, pad_mode m) {
  if (i < n) return i;
  return m == pad_mode::reflect ? 2 * n - 2 - i : 2 * n - 1 - i;
}

/// (H, W) padded at the bottom/right to multiples of `mult`.
inline std::size_t round_up(std::size_t v, std::size_t mult) { return (v + mult - 1) / mult * mult; }

/// y (N, C, H', W') = x padded at the bottom and right; H' ≥ H, W' ≥ W. Reflect needs the
/// padding smaller than the size (as PyTorch), symmetric at most the size (one mirror).
template <class B>
void pad_bottom_right(cview x, fview y, pad_mode m) {
  const std::size_t H = x.dims.h, W = x.dims.w, Hp = y.dims.h, Wp = y.dims.w;
  require(y.dims.n == x.dims.n && y.dims.c == x.dims.c && Hp >= H && Wp >= W && H > 0 && W > 0, "pad",
          "cannot pad " + shape_str(x.dims) + " to " + shape_str(y.dims));
  const std::size_t lim = m == pad_mode::reflect ? 1 : 0;  // reflect: pad ≤ size − 1
  require(Hp - H + lim <= H && Wp - W + lim <= W, "pad",
          diffbridge::detail::concat("cannot pad ", shape_str(x.dims), " to ", Hp, "x", Wp, ": ",
                                     m == pad_mode::reflect ? "reflect padding must be smaller than"
                                                            : "symmetric padding must be at most",
                                     " the image's height and width"));
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * x.dims.c * Hp, [=](std::size_t row) {
    const std::size_t p = row / Hp, r = pad_index(row % Hp, H, m);
    const float* s = xp + (p * H + r) * W;
    float* d = yp + row * Wp;
    for (std::size_t i = 0; i < Wp; ++i) d[i] = s[pad_index(i, W, m)];
  });
}

/// y (N, C, h, w) = the top-left h×w of x.
template <class B>
void crop(cview x, fview y) {
  const std::size_t H = x.dims.h, W = x.dims.w, h = y.dims.h, w = y.dims.w;
  require(y.dims.n == x.dims.n && y.dims.c == x.dims.c && h <= H && w <= W, "crop",
          "cannot crop " + shape_str(x.dims) + " to " + shape_str(y.dims));
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * x.dims.c * h, [=](std::size_t row) {
    const std::size_t p = row / h, r = row % h;
    for (std::size_t i = 0; i < w; ++i) yp[row * w + i] = xp[(p * H + r) * W + i];
  });
}

/// y (+)= nearest-neighbour upsampling of x by the integer s (pixel replication).
template <class B>
void upsample_nearest(cview x, std::size_t s, fview y, bool accumulate = false) {
  const std::size_t H = x.dims.h, W = x.dims.w;
  require_shape("upsample_nearest", "output", y.dims, shape{x.dims.n, x.dims.c, H * s, W * s});
  const float* xp = x.raw();
  float* yp = y.raw();
  const std::size_t Hs = H * s, Ws = W * s;
  parallel_for<B>(x.dims.n * x.dims.c * Hs, [=](std::size_t row) {
    const std::size_t p = row / Hs, r = (row % Hs) / s;
    const float* src = xp + (p * H + r) * W;
    float* d = yp + row * Ws;
    for (std::size_t i = 0; i < Ws; ++i) d[i] = accumulate ? d[i] + src[i / s] : src[i / s];
  });
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/movement.hpp"
