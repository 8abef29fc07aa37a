// Presets that are limits of the generalised OU bridge converge at the predicted order;
// presets that are parameter choices coincide exactly (docs/special-cases.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "diffbridge/bridge/presets.hpp"

using namespace diffbridge;
using bridge_d = generalised_bridge<process<double>>;

namespace {
double max_diff(const marginal_coeffs<double>& a, const marginal_coeffs<double>& b) {
  return std::max({std::abs(a.c_x0 - b.c_x0), std::abs(a.c_y - b.c_y), std::abs(a.std - b.std)});
}
}  // namespace

// BBDM = lim_{κ→0} OU bridge with θ̄ = κ·S(t), λ = 1/(2κ) (so g² = 2λθ = dS/dt fixed).
// The pinned marginal is built from sinh(κ·)/sinh(κ·) ratios, even in κ: the limit is
// reached at second order (docs/special-cases.md).
TEST_CASE("BBDM is the theta -> 0 limit of the OU bridge, second order", "[limit][bbdm]") {
  presets::bbdm bb;
  std::vector<double> S{0.0};
  for (int i = 0; i < 1000; ++i) S.push_back(2 * bb.coeffs(i).c_y);  // 2s·m_t, s = 1
  auto err = [&](double kappa) {
    std::vector<double> tb;
    for (double v : S) tb.push_back(kappa * v);
    const bridge_d ou(make_ou_process<double>(curve<double>(-1, tb), kappa * 2.0, 1 / (2 * kappa),
                                              [](double) { return 0.0; }),
                      {});
    double e = 0;
    for (int i = 0; i < 1000; i += 37) e = std::max(e, max_diff(ou.marginal(i), bb.coeffs(i)));
    return e;
  };
  const double e1 = err(1e-3), e2 = err(5e-4);
  CHECK(e1 < 1e-3);
  CHECK(e1 / e2 == Approx(4).epsilon(0.02));
}

// DDBM-VE = lim OU bridge with θ̄ = κt², λ = 1/(2κ) (g² = 2t).
TEST_CASE("DDBM-VE is the theta -> 0 limit of the OU bridge, second order", "[limit][ddbm]") {
  presets::ddbm_ve ve;
  auto err = [&](double kappa) {
    auto tb = [kappa](double t) { return kappa * t * t; };
    const bridge_d ou(
        make_ou_process<double>(curve<double>(tb, 0.0, 80.0), tb(80.0), 1 / (2 * kappa),
                                [kappa](double t) { return 2 * kappa * t; }),
        {});
    double e = 0;
    for (double t : {0.002, 1.0, 20.0, 40.0, 79.0})
      e = std::max(e, max_diff(ou.marginal(t), ve.coeffs(t)) / 80);
    return e;
  };
  const double e1 = err(1e-6), e2 = err(5e-7);
  CHECK(e1 < 1e-3);
  CHECK(e1 / e2 == Approx(4).epsilon(0.02));
}

// Rectified flow = the π = 0 bridge; an OU bridge with constant θ → 0 reaches its straight
// path at second order (sinh(θ(1−s))/sinh θ = (1−s)(1 + O(θ²))).
TEST_CASE("rectified flow is the pi = 0 straight-path limit", "[limit][rf]") {
  presets::rectified_flow rf;
  auto err = [&](double theta) {
    const bridge_d ou(make_constant_ou_process(theta, 1.0, 1.0), {});
    double e = 0;
    for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      const auto a = ou.marginal(1 - t), b = rf.coeffs(t);
      e = std::max({e, std::abs(a.c_x0 - b.c_x0), std::abs(a.c_y - b.c_y)});
    }
    return e;
  };
  CHECK(err(0.0) < 1e-15);
  CHECK(err(1e-2) / err(5e-3) == Approx(4).epsilon(0.02));
}

TEST_CASE("rectified flow's step is the code's Euler step, dt = 1/N", "[rf]") {
  // ImageGeneration/sampling.py euler_sampler: x += v(x, t_i)·(1/N), t_i = i/N·(1 − eps) + eps;
  // a velocity network is x̂0 = x + (1 − t)·v on the straight path
  for (double eps : {1e-3, 0.0, 0.2}) {
    parameter_set ps;
    ps.set("eps", std::to_string(eps));
    const presets::rectified_flow rf(ps);
    for (long N : {1L, 7L, 100L}) {
      const auto g = rf.default_grid(N);
      REQUIRE(g.size() == size_t(N) + 1);
      double x = 0.3, xr = 0.3;
      for (long i = 0; i < N; ++i) {
        const double t = g[size_t(i)], v = std::sin(3 * t + x);  // any velocity field
        CHECK(t == Approx(double(i) / double(N) * (1 - eps) + eps).epsilon(1e-15));
        const auto s = rf.step(t, g[size_t(i) + 1], 0.0);
        x = s.c_xt * x + s.c_x0 * (x + (1 - t) * v) + s.c_y;
        xr = xr + std::sin(3 * t + xr) / double(N);
        CHECK(x == Approx(xr).epsilon(1e-13));
      }
    }
  }
  // the generalised bridge's step lands on the path at `to`; the code's passes it by eps/(1 − eps)
  const presets::rectified_flow rf;
  // (x_t = t·x0 + (1 − t)·y pushed through each step, as coefficients of x0 and y)
  const auto a = rf.step(0.5, 0.6, 0.0), b = rf.reference_step(0.5, 0.6, 0.0);
  CHECK(b.c_xt * 0.5 + b.c_x0 == Approx(0.6).epsilon(1e-14));
  CHECK(b.c_xt * 0.5 + b.c_y == Approx(0.4).epsilon(1e-14));
  CHECK(a.c_xt * 0.5 + a.c_x0 == Approx(0.5 + 0.1 / (1 - 1e-3)).epsilon(1e-14));
  CHECK(a.c_xt * 0.5 + a.c_y == Approx(0.5 - 0.1 / (1 - 1e-3)).epsilon(1e-14));
}

TEST_CASE("UniDB with gamma_inv = 0 is GOUB; the soft pin converges at first order",
          "[limit][unidb]") {
  presets::goub g;
  parameter_set zero;
  zero.set("gamma_inv=0");
  presets::unidb u0(zero);
  for (int t = 0; t <= 100; ++t) {
    CHECK(max_diff(u0.coeffs(t), g.coeffs(t)) == 0);
    if (t > 0) {
      const auto a = u0.step(t, t - 1, 1.0), b = g.step(t, t - 1, 1.0);
      // official-variance path (marginal_posterior_variance) vs the bridge posterior
      CHECK(a.c_xt == Approx(b.c_xt).epsilon(1e-13));
      CHECK(a.c_x0 == Approx(b.c_x0).epsilon(1e-13));
      CHECK(a.c_z == Approx(b.c_z).epsilon(1e-13));
    }
  }
  auto err = [&](double gi) {
    parameter_set ps;
    ps.set("gamma_inv", diffbridge::detail::concat(gi));
    ps.set("variance", "exact");
    presets::unidb u(ps);
    double e = 0;
    for (int t = 0; t <= 99; ++t) e = std::max(e, max_diff(u.coeffs(t), g.coeffs(t)));
    return e;
  };
  CHECK(err(1e-9) / err(5e-10) == Approx(2).epsilon(0.05));
}

TEST_CASE("DBIM's VP and VE schedules are DDBM's bridges", "[exact][dbim]") {
  presets::ddbm_vp vp;
  presets::ddbm_ve ve;
  presets::dbim dv;
  parameter_set pve;
  pve.set("schedule=ve");
  presets::dbim de(pve);
  for (double t : {1e-4, 0.1, 0.5, 0.999}) CHECK(max_diff(dv.coeffs(t), vp.coeffs(t)) == 0);
  for (double t : {0.002, 10.0, 79.0}) CHECK(max_diff(de.coeffs(t), ve.coeffs(t)) == 0);
  // schedule=vp stays pinned at t = 1 when sigma_max < 1 (VPNoiseSchedule: alpha_T, rho_T at 1);
  // sigma_max only starts the sampling, from x_T = y (it pinned at sigma_max: c_x0 0.707 for
  // 0.914 at t = 0.25, sigma_max = 0.5)
  parameter_set half;
  half.set("sigma_max=0.5");
  const presets::dbim dh(half);
  for (double t : {1e-4, 0.1, 0.25, 0.4995}) CHECK(max_diff(dh.coeffs(t), vp.coeffs(t)) == 0);
  CHECK(dh.coeffs(0.25).c_x0 == Approx(0.91352).epsilon(1e-4));
  CHECK(dh.coeffs(0.4995).std == Approx(0.46227).epsilon(1e-4));
  const auto st = dh.step(0.495, 0.25, 0.0);
  CHECK(st.c_xt == Approx(0.6148).epsilon(1e-3));
  CHECK(st.c_y == Approx(-0.0815).epsilon(1e-3));
  CHECK(make_preset("dbim", half).prior(0.5).c_y == 1);  // the code starts from x_T = y
  CHECK(make_preset("dbim", half).prior(0.5).std == 0);
  parameter_set over;
  over.set("sigma_max=2");
  CHECK_THROWS_AS(presets::dbim(over), invalid_parameter);
  // the grid starts 1e-3 below sigma_max: with sigma_max − 1e-3 ≤ sigma_min it would run upwards
  parameter_set close;
  close.set("sigma_max=0.001");
  CHECK_THROWS_AS(presets::dbim(close).default_grid(5), invalid_parameter);
}

TEST_CASE("IR-SDE is GOUB's unpinned parent", "[exact][irsde]") {
  parameter_set ps;
  ps.set("max_sigma=30");
  presets::irsde ir(ps);
  presets::goub g;  // λ = 30/255 too
  // Same schedule: GOUB's c_x0 is IR-SDE's e^{−θ̄t} times V(t,T)/V(0,T)-weights: at t = 0
  // both are 1; at T IR-SDE keeps c_x0 = eps and std = λ sqrt(1 − eps²), GOUB is pinned.
  CHECK(ir.coeffs(0).c_x0 == 1);
  CHECK(std::abs(ir.coeffs(100).c_x0 - 0.005) < 1e-15);
  CHECK(std::abs(ir.coeffs(100).std - 30.0 / 255 * std::sqrt(1 - 0.005 * 0.005)) < 1e-15);
  CHECK(g.coeffs(100).std == 0);
  for (int t = 1; t < 100; ++t) {
    const double e = std::exp(-ir.bridge().process().theta_bar(t));
    const double eT = 0.005;
    // GOUB mean coefficient = e^{−θ̄t}·(1 − e^{−2(θ̄T−θ̄t)})/(1 − e^{−2θ̄T})
    const double want = e * (1 - eT * eT / (e * e)) / (1 - eT * eT);
    CHECK(std::abs(g.coeffs(t).c_x0 - want) < 1e-12);
  }
}

// beta_schedule = quad (ddim's name; latent diffusion's 'linear', DiffIR's IPR diffusion): β =
// linspace(√β0, √β1, T)², and the marginal is still ᾱ-based: c_x0 = √ᾱ_i, std = √(1 − ᾱ_i).
TEST_CASE("DDPM with beta_schedule=quad", "[exact][ddpm]") {
  parameter_set ps;
  ps.set("num_diffusion_timesteps=4"), ps.set("beta_start=0.1"), ps.set("beta_end=0.99");
  ps.set("beta_schedule=quad");
  const presets::ddpm d(ps);
  double abar = 1;
  for (int i = 0; i < 4; ++i) {
    const double r = std::sqrt(0.1) + (std::sqrt(0.99) - std::sqrt(0.1)) * i / 3.0;
    CHECK(d.betas()[i] == Approx(r * r).epsilon(1e-15));
    abar *= 1 - r * r;
    const auto m = d.coeffs(i);
    CHECK(m.c_x0 == Approx(std::sqrt(abar)).epsilon(1e-13));
    CHECK(m.std == Approx(std::sqrt(1 - abar)).epsilon(1e-13));
  }
  // latent diffusion's name for this schedule means ddim's 'linear' there: refused, explained
  parameter_set ldm;
  ldm.set("beta_schedule=sqrt_linear");
  CHECK_THROWS_WITH(presets::ddpm(ldm), Catch::Contains("is 'quad'"));
  parameter_set bad;
  bad.set("beta_schedule=jsd");  // its last β is 1: ᾱ_{T−1} = 0 and DDIM divides by it
  CHECK_THROWS_AS(presets::ddpm(bad), invalid_parameter);
  // the others: const is β1 everywhere, cosine ignores β0 and β1 (golden tables: ddpm_*.csv)
  parameter_set c;
  c.set("beta_schedule=const"), c.set("num_diffusion_timesteps=3");
  CHECK(presets::ddpm(c).betas() == std::vector<double>{0.02, 0.02, 0.02});
  parameter_set sg;
  sg.set("beta_schedule=sigmoid"), sg.set("beta_start=0.02"), sg.set("beta_end=0.01");
  CHECK_THROWS_WITH(presets::ddpm(sg), Catch::Contains("beta_end"));
}

TEST_CASE("DDPM's quad skip grid", "[grid][ddpm]") {
  parameter_set ps;
  ps.set("skip_type=quad");
  const presets::ddpm d(ps);
  // int(linspace(0, √800, 10)²) = 0, 9, 39, 88, 158, 246, 355, 483, 632, 800 (ddim, T = 1000)
  CHECK(d.default_grid(10) == std::vector<double>{800, 632, 483, 355, 246, 158, 88, 39, 9, 0, -1});
  CHECK(d.default_grid(1) == std::vector<double>{0, -1});
  // S = 50 repeats index 0 (0.33² truncates to 0): the identity step 0 → 0 is left out
  const auto g = d.default_grid(50);
  CHECK(g.size() == 50);
  CHECK(std::adjacent_find(g.begin(), g.end()) == g.end());
  parameter_set bad;
  bad.set("skip_type=logsnr");
  CHECK_THROWS_WITH(presets::ddpm(bad), Catch::Contains("uniform|quad"));
}

TEST_CASE("coefficients keep full relative precision next to the pinned end and as s -> t",
          "[precision][ddbm]") {
  // DDBM VP and VE against 60-digit values of their closed forms (scripts/golden/
  // edges_reference.py, python3-mpmath): θ̄(t) − θ̄(s) and V(s, t) are formed as products, not
  // as differences of integrals, which lose ε·t/(t − s) (5e-3 relative at T − t = 1e-14).
  struct row {
    const char *bridge, *kind;
    double t, s;
    int eta;
    double v[4];  // coeffs: c_x0, c_y, std, 0; step (t → s): c_xt, c_x0, c_y, c_z
  };
  const row rows[] = {
      {"ddbm-vp",
       "coeffs",
       0.9999,
       0.9999,
       0,
       {0.00018160461635506985, 0.99979023376281184, 0.014489511778302562, 0.0}},
      {"ddbm-vp",
       "coeffs",
       0.99999999,
       0.99999999,
       0,
       {1.8161326431984063e-8, 0.99999997902182621, 0.0001449137659609269, 0.0}},
      {"ddbm-vp",
       "coeffs",
       0.999999999999,
       0.999999999999,
       0,
       {1.8160924667421371e-12, 0.99999999999790223, 1.4491216458194045e-6, 0.0}},
      {"ddbm-ve",
       "coeffs",
       79.999999999,
       79.999999999,
       0,
       {2.5000090886194994e-11, 0.99999999997499991, 0.0004000007270838991, 0.0}},
      {"ddbm-vp",
       "step",
       0.5,
       0.499999995,
       0,
       {0.99999999438359326, 9.1323817505294353e-9, -3.3475160222996407e-9, 0.0}},
      {"ddbm-vp",
       "step",
       0.5,
       0.499999995,
       1,
       {0.99999998152937247, 1.8264763383669218e-8, -7.7787690973264271e-62, 7.416198420382052e-5}},
      {"ddbm-vp",
       "step",
       0.5,
       0.499999999995,
       0,
       {0.99999999999438359, 9.1323824430912488e-12, -3.3475163191480044e-12, 0.0}},
      {"ddbm-vp",
       "step",
       0.5,
       0.499999999995,
       1,
       {0.99999999998152937, 1.8264764886065108e-11, -3.8893845486632136e-62,
        2.345207976906409e-6}},
      {"ddbm-ve",
       "step",
       40.0,
       39.9999996,
       0,
       {0.99999999333333332, 9.9999999558919565e-9, -3.3333332741862084e-9, 0.0}},
      {"ddbm-ve",
       "step",
       40.0,
       39.9999996,
       1,
       {0.99999998000000022, 1.9999999778450582e-8, 3.8893845486632136e-62, 0.0056568541615920191}},
      {"ddbm-ve",
       "step",
       40.0,
       39.9999999996,
       0,
       {0.99999999999333333, 1.0000000827420377e-11, -3.3333336090956811e-12, 0.0}},
      {"ddbm-ve",
       "step",
       40.0,
       39.9999999996,
       1,
       {0.99999999998, 2.000000165470742e-11, -3.8893845486632136e-62, 0.00017888544559827072}},
  };
  for (const auto& r : rows) {
    INFO(r.bridge << " " << r.kind << " t " << r.t << " s " << r.s << " eta " << r.eta);
    const auto p = make_preset(r.bridge);
    double got[4] = {0, 0, 0, 0};
    if (std::string(r.kind) == "coeffs") {
      const auto m = p.coeffs(r.t);
      got[0] = m.c_x0, got[1] = m.c_y, got[2] = m.std;
    } else {
      const auto st = p.step(r.t, r.s, r.eta);
      got[0] = st.c_xt, got[1] = st.c_x0, got[2] = st.c_y, got[3] = st.c_z;
    }
    for (int k = 0; k < 4; ++k) {  // 1e-13 relative; exact zeros within 1e-15 (rounding of ~1)
      INFO("value " << k << ": " << got[k] << " vs " << r.v[k] << " rel "
                    << (got[k] - r.v[k]) / r.v[k]);
      const bool zero = std::abs(r.v[k]) < 1e-40;
      CHECK(std::abs(got[k] - r.v[k]) <= (zero ? 1e-15 : 1e-13 * std::abs(r.v[k])));
    }
  }
}
