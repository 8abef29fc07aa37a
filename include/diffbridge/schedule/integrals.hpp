// Cumulative integrals θ̄ in the two discrete conventions of the originals and the
// continuous closed forms.
#pragma once

#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::schedule {

/// RDBM: θ̄_i = Σ_{k≤i} θ_k (index i includes θ_0; `torch.cumsum`).
template <std::floating_point Real = double>
std::vector<Real> cumsum_inclusive(std::span<const Real> theta) {
  std::vector<Real> r(theta.size());
  Real acc = 0;
  for (size_t i = 0; i < theta.size(); ++i) r[i] = acc += theta[i];
  return r;
}

/// IR-SDE / GOUB: θ̄_i = dt·Σ_{k=1..i} θ_k (θ_0 unused, θ̄_0 = 0; `cumsum − θ_0`).
template <std::floating_point Real = double>
std::vector<Real> cumsum_exclusive_scaled(std::span<const Real> theta, Real dt) {
  std::vector<Real> r(theta.size());
  Real acc = 0;
  for (size_t i = 0; i < theta.size(); ++i) {
    if (i > 0) acc += theta[i];
    r[i] = acc * dt;
  }
  return r;
}

/// IR-SDE's time step: e^{−θ̄_T} = eps ⇒ dt = −ln(eps)/Σ_{k=1..T} θ_k.
template <std::floating_point Real = double>
Real irsde_dt(std::span<const Real> theta, Real eps) {
  require_parameter(eps > 0 && eps < 1, "eps", eps, "in (0, 1)");
  Real s = 0;
  for (size_t i = 1; i < theta.size(); ++i) s += theta[i];
  require_parameter(s > 0, "sum(theta[1:])", s, "> 0");
  return -std::log(eps) / s;
}

/// θ(t) = (β_min + β_d·t)/2 (VP: θ = β/2): θ̄(t) = β_min·t/2 + β_d·t²/4.
template <std::floating_point Real = double>
constexpr Real linear_rate_integral(Real t, Real beta_min, Real beta_d) noexcept {
  return beta_min * t / 2 + beta_d * t * t / 4;
}

}  // namespace diffbridge::schedule
