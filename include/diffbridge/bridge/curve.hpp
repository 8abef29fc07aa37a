// A scalar function of a bridge's time variable: a table on consecutive integer
// indices (discrete models) or a closed form on an interval (continuous models).
#pragma once

#include <cmath>
#include <concepts>
#include <functional>
#include <utility>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge {

template <std::floating_point Real = double>
class curve {
 public:
  curve() = default;
  /// Table: value[i] is the value at index `first + i`.
  curve(long first, std::vector<Real> values) : first_(first), table_(std::move(values)) {
    require_parameter(!table_.empty(), "table length", table_.size(), ">= 1");
  }
  /// Closed form on [lo, hi].
  curve(std::function<Real(Real)> f, Real lo, Real hi) : fn_(std::move(f)), lo_(lo), hi_(hi) {}

  bool discrete() const noexcept { return !table_.empty(); }
  Real lo() const noexcept { return discrete() ? Real(first_) : lo_; }
  Real hi() const noexcept { return discrete() ? Real(first_ + long(table_.size()) - 1) : hi_; }

  bool contains(Real t) const noexcept {
    if (!(t >= lo() && t <= hi())) return false;  // also rejects NaN
    return !discrete() || t == std::floor(t);
  }
  Real operator()(Real t) const {
    if (!contains(t))
      throw invalid_time(detail::concat("t = ", t, ": must be ",
                                        discrete() ? "an integer index in [" : "in [", lo(), ", ",
                                        hi(), "]"));
    if (discrete()) return table_[size_t(long(t) - first_)];
    return fn_(t);
  }
  const std::vector<Real>& table() const noexcept { return table_; }

 private:
  long first_ = 0;
  std::vector<Real> table_;
  std::function<Real(Real)> fn_;
  Real lo_ = 0, hi_ = 0;
};

}  // namespace diffbridge
