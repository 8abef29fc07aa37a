// RDBM (Wang et al. 2025; official code MiliLab/RDBM code/rdbm.py): OU with g² = 2λθ,
// λ a variance, reversion target and hard pin at μ = y, π = x0 − μ (paper).
// θ from the improved-DDPM cosine `betas_for_alpha_bar(T)`, θ̄_i = cumsum incl. θ_0,
// index i ∈ 0..T−1 (the pin is θ̄_{T−1} = Σθ), index −1 is the clean end θ̄ = 0.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/core/modulation.hpp"
#include "diffbridge/sampler/time_grid.hpp"
#include "diffbridge/schedule/integrals.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::presets {

class rdbm : public bridge_backed {
 public:
  explicit rdbm(const parameter_set& params = {}) {
    parameter_reader ps(params);
    T_ = ps.integer("T", 100, 2, 100000, "an integer in [2, 100000]");
    lambda_ = ps.number("lambda", 10.0 / 255.0, 1e-300, 1e300, "> 0 (a variance)");
    const auto sched = ps.choice("schedule", "cosine", {"cosine", "linear", "sigmoid"});
    const auto pi = ps.choice("pi", "residual", {"0", "1", "residual", "abs_residual"});
    std::vector<double> theta;
    if (sched == "cosine") {
      theta = schedule::cosine_betas<double>(T_);
    } else {
      const double a = ps.number("theta_start", 1e-4, 1e-300, 1e300, "> 0");
      const double b = ps.number("theta_end", 0.02, 1e-300, 1e300, "> 0");
      theta = sched == "linear" ? schedule::linear<double>(T_, a, b)
                                : schedule::sigmoid<double>(T_, a, b);
    }
    ps.require_all_used("rdbm");
    auto cum = schedule::cumsum_inclusive<double>(theta);
    const double total = cum.back();
    cum.insert(cum.begin(), 0.0);  // index −1: the clean end
    theta.insert(theta.begin(), theta.front());
    curve<double> rate(-1, theta);
    auto proc = make_ou_process<double>(curve<double>(-1, cum), total, lambda_,
                                        [rate](double t) { return rate(t); });
    bridge_.emplace(std::move(proc), bridge_config<double>{reversion_target::y, pin_kind::hard, 0,
                                                           *parse_modulation(pi)});
    domain_ = {true, -1.0, double(T_ - 1)};
    info_ = {
        "rdbm",
        "T=" + fmt(double(T_)) + " lambda=" + fmt(lambda_) + " schedule=" + sched,
        "theta=" + sched + " cumsum, g2=2*lambda*theta, m=y, pin=hard at theta_bar_T, pi=" + pi,
        "exact (it is the generalised bridge)",
        "Eq. 19 (eta=0) on linspace(-1,T-1,S+1); eta>0 the implicit family, eta=1 the posterior",
        0.0,
        *parse_modulation(pi)};
  }

  std::vector<double> default_grid(long steps) const { return grid::rdbm(T_, steps); }

 private:
  long T_;
  double lambda_;
};

}  // namespace diffbridge::presets
