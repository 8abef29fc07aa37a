// Time grids of the samplers. A grid lists times from the noisy end to the clean end;
// consecutive entries are the (from, to) pairs of the steps.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/sampler/torch_ranges.hpp"

namespace diffbridge::grid {

/// RDBM's code: torch.linspace(−1, T−1, S+1) (float32, on the CPU), .int() (truncation toward
/// zero), reversed; T = 100, S = 10: 99, 89, ..., 9, −1. Where −1 + i·T/S is an integer the
/// float32 value can lie just below it (torch_ranges.hpp): T = 100, S = 85 has 78 and 58, not
/// 79 and 59. Torch's plain and AVX-512 kernels give other grids for 2.7% and 4.6% of
/// (T ≤ 300, S); at T = 100 only AVX-512, at S = 55.
inline std::vector<double> rdbm(long T, long S) {
  require_parameter(T >= 1 && T <= (1L << 24), "T", T, "in [1, 2^24]");
  require_parameter(S >= 1 && S <= T, "steps", S, "in [1, T]");
  const auto v = torch_linspace(-1.0f, float(T - 1), S + 1);
  std::vector<double> g(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) g[v.size() - 1 - k] = std::trunc(double(v[k]));
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
/// n = 1 is the ramp linspace(0, 1, 1) = [0]: the single time `hi` (then 0), as DDBM runs it.
inline std::vector<double> karras(double hi, double lo, long n, double rho, bool append_zero) {
  require_parameter(n >= (append_zero ? 1 : 2), "steps", n, append_zero ? ">= 1" : ">= 2");
  require_parameter(lo > 0 && hi > lo, "t_min", lo, "in (0, t_max)");
  require_parameter(rho > 0, "rho", rho, "> 0");
  std::vector<double> g;
  const double a = std::pow(hi, 1 / rho), b = std::pow(lo, 1 / rho);
  for (long i = 0; i < n; ++i) {
    const double ramp = n == 1 ? 0.0 : double(i) / double(n - 1);
    g.push_back(std::pow(a + ramp * (b - a), rho));
  }
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
