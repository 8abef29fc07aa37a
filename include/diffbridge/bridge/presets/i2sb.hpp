// I2SB (Liu et al. 2023, NVlabs/I2SB): a Brownian bridge in variance time with
// σ_n² = Σ_{k≤n} β_k (std_fwd²) and σ̄_n² = Σ_{k≥n} β_k (std_bwd²): V(t0, n) = σ_n²,
// V(n, T) = σ̄_n², so D = σ_n² + σ̄_n² = Σβ + β_n per index ("its index offset":
// β_n counted twice). β: symmetric sqrt-linear, linear_start 1e-4 (not divided by the
// interval), linear_end = beta_max/interval. Index 0..999; −1 is the clean end σ² = 0.
// Sampler: p_posterior (eq. 4), no noise when n' = 0; ot_ode=true: no noise at all.
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::presets {

/// I2SB's `space_indices(num_steps, count)`: a float stride accumulated and rounded
/// half-to-even, e.g. (1000, 11) → 0, 100, ..., 500, 599, 699, 799, 899, 999.
inline std::vector<double> i2sb_space_indices(long num_steps, long count) {
  require_parameter(count >= 1 && count <= num_steps, "nfe + 1", count, "in [1, interval]");
  const double stride = count <= 1 ? 1.0 : double(num_steps - 1) / double(count - 1);
  std::vector<double> v;
  double cur = 0;
  for (long i = 0; i < count; ++i, cur += stride) v.push_back(std::nearbyint(cur));
  return v;
}

class i2sb : public bridge_backed {
 public:
  explicit i2sb(const parameter_set& params = {}) {
    parameter_reader ps(params);
    n_ = ps.integer("interval", 1000, 2, 1000000, "an even integer in [2, 1000000]");
    require_parameter(n_ % 2 == 0, "interval", n_, "even (the schedule is symmetrised)");
    beta_max_ = ps.number("beta_max", 0.3, 1e-300, 1e300, "> 0");
    // make_beta_schedule's linear_start: I2SB always leaves it at 1e-4 (DBIM's I2SB schedule
    // sets it to beta_min / 1000)
    const double start = ps.number("linear_start", 1e-4, 1e-300, 1e300, "> 0");
    ot_ode_ = ps.choice("ot_ode", "false", {"false", "true"}) == "true";
    ps.require_all_used("i2sb");
    const auto ramp = schedule::sqrt_linear<double>(n_, start, beta_max_ / double(n_));
    beta_ = schedule::symmetric<double>(ramp);
    std::vector<double> fwd{0.0}, bwd(size_t(n_) + 1), g2{beta_[0]};
    double acc = 0;
    for (double b : beta_) fwd.push_back(acc += b), g2.push_back(b);
    acc = 0;
    for (long i = n_ - 1; i >= 0; --i) bwd[size_t(i + 1)] = acc += beta_[size_t(i)];
    bwd[0] = acc;  // index −1: all of Σβ lies ahead
    total_ = acc;
    curve<double> B(-1, bwd), G(-1, g2), F(-1, fwd);
    const bridge_config<double> cfg{reversion_target::y, pin_kind::hard, 0, modulation::one};
    bridge_.emplace(make_brownian_process<double>(
                        F, [B](double t) { return B(t); }, [G](double t) { return G(t); }),
                    cfg);
    // The consistent Brownian bridge (D = Σβ): the reference the index offset deviates from.
    const double tot = total_;
    consistent_.emplace(
        make_brownian_process<double>(
            F, [F, tot](double t) { return tot - F(t); }, [G](double t) { return G(t); }),
        cfg);
    domain_ = {true, -1.0, double(n_ - 1)};
    info_ = {
        "i2sb",
        "interval=" + fmt(double(n_)) + " beta_max=" + fmt(beta_max_) +
            (start == 1e-4 ? "" : " linear_start=" + fmt(start)) + (ot_ode_ ? " ot_ode=true" : ""),
        "theta=0, V(0,n)=std_fwd^2, V(n,T)=std_bwd^2 (per-index D), m=y, pin=hard, pi=1",
        ot_ode_ ? "its mean path (ot_ode: no noise, std 0); the bridge's with its per-index D"
                : "exact with its per-index D; vs the consistent Brownian bridge: index offset",
        ot_ode_ ? "p_posterior with ot_ode: the posterior mean (eta=1) without noise"
                : "p_posterior (eq. 4), no noise into index 0"};
  }

  /// ot_ode = true (its `--ot-ode`): q_sample and p_posterior drop their noise, so the marginal
  /// is the bridge's mean (std 0) and a step is the η = 1 posterior mean; any other η is refused.
  marginal_coeffs<double> coeffs(double t) const {
    auto m = bridge_backed::coeffs(t);
    if (ot_ode_) m.std = 0;
    return m;
  }
  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    if (ot_ode_)
      require_parameter(eta == 1, "eta", eta, "1 with ot_ode=true (the posterior mean, no noise)");
    auto s = bridge_->step(to, from, eta);
    if (to == 0 || ot_ode_) s.c_z = 0;  // the official sampler adds no noise into index 0
    return s;
  }
  std::vector<double> default_grid(long nfe) const {
    require_parameter(nfe >= 1, "steps", nfe, ">= 1");
    auto g = i2sb_space_indices(n_, nfe + 1);
    return {g.rbegin(), g.rend()};
  }
  /// The official sampler starts from y exactly, without noise.
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 1.0, 0.0};
  }
  marginal_coeffs<double> reference_coeffs(double t) const {
    domain().require(t, "t");
    return consistent_->marginal(t);
  }
  step_coeffs<double> reference_step(double from, double to, double eta) const {
    domain().require_step(from, to);
    return consistent_->step(to, from, eta);
  }
  const std::vector<double>& betas() const { return beta_; }

 private:
  long n_ = 1000;
  double beta_max_ = 0.3, total_ = 0;
  bool ot_ode_ = false;
  std::vector<double> beta_;
  std::optional<bridge_type> consistent_;
};

}  // namespace diffbridge::presets
