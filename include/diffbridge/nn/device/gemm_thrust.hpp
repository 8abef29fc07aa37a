// nn::device_gemm and nn::device_context for thrust_backend.
//   CUDA (nvcc, THRUST_DEVICE_SYSTEM_CUDA): cublasSgemm / cublasSgemmStridedBatched in fp32 with
//     CUBLAS_DEFAULT_MATH (no TF32 unless device_context<>::options{.allow_tf32 = true}), on the calling
//     thread's current context: its cuBLAS handle, bound to its stream, which is also the stream
//     of every Thrust launch (thrust_backend::stream()). Without a live context a per-thread
//     default handle on the legacy default stream is used.
//   OMP / CPP: the pointers are host pointers; Eigen's GEMM on zero-copy maps (as
//     nn/gemm_eigen.hpp; threaded with OpenMP when the target enables it) — link
//     diffbridge::eigen. Without Eigen, the library's blocked SGEMM (single-threaded).
// Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ, so cuBLAS gets (B, A) swapped.
// Under CUDA it also brings the CUDA-only kernels: the one-launch LayerNorm
// (nn/device/layer_norm_cuda.hpp) and the attention's q·kᵀ partials (nn/device/attention_cuda.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/nn/device/gemm.hpp"

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#elif __has_include(<Eigen/Core>)
#include "diffbridge/nn/detail/eigen_gemm.hpp"
#if defined(_OPENMP)
#include <omp.h>
#endif
#define DIFFBRIDGE_THRUST_GEMM_EIGEN 1
#else
#include "diffbridge/nn/detail/blocked_gemm.hpp"
#endif

namespace diffbridge::nn {

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
namespace detail {
inline void cublas_check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw error(diffbridge::detail::concat("cuBLAS: ", what, " failed (status ", int(s), ")"));
}
inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw error(diffbridge::detail::concat("CUDA: ", what, ": ", cudaGetErrorString(e)));
}
}  // namespace detail
#endif

/// The Thrust backend's execution context. CUDA: a non-blocking stream and a cuBLAS handle bound
/// to it, made current for the constructing thread (Thrust launches and GEMMs go to that stream)
/// until destruction, which waits for the stream and restores the previous context. OMP / CPP:
/// nothing to hold. Create one around a forward pass (the CLI, tests and benchmarks do).
template <>
class device_context<thrust_backend> {
 public:
  struct options {
    bool allow_tf32 = false;  ///< CUDA: let cuBLAS use TF32 tensor cores (default: exact fp32)
  };

  device_context() : device_context(options{}) {}
  explicit device_context(options o) : o_(o) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    detail::cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
                       "cudaStreamCreate");
    if (cublasCreate(&handle_) != CUBLAS_STATUS_SUCCESS) {
      cudaStreamDestroy(stream_);
      throw error("cuBLAS: cublasCreate failed");
    }
    cublasSetStream(handle_, stream_);
    cublasSetMathMode(handle_, o.allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
    prev_stream_ = thrust_backend::stream();
    prev_handle_ = current_handle();
    thrust_backend::stream() = stream_;
    current_handle() = handle_;
#endif
  }
  device_context(const device_context&) = delete;
  device_context& operator=(const device_context&) = delete;
  ~device_context() {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    cudaStreamSynchronize(stream_);
    thrust_backend::stream() = prev_stream_;
    current_handle() = prev_handle_;
    cublasDestroy(handle_);
    cudaStreamDestroy(stream_);
#endif
  }

  const options& opts() const noexcept { return o_; }
  /// Waits for everything queued on the context (throws diffbridge::error on a device error).
  void synchronize() const {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    detail::cuda_check(cudaStreamSynchronize(stream_), "stream synchronize");
#endif
  }

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  cudaStream_t stream() const noexcept { return stream_; }
  cublasHandle_t cublas() const noexcept { return handle_; }

  /// The calling thread's current cuBLAS handle (nullptr: none).
  static cublasHandle_t& current_handle() noexcept {
    thread_local cublasHandle_t h = nullptr;
    return h;
  }
  /// The current handle, or a per-thread default one on the current stream.
  static cublasHandle_t handle_for_current_stream() {
    if (current_handle()) return current_handle();
    struct holder {
      cublasHandle_t h = nullptr;
      ~holder() {
        if (h) cublasDestroy(h);
      }
    };
    thread_local holder d;
    if (!d.h) detail::cublas_check(cublasCreate(&d.h), "cublasCreate");
    detail::cublas_check(cublasSetStream(d.h, thrust_backend::stream()), "cublasSetStream");
    return d.h;
  }

 private:
  cudaStream_t stream_ = nullptr, prev_stream_ = nullptr;
  cublasHandle_t handle_ = nullptr, prev_handle_ = nullptr;
#endif
  options o_;
};

template <>
struct device_gemm<thrust_backend> {
  static void run(const gemm_args& g, const gemm_batch& b) {
    if (g.m == 0 || g.n == 0 || b.count == 0) return;
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    cublasHandle_t h = device_context<thrust_backend>::handle_for_current_stream();
    const float alpha = 1.0f, beta = g.accumulate ? 1.0f : 0.0f;
    const auto ta = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    constexpr std::size_t int_max = 2147483647;  // cuBLAS takes int sizes and leading dims
    if (std::max({g.m, g.n, g.k, g.lda, g.ldb, g.ldc, b.count}) > int_max)
      throw invalid_input("device GEMM: a size or leading dimension exceeds 2^31 - 1");
    const int m = int(g.n), n = int(g.m), k = int(g.k);  // column-major Cᵀ (n×m)
    if (b.count == 1) {
      detail::cublas_check(cublasSgemm(h, ta, CUBLAS_OP_N, m, n, k, &alpha, g.b, int(g.ldb), g.a,
                                       int(g.lda), &beta, g.c, int(g.ldc)),
                           "cublasSgemm");
    } else {
      detail::cublas_check(
          cublasSgemmStridedBatched(h, ta, CUBLAS_OP_N, m, n, k, &alpha, g.b, int(g.ldb),
                                    (long long)b.stride_b, g.a, int(g.lda), (long long)b.stride_a,
                                    &beta, g.c, int(g.ldc), (long long)b.stride_c, int(b.count)),
          "cublasSgemmStridedBatched");
    }
#else
    for (std::size_t i = 0; i < b.count; ++i) {
      gemm_args one = g;
      one.a = g.a + i * b.stride_a, one.b = g.b + i * b.stride_b, one.c = g.c + i * b.stride_c;
      run_one(one);
    }
#endif
  }

#if THRUST_DEVICE_SYSTEM != THRUST_DEVICE_SYSTEM_CUDA
  /// One product on host memory, threaded like the host operators: C is split into tiles, one
  /// single-threaded product per tile on the OpenMP threads. (A long reduction into a small C —
  /// attention's q·kᵀ — arrives already cut into chunks of K, nn/device/attention.hpp.)
  static void run_one(const gemm_args& g) {
    // Tiles of 512 columns (and, with fewer tiles than 2 per thread, blocks of >= 16 rows). The
    // region is opened even for one tile: inside it Eigen does not start its own parallel GEMM,
    // whose spin-waiting costs more than it gains on the network's shapes (the host operators do
    // the same, nn/exec.hpp).
    constexpr std::size_t nt = 512;
    std::size_t threads = 1;
#if defined(_OPENMP)
    threads = std::size_t(omp_get_max_threads());
#endif
    const std::size_t tn = (g.n + nt - 1) / nt;
    const std::size_t mparts =
        tn >= 2 * threads
            ? 1
            : std::max<std::size_t>(1, std::min((2 * threads + tn - 1) / tn, g.m / 16));
    const std::size_t mb = (g.m + mparts - 1) / mparts;
    const auto items = static_cast<std::ptrdiff_t>(tn * mparts);
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (std::ptrdiff_t it = 0; it < items; ++it) {
      const std::size_t i0 = (std::size_t(it) % mparts) * mb, j0 = (std::size_t(it) / mparts) * nt;
      if (i0 >= g.m) continue;
      gemm_args p = g;
      p.m = std::min(mb, g.m - i0), p.n = std::min(nt, g.n - j0);
      p.a = g.a + i0 * g.lda, p.c = g.c + i0 * g.ldc + j0;
      p.b = g.trans_b ? g.b + j0 * g.ldb : g.b + j0;
      product(p);
    }
  }

  /// One Eigen product (called inside the parallel regions above, Eigen stays on the thread:
  /// its own parallel GEMM spin-waits, which costs more than it gains on these shapes).
  static void product(const gemm_args& g) {
#if defined(DIFFBRIDGE_THRUST_GEMM_EIGEN)
    detail::eigen_gemm(g);
#else
    detail::blocked_gemm(g);
#endif
  }
#endif
};

}  // namespace diffbridge::nn

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#include "diffbridge/nn/device/attention_cuda.hpp"
#include "diffbridge/nn/device/layer_norm_cuda.hpp"
#endif
