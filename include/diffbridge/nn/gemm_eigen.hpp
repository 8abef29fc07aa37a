// nn::gemm for the Eigen backend: Eigen's blocked, vectorised GEMM on zero-copy maps.
// Called inside the operators' OpenMP tiles, Eigen runs it on the calling thread (Eigen does
// not nest parallel regions); called from serial code it may use Eigen's own threads.
#pragma once

#include <Eigen/Core>

#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn {

template <>
struct gemm<eigen_backend> {
  static void run(const gemm_args& g) {
    using rm = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using stride = Eigen::OuterStride<>;
    using idx = Eigen::Index;
    if (g.m == 0 || g.n == 0) return;
    Eigen::Map<rm, 0, stride> C(g.c, idx(g.m), idx(g.n), stride(idx(g.ldc)));
    if (g.k == 0) {
      if (!g.accumulate) C.setZero();
      return;
    }
    Eigen::Map<const rm, 0, stride> A(g.a, idx(g.m), idx(g.k), stride(idx(g.lda)));
    if (g.trans_b) {
      Eigen::Map<const rm, 0, stride> Bt(g.b, idx(g.n), idx(g.k), stride(idx(g.ldb)));
      if (g.accumulate) C.noalias() += A * Bt.transpose();
      else C.noalias() = A * Bt.transpose();
    } else {
      Eigen::Map<const rm, 0, stride> Bm(g.b, idx(g.k), idx(g.n), stride(idx(g.ldb)));
      if (g.accumulate) C.noalias() += A * Bm;
      else C.noalias() = A * Bm;
    }
  }
};

}  // namespace diffbridge::nn
