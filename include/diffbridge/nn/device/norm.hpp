// Device paths of the per-pixel LayerNorm fused with the IPR modulation (layer_norm.hpp) and the
// global mean (pool.hpp). LayerNorm: the backend's own kernel where it has one
// (device_layer_norm; CUDA: nn/device/layer_norm_cuda.hpp), else per-pixel statistics in double
// (partial sums over channel groups, then per pixel), then one thread per element in float; the
// values agree with the host's float two-pass statistics to rounding (not bit for bit). Mean: in
// double, the two-launch row sums of reduce.hpp.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/device/own_kernels.hpp"
#include "diffbridge/nn/device/reduce.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/pool.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

/// Channels per partial-statistics thread of the LayerNorm.
inline constexpr std::size_t ln_group = 32;

/// Partial statistics of pixel q of image n over channel group g (it = (n·groups + g)·HW + q):
/// Σ (x − s) and Σ (x − s)² in double, shifted by s = x[channel 0] against cancellation.
struct ln_partial_fn {
  const float* x;
  double* part;  ///< [2][N·groups·HW]: sums, then sums of squares
  std::size_t C, HW, groups, total;
  DIFFBRIDGE_HD void operator()(std::size_t it64) const {
    const std::uint32_t it = std::uint32_t(it64), hw = std::uint32_t(HW), ng = it / hw;
    const std::uint32_t q = it - ng * hw, n = ng / std::uint32_t(groups);
    const std::uint32_t g = ng - n * std::uint32_t(groups);
    const float* xs = x + n * C * HW + q;
    const double shift = static_cast<double>(xs[0]);
    const std::size_t c1 = (g + 1) * ln_group < C ? (g + 1) * ln_group : C;
    double s = 0, s2 = 0;
    for (std::size_t c = g * ln_group; c < c1; ++c) {
      const double d = double(xs[c * HW]) - shift;
      s += d;
      s2 += d * d;
    }
    part[it] = s;
    part[total + it] = s2;
  }
};

/// Pixel statistics (it = n·HW + q): μ and r = 1/√(var + eps), var the biased variance over C.
struct ln_stats_fn {
  const float* x;
  const double* part;
  float* stats;  ///< [2][N·HW]: μ, then r
  std::size_t C, HW, groups, total, pixels;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t q = it % HW, n = it / HW;
    double s = 0, s2 = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      s += part[(n * groups + g) * HW + q];
      s2 += part[total + (n * groups + g) * HW + q];
    }
    const double m = s / double(C), var = s2 / double(C) - m * m;
    stats[it] = float(double(x[n * C * HW + q]) + m);
    stats[pixels + it] = float(1.0 / ::sqrt((var > 0 ? var : 0.0) + double(layer_norm_eps)));
  }
};

/// Element i of (N, C, HW): y = ((x − μ)·r·w + b)·k1 + k2 (WithBias) or (x·r·w)·k1 + k2.
struct ln_apply_fn {
  const float* x;
  float* y;
  const float* stats;
  std::size_t C, HW, pixels;
  ln_params p;
  DIFFBRIDGE_HD void operator()(std::size_t i64) const {  // 32-bit: see layer_norm_raw
    const std::uint32_t i = std::uint32_t(i64), hw = std::uint32_t(HW), nc = i / hw;
    const std::uint32_t q = i - nc * hw, n = nc / std::uint32_t(C), c = nc - n * std::uint32_t(C);
    const std::uint32_t pix = n * hw + q;
    const float mu = stats[pix], r = stats[pixels + pix], v = x[i];
    const float w = p.weight[c], a1 = p.k1 ? p.k1[c] : 1.0f, a2 = p.k2 ? p.k2[c] : 0.0f;
    y[i] = p.bias ? ((v - mu) * r * w + p.bias[c]) * a1 + a2 : (v * r * w) * a1 + a2;
  }
};

/// LayerNorm + modulation of (N, C, H, W) with raw parameter pointers (device memory): the
/// backend's own kernel where it has one for the shape (device_layer_norm: CUDA, C ≤ 512), else
/// the statistics in double (partial sums over groups of ln_group channels, so a deep level with
/// few pixels still fills the device), then one thread per element.
template <class B>
void layer_norm_raw(workspace<B>& ws, const float* x, float* y, shape s, const ln_params& p) {
  const std::size_t HW = s.h * s.w, pixels = s.n * HW, groups = (s.c + ln_group - 1) / ln_group;
  const std::size_t total = pixels * groups;
  if (pixels == 0 || s.c == 0) return;
  if (device_layer_norm<B>::run({x, y, p, s.n, s.c, HW})) return;  // the backend's own kernel
  require(s.numel() < (std::size_t(1) << 32), "layer_norm", "tensor too large (2^32 elements)");
  auto part = ws.acquire(shape{1, 2, total, 2});  // doubles
  auto stats = ws.acquire(shape{1, 1, 2, pixels});
  double* pp = reinterpret_cast<double*>(part.data());
  launch<B>(total, ln_partial_fn{x, pp, s.c, HW, groups, total});
  launch<B>(pixels, ln_stats_fn{x, pp, stats.data(), s.c, HW, groups, total, pixels});
  launch<B>(s.numel(), ln_apply_fn{x, y, stats.data(), s.c, HW, pixels, p});
}

/// y[p] = (Σ of plane p's G partial sums) / HW (of row_sums_of, Σ x).
struct mean_lanes_fn {
  const double* lanes;
  float* y;
  std::size_t G, HW;
  DIFFBRIDGE_HD void operator()(std::size_t p) const {
    y[p] = float(row_lane_total(lanes, G, p) / double(HW));
  }
};

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
  workspace<B> ws;  // the network's blocks pass their pool (layer_norm_raw)
  device::layer_norm_raw<B>(ws, x.raw(), y.raw(), x.dims,
                            ln_params{weight.raw(), bias.raw(), k1.raw(), k2.raw()});
}

/// Global mean over space on a device backend, temporaries from ws: the planes summed by
/// row_sums_of (a GPU thread per plane would run 65536 sequential additions).
template <class B>
requires device_backend<B>
void global_avg_pool(workspace<B>& ws, cview x, fview y) {
  require_shape("global_avg_pool", "output", y.dims, shape{x.dims.n, x.dims.c, 1, 1});
  const std::size_t HW = x.dims.h * x.dims.w, planes = x.dims.n * x.dims.c;
  require(HW > 0, "global_avg_pool", "empty input");
  std::size_t G = 0;
  auto sums = device::row_sums_of<B>(ws, x.raw(), planes, HW, false, G);
  device::launch<B>(
      planes, device::mean_lanes_fn{reinterpret_cast<const double*>(sums.data()), y.raw(), G, HW});
}

/// Global mean over space on a device backend (see pool.hpp), with its own workspace (the
/// network passes its pool to the overload above).
template <class B>
requires device_backend<B>
void global_avg_pool(cview x, fview y) {
  workspace<B> ws;
  global_avg_pool<B>(ws, x, y);
}

}  // namespace diffbridge::nn
