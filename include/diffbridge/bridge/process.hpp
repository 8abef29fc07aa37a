// The base process of the generalised bridge (generalised-bridge.md §1): in u = x − m,
//   du = −θ(t)·u dt + g(t)·π ⊙ dW,
// described by θ̄(t) = ∫θ (through log-decays) and the accumulated variance
//   V(s,t) = ∫_s^t φ(r,t)² g(r)² dr,   φ(s,t) = e^{−(θ̄(t) − θ̄(s))}.
// `process` is one concrete type built by the factories below; any user type that
// satisfies `bridge_process` works with `generalised_bridge` too.
#pragma once

#include <cmath>
#include <concepts>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "diffbridge/bridge/curve.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/stable_math.hpp"

namespace diffbridge {

template <class P>
concept bridge_process = requires(const P& p, typename P::real_type t) {
  typename P::real_type;
  { p.first() } -> std::convertible_to<typename P::real_type>;  // clean end t0 (x = x0)
  { p.last() } -> std::convertible_to<typename P::real_type>;   // last valid time
  { p.contains(t) } -> std::convertible_to<bool>;
  { p.log_decay(t, t) } -> std::convertible_to<typename P::real_type>;      // θ̄(t) − θ̄(s)
  { p.variance(t, t) } -> std::convertible_to<typename P::real_type>;       // V(s,t)
  { p.log_decay_to_end(t) } -> std::convertible_to<typename P::real_type>;  // θ̄(T) − θ̄(t)
  { p.variance_to_end(t) } -> std::convertible_to<typename P::real_type>;   // V(t,T)
  { p.theta(t) } -> std::convertible_to<typename P::real_type>;             // rate per unit time
  { p.g2(t) } -> std::convertible_to<typename P::real_type>;                // g² per unit time
};

template <std::floating_point Real = double>
class process {
 public:
  using real_type = Real;
  using fn1 = std::function<Real(Real)>;
  using fn2 = std::function<Real(Real, Real)>;

  struct parts {
    curve<Real> theta_bar;  ///< θ̄(t), its domain is the process's time domain
    fn2 variance;           ///< V(s,t), s ≤ t
    fn1 log_decay_to_end;   ///< θ̄(T) − θ̄(t)
    fn1 variance_to_end;    ///< V(t,T)
    fn1 theta;              ///< θ(t) for drifts
    fn1 g2;                 ///< g²(t) for drifts
    /// Optional: θ̄(t) − θ̄(s) in a form free of cancellation (else the difference of theta_bar,
    /// whose relative error grows like ε·θ̄/(θ̄(t) − θ̄(s)) as s → t)
    fn2 log_decay_between = {};
  };
  explicit process(parts p) : p_(std::make_shared<const parts>(std::move(p))) {}

  Real first() const noexcept { return p_->theta_bar.lo(); }
  Real last() const noexcept { return p_->theta_bar.hi(); }
  bool discrete() const noexcept { return p_->theta_bar.discrete(); }
  bool contains(Real t) const noexcept { return p_->theta_bar.contains(t); }
  Real theta_bar(Real t) const { return p_->theta_bar(t); }
  Real log_decay(Real s, Real t) const {
    if (!p_->log_decay_between) return p_->theta_bar(t) - p_->theta_bar(s);
    return check(s), check(t), p_->log_decay_between(s, t);
  }
  Real variance(Real s, Real t) const {
    check(s), check(t);
    return s == t ? Real(0) : p_->variance(s, t);
  }
  Real log_decay_to_end(Real t) const { return check(t), p_->log_decay_to_end(t); }
  Real variance_to_end(Real t) const { return check(t), p_->variance_to_end(t); }
  Real theta(Real t) const { return check(t), p_->theta(t); }
  Real g2(Real t) const { return check(t), p_->g2(t); }

 private:
  void check(Real t) const { (void)p_->theta_bar(t); }  // throws invalid_time
  std::shared_ptr<const parts> p_;
};

// ---- factories ------------------------------------------------------------------

/// OU with g² = 2λθ (RDBM, GOUB, IR-SDE, UniDB; VP/DDPM with λ = 1):
/// V(s,t) = λ(1 − e^{−2(θ̄t − θ̄s)}). `theta_bar` carries the time domain; the pin time T
/// has θ̄(T) = theta_bar_end. `theta` is the rate per unit of the time variable. `between`,
/// when given, is θ̄(t) − θ̄(s) without cancellation (the pin then at theta_bar's last time).
template <std::floating_point Real = double>
process<Real> make_ou_process(curve<Real> theta_bar, Real theta_bar_end, Real lambda,
                              typename process<Real>::fn1 theta,
                              typename process<Real>::fn2 between = {}) {
  require_parameter(lambda > 0 && std::isfinite(lambda), "lambda", lambda, "finite and > 0");
  curve<Real> tb = theta_bar;
  const Real T = tb.hi();
  auto d = [tb, between](Real s, Real t) { return between ? between(s, t) : tb(t) - tb(s); };
  auto to_end = [tb, between, theta_bar_end, T](Real t) {
    return between ? between(t, T) : theta_bar_end - tb(t);
  };
  return process<Real>({
      std::move(theta_bar),
      [d, lambda](Real s, Real t) { return lambda * math::one_minus_exp(2 * d(s, t)); },
      to_end,
      [to_end, lambda](Real t) { return lambda * math::one_minus_exp(2 * to_end(t)); },
      theta,
      [theta, lambda](Real t) { return 2 * lambda * theta(t); },
      between,
  });
}

/// Constant-coefficient OU on [0, T]: θ ≥ 0 and g² > 0 fixed, continuous at θ = 0
/// (V(s,t) = g²·Δ·(1 − e^{−2θΔ})/(2θΔ)): the θ → 0 Brownian limit without NaN.
template <std::floating_point Real = double>
process<Real> make_constant_ou_process(Real theta, Real g2, Real T) {
  require_parameter(theta >= 0 && std::isfinite(theta), "theta", theta, "finite and >= 0");
  require_parameter(g2 > 0 && std::isfinite(g2), "g2", g2, "finite and > 0");
  require_parameter(T > 0 && std::isfinite(T), "T", T, "finite and > 0");
  auto V = [theta, g2](Real s, Real t) {
    const Real d = t - s;
    return g2 * d * math::one_minus_exp_over(2 * theta * d);
  };
  return process<Real>({
      curve<Real>([theta](Real t) { return theta * t; }, Real(0), T),
      V,
      [theta, T](Real t) { return theta * (T - t); },
      [V, T](Real t) { return V(t, T); },
      [theta](Real) { return theta; },
      [g2](Real) { return g2; },
  });
}

/// Brownian (θ ≡ 0): V(s,t) = S(t) − S(s) with S = V(t0, ·); V(t,T) = `to_end(t)`
/// (I2SB passes its own σ̄² table here, BBDM 2s(1 − m)). `g2` is dS/dt. `increment`, when
/// given, is S(t) − S(s) without cancellation (VE: (t − s)(t + s)).
template <std::floating_point Real = double>
process<Real> make_brownian_process(curve<Real> S, typename process<Real>::fn1 to_end,
                                    typename process<Real>::fn1 g2,
                                    typename process<Real>::fn2 increment = {}) {
  const Real lo = S.lo(), hi = S.hi();
  curve<Real> zero = S.discrete()
                         ? curve<Real>(long(lo), std::vector<Real>(S.table().size(), Real(0)))
                         : curve<Real>([](Real) { return Real(0); }, lo, hi);
  return process<Real>({
      std::move(zero),
      [S, increment](Real s, Real t) { return increment ? increment(s, t) : S(t) - S(s); },
      [](Real) { return Real(0); },
      std::move(to_end),
      [](Real) { return Real(0); },
      std::move(g2),
  });
}

/// A process known through its marginal: θ̄(t) and V0(t) = V(t0, t); the rest by
/// composition V(s,t) = V0(t) − φ(s,t)²·V0(s) (ResShift's marginal, tests).
template <std::floating_point Real = double>
process<Real> make_marginal_process(curve<Real> theta_bar, curve<Real> V0, Real theta_bar_end,
                                    Real V0_end, typename process<Real>::fn1 theta,
                                    typename process<Real>::fn1 g2) {
  curve<Real> tb = theta_bar;
  auto V = [tb, V0](Real s, Real t) { return V0(t) - std::exp(-2 * (tb(t) - tb(s))) * V0(s); };
  return process<Real>({
      std::move(theta_bar),
      V,
      [tb, theta_bar_end](Real t) { return theta_bar_end - tb(t); },
      [tb, V0, theta_bar_end, V0_end](Real t) {
        return V0_end - std::exp(-2 * (theta_bar_end - tb(t))) * V0(t);
      },
      std::move(theta),
      std::move(g2),
  });
}

/// General θ(t), g²(t) on [0, T]: θ̄ and V(s,t) = ∫_s^t e^{−2(θ̄t − θ̄r)} g²(r) dr by
/// Gauss–Legendre quadrature (reference for the closed forms; accuracy ~1e-13 for smooth θ, g²).
template <std::floating_point Real = double>
process<Real> make_quadrature_process(typename process<Real>::fn1 theta,
                                      typename process<Real>::fn1 g2, Real T) {
  require_parameter(T > 0, "T", T, "> 0");
  auto tb = [theta](Real t) { return math::integrate<Real>(theta, Real(0), t); };
  auto V = [tb, g2](Real s, Real t) {
    const Real tbt = tb(t);
    return math::integrate<Real>([&](Real r) { return std::exp(-2 * (tbt - tb(r))) * g2(r); }, s, t,
                                 16);
  };
  const Real tbT = tb(T);
  return process<Real>({
      curve<Real>(tb, Real(0), T),
      V,
      [tb, tbT](Real t) { return tbT - tb(t); },
      [V, T](Real t) { return V(t, T); },
      theta,
      g2,
  });
}

}  // namespace diffbridge
