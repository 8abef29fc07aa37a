// E[x0 | x_t, y] under residual modulation π = x0 − y (and |x0 − y|: ε is symmetric, so
// x_t | x0 has the same law), where x_t = a·x0 + b·y + c·π·ε is not Gaussian given y.
// With u = x0 − y and r = x_t − (a + b)·y the likelihood is r | u ~ N(a·u, c²u²), and for a
// Gaussian component u ~ N(μ, s²) the integrand of ∫ u^j N(u; μ, s²)·N(r; a u, c²u²) du is
// e^{G(u)},
//   G(u) = −(u − μ)²/(2s²) − (r/u − a)²/(2c²) − log|u| − log(2π s c).
// G → −∞ at u → 0 and |u| → ∞, and G'(u) = 0 exactly at the real roots of the quartic
//   u⁴ − μu³ + s²u² + (a r s²/c²)·u − r²s²/c² = 0,
// so the local maxima of G are known exactly. Each maximum's Laplace mass G + log w is
// estimated (w = (−G'')^{−1/2}); around every maximum whose G reaches within `cutoff` of the
// largest mass per length, the region where it stays there (found on G's monotone pieces) is
// integrated by adaptive Gauss–Kronrod (gauss_kronrod.hpp) on panels growing from the peak.
// Accuracy (tests/study/test_oracle.cpp): the conditional mean within rel_tol·(|E u| + sd(u | r))
// of a brute-force reference, also for |r| down to 1e-20 where a narrow peak near u = r/a holds
// about half the mass; what is left out is below e^{−cutoff} = 4e−18 of the largest mass.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "diffbridge/study/gauss_kronrod.hpp"
#include "diffbridge/study/real_roots.hpp"

namespace diffbridge::study {

/// ∫ u^j N(u; μ, s²)·N(r; a u, c²u²) du = e^{log_scale}·j_j, j = 0, 1.
struct residual_integrals {
  double log_scale = -std::numeric_limits<double>::infinity();
  double j0 = 0, j1 = 0;
  bool converged = true;
};

namespace detail {

struct residual_integrand {
  double mu, s, r, a, c, norm;
  double is = 1 / s, ic = 1 / c;
  /// G(u) + log|u| given q = 1/u: the exponent without the 1/|u| factor.
  double Gt(double u, double q) const {
    const double z = (u - mu) * is, w = (r * q - a) * ic;
    return -0.5 * z * z - 0.5 * w * w - norm;
  }
  double Gt(double u) const { return Gt(u, 1 / u); }
  double G(double u) const { return Gt(u) - std::log(std::abs(u)); }
  double d2G(double u) const {
    return -1 / (s * s) + (2 * a * r / (u * u * u) - 3 * r * r / (u * u * u * u)) / (c * c) +
           1 / (u * u);
  }
};

/// A point beyond which (away from the peak at p) G stays below `level` on this monotone
/// piece: steps of d = k·w·2^j from p, stopped at the neighbouring critical point `nb` (G
/// rises again past it) or, towards 0, by halving. Overshooting only adds a little tail.
inline double region_edge(const residual_integrand& g, double p, double nb, double w,
                          double level) {
  const double dir = nb > p ? 1.0 : -1.0;
  double d = 9 * w;  // a Gaussian peak falls by 40.5 at 9w
  for (int k = 0; k < 2100; ++k, d *= 2) {
    const double x = p + dir * d;
    if (std::isfinite(nb) && dir * (x - nb) >= 0) {  // reached the neighbour
      if (nb != 0) return nb;
      double y = p;  // towards 0: halve (G → −∞ there)
      for (int j = 0; j < 2100 && y != 0; ++j)
        if (g.G(y *= 0.5) < level) return y;
      return 0;
    }
    if (g.G(x) < level) return x;
  }
  return p + dir * d;
}

}  // namespace detail

/// Where the integrand of one component lives: its largest log-value G*, the panels covering
/// the peaks' regions, and bounds of log ∫ e^G: `log_upper` = G* + log(total length) and
/// `log_core` = the largest G + log(Laplace width) of a peak, below which a smooth peak's
/// integral does not fall by more than e².
struct residual_plan {
  detail::residual_integrand g{};
  double gstar = -std::numeric_limits<double>::infinity();
  double log_upper = -std::numeric_limits<double>::infinity();
  double log_core = -std::numeric_limits<double>::infinity();
  std::vector<std::array<double, 2>> panels;
};

/// The plan for one Gaussian component (s > 0), r ≠ 0, a ≥ 0, c > 0.
inline residual_plan plan_residual_component(double mu, double s, double r, double a, double c,
                                             double cutoff = 40) {
  residual_plan plan;
  plan.g = {mu, s, r, a, c, std::log(2 * std::numbers::pi * s * c)};
  const auto& g = plan.g;
  const double k = s * s / (c * c);
  const auto crit = real_roots<4>({-r * r * k, a * r * k, s * s, -mu, 1.0});

  // The local maxima on each half-line, with their neighbours (a critical point, 0 or ±∞).
  struct peak {
    double u, G, left, right;
  };
  std::array<peak, 6> peaks{};
  size_t np = 0;
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (int side : {-1, 1}) {
    std::array<double, 4> pts{};
    size_t n = 0;
    for (double u : crit)
      if (u != 0 && (u > 0) == (side > 0)) pts[n++] = u;
    const double lo = side > 0 ? 0.0 : -inf, hi = side > 0 ? inf : 0.0;
    const size_t found = np;
    std::array<double, 4> gv{};
    for (size_t i = 0; i < n; ++i) gv[i] = g.G(pts[i]);
    for (size_t i = 0; i < n; ++i) {
      const double gl = i > 0 ? gv[i - 1] : -inf, gr = i + 1 < n ? gv[i + 1] : -inf;
      if (gv[i] > gl && gv[i] >= gr)
        peaks[np++] = {pts[i], gv[i], i > 0 ? pts[i - 1] : lo, i + 1 < n ? pts[i + 1] : hi};
    }
    if (np == found) {  // no maximum resolved on this half (degenerate roots): scan
      double best = side, bv = -inf;
      const double scale = std::max({std::abs(mu), s, std::abs(r) / std::max(a, c)});
      for (double e = -40; e <= 12; e += 0.01) {
        const double u = side * scale * std::exp2(e), v = g.G(u);
        if (v > bv) bv = v, best = u;
      }
      if (std::isfinite(bv)) peaks[np++] = {best, bv, lo, hi};
    }
  }
  // Laplace widths w = (−G'')^{−1/2} and log masses G + log w of the peaks. The peaks kept, and
  // where their regions end, follow the masses, not the heights: as r → 0 the peak near
  // u = r/a grows as 1/r and narrows as r, its mass constant, and a cut relative to its height
  // dropped the wide peak at the prior mean that holds the rest (E[u | r] was 0 at r = 1e-18).
  std::array<double, 6> width{};
  double lmax = -inf, span = 0;
  for (size_t i = 0; i < np; ++i) {
    const auto& p = peaks[i];
    plan.gstar = std::max(plan.gstar, p.G);
    const double h = g.d2G(p.u);
    double w = h < 0 && std::isfinite(h) ? 1 / std::sqrt(-h) : 0.25 * std::abs(p.u);
    if (!(w > 0)) w = s;
    width[i] = w;
    lmax = std::max(lmax, p.G + std::log(w));
    span = std::max(span, std::abs(p.u) + 9 * w);
  }
  if (!std::isfinite(plan.gstar)) return plan;
  plan.log_core = lmax;
  // Left out: G below `level` on at most `span`-ish lengths, e^{−cutoff} of the largest mass.
  const double level = std::min(plan.gstar, lmax - std::log(span)) - cutoff;

  double length = 0;
  for (size_t i = 0; i < np; ++i) {
    const auto& p = peaks[i];
    if (p.G < level) continue;
    const double w = width[i];
    // Panels growing geometrically (×3) from the peak, so that a narrow peak on a long tail
    // is resolved from the start.
    for (double nb : {p.left, p.right}) {
      const double end = detail::region_edge(g, p.u, nb, w, level);
      const double dir = end > p.u ? 1.0 : -1.0;
      length += std::abs(end - p.u);
      double a0 = p.u;
      for (double d = 3 * w; dir * (p.u + dir * d - end) < 0; d *= 3) {
        plan.panels.push_back({std::min(a0, p.u + dir * d), std::max(a0, p.u + dir * d)});
        a0 = p.u + dir * d;
      }
      plan.panels.push_back({std::min(a0, end), std::max(a0, end)});
    }
  }
  plan.log_upper = plan.gstar + std::log(length);
  return plan;
}

/// Integrates a plan: ∫ u^j e^{G} = e^{log_scale}·j_j to rel_tol.
inline residual_integrals integrate_residual_plan(const residual_plan& plan, double rel_tol) {
  residual_integrals out;
  if (plan.panels.empty()) return out;
  const auto& g = plan.g;
  const double gstar = plan.gstar;
  auto f = [&](double u) -> std::array<double, 2> {
    if (u == 0) return {0.0, 0.0};
    const double q = 1 / u, e = std::exp(g.Gt(u, q) - gstar);
    return {e * std::abs(q), e * (q > 0 ? 1.0 : -1.0)};  // e^{G − G*} and u·e^{G − G*}
  };
  const auto q = integrate_adaptive<2>(f, plan.panels, rel_tol);
  out.log_scale = gstar;
  out.j0 = q.value[0], out.j1 = q.value[1];
  out.converged = q.converged;
  return out;
}

/// The integrals above for one Gaussian component (s > 0), r ≠ 0, a ≥ 0, c > 0.
inline residual_integrals residual_component(double mu, double s, double r, double a, double c,
                                             double rel_tol = 1e-10, double cutoff = 40) {
  return integrate_residual_plan(plan_residual_component(mu, s, r, a, c, cutoff), rel_tol);
}

}  // namespace diffbridge::study
