// Device path of MDTA's channel attention (attention.hpp):
//   ‖q_a‖, ‖k_a‖   sums of squares in double, √, max(·, 1e-12): in the block, partial sums written
//                  by the depthwise conv that makes q and k (dw_fn) and summed by a tree
//                  (reduce.hpp); for a given qkv, the row sums of reduce.hpp;
//   S_j = q_j k_jᵀ  one strided-batched GEMM over the heads (K = H·W) for small images; for
//                   K > 2·qk_chunk one batched GEMM over the chunks of K per head (a single
//                   product with K = 65536 and a 48×48 result runs on a few thread blocks) —
//                   or the backend's own kernel for the chunks (device_qk_partials: CUDA,
//                   d ≤ 48) —, then the partials summed (in groups of 16 when there are many),
//                   and scaled:
//                   S_ab/(‖q_a‖·‖k_b‖)·temperature_j (one thread per element of S);
//   softmax        per element: its row's max / exp / sum in the host's order (no thread waits
//                  on another);
//   apply          with project_out W_o: (W_o·blockdiag(attn_j))·v — a C×C product batched over
//                  the heads, then one GEMM into the output (accumulating onto the residual
//                  when asked), then the bias; without: attn_j·v_j as one strided-batched GEMM.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/attention.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/conv.hpp"
#include "diffbridge/nn/device/elementwise.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/device/own_kernels.hpp"
#include "diffbridge/nn/device/reduce.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

/// Columns per partial product of q·kᵀ: the long reduction (K = H·W) is cut into chunks, one
/// strided-batched GEMM over the chunks, then the partials summed. 0 (the default): 512 up to
/// 2^17 pixels, else 1024 — the best of 256 … 16384 on an H100 at 256² and 1024² (fp32, whole
/// network; docs/performance.md). Where the backend has its own q·kᵀ kernel (device_qk_partials)
/// the default is that kernel's chunk; a value > 0 sets both. A program-wide setting
/// (bench_diffir_cuda --qk-chunk).
inline std::size_t qk_chunk = 0;

/// The chunk length for N pixels (see qk_chunk).
inline std::size_t qk_chunk_for(std::size_t N) {
  return qk_chunk > 0 ? qk_chunk : N <= (std::size_t(1) << 17) ? 512 : 1024;
}

/// nrm[r] = max(√(Σ of row r's G partial sums), 1e-12) (of row_sums_of or tree_reduce_rows,
/// Σ x²).
struct norm_fn {
  const double* lanes;
  float* nrm;
  std::size_t G;
  DIFFBRIDGE_HD void operator()(std::size_t r) const {
    const float v = float(::sqrt(row_lane_total(lanes, G, r)));
    nrm[r] = v > l2_normalize_eps ? v : l2_normalize_eps;
  }
};

/// Chunk partials of q·kᵀ summed in groups: out[(j·G + g)·dd + e] = Σ part[(j·chunks + c)·dd + e]
/// over the ≤ tree_fan chunks c of group g (loaded at once, added pairwise); G = ⌈chunks /
/// tree_fan⌉. A thread per element summing a hundred chunks would wait on its loads one by one.
struct chunk_groups_fn {
  const float* part;
  float* out;
  std::size_t dd, chunks, G;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t jg = it / dd, e = it - jg * dd, j = jg / G, g = jg - j * G;
    const std::size_t c0 = g * tree_fan, n = chunks - c0 < tree_fan ? chunks - c0 : tree_fan;
    out[it] = pairwise_sum(part + (j * chunks + c0) * dd + e, dd, n);
  }
};

/// Element it = (j·d + a)·d + b of the scaled scores: Σ_c part[(j·chunks + c)·dd + a·d + b]
/// (chunks ≤ tree_fan, summed pairwise) / (‖q_a‖·‖k_b‖) · temperature_j.
struct scaled_scores_fn {
  const float* part;
  float* out;
  const float* nrm;  ///< ‖q‖ for channels [0, C), ‖k‖ for [C, 2C)
  const float* temp;
  std::size_t C, d, chunks;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t dd = d * d, j = it / dd, e = it - j * dd, a = e / d, b = e - a * d;
    const float s = pairwise_sum(part + j * chunks * dd + e, dd, chunks);
    out[it] = s / (nrm[j * d + a] * nrm[C + j * d + b]) * temp[j];
  }
};

/// Element it of the maps (heads·d rows of d): softmax of its row of the scaled scores s; each
/// thread redoes its row's max and sum in the host's order (d ≤ a few dozen), so the values
/// equal the host's and no thread waits on another.
struct softmax_fn {
  const float* s;
  float* a;
  std::size_t d;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const float* row = s + it / d * d;
    float mx = row[0];
    for (std::size_t b = 1; b < d; ++b) mx = row[b] > mx ? row[b] : mx;
    float sum = 0;
    for (std::size_t b = 0; b < d; ++b) sum += ::expf(row[b] - mx);
    a[it] = ::expf(s[it] - mx) / sum;
  }
};

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

namespace device {

/// The maps from qkv and the norms nrm (2C floats: ‖q_a‖, then ‖k_b‖), arguments checked.
template <class B>
void attention_maps_normed(workspace<B>& ws, cview qkv, const float* nrm, cview temperature,
                           std::size_t heads, fview attn) {
  const std::size_t C = qkv.dims.c / 3, N = qkv.dims.h * qkv.dims.w, d = C / heads, dd = d * d;
  const float* q = qkv.raw();
  const std::size_t own = device_qk_partials<B>::chunk(d, N);  // the backend's kernel, if any
  const std::size_t S = own == 0       ? qk_chunk_for(N)
                        : qk_chunk > 0 ? qk_chunk
                                       : own,
                    full = N / S, chunks = N <= 2 * S ? 1 : full + (N % S != 0);
  auto part = ws.acquire(shape{heads, chunks, d, d});
  gemm_args g;
  g.m = d, g.n = d, g.lda = N, g.ldb = N, g.trans_b = true, g.ldc = d;
  if (own != 0 && device_qk_partials<B>::run({q, q + C * N, part.data(), heads, d, N, S, chunks})) {
    // the backend's own kernel made the partials
  } else if (chunks == 1) {  // one product per head
    g.k = N, g.a = q, g.b = q + C * N, g.c = part.data();
    gemm<B>(g, gemm_batch{heads, d * N, d * N, dd});
  } else {  // per head: the full chunks as one batch, the tail alone
    for (std::size_t j = 0; j < heads; ++j) {
      const float *qa = q + j * d * N, *ka = q + (C + j * d) * N;
      float* pc = part.data() + j * chunks * dd;
      g.k = S, g.a = qa, g.b = ka, g.c = pc;
      gemm<B>(g, gemm_batch{full, S, S, dd});
      if (full < chunks) {
        g.k = N - full * S, g.a = qa + full * S, g.b = ka + full * S, g.c = pc + full * dd;
        gemm<B>(g);
      }
    }
  }
  // many chunks: summed in groups of tree_fan first, until at most tree_fan remain
  typename workspace<B>::lease grouped;
  const float* sums = part.data();
  std::size_t n = chunks;
  while (n > tree_fan) {
    const std::size_t G = (n + tree_fan - 1) / tree_fan;
    auto next = ws.acquire(shape{heads, G, d, d});
    launch<B>(heads * G * dd, chunk_groups_fn{sums, next.data(), dd, n, G});
    grouped = std::move(next), sums = grouped.data(), n = G;
  }
  auto scores = ws.acquire(shape{heads, 1, d, d});
  launch<B>(heads * dd, scaled_scores_fn{sums, scores.data(), nrm, temperature.raw(), C, d, n});
  launch<B>(heads * dd, softmax_fn{scores.data(), attn.raw(), d});
}

}  // namespace device

/// Attention maps on a device backend (see attention.hpp).
template <class B>
requires device_backend<B>
void attention_maps(workspace<B>& ws, cview qkv, cview temperature, std::size_t heads, fview attn) {
  const auto [C, d] = check_maps_args(qkv, temperature, heads, attn);
  const std::size_t N = qkv.dims.h * qkv.dims.w;
  auto norms = ws.acquire(shape{1, 1, 1, 2 * C});
  {
    std::size_t G = 0;
    auto sums = device::row_sums_of<B>(ws, qkv.raw(), 2 * C, N, true, G);  // rows of q and k
    device::launch<B>(
        2 * C, device::norm_fn{reinterpret_cast<const double*>(sums.data()), norms.data(), G});
  }
  device::attention_maps_normed<B>(ws, qkv, norms.data(), temperature, heads, attn);
}

/// MDTA's depthwise conv of the qkv projection and the attention maps in one: b = dw3x3(a) +
/// bias (as depthwise_conv3x3), the sums of squares of q and k taken by the depthwise threads
/// (no second pass over q and k), then the maps of b (as attention_maps).
template <class B>
requires device_backend<B>
void qkv_dwconv_attention_maps(workspace<B>& ws, cview a, cview w, cview bias, fview b,
                               cview temperature, std::size_t heads, fview attn) {
  require_shape("qkv_dwconv", "output", b.dims, a.dims);
  require_shape("qkv_dwconv", "weight", w.dims, shape{a.dims.c, 1, 3, 3});
  require(bias.raw() == nullptr || bias.size() == a.dims.c, "qkv_dwconv",
          "bias size differs from 3C");
  const auto [C, d] = check_maps_args(a, temperature, heads, attn);
  require(a.size() < (std::size_t(1) << 32), "qkv_dwconv", "tensor too large (2^32 elements)");
  const auto ia = std::uintptr_t(a.raw()), ib = std::uintptr_t(b.raw());
  require(ib + b.size() * sizeof(float) <= ia || ia + a.size() * sizeof(float) <= ib, "qkv_dwconv",
          "the output overlaps the input (the depthwise conv cannot run in place)");
  const auto g = device::dw_grid::of(a.dims.h, a.dims.w, device::dw_strip);
  const std::size_t cells = std::size_t(g.strips) * g.runs;
  auto sq = ws.acquire(shape{1, 1, 2 * C * cells, 2});  // doubles
  double* sp = reinterpret_cast<double*>(sq.data());
  device::launch<B>(g.threads(3 * C), device::dw_fn{a.raw(), w.raw(), bias.raw(), b.raw(), sp,
                                                    std::uint32_t(3 * C), std::uint32_t(2 * C), g});
  auto norms = ws.acquire(shape{1, 1, 1, 2 * C});
  {
    std::size_t G = 0;
    auto lanes = device::tree_reduce_rows<B>(ws, sp, 2 * C, cells, G);
    sq.release();
    device::launch<B>(
        2 * C, device::norm_fn{reinterpret_cast<const double*>(lanes.data()), norms.data(), G});
  }
  device::attention_maps_normed<B>(ws, b, norms.data(), temperature, heads, attn);
}

/// attn·v (then project_out + bias, accumulated or not) on a device backend.
template <class B>
requires device_backend<B>
void attention_apply(workspace<B>& ws, cview qkv, cview attn, std::size_t heads, fview out,
                     cview proj = {}, cview bias = {}, bool accumulate = false) {
  const std::size_t C = check_apply_args(qkv, attn, heads, out, proj, bias, accumulate);
  const std::size_t N = qkv.dims.h * qkv.dims.w, d = C / heads;
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
