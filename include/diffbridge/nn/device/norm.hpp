// Device paths of the per-pixel LayerNorm fused with the IPR modulation (layer_norm.hpp) and the
// global mean (pool.hpp). One functor per pixel (LayerNorm: two passes over the channels, in the
// host tile's order of operations, so the values equal the host's) and one per channel (mean,
// accumulated in double in index order, as the host does).
#pragma once
#include <cmath>
#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/pool.hpp"

namespace diffbridge::nn::device {

/// Pixel i of (N, C, HW): y = ((x − μ)·r·w + b)·k1 + k2 (WithBias) or (x·r·w)·k1 + k2.
struct layer_norm_fn {
  const float* x;
  float* y;
  std::size_t C, HW;
  ln_params p;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t off = (i / HW) * C * HW + i % HW;
    const float* xs = x + off;
    float* ys = y + off;
    float mu = 0.0f, r = 0.0f;
    for (std::size_t c = 0; c < C; ++c) mu += xs[c * HW];
    mu /= float(C);
    for (std::size_t c = 0; c < C; ++c) {
      const float d = xs[c * HW] - mu;
      r += d * d;
    }
    r = 1.0f / ::sqrtf(r / float(C) + layer_norm_eps);
    for (std::size_t c = 0; c < C; ++c) {
      const float w = p.weight[c], a1 = p.k1 ? p.k1[c] : 1.0f, a2 = p.k2 ? p.k2[c] : 0.0f;
      const float v = xs[c * HW];
      ys[c * HW] = p.bias ? ((v - mu) * r * w + p.bias[c]) * a1 + a2 : (v * r * w) * a1 + a2;
    }
  }
};

/// Channel plane p: y[p] = mean of x[p·HW, (p + 1)·HW) in double.
struct mean_fn {
  const float* x;
  float* y;
  std::size_t HW;
  DIFFBRIDGE_HD void operator()(std::size_t p) const {
    double s = 0;
    for (std::size_t i = 0; i < HW; ++i) s += x[p * HW + i];
    y[p] = float(s / double(HW));
  }
};

/// LayerNorm + modulation of (N, C, H, W) with raw parameter pointers (device memory).
template <class B>
void layer_norm_raw(const float* x, float* y, shape s, const ln_params& p) {
  const std::size_t HW = s.h * s.w;
  launch<B>(s.n * HW, layer_norm_fn{x, y, s.c, HW, p});
}

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

/// LayerNorm (+ modulation) on a device backend (see layer_norm.hpp).
template <class B>
requires device_backend<B>
void layer_norm(cview x, cview weight, cview bias, fview y, cview k1 = {}, cview k2 = {}) {
  const std::size_t C = x.dims.c;
  require_shape("layer_norm", "output", y.dims, x.dims);
  require(weight.size() == C, "layer_norm", "weight size differs from C");
  require(bias.raw() == nullptr || bias.size() == C, "layer_norm", "bias size differs from C");
  require((k1.raw() == nullptr) == (k2.raw() == nullptr) &&
              (k1.raw() == nullptr || (k1.size() == C && k2.size() == C)),
          "layer_norm", "modulation vectors must both be given with C values");
  device::layer_norm_raw<B>(x.raw(), y.raw(), x.dims,
                            ln_params{weight.raw(), bias.raw(), k1.raw(), k2.raw()});
}

/// Global mean over space on a device backend (see pool.hpp).
template <class B>
requires device_backend<B>
void global_avg_pool(cview x, fview y) {
  require_shape("global_avg_pool", "output", y.dims, shape{x.dims.n, x.dims.c, 1, 1});
  const std::size_t HW = x.dims.h * x.dims.w;
  require(HW > 0, "global_avg_pool", "empty input");
  device::launch<B>(x.dims.n * x.dims.c, device::mean_fn{x.raw(), y.raw(), HW});
}

}  // namespace diffbridge::nn
