// `diffbridge restore --backend cuda`: the Stage-2 network on the Thrust backend's CUDA system,
// compiled by nvcc in its own translation unit (restore_cuda.cu, built with
// -DDIFFBRIDGE_ENABLE_CUDA=ON). The interface holds no Thrust or CUDA types: the C++ sources use
// thrust_backend on OMP and this one on CUDA, distinct types by the inline namespace of
// backend/thrust.hpp (thrust_omp / thrust_cuda), so the program has no ODR violation.
#pragma once

#include <vector>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/io/safetensors.hpp"
#include "diffbridge/models/diffir/config.hpp"

namespace diffbridge::cli {

struct cuda_restore_result {
  std::vector<float> out;  ///< (1, 3, H·s, W·s)
  double network_seconds = 0;
};

/// Runs stage2<thrust_backend (CUDA)>::restore on image `in` (shape in_shape), the mask (or
/// null) and z_T. Throws invalid_parameter("--backend cuda: no CUDA device available") when no
/// GPU is present, diffbridge::error on a CUDA / cuBLAS failure.
cuda_restore_result restore_cuda(const io::safetensors_file& f, models::diffir::variant v,
                                 const models::diffir::config& c, const shape& in_shape,
                                 const std::vector<float>& in, const std::vector<float>* mask,
                                 const std::vector<float>& z, bool progress);

}  // namespace diffbridge::cli
