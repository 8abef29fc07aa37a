// Depthwise 3×3 convolution, zero padding 1, weights [C, 1, 3, 3] (spec §2.3 qkv_dwconv, §2.4
// dwconv), and its fusion with the GDFN gate (spec §2.4 step 3):
//   gate: y[f] = GELU(dw(x)[f]) · dw(x)[F + f],  f < F, x with 2F channels
// so the 2F-channel dwconv output is never stored. Work items are (channel, block of rows).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

namespace detail {

/// out[x] = bias + Σ_{ky,kx} k[ky·3 + kx]·r_ky[x + kx − 1], x ∈ [0, W), zero outside the row
/// ends; r0, r1, r2 are the source rows y − 1, y, y + 1 (a zero row where outside the plane).
/// One pass with nine products per output.
inline void dw_row(const float* r0, const float* r1, const float* r2, std::size_t W, const float* k,
                   float bias, float* out) {
  if (W == 1) {
    out[0] = bias + k[1] * r0[0] + k[4] * r1[0] + k[7] * r2[0];
    return;
  }
  const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
  out[0] = bias + (k1 * r0[0] + k2 * r0[1]) + (k4 * r1[0] + k5 * r1[1]) + (k7 * r2[0] + k8 * r2[1]);
  for (std::size_t x = 1; x + 1 < W; ++x)
    out[x] = bias + (k0 * r0[x - 1] + k1 * r0[x] + k2 * r0[x + 1]) + (k3 * r1[x - 1] + k4 * r1[x] + k5 * r1[x + 1]) +
             (k6 * r2[x - 1] + k7 * r2[x] + k8 * r2[x + 1]);
  const std::size_t e = W - 1;
  out[e] = bias + (k0 * r0[e - 1] + k1 * r0[e]) + (k3 * r1[e - 1] + k4 * r1[e]) + (k6 * r2[e - 1] + k7 * r2[e]);
}

/// dw_row for row y of plane xc (H×W); `zero` holds W zeros.
inline void dw_plane_row(const float* xc, std::size_t H, std::size_t W, const float* k, float bias, std::size_t y,
                         const float* zero, float* out) {
  const float* r1 = xc + y * W;
  dw_row(y > 0 ? r1 - W : zero, r1, y + 1 < H ? r1 + W : zero, W, k, bias, out);
}

/// Rows per work item: about 4096 outputs.
inline std::size_t dw_rows(std::size_t W) { return std::max<std::size_t>(1, 4096 / std::max<std::size_t>(W, 1)); }

}  // namespace detail

/// y = dwconv3x3(x, w) + bias. x, y: (N, C, H, W); w: (C, 1, 3, 3); bias [C] or empty.
template <class B>
void depthwise_conv3x3(cview x, cview w, fview y, cview bias = {}) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w;
  require_shape("depthwise_conv3x3", "weight", w.dims, shape{C, 1, 3, 3});
  require_shape("depthwise_conv3x3", "output", y.dims, x.dims);
  require_nonempty("depthwise_conv3x3", "input", x.dims);
  require_disjoint("depthwise_conv3x3", x, y);
  require(bias.raw() == nullptr || bias.size() == C, "depthwise_conv3x3", "bias size differs from C");
  const std::size_t rb = detail::dw_rows(W), blocks = (H + rb - 1) / rb;
  const std::size_t planes = x.dims.n * C;
  const std::vector<float> zeros(W, 0.0f);
  const float *xp = x.raw(), *wp = w.raw(), *bp = bias.raw(), *zp = zeros.data();
  float* yp = y.raw();
  parallel_for<B>(planes * blocks, [=](std::size_t item) {
    const std::size_t p = item / blocks, c = p % C, y0 = (item % blocks) * rb;
    const float* xc = xp + p * H * W;
    for (std::size_t r = y0; r < std::min(H, y0 + rb); ++r)
      detail::dw_plane_row(xc, H, W, wp + c * 9, bp ? bp[c] : 0.0f, r, zp, yp + p * H * W + r * W);
  });
}

/// y[f] = GELU(dw(x)[f]) · dw(x)[F + f]: x (N, 2F, H, W), w (2F, 1, 3, 3), y (N, F, H, W).
template <class B>
void depthwise_conv3x3_gelu_gate(workspace<B>& ws, cview x, cview w, fview y, cview bias = {}) {
  const std::size_t C2 = x.dims.c, F = C2 / 2, H = x.dims.h, W = x.dims.w;
  require(C2 % 2 == 0, "depthwise_conv3x3_gelu_gate", "input channels must be even");
  require_shape("depthwise_conv3x3_gelu_gate", "weight", w.dims, shape{C2, 1, 3, 3});
  require_shape("depthwise_conv3x3_gelu_gate", "output", y.dims, shape{x.dims.n, F, H, W});
  require_nonempty("depthwise_conv3x3_gelu_gate", "input", x.dims);
  require_disjoint("depthwise_conv3x3_gelu_gate", x, y);
  require(bias.raw() == nullptr || bias.size() == C2, "depthwise_conv3x3_gelu_gate", "bias size differs from 2F");
  auto tmp = ws.acquire(shape{std::size_t(max_threads<B>()) + 1, 1, 1, W});  // per thread + a zero row
  const std::size_t rb = detail::dw_rows(W), blocks = (H + rb - 1) / rb;
  const float *xp = x.raw(), *wp = w.raw(), *bp = bias.raw();
  float *yp = y.raw(), *tp = tmp.data() + W, *zp = tmp.data();
  std::fill_n(zp, W, 0.0f);
  parallel_for<B>(x.dims.n * F * blocks, [=](std::size_t item) {
    const std::size_t p = item / blocks, n = p / F, f = p % F, y0 = (item % blocks) * rb;
    const float* x1 = xp + (n * C2 + f) * H * W;
    const float* x2 = xp + (n * C2 + F + f) * H * W;
    float* t = tp + std::size_t(thread_index<B>()) * W;
    for (std::size_t r = y0; r < std::min(H, y0 + rb); ++r) {
      float* o = yp + (n * F + f) * H * W + r * W;
      detail::dw_plane_row(x1, H, W, wp + f * 9, bp ? bp[f] : 0.0f, r, zp, t);
      detail::dw_plane_row(x2, H, W, wp + (F + f) * 9, bp ? bp[F + f] : 0.0f, r, zp, o);
      for (std::size_t i = 0; i < W; ++i) o[i] *= gelu(t[i]);
    }
  });
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/conv.hpp"
