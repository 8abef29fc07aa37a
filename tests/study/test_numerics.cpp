// The numerical building blocks of the study layer: Gauss–Kronrod, real roots, the Gaussian
// mixture (CDF, quantile, moments, quantile slices), Bayes' posterior of the degradation,
// the exact W2, the KS test and sample moments. Each against an independent computation.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "diffbridge/study/degradation.hpp"
#include "diffbridge/study/gauss_kronrod.hpp"
#include "diffbridge/study/ks_test.hpp"
#include "diffbridge/study/moments.hpp"
#include "diffbridge/study/real_roots.hpp"
#include "diffbridge/study/wasserstein.hpp"

using namespace diffbridge;
using namespace diffbridge::study;

TEST_CASE("Gauss-Kronrod: exact on polynomials, adaptive on a narrow peak", "[study][quadrature]") {
  for (int k = 0; k <= 22; ++k) {  // K15 integrates degree 3·7 + 1 = 22 exactly
    auto f = [k](double x) { return std::array<double, 1>{std::pow(x, k)}; };
    const auto r = integrate_adaptive<1>(f, {{0.0, 1.0}}, 1e-300, 1);
    CHECK(r.value[0] == Approx(1.0 / (k + 1)).epsilon(1e-14));
  }
  // a peak of width 2e-3 at a panel edge: the first estimates are poor, bisection fixes them
  // (the study puts panel edges at its peaks for this reason)
  auto g = [](double x) {
    const double z = (x - 0.3) / 2e-3;
    return std::array<double, 2>{std::exp(-0.5 * z * z), x * std::exp(-0.5 * z * z)};
  };
  const auto r = integrate_adaptive<2>(g, {{0.0, 0.3}, {0.3, 1.0}}, 1e-12);
  CHECK(r.converged);
  CHECK(r.panels > 2);
  CHECK(r.value[0] == Approx(2e-3 * std::sqrt(2 * std::numbers::pi)).epsilon(1e-11));
  CHECK(r.value[1] / r.value[0] == Approx(0.3).epsilon(1e-11));
}

TEST_CASE("real roots of quartics, cubics and quadratics", "[study][roots]") {
  // (x − 1)(x + 2)(x − 3.5)(x − 1e-3): expand
  const double r[4] = {1, -2, 3.5, 1e-3};
  std::array<double, 5> c{1, 0, 0, 0, 0};
  for (double v : r) {  // multiply by (x − v)
    std::array<double, 5> n{};
    for (int i = 0; i < 4; ++i) n[size_t(i + 1)] += c[size_t(i)], n[size_t(i)] -= v * c[size_t(i)];
    c = n;
  }
  const auto got = real_roots<4>(c);
  REQUIRE(got.n == 4);
  const double want[4] = {-2, 1e-3, 1, 3.5};
  for (size_t i = 0; i < 4; ++i) CHECK(got.x[i] == Approx(want[i]).epsilon(1e-12));
  // x⁴ + 1 has no real root; (x² + 1)(x − 5)(x + 1e6) has two
  CHECK(real_roots<4>({1, 0, 0, 0, 1}).n == 0);
  const auto two = real_roots<4>({-5e6, 1e6 - 5, -5e6 + 1, 1e6 - 5, 1});
  REQUIRE(two.n == 2);
  CHECK(two.x[0] == Approx(-1e6).epsilon(1e-12));
  CHECK(two.x[1] == Approx(5).epsilon(1e-12));
  // a double root (x − 2)²(x + 1) is reported once, without losing the simple root
  const auto dbl = real_roots<3>({4, 0, -3, 1});
  REQUIRE(dbl.n >= 2);
  CHECK(dbl.x[0] == Approx(-1).epsilon(1e-12));
  CHECK(dbl.x[dbl.n - 1] == Approx(2).epsilon(1e-6));
}

TEST_CASE("Gaussian mixture: CDF, quantile, moments and quantile slices", "[study][mixture]") {
  const gaussian_mixture g({{0.3, -1.0, 0.4}, {0.7, 2.0, 1.5}});
  // moments against the trapezoidal rule on [−20, 20] (spectrally accurate here)
  double m0 = 0, m1 = 0, m2 = 0, m4 = 0;
  const double h = 1e-3;
  for (double x = -20; x <= 20; x += h) m0 += g.pdf(x) * h, m1 += x * g.pdf(x) * h;
  for (double x = -20; x <= 20; x += h) {
    const double d = x - m1;
    m2 += d * d * g.pdf(x) * h, m4 += d * d * d * d * g.pdf(x) * h;
  }
  CHECK(m0 == Approx(1).epsilon(1e-12));
  CHECK(g.mean() == Approx(m1).epsilon(1e-12));
  CHECK(g.variance() == Approx(m2).epsilon(1e-11));
  CHECK(g.central_moment(4) == Approx(m4).epsilon(1e-10));
  for (double q : {1e-12, 1e-4, 0.1, 0.5, 0.77, 1 - 1e-4, 1 - 1e-12}) {
    const double x = g.quantile(q);
    CHECK((q < 0.5 ? g.cdf(x) : 1 - g.sf(x)) == Approx(q).epsilon(1e-10));
  }
  // slices of [0,1] partition the law: masses, means and variances recombine exactly
  const size_t n = 37;
  double M = 0, S1 = 0, S2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double qa = double(i) / n, qb = double(i + 1) / n;
    const auto s = g.slice(qa, qb, g.quantile(qa), g.quantile(qb));
    CHECK(s.mass == Approx(1.0 / n).epsilon(1e-9));
    M += s.mass, S1 += s.mass * s.mean, S2 += s.mass * (s.var + s.mean * s.mean);
  }
  CHECK(M == Approx(1).epsilon(1e-12));
  CHECK(S1 == Approx(g.mean()).epsilon(1e-10));
  CHECK(S2 - S1 * S1 == Approx(g.variance()).epsilon(1e-9));
  // an atom: its mass is split across the slices its q-interval overlaps
  const gaussian_mixture at({{0.5, 0.0, 1.0}, {0.5, 0.0, 0.0}});
  CHECK(at.quantile(0.5) == 0.0);
  CHECK(at.quantile(0.7) == 0.0);  // F(0⁻) = 0.25, F(0) = 0.75
  const auto s = at.slice(0.5, 0.7, 0.0, 0.0);
  CHECK(s.mass == Approx(0.2).epsilon(1e-12));
  CHECK(s.var == Approx(0).margin(1e-15));
  CHECK_THROWS_AS(gaussian_mixture({{0.0, 1, 1}}), invalid_parameter);
  CHECK_THROWS_AS(gaussian_mixture({{1.0, 1, -1}}), invalid_parameter);
}

TEST_CASE("posterior of the degradation: Bayes per component", "[study][degradation]") {
  const gaussian_mixture prior({{0.4, 0.2, 0.05}, {0.6, 0.8, 0.1}});
  const degradation d{0.7, 0.08};
  const double y = 0.45;
  const auto post = posterior(prior, d, y);
  double z = 0, m = 0, v = 0;  // brute force on a fine grid
  const double h = 1e-5;
  for (double x = -1; x <= 2; x += h) {
    const double w = prior.pdf(x) * std::exp(-0.5 * std::pow((y - d.scale * x) / d.noise_sd, 2));
    z += w, m += w * x;
  }
  m /= z;
  for (double x = -1; x <= 2; x += h) {
    const double w = prior.pdf(x) * std::exp(-0.5 * std::pow((y - d.scale * x) / d.noise_sd, 2));
    v += w * (x - m) * (x - m);
  }
  v /= z;
  CHECK(post.mean() == Approx(m).epsilon(1e-10));
  CHECK(post.variance() == Approx(v).epsilon(1e-9));
  // y given exactly (σ_n = 0): an atom at y/A; A = 0: the prior; y impossible: invalid_input
  CHECK(posterior(prior, {2.0, 0.0}, 1.0).components().front().sd == 0);
  CHECK(posterior(prior, {2.0, 0.0}, 1.0).mean() == 0.5);
  CHECK(posterior(prior, {0.0, 0.1}, 3.0).mean() == Approx(prior.mean()).epsilon(1e-12));
  CHECK_THROWS_AS(posterior(prior, {0.0, 0.0}, 1.0), invalid_input);
  // noise-free y under a prior of atoms only: y/A must be one of them
  const gaussian_mixture atoms({{0.5, 0.3, 0.0}, {0.5, 0.6, 0.0}});
  CHECK(posterior(atoms, {2.0, 0.0}, 1.2).mean() == 0.6);
  CHECK_THROWS_AS(posterior(atoms, {1.0, 0.0}, 0.5), invalid_input);
  CHECK_THROWS_AS(posterior(prior, {1.0, -1.0}, 1.0), invalid_parameter);
}

TEST_CASE("W2 between samples and an exact law is exact", "[study][w2]") {
  const gaussian_mixture g({{0.5, -1.0, 0.3}, {0.5, 1.5, 0.6}});
  std::mt19937_64 rng(7);
  std::normal_distribution<double> N;
  std::vector<double> xs(200);
  for (auto& x : xs) x = 0.2 + 0.9 * N(rng);
  // reference: ∫_0^1 (F_n⁻¹(q) − Q(q))² dq by the midpoint rule with 2·10⁶ points
  auto sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  const long M = 2000000;
  double ref = 0;
  for (long j = 0; j < M; ++j) {
    const double q = (double(j) + 0.5) / double(M);
    const double d = sorted[size_t(q * double(xs.size()))] - g.quantile(q);
    ref += d * d / double(M);
  }
  CHECK(wasserstein2(xs, g) == Approx(std::sqrt(ref)).epsilon(2e-6));  // midpoint rule error
  // an atom at c: W2² = mean (x − c)²
  double ms = 0;
  for (double x : xs) ms += (x - 0.3) * (x - 0.3) / double(xs.size());
  CHECK(wasserstein2(xs, gaussian_mixture::atom(0.3)) == Approx(std::sqrt(ms)).epsilon(1e-12));
  // a location shift moves every quantile: two samples differing by δ are δ apart
  auto ys = xs;
  for (auto& y : ys) y += 0.25;
  CHECK(wasserstein2(std::span<const double>(xs), std::span<const double>(ys)) ==
        Approx(0.25).epsilon(1e-12));
  xs[3] = NAN;
  CHECK_THROWS_AS(wasserstein2(xs, g), invalid_input);
}

TEST_CASE("KS statistic and Kolmogorov p-values", "[study][ks]") {
  // tabulated: P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 0.8276) = 0.5
  CHECK(kolmogorov_sf(1.3581) == Approx(0.05).epsilon(1e-3));
  CHECK(kolmogorov_sf(1.6276) == Approx(0.01).epsilon(1e-3));
  CHECK(kolmogorov_sf(0.8276) == Approx(0.5).epsilon(1e-3));
  // the two series agree where they meet
  const double l = 1.0, pi = std::numbers::pi;
  double a = 0, b = 0;
  for (int k = 1; k <= 50; ++k) a += (k % 2 ? 2 : -2) * std::exp(-2.0 * k * k * l * l);
  for (int k = 1; k <= 50; ++k) b += std::exp(-double((2 * k - 1) * (2 * k - 1)) * pi * pi / 8);
  CHECK(a == Approx(1 - std::sqrt(2 * pi) * b).epsilon(1e-12));
  // samples at the midpoint quantiles: D = 1/(2n)
  const gaussian_mixture g = gaussian_mixture::normal(0, 1);
  std::vector<double> x;
  for (int i = 0; i < 100; ++i) x.push_back(g.quantile((i + 0.5) / 100));
  CHECK(ks_statistic(x, [&](double v) { return g.cdf(v); }) == Approx(0.005).epsilon(1e-9));
  CHECK(ks_pvalue(0.005, 100) > 0.99);
  // a NaN sample is an error, not D = 0 (it vanished in the sort and the max: p = 1)
  x[17] = std::nan("");
  CHECK_THROWS_AS(ks_statistic(x, [&](double v) { return g.cdf(v); }), invalid_input);
  // ±∞ are ordered values: F = 0 or 1 there
  x[17] = std::numeric_limits<double>::infinity();
  CHECK(ks_statistic(x, [&](double v) { return g.cdf(v); }) > 0.005);
}

TEST_CASE("sample moments and their standard errors", "[study][moments]") {
  const std::vector<double> x{1, 2, 3, 4, 10};
  CHECK_THROWS_AS(moments(std::vector<double>{1, std::nan(""), 3}), invalid_input);
  CHECK_THROWS_AS(moments(std::vector<double>{1, 2, -std::numeric_limits<double>::infinity()}),
                  invalid_input);
  const auto m = moments(x);
  CHECK(m.mean == Approx(4));
  CHECK(m.variance == Approx(12.5));  // Σ(x − 4)² / 4 = 50 / 4
  const auto g = gaussian_mixture::normal(0, 2);
  CHECK(mean_standard_error(g, 100) == Approx(0.2));
  CHECK(variance_standard_error(g, 100) == Approx(std::sqrt(2.0) * 4 / 10));  // sqrt(2σ⁴/n)
}
