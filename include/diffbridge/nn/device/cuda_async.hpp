// Helpers of the CUDA-only kernels of nn/device/ (*_cuda.hpp; nvcc, thrust-cuda): asynchronous
// 4-byte copies from global into shared memory (cp.async, sm_80 and later; a plain copy before),
// waiting for them, the opt-in to more than 48 KiB of dynamic shared memory, and the launch check.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "diffbridge/core/error.hpp"

namespace diffbridge::nn::device {

/// *smem ← *g, asynchronously where the device can (wait with async_copy_wait).
__device__ inline void async_copy(float* smem, const float* g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned s = unsigned(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"(s), "l"(g));
#else
  *smem = *g;
#endif
}

/// Closes this thread's async_copy calls since the last commit into a group.
__device__ inline void async_copy_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}

/// Waits until at most N of this thread's committed groups are pending (N = 0: all of them).
template <int N>
__device__ inline void async_copy_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

/// Throws diffbridge::error if the last launch failed.
inline void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    throw error(diffbridge::detail::concat("CUDA: ", what, " launch: ", cudaGetErrorString(e)));
}

/// Lets `kernel` use up to `most` bytes of dynamic shared memory on the current device, once per
/// device and kernel (`done`: one bit per device, owned by the caller).
template <class K>
void opt_in_shared_memory(K* kernel, std::size_t most, std::atomic<std::uint64_t>& done) {
  if (most <= 48 * 1024) return;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) dev = 0;
  const std::uint64_t bit = std::uint64_t(1) << (dev & 63);
  if (done.load(std::memory_order_acquire) & bit) return;
  const cudaError_t e =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(most));
  if (e != cudaSuccess)
    throw error(diffbridge::detail::concat("CUDA: shared memory opt-in: ", cudaGetErrorString(e)));
  done.fetch_or(bit, std::memory_order_release);
}

}  // namespace diffbridge::nn::device
