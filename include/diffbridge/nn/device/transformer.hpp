// Device path of the DIRformer's block (transformer.hpp). The host runs the head of MDTA / GDFN
// as a line-buffer chain (row_pipeline.hpp) sized for CPU caches; on a device the chain is
// whole-image operators instead, each a GEMM or one functor launch:
//   MDTA  t = LN1(x)·k1 + k2 → qkv = W_qkv·t (GEMM) → dwconv (+ Σq², Σk²) → maps →
//         x += W_o·(attn·v) + b
//   GDFN  t = LN2(x)·k1 + k2 → h = W_in·t (GEMM) → GELU(dw(h)[:F])·dw(h)[F:] → x += W_out·g + b
// Temporaries come from the workspace (3C + 3C or C + 2F + F channels of the image at most).
#pragma once

#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/attention.hpp"
#include "diffbridge/nn/device/conv.hpp"
#include "diffbridge/nn/device/norm.hpp"
#include "diffbridge/nn/transformer.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

/// out (+)= GDFN core on the modulated t, on a device backend.
template <class B>
requires device_backend<B>
void gdfn_core(workspace<B>& ws, cview t, const gdfn_weights& w, fview out, bool accumulate) {
  const shape s = t.dims;
  require_nonempty("gdfn", "input", s);
  const std::size_t C = w.project_out.dims.n, F = check_gdfn_weights(w, s.c), F2 = 2 * F;
  require_shape("gdfn", "output", out.dims, shape{1, C, s.h, s.w});
  auto h = ws.acquire(shape{1, F2, s.h, s.w});
  conv2d<B>(ws, t, w.project_in, h, {w.project_in_bias});
  auto g = ws.acquire(shape{1, F, s.h, s.w});
  depthwise_conv3x3_gelu_gate<B>(ws, h.view(), w.dwconv, g, w.dwconv_bias);
  h.release();
  conv2d<B>(ws, g.view(), w.project_out, out, {w.project_out_bias, accumulate});
}

/// x ← x + MDTA(LN1(x)) on a device backend.
template <class B>
requires device_backend<B>
void mdta_residual(workspace<B>& ws, fview x, const ln_params& ln, const mdta_weights& w) {
  const std::size_t C = x.dims.c, H = x.dims.h, W = x.dims.w;
  require(x.dims.n == 1, "mdta", "batch 1 only");
  require_nonempty("mdta", "input", x.dims);
  check_mdta_weights(w, C);
  auto t = ws.acquire(x.dims);
  device::layer_norm_raw<B>(ws, x.raw(), t.data(), x.dims, ln);
  auto a = ws.acquire(shape{1, 3 * C, H, W});
  conv2d<B>(ws, t.view(), w.qkv, a, {w.qkv_bias});
  t.release();
  auto b = ws.acquire(shape{1, 3 * C, H, W});
  const std::size_t d = C / w.heads;
  auto maps = ws.acquire(shape{w.heads, 1, d, d});
  qkv_dwconv_attention_maps<B>(ws, a.view(), w.qkv_dw, w.qkv_dw_bias, b, w.temperature, w.heads,
                               maps);
  a.release();
  attention_apply<B>(ws, b.view(), maps.view(), w.heads, x, w.proj, w.proj_bias, true);
}

/// x ← x + GDFN(LN2(x)) on a device backend.
template <class B>
requires device_backend<B>
void gdfn_residual(workspace<B>& ws, fview x, const ln_params& ln, const gdfn_weights& w) {
  const std::size_t C = x.dims.c;
  require(x.dims.n == 1, "gdfn", "batch 1 only");
  require(w.project_out.dims.n == C, "gdfn", "project_out width differs from C");
  auto t = ws.acquire(x.dims);
  device::layer_norm_raw<B>(ws, x.raw(), t.data(), x.dims, ln);
  gdfn_core<B>(ws, t.view(), w, x, true);
}

}  // namespace diffbridge::nn
