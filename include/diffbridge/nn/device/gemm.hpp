// The device GEMM customisation point of the network operators on a device backend (a backend
// whose memory is not host memory, e.g. thrust_backend): the same row-major product as
// nn/gemm.hpp, over whole images, optionally strided-batched (attention: one product per head):
//   C_i[m×n] (+)= A_i[m×k] · op(B_i),  X_i = X + i·stride_x,  i < count
// The primary template has no implementation; nn/device/gemm_thrust.hpp specialises it for
// thrust_backend (cuBLAS on CUDA, Eigen on the OMP / CPP systems). Include that header (as
// nn/gemm_eigen.hpp for eigen_backend) wherever the network runs on the Thrust backend.
#pragma once

#include <cstddef>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn {

/// A backend for the device paths of the network operators: float tensors not in host memory.
template <class B>
concept device_backend = backend_for<B, float> && !is_host_backend<B>;

/// Batch of a strided-batched product (count = 1: a single product).
struct gemm_batch {
  std::size_t count = 1, stride_a = 0, stride_b = 0, stride_c = 0;
};

/// run(gemm_args, gemm_batch) on B's memory; specialised per device backend.
template <class B>
struct device_gemm {
  static_assert(sizeof(B) == 0,
                "no device GEMM for this backend: include diffbridge/nn/device/gemm_thrust.hpp");
};

/// A caller-owned execution context of a device backend (CUDA: a stream and a cuBLAS handle),
/// current on the constructing thread while it lives; specialised per device backend.
template <class B>
class device_context;

}  // namespace diffbridge::nn
