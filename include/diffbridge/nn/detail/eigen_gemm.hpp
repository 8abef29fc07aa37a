// One row-major product C[m×n] (+)= A[m×k]·op(B) (nn::gemm_args) with Eigen's blocked, vectorised
// GEMM on zero-copy maps of host memory: the GEMM of eigen_backend (nn/gemm_eigen.hpp) and of
// thrust_backend's OMP / CPP systems (nn/device/gemm_thrust.hpp).
#pragma once

#include <Eigen/Core>

#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn::detail {

inline void eigen_gemm(const gemm_args& g) {
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
    if (g.accumulate)
      C.noalias() += A * Bt.transpose();
    else
      C.noalias() = A * Bt.transpose();
  } else {
    Eigen::Map<const rm, 0, stride> Bm(g.b, idx(g.k), idx(g.n), stride(idx(g.ldb)));
    if (g.accumulate)
      C.noalias() += A * Bm;
    else
      C.noalias() = A * Bm;
  }
}

}  // namespace diffbridge::nn::detail
