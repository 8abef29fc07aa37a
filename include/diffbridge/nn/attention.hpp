// The core of MDTA, transposed (channel) attention (spec §2.3 steps 3–6). For every head j,
// with d = C/h channels q_j, k_j, v_j of length HW:
//   attn = softmax_rows( (q̂ k̂ᵀ)·temperature[j] ),  q̂ = q/max(‖q‖₂, 1e-12) (per channel, over
//   space), k̂ likewise;   out_j = attn · v_j.
// q̂k̂ᵀ is computed as (q kᵀ)[a][b] / (max(‖q_a‖, ε)·max(‖k_b‖, ε)), the same value without
// writing normalised copies. q kᵀ (K = HW, long) is split into fixed chunks of 4096 pixels
// summed in chunk order, so the result does not depend on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/gemm.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

inline constexpr float l2_normalize_eps = 1e-12f;

/// The arguments of attention_maps checked (every backend); returns (C, d).
inline std::pair<std::size_t, std::size_t> check_maps_args(cview qkv, cview temperature,
                                                           std::size_t heads, fview attn) {
  require(qkv.dims.n == 1 && qkv.dims.c % 3 == 0, "channel_attention",
          "qkv must be (1, 3C, H, W), got " + shape_str(qkv.dims));
  const std::size_t C = qkv.dims.c / 3, N = qkv.dims.h * qkv.dims.w;
  require(C > 0 && N > 0, "channel_attention", "empty qkv " + shape_str(qkv.dims));
  require(heads >= 1 && C % heads == 0, "channel_attention",
          diffbridge::detail::concat(C, " channels do not split into ", heads, " heads"));
  require(temperature.size() == heads, "channel_attention",
          "temperature must hold one value per head");
  const std::size_t d = C / heads;
  require_shape("channel_attention", "attention maps", attn.dims, shape{heads, 1, d, d});
  return {C, d};
}

/// attn (heads, 1, d, d) = softmax((q̂ k̂ᵀ)·temperature) of qkv (1, 3C, H, W).
template <class B>
void attention_maps(workspace<B>& ws, cview qkv, cview temperature, std::size_t heads, fview attn) {
  const std::pair<std::size_t, std::size_t> Cd = check_maps_args(qkv, temperature, heads, attn);
  const std::size_t C = Cd.first, d = Cd.second, N = qkv.dims.h * qkv.dims.w, chunk = 4096;
  const std::size_t chunks = (N + chunk - 1) / chunk;
  auto norms = ws.acquire(shape{1, 1, 1, 2 * C});
  auto part = ws.acquire(shape{heads, chunks, d, d});
  const float* q = qkv.raw();
  const float* k = q + C * N;
  float *nrm = norms.data(), *pp = part.data(), *ap = attn.raw();
  // ‖q_a‖, ‖k_a‖ over space
  parallel_for<B>(2 * C, [=](std::size_t r) {
    const float* s = q + r * N;
    double acc[8] = {};  // eight independent sums: vectorised without reassociation
    std::size_t i = 0;
    for (; i + 8 <= N; i += 8)
      for (std::size_t l = 0; l < 8; ++l) acc[l] += double(s[i + l]) * double(s[i + l]);
    for (; i < N; ++i) acc[0] += double(s[i]) * double(s[i]);
    const double sum =
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    nrm[r] = std::max(float(std::sqrt(sum)), l2_normalize_eps);
  });
  // partial q kᵀ per (head, chunk)
  parallel_for<B>(heads * chunks, [=](std::size_t it) {
    const std::size_t j = it / chunks, c = it % chunks, p0 = c * chunk;
    gemm_args g;
    g.m = d, g.n = d, g.k = std::min(chunk, N - p0);
    g.a = q + j * d * N + p0, g.lda = N, g.b = k + j * d * N + p0, g.ldb = N, g.trans_b = true;
    g.c = pp + it * d * d, g.ldc = d;
    gemm<B>::run(g);
  });
  // sum the chunks in order, scale, softmax over the key channels
  const float* tp = temperature.raw();
  parallel_for<B>(heads * d, [=](std::size_t row) {
    const std::size_t j = row / d, a = row % d;
    float* o = ap + row * d;
    for (std::size_t b = 0; b < d; ++b) {
      float s = 0;
      for (std::size_t c = 0; c < chunks; ++c) s += pp[((j * chunks + c) * d + a) * d + b];
      o[b] = s / (nrm[j * d + a] * nrm[C + j * d + b]) * tp[j];
    }
    const float mx = *std::max_element(o, o + d);
    float sum = 0;
    for (std::size_t b = 0; b < d; ++b) sum += (o[b] = std::exp(o[b] - mx));
    for (std::size_t b = 0; b < d; ++b) o[b] /= sum;
  });
}

/// The arguments of attention_apply checked (every backend); returns C.
inline std::size_t check_apply_args(cview qkv, cview attn, std::size_t heads, fview out, cview proj,
                                    cview bias, bool accumulate) {
  require(qkv.dims.n == 1 && qkv.dims.c % 3 == 0 && heads >= 1 && (qkv.dims.c / 3) % heads == 0,
          "channel_attention", "qkv " + shape_str(qkv.dims) + " does not split into heads");
  const std::size_t C = qkv.dims.c / 3, d = C / heads;
  require_nonempty("channel_attention", "qkv", qkv.dims);
  require_shape("channel_attention", "attention maps", attn.dims, shape{heads, 1, d, d});
  require_shape("channel_attention", "output", out.dims, shape{1, C, qkv.dims.h, qkv.dims.w});
  require(proj.raw() == nullptr || proj.size() == C * C, "channel_attention",
          "project_out must be [C, C, 1, 1]");
  require(bias.raw() == nullptr || bias.size() == C, "channel_attention",
          "bias size differs from C");
  require(proj.raw() != nullptr || (bias.raw() == nullptr && !accumulate), "channel_attention",
          "a bias or accumulation needs project_out");
  return C;
}

/// Applies the maps to v (channels [2C, 3C) of qkv), column tile by column tile:
///   without `proj`: out = attn·v;
///   with `proj` [C, C, 1, 1]: out (+)= proj·(attn·v) + bias — the attention output then only
///   exists one tile at a time (per-thread scratch), fused with MDTA's project_out.
template <class B>
void attention_apply(workspace<B>& ws, cview qkv, cview attn, std::size_t heads, fview out,
                     cview proj = {}, cview bias = {}, bool accumulate = false) {
  const std::size_t C = check_apply_args(qkv, attn, heads, out, proj, bias, accumulate);
  const std::size_t N = qkv.dims.h * qkv.dims.w, d = C / heads;
  const bool fused = proj.raw() != nullptr;
  const std::size_t nt = std::min<std::size_t>(N, 1024), tiles = (N + nt - 1) / nt;
  typename workspace<B>::lease tmp;
  if (fused) tmp = ws.acquire(shape{std::size_t(max_threads<B>()), 1, C, nt});
  const float* v = qkv.raw() + 2 * C * N;
  const float *ap = attn.raw(), *wp = proj.raw(), *bp = bias.raw();
  float *op = out.raw(), *tp = tmp.data();
  const std::size_t items = fused ? tiles : heads * tiles;  // fused: all heads of a tile together
  parallel_for<B>(items, [=](std::size_t it) {
    const std::size_t t = fused ? it : it % tiles, p0 = t * nt, n = std::min(nt, N - p0);
    float* a_out = fused ? tp + std::size_t(thread_index<B>()) * C * nt : op + p0;
    const std::size_t lda_out = fused ? n : N;
    for (std::size_t j = fused ? 0 : it / tiles; j < (fused ? heads : it / tiles + 1); ++j) {
      gemm_args g;
      g.m = d, g.n = n, g.k = d;
      g.a = ap + j * d * d, g.lda = d, g.b = v + j * d * N + p0, g.ldb = N;
      g.c = a_out + j * d * lda_out, g.ldc = lda_out;
      gemm<B>::run(g);
    }
    if (!fused) return;
    gemm_args g;
    g.m = C, g.n = n, g.k = C, g.a = wp, g.lda = C, g.b = a_out, g.ldb = n;
    g.c = op + p0, g.ldc = N, g.accumulate = accumulate;
    gemm<B>::run(g);
    if (bp)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < n; ++i) op[c * N + p0 + i] += bp[c];
  });
}

/// qkv (1, 3C, H, W) → out (1, C, H, W) = attention(q, k, v); temperature [heads].
template <class B>
void channel_attention(workspace<B>& ws, cview qkv, cview temperature, std::size_t heads,
                       fview out) {
  require(heads >= 1 && qkv.dims.c % 3 == 0 && (qkv.dims.c / 3) % heads == 0, "channel_attention",
          diffbridge::detail::concat("qkv ", shape_str(qkv.dims), " does not split into ", heads,
                                     " heads"));
  const std::size_t d = qkv.dims.c / 3 / heads;
  auto attn = ws.acquire(shape{heads, 1, d, d});
  attention_maps<B>(ws, qkv, temperature, heads, attn);
  attention_apply<B>(ws, qkv, attn.view(), heads, out);
}

}  // namespace diffbridge::nn

// Device path (constrained overloads for device backends).
#include "diffbridge/nn/device/attention.hpp"
