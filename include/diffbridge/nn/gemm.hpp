// The one matrix-product customisation point of the network operators (spec §9: conv 1×1 and
// 3×3 through im2col, attention products, Linear). Row-major, single-threaded per call (the
// operators split the work into tiles and run the tiles on threads):
//   C[m×n] (+)= A[m×k] · op(B),   op(B) = B[k×n]  or  Bᵀ with B[n×k]   (trans_b)
// The primary template is the naive oracle (double accumulation) used by the std backend;
// gemm_eigen.hpp and gemm_xtensor.hpp specialise it for the other backends.
#pragma once

#include <cstddef>

namespace diffbridge::nn {

struct gemm_args {
  std::size_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  std::size_t lda = 0;
  const float* b = nullptr;
  std::size_t ldb = 0;
  float* c = nullptr;
  std::size_t ldc = 0;
  bool trans_b = false;     ///< op(B) = Bᵀ, B stored n×k
  bool accumulate = false;  ///< C += A·op(B) instead of C = A·op(B)
};

/// Naive reference product.
template <class B>
struct gemm {
  static void run(const gemm_args& g) {
    for (std::size_t i = 0; i < g.m; ++i) {
      for (std::size_t j = 0; j < g.n; ++j) {
        double s = 0;
        for (std::size_t p = 0; p < g.k; ++p) {
          const float bv = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
          s += double(g.a[i * g.lda + p]) * double(bv);
        }
        float& c = g.c[i * g.ldc + j];
        c = g.accumulate ? float(double(c) + s) : float(s);
      }
    }
  }
};

}  // namespace diffbridge::nn
