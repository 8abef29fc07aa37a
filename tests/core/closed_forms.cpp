// Closed-form identities of the generalised bridge (docs/generalised-bridge.md §2–§4).
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace dbt;

// docs §2: the marginal at t is the transition s → t applied to the marginal at s.
TEST_CASE("marginal = transition o marginal", "[closed-form]") {
  for (const auto& [name, b] : consistent_bridges()) {
    INFO(name);
    for (auto [s, t] : interior_pairs(b)) {
      const auto ms = b.marginal(s), mt = b.marginal(t), tr = b.transition(s, t);
      CHECK(close(tr.c_x0 * ms.c_x0, mt.c_x0, 1e-12, 1e-15));
      CHECK(close(tr.c_x0 * ms.c_y + tr.c_y, mt.c_y, 1e-12, 1e-15));
      CHECK(close(tr.c_x0 * tr.c_x0 * ms.std * ms.std + tr.std * tr.std, mt.std * mt.std, 1e-12,
                  1e-15));
    }
  }
}

// docs §3: averaging the posterior over x_t ~ q(x_t | x0, y) gives back q(x_s | x0, y).
TEST_CASE("posterior integrates back to the marginal", "[closed-form]") {
  for (const auto& [name, b] : consistent_bridges()) {
    INFO(name);
    for (auto [s, t] : interior_pairs(b)) {
      const auto ms = b.marginal(s), mt = b.marginal(t);
      const auto p = b.posterior(s, t);
      CHECK(close(p.k * mt.c_x0 + p.c_x0, ms.c_x0, 1e-12, 1e-15));
      CHECK(close(p.k * mt.c_y + p.c_y, ms.c_y, 1e-12, 1e-14));
      CHECK(close(p.k * p.k * mt.std * mt.std + p.var, ms.std * ms.std, 1e-12, 1e-15));
    }
  }
}

// docs §4: ω = ω_M reproduces the posterior; every η keeps the marginal.
TEST_CASE("implicit step family: eta = 1 is the posterior, every eta keeps the marginal",
          "[closed-form]") {
  for (const auto& [name, b] : consistent_bridges()) {
    INFO(name);
    for (auto [s, t] : interior_pairs(b)) {
      const auto p = b.posterior(s, t);
      const auto st = b.step(s, t, 1.0);
      CHECK(st.c_xt == p.k);
      CHECK(st.c_x0 == p.c_x0);
      CHECK(close(st.c_z * st.c_z, p.var, 1e-14));
      const auto ms = b.marginal(s), mt = b.marginal(t);
      for (double eta : {0.0, 0.3, 0.7, 1.0}) {
        const auto k = b.step(s, t, eta);
        INFO("eta " << eta);
        CHECK(close(k.c_xt * mt.c_x0 + k.c_x0, ms.c_x0, 1e-12, 1e-15));
        CHECK(close(k.c_xt * mt.c_y + k.c_y, ms.c_y, 1e-12, 1e-14));
        CHECK(close(k.c_xt * k.c_xt * mt.std * mt.std + k.c_z * k.c_z, ms.std * ms.std, 1e-12,
                    1e-15));
      }
    }
  }
}

// RDBM Eq. 19: x0 form = noise form  x_s = μ + (Θ_s/Θ_t)(x_t − μ) − ((Θ_s/Θ_t)Σ_t − Σ_s)·N.
TEST_CASE("Eq. 19 in x0 form equals the noise form", "[closed-form][rdbm]") {
  const bridge_d b(rdbm_process(), {});
  const auto g = grid::rdbm(100, 10);
  for (size_t i = 1; i + 2 < g.size(); ++i) {  // interior pairs (both ends have Θ or Σ = 0)
    const double t = g[i], s = g[i + 1];
    const auto ms = b.marginal(s), mt = b.marginal(t);
    const auto k = b.step(s, t, 0.0);
    for (double xt : {-0.7, 0.1, 0.9})
      for (double x0 : {-0.5, 0.4}) {
        const double mu = 0.25;
        const double N = (xt - mu - mt.c_x0 * (x0 - mu)) / mt.std;
        const double r = ms.c_x0 / mt.c_x0;
        const double noise_form = mu + r * (xt - mu) - (r * mt.std - ms.std) * N;
        const double x0_form = k.c_xt * xt + k.c_x0 * x0 + k.c_y * mu;
        CHECK(close(x0_form, noise_form, 1e-12, 1e-14));
      }
  }
}

// RDBM §2: Θ_t = sinh(θ̄_{t:T})/sinh(θ̄_T), Σ_t² = 2λ sinh(θ̄_t) sinh(θ̄_{t:T})/sinh(θ̄_T)
// and the published values (spec rdbm.md §5 table, 6 digits).
TEST_CASE("RDBM sinh forms and published table", "[closed-form][rdbm]") {
  const double lambda = 10.0 / 255;
  const auto proc = rdbm_process(100, lambda);
  const bridge_d b(proc, {});
  const double T = proc.theta_bar(99);
  CHECK(close(T, 7.8789, 0, 5e-5));
  for (long i = 0; i < 99; ++i) {
    const double a = proc.theta_bar(double(i)), c = T - a;
    const auto m = b.marginal(double(i));
    CHECK(close(m.c_x0, std::sinh(c) / std::sinh(T), 1e-12));
    CHECK(close(m.std * m.std, 2 * lambda * std::sinh(a) * std::sinh(c) / std::sinh(T), 1e-12));
  }
  const std::vector<std::tuple<int, double, double>> table = {
      {89, 0.027943, 0.197934}, {79, 0.099494, 0.197045}, {69, 0.208675, 0.193670},
      {59, 0.345504, 0.185834}, {49, 0.497229, 0.171814}, {39, 0.649533, 0.150568},
      {29, 0.787903, 0.121947}, {19, 0.899037, 0.086712}, {9, 0.972141, 0.046417}};
  for (auto [i, theta, sigma] : table) {
    const auto m = b.marginal(i);
    CHECK(close(m.c_x0, theta, 0, 5e-7));
    CHECK(close(m.std, sigma, 0, 5e-7));
  }
  const auto end = b.marginal(99);
  CHECK(end.c_x0 == 0);
  CHECK(end.std == 0);
  CHECK(end.c_y == 1);
}

// docs §1: g² = 2λθ closed forms equal the general integral by quadrature.
TEST_CASE("sinh closed forms equal the quadrature of the general process", "[closed-form]") {
  const double lambda = 0.3, T = 3.0;
  const auto closed = smooth_ou(lambda, T);
  const auto quad = make_quadrature_process<double>(
      [](double t) { return 0.5 + 0.4 * std::sin(t); },
      [lambda](double t) { return 2 * lambda * (0.5 + 0.4 * std::sin(t)); }, T);
  for (auto pin : {pin_kind::hard, pin_kind::none}) {
    const bridge_d a(closed, {reversion_target::y, pin, 0}), b(quad, {reversion_target::y, pin, 0});
    for (double t : {0.05, 0.5, 1.5, 2.5, 2.95}) {
      const auto x = a.marginal(t), y = b.marginal(t);
      CHECK(close(x.c_x0, y.c_x0, 1e-10));
      CHECK(close(x.std, y.std, 1e-10));
      for (double s : {0.01, 0.3 * t, 0.9 * t}) {
        const auto p = a.posterior(s, t), q = b.posterior(s, t);
        CHECK(close(p.k, q.k, 1e-10));
        CHECK(close(p.c_x0, q.c_x0, 1e-10));
        CHECK(close(p.var, q.var, 1e-10));
      }
    }
  }
}

// docs §1: θ → 0 with g² fixed is the Brownian bridge, reached continuously (no NaN).
// The pinned marginal's sinh ratios are even in θ, so the error is O(θ²).
TEST_CASE("theta -> 0 limit equals the Brownian bridge", "[closed-form][limit]") {
  const double g2 = 2.0, T = 1.0;
  const bridge_d bm(make_brownian_process<double>(
                        curve<double>([g2](double t) { return g2 * t; }, 0.0, T),
                        [g2, T](double t) { return g2 * (T - t); }, [g2](double) { return g2; }),
                    {});
  auto err = [&](double theta) {
    const bridge_d ou(make_constant_ou_process(theta, g2, T), {});
    double e = 0;
    for (double t : {0.0, 0.1, 0.5, 0.9, 1.0}) {
      const auto a = ou.marginal(t), b = bm.marginal(t);
      REQUIRE(std::isfinite(a.c_x0));
      REQUIRE(std::isfinite(a.std));
      e = std::max(
          {e, std::abs(a.c_x0 - b.c_x0), std::abs(a.c_y - b.c_y), std::abs(a.std - b.std)});
    }
    return e;
  };
  CHECK(err(0.0) < 1e-15);
  CHECK(err(1e-300) < 1e-15);
  const double e1 = err(1e-3), e2 = err(5e-4);
  CHECK(e1 > 0);
  CHECK(e1 / e2 == Approx(4.0).epsilon(0.05));  // second order in θ
}

// DDBM-VP needs reversion target 0: with target y its y-coefficient is off (up to 0.037).
TEST_CASE("VP bridge: exact with target 0, not with target y", "[closed-form][ddbm]") {
  presets::ddbm_vp vp;
  double worst = 0;
  for (int i = 1; i < 100; ++i) {
    const double t = i / 100.0;
    const double alpha = std::exp(-(0.1 * t / 2 + 2 * t * t / 4));
    const double aT = std::exp(-(0.1 / 2 + 2.0 / 4));
    const double snr = 1 / std::expm1(2 * t * t / 2 + 0.1 * t);
    const double snrT = 1 / std::expm1(2.0 / 2 + 0.1);
    const auto m = vp.coeffs(t);
    CHECK(close(m.c_y, alpha / aT * snrT / snr, 1e-12));
    CHECK(close(m.c_x0, alpha * (1 - snrT / snr), 1e-12));
    worst = std::max(worst, std::abs(vp.target_y_coeffs(t).c_y - m.c_y));
  }
  CHECK(worst == Approx(0.037).margin(0.001));
}

// Parameterisation conversions (sampler/parameterisation.hpp) are mutually inverse and
// consistent with the marginal: x_t built from (x0, πε) maps back to both.
TEST_CASE("x0, pi-eps and score parameterisations convert exactly", "[parameterisation]") {
  const bridge_d b(rdbm_process(), {});
  for (double t : {5.0, 40.0, 90.0}) {
    const auto m = b.marginal(t);
    for (double x0 : {-0.8, 0.3})
      for (double y : {-0.2, 0.6})
        for (double pe : {-1.5, 0.7}) {
          const double xt = m.c_x0 * x0 + m.c_y * y + m.std * pe;
          CHECK(pi_eps_from_x0(m, xt, x0, y) == Approx(pe).epsilon(1e-12));
          CHECK(x0_from_pi_eps(m, xt, y, pe) == Approx(x0).epsilon(1e-12));
          const double sc = pi2_score_from_x0(m, xt, x0, y);
          CHECK(sc == Approx(-pe / m.std).epsilon(1e-12));
          CHECK(x0_from_pi2_score(m, xt, y, sc) == Approx(x0).epsilon(1e-12));
          const double pi = x0 - y;  // RDBM's residual modulation, ε = πε/π
          CHECK(x0_from_eps(m, xt, y, pe / pi, pi) == Approx(x0).epsilon(1e-12));
        }
  }
}
