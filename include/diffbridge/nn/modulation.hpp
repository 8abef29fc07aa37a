// The dynamic modulation by the IPR (spec §2.2): k = Linear(256 → 2C, no bias)(z), split into
// the scale k1 = k[0, C) and the shift k2 = k[C, 2C); x ← x·k1 + k2 per channel (a plain product,
// no "1 +"). Inside the transformer block it is fused into the LayerNorm (layer_norm.hpp).
#pragma once

#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/elementwise.hpp"  // the device overloads
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/linear.hpp"

namespace diffbridge::nn {

/// k (1, 2C, 1, 1) = z·kernelᵀ; kernel (2C, 256, 1, 1), z (1, 256, 1, 1).
template <class B>
void ipr_kernel(cview kernel, cview z, fview k) {
  require(z.dims.n == 1, "ipr_kernel", "batch 1 only");
  linear<B>(z, kernel, cview{}, k);
}

/// y = x·k1 + k2 with k = [k1, k2] of 2C values; x, y (1, C, H, W) may alias.
template <class B>
void modulate(cview x, cview k, fview y) {
  const std::size_t C = x.dims.c, HW = x.dims.h * x.dims.w;
  require(x.dims.n == 1 && k.size() == 2 * C, "modulate", "needs (1, C, H, W) and 2C modulation values");
  require_shape("modulate", "output", y.dims, x.dims);
  const float *xp = x.raw(), *kp = k.raw();
  float* yp = y.raw();
  parallel_for<B>(C, [=](std::size_t c) {
    for (std::size_t i = 0; i < HW; ++i) yp[c * HW + i] = xp[c * HW + i] * kp[c] + kp[C + c];
  });
}

}  // namespace diffbridge::nn
