// The 1-D Wasserstein-2 distance between n samples and an exact law, computed exactly:
//   W2² = ∫_0^1 (F_n⁻¹(q) − Q(q))² dq = Σ_i m_i·[(x_(i) − μ_i)² + v_i],
// x_(i) the sorted samples and (m_i, μ_i, v_i) the mass, mean and variance of the law on
// the quantile slice [(i−1)/n, i/n] (gaussian_mixture::slice). No binning, no sampling of
// the target: the only error is rounding. Also W2 between two equally sized samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/study/gaussian_mixture.hpp"

namespace diffbridge::study {

/// The target's quantile slices for n samples, computed once and reused for many sample sets.
class w2_reference {
 public:
  w2_reference(const gaussian_mixture& target, size_t n) : n_(n) {
    require_parameter(n >= 1, "samples", n, ">= 1");
    std::vector<double> q(n + 1);
    for (size_t i = 0; i <= n; ++i) q[i] = target.quantile(double(i) / double(n));
    for (size_t i = 0; i < n; ++i)
      s_.push_back(target.slice(double(i) / double(n), double(i + 1) / double(n), q[i], q[i + 1]));
  }
  size_t size() const noexcept { return n_; }

  /// W2 to the empirical law of `sorted` (ascending, size n).
  double distance_sorted(std::span<const double> sorted) const {
    if (sorted.size() != n_)
      throw invalid_input(
          diffbridge::detail::concat("w2: ", sorted.size(), " samples, expected ", n_));
    double w = 0;
    for (size_t i = 0; i < n_; ++i) {
      const double d = sorted[i] - s_[i].mean;
      w += s_[i].mass * (d * d + s_[i].var);
    }
    return std::sqrt(w);
  }
  double distance(std::span<const double> samples) const {
    std::vector<double> v(samples.begin(), samples.end());
    for (double x : v)
      if (!std::isfinite(x)) throw invalid_input("w2: a sample is not finite");
    std::sort(v.begin(), v.end());
    return distance_sorted(v);
  }

 private:
  size_t n_;
  std::vector<slice_moments> s_;
};

/// W2 between the empirical law of `samples` and `target`.
inline double wasserstein2(std::span<const double> samples, const gaussian_mixture& target) {
  return w2_reference(target, samples.size()).distance(samples);
}

/// W2 between two empirical laws of the same size: sqrt(mean (a_(i) − b_(i))²).
inline double wasserstein2(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size() || a.empty())
    throw invalid_input("w2: the two samples must be non-empty and of the same size");
  std::vector<double> x(a.begin(), a.end()), y(b.begin(), b.end());
  std::sort(x.begin(), x.end()), std::sort(y.begin(), y.end());
  double w = 0;
  for (size_t i = 0; i < x.size(); ++i) w += (x[i] - y[i]) * (x[i] - y[i]);
  return std::sqrt(w / double(x.size()));
}

}  // namespace diffbridge::study
