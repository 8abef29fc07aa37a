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
#include "diffbridge/nn/ln_params.hpp"

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

/// Arguments of the device LayerNorm + modulation (nn/device/norm.hpp), device pointers:
/// y = LN(x)·k1 + k2 for N images of C planes of P pixels.
struct layer_norm_args {
  const float* x = nullptr;
  float* y = nullptr;
  ln_params ln;
  std::size_t N = 0, C = 0, P = 0;
};

/// run(layer_norm_args) → whether B launched its own LayerNorm kernel for it; false (the default)
/// leaves it to the functors of nn/device/norm.hpp. nn/device/layer_norm_cuda.hpp specialises it
/// for thrust_backend under CUDA.
template <class B>
struct device_layer_norm {
  static bool run(const layer_norm_args&) { return false; }
};

/// Arguments of the attention's q·kᵀ partial products (nn/device/attention.hpp), device pointers:
/// part[((j·chunks + c)·d + a)·d + b] = Σ_{p in chunk c} q[(j·d + a)·N + p]·k[(j·d + b)·N + p]
/// for heads j, chunks c = [c·S, (c + 1)·S) (the last one ends at N).
struct qk_partials_args {
  const float *q = nullptr, *k = nullptr;
  float* part = nullptr;
  std::size_t heads = 0, d = 0, N = 0, S = 0, chunks = 0;
};

/// chunk(d, N) → the chunk length B's own q·kᵀ kernel wants for N pixels (0: it has none for
/// head width d; the default); run(qk_partials_args) → whether it launched. Without one the
/// products go through device_gemm. nn/device/attention_cuda.hpp specialises it for
/// thrust_backend under CUDA.
template <class B>
struct device_qk_partials {
  static std::size_t chunk(std::size_t, std::size_t) { return 0; }
  static bool run(const qk_partials_args&) { return false; }
};

/// A caller-owned execution context of a device backend (CUDA: a stream and a cuBLAS handle),
/// current on the constructing thread while it lives; specialised per device backend.
template <class B>
class device_context;

}  // namespace diffbridge::nn
