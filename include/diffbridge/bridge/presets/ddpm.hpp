// DDPM / DDIM (Ho et al. 2020; Song et al. 2021; ermongroup/ddim): an unpinned OU with
// λ = 1 and target 0: θ̄_i = −½·log ᾱ_i, ᾱ_i = Π_{k≤i}(1 − β_k), so φ(t0, i) = √ᾱ_i and
// V(t0, i) = 1 − ᾱ_i. Linear β 1e-4 → 0.02, index 0..T−1, index −1 is ᾱ = 1.
// beta_schedule = linear (Ho et al.: β = linspace(β0, β1, T)) or sqrt_linear (latent diffusion's
// make_beta_schedule('linear'), β = linspace(√β0, √β1, T)², used by DiffIR's IPR diffusion).
// Step: DDIM `generalized_steps` with η (the implicit family; η = 1 the posterior).
#pragma once

#include <string>
#include <vector>

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::presets {

class ddpm : public bridge_backed {
 public:
  explicit ddpm(const parameter_set& params = {}) {
    parameter_reader ps(params);
    T_ = ps.integer("num_diffusion_timesteps", 1000, 1, 10000000, "an integer >= 1");
    const double b0 = ps.number("beta_start", 1e-4, 1e-300, 1 - 1e-16, "in (0, 1)");
    const double b1 = ps.number("beta_end", 0.02, 1e-300, 1 - 1e-16, "in (0, 1)");
    const std::string kind = ps.choice("beta_schedule", "linear", {"linear", "sqrt_linear"});
    ps.require_all_used("ddpm");
    beta_ = kind == "linear" ? schedule::linear<double>(T_, b0, b1)
                             : schedule::sqrt_linear<double>(T_, b0, b1);
    for (double b : beta_) require_parameter(b < 1, "beta", b, "< 1");
    std::vector<double> tb{0.0}, rate{beta_[0] / 2};
    double acc = 0;
    for (double b : beta_) {
      acc += -0.5 * std::log1p(-b);
      tb.push_back(acc), rate.push_back(b / 2);
    }
    curve<double> rc(-1, rate);
    bridge_.emplace(
        make_ou_process<double>(curve<double>(-1, tb), acc, 1.0, [rc](double t) { return rc(t); }),
        bridge_config<double>{reversion_target::zero, pin_kind::none, 0, modulation::one});
    domain_ = {true, -1.0, double(T_ - 1)};
    info_ = {"ddpm",
             detail::concat("beta_start=", b0, " beta_end=", b1, " num_diffusion_timesteps=", T_,
                            " beta_schedule=", kind),
             "theta_bar=-log(abar)/2, g2=2*theta (lambda=1), m=0, pin=none, pi=1",
             "exact (unpinned, target 0; not a bridge: y is unused)",
             "DDIM generalized_steps with eta (eta=1: the DDPM posterior)",
             0.0};
  }

  long timesteps() const noexcept { return T_; }
  const std::vector<double>& betas() const noexcept { return beta_; }

  /// DDIM's uniform skip: seq = range(0, T, T // S), run backwards, then −1.
  std::vector<double> default_grid(long steps) const {
    require_parameter(steps >= 1 && steps <= T_, "steps", steps, "in [1, num_diffusion_timesteps]");
    const long skip = T_ / steps;
    std::vector<double> g;
    for (long i = 0; i < T_; i += skip) g.push_back(double(i));
    std::reverse(g.begin(), g.end());
    g.push_back(-1);
    return g;
  }
  /// DDIM starts from x_T = z ~ N(0, I).
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 0.0, 1.0};
  }

 private:
  long T_ = 1000;
  std::vector<double> beta_;
};

}  // namespace diffbridge::presets
