// The line-buffer chain at the head of MDTA and GDFN (spec §2.3 step 2, §2.4 step 2):
//   P = conv1x1(LN(x)·k1 + k2)   (M channels, fused LayerNorm + modulation + 1×1 conv)
// consumed by a depthwise 3×3 conv, which needs three rows of P at a time. P never exists as a
// whole: each thread owns a contiguous range of image rows and keeps the rows of P it needs in a
// ring of R + 2 rows; every row of P is computed once, and the two rows just outside a thread's
// range (its halo) are computed before any consumer runs, so consumers may update x in place for
// the rows they are handed (GDFN adds its output to x band by band).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/gemm.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

/// The rows of P around the band [y, e) handed to a consumer: row(c, r) is channel c of image
/// row r ∈ [y − 1, e], a zero row outside the image.
struct ring_rows {
  const float* base;
  std::size_t ld, W, H, slots;
  const float* zero;
  const float* row(std::size_t c, long r) const {
    return (r < 0 || r >= long(H)) ? zero : base + c * ld + (std::size_t(r) % slots) * W;
  }
};

/// Runs P = conv1x1(LN(x)·k1 + k2) (+ bias) with weights w (M, C, 1, 1) over x (1, C, H, W) in
/// bands of R rows and calls consume(y, e, ring, thread) for each band [y, e) of every thread's
/// range, in order within a range. consume may modify rows [y, e) of x.
template <class B, class Consume>
void ln_conv1x1_rows(workspace<B>& ws, fview x, const ln_params& ln, cview w, cview bias, std::size_t R,
                     Consume&& consume) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w, N = H * W, M = w.dims.n;
  require(x.dims.n == 1 && w.dims.c == C && w.dims.h == 1 && w.dims.w == 1, "ln_conv1x1_rows",
          "weight " + shape_str(w.dims) + " does not take input " + shape_str(x.dims));
  require(bias.raw() == nullptr || bias.size() == M, "ln_conv1x1_rows", "bias size differs from M");
  R = std::max<std::size_t>(1, std::min(R, H));
  const std::size_t T = std::size_t(max_threads<B>()), P = std::min(T, H), ldr = (R + 2) * W;
  // per thread: ring M × (R + 2) rows, LN band C × (R + 1) rows; per partition: two halo rows
  auto ring = ws.acquire(shape{T, M, R + 2, W});
  auto lnb = ws.acquire(shape{T, C, R + 1, W});
  auto halo = ws.acquire(shape{P, 2, M, W});
  auto zero = ws.acquire(shape{1, 1, 1, W});
  std::fill_n(zero.data(), W, 0.0f);
  const float *xp = x.raw(), *wp = w.raw(), *bp = bias.raw(), *zp = zero.data();
  float *rp = ring.data(), *lp = lnb.data(), *hp = halo.data();
  auto range = [=](std::size_t p) { return std::pair<std::size_t, std::size_t>{H * p / P, H * (p + 1) / P}; };
  // P rows [lo, hi) into dst (channel stride ld), using the LN scratch of thread t
  auto compute = [=](std::size_t lo, std::size_t hi, float* dst, std::size_t ld, std::size_t t) {
    if (hi <= lo) return;
    const std::size_t n = (hi - lo) * W;
    float* l = lp + t * C * (R + 1) * W;
    detail::layer_norm_span(xp + lo * W, N, n, C, ln, l, n);
    gemm_args g;
    g.m = M, g.n = n, g.k = C, g.a = wp, g.lda = C, g.b = l, g.ldb = n, g.c = dst, g.ldc = ld;
    gemm<B>::run(g);
    if (bp)
      for (std::size_t c = 0; c < M; ++c)
        for (std::size_t i = 0; i < n; ++i) dst[c * ld + i] += bp[c];
  };
  // phase 1: the halo rows of every range, from the unmodified x
  parallel_for<B>(P, [=](std::size_t p) {
    const auto [Y0, Y1] = range(p);
    const std::size_t t = std::size_t(thread_index<B>());
    if (Y0 > 0) compute(Y0 - 1, Y0, hp + (p * 2) * M * W, W, t);
    if (Y1 < H) compute(Y1, Y1 + 1, hp + (p * 2 + 1) * M * W, W, t);
  });
  // phase 2: the bands of every range
  const std::size_t S = R + 2;
  parallel_for<B>(P, [&, rp, hp, zp](std::size_t p) {
    const auto [Y0, Y1] = range(p);
    const std::size_t t = std::size_t(thread_index<B>());
    float* rg = rp + t * M * ldr;
    auto put_halo = [&](std::size_t which, std::size_t r) {
      for (std::size_t c = 0; c < M; ++c)
        std::memcpy(rg + c * ldr + (r % S) * W, hp + ((p * 2 + which) * M + c) * W, W * sizeof(float));
    };
    auto compute_ring = [&](std::size_t lo, std::size_t hi) {  // split where the slots wrap
      while (lo < hi) {
        const std::size_t s0 = lo % S, n = std::min(hi - lo, S - s0);
        compute(lo, lo + n, rg + s0 * W, ldr, t);
        lo += n;
      }
    };
    if (Y0 > 0) put_halo(0, Y0 - 1);
    for (std::size_t y = Y0; y < Y1;) {
      const std::size_t e = std::min(y + R, Y1);
      compute_ring(y == Y0 ? y : y + 1, std::min(e + 1, Y1));  // this range's own rows up to e
      if (e == Y1 && Y1 < H) put_halo(1, e);                    // row e starts the next range
      consume(y, e, ring_rows{rg, ldr, W, H, S, zp}, t);
      y = e;
    }
  });
}

}  // namespace diffbridge::nn
