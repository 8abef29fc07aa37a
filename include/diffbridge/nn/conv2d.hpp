// Dense 2-D convolution, stride 1, zero padding k/2, k ∈ {1, 3} (spec §2.3–§2.8): weights
// [Cout, Cin, k, k] (PyTorch layout), optional bias, NCHW activations.
//   k = 1: one GEMM per pixel tile, W[Cout×Cin] · X[Cin×tile], straight from the input.
//   k = 3: per pixel tile an im2col block [9·Cin × tile] in per-thread scratch (its row order
//          c·9 + ky·3 + kx is the weight layout itself), then one GEMM with K = 9·Cin.
// Tiles (and, when there are fewer tiles than threads, blocks of output channels) run on the
// backend's threads; the epilogue (bias, residual accumulate, LeakyReLU) is
// applied to each tile while it is in cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/gemm.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

enum class activation { none, leaky_relu };

struct conv_options {
  cview bias{};                      ///< [Cout] or empty
  bool accumulate = false;           ///< y += conv(x) (a fused residual add)
  activation act = activation::none; ///< applied last
};

namespace detail {

/// Rows [0, 9·C) × columns [q0, q1) of the 3×3 im2col of plane x (C×H×W) into col (ld = q1−q0).
inline void im2col3(const float* x, std::size_t C, std::size_t H, std::size_t W, std::size_t q0,
                    std::size_t q1, float* col) {
  const std::size_t ld = q1 - q0;
  for (std::size_t c = 0; c < C; ++c) {
    const float* xc = x + c * H * W;
    for (std::size_t ky = 0; ky < 3; ++ky) {
      for (std::size_t kx = 0; kx < 3; ++kx) {
        float* row = col + ((c * 3 + ky) * 3 + kx) * ld;
        for (std::size_t q = q0; q < q1;) {  // one image row segment at a time
          const std::size_t y = q / W, x0 = q % W, x1 = std::min(W, x0 + (q1 - q));
          float* d = row + (q - q0);
          const long yy = long(y) + long(ky) - 1;
          if (yy < 0 || yy >= long(H)) {
            std::fill(d, d + (x1 - x0), 0.0f);
          } else {
            const float* s = xc + std::size_t(yy) * W;
            // output x reads input x + kx − 1
            std::size_t a = x0, b = x1;
            if (kx == 0 && a == 0) d[0] = 0.0f, a = 1;
            if (kx == 2 && b == W) d[W - 1 - x0] = 0.0f, b = W - 1;
            if (b > a) std::memcpy(d + (a - x0), s + a + kx - 1, (b - a) * sizeof(float));
          }
          q += x1 - x0;
        }
      }
    }
  }
}

/// Bias before an overwriting GEMM (then accumulate), or after an accumulating one.
inline void fill_bias(float* c, std::size_t ldc, std::size_t m, std::size_t n, const float* b) {
  for (std::size_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, b[i]);
}
inline void add_bias_act(float* c, std::size_t ldc, std::size_t m, std::size_t n, const float* b,
                         activation act) {
  for (std::size_t i = 0; i < m; ++i) {
    float* r = c + i * ldc;
    const float bi = b ? b[i] : 0.0f;
    if (b)
      for (std::size_t j = 0; j < n; ++j) r[j] += bi;
    if (act == activation::leaky_relu)
      for (std::size_t j = 0; j < n; ++j) r[j] = leaky_relu(r[j]);
  }
}

}  // namespace detail

/// y (+)= conv_k(x, w) + bias, then the activation. x: (N, Cin, H, W); w: (Cout, Cin, k, k);
/// y: (N, Cout, H, W). y must not alias x.
template <class B>
void conv2d(workspace<B>& ws, cview x, cview w, fview y, const conv_options& o = {}) {
  const std::size_t k = w.dims.h, Cin = x.dims.c, Cout = w.dims.n, H = x.dims.h, W = x.dims.w;
  require((k == 1 || k == 3) && w.dims.w == k, "conv2d", "kernel must be 1x1 or 3x3, got " + shape_str(w.dims));
  require(w.dims.c == Cin, "conv2d", "weight " + shape_str(w.dims) + " does not take input " + shape_str(x.dims));
  require_shape("conv2d", "output", y.dims, shape{x.dims.n, Cout, H, W});
  require_nonempty("conv2d", "input", x.dims);
  require_nonempty("conv2d", "output", y.dims);
  require_disjoint("conv2d", x, y);
  require(o.bias.raw() == nullptr || o.bias.size() == Cout, "conv2d", "bias size differs from Cout");
  const std::size_t HW = H * W, K = Cin * k * k;
  const float* bias = o.bias.raw();
  const bool prefill = bias && !o.accumulate;
  std::size_t nt;
  if (k == 1) {
    nt = 1024;
  } else {
    nt = std::clamp<std::size_t>((std::size_t(1) << 18) / std::max<std::size_t>(K, 1), 256, 2048) & ~std::size_t(15);
  }
  nt = std::min(nt, HW);
  const std::size_t tiles = (HW + nt - 1) / nt;
  // with fewer tiles than threads, also split the output channels (blocks of >= 16 rows)
  const std::size_t threads = std::size_t(max_threads<B>());
  const std::size_t mb = tiles >= threads ? 1 : std::min((2 * threads + tiles - 1) / tiles, (Cout + 15) / 16);
  const std::size_t mrows = (Cout + mb - 1) / mb;
  typename workspace<B>::lease col;
  if (k == 3) col = ws.acquire(shape{threads, K, 1, nt});
  for (std::size_t b = 0; b < x.dims.n; ++b) {
    const float* xb = x.raw() + b * Cin * HW;
    float* yb = y.raw() + b * Cout * HW;
    float* colp = col.data();
    parallel_for<B>(tiles * mb, [&, xb, yb, colp](std::size_t item) {
      const std::size_t t = item / mb, m0 = (item % mb) * mrows;
      if (m0 >= Cout) return;
      const std::size_t m = std::min(mrows, Cout - m0);
      const std::size_t q0 = t * nt, q1 = std::min(HW, q0 + nt), n = q1 - q0;
      gemm_args g;
      g.m = m, g.n = n, g.k = K, g.a = w.raw() + m0 * K, g.lda = K;
      g.c = yb + m0 * HW + q0, g.ldc = HW, g.accumulate = o.accumulate || prefill;
      if (k == 1) {
        g.b = xb + q0, g.ldb = HW;
      } else {
        float* c = colp + std::size_t(thread_index<B>()) * K * nt;
        detail::im2col3(xb, Cin, H, W, q0, q1, c);
        g.b = c, g.ldb = n;
      }
      const float* bm = bias ? bias + m0 : nullptr;
      if (prefill) detail::fill_bias(g.c, HW, m, n, bm);
      gemm<B>::run(g);
      if ((bias && !prefill) || o.act != activation::none)
        detail::add_bias_act(g.c, HW, m, n, prefill ? nullptr : bm, o.act);
    });
  }
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/conv.hpp"
