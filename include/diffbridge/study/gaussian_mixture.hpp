// A 1-D Gaussian mixture Σ_k w_k·N(m_k, s_k²), s_k = 0 an atom at m_k: the law of one pixel
// (data prior, or the exact target x0 | y of a study). Moments, CDF and quantile, and the
// quantile-slice moments that give the exact 1-D Wasserstein distance (wasserstein.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::study {

struct normal_component {
  double weight = 1, mean = 0, sd = 1;  ///< sd = 0: an atom at `mean`
};

namespace detail {
inline double normal_pdf(double z) {
  return std::isinf(z) ? 0.0 : std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
}
/// Φ(z) and its complement 1 − Φ(z) = Φ(−z), each accurate in its own tail.
inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
/// Φ(β) − Φ(α), α ≤ β, without cancellation in either tail.
inline double normal_mass(double al, double be) {
  if (al >= 0) return normal_cdf(-al) - normal_cdf(-be);
  if (be <= 0) return normal_cdf(be) - normal_cdf(al);
  return 1 - normal_cdf(al) - normal_cdf(-be);
}
/// z·φ(z), 0 at ±∞.
inline double z_pdf(double z) { return std::isinf(z) ? 0.0 : z * normal_pdf(z); }
}  // namespace detail

/// Mass, mean and variance of one quantile slice of a distribution.
struct slice_moments {
  double mass = 0, mean = 0, var = 0;
};

class gaussian_mixture {
 public:
  /// Weights > 0 (normalised here), finite means, sd ≥ 0; invalid_parameter otherwise.
  explicit gaussian_mixture(std::vector<normal_component> c) : c_(std::move(c)) {
    require_parameter(!c_.empty(), "components", c_.size(), ">= 1");
    double tot = 0;
    for (const auto& k : c_) {
      require_parameter(k.weight > 0 && std::isfinite(k.weight), "weight", k.weight,
                        "finite and > 0");
      require_parameter(std::isfinite(k.mean), "mean", k.mean, "finite");
      require_parameter(k.sd >= 0 && std::isfinite(k.sd), "sd", k.sd, "finite and >= 0");
      tot += k.weight;
    }
    for (auto& k : c_) k.weight /= tot;
  }
  static gaussian_mixture normal(double mean, double sd) {
    return gaussian_mixture({{1.0, mean, sd}});
  }
  static gaussian_mixture atom(double at) { return gaussian_mixture({{1.0, at, 0.0}}); }

  const std::vector<normal_component>& components() const noexcept { return c_; }
  bool has_atoms() const noexcept {
    return std::any_of(c_.begin(), c_.end(), [](const auto& k) { return k.sd == 0; });
  }

  double mean() const {
    double m = 0;
    for (const auto& k : c_) m += k.weight * k.mean;
    return m;
  }
  /// E[(x − mean)^j], j = 2, 3, 4: Σ w E[(d + s z)^j], d = m_k − mean.
  double central_moment(int j) const {
    require_parameter(j >= 2 && j <= 4, "moment order", j, "2, 3 or 4");
    const double mu = mean();
    double r = 0;
    for (const auto& k : c_) {
      const double d = k.mean - mu, s2 = k.sd * k.sd;
      r += k.weight * (j == 2   ? d * d + s2
                       : j == 3 ? d * d * d + 3 * d * s2
                                : d * d * d * d + 6 * d * d * s2 + 3 * s2 * s2);
    }
    return r;
  }
  double variance() const { return central_moment(2); }

  /// Density of the continuous part (atoms are not densities).
  double pdf(double x) const {
    double p = 0;
    for (const auto& k : c_)
      if (k.sd > 0) p += k.weight * detail::normal_pdf((x - k.mean) / k.sd) / k.sd;
    return p;
  }
  /// P(X ≤ x) (atoms at x included) and P(X > x), each without cancellation in its tail.
  double cdf(double x) const {
    double p = 0;
    for (const auto& k : c_)
      p += k.weight * (k.sd > 0 ? detail::normal_cdf((x - k.mean) / k.sd) : x >= k.mean ? 1 : 0);
    return std::min(p, 1.0);
  }
  double sf(double x) const {
    double p = 0;
    for (const auto& k : c_)
      p += k.weight * (k.sd > 0 ? detail::normal_cdf((k.mean - x) / k.sd) : x < k.mean ? 1 : 0);
    return std::min(p, 1.0);
  }

  /// Q(q) = inf{x : F(x) ≥ q} for q ∈ [0, 1] (±∞ at 0 and 1): safeguarded Newton on F − q
  /// (on the survival function above the median) to a few ulps.
  double quantile(double q) const {
    require_parameter(q >= 0 && q <= 1, "q", q, "in [0, 1]");
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (q == 0) return -inf;
    if (q == 1) return inf;
    double lo = inf, hi = -inf;
    for (const auto& k : c_)
      lo = std::min(lo, k.mean - 40 * k.sd), hi = std::max(hi, k.mean + 40 * k.sd);
    const bool upper = q > 0.5;
    // g(x) increasing, g(x) ≥ 0  ⇔  F(x) ≥ q
    auto g = [&](double x) { return upper ? (1 - q) - sf(x) : cdf(x) - q; };
    if (g(lo) >= 0) return lo;
    double x = 0.5 * (lo + hi);
    for (int it = 0; it < 300; ++it) {
      const double gx = g(x);
      (gx >= 0 ? hi : lo) = x;
      if (hi - lo <= 4e-16 * std::max(std::abs(lo), std::abs(hi))) break;
      const double d = pdf(x);
      double nx = d > 0 ? x - gx / d : 0.5 * (lo + hi);
      if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
      if (std::abs(nx - x) <= 2e-16 * std::abs(x)) return nx;  // Newton has converged
      x = nx;
    }
    return hi;
  }

  /// Mass, mean and variance of the law restricted to the quantile slice [qa, qb]: for
  /// the continuous components the x-interval [Q(qa), Q(qb)], for each atom the part of its
  /// q-interval [F(p⁻), F(p)] inside [qa, qb]. Standardised bounds α = (x − m)/s and
  ///   ∫_α^β φ = Φ(β) − Φ(α),  ∫ zφ = φ(α) − φ(β),  ∫ z²φ = Φ(β) − Φ(α) + αφ(α) − βφ(β).
  slice_moments slice(double qa, double qb, double xa, double xb) const {
    double m0 = 0, m1 = 0;
    struct part {
      double mass, mean, z1, z2, sd;
    };
    std::vector<part> parts;
    parts.reserve(c_.size());
    for (const auto& k : c_) {
      if (k.sd > 0) {
        const double al = (xa - k.mean) / k.sd, be = (xb - k.mean) / k.sd;
        const double M0 = detail::normal_mass(al, be);
        const double Z1 = detail::normal_pdf(al) - detail::normal_pdf(be);
        const double Z2 = M0 + detail::z_pdf(al) - detail::z_pdf(be);
        parts.push_back({k.weight * M0, k.mean, k.weight * Z1, k.weight * Z2, k.sd});
      } else {
        const double Fp = cdf(k.mean), Fm = Fp - atom_mass(k.mean);
        const double over = std::min(qb, Fp) - std::max(qa, Fm);
        if (over > 0) parts.push_back({over * (k.weight / atom_mass(k.mean)), k.mean, 0, 0, 0});
      }
    }
    for (const auto& p : parts) m0 += p.mass, m1 += p.mass * p.mean + p.sd * p.z1;
    if (m0 <= 0) return {0, 0.5 * (xa + xb), 0};
    const double mu = m1 / m0;
    double v = 0;
    for (const auto& p : parts) {
      const double d = p.mean - mu;
      v += d * d * p.mass + 2 * d * p.sd * p.z1 + p.sd * p.sd * p.z2;
    }
    return {m0, mu, std::max(v / m0, 0.0)};
  }

 private:
  double atom_mass(double at) const {
    double w = 0;
    for (const auto& k : c_)
      if (k.sd == 0 && k.mean == at) w += k.weight;
    return w;
  }
  std::vector<normal_component> c_;
};

}  // namespace diffbridge::study
