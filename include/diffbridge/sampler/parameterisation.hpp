// Conversions between the network parameterisations, elementwise on any value type
// (double, float, Eigen arrays, ...), given the marginal x_t = a·x0 + b·y + c·(π ⊙ ε):
//   x̂0  ↔  πε = (x_t − a·x̂0 − b·y)/c   (RDBM's N̂, the "noise" of Eq. 19)
//   score: π²∇log p = −(x_t − a·x̂0 − b·y)/c²  (generalised-bridge.md §5)
#pragma once

#include "diffbridge/core/coefficients.hpp"

namespace diffbridge {

/// πε implied by x̂0 (undefined where c = 0).
template <class Real, class V>
auto pi_eps_from_x0(const marginal_coeffs<Real>& m, const V& xt, const V& x0, const V& y) {
  return (xt - m.c_x0 * x0 - m.c_y * y) * (Real(1) / m.std);
}

/// x̂0 implied by a prediction of πε (undefined where a = 0, e.g. RDBM's pinned end).
template <class Real, class V>
auto x0_from_pi_eps(const marginal_coeffs<Real>& m, const V& xt, const V& y, const V& pe) {
  return (xt - m.c_y * y - m.std * pe) * (Real(1) / m.c_x0);
}

/// x̂0 from ε and the modulation π (πε = π·ε).
template <class Real, class V>
auto x0_from_eps(const marginal_coeffs<Real>& m, const V& xt, const V& y, const V& eps,
                 const V& pi) {
  return x0_from_pi_eps(m, xt, y, V(pi * eps));
}

/// π²·score from x̂0.
template <class Real, class V>
auto pi2_score_from_x0(const marginal_coeffs<Real>& m, const V& xt, const V& x0, const V& y) {
  return (xt - m.c_x0 * x0 - m.c_y * y) * (Real(-1) / (m.std * m.std));
}

/// x̂0 from π²·score.
template <class Real, class V>
auto x0_from_pi2_score(const marginal_coeffs<Real>& m, const V& xt, const V& y, const V& s) {
  return (xt - m.c_y * y + (m.std * m.std) * s) * (Real(1) / m.c_x0);
}

}  // namespace diffbridge
