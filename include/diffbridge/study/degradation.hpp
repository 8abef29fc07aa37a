// The study's data model, one pixel at a time: a Gaussian-mixture prior for x0 and a known
// degradation y = A·x0 + n, n ~ N(0, σ_n²), or y given exactly. The exact target of a
// bridge sampler for that pixel is the posterior law of x0 given y (Bayes, per component):
//   s'² = s²σ²/(A²s² + σ²),  m' = (mσ² + A s² y)/(A²s² + σ²),  w' ∝ w·N(y; A m, A²s² + σ²).
#pragma once

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/study/gaussian_mixture.hpp"

namespace diffbridge::study {

/// y = scale·x0 + noise_sd·z (per pixel). noise_sd = 0 with scale ≠ 0: y determines x0.
struct degradation {
  double scale = 1;
  double noise_sd = 0;

  void validate() const {
    require_parameter(std::isfinite(scale), "scale", scale, "finite");
    require_parameter(noise_sd >= 0 && std::isfinite(noise_sd), "noise_sd", noise_sd,
                      "finite and >= 0");
  }
  double apply(double x0, double z) const { return scale * x0 + noise_sd * z; }
};

/// One pixel of a study: its degraded value y and the exact law of x0 given y.
struct pixel_problem {
  double y = 0;
  gaussian_mixture target = gaussian_mixture::normal(0, 1);
};

/// The law of x0 given y under `prior` and `d`. A = 0 with σ_n = 0 needs y = 0 (y carries
/// no information); σ_n = 0 with A ≠ 0 gives the atom at y/A; invalid_input if y is
/// impossible under the model.
inline gaussian_mixture posterior(const gaussian_mixture& prior, const degradation& d, double y) {
  d.validate();
  require_parameter(std::isfinite(y), "y", y, "finite");
  const double A = d.scale, v = d.noise_sd * d.noise_sd;
  if (v == 0) {
    if (A != 0) {  // x0 = y/A, possible if a density component or an atom is there
      const double x0 = y / A;
      for (const auto& k : prior.components())
        if (k.sd > 0 || k.mean == x0) return gaussian_mixture::atom(x0);
      throw invalid_input(diffbridge::detail::concat(
          "y = ", y, ": impossible, the prior's atoms do not include y/scale = ", x0));
    }
    if (y != 0)
      throw invalid_input(
          diffbridge::detail::concat("y = ", y, ": impossible when scale = 0 and noise_sd = 0"));
    return prior;
  }
  std::vector<normal_component> out;
  std::vector<double> logw;
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& k : prior.components()) {
    const double s2 = k.sd * k.sd, pv = A * A * s2 + v;  // predictive variance of y
    const double r = y - A * k.mean;
    logw.push_back(std::log(k.weight) - 0.5 * r * r / pv -
                   0.5 * std::log(2 * std::numbers::pi * pv));
    best = std::max(best, logw.back());
    out.push_back({1.0, (k.mean * v + A * s2 * y) / pv, std::sqrt(s2 * v / pv)});
  }
  if (!std::isfinite(best))
    throw invalid_input(diffbridge::detail::concat("y = ", y, ": impossible under the prior"));
  std::vector<normal_component> kept;  // components below e^-745 of the best are dropped
  for (size_t i = 0; i < out.size(); ++i)
    if (const double w = std::exp(logw[i] - best); w > 0)
      kept.push_back({w, out[i].mean, out[i].sd});
  return gaussian_mixture(std::move(kept));
}

inline pixel_problem make_pixel(const gaussian_mixture& prior, const degradation& d, double y) {
  return {y, posterior(prior, d, y)};
}

}  // namespace diffbridge::study
