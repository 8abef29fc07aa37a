// The DIRformer's layers (spec §2.3–§2.5), generic over the backend:
//   MDTA  out = project_out(attention(dwconv(qkv(x·k1 + k2))))
//   GDFN  out = project_out(GELU(dw(project_in(x·k1 + k2))[:F]) · dw(...)[F:])
//   block x ← x + MDTA(LN1(x)), x ← x + GDFN(LN2(x))     (pre-norm; residuals fused into
//         the project_out GEMMs, LayerNorm fused with the modulation)
// Weights are views in PyTorch layout; biases are empty views when the config has bias: False.
#pragma once

#include <algorithm>
#include <cstddef>

#include "diffbridge/nn/attention.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/conv2d.hpp"
#include "diffbridge/nn/depthwise.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/modulation.hpp"
#include "diffbridge/nn/row_pipeline.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

struct mdta_weights {
  std::size_t heads = 1;
  cview temperature, kernel;  ///< [h,1,1], [2C,256]
  cview qkv, qkv_bias;        ///< [3C,C,1,1]
  cview qkv_dw, qkv_dw_bias;  ///< [3C,1,3,3]
  cview proj, proj_bias;      ///< [C,C,1,1]
};

struct gdfn_weights {
  cview kernel;                   ///< [2C,256]
  cview project_in, project_in_bias;   ///< [2F,C,1,1]
  cview dwconv, dwconv_bias;           ///< [2F,1,3,3]
  cview project_out, project_out_bias; ///< [C,F,1,1]
};

struct block_weights {
  cview norm1_w, norm1_b, norm2_w, norm2_b;  ///< norm*_b empty for BiasFree
  mdta_weights attn;
  gdfn_weights ffn;
};

/// MDTA's weight shapes at width C (the model loader checks them too; direct users of the layers
/// get the same one-line error on every backend, not a read past a weight's end).
inline void check_mdta_weights(const mdta_weights& w, std::size_t C) {
  require(w.heads >= 1 && C % w.heads == 0, "mdta",
          diffbridge::detail::concat(C, " channels do not split into ", w.heads, " heads"));
  require_shape("mdta", "qkv weight", w.qkv.dims, shape{3 * C, C, 1, 1});
  require_shape("mdta", "qkv_dwconv weight", w.qkv_dw.dims, shape{3 * C, 1, 3, 3});
  if (w.proj.raw()) require_shape("mdta", "project_out weight", w.proj.dims, shape{C, C, 1, 1});
}

/// GDFN's weight shapes at width C (hidden width F from project_in: 2F outputs).
inline std::size_t check_gdfn_weights(const gdfn_weights& w, std::size_t C) {
  const std::size_t F2 = w.project_in.dims.n;
  require(F2 > 0 && F2 % 2 == 0, "gdfn", "project_in must have an even number (> 0) of outputs");
  require_shape("gdfn", "project_in weight", w.project_in.dims, shape{F2, C, 1, 1});
  require_shape("gdfn", "dwconv weight", w.dwconv.dims, shape{F2, 1, 3, 3});
  require_shape("gdfn", "project_out weight", w.project_out.dims, shape{C, F2 / 2, 1, 1});
  return F2 / 2;
}

/// out (+)= MDTA core on the already modulated t (1, C, H, W); project_out is fused into the
/// attention's output tiles.
template <class B>
void mdta_core(workspace<B>& ws, cview t, const mdta_weights& w, fview out, bool accumulate) {
  const shape s = t.dims;
  check_mdta_weights(w, s.c);
  auto a = ws.acquire(shape{1, 3 * s.c, s.h, s.w});
  conv2d<B>(ws, t, w.qkv, a, {w.qkv_bias});
  auto b = ws.acquire(shape{1, 3 * s.c, s.h, s.w});
  depthwise_conv3x3<B>(a.view(), w.qkv_dw, b, w.qkv_dw_bias);
  a.release();
  const std::size_t d = s.c / w.heads;
  auto maps = ws.acquire(shape{w.heads, 1, d, d});
  attention_maps<B>(ws, b.view(), w.temperature, w.heads, maps);
  attention_apply<B>(ws, b.view(), maps.view(), w.heads, out, w.proj, w.proj_bias, accumulate);
}

/// out (+)= GDFN core on the already modulated t: project_in, then per band of rows the fused
/// depthwise conv + GELU gate into per-thread scratch and project_out straight from it.
template <class B>
void gdfn_core(workspace<B>& ws, cview t, const gdfn_weights& w, fview out, bool accumulate) {
  const shape s = t.dims;
  require_nonempty("gdfn", "input", s);
  const std::size_t C = w.project_out.dims.n, F = check_gdfn_weights(w, s.c), F2 = 2 * F, H = s.h,
                    W = s.w, N = H * W;
  require_shape("gdfn", "output", out.dims, shape{1, C, H, W});
  auto h = ws.acquire(shape{1, F2, H, W});
  conv2d<B>(ws, t, w.project_in, h, {w.project_in_bias});
  const std::size_t R = std::max<std::size_t>(1, 512 / W), bands = (H + R - 1) / R, T = std::size_t(max_threads<B>());
  auto scratch = ws.acquire(shape{T + 1, 1, F + 1, R * W});  // per thread: gate band + one row; then zeros
  float* sp = scratch.data();
  float* zero = sp + T * (F + 1) * R * W;
  std::fill_n(zero, W, 0.0f);
  const float *hp = h.data(), *dw = w.dwconv.raw(), *db = w.dwconv_bias.raw(), *po = w.project_out.raw(),
              *pb = w.project_out_bias.raw();
  float* op = out.raw();
  parallel_for<B>(bands, [=](std::size_t band) {
    const std::size_t y0 = band * R, rows = std::min(R, H - y0), n = rows * W;
    float* g = sp + std::size_t(thread_index<B>()) * (F + 1) * R * W;
    float* row = g + F * n;
    for (std::size_t f = 0; f < F; ++f) {
      for (std::size_t r = 0; r < rows; ++r) {
        float* o = g + f * n + r * W;
        detail::dw_plane_row(hp + f * N, H, W, dw + f * 9, db ? db[f] : 0.0f, y0 + r, zero, row);
        detail::dw_plane_row(hp + (F + f) * N, H, W, dw + (F + f) * 9, db ? db[F + f] : 0.0f, y0 + r, zero, o);
        for (std::size_t i = 0; i < W; ++i) o[i] *= gelu(row[i]);
      }
    }
    gemm_args a;
    a.m = C, a.n = n, a.k = F, a.a = po, a.lda = F, a.b = g, a.ldb = n;
    a.c = op + y0 * W, a.ldc = N, a.accumulate = accumulate;
    gemm<B>::run(a);
    if (pb)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < n; ++i) op[c * N + y0 * W + i] += pb[c];
  });
}

/// out = MDTA(x, z) as the PyTorch module (x is the LayerNorm output).
template <class B>
void mdta(workspace<B>& ws, cview x, cview z, const mdta_weights& w, fview out) {
  auto k = ws.acquire(shape{1, 2 * x.dims.c, 1, 1});
  ipr_kernel<B>(w.kernel, z, k);
  auto t = ws.acquire(x.dims);
  modulate<B>(x, k.view(), t);
  mdta_core<B>(ws, t.view(), w, out, false);
}

/// out = GDFN(x, z) as the PyTorch module.
template <class B>
void gdfn(workspace<B>& ws, cview x, cview z, const gdfn_weights& w, fview out) {
  auto k = ws.acquire(shape{1, 2 * x.dims.c, 1, 1});
  ipr_kernel<B>(w.kernel, z, k);
  auto t = ws.acquire(x.dims);
  modulate<B>(x, k.view(), t);
  gdfn_core<B>(ws, t.view(), w, out, false);
}

/// The modulation vectors of one block for the IPR z: k_attn (2C), k_ffn (2C).
struct block_modulation {
  cview attn, ffn;
};

/// Rows per band of the line-buffer chains: about 512 pixels.
inline std::size_t band_rows(std::size_t W) { return std::max<std::size_t>(1, 512 / std::max<std::size_t>(W, 1)); }

/// x ← x + MDTA(LN1(x)): qkv = dwconv(conv1x1(LN·k1 + k2)) through the line-buffer chain (the
/// 1×1 output never exists whole), attention maps, then attn·v fused with project_out and the
/// residual.
template <class B>
void mdta_residual(workspace<B>& ws, fview x, const ln_params& ln, const mdta_weights& w) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w, N = H * W;
  check_mdta_weights(w, C);
  auto b = ws.acquire(shape{1, 3 * C, H, W});
  float* bp = b.data();
  const float *k = w.qkv_dw.raw(), *kb = w.qkv_dw_bias.raw();
  ln_conv1x1_rows<B>(ws, x, ln, w.qkv, w.qkv_bias, band_rows(W), [=](std::size_t y, std::size_t e, const ring_rows& r, std::size_t) {
    for (std::size_t c = 0; c < 3 * C; ++c)
      for (std::size_t row = y; row < e; ++row)
        detail::dw_row(r.row(c, long(row) - 1), r.row(c, long(row)), r.row(c, long(row) + 1), W, k + c * 9,
                       kb ? kb[c] : 0.0f, bp + c * N + row * W);
  });
  const std::size_t d = C / w.heads;
  auto maps = ws.acquire(shape{w.heads, 1, d, d});
  attention_maps<B>(ws, b.view(), w.temperature, w.heads, maps);
  attention_apply<B>(ws, b.view(), maps.view(), w.heads, x, w.proj, w.proj_bias, true);
}

/// x ← x + GDFN(LN2(x)) entirely in bands: LN·k1 + k2 → project_in → dwconv + GELU gate →
/// project_out added to x, with only a few rows of the 2F-channel hidden state at a time.
template <class B>
void gdfn_residual(workspace<B>& ws, fview x, const ln_params& ln, const gdfn_weights& w) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w, N = H * W;
  const std::size_t F = check_gdfn_weights(w, C);
  const std::size_t R = band_rows(W), T = std::size_t(max_threads<B>());
  auto scratch = ws.acquire(shape{T, 1, F + 1, R * W});  // per thread: the gate band and one row
  float *sp = scratch.data(), *xp = x.raw();
  const float *dw = w.dwconv.raw(), *db = w.dwconv_bias.raw(), *po = w.project_out.raw(), *pb = w.project_out_bias.raw();
  ln_conv1x1_rows<B>(ws, x, ln, w.project_in, w.project_in_bias, R,
                     [=](std::size_t y, std::size_t e, const ring_rows& r, std::size_t t) {
    const std::size_t n = (e - y) * W;
    float* g = sp + t * (F + 1) * R * W;
    float* tmp = g + F * n;
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t row = y; row < e; ++row) {
        const long rr = long(row);
        float* o = g + f * n + (row - y) * W;
        detail::dw_row(r.row(f, rr - 1), r.row(f, rr), r.row(f, rr + 1), W, dw + f * 9, db ? db[f] : 0.0f, tmp);
        detail::dw_row(r.row(F + f, rr - 1), r.row(F + f, rr), r.row(F + f, rr + 1), W, dw + (F + f) * 9,
                       db ? db[F + f] : 0.0f, o);
        for (std::size_t i = 0; i < W; ++i) o[i] *= gelu(tmp[i]);
      }
    gemm_args a;
    a.m = C, a.n = n, a.k = F, a.a = po, a.lda = F, a.b = g, a.ldb = n;
    a.c = xp + y * W, a.ldc = N, a.accumulate = true;
    gemm<B>::run(a);
    if (pb)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < n; ++i) xp[c * N + y * W + i] += pb[c];
  });
}

/// x ← block(x) in place, with precomputed modulation vectors.
template <class B>
void transformer_block(workspace<B>& ws, fview x, const block_weights& w, const block_modulation& m) {
  const std::size_t C = x.dims.c;
  require(x.dims.n == 1, "transformer_block", "batch 1 only");
  require_nonempty("transformer_block", "input", x.dims);
  require(m.attn.size() == 2 * C && m.ffn.size() == 2 * C, "transformer_block", "modulation vectors must hold 2C values");
  require(w.norm1_w.size() == C && w.norm2_w.size() == C, "transformer_block", "norm weights must hold C values");
  mdta_residual<B>(ws, x, ln_params{w.norm1_w.raw(), w.norm1_b.raw(), m.attn.raw(), m.attn.raw() + C}, w.attn);
  gdfn_residual<B>(ws, x, ln_params{w.norm2_w.raw(), w.norm2_b.raw(), m.ffn.raw(), m.ffn.raw() + C}, w.ffn);
}

/// x ← block(x) for the IPR z (computes the modulation vectors first).
template <class B>
void transformer_block(workspace<B>& ws, fview x, cview z, const block_weights& w) {
  auto ka = ws.acquire(shape{1, 2 * x.dims.c, 1, 1});
  auto kf = ws.acquire(shape{1, 2 * x.dims.c, 1, 1});
  ipr_kernel<B>(w.attn.kernel, z, ka);
  ipr_kernel<B>(w.ffn.kernel, z, kf);
  transformer_block<B>(ws, x, w, block_modulation{ka.view(), kf.view()});
}

}  // namespace diffbridge::nn

// Device path (constrained overloads for device backends).
#include "diffbridge/nn/device/transformer.hpp"
