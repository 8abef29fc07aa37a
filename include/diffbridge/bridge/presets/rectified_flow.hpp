// Rectified flow (Liu et al. 2023, gnobitab/RectifiedFlow): x_t = t·x0 + (1 − t)·y,
// data at t = 1, no noise. In bridge time s = 1 − t it is the Brownian bridge with
// V(0,s) = s pinned at s = 1 and π = 0: c_x0 = 1 − s, c_y = s, and the π ⊙ ε term
// vanishes, so the reported std is 0 as in the original.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"

namespace diffbridge::presets {

class rectified_flow {
 public:
  explicit rectified_flow(const parameter_set& params = {}) {
    parameter_reader ps(params);
    eps_ = ps.number("eps", 1e-3, 0, 0.5, "in [0, 0.5)");
    require_parameter(eps_ < 0.5, "eps", eps_, "in [0, 0.5)");
    ps.require_all_used("rectified-flow");
    bridge_.emplace(
        make_brownian_process<double>(
            curve<double>([](double s) { return s; }, 0.0, 1.0), [](double s) { return 1 - s; },
            [](double) { return 1.0; }),
        bridge_config<double>{reversion_target::y, pin_kind::hard, 0, modulation::zero});
  }
  preset_info info() const {
    return {"rectified-flow",
            detail::concat("eps=", eps_, " (data at t=1)"),
            "theta=0, V(0,s)=s with s=1-t, m=y, pin=hard at s=1, pi=0",
            "exact (pi = 0: the deterministic path); its Euler steps overshoot by eps/(1-eps)",
            "step: Euler on v = x0 - y with the code's dt = 1/N = (to - from)/(1 - eps)",
            0.0,
            modulation::zero};
  }
  time_domain domain() const { return {false, 0.0, 1.0, true}; }
  std::vector<double> official_times() const { return {}; }
  marginal_coeffs<double> coeffs(double t) const {
    domain().require(t, "t");
    auto m = bridge_->marginal(1 - t);
    return {m.c_x0, m.c_y, 0.0};
  }
  /// The code's Euler step x += v·dt (ImageGeneration/sampling.py euler_sampler), v = (x̂0 −
  /// x)/(1 − t): its times t_i = i/N·(1 − eps) + eps are squeezed into [eps, 1] but its step is
  /// dt = 1/N = (to − from)/(1 − eps), so each step goes (to − from)·eps/(1 − eps) past `to` and
  /// the last ends eps/N beyond t = 1 (x̂0 plus eps/N·v). With eps = 0 it is the implicit step at
  /// η = 0, exact on the path.
  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    require_parameter(eta == 0, "eta", eta, "0 (rectified flow is deterministic)");
    const double w = (to - from) / (1 - eps_) / (1 - from);  // dt/(1 − t)
    return {1 - w, w, 0.0, 0.0};
  }
  /// RF's Euler grid t_i = i/N·(1 − eps) + eps, then 1.
  std::vector<double> default_grid(long steps) const {
    require_parameter(steps >= 1, "steps", steps, ">= 1");
    std::vector<double> g;
    for (long i = 0; i < steps; ++i) g.push_back(double(i) / double(steps) * (1 - eps_) + eps_);
    g.push_back(1.0);
    return g;
  }
  marginal_coeffs<double> reference_coeffs(double t) const { return coeffs(t); }
  /// The generalised bridge's step: the implicit family at η = 0, landing on the path at `to`.
  step_coeffs<double> reference_step(double from, double to, double eta) const {
    domain().require_step(from, to);
    require_parameter(eta == 0, "eta", eta, "0 (rectified flow is deterministic)");
    return bridge_->step(1 - to, 1 - from, 0.0);
  }
  const bridge_type& bridge() const { return *bridge_; }

 private:
  double eps_ = 1e-3;
  std::optional<bridge_type> bridge_;
};

}  // namespace diffbridge::presets
