// PixelShuffle / PixelUnshuffle (spec §2.6): the PyTorch index map
//   unshuffle: out[c·r² + i·r + j, y, x] = in[c, y·r + i, x·r + j]
// and shuffle, its exact inverse.
#pragma once

#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"

namespace diffbridge::nn {

/// x (N, C, H, W) → y (N, C·r², H/r, W/r).
template <class B>
void pixel_unshuffle(cview x, std::size_t r, fview y) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w;
  require(r >= 1 && H % r == 0 && W % r == 0, "pixel_unshuffle",
          diffbridge::detail::concat("input ", shape_str(x.dims), " is not divisible by ", r));
  const std::size_t h = H / r, w = W / r;
  require_shape("pixel_unshuffle", "output", y.dims, shape{x.dims.n, C * r * r, h, w});
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * C * r * r, [=](std::size_t oc) {  // one output plane per item
    const std::size_t n = oc / (C * r * r), c = (oc / (r * r)) % C, i = (oc / r) % r, j = oc % r;
    const float* s = xp + (n * C + c) * H * W;
    float* d = yp + oc * h * w;
    for (std::size_t yy = 0; yy < h; ++yy)
      for (std::size_t xx = 0; xx < w; ++xx) d[yy * w + xx] = s[(yy * r + i) * W + xx * r + j];
  });
}

/// x (N, C·r², H, W) → y (N, C, H·r, W·r).
template <class B>
void pixel_shuffle(cview x, std::size_t r, fview y) {
  const std::size_t Cr = x.dims.c, h = x.dims.h, w = x.dims.w;
  require(r >= 1 && Cr % (r * r) == 0, "pixel_shuffle",
          diffbridge::detail::concat("channels of ", shape_str(x.dims), " are not divisible by ", r * r));
  const std::size_t C = Cr / (r * r), H = h * r, W = w * r;
  require_shape("pixel_shuffle", "output", y.dims, shape{x.dims.n, C, H, W});
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * C * H, [=](std::size_t row) {  // one output row per item
    const std::size_t nc = row / H, Y = row % H, i = Y % r, yy = Y / r;
    const std::size_t n = nc / C, c = nc % C;
    float* d = yp + row * W;
    for (std::size_t X = 0; X < W; ++X) {
      const std::size_t oc = (n * C + c) * r * r + i * r + X % r;
      d[X] = xp[(oc * h + yy) * w + X / r];
    }
  });
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/movement.hpp"
