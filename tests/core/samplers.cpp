// Samplers: convergence orders (Euler–Maruyama weak order 1, Heun order 2 on the PF-ODE),
// Monte-Carlo of the forward SDE against the analytic marginal, float against double.
#include <catch2/catch.hpp>
#include <random>

#include "test_helpers.hpp"

using namespace dbt;

namespace {

// x0 ~ N(mu0, s0²) per pixel, y fixed: the exact denoiser E[x0 | x_t, y] (π = 1).
struct gaussian_data {
  double mu0 = 0.3, s0 = 0.5, y = -0.4;
  template <class B>
  double denoise(const B& b, double x, double t) const {
    const auto m = b.marginal(t);
    const double v = m.c_x0 * m.c_x0 * s0 * s0 + m.std * m.std;
    return mu0 + m.c_x0 * s0 * s0 / v * (x - m.c_x0 * mu0 - m.c_y * y);
  }
  template <class B>
  std::pair<double, double> moments(const B& b, double t) const {
    const auto m = b.marginal(t);
    return {m.c_x0 * mu0 + m.c_y * y, std::sqrt(m.c_x0 * m.c_x0 * s0 * s0 + m.std * m.std)};
  }
};

}  // namespace

// docs §5: the PF-ODE transports the marginals; Heun's error falls as h².
TEST_CASE("Heun on the PF-ODE converges with order 2", "[sampler][order]") {
  const gaussian_data d;
  for (const auto& [name, b] : consistent_bridges()) {
    if (b.config().pin == pin_kind::none || b.process().discrete()) continue;
    INFO(name);
    const double lo = b.first() + 0.1 * (b.last() - b.first());
    const double hi = b.first() + 0.9 * (b.last() - b.first());
    const auto [m_hi, s_hi] = d.moments(b, hi);
    const auto [m_lo, s_lo] = d.moments(b, lo);
    const double xi = 1.3;  // the quantile followed
    auto err = [&](long n) {
      const auto g = grid::uniform(hi, lo, n);
      auto D = [&](double x, double t) { return d.denoise(b, x, t); };
      const double x = heun_pf_ode(b, g, m_hi + s_hi * xi, d.y, D);
      return std::abs(x - (m_lo + s_lo * xi));
    };
    const double e1 = err(40), e2 = err(80), e3 = err(160);
    INFO("errors " << e1 << " " << e2 << " " << e3);
    CHECK(e3 < 1e-3 * s_lo);
    CHECK(std::log2(e1 / e2) == Approx(2).margin(0.25));
    CHECK(std::log2(e2 / e3) == Approx(2).margin(0.25));
  }
}

// docs §5: Euler–Maruyama on the reverse SDE, weak order 1. With a linear drift the mean
// and variance of the EM chain follow exact recursions, so no sampling noise enters.
TEST_CASE("Euler-Maruyama on the reverse SDE has weak order 1", "[sampler][order]") {
  const gaussian_data d;
  for (const auto& [name, b] : consistent_bridges()) {
    if (b.process().discrete()) continue;
    INFO(name);
    const double lo = b.first() + 0.1 * (b.last() - b.first());
    const double hi = b.first() + 0.9 * (b.last() - b.first());
    const auto [m_hi, s_hi] = d.moments(b, hi);
    const auto [m_lo, s_lo] = d.moments(b, lo);
    auto err = [&](long n) {
      const auto g = grid::uniform(hi, lo, n);
      double mean = m_hi, var = s_hi * s_hi;
      for (size_t i = 0; i + 1 < g.size(); ++i) {
        const auto c = b.euler_maruyama(g[i + 1], g[i]);
        // denoiser is affine: D(x) = α + β·x
        const double beta = d.denoise(b, 1.0, g[i]) - d.denoise(b, 0.0, g[i]);
        const double alpha = d.denoise(b, 0.0, g[i]);
        const double A = c.c_xt + c.c_x0 * beta, B = c.c_x0 * alpha + c.c_y * d.y;
        mean = A * mean + B;
        var = A * A * var + c.c_z * c.c_z;
      }
      return std::abs(mean - m_lo) + std::abs(std::sqrt(var) - s_lo);
    };
    const double e1 = err(100), e2 = err(200), e3 = err(400);
    CHECK(std::log2(e1 / e2) == Approx(1).margin(0.15));
    CHECK(std::log2(e2 / e3) == Approx(1).margin(0.15));
  }
}

// Simulated paths of the conditioned forward SDE dx = f dt + g dW match the analytic
// marginal (mean and variance within 5 standard errors).
TEST_CASE("forward SDE paths match the analytic marginal", "[sampler][monte-carlo]") {
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> n01;
  const double x0 = 0.6, y = -0.2;
  for (const auto& [name, b] : consistent_bridges()) {
    if (b.process().discrete()) continue;
    INFO(name);
    const double t_end = b.first() + 0.7 * (b.last() - b.first());
    const long steps = 2000, paths = 4000;
    const double h = (t_end - b.first()) / double(steps);
    std::vector<double> cx(steps), cy(steps), gs(steps);
    for (long i = 0; i < steps; ++i) {
      const double t = b.first() + double(i) * h;
      const auto f = b.forward_drift(t);
      cx[size_t(i)] = f.c_x, cy[size_t(i)] = f.c_y * y;
      gs[size_t(i)] = std::sqrt(b.process().g2(t) * h);
    }
    double sum = 0, sum2 = 0;
    for (long p = 0; p < paths; ++p) {
      double x = x0;
      for (size_t i = 0; i < size_t(steps); ++i) x += (cx[i] * x + cy[i]) * h + gs[i] * n01(rng);
      sum += x, sum2 += x * x;
    }
    const auto m = b.marginal(t_end);
    const double mean = sum / paths, var = sum2 / paths - mean * mean;
    const double want_mean = m.c_x0 * x0 + m.c_y * y, want_var = m.std * m.std;
    CHECK(std::abs(mean - want_mean) <
          5 * std::sqrt(want_var / paths) + 2e-3 * std::abs(want_mean));
    CHECK(std::abs(var - want_var) < 5 * want_var * std::sqrt(2.0 / paths) + 2e-3 * want_var);
  }
}

// float agrees with double to float precision (a few ulps through exp/expm1/sqrt).
TEST_CASE("float bridge agrees with double", "[float]") {
  auto make = [](auto zero) {
    using R = decltype(zero);
    auto tb = [](R t) { return R(0.5) * t + R(0.4) * (1 - std::cos(t)); };
    return generalised_bridge<process<R>>(
        make_ou_process<R>(curve<R>(tb, R(0), R(3)), tb(R(3)), R(0.3),
                           [](R t) { return R(0.5) + R(0.4) * std::sin(t); }),
        bridge_config<R>{});
  };
  const auto bf = make(0.0f);
  const auto bd = make(0.0);
  // Bound: 16 float ulps through the exp/expm1/sqrt chain, times the conditioning of
  // the differences θ̄(t) − θ̄(s) taken in float: 1 + θ̄_T / min(θ̄_t, θ̄_T − θ̄_t).
  auto tbd = [](double t) { return 0.5 * t + 0.4 * (1 - std::cos(t)); };
  for (double t : {0.01, 0.2, 1.0, 2.0, 2.9, 2.999}) {
    const double cond = 1 + tbd(3) / std::min(tbd(t), tbd(3) - tbd(t));
    const double tol = 16 * 1.19e-7 * cond;
    INFO("t = " << t << " tol " << tol);
    const auto f = bf.marginal(float(t));
    const auto d = bd.marginal(t);
    CHECK(close(f.c_x0, d.c_x0, tol, 1e-7));
    CHECK(close(f.c_y, d.c_y, tol, 1e-7));
    CHECK(close(f.std, d.std, tol, 1e-7));
    for (double s : {0.005, 0.5 * t}) {
      const double tol2 = tol + 16 * 1.19e-7 * (1 + tbd(3) / tbd(s));
      const auto sf = bf.step(float(s), float(t), 0.5f);
      const auto sd = bd.step(s, t, 0.5);
      CHECK(close(sf.c_xt, sd.c_xt, tol2, 1e-7));
      CHECK(close(sf.c_x0, sd.c_x0, tol2, 1e-7));
      CHECK(close(sf.c_z, sd.c_z, tol2, 1e-7));
    }
  }
}

// Nothing is NaN anywhere in the domain, including both ends and every preset.
TEST_CASE("no NaN anywhere in the domain", "[robustness]") {
  for (const auto& name : preset_names()) {
    INFO(name);
    const auto p = make_preset(name);
    const auto dom = p.domain();
    std::vector<double> ts = p.official_times();
    for (double f : {0.0, 1e-12, 0.5, 1 - 1e-12, 1.0}) {
      double t = dom.lo + f * (dom.hi - dom.lo);
      if (dom.discrete) t = std::round(t);
      ts.push_back(t);
    }
    for (double t : ts) {
      const auto m = p.coeffs(t);
      REQUIRE(std::isfinite(m.c_x0));
      REQUIRE(std::isfinite(m.c_y));
      REQUIRE(std::isfinite(m.std));
    }
    const auto g = p.default_grid(name == "bbdm" ? 200 : 10);
    for (size_t i = 0; i + 1 < g.size(); ++i)
      for (double eta : {0.0, 1.0}) {
        if (name == "rectified-flow" && eta > 0) continue;
        const auto s = p.step(g[i], g[i + 1], eta);
        REQUIRE(std::isfinite(s.c_xt));
        REQUIRE(std::isfinite(s.c_x0));
        REQUIRE(std::isfinite(s.c_y));
        REQUIRE(std::isfinite(s.c_z));
      }
  }
}

// DDBM runs one step too: get_sigmas_karras(1) is linspace(0, 1, 1) = [0], the grid
// [sigma_max − 1e-4, 0], and sample_heun's only step is its last, an Euler step from x = y.
// Constants: scripts/golden/ddbm_one_step.py (its float64 port of the code's ODE drift). Next
// to the pin the drift's x and y weights are ≈ ±5e3 and cancel (in the port for VP, in the
// library for both: 8e-12 relative measured for VE), hence 1e-9 relative.
TEST_CASE("DDBM with one step equals its code's single Euler step", "[sampler][ddbm]") {
  const presets::ddbm_ve ve;
  const presets::ddbm_vp vp;
  const auto gve = ve.default_grid(1), gvp = vp.default_grid(1);
  REQUIRE(gve.size() == 2);
  REQUIRE(gvp.size() == 2);
  CHECK(gve[0] == Approx(80 - 1e-4).epsilon(1e-15));
  CHECK(gvp[0] == Approx(1 - 1e-4).epsilon(1e-15));
  CHECK(gvp[1] == 0);
  const double y = 0.37, D = -1.25;
  auto den = [&](double, double) { return D; };
  CHECK(heun_pf_ode(ve.bridge(), gve, y, y, den) == Approx(D).epsilon(1e-9));
  const double want = 0.9080795252949212 * D - 0.048841270603727338 * y;
  CHECK(heun_pf_ode(vp.bridge(), gvp, y, y, den) == Approx(want).epsilon(1e-9));
  CHECK_THROWS_AS(grid::karras(1, 0.5, 1, 7, false), invalid_parameter);  // one time, no step
}
