// CPEN, the compact IR prior extraction network (spec §2.8), for Stage 1 (LQ and GT) and Stage 2
// (LQ only): conv + LReLU, n ResBlocks, three conv + LReLU to 256 channels, global mean, and a
// two-layer MLP with LReLU. All convs 3×3 with bias; LReLU slope 0.1.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "diffbridge/models/diffir/config.hpp"
#include "diffbridge/models/diffir/weights.hpp"
#include "diffbridge/nn/conv2d.hpp"
#include "diffbridge/nn/linear.hpp"
#include "diffbridge/nn/pool.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::models::diffir {

template <class B>
class cpen {
  struct conv_w {
    nn::cview w, b;
  };

 public:
  /// Reads the tensors under `prefix` ("condition." or "E.").
  cpen(const weight_set<B>& ws, const std::string& prefix, const config& c) {
    auto cv = [&](const std::string& n) { return conv_w{ws.get(prefix + n + ".weight"), ws.get(prefix + n + ".bias")}; };
    const std::size_t n = c.n_encoder_res;
    head_ = cv("E.0");
    for (std::size_t i = 0; i < n; ++i) {
      const std::string r = "E." + std::to_string(i + 2) + ".body.";
      res_.push_back({cv(r + "0"), cv(r + "2")});
    }
    tail_[0] = cv("E." + std::to_string(n + 2));
    tail_[1] = cv("E." + std::to_string(n + 4));
    tail_[2] = cv("E." + std::to_string(n + 6));
    mlp_[0] = cv("mlp.0");
    mlp_[1] = cv("mlp.2");
  }

  std::size_t in_channels() const { return head_.w.dims.c; }

  /// out (1, 256, 1, 1) = CPEN(x), x (1, Cin, h, w).
  void forward(nn::workspace<B>& ws, nn::cview x, nn::fview out) const {
    const auto pass = ws.pass(x.dims);  // repeated calls replay the pool's choices
    using nn::activation;
    require_shape_in(x);
    const std::size_t h = x.dims.h, w = x.dims.w;
    auto a = ws.acquire(shape{1, n_feats, h, w});
    auto t = ws.acquire(shape{1, n_feats, h, w});
    nn::conv2d<B>(ws, x, head_.w, a, {head_.b, false, activation::leaky_relu});
    for (const auto& [c0, c2] : res_) {  // a ← a + conv(LReLU(conv(a)))
      nn::conv2d<B>(ws, a.view(), c0.w, t, {c0.b, false, activation::leaky_relu});
      nn::conv2d<B>(ws, t.view(), c2.w, a, {c2.b, true});
    }
    auto u = ws.acquire(shape{1, 2 * n_feats, h, w});
    nn::conv2d<B>(ws, a.view(), tail_[0].w, u, {tail_[0].b, false, activation::leaky_relu});
    auto v = ws.acquire(shape{1, 2 * n_feats, h, w});
    nn::conv2d<B>(ws, u.view(), tail_[1].w, v, {tail_[1].b, false, activation::leaky_relu});
    auto e = ws.acquire(shape{1, 4 * n_feats, h, w});
    nn::conv2d<B>(ws, v.view(), tail_[2].w, e, {tail_[2].b, false, activation::leaky_relu});
    auto p = ws.acquire(shape{1, ipr_width, 1, 1});
    nn::global_avg_pool<B>(ws, e.view(), p);
    auto m = ws.acquire(shape{1, ipr_width, 1, 1});
    nn::linear<B>(p.view(), mlp_[0].w, mlp_[0].b, m, true);
    nn::linear<B>(m.view(), mlp_[1].w, mlp_[1].b, out, true);
  }

 private:
  void require_shape_in(nn::cview x) const {
    nn::require(x.dims.n == 1 && x.dims.c == head_.w.dims.c, "cpen",
                "input " + nn::shape_str(x.dims) + " must have " + std::to_string(head_.w.dims.c) + " channels");
  }
  conv_w head_;
  std::vector<std::pair<conv_w, conv_w>> res_;
  conv_w tail_[3], mlp_[2];
};

}  // namespace diffbridge::models::diffir
