// Device path of MDTA's channel attention (attention.hpp):
//   ‖q_a‖, ‖k_a‖   sums of squares in double (reduce.hpp), √, max(·, 1e-12);
//   S_j = q_j k_jᵀ  one strided-batched GEMM over the heads (K = H·W) for small images; for
//                   K > 2·qk_chunk one batched GEMM over the chunks of K per head (a single
//                   product with K = 65536 and a 48×48 result runs on a few thread blocks),
//                   then the partials summed in chunk order;
//   softmax        per element of S: its row scaled by 1/(‖q_a‖·‖k_b‖)·temperature_j, then the
//                  host's max / exp / sum (one thread per element, not per row);
//   apply          with project_out W_o: (W_o·blockdiag(attn_j))·v — a C×C product batched over
//                  the heads, then one GEMM into the output (accumulating onto the residual
//                  when asked), then the bias; without: attn_j·v_j as one strided-batched GEMM.
#pragma once

#include <cmath>
#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/attention.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/elementwise.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/device/reduce.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

/// Columns per partial product of q·kᵀ: the long reduction (K = H·W) is cut into chunks, one
/// strided-batched GEMM over the chunks, then the partials summed in chunk order.
inline constexpr std::size_t qk_chunk = 1024;

/// nrm[r] = max(√(Σ of row r's lanes), 1e-12) (lanes of row_sum_lanes_of, Σ x²).
struct norm_fn {
  const double* lanes;
  float* nrm;
  std::size_t G;
  DIFFBRIDGE_HD void operator()(std::size_t r) const {
    const float v = float(::sqrt(row_lane_total(lanes, G, r)));
    nrm[r] = v > l2_normalize_eps ? v : l2_normalize_eps;
  }
};

/// out[j·dd + e] = Σ_c part[(j·chunks + c)·dd + e], chunks in order.
struct sum_chunks_fn {
  const float* part;
  float* out;
  std::size_t dd, chunks;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t j = it / dd, e = it % dd;
    const float* p = part + j * chunks * dd + e;
    float a = 0.0f;
    for (std::size_t c = 0; c < chunks; ++c) a += p[c * dd];
    out[it] = a;
  }
};

/// Element (row, b) of the maps (heads·d rows of d): the row of the scores s scaled by
/// 1/(‖q‖·‖k‖)·temperature, then softmax; each thread redoes its row's max and sum in the host's
/// order (d ≤ a few dozen), so the values equal the host's and no thread waits on another.
struct softmax_fn {
  const float* s;
  float* a;
  const float* nrm;  ///< ‖q‖ for channels [0, C), ‖k‖ for [C, 2C)
  const float* temp;
  std::size_t C, d;
  DIFFBRIDGE_HD float scaled(std::size_t row, std::size_t j, std::size_t r, std::size_t b) const {
    return s[row * d + b] / (nrm[j * d + r] * nrm[C + j * d + b]) * temp[j];
  }
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t row = it / d, col = it % d, j = row / d, r = row % d;
    float mx = 0.0f;
    for (std::size_t b = 0; b < d; ++b) {
      const float v = scaled(row, j, r, b);
      mx = b == 0 || v > mx ? v : mx;
    }
    float sum = 0;
    for (std::size_t b = 0; b < d; ++b) sum += ::expf(scaled(row, j, r, b) - mx);
    a[it] = ::expf(scaled(row, j, r, col) - mx) / sum;
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
  require(C > 0 && N > 0, "channel_attention", "empty qkv " + shape_str(qkv.dims));
  require(heads >= 1 && C % heads == 0, "channel_attention",
          diffbridge::detail::concat(C, " channels do not split into ", heads, " heads"));
  require(temperature.size() == heads, "channel_attention",
          "temperature must hold one value per head");
  const std::size_t d = C / heads, dd = d * d;
  require_shape("channel_attention", "attention maps", attn.dims, shape{heads, 1, d, d});
  auto norms = ws.acquire(shape{1, 1, 1, 2 * C});
  const float* q = qkv.raw();
  {
    auto lanes = device::row_sum_lanes_of<B>(ws, q, 2 * C, N, true);  // rows of q and k
    device::launch<B>(2 * C, device::norm_fn{reinterpret_cast<const double*>(lanes.data()),
                                             norms.data(), device::lanes_per_row(N)});
  }
  auto scores = ws.acquire(shape{heads, 1, d, d});
  gemm_args g;
  g.m = d, g.n = d, g.lda = N, g.ldb = N, g.trans_b = true;
  const std::size_t S = device::qk_chunk, full = N / S, chunks = full + (N % S != 0);
  if (chunks <= 2) {  // one product per head
    g.k = N, g.a = q, g.b = q + C * N, g.c = scores.data(), g.ldc = d;
    device::gemm<B>(g, gemm_batch{heads, d * N, d * N, dd});
  } else {  // per head: the full chunks as one batch, the tail alone; then Σ over chunks
    auto part = ws.acquire(shape{heads, chunks, d, d});
    g.ldc = d;
    for (std::size_t j = 0; j < heads; ++j) {
      const float *qa = q + j * d * N, *ka = q + (C + j * d) * N;
      float* pc = part.data() + j * chunks * dd;
      g.k = S, g.a = qa, g.b = ka, g.c = pc;
      device::gemm<B>(g, gemm_batch{full, S, S, dd});
      if (full < chunks) {
        g.k = N - full * S, g.a = qa + full * S, g.b = ka + full * S, g.c = pc + full * dd;
        device::gemm<B>(g);
      }
    }
    device::launch<B>(heads * dd, device::sum_chunks_fn{part.data(), scores.data(), dd, chunks});
  }
  device::launch<B>(heads * dd, device::softmax_fn{scores.data(), attn.raw(), norms.data(),
                                                   temperature.raw(), C, d});
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
  const float* v = qkv.raw() + 2 * C * N;
  if (proj.raw() == nullptr) {  // attn_j·v_j per head into out
    gemm_args g;
    g.m = d, g.n = N, g.k = d, g.a = attn.raw(), g.lda = d, g.b = v, g.ldb = N;
    g.c = out.raw(), g.ldc = N;
    device::gemm<B>(g, gemm_batch{heads, d * d, d * N, d * N});
    return;
  }
  // out (+)= W_o·blockdiag(attn_j)·v: the C×C matrix W_o·blockdiag(attn_j) first (column block j
  // = W_o[:, j] · attn_j, one batched product over the heads), then one C×C×HW product — instead
  // of attn·v and W_o·(attn·v), two whole-image products and a C×HW temporary.
  auto wa = ws.acquire(shape{1, 1, C, C});
  gemm_args m;
  m.m = C, m.n = d, m.k = d, m.a = proj.raw(), m.lda = C, m.b = attn.raw(), m.ldb = d;
  m.c = wa.data(), m.ldc = C;
  device::gemm<B>(m, gemm_batch{heads, d, d * d, d});
  gemm_args p;
  p.m = C, p.n = N, p.k = C, p.a = wa.data(), p.lda = C, p.b = v, p.ldb = N;
  p.c = out.raw(), p.ldc = N, p.accumulate = accumulate;
  device::gemm<B>(p);
  if (bias.raw()) device::add_bias_act<B>(out.raw(), N, C, N, bias.raw(), false);
}

}  // namespace diffbridge::nn
