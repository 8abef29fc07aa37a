// Schedules, integrals and time grids against the published values of the originals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "test_helpers.hpp"

using namespace dbt;

TEST_CASE("improved-DDPM cosine betas (RDBM)", "[schedule]") {
  const auto b = schedule::cosine_betas<double>(100);
  REQUIRE(b.size() == 100);
  // rdbm.md §5: first values 6.3e-4, 1.12e-3, 1.60e-3; last three 0.555, 0.750, 0.999.
  CHECK(close(b[0], 6.3e-4, 0, 5e-6));
  CHECK(close(b[1], 1.12e-3, 0, 5e-6));
  CHECK(close(b[2], 1.60e-3, 0, 5e-6));
  CHECK(close(b[97], 0.555, 0, 5e-4));
  CHECK(close(b[98], 0.750, 0, 5e-4));
  CHECK(b[99] == 0.999);
}

TEST_CASE("IR-SDE cosine thetas and dt", "[schedule]") {
  const auto th = schedule::irsde_cosine_thetas<double>(100);
  REQUIRE(th.size() == 101);
  const double dt = schedule::irsde_dt<double>(th, 0.005);
  CHECK(close(dt, 0.104094, 0, 5e-7));  // bridges-reference §5
  const auto cum = schedule::cumsum_exclusive_scaled<double>(th, dt);
  CHECK(cum[0] == 0);
  CHECK(close(cum[100], -std::log(0.005), 1e-14));
}

TEST_CASE("I2SB symmetric sqrt-linear betas", "[schedule]") {
  for (auto [bmax, sum] : {std::pair{0.3, 0.1410}, std::pair{1.0, 0.2469}}) {
    const auto ramp = schedule::sqrt_linear<double>(1000, 1e-4, bmax / 1000);
    const auto b = schedule::symmetric<double>(ramp);
    double s = 0;
    for (double x : b) s += x;
    CHECK(close(s, sum, 0, 5e-5));
    CHECK(b.front() == b.back());
  }
  presets::i2sb p;
  CHECK(close(p.coeffs(0).c_x0, 0.999291, 0, 5e-7));
}

TEST_CASE("ResShift eta schedule", "[schedule]") {
  presets::resshift p;
  const double want[] = {0.02,     0.117165, 0.176305, 0.233629, 0.291574,
                         0.351009, 0.412356, 0.475858, 0.541672, 0.609910,
                         0.680658, 0.753985, 0.829951, 0.908606, 0.99};
  for (int i = 0; i < 15; ++i) CHECK(close(std::sqrt(p.coeffs(i).c_y), want[i], 0, 5e-7));
}

TEST_CASE("time grids", "[grid]") {
  CHECK(grid::rdbm(100, 10) == std::vector<double>{99, 89, 79, 69, 59, 49, 39, 29, 19, 9, -1});
  CHECK(presets::i2sb_space_indices(1000, 11) ==
        std::vector<double>{0, 100, 200, 300, 400, 500, 599, 699, 799, 899, 999});
  const auto bb = presets::bbdm().default_grid(200);
  REQUIRE(bb.size() == 201);  // 200 official entries, then −1 (x̂0)
  CHECK(bb[0] == 999);
  CHECK(bb[1] == 993);
  CHECK(bb[2] == 988);
  CHECK(std::find(bb.begin(), bb.end(), 666.0) != bb.end());
  CHECK(bb[bb.size() - 3] == 1);
  const auto k = grid::karras(80 - 1e-4, 0.002, 40, 7, true);
  REQUIRE(k.size() == 41);
  CHECK(close(k.front(), 80 - 1e-4, 1e-15));
  CHECK(close(k[39], 0.002, 1e-12));
  CHECK(k.back() == 0);
  const auto dd = presets::ddpm().default_grid(10);
  CHECK(dd.front() == 900);
  CHECK(dd.back() == -1);
}

TEST_CASE("custom grids are validated", "[grid][errors]") {
  const std::vector<double> ok{0.9, 0.5, 0.1};
  CHECK_NOTHROW(grid::validate(ok, 0, 1, false));
  CHECK_THROWS_AS(grid::validate(std::vector<double>{0.9, 0.9, 0.1}, 0, 1, false), invalid_time);
  CHECK_THROWS_AS(grid::validate(std::vector<double>{0.1, 0.5}, 0, 1, false), invalid_time);
  CHECK_THROWS_AS(grid::validate(std::vector<double>{1.5, 0.5}, 0, 1, false), invalid_time);
  CHECK_THROWS_AS(grid::validate(std::vector<double>{5.5, 2}, 0, 10, true), invalid_time);
  CHECK_THROWS_AS(grid::validate(std::vector<double>{0.5}, 0, 1, false), invalid_parameter);
  CHECK_THROWS_WITH(grid::validate(std::vector<double>{0.9, 0.9}, 0, 1, false),
                    Catch::Contains("strictly decreasing"));
}

TEST_CASE("invalid parameters throw typed exceptions naming the parameter", "[errors]") {
  auto throws_naming = [](auto&& f, const char* what) {
    try {
      f();
    } catch (const invalid_parameter& e) {
      return std::string(e.what()).find(what) != std::string::npos;
    } catch (...) {
      return false;
    }
    return false;
  };
  parameter_set lam;
  lam.set("lambda=-1");
  CHECK(throws_naming([&] { presets::rdbm{lam}; }, "lambda"));
  parameter_set T0;
  T0.set("T=0");
  CHECK(throws_naming([&] { presets::rdbm{T0}; }, "T = 0"));
  parameter_set bad;
  bad.set("lambda=abc");
  CHECK(throws_naming([&] { presets::rdbm{bad}; }, "not a finite number"));
  parameter_set unknown;
  unknown.set("lamda=1");
  CHECK(throws_naming([&] { presets::rdbm{unknown}; }, "unknown parameter 'lamda'"));
  CHECK(throws_naming([] { make_preset("nope"); }, "unknown bridge"));
  CHECK(throws_naming([] { make_constant_ou_process(-1.0, 1.0, 1.0); }, "theta"));
  CHECK(throws_naming(
      [] {
        make_ou_process<double>(curve<double>(0, {0.0, 1.0}), 1.0, 0.0, [](double) { return 1.0; });
      },
      "lambda"));
  CHECK(throws_naming([] { grid::rdbm(100, 101); }, "steps"));
  CHECK(throws_naming([] { presets::ddpm().default_grid(1001); }, "steps"));
  presets::rdbm r;
  CHECK_THROWS_AS(r.coeffs(100), invalid_time);
  CHECK_THROWS_AS(r.coeffs(2.5), invalid_time);
  CHECK_THROWS_AS(r.step(10, 20, 0.0), invalid_time);
  CHECK_THROWS_WITH(r.step(10, 20, 0.0), Catch::Contains("wrong way"));
  CHECK_THROWS_AS(r.step(20, 10, 1.5), invalid_parameter);
  CHECK_THROWS_AS(presets::ddbm_ve().coeffs(81), invalid_time);
  CHECK_THROWS_AS(presets::rectified_flow().step(0.5, 0.2, 0.0), invalid_time);
  auto with = [](std::initializer_list<const char*> kvs) {
    parameter_set ps;
    for (const char* kv : kvs) ps.set(kv);
    return ps;
  };
  CHECK(throws_naming(
      [&] {
        presets::dbim{with({"beta_d=0", "beta_min=0"})};
      },
      "beta_d + beta_min"));
  CHECK(throws_naming([&] { presets::rectified_flow{with({"eps=0.5"})}; }, "eps"));
  CHECK(throws_naming([&] { presets::goub{with({"lambda_square=1e200"})}; }, "lambda_square"));
  CHECK(throws_naming([] { presets::i2sb().default_grid(0); }, "steps"));
  CHECK(throws_naming([] { make_constant_ou_process(1.0, 1.0, HUGE_VAL); }, "T"));
  CHECK(throws_naming([] { schedule::linear<double>(5, 1e-4, HUGE_VAL); }, "beta_end"));
}

TEST_CASE("one parameter set configures several presets, each checking its own keys", "[errors]") {
  // (the keys a preset reads are its reader's, not the set's: rdbm reading lambda must not make
  // lambda known to goub)
  parameter_set ps;
  ps.set("lambda=0.5");
  CHECK_NOTHROW(make_preset("rdbm", ps));
  CHECK_THROWS_WITH(make_preset("goub", ps), Catch::Contains("unknown parameter 'lambda'"));
  CHECK_THROWS_WITH(make_preset("goub", ps), Catch::Contains("unknown parameter 'lambda'"));
  CHECK_NOTHROW(make_preset("rdbm", ps));
}

TEST_CASE("coefficients scale with the variance over the whole accepted range", "[numerics]") {
  // std ∝ √λ and every other coefficient is free of λ: no product of two variances overflows
  // (λ = 1e160) or underflows (λ = 1e-200) on the way
  const presets::rdbm base;
  for (double lam : {1e-200, 1e-160, 1e160, 1e300}) {
    INFO("lambda " << lam);
    parameter_set ps;
    ps.set("lambda", detail::concat(lam));
    const presets::rdbm r(ps);
    const double scale = std::sqrt(lam / (10.0 / 255.0));
    for (double t : {5.0, 50.0, 98.0}) {
      const auto m = r.coeffs(t), m0 = base.coeffs(t);
      CHECK(close(m.c_x0, m0.c_x0, 1e-14));
      CHECK(close(m.std, m0.std * scale, 1e-13));
      for (double eta : {0.0, 0.5, 1.0}) {
        const auto s = r.step(t, t - 5, eta), s0 = base.step(t, t - 5, eta);
        CHECK(close(s.c_xt, s0.c_xt, 1e-13));
        CHECK(close(s.c_x0, s0.c_x0, 1e-13));
        CHECK(close(s.c_z, s0.c_z * scale, 1e-13));
      }
    }
  }
}

TEST_CASE("linear, sigmoid, constant and user schedules", "[schedule]") {
  const auto l = schedule::linear<double>(1000, 1e-4, 0.02);
  CHECK(l.front() == 1e-4);
  CHECK(l.back() == 0.02);
  CHECK(close(l[500], 1e-4 + 500 * (0.02 - 1e-4) / 999, 1e-15));
  const auto s = schedule::sigmoid<double>(101, 1e-4, 0.02);
  CHECK(close(s[50], 1e-4 + (0.02 - 1e-4) / 2, 1e-14));  // σ(0) = ½ at the midpoint
  CHECK(close(s[0], 1e-4 + (0.02 - 1e-4) / (1 + std::exp(6.0)), 1e-14));
  for (size_t i = 1; i < s.size(); ++i) CHECK(s[i] > s[i - 1]);
  CHECK(schedule::constant<double>(3, 0.5) == std::vector<double>{0.5, 0.5, 0.5});
  const std::vector<double> user{0.1, 0.2};
  CHECK(schedule::from_array<double>(user) == user);
  CHECK_THROWS_AS(schedule::from_array<double>(std::vector<double>{0.1, 0.0}), invalid_parameter);
  CHECK_THROWS_AS(schedule::from_array<double>(std::vector<double>{}), invalid_parameter);
  CHECK_THROWS_AS(schedule::constant<double>(0, 1.0), invalid_parameter);
  // θ̄ closed form of the VP rate θ = (β_min + β_d t)/2 against quadrature
  const double q = math::integrate<double>([](double t) { return (0.1 + 2 * t) / 2; }, 0.0, 0.7);
  CHECK(close(schedule::linear_rate_integral(0.7, 0.1, 2.0), q, 1e-14));
}

TEST_CASE("grids equal the originals' own, torch's float32 included", "[grid]") {
  // tests/golden/torch_grids.csv: each original's grid expression evaluated by torch / Python
  // (scripts/golden/make_torch_grids.py)
  std::ifstream in(std::string(DIFFBRIDGE_GOLDEN_DIR) + "/torch_grids.csv");
  REQUIRE(in);
  std::map<std::string, size_t> rows;
  size_t off_exact = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("bridge,", 0) == 0) continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream row(line);
    std::string name;
    long P = 0, S = 0;
    row >> name >> P >> S;
    std::vector<double> want;
    for (double v; row >> v;) want.push_back(v);
    INFO(name << " P " << P << " S " << S);
    ++rows[name];
    if (name == "rdbm") {
      const auto g = grid::rdbm(P, S);
      CHECK(g == want);
      // the exact grid, trunc(−1 + i·T/S) in integers, differs where float32 lands below
      for (long i = 0; i <= S; ++i) off_exact += g[size_t(S - i)] != double((i * P - S) / S);
    } else if (name == "bbdm") {
      parameter_set ps;
      ps.set("num_timesteps", std::to_string(P));
      auto g = make_preset("bbdm", ps).default_grid(S);
      REQUIRE(g.back() == -1);
      g.pop_back();
      // the code's no-op step 1 → 1 (its arange ending at 1) is left out
      if (want.size() >= 3 && want[want.size() - 3] == 1) want.erase(want.end() - 3);
      CHECK(g == want);
    } else if (name == "dbim-i2sb") {
      parameter_set ps;
      ps.set("schedule", "i2sb");
      const auto g = make_preset("dbim", ps).default_grid(S);
      REQUIRE(g.size() == want.size() + 1);  // the boot from t = 1 first
      std::vector<double> idx;
      for (size_t k = 1; k < g.size(); ++k) idx.push_back(double(presets::dbim::i2sb_index(g[k])));
      CHECK(idx == want);
    } else if (name == "resshift") {
      parameter_set ps;
      ps.set("steps", std::to_string(P));
      auto g = make_preset("resshift", ps).default_grid(S);
      REQUIRE(g.back() == -1);
      g.pop_back();
      CHECK(g == want);
    } else if (name == "ddim-uniform" || name == "ddim-quad") {
      parameter_set ps;
      ps.set("num_diffusion_timesteps", std::to_string(P));
      ps.set("skip_type", name.substr(5));
      const auto g = make_preset("ddpm", ps).default_grid(S);
      // the code's steps from an index to itself (quad's repeated small indices) are identities
      // of the DDIM update and left out
      want.erase(std::unique(want.begin(), want.end()), want.end());
      CHECK(g == want);
    } else {
      FAIL("unknown grid " << name);
    }
  }
  CHECK(rows["ddim-uniform"] == 175);
  CHECK(rows["ddim-quad"] == 175);
  CHECK(rows["rdbm"] == 289);
  CHECK(rows["bbdm"] == 153);
  CHECK(rows["dbim-i2sb"] == 45);
  CHECK(rows["resshift"] == 49);
  CHECK(off_exact > 0);  // the file does exercise the float32 rounding
  const auto g85 = grid::rdbm(100, 85);
  CHECK(std::find(g85.begin(), g85.end(), 79.0) == g85.end());
  CHECK(std::find(g85.begin(), g85.end(), 78.0) != g85.end());
  CHECK_THROWS_AS(grid::rdbm((1L << 24) + 1, 10), invalid_parameter);
}

TEST_CASE("BBDM skip grid stays strictly decreasing up to every index", "[grid]") {
  presets::bbdm bb;
  for (long steps : {3L, 200L, 998L, 999L, 1000L}) {
    INFO("steps " << steps);
    const auto g = bb.default_grid(steps);
    CHECK_NOTHROW(grid::validate(g, -1, 999, true));
    CHECK(g[g.size() - 3] == 1);
  }
}
