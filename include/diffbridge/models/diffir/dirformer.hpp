// DIRformer, the IPR-guided Restormer-like U-Net (spec §2.7) with the heads of spec §3:
//   deblur   out = output(x) + input                     (conv3×3 2d→3)
//   SR       out = tail(x) + nearest_s(LR)               (2 × [conv 2d→8d + PS2], conv 2d→3)
//   inpaint  out = output(x)                             (no refinement stage, no residual)
// SR ×2 / ×1 take PU2 / PU4 of the LR image. The IPR z modulates every block (one product of
// z with the blocks' packed modulation weights, weights.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "diffbridge/models/diffir/config.hpp"
#include "diffbridge/models/diffir/weights.hpp"
#include "diffbridge/nn/resample.hpp"
#include "diffbridge/nn/shuffle.hpp"
#include "diffbridge/nn/tensor_ops.hpp"
#include "diffbridge/nn/transformer.hpp"

namespace diffbridge::models::diffir {

/// Observer of intermediate results (stage name, tensor), for tests and study.
using trace_fn = std::function<void(std::string_view, nn::cview)>;

template <class B>
class dirformer {
 public:
  dirformer(const weight_set<B>& ws, const std::string& p, variant v, const config& c)
      : v_(v), c_(c) {
    auto level = [&](const std::string& name, std::size_t n, std::size_t h) {
      std::vector<nn::block_weights> l;
      for (std::size_t i = 0; i < n; ++i)
        l.push_back(block(ws, p + name + "." + std::to_string(i) + ".", h));
      return l;
    };
    // no bias whatever `bias` says: the official DIRformer builds OverlapPatchEmbed(inp_channels,
    // dim) without passing it (bias=False)
    patch_ = {ws.get(p + "patch_embed.proj.weight"), nn::cview{}};
    enc_[0] = level("encoder_level1", c.num_blocks[0], c.heads[0]);
    enc_[1] = level("encoder_level2", c.num_blocks[1], c.heads[1]);
    enc_[2] = level("encoder_level3", c.num_blocks[2], c.heads[2]);
    latent_ = level("latent", c.num_blocks[3], c.heads[3]);
    dec_[2] = level("decoder_level3", c.num_blocks[2], c.heads[2]);
    dec_[1] = level("decoder_level2", c.num_blocks[1], c.heads[1]);
    dec_[0] = level("decoder_level1", c.num_blocks[0], c.heads[0]);
    if (v != variant::inpaint) refine_ = level("refinement", c.num_refinement_blocks, c.heads[0]);
    kernels_ = ws.pack();
    for (const auto* l :
         {&enc_[0], &enc_[1], &enc_[2], &latent_, &dec_[2], &dec_[1], &dec_[0], &refine_})
      for (const auto& b : *l)
        nn::require(in_pack(b.attn.kernel) && in_pack(b.ffn.kernel), "dirformer",
                    "the blocks' modulation weights must be in the weight pack (load_weights)");
    down_[0] = ws.get(p + "down1_2.body.0.weight");
    down_[1] = ws.get(p + "down2_3.body.0.weight");
    down_[2] = ws.get(p + "down3_4.body.0.weight");
    up_[2] = ws.get(p + "up4_3.body.0.weight");
    up_[1] = ws.get(p + "up3_2.body.0.weight");
    up_[0] = ws.get(p + "up2_1.body.0.weight");
    reduce_[1] = {ws.get(p + "reduce_chan_level3.weight"),
                  ws.optional(p + "reduce_chan_level3.bias")};
    reduce_[0] = {ws.get(p + "reduce_chan_level2.weight"),
                  ws.optional(p + "reduce_chan_level2.bias")};
    if (sr_scale(v)) {
      tail_[0] = {ws.get(p + "tail.0.0.weight"), ws.get(p + "tail.0.0.bias")};
      tail_[1] = {ws.get(p + "tail.0.2.weight"), ws.get(p + "tail.0.2.bias")};
      tail_[2] = {ws.get(p + "tail.1.weight"), ws.get(p + "tail.1.bias")};
    } else {
      tail_[2] = {ws.get(p + "output.weight"), ws.optional(p + "output.bias")};
    }
  }

  /// out = G(inp, z). inp: (1, 3, H, W) image (inpaint: (1, 4, H, W) masked image + mask);
  /// H, W multiples of 8·g_unshuffle; out: (1, 3, H·s, W·s) with s = out_scale.
  void forward(nn::workspace<B>& ws, nn::cview inp, nn::cview z, nn::fview out,
               const trace_fn& tr = {}) const {
    const auto pass = ws.pass(inp.dims);  // repeated calls replay the pool's choices
    const std::size_t u = g_unshuffle(v_), cin = v_ == variant::inpaint ? 4 : 3;
    nn::require(
        inp.dims.n == 1 && inp.dims.c == cin, "dirformer",
        "input " + nn::shape_str(inp.dims) + " must be (1, " + std::to_string(cin) + ", H, W)");
    nn::require(inp.dims.h % (8 * u) == 0 && inp.dims.w % (8 * u) == 0, "dirformer",
                diffbridge::detail::concat("input ", nn::shape_str(inp.dims),
                                           " must have H and W divisible by ", 8 * u));
    const std::size_t s = out_scale(v_);
    nn::require_shape("dirformer", "output", out.dims, shape{1, 3, inp.dims.h * s, inp.dims.w * s});
    const std::size_t d = c_.dim, h = inp.dims.h / u, w = inp.dims.w / u;
    auto note = [&](std::string_view n, nn::cview t) {
      if (tr) tr(n, t);
    };
    // every block's modulation [k1, k2] from the IPR in one product with the pack of their
    // weights, instead of a small product per block (76 in the deblur network)
    auto mods = ws.acquire(shape{1, kernels_.dims.n, 1, 1});
    nn::linear<B>(z, kernels_, nn::cview{}, mods);

    typename nn::workspace<B>::lease gin;
    nn::cview x = inp;
    if (u > 1) {
      gin = ws.acquire(shape{1, 3 * u * u, h, w});
      nn::pixel_unshuffle<B>(inp, u, gin);
      x = gin.view();
    }
    // encoder
    auto e1 = ws.acquire(shape{1, d, h, w});
    nn::conv2d<B>(ws, x, patch_.first, e1, {patch_.second});
    note("patch_embed", e1.view());
    run(ws, enc_[0], e1, mods.view());
    note("encoder_level1", e1.view());
    auto e2 = down(ws, e1.view(), down_[0]);
    run(ws, enc_[1], e2, mods.view());
    note("encoder_level2", e2.view());
    auto e3 = down(ws, e2.view(), down_[1]);
    run(ws, enc_[2], e3, mods.view());
    note("encoder_level3", e3.view());
    auto lat = down(ws, e3.view(), down_[2]);
    run(ws, latent_, lat, mods.view());
    note("latent", lat.view());
    // decoder: up, concat [up, skip], reduce (levels 3, 2), blocks
    auto d3 = up_cat_reduce(ws, lat.view(), up_[2], e3.view(), &reduce_[1]);
    lat.release(), e3.release();
    run(ws, dec_[2], d3, mods.view());
    note("decoder_level3", d3.view());
    auto d2 = up_cat_reduce(ws, d3.view(), up_[1], e2.view(), &reduce_[0]);
    d3.release(), e2.release();
    run(ws, dec_[1], d2, mods.view());
    note("decoder_level2", d2.view());
    auto d1 = up_cat_reduce(ws, d2.view(), up_[0], e1.view(), nullptr);
    d2.release(), e1.release();
    run(ws, dec_[0], d1, mods.view());
    note("decoder_level1", d1.view());
    if (v_ != variant::inpaint) {
      run(ws, refine_, d1, mods.view());
      note("refinement", d1.view());
    }
    head(ws, d1.view(), inp, out);
  }

 private:
  using conv_wb = std::pair<nn::cview, nn::cview>;

  nn::block_weights block(const weight_set<B>& ws, const std::string& p, std::size_t heads) const {
    nn::block_weights b;
    b.norm1_w = ws.get(p + "norm1.body.weight");
    b.norm1_b = ws.optional(p + "norm1.body.bias");
    b.norm2_w = ws.get(p + "norm2.body.weight");
    b.norm2_b = ws.optional(p + "norm2.body.bias");
    auto& a = b.attn;
    a.heads = heads;
    a.temperature = ws.get(p + "attn.temperature");
    a.kernel = ws.get(p + "attn.kernel.0.weight");
    a.qkv = ws.get(p + "attn.qkv.weight"), a.qkv_bias = ws.optional(p + "attn.qkv.bias");
    a.qkv_dw = ws.get(p + "attn.qkv_dwconv.weight"),
    a.qkv_dw_bias = ws.optional(p + "attn.qkv_dwconv.bias");
    a.proj = ws.get(p + "attn.project_out.weight"),
    a.proj_bias = ws.optional(p + "attn.project_out.bias");
    auto& f = b.ffn;
    f.kernel = ws.get(p + "ffn.kernel.0.weight");
    f.project_in = ws.get(p + "ffn.project_in.weight"),
    f.project_in_bias = ws.optional(p + "ffn.project_in.bias");
    f.dwconv = ws.get(p + "ffn.dwconv.weight"), f.dwconv_bias = ws.optional(p + "ffn.dwconv.bias");
    f.project_out = ws.get(p + "ffn.project_out.weight"),
    f.project_out_bias = ws.optional(p + "ffn.project_out.bias");
    return b;
  }

  void run(nn::workspace<B>& ws, const std::vector<nn::block_weights>& l, nn::fview x,
           nn::cview mods) const {
    for (const auto& b : l)
      nn::transformer_block<B>(
          ws, x, b,
          nn::block_modulation{rows_of(mods, b.attn.kernel), rows_of(mods, b.ffn.kernel)});
  }

  bool in_pack(nn::cview kernel) const {
    const auto at = std::uintptr_t(kernel.raw()), lo = std::uintptr_t(kernels_.raw());
    return kernels_.raw() != nullptr && at >= lo &&
           at + kernel.size() * sizeof(float) <= lo + kernels_.size() * sizeof(float);
  }

  /// The values of mods (the pack times z) that the rows of `kernel`, a tensor of the pack, gave.
  nn::cview rows_of(nn::cview mods, nn::cview kernel) const {
    const std::size_t row = std::size_t(kernel.raw() - kernels_.raw()) / ipr_width;
    return nn::cview{mods.raw() + row, shape{1, kernel.dims.n, 1, 1}};
  }

  /// conv3×3 C → C/2, PixelUnshuffle(2): (2C, H/2, W/2).
  static typename nn::workspace<B>::lease down(nn::workspace<B>& ws, nn::cview x, nn::cview w) {
    const shape s = x.dims;
    auto t = ws.acquire(shape{1, s.c / 2, s.h, s.w});
    nn::conv2d<B>(ws, x, w, t);
    auto y = ws.acquire(shape{1, 2 * s.c, s.h / 2, s.w / 2});
    nn::pixel_unshuffle<B>(t.view(), 2, y);
    return y;
  }

  /// conv3×3 C → 2C, PixelShuffle(2) into the first C/2 channels of cat[up, skip]; then the
  /// 1×1 reduction to the skip width when given (levels 3, 2), else the concat itself (level 1).
  static typename nn::workspace<B>::lease up_cat_reduce(nn::workspace<B>& ws, nn::cview x,
                                                        nn::cview w, nn::cview skip,
                                                        const conv_wb* reduce) {
    const shape s = x.dims;
    auto t = ws.acquire(shape{1, 2 * s.c, s.h, s.w});
    nn::conv2d<B>(ws, x, w, t);
    const std::size_t cu = s.c / 2;
    auto cat = ws.acquire(shape{1, cu + skip.dims.c, 2 * s.h, 2 * s.w});
    nn::pixel_shuffle<B>(t.view(), 2, nn::channels(cat.view(), 0, cu));
    t.release();
    nn::copy<B>(skip, nn::channels(cat.view(), cu, skip.dims.c));
    if (!reduce) return cat;
    auto r = ws.acquire(shape{1, reduce->first.dims.n, 2 * s.h, 2 * s.w});
    nn::conv2d<B>(ws, cat.view(), reduce->first, r, {reduce->second});
    return r;
  }

  void head(nn::workspace<B>& ws, nn::cview x, nn::cview inp, nn::fview out) const {
    if (v_ == variant::inpaint) {
      nn::conv2d<B>(ws, x, tail_[2].first, out, {tail_[2].second});
    } else if (!sr_scale(v_)) {
      nn::copy<B>(inp, out);  // global residual, accumulated into by the output conv
      nn::conv2d<B>(ws, x, tail_[2].first, out, {tail_[2].second, true});
    } else {
      const shape s = x.dims;  // (2d, h, w)
      auto a = ws.acquire(shape{1, 4 * s.c, s.h, s.w});
      nn::conv2d<B>(ws, x, tail_[0].first, a, {tail_[0].second});
      auto b = ws.acquire(shape{1, s.c, 2 * s.h, 2 * s.w});
      nn::pixel_shuffle<B>(a.view(), 2, b);
      a.release();
      auto c = ws.acquire(shape{1, 4 * s.c, 2 * s.h, 2 * s.w});
      nn::conv2d<B>(ws, b.view(), tail_[1].first, c, {tail_[1].second});
      b.release();
      auto e = ws.acquire(shape{1, s.c, 4 * s.h, 4 * s.w});
      nn::pixel_shuffle<B>(c.view(), 2, e);
      c.release();
      nn::upsample_nearest<B>(inp, sr_scale(v_), out);  // the LR residual, then the tail conv adds
      nn::conv2d<B>(ws, e.view(), tail_[2].first, out, {tail_[2].second, true});
    }
  }

  variant v_;
  config c_;
  conv_wb patch_, reduce_[2], tail_[3];
  std::vector<nn::block_weights> enc_[3], dec_[3], latent_, refine_;
  nn::cview kernels_;  ///< the blocks' modulation weights, one [Σ 2C, 256] matrix
  nn::cview down_[3], up_[3];
};

}  // namespace diffbridge::models::diffir
