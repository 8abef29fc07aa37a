// Customisation points for a device backend's own kernels, where a library call (cuBLAS) or
// the portable functors of nn/device/ leave much of the device idle: each has a default that
// launches nothing (run returns false) and the operator then takes its portable path. CUDA
// specialises them for thrust_backend (nn/device/layer_norm_cuda.hpp,
// nn/device/attention_cuda.hpp, brought in by nn/device/gemm_thrust.hpp).
#pragma once

#include <cstddef>

#include "diffbridge/nn/ln_params.hpp"

namespace diffbridge::nn {

/// Arguments of the device LayerNorm + modulation (nn/device/norm.hpp), device pointers:
/// y = LN(x)·k1 + k2 for N images of C planes of P pixels.
struct layer_norm_args {
  const float* x = nullptr;
  float* y = nullptr;
  ln_params ln;
  std::size_t N = 0, C = 0, P = 0;
};

/// run(layer_norm_args) → whether B launched its own LayerNorm kernel for it; false (the default)
/// leaves it to the functors of nn/device/norm.hpp. Specialised by nn/device/layer_norm_cuda.hpp.
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
/// products go through device_gemm. Specialised by nn/device/attention_cuda.hpp.
template <class B>
struct device_qk_partials {
  static std::size_t chunk(std::size_t, std::size_t) { return 0; }
  static bool run(const qk_partials_args&) { return false; }
};

}  // namespace diffbridge::nn
