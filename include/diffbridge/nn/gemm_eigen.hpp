// nn::gemm for the Eigen backend: Eigen's blocked, vectorised GEMM on zero-copy maps.
// Called inside the operators' OpenMP tiles, Eigen runs it on the calling thread (Eigen does
// not nest parallel regions); called from serial code it may use Eigen's own threads.
#pragma once

#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/nn/detail/eigen_gemm.hpp"
#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn {

template <>
struct gemm<eigen_backend> {
  static void run(const gemm_args& g) { detail::eigen_gemm(g); }
};

}  // namespace diffbridge::nn
