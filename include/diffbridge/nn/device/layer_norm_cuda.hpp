// The CUDA kernel of the device LayerNorm + IPR modulation (nn/device/norm.hpp) for thrust_backend
// under nvcc, for C ≤ ln_tile_max_channels: one launch instead of three.
//   A block copies a tile of 128, 64 or 32 pixels (C ≤ 128, 256, 512) with all C channels of x
//   into shared memory (asynchronous copies, all in flight at once), computes each pixel's μ and
//   1/√(σ² + eps) there (two passes in double), and writes y with the float expression of
//   ln_apply_fn.
// The three-launch form (partial statistics, statistics, apply) reads x twice and waits on two
// launches whose threads do little (docs/performance.md); a thread per pixel reading its C values
// one after another waits on memory latency C times (measured slower, the same page).
#pragma once

#if !defined(__CUDACC__)
#error \
    "diffbridge/nn/device/layer_norm_cuda.hpp holds CUDA kernels: include it from a .cu source (nvcc)"
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/cuda_async.hpp"
#include "diffbridge/nn/device/own_kernels.hpp"

namespace diffbridge::nn {

namespace device {

/// Largest C of the one-launch LayerNorm: its shared memory is (TP + 4)·C floats for tiles of
/// TP = 128 pixels up to C = 128, 64 up to 256 and 32 up to 512 (≤ 74 KiB; the DIRformer has
/// C = 48 … 384). Wider inputs take the three launches of nn/device/norm.hpp.
inline constexpr std::size_t ln_tile_max_channels = 512;

/// Pixels per block (= threads) of the one-launch LayerNorm for C channels.
inline constexpr int ln_tile_pixels(std::size_t C) { return C <= 128 ? 128 : C <= 256 ? 64 : 32; }

/// Dynamic shared memory of the kernel for C channels (bytes): the tile and the parameters.
inline constexpr std::size_t ln_tile_shared_bytes(std::size_t C) {
  return std::size_t(ln_tile_pixels(C) + 4) * C * sizeof(float);
}

/// y = LN(x)·k1 + k2 for (C, P) planes; grid ⌈P / TP⌉, TP = ln_tile_pixels(C) threads (one per
/// pixel: coalesced rows), ln_tile_shared_bytes(C) of dynamic shared memory.
template <int TP>
__global__ void __launch_bounds__(TP)
    layer_norm_tile_kernel(const float* __restrict__ x, float* __restrict__ y, ln_params p, int C,
                           int P) {
  extern __shared__ float4 ln_smem[];
  float* t = reinterpret_cast<float*>(ln_smem);  // [C][TP]
  float* prm = t + C * TP;                       // [4][C]: weight, bias, k1, k2
  const int tid = threadIdx.x, pix = blockIdx.x * TP + tid;
  if (pix < P)
    for (int c = 0; c < C; ++c) async_copy(t + c * TP + tid, x + std::size_t(c) * P + pix);
  for (int c = tid; c < C; c += TP) {
    async_copy(prm + c, p.weight + c);
    if (p.bias) async_copy(prm + C + c, p.bias + c);
    if (p.k1) async_copy(prm + 2 * C + c, p.k1 + c), async_copy(prm + 3 * C + c, p.k2 + c);
  }
  async_copy_commit();
  async_copy_wait<0>();
  __syncthreads();  // the parameters were copied by other threads
  if (pix >= P) return;
  // the statistics of the pixel: two passes in double, two partial sums each
  const float* col = t + tid;
  double s0 = 0, s1 = 0;
  int c = 0;
  for (; c + 1 < C; c += 2) s0 += double(col[c * TP]), s1 += double(col[(c + 1) * TP]);
  if (c < C) s0 += double(col[c * TP]);
  const double mu = (s0 + s1) / double(C);
  double q0 = 0, q1 = 0;
  for (c = 0; c + 1 < C; c += 2) {
    const double d0 = double(col[c * TP]) - mu, d1 = double(col[(c + 1) * TP]) - mu;
    q0 += d0 * d0, q1 += d1 * d1;
  }
  if (c < C) {
    const double d = double(col[c * TP]) - mu;
    q0 += d * d;
  }
  const float m = float(mu), r = float(1.0 / sqrt((q0 + q1) / double(C) + double(layer_norm_eps)));
  // y with the expression of ln_apply_fn
  const bool with_bias = p.bias != nullptr, mod = p.k1 != nullptr;
  for (c = 0; c < C; ++c) {
    const float v = col[c * TP], wc = prm[c];
    const float a1 = mod ? prm[2 * C + c] : 1.0f, a2 = mod ? prm[3 * C + c] : 0.0f;
    y[std::size_t(c) * P + pix] =
        with_bias ? ((v - m) * r * wc + prm[C + c]) * a1 + a2 : (v * r * wc) * a1 + a2;
  }
}

}  // namespace device

template <>
struct device_layer_norm<thrust_backend> {
  /// Launches the one-launch LayerNorm for each image on the current stream; false (nothing
  /// launched) where it does not apply: C > ln_tile_max_channels or past 32-bit indexing.
  static bool run(const layer_norm_args& a) {
    using namespace device;
    if (a.C == 0 || a.C > ln_tile_max_channels || a.P == 0 || a.N == 0) return false;
    if (a.C * a.P >= (std::size_t(1) << 31)) return false;
    switch (ln_tile_pixels(a.C)) {
      case 128:
        launch<128>(a);
        break;
      case 64:
        launch<64>(a);
        break;
      default:
        launch<32>(a);
        break;
    }
    return true;
  }

 private:
  template <int TP>
  static void launch(const layer_norm_args& a) {
    // the most any C of this tile size asks for, so one opt-in per device serves every call
    static std::atomic<std::uint64_t> opted{0};
    const std::size_t widest = TP == 128 ? 128 : TP == 64 ? 256 : 512;
    device::opt_in_shared_memory(device::layer_norm_tile_kernel<TP>,
                                 device::ln_tile_shared_bytes(widest), opted);
    const std::size_t smem = device::ln_tile_shared_bytes(a.C);
    const unsigned blocks = unsigned((a.P + TP - 1) / TP);
    for (std::size_t n = 0; n < a.N; ++n) {
      const std::size_t off = n * a.C * a.P;
      device::layer_norm_tile_kernel<TP><<<blocks, TP, smem, thrust_backend::stream()>>>(
          a.x + off, a.y + off, a.ln, int(a.C), int(a.P));
      device::check_launch("layer_norm");
    }
  }
};

}  // namespace diffbridge::nn
