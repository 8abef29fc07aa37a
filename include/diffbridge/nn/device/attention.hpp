// Device path of MDTA's channel attention (attention.hpp):
//   ‖q_a‖, ‖k_a‖   partial sums of squares in double over fixed chunks of 4096 pixels (8 lanes,
//                   as the host), then per channel the chunks in order, √, max(·, 1e-12);
//   S_j = q_j k_jᵀ  one strided-batched GEMM over the heads (K = H·W, whole image);
//   softmax        per row of S: S/(‖q_a‖·‖k_b‖)·temperature_j, then the host's max / exp / sum;
//   apply          attn_j·v_j as one strided-batched GEMM into a C×HW buffer, then project_out as
//                  one GEMM accumulating into the output (the residual), then the bias.
#pragma once

#include <cmath>
#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/attention.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/elementwise.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

inline constexpr std::size_t norm_chunk = 4096;

/// part[r·chunks + c] = Σ x_r[i]² over chunk c of row r (length N), in double.
struct sumsq_part_fn {
  const float* x;
  double* part;
  std::size_t N, chunks;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t r = it / chunks, c = it % chunks, b = c * norm_chunk;
    const std::size_t e = b + norm_chunk < N ? b + norm_chunk : N;
    const float* s = x + r * N;
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t i = b;
    for (; i + 8 <= e; i += 8)
      for (std::size_t l = 0; l < 8; ++l) acc[l] += double(s[i + l]) * double(s[i + l]);
    for (; i < e; ++i) acc[0] += double(s[i]) * double(s[i]);
    part[it] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  }
};

/// nrm[r] = max(√(Σ_c part[r·chunks + c]), 1e-12).
struct norm_fn {
  const double* part;
  float* nrm;
  std::size_t chunks;
  DIFFBRIDGE_HD void operator()(std::size_t r) const {
    double s = 0;
    for (std::size_t c = 0; c < chunks; ++c) s += part[r * chunks + c];
    const float v = float(::sqrt(s));
    nrm[r] = v > l2_normalize_eps ? v : l2_normalize_eps;
  }
};

/// Row `row` of the maps (heads·d rows of d): scale, then softmax over the row.
struct softmax_fn {
  float* a;
  const float* nrm;  ///< ‖q‖ for channels [0, C), ‖k‖ for [C, 2C)
  const float* temp;
  std::size_t C, d;
  DIFFBRIDGE_HD void operator()(std::size_t row) const {
    const std::size_t j = row / d, r = row % d;
    float* o = a + row * d;
    float mx = 0.0f;
    for (std::size_t b = 0; b < d; ++b) {
      o[b] = o[b] / (nrm[j * d + r] * nrm[C + j * d + b]) * temp[j];
      mx = b == 0 || o[b] > mx ? o[b] : mx;
    }
    float sum = 0;
    for (std::size_t b = 0; b < d; ++b) sum += (o[b] = ::expf(o[b] - mx));
    for (std::size_t b = 0; b < d; ++b) o[b] /= sum;
  }
};

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

/// Attention maps on a device backend (see attention.hpp).
template <class B>
requires device_backend<B>
void attention_maps(workspace<B>& ws, cview qkv, cview temperature, std::size_t heads, fview attn) {
  require(qkv.dims.n == 1 && qkv.dims.c % 3 == 0, "channel_attention",
          "qkv must be (1, 3C, H, W), got " + shape_str(qkv.dims));
  const std::size_t C = qkv.dims.c / 3, N = qkv.dims.h * qkv.dims.w;
  require(heads >= 1 && C % heads == 0, "channel_attention",
          diffbridge::detail::concat(C, " channels do not split into ", heads, " heads"));
  require(temperature.size() == heads, "channel_attention",
          "temperature must hold one value per head");
  const std::size_t d = C / heads, chunks = (N + device::norm_chunk - 1) / device::norm_chunk;
  require_shape("channel_attention", "attention maps", attn.dims, shape{heads, 1, d, d});
  auto norms = ws.acquire(shape{1, 1, 1, 2 * C});
  auto part = ws.acquire(shape{1, 1, 2 * C * chunks, 2});  // doubles (leases are 256-B aligned)
  double* pp = reinterpret_cast<double*>(part.data());
  const float* q = qkv.raw();
  device::launch<B>(2 * C * chunks, device::sumsq_part_fn{q, pp, N, chunks});
  device::launch<B>(2 * C, device::norm_fn{pp, norms.data(), chunks});
  gemm_args g;
  g.m = d, g.n = d, g.k = N, g.a = q, g.lda = N, g.b = q + C * N, g.ldb = N, g.trans_b = true;
  g.c = attn.raw(), g.ldc = d;
  device::gemm<B>(g, gemm_batch{heads, d * N, d * N, d * d});
  device::launch<B>(heads * d,
                    device::softmax_fn{attn.raw(), norms.data(), temperature.raw(), C, d});
}

/// attn·v (then project_out + bias, accumulated or not) on a device backend.
template <class B>
requires device_backend<B>
void attention_apply(workspace<B>& ws, cview qkv, cview attn, std::size_t heads, fview out,
                     cview proj = {}, cview bias = {}, bool accumulate = false) {
  require(qkv.dims.n == 1 && qkv.dims.c % 3 == 0 && heads >= 1 && (qkv.dims.c / 3) % heads == 0,
          "channel_attention", "qkv " + shape_str(qkv.dims) + " does not split into heads");
  const std::size_t C = qkv.dims.c / 3, N = qkv.dims.h * qkv.dims.w, d = C / heads;
  require_shape("channel_attention", "attention maps", attn.dims, shape{heads, 1, d, d});
  require_shape("channel_attention", "output", out.dims, shape{1, C, qkv.dims.h, qkv.dims.w});
  require(proj.raw() == nullptr || proj.size() == C * C, "channel_attention",
          "project_out must be [C, C, 1, 1]");
  require(bias.raw() == nullptr || bias.size() == C, "channel_attention",
          "bias size differs from C");
  const bool fused = proj.raw() != nullptr;
  typename workspace<B>::lease tmp;
  if (fused) tmp = ws.acquire(shape{1, C, qkv.dims.h, qkv.dims.w});
  float* av = fused ? tmp.data() : out.raw();
  gemm_args g;
  g.m = d, g.n = N, g.k = d, g.a = attn.raw(), g.lda = d, g.b = qkv.raw() + 2 * C * N, g.ldb = N;
  g.c = av, g.ldc = N;
  device::gemm<B>(g, gemm_batch{heads, d * d, d * N, d * N});
  if (!fused) return;
  gemm_args p;
  p.m = C, p.n = N, p.k = C, p.a = proj.raw(), p.lda = C, p.b = av, p.ldb = N;
  p.c = out.raw(), p.ldc = N, p.accumulate = accumulate;
  device::gemm<B>(p);
  if (bias.raw()) device::add_bias_act<B>(out.raw(), N, C, N, bias.raw(), false);
}

}  // namespace diffbridge::nn
