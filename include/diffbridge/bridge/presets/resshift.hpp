// ResShift (Yue et al. 2023, zsyOAOA/ResShift gaussian_diffusion.py): x_t = x0 +
// η_t(y − x0) + κ√η_t ε, i.e. an unpinned process with θ̄ = −log(1 − η_t),
// V(t0,t) = κ²η_t, target y: a special case of the marginal only. Its own chain
// x_t = x_{t−1} + α_t(y − x0) + ... is not this OU: the posterior
// N((η_s/η_t)x_t + (1 − η_s/η_t)x0, κ²η_s(η_t − η_s)/η_t) differs (reported).
// Schedule: √η_1 = min(min_noise_level/κ, min_noise_level),
// √η_t = √η_1·(etas_end/√η_1)^{(t/(T−1))^power}; index 0..T−1, −1 the clean end.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/sampler/implicit_step.hpp"

namespace diffbridge::presets {

class resshift : public bridge_backed {
 public:
  explicit resshift(const parameter_set& params = {}) {
    parameter_reader ps(params);
    T_ = ps.integer("steps", 15, 2, 100000, "an integer in [2, 100000]");
    kappa_ = ps.number("kappa", 2.0, 1e-100, 1e100, "in [1e-100, 1e100]");
    const double mnl = ps.number("min_noise_level", 0.04, 1e-300, 1 - 1e-16, "in (0, 1)");
    const double end = ps.number("etas_end", 0.99, 1e-300, 1 - 1e-16, "in (0, 1)");
    const double p = ps.number("power", 0.3, 1e-300, 1e300, "> 0");
    ps.require_all_used("resshift");
    const double s1 = std::min(mnl / kappa_, mnl);
    require_parameter(s1 < end, "etas_end", end, "> sqrt(eta_1)");
    eta_.push_back(0.0);  // index −1
    for (long t = 0; t < T_; ++t) {
      const double e = s1 * std::pow(end / s1, std::pow(double(t) / double(T_ - 1), p));
      eta_.push_back(e * e);
    }
    std::vector<double> tb, v0, th, g2;
    for (size_t i = 0; i < eta_.size(); ++i) {
      tb.push_back(-std::log1p(-eta_[i]));
      v0.push_back(kappa_ * kappa_ * eta_[i]);
      th.push_back(i ? tb[i] - tb[i - 1] : 0.0);
      g2.push_back(i ? v0[i] - std::exp(-2 * th[i]) * v0[i - 1] : 0.0);
    }
    curve<double> thc(-1, th), g2c(-1, g2);
    bridge_.emplace(make_marginal_process<double>(
                        curve<double>(-1, tb), curve<double>(-1, v0), tb.back(), v0.back(),
                        [thc](double t) { return thc(t); }, [g2c](double t) { return g2c(t); }),
                    bridge_config<double>{reversion_target::y, pin_kind::none, 0, modulation::one});
    domain_ = {true, -1.0, double(T_ - 1)};
    info_ = {"resshift",
             detail::concat("steps=", T_, " kappa=", kappa_, " min_noise_level=", mnl,
                            " etas_end=", end, " power=", p),
             "theta_bar=-log(1-eta_t), V(0,t)=kappa^2*eta_t, m=y, pin=none, pi=1",
             "marginal only (unpinned end: std(T-1) = kappa*sqrt(eta_T)); its chain is not this OU",
             "its posterior (eta_s/eta_t) x_t + (1 - eta_s/eta_t) x0 + noise"};
  }

  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    require_parameter(eta >= 0 && eta <= 1, "eta", eta, "in [0, 1]");
    const double es = eta_[size_t(to + 1)], et = eta_[size_t(from + 1)];
    const double vM = kappa_ * kappa_ * es * (et - es) / et;
    const auto ms = coeffs(to), mt = coeffs(from);
    const double kc = kappa_ * es / std::sqrt(et);  // (η_s/η_t)·c_t
    return implicit_step_from(ms, mt, kc * kc + (1 - eta * eta) * vM, eta * std::sqrt(vM));
  }
  /// The code's respacing (models/respace.py space_timesteps): the indices int((T/S)·x),
  /// x = 0 … S − 1, run from the largest down (every index when S = T), then −1 (x̂0).
  std::vector<double> default_grid(long steps) const {
    require_parameter(steps >= 2 && steps <= T_, "steps", steps, "in [2, steps of the schedule]");
    std::vector<double> g;
    for (long x = steps - 1; x >= 0; --x)
      g.push_back(std::trunc((double(T_) / double(steps)) * double(x)));
    g.push_back(-1);
    return g;
  }

 private:
  long T_ = 15;
  double kappa_ = 2;
  std::vector<double> eta_;
};

}  // namespace diffbridge::presets
