// DDBM (Zhou et al. 2024, alexzhou907/DDBM karras_diffusion.py), continuous t:
//  - ddbm-ve: θ = 0, g² = 2t, V(0,t) = t², pinned at T = sigma_max;
//  - ddbm-vp: θ = β(t)/2, g² = β(t) = β_min + β_d·t (an OU with λ = 1), reversion
//    target 0 and pin at y = x_T: then exactly DDBM's a_t = (α_t/α_T)SNR_T/SNR_t,
//    b_t = α_t(1 − SNR_T/SNR_t), c_t² = σ_t²(1 − SNR_T/SNR_t).
// The official sampler is Heun on the PF-ODE with churn (needs the network twice);
// `step` offers the implicit family on the same marginals.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/sampler/time_grid.hpp"
#include "diffbridge/schedule/integrals.hpp"

namespace diffbridge::presets {

/// The VE and VP bridge processes shared by DDBM and DBIM.
// Increments in factored form, so steps with s → t and times near T keep full relative
// precision (a difference of two integrals loses ε·t/(t − s)).
inline process<double> ve_process(double T) {
  return make_brownian_process<double>(
      curve<double>([](double t) { return t * t; }, 0.0, T),
      [T](double t) { return (T - t) * (T + t); }, [](double t) { return 2 * t; },
      [](double s, double t) { return (t - s) * (t + s); });
}
inline process<double> vp_process(double T, double beta_min, double beta_d) {
  auto tb = [=](double t) { return schedule::linear_rate_integral(t, beta_min, beta_d); };
  // θ̄(t) − θ̄(s) = ∫_s^t (β_min + β_d·r)/2 dr = (t − s)(β_min/2 + β_d(t + s)/4)
  auto between = [=](double s, double t) {
    return (t - s) * (beta_min / 2 + beta_d * (t + s) / 4);
  };
  return make_ou_process<double>(
      curve<double>(tb, 0.0, T), tb(T), 1.0, [=](double t) { return (beta_min + beta_d * t) / 2; },
      between);
}

enum class ddbm_kind { ve, vp };

template <ddbm_kind Kind>
class ddbm : public bridge_backed {
 public:
  explicit ddbm(const parameter_set& params = {}) {
    parameter_reader ps(params);
    const bool ve = Kind == ddbm_kind::ve;
    T_ = ps.number("sigma_max", ve ? 80.0 : 1.0, 1e-100, 1e100, "in [1e-100, 1e100]");
    t_min_ = ps.number("sigma_min", ve ? 0.002 : 1e-4, 1e-100, 1e100,
                       "in [1e-100, 1e100] and < sigma_max");
    require_parameter(t_min_ < T_, "sigma_min", t_min_, "< sigma_max");
    rho_ = ps.number("rho", 7.0, 1e-300, 1e300, "> 0");
    if (!ve) {
      beta_d_ = ps.number("beta_d", 2.0, 0, 1e300, ">= 0");
      beta_min_ = ps.number("beta_min", 0.1, 0, 1e300, ">= 0");
      require_parameter(beta_d_ + beta_min_ > 0, "beta_d + beta_min", beta_d_ + beta_min_, "> 0");
    }
    ps.require_all_used(name());
    const bridge_config<double> cfg{ve ? reversion_target::y : reversion_target::zero,
                                    pin_kind::hard, 0, modulation::one};
    bridge_.emplace(ve ? ve_process(T_) : vp_process(T_, beta_min_, beta_d_), cfg);
    if (!ve) {  // the same process with target y: not DDBM-VP (reported deviation)
      auto c = cfg;
      c.target = reversion_target::y;
      target_y_.emplace(vp_process(T_, beta_min_, beta_d_), c);
    }
    domain_ = {false, 0.0, T_};
    info_.name = name();
    info_.own_parameters = ve ? detail::concat("sigma_max=", T_, " sigma_min=", t_min_)
                              : detail::concat("beta_d=", beta_d_, " beta_min=", beta_min_,
                                               " sigma_max=", T_, " sigma_min=", t_min_);
    info_.mapping = ve ? "theta=0, g2=2t, m=y, pin=hard at T=sigma_max, pi=1"
                       : "theta=beta(t)/2, g2=beta(t) (lambda=1), m=0, pin=hard at y, T=1, pi=1";
    info_.relation = ve ? "exact (theta -> 0 limit of the OU bridge)"
                        : "exact with reversion target 0 (not with target y)";
    info_.sampler = "official: Heun PF-ODE with churn; step: the implicit family";
  }

  static constexpr const char* name() { return Kind == ddbm_kind::ve ? "ddbm-ve" : "ddbm-vp"; }
  /// DDBM's Karras grid: N times from T − 1e-4 to sigma_min, then 0.
  std::vector<double> default_grid(long steps) const {
    return grid::karras(T_ - 1e-4, t_min_, steps, rho_, true);
  }
  /// The Heun sampler starts from x_T = y at T − 1e-4 (the pinned end), without noise.
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 1.0, 0.0};
  }
  /// The VP process with reversion target y instead of 0 (to show why 0 is needed).
  marginal_coeffs<double> target_y_coeffs(double t) const { return target_y_->marginal(t); }

 private:
  double T_ = 80, t_min_ = 0.002, rho_ = 7, beta_d_ = 2, beta_min_ = 0.1;
  std::optional<bridge_type> target_y_;
};

using ddbm_ve = ddbm<ddbm_kind::ve>;
using ddbm_vp = ddbm<ddbm_kind::vp>;

}  // namespace diffbridge::presets
