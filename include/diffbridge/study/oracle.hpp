// The oracle denoiser: the exact E[x0 | x_t, y] for independent pixels, each with its target
// law x0 | y a Gaussian mixture (degradation.hpp), under the marginal
//   x_t = a·x0 + b·y + c·(π ⊙ ε)        (a, b, c) = marginal_coeffs (c_x0, c_y, std)
// of any preset or generalised bridge. Per component k of the target, N(m_k, s_k²):
//   π = 1 (closed form): x_t | k ~ N(a m_k + b y, a²s_k² + c²), the weights ∝ w_k times that
//     density, and E[x0 | x_t, k] = m_k + a s_k²(x_t − a m_k − b y)/(a²s_k² + c²);
//   π = x0 − y or |x0 − y|: 1-D quadrature (residual_posterior.hpp);
//   π = 0, or c = 0: x_t = a x0 + b y is exact, so x0 = (x_t − b y)/a (a > 0) or E[x0 | y].
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/modulation.hpp"
#include "diffbridge/study/degradation.hpp"
#include "diffbridge/study/residual_posterior.hpp"

namespace diffbridge::study {

struct oracle_options {
  double rel_tol = 1e-10;  ///< quadrature tolerance of the residual-π oracle
};

namespace detail {
/// Σ_k e^{l_k}·v_k / Σ_k e^{l_k} over the components, the log-weights combined stably.
struct log_mean {
  double best = -std::numeric_limits<double>::infinity(), num = 0, den = 0;
  void add(double l, double v) {
    if (!(l > -std::numeric_limits<double>::infinity())) return;
    if (l > best) {  // rescale what was accumulated so far
      const double e = std::exp(best - l);
      num *= e, den *= e, best = l;
    }
    const double e = std::exp(l - best);
    num += e * v, den += e;
  }
  double value(double fallback) const { return den > 0 ? num / den : fallback; }
};
}  // namespace detail

/// E[x0 | x_t = x, y] for π = 1 (closed form).
inline double conditional_mean_global(const gaussian_mixture& target, double y,
                                      const marginal_coeffs<double>& m, double x) {
  const double a = m.c_x0, c2 = m.std * m.std;
  const auto& cs = target.components();
  if (cs.size() == 1) {
    const auto& k = cs.front();
    const double s2 = k.sd * k.sd, v = a * a * s2 + c2;
    return k.mean + a * s2 * (x - a * k.mean - m.c_y * y) / v;
  }
  detail::log_mean acc;
  for (const auto& k : cs) {
    const double s2 = k.sd * k.sd, v = a * a * s2 + c2;
    const double r = x - a * k.mean - m.c_y * y;
    acc.add(std::log(k.weight) - 0.5 * r * r / v - 0.5 * std::log(v), k.mean + a * s2 * r / v);
  }
  return acc.value(target.mean());
}

/// E[x0 | x_t = x, y] for π = x0 − y or |x0 − y| (quadrature, relative tolerance rel_tol).
inline double conditional_mean_residual(const gaussian_mixture& target, double y,
                                        const marginal_coeffs<double>& m, double x,
                                        double rel_tol = 1e-10) {
  const double a = m.c_x0, c = m.std;
  const double r = x - (a + m.c_y) * y;  // r = a·u + c·u·ε, u = x0 − y
  const auto& cs = target.components();
  // r = 0: N(0; a u, c²u²) ∝ 1/|u| is not integrable at u = 0, so a density component (or an
  // atom at u = 0) puts all of the posterior there as r → 0 — a limit reached only
  // logarithmically (E[u | r] moves by 1e-7 from r = 1e-8 to 1e-20 in the tests). Atoms away
  // from 0 alone are weighed as at any r.
  if (r == 0)
    for (const auto& k : cs)
      if (k.sd > 0 || k.mean == y) return y;
  detail::log_mean acc;
  std::vector<residual_plan> plans(cs.size());
  double core = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < cs.size(); ++i) {
    const auto& k = cs[i];
    const double mu = k.mean - y;
    if (k.sd == 0) {  // an atom: its likelihood N(r; a u, c²u²)
      if (mu == 0) continue;
      const double w = (r / mu - a) / c;
      const double l = std::log(k.weight) - 0.5 * w * w -
                       std::log(std::abs(mu) * c * std::sqrt(2 * std::numbers::pi));
      acc.add(l, mu), core = std::max(core, l);
      continue;
    }
    plans[i] = plan_residual_component(mu, k.sd, r, a, c);
    core = std::max(core, std::log(k.weight) + plans[i].log_core);
  }
  // Components whose integral is below e^{−36} of the largest one's are skipped.
  for (size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].sd == 0 || std::log(cs[i].weight) + plans[i].log_upper < core - 38) continue;
    const auto q = integrate_residual_plan(plans[i], rel_tol);
    if (q.j0 > 0) acc.add(std::log(cs[i].weight) + q.log_scale + std::log(q.j0), q.j1 / q.j0);
  }
  return y + acc.value(target.mean() - y);
}

/// The exact denoiser of a set of pixels under modulation π.
class oracle {
 public:
  oracle(std::vector<pixel_problem> pixels, modulation pi, oracle_options o = {})
      : px_(std::move(pixels)), pi_(pi), o_(o) {
    require_parameter(!px_.empty(), "pixels", px_.size(), ">= 1");
    require_parameter(o_.rel_tol > 0 && o_.rel_tol < 1, "rel_tol", o_.rel_tol, "in (0, 1)");
  }

  size_t pixels() const noexcept { return px_.size(); }
  const pixel_problem& pixel(size_t i) const { return px_.at(i); }
  modulation pi() const noexcept { return pi_; }

  /// E[x0 | x_t = x, y] of pixel `i` under the marginal `m`.
  double x0(const marginal_coeffs<double>& m, double x, size_t i) const {
    const auto& p = px_[i];
    if (!std::isfinite(x))
      throw invalid_input(diffbridge::detail::concat("oracle: x_t = ", x, " is not finite"));
    if (m.std == 0 || pi_ == modulation::zero)
      return m.c_x0 > 0 ? (x - m.c_y * p.y) / m.c_x0 : p.target.mean();
    if (pi_ == modulation::one) return conditional_mean_global(p.target, p.y, m, x);
    return conditional_mean_residual(p.target, p.y, m, x, o_.rel_tol);
  }

 private:
  std::vector<pixel_problem> px_;
  modulation pi_;
  oracle_options o_;
};

/// The oracle as a denoiser of `sample<B, T>` on a host backend (std, eigen, xtensor):
/// element e of the tensor is a sample of pixel e / per_pixel, and the marginal at t is
/// `coeffs(t)` (a preset's `coeffs`, or a bridge's `marginal`). Counts its calls (the NFE).
template <class Coeffs>
class oracle_denoiser {
 public:
  oracle_denoiser(const oracle& o, Coeffs coeffs, size_t per_pixel)
      : o_(&o), coeffs_(std::move(coeffs)), per_(per_pixel) {
    require_parameter(per_ >= 1, "samples per pixel", per_, ">= 1");
  }

  template <class XV, class YV, class OV>
  void operator()(XV x, double t, YV, OV out) const {
    const size_t n = x.size();
    if (n != o_->pixels() * per_ || out.size() != n)
      throw invalid_input(diffbridge::detail::concat("oracle_denoiser: tensor of ", n,
                                                     " elements, expected ", o_->pixels() * per_));
    const marginal_coeffs<double> m = coeffs_(t);
    const auto* xp = x.raw();
    auto* op = out.raw();
    const auto count = static_cast<std::ptrdiff_t>(n);
    for (std::ptrdiff_t e = 0; e < count; ++e)  // no exception may leave the parallel loop
      if (!std::isfinite(double(xp[e])))
        throw invalid_input(
            diffbridge::detail::concat("oracle: x_t = ", xp[e], " at t = ", t, " is not finite"));
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 64)
#endif
    for (std::ptrdiff_t e = 0; e < count; ++e)
      op[e] = static_cast<std::remove_cvref_t<decltype(op[e])>>(
          o_->x0(m, double(xp[e]), size_t(e) / per_));
    ++calls_;
  }
  long calls() const noexcept { return calls_; }

 private:
  const oracle* o_;
  Coeffs coeffs_;
  size_t per_;
  mutable long calls_ = 0;
};

}  // namespace diffbridge::study
