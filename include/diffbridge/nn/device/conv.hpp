// Device paths of the dense and depthwise convolutions (conv2d.hpp, depthwise.hpp):
//   1×1   one GEMM per image, W[Cout×Cin]·X[Cin×HW], straight from the input;
//   3×3   im2col of the whole image ([9·Cin × HW], row order = the weight layout) and one GEMM
//         with K = 9·Cin; only when the column matrix would exceed im2col_max_floats is the image
//         split into slabs of whole rows (one im2col + GEMM per slab);
//   epilogue  bias before an overwriting GEMM (then accumulate) or after an accumulating one,
//         then LeakyReLU — the host operator's order;
//   depthwise 3×3 (and the GDFN gate GELU(dw(x)[f])·dw(x)[F + f]): one thread per run of 4
//         pixels and strip of 4 rows (2 for the gate), its inputs loaded at once, the nine products
//         grouped as the host's dw_row, so the values are equal (up to FMA contraction under nvcc);
//         optionally Σ y² per thread for the attention's norms.
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

/// Outputs per depthwise thread and row: a run of dw_run pixels of a row shares its dw_run + 2
/// inputs of each of the three rows.
inline constexpr std::uint32_t dw_run = 4;

/// Rows per thread of the depthwise conv: its dw_strip + 2 input rows (dw_run + 2 values each)
/// are loaded at once, then the dw_strip × dw_run outputs computed — 2.25 loads per output instead
/// of 4.5 for a single row, and all of a thread's loads in flight together. Measured on an H100
/// (deblur S2, 256², fp32, Nsight Compute): the plain conv takes 0.99 ms per pass with 4 rows, 1.19
/// with 1, 1.26 with 16 (a chain of dependent row loads per thread leaves the memory system idle),
/// and the network is equally fast with 8; the GELU gate, two planes per thread, is fastest with 2
/// (the network 0.3 ms faster than with 1 at 256², 0.8 ms at 1024²; 4 and 16 rows slower than 1).
inline constexpr std::uint32_t dw_strip = 4, dw_gate_strip = 2;

/// The inputs of a depthwise thread: rows y0 − 1 … y0 + R of plane p at columns x0 − 1 …
/// x0 + dw_run (zeros outside the image).
template <std::uint32_t R>
struct dw3_tile {
  float r[R + 2][dw_run + 2];
  DIFFBRIDGE_HD void load(const float* p, std::uint32_t H, std::uint32_t W, std::uint32_t y0,
                          std::uint32_t x0) {
    for (std::uint32_t i = 0; i < R + 2; ++i) {
      const long y = long(y0) + long(i) - 1;
      const bool in = y >= 0 && y < long(H);
      const float* row = in ? p + std::size_t(y) * W : p;
      for (std::uint32_t j = 0; j < dw_run + 2; ++j) {
        const long xx = long(x0) + long(j) - 1;
        r[i][j] = in && xx >= 0 && xx < long(W) ? row[xx] : 0.0f;
      }
    }
  }
  /// The dw_run outputs of output row i (input rows i, i + 1, i + 2): bias + row0 + row1 + row2,
  /// each row (k0·a + k1·b) + k2·c — the grouping of the host's dw_row, so the values are equal
  /// (up to FMA contraction under nvcc).
  DIFFBRIDGE_HD void apply(std::uint32_t i, const float* k, float bias, float (&o)[dw_run]) const {
    for (std::uint32_t j = 0; j < dw_run; ++j) o[j] = bias;
    for (std::uint32_t ky = 0; ky < 3; ++ky) {
      const float k0 = k[ky * 3], k1 = k[ky * 3 + 1], k2 = k[ky * 3 + 2];
      for (std::uint32_t j = 0; j < dw_run; ++j)
        o[j] = o[j] + ((k0 * r[i + ky][j] + k1 * r[i + ky][j + 1]) + k2 * r[i + ky][j + 2]);
    }
  }
};

/// Thread geometry of the depthwise kernels over `planes` planes of H×W: thread t = (plane,
/// strip of R rows, run), run fastest so that adjacent threads read adjacent columns. Index
/// arithmetic in 32 bits (a GPU divides 64-bit integers in software; the wrappers check sizes
/// < 2³²).
struct dw_grid {
  std::uint32_t H, W, R, runs, strips;  ///< runs = ⌈W / dw_run⌉, strips = ⌈H / R⌉
  static dw_grid of(std::size_t H, std::size_t W, std::uint32_t R) {
    return {std::uint32_t(H), std::uint32_t(W), R, std::uint32_t((W + dw_run - 1) / dw_run),
            std::uint32_t((H + R - 1) / R)};
  }
  std::size_t threads(std::size_t planes) const { return planes * strips * runs; }
  struct cell {
    std::uint32_t plane, y0, x0, slot;  ///< slot = strip·runs + run within the plane
  };
  DIFFBRIDGE_HD cell at(std::uint32_t t) const {
    const std::uint32_t per = strips * runs, p = t / per, slot = t - p * per;
    const std::uint32_t s = slot / runs, run = slot - s * runs;
    return {p, s * R, run * dw_run, slot};
  }
};

/// Depthwise 3×3 of (N, C, H, W), one strip (dw_strip rows) of one run per thread (grid made
/// with R = dw_strip). With `sq`, a thread of a plane p < sq_planes also writes Σ y² of its
/// outputs (double, in row order) to sq[p·cells + slot] (cells = strips·runs) — the partial sums
/// of the attention's ‖q‖ and ‖k‖. Every thread sums the squares, needed or not: a per-output test
/// of whether they are needed made the network 5% slower on an H100 (1024², fp32: 170.6 → 179 ms).
struct dw_fn {
  const float *x, *w, *b;
  float* y;
  double* sq;
  std::uint32_t C, sq_planes;
  dw_grid g;
  DIFFBRIDGE_HD void operator()(std::size_t t64) const {
    const dw_grid::cell e = g.at(std::uint32_t(t64));
    const std::uint32_t c = e.plane % C;
    const std::size_t HW = std::size_t(g.H) * g.W;
    dw3_tile<dw_strip> tile;
    tile.load(x + e.plane * HW, g.H, g.W, e.y0, e.x0);
    const float* k = w + c * 9;
    const float bias = b ? b[c] : 0.0f;
    double s2 = 0;
    for (std::uint32_t i = 0; i < dw_strip && e.y0 + i < g.H; ++i) {
      float o[dw_run];
      tile.apply(i, k, bias, o);
      float* out = y + e.plane * HW + std::size_t(e.y0 + i) * g.W + e.x0;
      for (std::uint32_t j = 0; j < dw_run; ++j)
        if (e.x0 + j < g.W) out[j] = o[j], s2 += double(o[j]) * double(o[j]);
    }
    if (sq && e.plane < sq_planes) sq[std::size_t(e.plane) * g.strips * g.runs + e.slot] = s2;
  }
};

/// (N, F, H, W) = GELU(dw(x)[f])·dw(x)[F + f], x with 2F channels: one strip (dw_gate_strip
/// rows) of one run per thread (grid made with R = dw_gate_strip), both input planes loaded first.
struct dw_gate_fn {
  const float *x, *w, *b;
  float* y;
  std::uint32_t F;
  dw_grid g;
  DIFFBRIDGE_HD void operator()(std::size_t t64) const {
    const dw_grid::cell e = g.at(std::uint32_t(t64));
    const std::uint32_t n = e.plane / F, f = e.plane - n * F;
    const std::size_t HW = std::size_t(g.H) * g.W;
    const float* xg = x + (std::size_t(n) * 2 * F + f) * HW;
    dw3_tile<dw_gate_strip> tg, tv;
    tg.load(xg, g.H, g.W, e.y0, e.x0);
    tv.load(xg + std::size_t(F) * HW, g.H, g.W, e.y0, e.x0);
    const float *kg = w + f * 9, *kv = w + (F + f) * 9;
    const float bg = b ? b[f] : 0.0f, bv = b ? b[F + f] : 0.0f;
    for (std::uint32_t i = 0; i < dw_gate_strip && e.y0 + i < g.H; ++i) {
      float og[dw_run], ov[dw_run];
      tg.apply(i, kg, bg, og);
      tv.apply(i, kv, bv, ov);
      float* out = y + e.plane * HW + std::size_t(e.y0 + i) * g.W + e.x0;
      for (std::uint32_t j = 0; j < dw_run; ++j)
        if (e.x0 + j < g.W) out[j] = ov[j] * gelu(og[j]);
    }
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
  require_nonempty("conv2d", "input", x.dims);
  require_nonempty("conv2d", "output", y.dims);
  require_disjoint("conv2d", x, y);
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
  require_nonempty("depthwise_conv3x3", "input", x.dims);
  require_disjoint("depthwise_conv3x3", x, y);
  require(bias.raw() == nullptr || bias.size() == C, "depthwise_conv3x3",
          "bias size differs from C");
  require(y.size() < (std::size_t(1) << 32), "depthwise_conv3x3",
          "tensor too large (2^32 elements)");
  const auto g = device::dw_grid::of(x.dims.h, x.dims.w, device::dw_strip);
  device::launch<B>(g.threads(x.dims.n * C), device::dw_fn{x.raw(), w.raw(), bias.raw(), y.raw(),
                                                           nullptr, std::uint32_t(C), 0, g});
}

/// Depthwise 3×3 + GELU gate on a device backend (see depthwise.hpp).
template <class B>
requires device_backend<B>
void depthwise_conv3x3_gelu_gate(workspace<B>&, cview x, cview w, fview y, cview bias = {}) {
  const std::size_t C2 = x.dims.c, F = C2 / 2, H = x.dims.h, W = x.dims.w;
  require(C2 % 2 == 0, "depthwise_conv3x3_gelu_gate", "input channels must be even");
  require_shape("depthwise_conv3x3_gelu_gate", "weight", w.dims, shape{C2, 1, 3, 3});
  require_shape("depthwise_conv3x3_gelu_gate", "output", y.dims, shape{x.dims.n, F, H, W});
  require_nonempty("depthwise_conv3x3_gelu_gate", "input", x.dims);
  require_disjoint("depthwise_conv3x3_gelu_gate", x, y);
  require(bias.raw() == nullptr || bias.size() == C2, "depthwise_conv3x3_gelu_gate",
          "bias size differs from 2F");
  require(x.size() < (std::size_t(1) << 32), "depthwise_conv3x3_gelu_gate",
          "tensor too large (2^32 elements)");
  const auto g = device::dw_grid::of(H, W, device::dw_gate_strip);
  device::launch<B>(g.threads(x.dims.n * F),
                    device::dw_gate_fn{x.raw(), w.raw(), bias.raw(), y.raw(), std::uint32_t(F), g});
}

}  // namespace diffbridge::nn
