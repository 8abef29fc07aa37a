// A portable blocked SGEMM (Goto & van de Geijn's loop order: pack a kc×nc panel of B, a
// mc×kc block of A, then a 6 × 2v register-tile micro-kernel, v the native float vector width
// (8 with AVX, else 4), written with GCC / Clang vector extensions; plain loops elsewhere). Used by the xtensor backend, which has no matrix product of its own
// without xtensor-blas. Packing buffers are thread_local and grow once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn::detail {

#if defined(__AVX__)
inline constexpr std::size_t bg_vw = 8;  // floats per vector register used by the micro-kernel
#else
inline constexpr std::size_t bg_vw = 4;
#endif
inline constexpr std::size_t bg_mr = 6, bg_nr = 2 * bg_vw, bg_kc = 256, bg_mc = 96, bg_nc = 1024;

struct gemm_packs {
  std::vector<float> a, b;
};
inline gemm_packs& thread_packs() {
  thread_local gemm_packs p;
  return p;
}

/// B[pc.., jc..] (kc×nc of op(B)) into panels of bg_nr columns, zero-padded.
inline void pack_b(const gemm_args& g, std::size_t pc, std::size_t kc, std::size_t jc,
                   std::size_t nc, float* dst) {
  for (std::size_t jr = 0; jr < nc; jr += bg_nr) {
    const std::size_t nr = std::min(bg_nr, nc - jr);
    for (std::size_t p = 0; p < kc; ++p, dst += bg_nr) {
      for (std::size_t j = 0; j < nr; ++j) {
        const std::size_t col = jc + jr + j, row = pc + p;
        dst[j] = g.trans_b ? g.b[col * g.ldb + row] : g.b[row * g.ldb + col];
      }
      for (std::size_t j = nr; j < bg_nr; ++j) dst[j] = 0.0f;
    }
  }
}

/// A[ic.., pc..] (mc×kc) into panels of bg_mr rows, zero-padded.
inline void pack_a(const gemm_args& g, std::size_t ic, std::size_t mc, std::size_t pc,
                   std::size_t kc, float* dst) {
  for (std::size_t ir = 0; ir < mc; ir += bg_mr) {
    const std::size_t mr = std::min(bg_mr, mc - ir);
    for (std::size_t p = 0; p < kc; ++p, dst += bg_mr) {
      for (std::size_t i = 0; i < mr; ++i) dst[i] = g.a[(ic + ir + i) * g.lda + pc + p];
      for (std::size_t i = mr; i < bg_mr; ++i) dst[i] = 0.0f;
    }
  }
}

/// C[mr×nr] (+)= Ap · Bp over kc: 6 × 2 vector accumulators in registers (GCC / Clang vector
/// extensions), products contracted to FMA where the target has it; plain loops elsewhere.
#if defined(__GNUC__)
#if defined(__clang__)
inline void micro_kernel(std::size_t kc, const float* ap, const float* bp, float* c, std::size_t ldc, std::size_t mr,
                         std::size_t nr, bool acc) {
#pragma clang fp contract(fast)
#else
__attribute__((optimize("fp-contract=fast"))) inline void micro_kernel(std::size_t kc, const float* ap, const float* bp,
                                                                        float* c, std::size_t ldc, std::size_t mr,
                                                                        std::size_t nr, bool acc) {
#endif
  typedef float vf __attribute__((vector_size(bg_vw * sizeof(float))));
  vf t[bg_mr][2] = {};
  for (std::size_t p = 0; p < kc; ++p) {
    vf b0, b1;
    std::memcpy(&b0, bp + p * bg_nr, sizeof b0);
    std::memcpy(&b1, bp + p * bg_nr + bg_vw, sizeof b1);
    const float* aa = ap + p * bg_mr;
    for (std::size_t i = 0; i < bg_mr; ++i) {
      const vf av = vf{} + aa[i];
      t[i][0] += av * b0;
      t[i][1] += av * b1;
    }
  }
  float o[bg_mr][bg_nr];
  std::memcpy(o, t, sizeof o);
#else
inline void micro_kernel(std::size_t kc, const float* ap, const float* bp, float* c, std::size_t ldc, std::size_t mr,
                         std::size_t nr, bool acc) {
  float o[bg_mr][bg_nr] = {};
  for (std::size_t p = 0; p < kc; ++p)
    for (std::size_t i = 0; i < bg_mr; ++i)
      for (std::size_t j = 0; j < bg_nr; ++j) o[i][j] += ap[p * bg_mr + i] * bp[p * bg_nr + j];
#endif
  for (std::size_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    if (acc) {
      for (std::size_t j = 0; j < nr; ++j) ci[j] += o[i][j];
    } else {
      for (std::size_t j = 0; j < nr; ++j) ci[j] = o[i][j];
    }
  }
}

inline void blocked_gemm(const gemm_args& g) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {
    if (!g.accumulate)
      for (std::size_t i = 0; i < g.m; ++i) std::fill_n(g.c + i * g.ldc, g.n, 0.0f);
    return;
  }
  auto& buf = thread_packs();
  buf.a.resize(bg_mc * bg_kc);
  buf.b.resize(bg_kc * bg_nc);
  for (std::size_t jc = 0; jc < g.n; jc += bg_nc) {
    const std::size_t nc = std::min(bg_nc, g.n - jc);
    for (std::size_t pc = 0; pc < g.k; pc += bg_kc) {
      const std::size_t kc = std::min(bg_kc, g.k - pc);
      const bool acc = g.accumulate || pc > 0;
      pack_b(g, pc, kc, jc, nc, buf.b.data());
      for (std::size_t ic = 0; ic < g.m; ic += bg_mc) {
        const std::size_t mc = std::min(bg_mc, g.m - ic);
        pack_a(g, ic, mc, pc, kc, buf.a.data());
        for (std::size_t jr = 0; jr < nc; jr += bg_nr) {
          for (std::size_t ir = 0; ir < mc; ir += bg_mr) {
            micro_kernel(kc, buf.a.data() + ir * kc, buf.b.data() + jr * kc,
                         g.c + (ic + ir) * g.ldc + jc + jr, g.ldc, std::min(bg_mr, mc - ir),
                         std::min(bg_nr, nc - jr), acc);
          }
        }
      }
    }
  }
}

}  // namespace diffbridge::nn::detail
