// Device paths of the data-movement operators (shuffle.hpp, resample.hpp) and the 3×3 im2col of
// the dense convolution: one functor per output element, each a pure gather, so the results
// equal the host operators' exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "diffbridge/core/error.hpp"
#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/resample.hpp"
#include "diffbridge/nn/shuffle.hpp"

namespace diffbridge::nn::device {

/// PixelUnshuffle(r): output element i of (N, C·r², H/r, W/r).
struct unshuffle_fn {
  const float* x;
  float* y;
  std::size_t C, H, W, r;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t h = H / r, w = W / r, xx = i % w, yy = (i / w) % h, p = i / (h * w);
    const std::size_t n = p / (C * r * r), oc = p % (C * r * r);
    const std::size_t c = oc / (r * r), a = (oc / r) % r, b = oc % r;
    y[i] = x[((n * C + c) * H + yy * r + a) * W + xx * r + b];
  }
};

/// PixelShuffle(r): output element i of (N, C, H·r, W·r) from (N, C·r², H, W) (h, w = input).
struct shuffle_fn {
  const float* x;
  float* y;
  std::size_t C, h, w, r;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t H = h * r, W = w * r, X = i % W, Y = (i / W) % H, nc = i / (H * W);
    const std::size_t n = nc / C, c = nc % C;
    const std::size_t oc = (n * C + c) * r * r + (Y % r) * r + X % r;
    y[i] = x[(oc * h + Y / r) * w + X / r];
  }
};

/// nn::pad_index on the device.
DIFFBRIDGE_HD inline std::size_t pad_at(std::size_t i, std::size_t n, bool reflect) {
  if (i < n) return i;
  return reflect ? 2 * n - 2 - i : 2 * n - 1 - i;
}

/// Bottom/right padding: output element i of (N, C, Hp, Wp).
struct pad_fn {
  const float* x;
  float* y;
  std::size_t H, W, Hp, Wp;
  bool reflect;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t row = i / Wp, col = i % Wp, p = row / Hp;
    const std::size_t r = pad_at(row % Hp, H, reflect);
    y[i] = x[(p * H + r) * W + pad_at(col, W, reflect)];
  }
};

/// Top-left crop: output element i of (N, C, h, w) from (N, C, H, W).
struct crop_fn {
  const float* x;
  float* y;
  std::size_t H, W, h, w;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t row = i / w, col = i % w, p = row / h, r = row % h;
    y[i] = x[(p * H + r) * W + col];
  }
};

/// Nearest upsampling by s, (+)= into output element i of (N, C, H·s, W·s).
struct upsample_fn {
  const float* x;
  float* y;
  std::size_t H, W, s;
  bool accumulate;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t Hs = H * s, Ws = W * s, row = i / Ws, col = i % Ws;
    const std::size_t p = row / Hs, r = (row % Hs) / s;
    const float v = x[(p * H + r) * W + col / s];
    y[i] = accumulate ? y[i] + v : v;
  }
};

/// 3×3 im2col of the plane x (C×H×W) for the pixels [q0, q0 + nq): element i of the
/// [9·C × nq] block, row c·9 + ky·3 + kx (the weight layout), zero outside the image.
struct im2col3_fn {
  const float* x;
  float* col;
  std::size_t H, W, q0, nq;
  // 32-bit index arithmetic: conv2d_image checks that the block has fewer than 2^32 values
  DIFFBRIDGE_HD void operator()(std::size_t i64) const {
    const std::uint32_t i = std::uint32_t(i64), n = std::uint32_t(nq), w = std::uint32_t(W);
    const std::uint32_t row = i / n, q = std::uint32_t(q0) + (i - row * n);
    const std::uint32_t c = row / 9, k = row - c * 9, ky = k / 3, kx = k - ky * 3;
    const std::uint32_t y = q / w, xp = q - y * w;
    const long yy = long(y) + long(ky) - 1, xx = long(xp) + long(kx) - 1;
    col[i64] = (yy < 0 || yy >= long(H) || xx < 0 || xx >= long(W))
                   ? 0.0f
                   : x[(std::size_t(c) * H + std::size_t(yy)) * W + std::size_t(xx)];
  }
};

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

/// PixelUnshuffle on a device backend (see shuffle.hpp).
template <class B>
requires device_backend<B>
void pixel_unshuffle(cview x, std::size_t r, fview y) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w;
  require(r >= 1 && H % r == 0 && W % r == 0, "pixel_unshuffle",
          diffbridge::detail::concat("input ", shape_str(x.dims), " is not divisible by ", r));
  require_shape("pixel_unshuffle", "output", y.dims, shape{x.dims.n, C * r * r, H / r, W / r});
  device::launch<B>(y.size(), device::unshuffle_fn{x.raw(), y.raw(), C, H, W, r});
}

/// PixelShuffle on a device backend.
template <class B>
requires device_backend<B>
void pixel_shuffle(cview x, std::size_t r, fview y) {
  const std::size_t Cr = x.dims.c, h = x.dims.h, w = x.dims.w;
  require(r >= 1 && Cr % (r * r) == 0, "pixel_shuffle",
          diffbridge::detail::concat("channels of ", shape_str(x.dims), " are not divisible by ",
                                     r * r));
  const std::size_t C = Cr / (r * r);
  require_shape("pixel_shuffle", "output", y.dims, shape{x.dims.n, C, h * r, w * r});
  device::launch<B>(y.size(), device::shuffle_fn{x.raw(), y.raw(), C, h, w, r});
}

/// Bottom/right padding on a device backend (see resample.hpp).
template <class B>
requires device_backend<B>
void pad_bottom_right(cview x, fview y, pad_mode m) {
  const std::size_t H = x.dims.h, W = x.dims.w, Hp = y.dims.h, Wp = y.dims.w;
  require(y.dims.n == x.dims.n && y.dims.c == x.dims.c && Hp >= H && Wp >= W && H > 0 && W > 0,
          "pad", "cannot pad " + shape_str(x.dims) + " to " + shape_str(y.dims));
  const std::size_t lim = m == pad_mode::reflect ? 1 : 0;
  require(Hp - H + lim <= H && Wp - W + lim <= W, "pad",
          diffbridge::detail::concat("cannot pad ", shape_str(x.dims), " to ", Hp, "x", Wp, ": ",
                                     m == pad_mode::reflect ? "reflect padding must be smaller than"
                                                            : "symmetric padding must be at most",
                                     " the image's height and width"));
  device::launch<B>(y.size(),
                    device::pad_fn{x.raw(), y.raw(), H, W, Hp, Wp, m == pad_mode::reflect});
}

/// Top-left crop on a device backend.
template <class B>
requires device_backend<B>
void crop(cview x, fview y) {
  const std::size_t H = x.dims.h, W = x.dims.w, h = y.dims.h, w = y.dims.w;
  require(y.dims.n == x.dims.n && y.dims.c == x.dims.c && h <= H && w <= W, "crop",
          "cannot crop " + shape_str(x.dims) + " to " + shape_str(y.dims));
  device::launch<B>(y.size(), device::crop_fn{x.raw(), y.raw(), H, W, h, w});
}

/// Nearest upsampling on a device backend.
template <class B>
requires device_backend<B>
void upsample_nearest(cview x, std::size_t s, fview y, bool accumulate = false) {
  const std::size_t H = x.dims.h, W = x.dims.w;
  require_shape("upsample_nearest", "output", y.dims, shape{x.dims.n, x.dims.c, H * s, W * s});
  device::launch<B>(y.size(), device::upsample_fn{x.raw(), y.raw(), H, W, s, accumulate});
}

}  // namespace diffbridge::nn
