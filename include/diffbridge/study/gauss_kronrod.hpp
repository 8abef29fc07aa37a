// Adaptive Gauss–Kronrod (7/15 points, QUADPACK's qk15) for vector-valued integrands on a
// union of finite panels: the panel with the largest error estimate is bisected until the
// total estimate is at most rel_tol·scale for every component (scale: the integral of |f|),
// or the panel budget is spent. The estimate is QUADPACK's for the K15 result:
//   err = I|f−f̄|·min(1, (200·|K15 − G7| / I|f−f̄|)^{3/2}),  at least 50·ε·I|f|.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace diffbridge::study {

template <size_t N>
struct quadrature_result {
  std::array<double, N> value{};  ///< Σ over panels of the 15-point Kronrod sums
  std::array<double, N> error{};  ///< Σ |K15 − G7|, component-wise
  int panels = 0;
  bool converged = false;
};

namespace detail {
inline constexpr double gk_x[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
inline constexpr double gk_wk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
inline constexpr double gk_wg[4] = {  // Gauss 7 at gk_x[1], [3], [5], [7]
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

template <size_t N>
struct gk_panel {
  double a, b;
  std::array<double, N> k, err, abs;  ///< K15, its error estimate, ∫|f|
  double worst;  ///< max over components of err (for choosing the panel to split)
};

template <size_t N, class F>
gk_panel<N> gk15(F& f, double a, double b) {
  const double c = 0.5 * (a + b), h = 0.5 * (b - a);
  gk_panel<N> p{a, b, {}, {}, {}, 0};
  std::array<std::array<double, N>, 15> v;
  v[7] = f(c);
  for (size_t j = 0; j < 7; ++j) v[j] = f(c - h * gk_x[j]), v[14 - j] = f(c + h * gk_x[j]);
  for (size_t n = 0; n < N; ++n) {
    double k = gk_wk[7] * v[7][n], g = gk_wg[3] * v[7][n], ab = gk_wk[7] * std::abs(v[7][n]);
    for (size_t j = 0; j < 7; ++j) {
      const double s = v[j][n] + v[14 - j][n];
      k += gk_wk[j] * s, ab += gk_wk[j] * (std::abs(v[j][n]) + std::abs(v[14 - j][n]));
      if (j % 2 == 1) g += gk_wg[j / 2] * s;
    }
    const double mean = 0.5 * k;
    double asc = gk_wk[7] * std::abs(v[7][n] - mean);
    for (size_t j = 0; j < 7; ++j)
      asc += gk_wk[j] * (std::abs(v[j][n] - mean) + std::abs(v[14 - j][n] - mean));
    const double ah = std::abs(h);
    p.k[n] = k * h, p.abs[n] = ab * ah, asc *= ah;
    double e = std::abs((k - g) * h);
    if (asc != 0 && e != 0) {
      const double t = std::min(1.0, 200 * e / asc);
      e = asc * t * std::sqrt(t);
    }
    p.err[n] = std::max(e, 50 * 2.220446049250313e-16 * p.abs[n]);
  }
  return p;
}
}  // namespace detail

/// ∫ f over the union of `panels` {a, b} (a < b; others are skipped; f: double →
/// array<double, N>).
template <size_t N, class F>
quadrature_result<N> integrate_adaptive(F&& f, const std::vector<std::array<double, 2>>& panels,
                                        double rel_tol, int max_panels = 200) {
  std::vector<detail::gk_panel<N>> ps;
  for (const auto& [a, b] : panels)
    if (b > a) ps.push_back(detail::gk15<N>(f, a, b));
  quadrature_result<N> r;
  while (true) {
    std::array<double, N> err{}, abs{};
    for (const auto& p : ps)
      for (size_t n = 0; n < N; ++n) err[n] += p.err[n], abs[n] += p.abs[n];
    // a panel's weight in the choice: its largest error relative to the component's scale
    bool ok = true;
    for (size_t n = 0; n < N; ++n) ok = ok && err[n] <= rel_tol * abs[n];
    for (auto& p : ps) {
      p.worst = 0;
      for (size_t n = 0; n < N; ++n)
        if (abs[n] > 0) p.worst = std::max(p.worst, p.err[n] / abs[n]);
    }
    r.panels = int(ps.size());
    if (ok || int(ps.size()) >= max_panels) {
      r.converged = ok;
      for (const auto& p : ps)
        for (size_t n = 0; n < N; ++n) r.value[n] += p.k[n];
      r.error = err;
      return r;
    }
    auto it = std::max_element(ps.begin(), ps.end(),
                               [](const auto& x, const auto& y) { return x.worst < y.worst; });
    const double a = it->a, b = it->b, m = 0.5 * (a + b);
    if (!(m > a && m < b)) {  // cannot split further: accept as is
      it->err.fill(0);
      continue;
    }
    *it = detail::gk15<N>(f, a, m);
    ps.push_back(detail::gk15<N>(f, m, b));
  }
}

}  // namespace diffbridge::study
