// θ_t / β_t schedules of the originals, computed in double (or any Real).
// Each returns the per-step array exactly as the official code builds it.
#pragma once

#include <cmath>
#include <concepts>
#include <numbers>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::schedule {

namespace detail {
inline void require_steps(long n, const char* name = "T") {
  require_parameter(n >= 1, name, n, "an integer >= 1");
}
}  // namespace detail

/// Improved-DDPM cosine (Nichol & Dhariwal): ᾱ(u) = cos²((u + s)/(1 + s)·π/2),
/// β_i = min(1 − ᾱ((i+1)/T)/ᾱ(i/T), max_beta), i = 0..T−1 (`betas_for_alpha_bar`).
template <std::floating_point Real = double>
std::vector<Real> cosine_betas(long T, Real s = Real(0.008), Real max_beta = Real(0.999)) {
  detail::require_steps(T);
  require_parameter(s >= 0, "s", s, ">= 0");
  require_parameter(max_beta > 0 && max_beta <= 1, "max_beta", max_beta, "in (0, 1]");
  auto alpha_bar = [s](Real u) {
    const Real c = std::cos((u + s) / (1 + s) * std::numbers::pi_v<Real> / 2);
    return c * c;
  };
  std::vector<Real> beta(static_cast<size_t>(T));
  for (long i = 0; i < T; ++i) {
    const Real t1 = Real(i) / Real(T), t2 = Real(i + 1) / Real(T);
    beta[size_t(i)] = std::min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta);
  }
  return beta;
}

/// IR-SDE / GOUB cosine θ: ᾱ(x) = cos²((x/(T+2) + s)/(1 + s)·π/2)/ᾱ(0), x = 0..T+2,
/// θ = 1 − ᾱ[1 : T+2] — T+1 values, indices 0..T (`IRSDE._initialize`, cosine).
template <std::floating_point Real = double>
std::vector<Real> irsde_cosine_thetas(long T, Real s = Real(0.008)) {
  detail::require_steps(T);
  const long n = T + 3;
  auto f = [&](long x) {
    const Real c = std::cos(((Real(x) / Real(n - 1)) + s) / (1 + s) * std::numbers::pi_v<Real> / 2);
    return c * c;
  };
  const Real a0 = f(0);
  std::vector<Real> theta(static_cast<size_t>(T + 1));
  for (long i = 0; i <= T; ++i) theta[size_t(i)] = 1 - f(i + 1) / a0;
  return theta;
}

/// linspace(start, end, n) as NumPy computes it (start + i·step, last = end).
template <std::floating_point Real = double>
std::vector<Real> linspace(Real start, Real end, long n) {
  require_parameter(n >= 1, "n", n, ">= 1");
  std::vector<Real> v(static_cast<size_t>(n));
  if (n == 1) {
    v[0] = start;
    return v;
  }
  const Real step = (end - start) / Real(n - 1);
  for (long i = 0; i < n; ++i) v[size_t(i)] = start + Real(i) * step;
  v[size_t(n - 1)] = end;
  return v;
}

/// Linear β from `start` to `end` over T steps (DDPM: 1e-4 → 0.02).
template <std::floating_point Real = double>
std::vector<Real> linear(long T, Real start, Real end) {
  detail::require_steps(T);
  require_parameter(start > 0 && std::isfinite(start), "beta_start", start, "finite and > 0");
  require_parameter(end > 0 && std::isfinite(end), "beta_end", end, "finite and > 0");
  return linspace<Real>(start, end, T);
}

/// sqrt-linear: (√start + i/(n−1)·(√end − √start))², i = 0..n−1: what latent diffusion's and
/// I2SB's `make_beta_schedule` call 'linear' and ddim's `get_beta_schedule` 'quad' (latent
/// diffusion's 'sqrt_linear' is the plain `linear` above).
template <std::floating_point Real = double>
std::vector<Real> sqrt_linear(long n, Real start, Real end) {
  detail::require_steps(n, "n");
  require_parameter(start > 0 && std::isfinite(start), "linear_start", start, "finite and > 0");
  require_parameter(end > 0 && std::isfinite(end), "linear_end", end, "finite and > 0");
  auto r = linspace<Real>(std::sqrt(start), std::sqrt(end), n);
  for (auto& x : r) x = x * x;
  return r;
}

/// Sigmoid schedule: σ(linspace(−6, 6, T))·(end − start) + start, σ(x) = 1/(e^{−x} + 1), in
/// that order of operations (ddim's `get_beta_schedule('sigmoid')`).
template <std::floating_point Real = double>
std::vector<Real> sigmoid(long T, Real start, Real end) {
  detail::require_steps(T);
  require_parameter(start > 0 && std::isfinite(start), "start", start, "finite and > 0");
  require_parameter(end > start, "end", end, "> start");
  auto x = linspace<Real>(-6, 6, T);
  for (auto& v : x) v = 1 / (std::exp(-v) + 1) * (end - start) + start;
  return x;
}

/// Constant schedule.
template <std::floating_point Real = double>
std::vector<Real> constant(long T, Real value) {
  detail::require_steps(T);
  require_parameter(value > 0, "theta", value, "> 0");
  return std::vector<Real>(static_cast<size_t>(T), value);
}

/// I2SB symmetrisation: concat(v[: n/2], flip(v[: n/2])).
template <std::floating_point Real = double>
std::vector<Real> symmetric(std::span<const Real> v) {
  require_parameter(v.size() >= 2, "n", v.size(), ">= 2");
  const size_t h = v.size() / 2;
  std::vector<Real> r(v.begin(), v.begin() + long(h));
  for (size_t i = 0; i < h; ++i) r.push_back(v[h - 1 - i]);
  return r;
}

/// A user-supplied schedule; every entry must be finite and > 0.
template <std::floating_point Real = double>
std::vector<Real> from_array(std::span<const Real> v) {
  require_parameter(!v.empty(), "schedule length", v.size(), ">= 1");
  for (size_t i = 0; i < v.size(); ++i)
    require_parameter(std::isfinite(v[i]) && v[i] > 0, "theta[i]", v[i], "finite and > 0");
  return {v.begin(), v.end()};
}

}  // namespace diffbridge::schedule
