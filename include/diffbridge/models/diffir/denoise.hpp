// The denoise MLP of the IPR diffusion (spec §2.9; no residual despite the class name ResMLP):
// input cat[c (256), t/(10·T) (1), z (256)] = 513 features, Linear 513→256 + LReLU, then
// n_denoise_res × (Linear 256→256 + LReLU). The output is the x0 prediction.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "diffbridge/models/diffir/config.hpp"
#include "diffbridge/models/diffir/weights.hpp"
#include "diffbridge/nn/linear.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::models::diffir {

template <class B>
class denoise_mlp {
 public:
  denoise_mlp(const weight_set<B>& ws, const std::string& prefix, const config& c) : T_(c.timesteps) {
    layers_.push_back({ws.get(prefix + "resmlp.0.weight"), ws.get(prefix + "resmlp.0.bias")});
    for (std::size_t k = 1; k <= c.n_denoise_res; ++k) {
      const std::string p = prefix + "resmlp." + std::to_string(k + 1) + ".resmlp.0.";
      layers_.push_back({ws.get(p + "weight"), ws.get(p + "bias")});
    }
  }

  /// x0 (1, 256, 1, 1) = MLP(cat[c, t/(10·T), z]).
  void forward(nn::workspace<B>& ws, nn::cview z, long t, nn::cview c, nn::fview x0) const {
    nn::require(z.size() == ipr_width && c.size() == ipr_width && x0.size() == ipr_width, "denoise",
                "z, c and x0 must hold 256 values");
    auto in = ws.acquire(shape{1, 2 * ipr_width + 1, 1, 1});
    const float tv[1] = {float(t) / float(10 * T_)};  // t.float() / max_period in float32
    nn::copy<B>(c, nn::fview{in.data(), shape{1, ipr_width, 1, 1}});
    if constexpr (nn::is_host_backend<B>) {
      B::copy_from_host(std::span<const float>(tv, 1), nn::fview{in.data() + ipr_width, shape{1, 1, 1, 1}});
    } else {  // written on the device: no host transfer inside the network
      nn::device::launch<B>(1, nn::device::fill_fn{tv[0], in.data() + ipr_width});
    }
    nn::copy<B>(z, nn::fview{in.data() + ipr_width + 1, shape{1, ipr_width, 1, 1}});
    auto a = ws.acquire(shape{1, ipr_width, 1, 1});
    auto b = ws.acquire(shape{1, ipr_width, 1, 1});
    nn::cview cur = in.view();
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      nn::fview dst = i + 1 == layers_.size() ? x0 : (i % 2 ? b.view() : a.view());
      nn::linear<B>(cur, layers_[i].first, layers_[i].second, dst, true);
      cur = dst;
    }
  }

 private:
  long T_;
  std::vector<std::pair<nn::cview, nn::cview>> layers_;
};

}  // namespace diffbridge::models::diffir
