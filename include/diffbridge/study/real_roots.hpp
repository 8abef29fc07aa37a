// All real roots of a real polynomial of low degree, by recursive monotone bracketing: the
// roots of p' split the line into intervals on which p is monotone, so each sign change
// holds exactly one root, found by safeguarded Newton. Roots lie in |x| ≤ 2·max_k
// |c_{n−k}/c_n|^{1/k} (Fujiwara's bound, with c_0/2 for k = n). Used for the stationary points of
// the residual-π integrand (a quartic). Fixed-size storage, no allocation: it runs once per pixel
// and oracle call.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace diffbridge::study {

/// Up to N real roots, ascending.
template <size_t N>
struct root_list {
  std::array<double, N> x{};
  size_t n = 0;
  const double* begin() const noexcept { return x.data(); }
  const double* end() const noexcept { return x.data() + n; }
};

/// p(x) = Σ c[i]·x^i by Horner's rule.
template <size_t M>
double polynomial_value(const std::array<double, M>& c, size_t deg, double x) {
  double r = 0;
  for (size_t i = deg + 1; i-- > 0;) r = r * x + c[i];
  return r;
}

/// The real roots of Σ_{i ≤ deg} c[i]·x^i (deg ≤ N, c[deg] ≠ 0 unless the polynomial is
/// zero up to a lower degree, which is then used), each multiple root once.
template <size_t N>
root_list<N> real_roots(const std::array<double, N + 1>& c, size_t deg = N) {
  deg = std::min(deg, N);
  while (deg > 0 && c[deg] == 0) --deg;
  root_list<N> out;
  if (deg == 0) return out;
  if (deg == 1) {
    out.x[out.n++] = -c[0] / c[1];
    return out;
  }
  std::array<double, N + 1> dc{};
  for (size_t i = 1; i <= deg; ++i) dc[i - 1] = double(i) * c[i];
  if constexpr (N >= 2) {
    if (deg == 2) {  // closed form, without cancellation
      const double A = c[2], B = c[1], C = c[0], disc = B * B - 4 * A * C;
      if (disc < 0) return out;
      const double q = -0.5 * (B + (B < 0 ? -1 : 1) * std::sqrt(disc));
      double r1 = q / A, r2 = q != 0 ? C / q : r1;
      if (r1 > r2) std::swap(r1, r2);
      out.x[out.n++] = r1;
      if (r2 != r1) out.x[out.n++] = r2;
      return out;
    }
  }
  double bound = 0;
  for (size_t k = 1; k <= deg; ++k) {
    const double v = std::abs(c[deg - k] / c[deg]) / (k == deg ? 2.0 : 1.0);
    bound = std::max(bound, std::pow(v, 1.0 / double(k)));
  }
  bound = 2 * bound * (1 + 1e-12) + 1e-300;
  std::array<double, N + 1> pts{};
  size_t np = 0;
  pts[np++] = -bound;
  if constexpr (N >= 2) {
    std::array<double, N> dcut{};
    std::copy_n(dc.begin(), N, dcut.begin());
    for (double r : real_roots<N - 1>(dcut, deg - 1))
      if (r > -bound && r < bound) pts[np++] = r;
  }
  pts[np++] = bound;

  auto add = [&](double r) {
    if (out.n == 0 || r != out.x[out.n - 1]) out.x[out.n++] = r;
  };
  for (size_t i = 0; i + 1 < np && out.n < N; ++i) {
    double lo = pts[i], hi = pts[i + 1];
    const double plo = polynomial_value(c, deg, lo), phi = polynomial_value(c, deg, hi);
    if (plo == 0) {
      add(lo);
      continue;
    }
    if (phi == 0 || (plo < 0) == (phi < 0)) continue;  // phi == 0: found as the next `lo`
    double x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; ++it) {
      const double px = polynomial_value(c, deg, x);
      if (px == 0) break;
      ((px < 0) == (plo < 0) ? lo : hi) = x;
      const double d = polynomial_value(dc, deg - 1, x);
      double nx = d != 0 ? x - px / d : 0.5 * (lo + hi);
      if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
      const bool done = std::abs(nx - x) <= 1e-13 * std::abs(x) || hi - lo <= 4e-16 * std::abs(x);
      x = nx;
      if (done) break;
    }
    add(x);
  }
  return out;
}

}  // namespace diffbridge::study
