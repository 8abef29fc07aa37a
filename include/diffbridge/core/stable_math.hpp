// Numerically stable building blocks of the closed forms (generalised-bridge.md §1–2):
// every sinh ratio is written with exponentials and expm1 so that θ → 0, t → 0 and
// t → T stay finite and exact instead of 0/0.
#pragma once

#include <cmath>
#include <concepts>
#include <numbers>

namespace diffbridge::math {

/// 1 − e^{−x}, exact for small x.
template <std::floating_point Real>
Real one_minus_exp(Real x) noexcept {
  return -std::expm1(-x);
}

/// (1 − e^{−x}) / x, continuous at x = 0 (value 1). Used for V(s,t) when θ → 0.
template <std::floating_point Real>
Real one_minus_exp_over(Real x) noexcept {
  if (std::abs(x) < Real(1e-5)) return Real(1) - x / 2 + x * x / 6;  // Taylor, error O(x³)
  return -std::expm1(-x) / x;
}

/// sinh(b)/sinh(a + b) = e^{−a}(1 − e^{−2b})/(1 − e^{−2(a+b)}) for a, b ≥ 0, a + b > 0
/// (RDBM Θ_t with a = θ̄_{0:t}, b = θ̄_{t:T}).
template <std::floating_point Real>
Real sinh_ratio(Real a, Real b) noexcept {
  return std::exp(-a) * std::expm1(-2 * b) / std::expm1(-2 * (a + b));
}

/// 2 sinh(a) sinh(b)/sinh(a + b) = (1 − e^{−2a})(1 − e^{−2b})/(1 − e^{−2(a+b)})
/// (RDBM Σ_t²/λ).
template <std::floating_point Real>
Real sinh_product_ratio(Real a, Real b) noexcept {
  return -std::expm1(-2 * a) * std::expm1(-2 * b) / std::expm1(-2 * (a + b));
}

/// Composite Gauss–Legendre quadrature (5 points per panel) of f on [lo, hi].
template <std::floating_point Real, class F>
Real integrate(F&& f, Real lo, Real hi, int panels = 64) {
  constexpr double x[5] = {0.0, 0.5384693101056831, -0.5384693101056831, 0.9061798459386640,
                           -0.9061798459386640};
  constexpr double w[5] = {0.5688888888888889, 0.4786286704993665, 0.4786286704993665,
                           0.2369268850561891, 0.2369268850561891};
  if (hi == lo) return Real(0);
  const Real h = (hi - lo) / Real(panels);
  Real sum = 0;
  for (int p = 0; p < panels; ++p) {
    const Real mid = lo + (Real(p) + Real(0.5)) * h;
    Real panel = 0;
    for (int i = 0; i < 5; ++i) panel += Real(w[i]) * f(mid + Real(x[i]) * h / 2);
    sum += panel * h / 2;
  }
  return sum;
}

}  // namespace diffbridge::math
