// The two coefficient records the scalar layer hands to the tensor layer
// (DESIGN.md, "the one idea"): a forward marginal and a sampler step.
#pragma once

namespace diffbridge {

/// x_t = x0·c_x0 + y·c_y + std·(π ⊙ ε)
template <class Real = double>
struct marginal_coeffs {
  Real c_x0{};
  Real c_y{};
  Real std{};
};

/// x_s = c_xt·x_t + c_x0·x̂0 + c_y·y + c_z·(π̂ ⊙ z)
template <class Real = double>
struct step_coeffs {
  Real c_xt{};
  Real c_x0{};
  Real c_y{};
  Real c_z{};
};

}  // namespace diffbridge
