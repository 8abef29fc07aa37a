// DiffIR pipelines. Stage 2 (spec §6, §7), the inference network:
//   c = CPEN_S2(adaptor(x)); z_T given; IPR = the T-step posterior-mean DDPM of ipr_diffusion.hpp
//   with the denoise MLP; out = DIRformer(x, IPR); at test time x is padded to the variant's
//   multiple (reflect, or NumPy-symmetric for inpainting) and the output cropped back;
//   inpainting masks the input, feeds the mask as a 4th channel and blends with the known pixels.
// Stage 1 (for study; needs the ground truth): IPR = CPEN_S1(cat[adaptor(x), PU4(gt)]).
#pragma once

#include <cstddef>
#include <string>

#include "diffbridge/models/diffir/config.hpp"
#include "diffbridge/models/diffir/cpen.hpp"
#include "diffbridge/models/diffir/denoise.hpp"
#include "diffbridge/models/diffir/dirformer.hpp"
#include "diffbridge/models/diffir/inpaint.hpp"
#include "diffbridge/models/diffir/ipr_diffusion.hpp"
#include "diffbridge/models/diffir/layout.hpp"
#include "diffbridge/models/diffir/weights.hpp"

namespace diffbridge::models::diffir {

namespace detail {

/// The CPEN's view of the network input (spec §6 step 1): PU4 (deblur, inpaint, SR ×1), PU2
/// (SR ×2) or the input itself (SR ×4).
template <class B>
typename nn::workspace<B>::lease cpen_input(nn::workspace<B>& ws, variant v, nn::cview g) {
  const std::size_t r = v == variant::sr4 ? 1 : v == variant::sr2 ? 2 : 4;
  auto y = ws.acquire(shape{1, g.dims.c * r * r, g.dims.h / r, g.dims.w / r});
  nn::pixel_unshuffle<B>(g, r, y);
  return y;
}

/// The smallest side that the test-time padding of v accepts: padding a side n to the next
/// multiple of pad_multiple(v) mirrors it once at most, so reflect needs the padding < n
/// (n > m/2) and symmetric ≤ n (n ≥ m/2); e.g. 5 for deblur, 4 for inpainting.
inline std::size_t min_side(variant v) {
  const std::size_t m = pad_multiple(v), strict = pad_mode_of(v) == nn::pad_mode::reflect ? 1 : 0;
  std::size_t n = 1;
  while (nn::round_up(n, m) - n + strict > n) ++n;
  return n;
}

inline std::string describe(variant v, const config& c, stage s) {
  return diffbridge::detail::concat("DiffIR S", int(s), " ", name(v), " (dim ", c.dim,
                                    ", num_blocks [", c.num_blocks[0], ",", c.num_blocks[1], ",",
                                    c.num_blocks[2], ",", c.num_blocks[3], "])");
}

}  // namespace detail

template <class B>
class stage2 {
 public:
  /// Loads and checks the weights of (v, c) from f.
  stage2(const io::safetensors_file& f, variant v, const config& c)
      : v_(v),
        c_((validate(c), c)),
        ddpm_(c.timesteps, c.linear_start, c.linear_end),
        w_(load_weights<B>(f, network_layout(v, c, stage::s2), &ddpm_,
                           detail::describe(v, c, stage::s2))),
        g_(w_, "G.", v, c),
        cpen_(w_, "condition.", c),
        den_(w_, "denoise.", c) {}
  stage2(const stage2&) = delete;  // the layers hold views into w_
  stage2& operator=(const stage2&) = delete;

  variant kind() const noexcept { return v_; }
  const config& cfg() const noexcept { return c_; }
  const ipr_ddpm& diffusion() const noexcept { return ddpm_; }

  /// c (1, 256, 1, 1) and the IPR from z_T for the network input g (spec §6 steps 1–4).
  void ipr(nn::workspace<B>& ws, nn::cview g, nn::cview z_T, nn::fview c, nn::fview z) const {
    const auto pass = ws.pass(g.dims);  // repeated calls replay the pool's choices
    nn::require(z_T.size() == ipr_width, "stage2", "the IPR noise must hold 256 values");
    {
      auto ci = detail::cpen_input<B>(ws, v_, g);
      cpen_.forward(ws, ci.view(), c);
    }
    nn::copy<B>(z_T, z);
    sample_ipr<B>(
        ws, ddpm_, [&](nn::cview zz, long t, nn::fview x0) { den_.forward(ws, zz, t, c, x0); }, z);
  }

  /// out = the network on g, whose H and W the DIRformer takes (spec §6).
  void network(nn::workspace<B>& ws, nn::cview g, nn::cview z_T, nn::fview out,
               const trace_fn& tr = {}) const {
    const auto pass = ws.pass(g.dims);  // repeated calls replay the pool's choices
    auto c = ws.acquire(shape{1, ipr_width, 1, 1});
    auto z = ws.acquire(shape{1, ipr_width, 1, 1});
    ipr(ws, g, z_T, c, z);
    if (tr) tr("c", c.view()), tr("ipr", z.view());
    g_.forward(ws, g, z.view(), out, tr);
  }

  /// The official test pipeline without quantisation (spec §7): img (1, 3, h, w) in [0, 1];
  /// mask (1, 1, h, w) for inpainting (binarised: > 0 is a hole), else empty; out (1, 3, h·s, w·s).
  void restore(nn::workspace<B>& ws, nn::cview img, nn::cview mask, nn::cview z_T, nn::fview out,
               const trace_fn& tr = {}) const {
    const auto pass = ws.pass();  // repeated calls replay the pool's choices
    const std::size_t h = img.dims.h, w = img.dims.w, s = out_scale(v_), m = pad_multiple(v_);
    nn::require(img.dims.n == 1 && img.dims.c == 3 && h > 0 && w > 0, "restore",
                "the image must be (1, 3, H, W), got " + nn::shape_str(img.dims));
    const std::size_t lo = detail::min_side(v_);
    nn::require(h >= lo && w >= lo, "restore",
                diffbridge::detail::concat("the image is ", w, "x", h, "; this model (", name(v_),
                                           ", padded to a multiple of ", m, ") needs at least ", lo,
                                           "x", lo));
    nn::require_shape("restore", "output", out.dims, shape{1, 3, h * s, w * s});
    const std::size_t H = nn::round_up(h, m), W = nn::round_up(w, m);
    auto ip = ws.acquire(shape{1, 3, H, W});
    nn::pad_bottom_right<B>(img, ip, pad_mode_of(v_));
    auto res = ws.acquire(shape{1, 3, H * s, W * s});
    if (v_ != variant::inpaint) {
      nn::require(mask.raw() == nullptr, "restore", "a mask is only taken by the inpainting model");
      network(ws, ip.view(), z_T, res, tr);
      nn::crop<B>(res.view(), out);
      return;
    }
    nn::require(mask.raw() != nullptr, "restore", "the inpainting model needs a mask");
    nn::require_shape("restore", "mask", mask.dims, shape{1, 1, h, w});
    auto mp = ws.acquire(shape{1, 1, H, W});
    nn::pad_bottom_right<B>(mask, mp, nn::pad_mode::symmetric);
    auto g = ws.acquire(shape{1, 4, H, W});  // cat[img·(1 − mask), mask]
    detail::inpaint_input<B>(ip.data(), mp.data(), g.data(), H * W);
    network(ws, g.view(), z_T, res, tr);
    detail::inpaint_blend<B>(ip.data(), mp.data(), res.data(), H * W);
    nn::crop<B>(res.view(), out);
  }

 private:
  variant v_;
  config c_;
  ipr_ddpm ddpm_;
  weight_set<B> w_;
  dirformer<B> g_;
  cpen<B> cpen_;
  denoise_mlp<B> den_;
};

template <class B>
class stage1 {
 public:
  stage1(const io::safetensors_file& f, variant v, const config& c)
      : v_(v),
        c_((validate(c), c)),
        w_(load_weights<B>(f, network_layout(v, c, stage::s1), nullptr,
                           detail::describe(v, c, stage::s1))),
        g_(w_, "G.", v, c),
        cpen_(w_, "E.", c) {}
  stage1(const stage1&) = delete;
  stage1& operator=(const stage1&) = delete;

  /// out = G(g, CPEN_S1(cat[adaptor(g), PU4(gt)])); gt is the HR image (SR: g·s).
  void forward(nn::workspace<B>& ws, nn::cview g, nn::cview gt, nn::fview out,
               const trace_fn& tr = {}) const {
    const auto pass = ws.pass(g.dims);  // repeated calls replay the pool's choices
    auto a = detail::cpen_input<B>(ws, v_, g);
    nn::require(gt.dims.n == 1 && gt.dims.c == 3 && gt.dims.h == a.dims().h * 4 &&
                    gt.dims.w == a.dims().w * 4,
                "stage1",
                "the ground truth " + nn::shape_str(gt.dims) + " does not match the input");
    auto cat = ws.acquire(shape{1, a.dims().c + 48, a.dims().h, a.dims().w});
    nn::copy<B>(a.view(), nn::channels(cat.view(), 0, a.dims().c));
    nn::pixel_unshuffle<B>(gt, 4, nn::channels(cat.view(), a.dims().c, 48));
    a.release();
    auto z = ws.acquire(shape{1, ipr_width, 1, 1});
    cpen_.forward(ws, cat.view(), z);
    if (tr) tr("ipr", z.view());
    g_.forward(ws, g, z.view(), out, tr);
  }

 private:
  variant v_;
  config c_;
  weight_set<B> w_;
  dirformer<B> g_;
  cpen<B> cpen_;
};

}  // namespace diffbridge::models::diffir
