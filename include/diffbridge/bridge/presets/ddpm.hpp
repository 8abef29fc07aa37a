// DDPM / DDIM (Ho et al. 2020; Song et al. 2021; ermongroup/ddim): an unpinned OU with
// λ = 1 and target 0: θ̄_i = −½·log ᾱ_i, ᾱ_i = Π_{k≤i}(1 − β_k), so φ(t0, i) = √ᾱ_i and
// V(t0, i) = 1 − ᾱ_i. Index 0..T−1, index −1 is ᾱ = 1. Parameters and names are ddim's
// (runners/diffusion.py `get_beta_schedule`): beta_schedule = linear (β = linspace(β0, β1, T),
// the default, 1e-4 → 0.02), quad (linspace(√β0, √β1, T)²: what latent diffusion's
// `make_beta_schedule` — DiffIR's IPR diffusion — calls 'linear'), const (β1 everywhere),
// sigmoid (β0 + (β1 − β0)·σ(linspace(−6, 6, T))), and cosine (improved DDPM / latent
// diffusion's 'cosine', s = 8e-3, β ≤ 0.999; β0, β1 unused). skip_type = uniform | quad picks
// the grid. Step: DDIM `generalized_steps` with η (the implicit family; η = 1 the posterior).
#pragma once

#include <algorithm>
#include <cmath>
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
    if (ps.has("beta_schedule") && params.values().at("beta_schedule") == "sqrt_linear")
      throw invalid_parameter(
          "beta_schedule = sqrt_linear: ddim's names are used here; latent diffusion's (and "
          "DiffIR's) 'linear', linspace(sqrt(b0), sqrt(b1), T)^2, is 'quad', and their "
          "'sqrt_linear', linspace(b0, b1, T), is 'linear'");
    const std::string kind =
        ps.choice("beta_schedule", "linear", {"linear", "quad", "const", "sigmoid", "cosine"});
    skip_ = ps.choice("skip_type", "uniform", {"uniform", "quad"});
    ps.require_all_used("ddpm");
    if (kind == "linear") beta_ = schedule::linear<double>(T_, b0, b1);
    if (kind == "quad") beta_ = schedule::sqrt_linear<double>(T_, b0, b1);
    if (kind == "const") beta_ = std::vector<double>(size_t(T_), b1);
    if (kind == "sigmoid") {
      require_parameter(b1 > b0, "beta_end", b1, "> beta_start (sigmoid)");
      beta_ = schedule::sigmoid<double>(T_, b0, b1);
    }
    if (kind == "cosine") beta_ = schedule::cosine_betas<double>(T_);
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
                            " beta_schedule=", kind, " skip_type=", skip_),
             "theta_bar=-log(abar)/2, g2=2*theta (lambda=1), m=0, pin=none, pi=1",
             "exact (unpinned, target 0; not a bridge: y is unused)",
             "DDIM generalized_steps with eta (eta=1: the DDPM posterior)",
             0.0};
  }

  long timesteps() const noexcept { return T_; }
  const std::vector<double>& betas() const noexcept { return beta_; }

  /// DDIM's `seq`, run backwards, then −1. skip_type = uniform: range(0, T, T // S) (S + 1
  /// indices where S does not divide T); quad: int(linspace(0, √(0.8·T), S)²) in float64 —
  /// repeated indices (small S·… near 0) are steps from an index to itself, exact identities
  /// of the DDIM update, and are dropped (one network call fewer each).
  std::vector<double> default_grid(long steps) const {
    require_parameter(steps >= 1 && steps <= T_, "steps", steps, "in [1, num_diffusion_timesteps]");
    std::vector<double> g;
    if (skip_ == "uniform") {
      const long skip = T_ / steps;
      for (long i = 0; i < T_; i += skip) g.push_back(double(i));
    } else {
      const double stop = std::sqrt(double(T_) * 0.8);  // numpy.linspace: i·step + 0, last = stop
      const double step = steps > 1 ? stop / double(steps - 1) : 0.0;
      for (long i = 0; i < steps; ++i) {
        const double r = i == steps - 1 && steps > 1 ? stop : double(i) * step;
        const double idx = std::trunc(r * r);
        if (g.empty() || idx != g.back()) g.push_back(idx);
      }
    }
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
  std::string skip_ = "uniform";
  std::vector<double> beta_;
};

}  // namespace diffbridge::presets
