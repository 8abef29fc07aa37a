// The one-sample Kolmogorov–Smirnov test against an exact continuous law:
//   D = max_i max(i/n − F(x_(i)), F(x_(i)) − (i − 1)/n),
// p-value from Kolmogorov's limit law with Stephens' correction λ = (√n + 0.12 + 0.11/√n)·D:
//   P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}        (λ ≥ 1)
//            = 1 − √(2π)/λ · Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}   (λ < 1, the theta-function form)
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::study {

/// D of the samples against the CDF `F` (a callable double → double).
template <class F>
double ks_statistic(std::span<const double> samples, F&& cdf) {
  require_parameter(!samples.empty(), "samples", samples.size(), ">= 1");
  std::vector<double> x(samples.begin(), samples.end());
  // a NaN would make the sort's order undefined and vanish in max(): D = 0, p = 1
  for (double v : x)
    if (std::isnan(v)) throw invalid_input("ks: a sample is NaN");
  std::sort(x.begin(), x.end());
  const double n = double(x.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, double(i + 1) / n - f, f - double(i) / n});
  }
  return d;
}

/// P(K > λ) of the Kolmogorov distribution.
inline double kolmogorov_sf(double lambda) {
  if (lambda <= 0) return 1;
  const double pi = std::numbers::pi;
  if (lambda < 1) {
    double s = 0;
    for (int k = 1; k <= 20; ++k)
      s += std::exp(-double((2 * k - 1) * (2 * k - 1)) * pi * pi / (8 * lambda * lambda));
    return std::clamp(1 - std::sqrt(2 * pi) / lambda * s, 0.0, 1.0);
  }
  double s = 0;
  for (int k = 1; k <= 100; ++k) s += (k % 2 ? 2 : -2) * std::exp(-2.0 * k * k * lambda * lambda);
  return std::clamp(s, 0.0, 1.0);
}

/// The p-value of D for n samples (Stephens' finite-n correction; accurate for n ≥ 35).
inline double ks_pvalue(double D, size_t n) {
  const double sn = std::sqrt(double(n));
  return kolmogorov_sf((sn + 0.12 + 0.11 / sn) * D);
}

}  // namespace diffbridge::study
