// With the oracle denoiser, a sampler's only error is its discretisation. The η = 1
// posterior sampler at full NFE must then reproduce the exact target law (moments and a KS
// test per pixel); coarse or deterministic samplers must fail the same test (its power).
// For Gaussian data and π = 1 every update is linear, so the sampler's output law follows
// exact mean/variance recursions: they quantify the full-NFE bias and validate the loop.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "diffbridge/study/ks_test.hpp"
#include "diffbridge/study/schedule_benchmark.hpp"

using namespace diffbridge;
using namespace diffbridge::study;

namespace {

// Targets with sd ≥ 0.1: the full-NFE sampler's variance deficit (about 2e-4, see below) is
// then under the 1% resolution of 20000 samples.
std::vector<pixel_problem> pixels() {
  const gaussian_mixture bimodal({{0.5, 0.25, 0.1}, {0.5, 0.75, 0.1}});
  return {make_pixel(bimodal, {1.0, 0.2}, 0.5),
          make_pixel(bimodal, {0.8, 0.15}, 0.3),
          {0.6, gaussian_mixture::normal(0.5, 0.15)}};
}

struct verdict {
  double worst_p = 1;     ///< smallest KS p-value over pixels
  double worst_mean = 0;  ///< largest |mean error| / se
  double worst_var = 0;   ///< largest |variance error| / se
};

verdict run(const bench_case& c, const std::string& sampler, long nfe, size_t S) {
  const auto px = pixels();
  const oracle o(px, c.pi);
  long done = 0;
  const auto x = run_sampler(c, sampler, nfe, o, S, 5, done);
  verdict v;
  for (size_t p = 0; p < px.size(); ++p) {
    const std::span<const double> xs(x.data() + p * S, S);
    const auto& tg = px[p].target;
    const auto m = moments(xs);
    v.worst_p =
        std::min(v.worst_p, ks_pvalue(ks_statistic(xs, [&](double a) { return tg.cdf(a); }), S));
    v.worst_mean =
        std::max(v.worst_mean, std::abs(m.mean - tg.mean()) / mean_standard_error(tg, S));
    v.worst_var = std::max(v.worst_var,
                           std::abs(m.variance - tg.variance()) / variance_standard_error(tg, S));
  }
  return v;
}

}  // namespace

// The η = 1 sampler with the exact E[x0 | x_t] still misses c0²·Var(x0 | x_t) of variance
// per step (the posterior's x0-weight times the denoiser's uncertainty, cf. Analytic-DPM),
// largest near the clean end; the recursion test below measures it: 6-7% of a 0.15² target
// at T = 100, 0.7% at T = 1000. So "full NFE" is tested on 1000-step discretisations, where
// the deficit is below the resolution of 8000 samples (1.6% of the variance per se).
TEST_CASE("eta = 1 posterior sampler at full NFE reproduces the exact target",
          "[study][sampling]") {
  const size_t S = 8000;  // KS resolves CDF errors of ~0.02 at p = 1e-3
  for (const bench_case& c :
       {bench_case{"goub", "goub", {"T=1000"}, modulation::one, {}},
        bench_case{"rdbm-pi1", "rdbm", {"pi=1", "T=1000"}, modulation::one, {}},
        bench_case{"ddbm-vp", "ddbm-vp", {}, modulation::one, {}}}) {
    const auto v = run(c, "eta=1", 1000, S);
    INFO(c.label << ": KS p " << v.worst_p << ", mean " << v.worst_mean << " se, var "
                 << v.worst_var << " se");
    CHECK(v.worst_p > 1e-3);
    CHECK(v.worst_mean < 4.5);  // 3 pixels x 2 moments: 4.5 se is a 4e-5 false alarm
    CHECK(v.worst_var < 4.5);
  }
}

TEST_CASE("the same test rejects coarse and deterministic samplers (its power)",
          "[study][sampling]") {
  const size_t S = 8000;
  const bench_case goub{"goub", "goub", {}, modulation::one, {}};
  CHECK(run(goub, "eta=1", 3, S).worst_p < 1e-6);  // 3 steps: visibly off
  const bench_case rdbm{"rdbm-pi1", "rdbm", {"pi=1"}, modulation::one, {}};
  const auto det = run(rdbm, "eta=0", 100, S);  // Eq. 19 from x_T = μ: one point per pixel
  CHECK(det.worst_p < 1e-12);
  CHECK(det.worst_var > 100);
}

// Gaussian target N(m0, s0²), π = 1: x̂0 = m0 + g·(x − a m0 − b y), g = a s0²/(a²s0² + c²),
// and a step x' = k x + p x̂0 + q y + w z, so (mean, var) → ((k + p g)·mean + p(m0 − g a m0
// − g b y) + q y, (k + p g)²·var + w²) from the prior (c_y y, std²).
TEST_CASE("Gaussian data: exact output moments of the sampler, and the loop matches them",
          "[study][sampling]") {
  const double m0 = 0.55, s0 = 0.04, y = 0.6;
  for (const char* name : {"goub", "irsde", "ddbm-vp", "dbim"}) {
    const auto p = make_preset(name);
    for (double eta : {0.0, 1.0}) {
      for (long n : {10L, 100L}) {
        const auto g = p.default_grid(n);
        const auto pr = p.prior(g.front());
        double mean = pr.c_y * y, var = pr.std * pr.std;
        for (size_t i = 0; i + 1 < g.size(); ++i) {
          const auto m = p.coeffs(g[i]);
          const auto st = p.step(g[i], g[i + 1], eta);
          const double v = m.c_x0 * m.c_x0 * s0 * s0 + m.std * m.std;
          const double gain = v > 0 ? m.c_x0 * s0 * s0 / v : 0;
          const double k = st.c_xt + st.c_x0 * gain;
          mean = k * mean + st.c_x0 * (m0 - gain * (m.c_x0 * m0 + m.c_y * y)) + st.c_y * y;
          var = k * k * var + st.c_z * st.c_z;
        }
        if (eta == 1 && n == 100 && std::string(name) != "dbim") {
          // the full-NFE deficit (above): exact mean, variance short by 6-12% at s0 = 0.04
          INFO(name << ": full-NFE posterior sampler, var " << var << " vs " << s0 * s0);
          CHECK(std::abs(mean - m0) < 1e-3 * s0);
          CHECK(var < s0 * s0);
          CHECK(s0 * s0 - var < 2e-4);
        }
        // the sampling loop on 4000 samples agrees with the recursion
        const bench_case c{name, name, {}, modulation::one, {}};
        const oracle o({{y, gaussian_mixture::normal(m0, s0)}}, modulation::one);
        long done = 0;
        const auto x = run_sampler(c, eta == 0 ? "eta=0" : "eta=1", n, o, 4000, 3, done);
        CHECK(done == long(g.size()) - 1);
        const auto sm = moments(x);
        const double sd = std::sqrt(var);
        INFO(name << " eta=" << eta << " n=" << n << ": loop " << sm.mean << ", " << sm.variance
                  << "; exact " << mean << ", " << var);
        CHECK(std::abs(sm.mean - mean) < 5 * sd / std::sqrt(4000.0) + 1e-12);
        CHECK(std::abs(sm.variance - var) < 5 * var * std::sqrt(2 / 4000.0) + 1e-12);
      }
    }
  }
}

TEST_CASE("benchmark runner: NFE caps, every sampler kind, finite rows", "[study][bench]") {
  const auto cases = default_bench_cases();
  CHECK(cases.size() == 15);
  auto find = [&](const std::string& l) {
    return *std::find_if(cases.begin(), cases.end(), [&](const auto& c) { return c.label == l; });
  };
  const std::vector<long> want{2, 3, 5, 10, 20, 50, 100};
  CHECK(bench_nfe(find("resshift"), want) == std::vector<long>{2, 3, 5, 10, 15});
  CHECK(bench_nfe(find("bbdm"), want) == std::vector<long>{3, 5, 10, 20, 50, 100});
  CHECK(bench_nfe(find("rdbm-residual"), want) == want);
  bench_config cfg;
  cfg.pixels = 2, cfg.samples = 64, cfg.nfe = {2, 5};
  const auto px = bench_pixels(cfg.pixels, cfg.seed);
  CHECK(bench_pixels(2, 0)[1].y == px[1].y);  // deterministic
  const bench_metrics met(px, cfg.samples);
  for (const char* l : {"goub", "ddbm-vp", "rdbm-residual", "rectified-flow"}) {
    const auto rows = run_bench_case(find(l), cfg, px, met);
    CHECK(!rows.empty());
    for (const auto& r : rows) {
      INFO(l << " " << r.sampler << " nfe " << r.nfe);
      CHECK(std::isfinite(r.w2));
      CHECK(r.w2 >= 0);
      if (r.sampler == "heun") CHECK(r.nfe % 2 == 1);  // 2 per step, 1 on the last
    }
  }
}
