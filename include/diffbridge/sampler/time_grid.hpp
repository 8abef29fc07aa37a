// Time grids of the samplers. A grid lists times from the noisy end to the clean end;
// consecutive entries are the (from, to) pairs of the steps.
#pragma once

#include <cmath>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::grid {

/// RDBM's code: torch.linspace(−1, T−1, S+1) (float32, on the CPU), .int() (truncation toward
/// zero), reversed; T = 100, S = 10: 99, 89, ..., 9, −1. The float32 values are not the exact
/// −1 + i·T/S: where that is an integer torch can land just below it and .int() gives one less
/// (T = 100, S = 85: 78 and 58, not 79 and 59). This is torch's CPU kernel as dispatched for
/// AVX2, its usual choice on x86-64: step = (end − start)/S; element i is fma(step, i, start) in
/// the first half (i < ⌊(S+1)/2⌋), fma(−step, S − i, end) in the second; pairs of 8-wide vectors
/// fill the grid from the start while 16 elements remain — lane j of the vector at i is
/// (value at i) + j·step, product rounded then added — and the tail is element-wise. Checked
/// against torch 1.13 on 289 grids (tests/golden/rdbm_grids.csv). Torch's plain and AVX-512
/// kernels give other grids for 2.7% and 4.6% of (T ≤ 300, S); at T = 100 only AVX-512, at S = 55.
inline std::vector<double> rdbm(long T, long S) {
  require_parameter(T >= 1 && T <= (1L << 24), "T", T, "in [1, 2^24]");
  require_parameter(S >= 1 && S <= T, "steps", S, "in [1, T]");
  const long n = S + 1, half = n / 2, width = 8;
  const float start = -1.0f, end = float(T - 1), step = (end - start) / float(n - 1);
  const auto at = [&](long i) {
    return i < half ? std::fma(step, float(i), start) : std::fma(-step, float(n - 1 - i), end);
  };
  // a product rounded on its own: a volatile store, so that a compiler contracting a·b + c into
  // an fma (GNU dialects, -ffp-contract=fast) cannot fuse it with the add after it
  const auto product = [](float a, float b) {
    volatile float r = a * b;
    return float(r);
  };
  std::vector<float> v(static_cast<size_t>(n));
  long i = 0;
  for (; i + 2 * width <= n; i += 2 * width)
    for (long b = i; b < i + 2 * width; b += width) {
      const float base = at(b);
      for (long j = 0; j < width; ++j) v[size_t(b + j)] = base + product(float(j), step);
    }
  for (; i < n; ++i) v[size_t(i)] = at(i);
  std::vector<double> g(static_cast<size_t>(n));
  for (long k = 0; k < n; ++k) g[size_t(n - 1 - k)] = std::trunc(double(v[size_t(k)]));
  return g;
}

/// n + 1 equally spaced times from `hi` down to `lo`.
inline std::vector<double> uniform(double hi, double lo, long n) {
  require_parameter(n >= 1, "steps", n, ">= 1");
  require_parameter(hi > lo, "t_max", hi, "> t_min");
  std::vector<double> g(size_t(n + 1));
  for (long i = 0; i <= n; ++i) g[size_t(i)] = hi + double(i) * (lo - hi) / double(n);
  g[size_t(n)] = lo;
  return g;
}

/// Karras et al. (EDM): t_i = (hi^{1/ρ} + i/(n−1)(lo^{1/ρ} − hi^{1/ρ}))^ρ, i = 0..n−1,
/// optionally followed by 0 (DDBM's `get_sigmas_karras`).
inline std::vector<double> karras(double hi, double lo, long n, double rho, bool append_zero) {
  require_parameter(n >= 2, "steps", n, ">= 2");
  require_parameter(lo > 0 && hi > lo, "t_min", lo, "in (0, t_max)");
  require_parameter(rho > 0, "rho", rho, "> 0");
  std::vector<double> g;
  const double a = std::pow(hi, 1 / rho), b = std::pow(lo, 1 / rho);
  for (long i = 0; i < n; ++i) g.push_back(std::pow(a + double(i) / double(n - 1) * (b - a), rho));
  if (append_zero) g.push_back(0);
  return g;
}

/// Validates a custom grid: at least two times, strictly decreasing (towards the clean
/// end, hence no duplicates), inside [lo, hi], integers when `discrete`.
inline void validate(std::span<const double> g, double lo, double hi, bool discrete) {
  require_parameter(g.size() >= 2, "grid length", g.size(), ">= 2");
  for (size_t i = 0; i < g.size(); ++i) {
    const double t = g[i];
    if (!(t >= lo && t <= hi) || (discrete && t != std::floor(t)))
      throw invalid_time(detail::concat("grid time ", t, ": must be ",
                                        discrete ? "an integer index in [" : "in [", lo, ", ", hi,
                                        "]"));
    if (i > 0 && !(t < g[i - 1]))
      throw invalid_time(detail::concat("grid times ", g[i - 1], ", ", t,
                                        ": must be strictly decreasing (no duplicates)"));
  }
}

}  // namespace diffbridge::grid
