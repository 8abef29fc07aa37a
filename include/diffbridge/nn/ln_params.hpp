// The parameters of the LayerNorm + IPR modulation (layer_norm.hpp), on their own so that the
// device customisation points (nn/device/gemm.hpp) can name them without the operators.
#pragma once

namespace diffbridge::nn {

inline constexpr float layer_norm_eps = 1e-5f;

/// The parameters of a LayerNorm + modulation: weight [C]; bias [C] or null (BiasFree);
/// k1, k2 [C] or null (no modulation).
struct ln_params {
  const float *weight = nullptr, *bias = nullptr, *k1 = nullptr, *k2 = nullptr;
};

}  // namespace diffbridge::nn
