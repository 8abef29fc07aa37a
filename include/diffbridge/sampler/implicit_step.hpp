// The implicit step family on any pair of marginals (generalised-bridge.md §4), for
// originals whose marginals are not those of a consistent generalised bridge
// (UniDB's official variance, DBIM's I2SB schedule, ResShift, BBDM's η quirk).
#pragma once

#include <cmath>

#include "diffbridge/core/coefficients.hpp"

namespace diffbridge {

/// x_s = a_s x̂0 + b_s y + sqrt(c_s² − ω²)·ε̂ + ω·z, ε̂ = (x_t − a_t x̂0 − b_t y)/c_t,
/// given k·c_t = sqrt(c_s² − ω²) precomputed by the caller (`kct2` = k²c_t² ≥ 0).
template <class Real>
step_coeffs<Real> implicit_step_from(const marginal_coeffs<Real>& ms,
                                     const marginal_coeffs<Real>& mt, Real kct2, Real omega) {
  if (mt.std == 0) return {Real(0), ms.c_x0, ms.c_y, omega};
  const Real k = std::sqrt(kct2 > 0 ? kct2 : Real(0)) / mt.std;
  return {k, ms.c_x0 - k * mt.c_x0, ms.c_y - k * mt.c_y, omega};
}

/// The family with ω given: k = sqrt(max(c_s² − ω², 0))/c_t.
template <class Real>
step_coeffs<Real> implicit_step(const marginal_coeffs<Real>& ms, const marginal_coeffs<Real>& mt,
                                Real omega) {
  return implicit_step_from(ms, mt, ms.std * ms.std - omega * omega, omega);
}

/// ω_M² of the posterior implied by two Gaussian marginals under the linear transition
/// x_t = (a_t/a_s)·x_s + ... (GOUB's r_mean_1 / r_sigma_1 with t − 1 → s):
///   ω_M² = c_s²·(c_t² − c_s²·r²)/c_t²,  r = a_t/a_s.
template <class Real>
Real marginal_posterior_variance(const marginal_coeffs<Real>& ms, const marginal_coeffs<Real>& mt) {
  if (mt.std == 0) return ms.std * ms.std;
  const Real r = mt.c_x0 / ms.c_x0;
  const Real v = ms.std * ms.std * (mt.std * mt.std - ms.std * ms.std * r * r) / (mt.std * mt.std);
  return v > 0 ? v : Real(0);
}

}  // namespace diffbridge
