// The mean-reverting (GOU) family, one schedule, three conditionings:
//  - irsde: IR-SDE (Luo et al. 2023, Algolzw/image-restoration-sde `IRSDE`), unpinned parent;
//  - goub:  GOUB (Yue et al. 2024, Hammour-steak/GOUB `GOUB`), hard pin at μ;
//  - unidb: UniDB-GOU (Zhu et al. 2025, UniDB-SOC/UniDB), soft pin with γ⁻¹ = gamma_inv.
// θ: IR-SDE cosine over indices 0..T, θ̄_i = dt·Σ_{k=1..i} θ_k with e^{−θ̄_T} = eps;
// g² = 2λ²θ with λ a standard deviation (λ² is the generalised bridge's variance λ).
// Time is the code index 0..T; per-index rates are θ_i·dt and 2λ²θ_i·dt.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/sampler/implicit_step.hpp"
#include "diffbridge/schedule/integrals.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::presets {

enum class gou_kind { irsde, goub, unidb };

template <gou_kind Kind>
class mean_reverting : public bridge_backed {
 public:
  explicit mean_reverting(const parameter_set& params = {}) {
    parameter_reader ps(params);
    T_ = ps.integer("T", 100, 1, 100000, "an integer in [1, 100000]");
    eps_ = ps.number("eps", 0.005, 1e-300, 1 - 1e-16, "in (0, 1)");
    const char* lam_key = Kind == gou_kind::irsde ? "max_sigma" : "lambda_square";
    const double lam_raw = ps.number(lam_key, Kind == gou_kind::irsde ? 10.0 : 30.0, 1e-150, 1e150,
                                     "in [1e-150, 1e150] (squared into the variance)");
    lambda_ = per_255(lam_raw);
    const auto sched = ps.choice("schedule", "cosine", {"cosine", "linear", "constant"});
    if constexpr (Kind == gou_kind::unidb) {
      gamma_inv_ = ps.number("gamma_inv", 1e-7, 0, 1e300, ">= 0 (0 gives GOUB)");
      exact_variance_ = ps.choice("variance", "official", {"official", "exact"}) == "exact";
    }
    ps.require_all_used(name());

    std::vector<double> theta;
    if (sched == "cosine") theta = schedule::irsde_cosine_thetas<double>(T_);
    if (sched == "linear") {
      const double s = 1000.0 / double(T_ + 1);
      theta = schedule::linspace<double>(s * 1e-4, s * 0.02, T_ + 1);
    }
    if (sched == "constant") theta.assign(size_t(T_ + 1), 1.0);
    dt_ = schedule::irsde_dt<double>(theta, eps_);
    const auto cum = schedule::cumsum_exclusive_scaled<double>(theta, dt_);
    std::vector<double> rate(theta);
    for (auto& r : rate) r *= dt_;
    curve<double> rc(0, rate);
    auto proc = make_ou_process<double>(curve<double>(0, cum), cum.back(), lambda_ * lambda_,
                                        [rc](double t) { return rc(t); });
    const pin_kind pin = Kind == gou_kind::irsde                       ? pin_kind::none
                         : (Kind == gou_kind::unidb && gamma_inv_ > 0) ? pin_kind::soft
                                                                       : pin_kind::hard;
    bridge_.emplace(proc,
                    bridge_config<double>{reversion_target::y, pin, gamma_inv_, modulation::one});
    if constexpr (Kind == gou_kind::unidb)  // GOUB: the variance the official code keeps
      hard_.emplace(proc,
                    bridge_config<double>{reversion_target::y, pin_kind::hard, 0, modulation::one});
    domain_ = {true, 0.0, double(T_)};
    info_.name = name();
    info_.own_parameters = detail::concat("T=", T_, " eps=", eps_, " ", lam_key, "=", lam_raw,
                                          " (lambda=", lambda_, ") schedule=", sched);
    info_.mapping = detail::concat("theta=IR-SDE ", sched, " with dt, g2=2*lambda^2*theta, m=y, ",
                                   pin == pin_kind::none   ? "pin=none"
                                   : pin == pin_kind::hard ? "pin=hard at T"
                                                           : "pin=soft gamma_inv",
                                   ", pi=1");
    if constexpr (Kind == gou_kind::unidb) {
      info_.own_parameters +=
          detail::concat(" gamma_inv=", gamma_inv_, exact_variance_ ? " variance=exact" : "");
      info_.relation = exact_variance_ ? "exact (soft pin)"
                                       : "mean exact; official std is GOUB's, not the soft-pin std";
    } else {
      info_.relation =
          Kind == gou_kind::irsde ? "exact; unpinned parent (x_T ~ N(mu, lambda^2))" : "exact";
    }
    info_.sampler = "exact posterior (eta=1); eta<1 the implicit family";
  }

  static constexpr const char* name() {
    return Kind == gou_kind::irsde ? "irsde" : Kind == gou_kind::goub ? "goub" : "unidb";
  }

  marginal_coeffs<double> coeffs(double t) const {
    domain().require(t, "t");
    auto m = bridge_->marginal(t);
    if (Kind == gou_kind::unidb && !exact_variance_) m.std = hard_->marginal(t).std;
    return m;
  }
  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    if (Kind == gou_kind::irsde) {
      // IR-SDE's reverse_posterior_step clamps the variance at 1e-20·dt (in λ² units).
      auto s = bridge_->step(to, from, eta);
      if (eta == 1) s.c_z = std::max(s.c_z, lambda_ * std::sqrt(1e-20 * dt_));
      return s;
    }
    if (Kind != gou_kind::unidb || exact_variance_) return bridge_->step(to, from, eta);
    // UniDB's official posterior: GOUB's r_mean_1/r_sigma_1 on its own (m, n, f_sigma).
    require_parameter(eta >= 0 && eta <= 1, "eta", eta, "in [0, 1]");
    const auto ms = coeffs(to), mt = coeffs(from);
    const double vM = marginal_posterior_variance(ms, mt);
    // c_s² − ω_M² = (c_s²·r/c_t)² with r = a_t/a_s: no cancellation as η → 1.
    const double kc = mt.std > 0 ? ms.std * ms.std * (mt.c_x0 / ms.c_x0) / mt.std : 0.0;
    const double kct2 = kc * kc + (1 - eta * eta) * vM;
    return implicit_step_from(ms, mt, kct2, eta * std::sqrt(vM));
  }
  /// One Euler–Maruyama step of the reverse SDE (the originals' default sampler):
  ///   x_s = x_t − Δ·[f(x_t) − g²·score] + g·sqrt(Δ)·z,  Δ = from − to (indices),
  /// with the score through x̂0 on the preset's own marginal (UniDB: GOUB's std) and, as the
  /// GOUB/UniDB code hard-codes, no h-drift and no score at the pinned end t = T.
  step_coeffs<double> euler_maruyama(double from, double to) const {
    domain().require_step(from, to);
    const auto& p = bridge_->process();
    const double d = from - to, th = p.theta(from), g2 = p.g2(from);
    const bool at_pin = Kind != gou_kind::irsde && from == double(T_);
    drift_coeffs<double> f{-th, 0, th};
    if (Kind != gou_kind::irsde && !at_pin) f = bridge_->forward_drift(from);
    const auto m = coeffs(from);
    double sx = 0, s0 = 0, sy = 0;  // π²·score = sx·x + s0·x̂0 + sy·y
    if (!at_pin && m.std > 0) {
      const double iv = 1 / (m.std * m.std);
      sx = -iv, s0 = m.c_x0 * iv, sy = m.c_y * iv;
    }
    return {1 - d * (f.c_x - g2 * sx), d * g2 * s0, -d * (f.c_y - g2 * sy), std::sqrt(g2 * d)};
  }
  std::vector<double> default_grid(long steps) const { return uniform_indices(T_, 0, steps); }
  /// IR-SDE starts from `noise_state`: μ + λz; GOUB and UniDB from μ exactly.
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 1.0, Kind == gou_kind::irsde ? lambda_ : 0.0};
  }
  double dt() const { return dt_; }

 private:
  long T_ = 100;
  double eps_ = 0.005, lambda_ = 0, dt_ = 0, gamma_inv_ = 0;
  bool exact_variance_ = false;
  std::optional<bridge_type> hard_;
};

using irsde = mean_reverting<gou_kind::irsde>;
using goub = mean_reverting<gou_kind::goub>;
using unidb = mean_reverting<gou_kind::unidb>;

}  // namespace diffbridge::presets
