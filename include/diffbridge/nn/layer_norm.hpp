// LayerNorm over channels at every pixel (spec §2.1), fused with the IPR modulation that follows
// it in every attention and FFN (spec §2.2):
//   WithBias  y = ((x − μ)/√(σ² + 1e-5)·w + b)·k1 + k2
//   BiasFree  y = ( x     /√(σ² + 1e-5)·w    )·k1 + k2      (σ² still about the mean μ)
// σ² is the population variance (two passes). Without k1/k2 the plain LayerNorm is returned.
// Work items are tiles of 64 pixels, each swept channel by channel (contiguous in NCHW).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/ln_params.hpp"

namespace diffbridge::nn {

namespace detail {

/// m ≤ 64 pixels: x[c·xs + i] → y[c·ys + i], i < m, c < C.
inline void layer_norm_tile(const float* x, std::size_t xs, std::size_t m, std::size_t C, const ln_params& p,
                            float* y, std::size_t ys) {
  constexpr std::size_t T = 64;
  // statistics in double (as the device paths): a float sum of C values loses C·ε·|μ|, which is
  // 10x the inherent ε·|μ| once |μ| ≫ σ; μ rounded to float then makes x − μ exact near μ
  double sum[T], ss[T];
  float mu[T], r[T];
  std::fill_n(sum, m, 0.0);
  std::fill_n(ss, m, 0.0);
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t i = 0; i < m; ++i) sum[i] += static_cast<double>(x[c * xs + i]);
  for (std::size_t i = 0; i < m; ++i) sum[i] /= double(C);
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t i = 0; i < m; ++i) {
      const double d = static_cast<double>(x[c * xs + i]) - sum[i];
      ss[i] += d * d;
    }
  for (std::size_t i = 0; i < m; ++i) {
    mu[i] = float(sum[i]);
    r[i] = float(1.0 / std::sqrt(ss[i] / double(C) + double(layer_norm_eps)));
  }
  for (std::size_t c = 0; c < C; ++c) {
    const float w = p.weight[c], b = p.bias ? p.bias[c] : 0.0f, a1 = p.k1 ? p.k1[c] : 1.0f, a2 = p.k2 ? p.k2[c] : 0.0f;
    const float* xc = x + c * xs;
    float* yc = y + c * ys;
    if (p.bias) {
      for (std::size_t i = 0; i < m; ++i) yc[i] = ((xc[i] - mu[i]) * r[i] * w + b) * a1 + a2;
    } else {
      for (std::size_t i = 0; i < m; ++i) yc[i] = (xc[i] * r[i] * w) * a1 + a2;
    }
  }
}

/// n pixels starting at x (channel stride xs) into y (channel stride ys), in tiles of 64.
inline void layer_norm_span(const float* x, std::size_t xs, std::size_t n, std::size_t C, const ln_params& p, float* y,
                            std::size_t ys) {
  for (std::size_t i = 0; i < n; i += 64) layer_norm_tile(x + i, xs, std::min<std::size_t>(64, n - i), C, p, y + i, ys);
}

}  // namespace detail

/// x, y: (N, C, H, W) (may alias); weight [C]; bias [C] or empty (BiasFree); k1, k2 [C] or empty.
template <class B>
void layer_norm(cview x, cview weight, cview bias, fview y, cview k1 = {}, cview k2 = {}) {
  const std::size_t C = x.dims.c, HW = x.dims.h * x.dims.w;
  require_shape("layer_norm", "output", y.dims, x.dims);
  require(weight.size() == C, "layer_norm", "weight size differs from C");
  require(bias.raw() == nullptr || bias.size() == C, "layer_norm", "bias size differs from C");
  require((k1.raw() == nullptr) == (k2.raw() == nullptr) && (k1.raw() == nullptr || (k1.size() == C && k2.size() == C)),
          "layer_norm", "modulation vectors must both be given with C values");
  constexpr std::size_t T = 64;
  const std::size_t tiles = (HW + T - 1) / T;
  const ln_params p{weight.raw(), bias.raw(), k1.raw(), k2.raw()};
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * tiles, [=](std::size_t item) {
    const std::size_t n = item / tiles, p0 = (item % tiles) * T, m = std::min(T, HW - p0);
    detail::layer_norm_tile(xp + n * C * HW + p0, HW, m, C, p, yp + n * C * HW + p0, HW);
  });
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/norm.hpp"
