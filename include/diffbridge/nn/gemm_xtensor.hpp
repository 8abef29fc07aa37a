// nn::gemm for the xtensor backend. xtensor has no matrix product without xtensor-blas (and a
// BLAS); the library's portable blocked SGEMM (detail/blocked_gemm.hpp) serves instead.
#pragma once

#include "diffbridge/backend/xtensor.hpp"
#include "diffbridge/nn/detail/blocked_gemm.hpp"
#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn {

template <>
struct gemm<xtensor_backend> {
  static void run(const gemm_args& g) { detail::blocked_gemm(g); }
};

}  // namespace diffbridge::nn
