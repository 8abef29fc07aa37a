// Device paths of the dense and depthwise convolutions (conv2d.hpp, depthwise.hpp):
//   1×1   one GEMM per image, W[Cout×Cin]·X[Cin×HW], straight from the input;
//   3×3   im2col of the whole image ([9·Cin × HW], row order = the weight layout) and one GEMM
//         with K = 9·Cin; only when the column matrix would exceed im2col_max_floats is the image
//         split into slabs of whole rows (one im2col + GEMM per slab);
//   epilogue  bias before an overwriting GEMM (then accumulate) or after an accumulating one,
//         then LeakyReLU — the host operator's order;
//   depthwise 3×3 (and the GDFN gate GELU(dw(x)[f])·dw(x)[F + f]): one functor per run of 4
//         pixels of a row, the nine products grouped as the host's dw_row, so the values are
//         equal (up to FMA contraction under nvcc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/conv2d.hpp"
#include "diffbridge/nn/depthwise.hpp"
#include "diffbridge/nn/device/elementwise.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/device/movement.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

/// Largest im2col matrix of one GEMM (floats), 2^26 = 256 MiB by default. Deblur S2 at 256×256
/// needs at most 9·96·65536 = 56.6 M floats (one GEMM per conv); larger images are cut into
/// slabs of whole rows. A program-wide setting (the tests lower it to exercise the slabs).
inline std::size_t im2col_max_floats = std::size_t(1) << 26;

/// Depthwise 3×3 at (y, x) of plane p (H×W) with kernel k: bias + row0 + row1 + row2, each row
/// (k0·a + k1·b) + k2·c with zeros outside (the grouping of the host's dw_row).
DIFFBRIDGE_HD inline float dw3_at(const float* p, std::size_t H, std::size_t W, std::size_t y,
                                  std::size_t x, const float* k, float bias) {
  float acc = bias;
  for (int ky = 0; ky < 3; ++ky) {
    const long yy = long(y) + ky - 1;
    const bool in = yy >= 0 && yy < long(H);
    const float* r = in ? p + std::size_t(yy) * W : p;
    const float a = in && x > 0 ? r[x - 1] : 0.0f;
    const float b = in ? r[x] : 0.0f;
    const float c = in && x + 1 < W ? r[x + 1] : 0.0f;
    acc = acc + ((k[ky * 3] * a + k[ky * 3 + 1] * b) + k[ky * 3 + 2] * c);
  }
  return acc;
}

/// Outputs per depthwise thread: a run of dw_run pixels of one row shares its 3 × (dw_run + 2)
/// inputs (18 loads for 4 outputs instead of 36).
inline constexpr std::uint32_t dw_run = 4;

/// Depthwise 3×3 of row yy of plane p at x0 … x0 + dw_run − 1 (those < W) into o: the values of
/// dw3_at (same grouping), the inputs loaded once.
DIFFBRIDGE_HD inline void dw3_run(const float* p, std::uint32_t H, std::uint32_t W,
                                  std::uint32_t yy, std::uint32_t x0, const float* k, float bias,
                                  float (&o)[dw_run]) {
  for (std::uint32_t j = 0; j < dw_run; ++j) o[j] = bias;
  for (int ky = 0; ky < 3; ++ky) {
    const long y = long(yy) + ky - 1;
    const bool in = y >= 0 && y < long(H);
    const float* r = in ? p + std::size_t(y) * W : p;
    float v[dw_run + 2];
    for (std::uint32_t j = 0; j < dw_run + 2; ++j) {
      const long xx = long(x0) + long(j) - 1;
      v[j] = in && xx >= 0 && xx < long(W) ? r[xx] : 0.0f;
    }
    const float k0 = k[ky * 3], k1 = k[ky * 3 + 1], k2 = k[ky * 3 + 2];
    for (std::uint32_t j = 0; j < dw_run; ++j)
      o[j] = o[j] + ((k0 * v[j] + k1 * v[j + 1]) + k2 * v[j + 2]);
  }
}

/// Thread t of the depthwise conv of (N, C, H, W): dw_run outputs of one row (index arithmetic
/// in 32 bits: a GPU divides 64-bit integers in software; the wrappers check numel < 2³²).
struct dw_fn {
  const float *x, *w, *b;
  float* y;
  std::uint32_t C, H, W, runs;  ///< runs = ⌈W / dw_run⌉ per row
  DIFFBRIDGE_HD void operator()(std::size_t t64) const {
    const std::uint32_t t = std::uint32_t(t64), row = t / runs, x0 = (t - row * runs) * dw_run;
    const std::uint32_t p = row / H, yy = row - p * H, c = p % C;
    float o[dw_run];
    dw3_run(x + std::size_t(p) * H * W, H, W, yy, x0, w + c * 9, b ? b[c] : 0.0f, o);
    float* out = y + std::size_t(row) * W + x0;
    for (std::uint32_t j = 0; j < dw_run; ++j)
      if (x0 + j < W) out[j] = o[j];
  }
};

/// Thread t of (N, F, H, W) = GELU(dw(x)[f])·dw(x)[F + f], x with 2F channels: dw_run outputs.
struct dw_gate_fn {
  const float *x, *w, *b;
  float* y;
  std::uint32_t F, H, W, runs;
  DIFFBRIDGE_HD void operator()(std::size_t t64) const {
    const std::uint32_t t = std::uint32_t(t64), row = t / runs, x0 = (t - row * runs) * dw_run;
    const std::uint32_t p = row / H, yy = row - p * H, n = p / F, f = p - n * F;
    const float* xf = x + (std::size_t(n) * 2 * F + f) * H * W;
    float g[dw_run], o[dw_run];
    dw3_run(xf, H, W, yy, x0, w + f * 9, b ? b[f] : 0.0f, g);
    dw3_run(xf + std::size_t(F) * H * W, H, W, yy, x0, w + (F + f) * 9, b ? b[F + f] : 0.0f, o);
    float* out = y + std::size_t(row) * W + x0;
    for (std::uint32_t j = 0; j < dw_run; ++j)
      if (x0 + j < W) out[j] = o[j] * gelu(g[j]);
  }
};

/// y (+)= conv_k(x) on raw device pointers for one image: x (Cin, H, W), y (Cout, H, W).
template <class B>
void conv2d_image(workspace<B>& ws, const float* x, const float* w, float* y, std::size_t Cin,
                  std::size_t Cout, std::size_t H, std::size_t W, std::size_t k,
                  const conv_options& o) {
  const std::size_t HW = H * W, K = Cin * k * k;
  const float* bias = o.bias.raw();
  const bool prefill = bias && !o.accumulate;
  if (prefill) fill_bias<B>(y, HW, Cout, HW, bias);
  gemm_args g;
  g.m = Cout, g.k = K, g.a = w, g.lda = K, g.ldc = HW, g.accumulate = o.accumulate || prefill;
  if (k == 1) {
    g.n = HW, g.b = x, g.ldb = HW, g.c = y;
    gemm<B>(g);
  } else {
    const std::size_t rows = std::max<std::size_t>(1, std::min(H, im2col_max_floats / (K * W)));
    require(K * rows * W < (std::size_t(1) << 32) && HW < (std::size_t(1) << 32), "conv2d",
            "image too large for the device im2col (2^32 elements)");
    auto col = ws.acquire(shape{1, 1, K, rows * W});
    for (std::size_t y0 = 0; y0 < H; y0 += rows) {
      const std::size_t q0 = y0 * W, nq = std::min(rows, H - y0) * W;
      launch<B>(K * nq, im2col3_fn{x, col.data(), H, W, q0, nq});
      g.n = nq, g.b = col.data(), g.ldb = nq, g.c = y + q0;
      gemm<B>(g);
    }
  }
  add_bias_act<B>(y, HW, Cout, HW, prefill ? nullptr : bias, o.act == activation::leaky_relu);
}

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

/// Dense conv (k ∈ {1, 3}) on a device backend (see conv2d.hpp).
template <class B>
requires device_backend<B>
void conv2d(workspace<B>& ws, cview x, cview w, fview y, const conv_options& o = {}) {
  const std::size_t k = w.dims.h, Cin = x.dims.c, Cout = w.dims.n, H = x.dims.h, W = x.dims.w;
  require((k == 1 || k == 3) && w.dims.w == k, "conv2d",
          "kernel must be 1x1 or 3x3, got " + shape_str(w.dims));
  require(w.dims.c == Cin, "conv2d",
          "weight " + shape_str(w.dims) + " does not take input " + shape_str(x.dims));
  require_shape("conv2d", "output", y.dims, shape{x.dims.n, Cout, H, W});
  require(Cin > 0 && H > 0 && W > 0, "conv2d", "empty input " + shape_str(x.dims));
  require(o.bias.raw() == nullptr || o.bias.size() == Cout, "conv2d",
          "bias size differs from Cout");
  for (std::size_t b = 0; b < x.dims.n; ++b)
    device::conv2d_image<B>(ws, x.raw() + b * Cin * H * W, w.raw(), y.raw() + b * Cout * H * W, Cin,
                            Cout, H, W, k, o);
}

/// Depthwise 3×3 on a device backend (see depthwise.hpp).
template <class B>
requires device_backend<B>
void depthwise_conv3x3(cview x, cview w, fview y, cview bias = {}) {
  const std::size_t C = x.dims.c;
  require_shape("depthwise_conv3x3", "weight", w.dims, shape{C, 1, 3, 3});
  require_shape("depthwise_conv3x3", "output", y.dims, x.dims);
  require(bias.raw() == nullptr || bias.size() == C, "depthwise_conv3x3",
          "bias size differs from C");
  require(y.size() < (std::size_t(1) << 32), "depthwise_conv3x3",
          "tensor too large (2^32 elements)");
  const std::uint32_t runs = std::uint32_t((x.dims.w + device::dw_run - 1) / device::dw_run);
  device::launch<B>(x.dims.n * C * x.dims.h * runs,
                    device::dw_fn{x.raw(), w.raw(), bias.raw(), y.raw(), std::uint32_t(C),
                                  std::uint32_t(x.dims.h), std::uint32_t(x.dims.w), runs});
}

/// Depthwise 3×3 + GELU gate on a device backend (see depthwise.hpp).
template <class B>
requires device_backend<B>
void depthwise_conv3x3_gelu_gate(workspace<B>&, cview x, cview w, fview y, cview bias = {}) {
  const std::size_t C2 = x.dims.c, F = C2 / 2, H = x.dims.h, W = x.dims.w;
  require(C2 % 2 == 0, "depthwise_conv3x3_gelu_gate", "input channels must be even");
  require_shape("depthwise_conv3x3_gelu_gate", "weight", w.dims, shape{C2, 1, 3, 3});
  require_shape("depthwise_conv3x3_gelu_gate", "output", y.dims, shape{x.dims.n, F, H, W});
  require(bias.raw() == nullptr || bias.size() == C2, "depthwise_conv3x3_gelu_gate",
          "bias size differs from 2F");
  require(x.size() < (std::size_t(1) << 32), "depthwise_conv3x3_gelu_gate",
          "tensor too large (2^32 elements)");
  const std::uint32_t runs = std::uint32_t((W + device::dw_run - 1) / device::dw_run);
  device::launch<B>(x.dims.n * F * H * runs,
                    device::dw_gate_fn{x.raw(), w.raw(), bias.raw(), y.raw(), std::uint32_t(F),
                                       std::uint32_t(H), std::uint32_t(W), runs});
}

}  // namespace diffbridge::nn
