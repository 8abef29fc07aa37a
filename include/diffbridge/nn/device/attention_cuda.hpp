// The CUDA kernel of the attention's q·kᵀ partial products (nn/device/attention.hpp) for
// thrust_backend under nvcc, for head widths d ≤ qk_dmax: part[j][c] = q_j[:, chunk c]·k_j[:, chunk
// c]ᵀ, a d×d product summed over a chunk of pixels, one block per (chunk, head).
//   The block copies its chunk sub-tile by sub-tile (qk_tile pixels of the d rows of q_j and of
//   k_j, asynchronous copies, the next sub-tile arriving while one is multiplied) and each thread
//   accumulates 3×6 of the d×d sums in fp32 (rows a = ta + 16·i, columns b = tb + 8·j: shared-
//   memory reads without bank conflicts).
// cuBLAS runs these products (M = N = 48, K = a chunk) as a few 32×32 tiles per chunk at ≈ 130 GB/s
// on an H100 (docs/performance.md); here the reads are the chunk's q and k, once.
#pragma once

#if !defined(__CUDACC__)
#error \
    "diffbridge/nn/device/attention_cuda.hpp holds CUDA kernels: include it from a .cu source (nvcc)"
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/cuda_async.hpp"
#include "diffbridge/nn/device/own_kernels.hpp"

namespace diffbridge::nn {

namespace device {

/// Largest head width, pixels per sub-tile, row stride in shared memory (an odd number of 16-byte
/// groups: rows 1 apart fall on different banks), threads per block.
inline constexpr int qk_dmax = 48, qk_tile = 64, qk_stride = qk_tile + 4, qk_threads = 128;
/// Floats of one sub-tile buffer (q rows, then k rows); two buffers per block.
inline constexpr int qk_buffer = 2 * qk_dmax * qk_stride;
inline constexpr std::size_t qk_shared_bytes = 2 * std::size_t(qk_buffer) * sizeof(float);

/// Rows [0, d) of q and of k at pixels [p, p + n), n ≤ qk_tile, into buf (zeros past n).
__device__ inline void qk_copy_tile(float* buf, const float* q, const float* k, int d, int N, int p,
                                    int n, int tid) {
  for (int e = tid; e < 2 * d * qk_tile; e += qk_threads) {
    const int r = e / qk_tile, col = e - r * qk_tile;  // r < d: row r of q, else row r − d of k
    const bool is_q = r < d;
    float* dst = buf + (is_q ? r : qk_dmax + r - d) * qk_stride + col;
    if (col < n)
      async_copy(dst, (is_q ? q + std::size_t(r) * N : k + std::size_t(r - d) * N) + p + col);
    else
      *dst = 0.0f;
  }
}

/// part[((j·chunks + c)·d + a)·d + b] = Σ_{p in chunk c} q[j·d + a][p]·k[j·d + b][p]; chunk c is
/// [c·S, (c + 1)·S), the last one [c·S, N). Grid (chunks, heads), qk_threads threads,
/// qk_shared_bytes of dynamic shared memory.
template <int Threads = qk_threads>
__global__ void __launch_bounds__(Threads)
    qk_partials_kernel(const float* __restrict__ q, const float* __restrict__ k,
                       float* __restrict__ part, int d, int N, int S, int chunks) {
  extern __shared__ float4 qk_smem[];
  float* buf = reinterpret_cast<float*>(qk_smem);
  const int tid = threadIdx.x, c = blockIdx.x, j = blockIdx.y;
  const int p0 = c * S, p1 = c == chunks - 1 ? N : p0 + S;
  const float* qj = q + std::size_t(j) * d * N;
  const float* kj = k + std::size_t(j) * d * N;
  // rows d … qk_dmax − 1 of both buffers stay zero (never copied)
  for (int e = tid; e < 2 * qk_buffer; e += Threads) buf[e] = 0.0f;
  __syncthreads();
  const int ta = tid >> 3, tb = tid & 7, tiles = (p1 - p0 + qk_tile - 1) / qk_tile;
  float acc[3][6];
#pragma unroll
  for (int i = 0; i < 3; ++i)
#pragma unroll
    for (int jj = 0; jj < 6; ++jj) acc[i][jj] = 0.0f;
  qk_copy_tile(buf, qj, kj, d, N, p0, min(qk_tile, p1 - p0), tid);
  async_copy_commit();  // sub-tile 0 is its own group: waiting for it below leaves the next pending
  for (int s = 0; s < tiles; ++s) {
    if (s + 1 < tiles) {  // the next sub-tile into the other buffer
      const int p = p0 + (s + 1) * qk_tile;
      qk_copy_tile(buf + ((s + 1) & 1) * qk_buffer, qj, kj, d, N, p, min(qk_tile, p1 - p), tid);
      async_copy_commit();
      async_copy_wait<1>();  // all but that group: sub-tile s has arrived
    } else {
      async_copy_wait<0>();
    }
    __syncthreads();
    const float* qs = buf + (s & 1) * qk_buffer;
    const float* ks = qs + qk_dmax * qk_stride;
    for (int p = 0; p < qk_tile; p += 4) {
      float4 qa[3], kb[6];
#pragma unroll
      for (int i = 0; i < 3; ++i)
        qa[i] = *reinterpret_cast<const float4*>(qs + (ta + 16 * i) * qk_stride + p);
#pragma unroll
      for (int jj = 0; jj < 6; ++jj)
        kb[jj] = *reinterpret_cast<const float4*>(ks + (tb + 8 * jj) * qk_stride + p);
#pragma unroll
      for (int i = 0; i < 3; ++i)
#pragma unroll
        for (int jj = 0; jj < 6; ++jj) {
          float v = acc[i][jj];
          v = fmaf(qa[i].x, kb[jj].x, v);
          v = fmaf(qa[i].y, kb[jj].y, v);
          v = fmaf(qa[i].z, kb[jj].z, v);
          acc[i][jj] = fmaf(qa[i].w, kb[jj].w, v);
        }
    }
    __syncthreads();  // this buffer is read by all before the copy after next overwrites it
  }
  float* out = part + (std::size_t(j) * chunks + c) * d * d;
#pragma unroll
  for (int i = 0; i < 3; ++i) {
    const int a = ta + 16 * i;
    if (a >= d) continue;
#pragma unroll
    for (int jj = 0; jj < 6; ++jj)
      if (tb + 8 * jj < d) out[a * d + tb + 8 * jj] = acc[i][jj];
  }
}

}  // namespace device

template <>
struct device_qk_partials<thrust_backend> {
  /// Pixels per chunk of the kernel for N pixels (0: no kernel for head width d). Long chunks cut
  /// the partials to sum; short ones give the small levels enough blocks: 1024 from 2^18 pixels,
  /// 256 from 2^15, else 128.
  static std::size_t chunk(std::size_t d, std::size_t N) {
    if (d == 0 || d > std::size_t(device::qk_dmax)) return 0;
    return N >= (std::size_t(1) << 18) ? 1024 : N >= (std::size_t(1) << 15) ? 256 : 128;
  }
  /// Launches the kernel on the current stream; false (nothing launched) where it does not apply.
  static bool run(const qk_partials_args& a) {
    if (a.d == 0 || a.d > std::size_t(device::qk_dmax) || a.chunks == 0 || a.heads == 0)
      return false;
    if (a.N >= (std::size_t(1) << 31) || a.chunks > 2147483647u || a.heads > 65535) return false;
    static std::atomic<std::uint64_t> opted{0};
    device::opt_in_shared_memory(device::qk_partials_kernel<>, device::qk_shared_bytes, opted);
    const dim3 grid(unsigned(a.chunks), unsigned(a.heads));
    device::qk_partials_kernel<>
        <<<grid, device::qk_threads, device::qk_shared_bytes, thrust_backend::stream()>>>(
            a.q, a.k, a.part, int(a.d), int(a.N), int(a.S), int(a.chunks));
    device::check_launch("q·kᵀ partials");
    return true;
  }
};

}  // namespace diffbridge::nn
