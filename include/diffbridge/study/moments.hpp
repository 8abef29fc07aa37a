// Sample moments of a study (two-pass, so no cancellation) and their standard errors under
// the exact law: se(mean) = sqrt(Var/n), se(var) ≈ sqrt((μ4 − σ⁴)/n) (the delta method).
#pragma once

#include <cmath>
#include <span>

#include "diffbridge/core/error.hpp"
#include "diffbridge/study/gaussian_mixture.hpp"

namespace diffbridge::study {

struct sample_moments {
  double mean = 0;
  double variance = 0;  ///< unbiased (n − 1)
  size_t n = 0;
};

inline sample_moments moments(std::span<const double> x) {
  require_parameter(x.size() >= 2, "samples", x.size(), ">= 2");
  double m = 0;
  for (double v : x) {
    if (!std::isfinite(v)) throw invalid_input("moments: a sample is not finite");
    m += v;
  }
  m /= double(x.size());
  double s = 0, c = 0;
  for (double v : x) s += (v - m) * (v - m), c += v - m;
  return {m, (s - c * c / double(x.size())) / double(x.size() - 1), x.size()};
}

/// Standard errors of the sample mean and variance of n draws from `law`.
inline double mean_standard_error(const gaussian_mixture& law, size_t n) {
  return std::sqrt(law.variance() / double(n));
}
inline double variance_standard_error(const gaussian_mixture& law, size_t n) {
  const double v = law.variance();
  return std::sqrt(std::max(law.central_moment(4) - v * v, 0.0) / double(n));
}

}  // namespace diffbridge::study
