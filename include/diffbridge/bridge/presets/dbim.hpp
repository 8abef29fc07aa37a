// DBIM (Zheng et al. 2025, thu-ml/DiffusionBridge `sample_dbim`): the implicit sampler
// on DDBM's bridges. schedule=vp (default) | ve: the DDBM-VP/VE bridges, ω = η·ω_M;
// schedule=i2sb: DBIM's discrete I2SB schedule read at index round(999 t) with
// ρ_T² = Σβ (not I2SB's per-index σ² + σ̄², so a + b ≠ 1: reported deviation).
// Boot: from x_T = y at T = sigma_max the official step always adds the full c·z; no z on the
// last step (to t_min). schedule=vp is pinned at t = 1 for any sigma_max ≤ 1, as the code does.
#pragma once

#include "diffbridge/bridge/presets/ddbm.hpp"
#include "diffbridge/bridge/presets/i2sb.hpp"
#include "diffbridge/sampler/implicit_step.hpp"

namespace diffbridge::presets {

class dbim {
 public:
  explicit dbim(const parameter_set& params = {}) {
    parameter_reader ps(params);
    sched_ = ps.choice("schedule", "vp", {"vp", "ve", "i2sb"});
    const bool ve = sched_ == "ve";
    T_ = ps.number("sigma_max", ve ? 80.0 : 1.0, 1e-100, 1e100, "in [1e-100, 1e100]");
    t_min_ = ps.number("sigma_min", ve ? 0.002 : 1e-4, 1e-100, 1e100,
                       "in [1e-100, 1e100] and < sigma_max");
    require_parameter(t_min_ < T_, "sigma_min", t_min_, "< sigma_max");
    const bridge_config<double> cfg{reversion_target::y, pin_kind::hard, 0, modulation::one};
    if (sched_ == "vp") {
      const double bd = ps.number("beta_d", 2.0, 0, 1e300, ">= 0");
      const double bm = ps.number("beta_min", 0.1, 0, 1e300, ">= 0");
      require_parameter(bd + bm > 0, "beta_d + beta_min", bd + bm, "> 0");
      auto c = cfg;
      c.target = reversion_target::zero;
      // the code pins the VP bridge at t = 1 whatever sigma_max (alpha_T = alpha_fn(1), rho_T =
      // rho_fn(1) in VPNoiseSchedule); sigma_max only starts the sampling
      require_parameter(T_ <= 1, "sigma_max", T_, "<= 1 for schedule=vp (pinned at t = 1)");
      bridge_.emplace(vp_process(1.0, bm, bd), c);
      own_ = detail::concat("schedule=vp beta_d=", bd, " beta_min=", bm);
    } else if (ve) {
      bridge_.emplace(ve_process(T_), cfg);
      own_ = "schedule=ve";
    } else {
      require_parameter(T_ == 1.0, "sigma_max", T_, "1 for schedule=i2sb");
      const double bmax = ps.number("beta_max", 1.0, 1e-300, 1e300, "> 0");
      // I2SBNoiseSchedule: linear_start = beta_min / n_timestep, linear_end = beta_max / n_timestep
      const double bmin = ps.number("beta_min", 0.1, 1e-300, 1e300, "> 0");
      parameter_set ip;
      ip.set("beta_max", fmt(bmax));
      ip.set("linear_start", fmt(bmin / 1000));
      i2sb_.emplace(ip);
      const auto& b = i2sb_->betas();
      double acc = 0;
      for (double x : b) fwd_.push_back(acc += x);
      rho_T2_ = acc;
      bwd_.assign(b.size(), 0);
      acc = 0;
      for (size_t i = b.size(); i-- > 0;) bwd_[i] = acc += b[i];
      own_ = detail::concat("schedule=i2sb beta_max=", bmax, " beta_min=", bmin);
    }
    ps.require_all_used("dbim");
    own_ += detail::concat(" sigma_max=", T_, " sigma_min=", t_min_);
  }

  preset_info info() const {
    return {"dbim",
            own_,
            sched_ == "vp"   ? "as ddbm-vp (m=0, pin at y)"
            : sched_ == "ve" ? "as ddbm-ve"
                             : "theta=0, V(0,t)=rho_t^2, V(t,T)=rho_bar_t^2 at index round(999t)",
            sched_ == "i2sb" ? "not exact: rho_T^2 = sum(beta) makes a + b != 1" : "exact",
            "DBIM step with eta: omega = eta*alpha_t*rho_t*sqrt(1 - rho_t^2/rho_s^2); boot from T",
            0.0};
  }
  time_domain domain() const { return {false, 0.0, T_}; }
  /// The code starts from x_T = y at t = sigma_max (sample_dbim), pinned there or not.
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 1.0, 0.0};
  }
  std::vector<double> official_times() const { return {}; }

  marginal_coeffs<double> coeffs(double t) const {
    domain().require(t, "t");
    if (!i2sb_) return bridge_->marginal(t);
    const size_t i = index(t);
    const double r2 = fwd_[i], rb2 = bwd_[i];
    return {rb2 / rho_T2_, r2 / rho_T2_, std::sqrt(r2 * rb2 / rho_T2_)};
  }
  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    require_parameter(eta >= 0 && eta <= 1, "eta", eta, "in [0, 1]");
    const auto ms = coeffs(to);
    step_coeffs<double> s;
    if (from == T_) {
      s = {0, ms.c_x0, ms.c_y, ms.std};  // boot: x = b·x̂0 + a·x_T + c·z
    } else if (!i2sb_) {
      s = bridge_->step(to, from, eta);
    } else {
      const double r2t = fwd_[index(to)], r2s = fwd_[index(from)];
      const double omega = eta * std::sqrt(r2t * (1 - r2t / r2s));
      s = implicit_step(ms, coeffs(from), omega);
    }
    if (to == t_min_) s.c_z = 0;  // no noise on the last step
    return s;
  }
  /// Boot from T, then the code's torch.linspace(T − 1e-3, t_min, N + 1), N = NFE − 1, in
  /// float32 (sampler/torch_ranges.hpp; the last time is t_min itself, of which float32 is a
  /// hair below). For schedule=i2sb the float32 times matter: NFE = 400 reads index 996 where
  /// the exact time gives 995 (999·t = 995.5 in float32, rounded half to even).
  std::vector<double> default_grid(long nfe) const {
    require_parameter(nfe >= 2, "steps", nfe, ">= 2 (one NFE boots)");
    require_parameter(float(T_ - 1e-3) > float(t_min_), "sigma_max", T_,
                      "> sigma_min + 1e-3 (the grid runs from sigma_max - 1e-3 down to sigma_min)");
    std::vector<double> g{T_};
    for (float v : grid::torch_linspace(float(T_ - 1e-3), float(t_min_), nfe))
      g.push_back(double(v));
    g.back() = t_min_;
    return g;
  }
  /// schedule=i2sb: the index the code reads at time t, ((1000 − 1)·t).round() on a float32 t
  /// (half to even).
  static long i2sb_index(double t) {
    const float v = 999.0f * static_cast<float>(t);
    return long(std::nearbyint(v));
  }
  marginal_coeffs<double> reference_coeffs(double t) const {
    if (!i2sb_) return coeffs(t);
    domain().require(t, "t");
    return i2sb_->coeffs(double(index(t)));
  }
  step_coeffs<double> reference_step(double from, double to, double eta) const {
    if (!i2sb_) return step(from, to, eta);
    domain().require_step(from, to);
    return i2sb_->bridge().step(double(index(to)), double(index(from)), eta);
  }

 private:
  size_t index(double t) const { return size_t(i2sb_index(t)); }
  std::string sched_, own_;
  double T_ = 1, t_min_ = 1e-4, rho_T2_ = 0;
  std::optional<bridge_type> bridge_;
  std::optional<i2sb> i2sb_;
  std::vector<double> fwd_, bwd_;
};

}  // namespace diffbridge::presets
