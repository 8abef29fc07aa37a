// The generalised diffusion bridge (generalised-bridge.md, docs/generalised-bridge.md):
// the base process of process.hpp towards a reversion target m ∈ {0, y}, conditioned
// on its end point (hard pin, soft pin with penalty γ, or none), noise modulated by π.
// Every closed form below is in the notation
//   a = θ̄(t) − θ̄(t0),  b = θ̄(T) − θ̄(t),  V0 = V(t0, t),  Ve = V(t, T) + γ⁻¹,
//   D = e^{−2b}·V0 + Ve   (= V(t0,T) + γ⁻¹ by composition; I2SB's per-index D otherwise).
#pragma once

#include <cmath>
#include <concepts>

#include "diffbridge/bridge/process.hpp"
#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/modulation.hpp"

namespace diffbridge {

enum class reversion_target { zero, y };
enum class pin_kind { none, hard, soft };

template <std::floating_point Real = double>
struct bridge_config {
  reversion_target target = reversion_target::y;
  pin_kind pin = pin_kind::hard;
  Real gamma_inv = 0;  ///< 1/γ of the soft pin (UniDB); 0 with a hard pin
  modulation pi = modulation::one;
};

/// q(x_s | x_t, x0, y) = N(k·x_t + c_x0·x0 + c_y·y, var·π²)
template <class Real = double>
struct posterior_coeffs {
  Real k{}, c_x0{}, c_y{}, var{};
};

/// A drift linear in (x, x̂0, y): c_x·x + c_x0·x̂0 + c_y·y.
template <class Real = double>
struct drift_coeffs {
  Real c_x{}, c_x0{}, c_y{};
};

template <bridge_process Process>
class generalised_bridge {
 public:
  using real_type = typename Process::real_type;
  using Real = real_type;
  using config_type = bridge_config<Real>;

  generalised_bridge(Process p, config_type cfg) : p_(std::move(p)), cfg_(cfg) {
    if (cfg_.pin == pin_kind::soft)
      require_parameter(cfg_.gamma_inv > 0 && std::isfinite(cfg_.gamma_inv), "gamma_inv",
                        cfg_.gamma_inv, "finite and > 0 for a soft pin");
    if (cfg_.pin == pin_kind::hard)
      require_parameter(cfg_.gamma_inv == 0, "gamma_inv", cfg_.gamma_inv, "0 for a hard pin");
  }

  const Process& process() const noexcept { return p_; }
  const config_type& config() const noexcept { return cfg_; }
  Real first() const { return p_.first(); }
  Real last() const { return p_.last(); }

  /// Forward marginal x_t = c_x0·x0 + c_y·y + std·(π ⊙ ε)  (§2).
  marginal_coeffs<Real> marginal(Real t) const { return transition(p_.first(), t); }

  /// Transition q(x_t | x_s, y): x_t = c_x0·x_s + c_y·y + std·(π ⊙ ε)  (§2 with t0 → s).
  marginal_coeffs<Real> transition(Real s, Real t) const {
    order(s, t, true);
    const Real a = p_.log_decay(s, t);
    const Real V0 = p_.variance(s, t);
    const bool to_y = cfg_.target == reversion_target::y;
    if (cfg_.pin == pin_kind::none) {
      const Real A = std::exp(-a);
      return {A, to_y ? math::one_minus_exp(a) : Real(0), std::sqrt(V0)};
    }
    const Real b = p_.log_decay_to_end(t);
    const Real Ve = p_.variance_to_end(t) + cfg_.gamma_inv;
    const Real e2b = std::exp(-2 * b);
    const Real D = e2b * V0 + Ve;
    if (D == 0) throw invalid_time(detail::concat("t = ", t, ": the bridge is degenerate (D = 0)"));
    const Real A = std::exp(-a) * Ve / D;
    // m = y: c_y = 1 − A = (e^{−2b}V0 + (1 − e^{−a})Ve)/D, free of cancellation.
    const Real cy = to_y ? (e2b * V0 + math::one_minus_exp(a) * Ve) / D : std::exp(-b) * V0 / D;
    return {A, cy, std::sqrt(V0 * (Ve / D))};  // Ve/D ≤ 1: no product of two variances
  }

  /// Markov posterior q(x_s | x_t, x0, y), s < t (§3): the unconditioned process
  /// bridged between (t0, x0) and (t, x_t); the pin does not enter.
  posterior_coeffs<Real> posterior(Real s, Real t) const {
    order(s, t, false);
    const Real t0 = p_.first();
    const Real V0s = p_.variance(t0, s), Vst = p_.variance(s, t), V0t = p_.variance(t0, t);
    if (V0t == 0) throw invalid_time(detail::concat("t = ", t, ": no noise between t0 and t"));
    const Real ast = p_.log_decay(s, t), a0s = p_.log_decay(t0, s);
    const Real k = std::exp(-ast) * V0s / V0t;
    const Real c0 = std::exp(-a0s) * Vst / V0t;
    // m = y: c_y = 1 − k − c0 = (Vst·(1 − e^{−a0s}) − e^{−ast}·V0s·(1 − e^{−ast}))/V0t by
    // V0t = e^{−2ast}·V0s + Vst: no cancellation of O(1) terms, exactly 0 when θ = 0
    const Real cy =
        cfg_.target == reversion_target::y
            ? (Vst * math::one_minus_exp(a0s) - std::exp(-ast) * V0s * math::one_minus_exp(ast)) /
                  V0t
            : Real(0);
    return {k, c0, cy, V0s * (Vst / V0t)};
  }

  /// The implicit step family (§4) from t to s < t with ω = η·ω_M:
  ///   x_s = a_s x̂0 + b_s y + sqrt(c_s² − ω²)·ε̂ + ω·(π̂ ⊙ z),  ε̂ = (x_t − a_t x̂0 − b_t y)/c_t.
  /// η = 0: RDBM Eq. 19 / DDIM / DBIM η = 0; η = 1: the posterior above, exactly.
  /// Uses c_s² − ω_M² = k_post²·c_t² so no cancellation occurs as η → 1.
  step_coeffs<Real> step(Real s, Real t, Real eta) const {
    require_parameter(eta >= 0 && eta <= 1, "eta", eta, "in [0, 1]");
    const auto ms = marginal(s);
    const auto mt = marginal(t);
    const auto post = posterior(s, t);
    const Real omega = eta * std::sqrt(post.var);
    if (mt.std == 0) return {Real(0), ms.c_x0, ms.c_y, omega};  // pinned end: ε̂ undefined
    // k² = k_post² + (1 − η²)·ω_M²/c_t²; k − k_post = (k² − k_post²)/(k + k_post) is formed
    // without cancellation, so p and q keep their relative precision as s → t (where they are
    // O(t − s) differences of O(1) terms)
    const Real extra = (1 - eta) * (1 + eta) * ((post.var / mt.std) / mt.std);
    const Real k = std::sqrt(post.k * post.k + extra);
    const Real dk = k + post.k > 0 ? extra / (k + post.k) : Real(0);
    return {k, post.c_x0 - dk * mt.c_x0, post.c_y - dk * mt.c_y, omega};
  }

  /// Forward drift of the conditioned process (§5): f(x, t) = c_x·x + c_y·y.
  drift_coeffs<Real> forward_drift(Real t) const {
    const Real th = p_.theta(t);
    const bool to_y = cfg_.target == reversion_target::y;
    if (cfg_.pin == pin_kind::none) return {-th, Real(0), to_y ? th : Real(0)};
    const Real Ve = p_.variance_to_end(t) + cfg_.gamma_inv;
    if (Ve == 0)
      throw invalid_time(detail::concat("t = ", t, ": the drift is singular at the pinned end"));
    const Real phi = std::exp(-p_.log_decay_to_end(t));
    const Real h = p_.g2(t) * phi / Ve;  // Doob h-transform term
    const Real cx = -th - h * phi;
    return {cx, Real(0), to_y ? -cx : h};
  }

  /// π²·∇log p_t(x | y) through a denoiser x̂0: −(x − a_t x̂0 − b_t y)/c_t² (§5).
  drift_coeffs<Real> score(Real t) const {
    const auto m = marginal(t);
    if (m.std == 0)
      throw invalid_time(detail::concat("t = ", t, ": the score is undefined (std = 0)"));
    const Real iv = 1 / (m.std * m.std);
    return {-iv, m.c_x0 * iv, m.c_y * iv};
  }

  /// Reverse-time drift f − w·g²π²∇log p: w = 1 the reverse SDE, w = ½ the PF-ODE.
  drift_coeffs<Real> reverse_drift(Real t, Real w) const {
    const auto f = forward_drift(t);
    const auto sc = score(t);
    const Real g2 = p_.g2(t);
    return {f.c_x - w * g2 * sc.c_x, f.c_x0 - w * g2 * sc.c_x0, f.c_y - w * g2 * sc.c_y};
  }

  /// One Euler–Maruyama step of the reverse SDE from t to s < t:
  ///   x_s = x_t − Δ·drift(x_t) + sqrt(g²Δ)·(|π| ⊙ z),  Δ = t − s.
  step_coeffs<Real> euler_maruyama(Real s, Real t) const {
    order(s, t, false);
    const Real d = t - s;
    const auto r = reverse_drift(t, Real(1));
    return {1 - d * r.c_x, -d * r.c_x0, -d * r.c_y, std::sqrt(p_.g2(t) * d)};
  }

 private:
  void order(Real s, Real t, bool allow_equal) const {
    (void)p_.log_decay(s, t);  // validates both times
    if (!(s < t || (allow_equal && s == t)))
      throw invalid_time(detail::concat("step from ", t, " to ", s,
                                        ": times must satisfy s < t (towards the clean end)"));
  }

  Process p_;
  config_type cfg_;
};

}  // namespace diffbridge
