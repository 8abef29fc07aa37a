// SDE/ODE samplers on the generalised bridge's reverse drifts (generalised-bridge.md §5),
// generic over the state type (a scalar for studies; any type with + and scalar ·).
// The denoiser is a callable x̂0 = D(x, t).
#pragma once

#include <span>

#include "diffbridge/bridge/generalised_bridge.hpp"
#include "diffbridge/sampler/time_grid.hpp"

namespace diffbridge {

/// d(x, t) = c_x·x + c_x0·D(x, t) + c_y·y with the reverse drift at weight w.
template <class Bridge, class State, class Denoiser>
State reverse_drift_value(const Bridge& br, typename Bridge::real_type t,
                          typename Bridge::real_type w, const State& x, const State& y,
                          Denoiser& D) {
  const auto r = br.reverse_drift(t, w);
  return r.c_x * x + r.c_x0 * D(x, t) + r.c_y * y;
}

/// Heun (2nd order) on the probability-flow ODE along `grid` (decreasing times); the last
/// step into the clean end, where the score is undefined, is an Euler step (as DDBM's).
template <class Bridge, class State, class Denoiser>
State heun_pf_ode(const Bridge& br, std::span<const double> grid, State x, const State& y,
                  Denoiser&& D) {
  using Real = typename Bridge::real_type;
  grid::validate(grid, double(br.first()), double(br.last()), false);
  for (size_t i = 0; i + 1 < grid.size(); ++i) {
    const Real t = Real(grid[i]), s = Real(grid[i + 1]), h = t - s;
    const State d = reverse_drift_value(br, t, Real(0.5), x, y, D);
    const State xe = x - h * d;
    if (s == br.first()) {
      x = xe;
      continue;
    }
    const State d2 = reverse_drift_value(br, s, Real(0.5), xe, y, D);
    x = x - (h / 2) * (d + d2);
  }
  return x;
}

/// Euler–Maruyama on the reverse SDE along `grid`; `noise(i)` returns the i-th standard
/// normal draw scaled as the state (π ⊙ z for modulated bridges).
template <class Bridge, class State, class Denoiser, class Noise>
State euler_maruyama_sde(const Bridge& br, std::span<const double> grid, State x, const State& y,
                         Denoiser&& D, Noise&& noise) {
  using Real = typename Bridge::real_type;
  grid::validate(grid, double(br.first()), double(br.last()), false);
  for (size_t i = 0; i + 1 < grid.size(); ++i) {
    const Real t = Real(grid[i]), s = Real(grid[i + 1]);
    const auto c = br.euler_maruyama(s, t);
    x = c.c_xt * x + c.c_x0 * D(x, t) + c.c_y * y + c.c_z * noise(i);
  }
  return x;
}

}  // namespace diffbridge
