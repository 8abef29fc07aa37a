// Small helpers shared by the core tests.
#pragma once

#include <cmath>
#include <vector>

#include "diffbridge/diffbridge.hpp"

namespace dbt {

using namespace diffbridge;
using bridge_d = generalised_bridge<process<double>>;

/// |a − b| ≤ rel·|b| + abs.
inline bool close(double a, double b, double rel, double abs = 0) {
  return std::abs(a - b) <= rel * std::abs(b) + abs;
}

/// RDBM's cosine θ as a table process (index −1..T−1).
inline process<double> rdbm_process(long T = 100, double lambda = 10.0 / 255) {
  auto theta = schedule::cosine_betas<double>(T);
  auto cum = schedule::cumsum_inclusive<double>(theta);
  const double total = cum.back();
  cum.insert(cum.begin(), 0.0);
  theta.insert(theta.begin(), theta.front());
  curve<double> rate(-1, theta);
  return make_ou_process<double>(curve<double>(-1, cum), total, lambda,
                                 [rate](double t) { return rate(t); });
}

/// A smooth continuous OU with g² = 2λθ: θ(t) = 0.5 + 0.4·sin(t) on [0, T].
inline process<double> smooth_ou(double lambda, double T = 3.0) {
  auto tb = [](double t) { return 0.5 * t + 0.4 * (1 - std::cos(t)); };
  return make_ou_process<double>(curve<double>(tb, 0.0, T), tb(T), lambda,
                                 [](double t) { return 0.5 + 0.4 * std::sin(t); });
}

/// Every kind of bridge the library builds, for identities that must hold for all.
struct named_bridge {
  const char* name;
  bridge_d bridge;
};
inline std::vector<named_bridge> consistent_bridges() {
  using cfg = bridge_config<double>;
  const auto y = reversion_target::y, zero = reversion_target::zero;
  return {
      {"rdbm (table OU, hard pin)", bridge_d(rdbm_process(), cfg{y, pin_kind::hard, 0})},
      {"smooth OU, hard pin", bridge_d(smooth_ou(0.3), cfg{y, pin_kind::hard, 0})},
      {"smooth OU, soft pin", bridge_d(smooth_ou(0.3), cfg{y, pin_kind::soft, 1e-2})},
      {"smooth OU, no pin", bridge_d(smooth_ou(0.3), cfg{y, pin_kind::none, 0})},
      {"VP, target 0, hard pin",
       bridge_d(presets::vp_process(1.0, 0.1, 2.0), cfg{zero, pin_kind::hard, 0})},
      {"VP, target 0, soft pin",
       bridge_d(presets::vp_process(1.0, 0.1, 2.0), cfg{zero, pin_kind::soft, 0.05})},
      {"VE (Brownian), hard pin", bridge_d(presets::ve_process(80.0), cfg{y, pin_kind::hard, 0})},
      {"constant OU theta=0",
       bridge_d(make_constant_ou_process(0.0, 2.0, 1.0), cfg{y, pin_kind::hard, 0})},
  };
}

/// A few interior times s < t of a bridge (avoiding the ends).
inline std::vector<std::pair<double, double>> interior_pairs(const bridge_d& b) {
  const double lo = b.first(), hi = b.last();
  const bool disc = b.process().discrete();
  std::vector<std::pair<double, double>> r;
  for (double fs : {0.1, 0.3, 0.55})
    for (double ft : {0.6, 0.8, 0.97}) {
      double s = lo + fs * (hi - lo), t = lo + ft * (hi - lo);
      if (disc) s = std::round(s), t = std::round(t);
      if (s < t) r.emplace_back(s, t);
    }
  return r;
}

}  // namespace dbt
