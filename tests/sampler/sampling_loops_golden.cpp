// Whole sampling runs against the originals' own sampling loops: tests/golden/sampling_loops.csv,
// made by scripts/golden/make_sampling_golden.py from float64 ports of each official repository's
// loop (its prior, its time pairs, its update expressions), the same inputs y and target, the
// same toy denoiser x̂0 = 0.7·target + 0.3·tanh(x) and the library's Philox normals in place of
// torch.randn (counter 0 for the prior, k + 1 for step k, as sample() draws them).
//
// Tolerance. The library runs the loop in float32 (state, coefficients, denoiser, normals); the
// port in float64 with normals from the NumPy recipe of core/philox.hpp (within 2 ulp of the
// C++ float32 normals, checked below). Every sample here has scale ~1 (|x| < 1), so float32
// rounding of the state and coefficients is ~6e-8 per operation; it accumulates over the steps
// and is amplified where a step's coefficients are large and cancel (Euler–Maruyama next to a
// pin, BBDM/I2SB steps with k ≈ 1). The bound is 1e-5 of the sample's scale max(1, max|x|) —
// about 100 ulp of float32 at that scale — independent of the step count; measured (g++ 12,
// x86-64, default flags, 49 runs of up to 999 steps): at most 3.8e-7 (DBIM-VE, 10 NFE), 1.2e-7
// for I2SB's 999 steps (`test_sampling_loops_golden "[report]"` prints every case). Convention
// errors are far above it: in the ports, every noise draw one counter later moves the samples by
// 3.2e-4 to 0.60, the sign of the Euler–Maruyama noise by 3.7e-3 to 1.1e-2, BBDM's exact instead
// of float32 grid at S = 155 by 2.9e-4; a golden value moved by 2e-5 fails; a wrong η, another
// noise stream or one step more fail by more than 100× the tolerance (the last test case below).
// RDBM's float32 grid at S = 85 (78, 58 instead of 79, 59) moves its deterministic run by only
// 1.4e-7: the grid tests (tests/core/schedules_grids.cpp) cover that, not this one.
// DDBM's Heun PF-ODE (sampler "heun") runs in double through diffbridge::heun_pf_ode on the
// preset's bridge, per element (the toy denoiser is elementwise), at 1e-7: the port walks DDBM's
// float32 Karras times, the library double ones (measured 2.9e-9).
#include <catch2/catch.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/core/philox.hpp"
#include "diffbridge/sampler/pf_ode.hpp"
#include "diffbridge/sampler/sample.hpp"
#ifdef DIFFBRIDGE_HAVE_EIGEN
#include "diffbridge/backend/eigen.hpp"
#endif

using namespace diffbridge;

namespace {

constexpr shape dims{1, 3, 4, 5};
constexpr double tolerance = 1e-5;         // of max(1, max|x|), see above
constexpr double tolerance_double = 1e-7;  // heun_pf_ode in double (DDBM), see above

struct record {
  std::string kind, bridge, sets, sampler;
  long steps = 0;
  double eta = 0;
  std::uint64_t seed = 0;
  std::vector<double> values;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> r;
  std::string f;
  std::stringstream ss(s);
  while (std::getline(ss, f, sep)) r.push_back(f);
  if (!s.empty() && s.back() == sep) r.emplace_back();
  return r;
}

double number(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    throw invalid_input("sampling_loops.csv: '" + s + "' is not a finite number");
  return v;
}

std::vector<record> read_golden() {
  const std::string path = std::string(DIFFBRIDGE_GOLDEN_DIR) + "/sampling_loops.csv";
  std::ifstream in(path);
  if (!in) throw invalid_input("cannot open " + path);
  std::vector<record> out;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      REQUIRE(line == "record,bridge,set,sampler,steps,eta,seed,values");
      header = true;
      continue;
    }
    const auto f = split(line, ',');
    REQUIRE(f.size() == 8);
    record r;
    r.kind = f[0], r.bridge = f[1], r.sets = f[2], r.sampler = f[3];
    if (!f[4].empty()) r.steps = std::stol(f[4]);
    if (!f[5].empty()) r.eta = number(f[5]);
    if (!f[6].empty()) r.seed = std::stoull(f[6]);
    for (const auto& v : split(f[7], ' ')) r.values.push_back(number(v));
    out.push_back(std::move(r));
  }
  return out;
}

struct golden_runs {
  std::vector<float> y, target;
  std::vector<record> philox, cases;
  golden_runs() {
    for (auto& r : read_golden()) {
      if (r.kind == "INPUT" && r.bridge == "y") y.assign(r.values.begin(), r.values.end());
      if (r.kind == "INPUT" && r.bridge == "target")
        target.assign(r.values.begin(), r.values.end());
      if (r.kind == "PHILOX") philox.push_back(r);
      if (r.kind == "CASE") cases.push_back(r);
    }
    REQUIRE(y.size() == dims.numel());
    REQUIRE(target.size() == dims.numel());
  }
};

parameter_set params_of(const record& c) {
  parameter_set ps;
  if (!c.sets.empty())
    for (const auto& kv : split(c.sets, ';')) ps.set(kv);
  return ps;
}

// sample<B, float> on the case, with the toy denoiser in float32.
// With prediction::pi_eps the denoiser answers the marginal's πε at t for that x̂0,
// (x − c_x0·x̂0 − c_y·y)/std, and 0 at a pinned end (std = 0), where sample() does not read it.
template <class B>
std::vector<float> run(const record& c, const golden_runs& g, const sample_options& o) {
  const auto p = make_preset(c.bridge, params_of(c));
  const auto grid = p.default_grid(c.steps);
  auto y = B::template empty<float>(dims), x = B::template empty<float>(dims);
  B::copy_from_host(std::span<const float>(g.y), B::as_view(y));
  std::vector<float> hx(dims.numel()), ht(dims.numel());
  auto denoise = [&](typename B::template view<const float> xs, double t, auto,
                     typename B::template view<float> out) {
    B::copy_to_host(xs, std::span<float>(hx));
    for (size_t i = 0; i < hx.size(); ++i) ht[i] = 0.7f * g.target[i] + 0.3f * std::tanh(hx[i]);
    if (o.predicts == prediction::pi_eps) {
      const auto m = p.coeffs(t);
      for (size_t i = 0; i < hx.size(); ++i)
        ht[i] = m.std > 0 ? float((hx[i] - m.c_x0 * ht[i] - m.c_y * g.y[i]) / m.std) : 0.0f;
    }
    B::copy_from_host(std::span<const float>(ht), out);
  };
  sample<B, float>(p, grid, denoise, B::as_view(std::as_const(y)), B::as_view(x), o);
  std::vector<float> r(dims.numel());
  B::copy_to_host(B::as_view(std::as_const(x)), std::span<float>(r));
  return r;
}

sample_options options_of(const record& c) {
  sample_options o;
  o.eta = c.eta, o.seed = c.seed;
  if (c.sampler == "predict=pi_eps")
    o.predicts = prediction::pi_eps;
  else
    o.sampler = c.sampler;
  return o;
}

// DDBM's Heun PF-ODE (churn 0) through heun_pf_ode on the preset's bridge, per element in double.
template <class P>
std::vector<double> run_heun(const record& c, const golden_runs& g) {
  const P p(params_of(c));
  const auto grid = p.default_grid(c.steps);
  std::vector<double> r(dims.numel());
  for (size_t i = 0; i < r.size(); ++i) {
    const double tg = g.target[i];
    auto D = [tg](double x, double) { return 0.7 * tg + 0.3 * std::tanh(x); };
    r[i] = heun_pf_ode(p.bridge(), grid, double(g.y[i]), double(g.y[i]), D);
  }
  return r;
}

template <class V>
double scaled_error(const V& got, const std::vector<double>& want) {
  double scale = 1, err = 0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < want.size(); ++i) err = std::max(err, std::abs(double(got[i]) - want[i]));
  return err / scale;
}

std::string label(const record& c) {
  std::ostringstream s;
  s << c.bridge << " [" << c.sets << "] sampler '" << c.sampler << "' steps " << c.steps << " eta "
    << c.eta << " seed " << c.seed;
  return s.str();
}

std::vector<double> library_run(const record& c, const golden_runs& g) {
  if (c.sampler == "heun")
    return c.bridge == "ddbm-ve" ? run_heun<presets::ddbm_ve>(c, g)
                                 : run_heun<presets::ddbm_vp>(c, g);
  const auto s = run<std_backend>(c, g, options_of(c));
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("the golden's NumPy Philox normals are the library's", "[sample][golden]") {
  const golden_runs g;
  REQUIRE(g.philox.size() >= 3);
  for (const auto& r : g.philox) {
    INFO("seed " << r.seed << " counter " << r.steps);
    const philox_normals z{r.seed, std::uint64_t(r.steps)};
    for (size_t i = 0; i < r.values.size(); ++i) {
      const float a = z(i), b = float(r.values[i]);
      const float ulp = std::nextafter(std::abs(a), INFINITY) - std::abs(a);
      CHECK(std::abs(a - b) <= 4 * ulp);  // float64 log/cos/sin vs float32 ones: measured ≤ 2 ulp
    }
  }
}

TEST_CASE("whole sampling runs equal the originals' own loops", "[sample][golden]") {
  const golden_runs g;
  REQUIRE(g.cases.size() >= 40);
  std::map<std::string, int> per_bridge;
  for (const auto& c : g.cases) {
    INFO(label(c));
    ++per_bridge[c.bridge];
    const auto s = library_run(c, g);
    const double e = scaled_error(s, c.values);
    CHECK(e <= (c.sampler == "heun" ? tolerance_double : tolerance));
#ifdef DIFFBRIDGE_HAVE_EIGEN
    if (c.sampler != "heun") {  // the same run on Eigen: the same bits (sampling_loop.cpp)
      const auto r = run<eigen_backend>(c, g, options_of(c));
      CHECK(std::equal(r.begin(), r.end(), s.begin()));
    }
#endif
  }
  for (const char* b : {"rdbm", "goub", "unidb", "irsde", "bbdm", "i2sb", "dbim", "ddbm-ve",
                        "ddbm-vp", "resshift", "ddpm", "rectified-flow"}) {
    INFO(b);
    CHECK(per_bridge[b] >= 1);
  }
}

TEST_CASE("the golden runs would catch a wrong loop convention", "[sample][golden]") {
  // Each perturbation of the library's run moves it far beyond the tolerance on the golden
  // case it concerns: the check above has teeth.
  const golden_runs g;
  auto find = [&](const std::string& bridge, const std::string& sampler, long steps) {
    const auto it = std::find_if(g.cases.begin(), g.cases.end(), [&](const record& c) {
      return c.bridge == bridge && c.sampler == sampler && c.steps == steps && c.sets.empty();
    });
    REQUIRE(it != g.cases.end());
    return *it;
  };
  auto err = [&](const record& c, const sample_options& o) {
    return scaled_error(run<std_backend>(c, g, o), c.values);
  };
  // another η: DBIM (deterministic in the golden), BBDM (only its noise scales), ResShift
  for (const auto& [b, n] :
       {std::pair{"dbim", 10L}, std::pair{"bbdm", 20L}, std::pair{"resshift", 15L}}) {
    INFO(b);
    const auto c = find(b, "", n);
    auto o = options_of(c);
    o.eta = c.eta == 0 ? 0.1 : 0.9 * c.eta;
    CHECK(err(c, o) > 100 * tolerance);
  }
  {  // noise under another counter layout: another seed stands for any other stream
    for (const auto& [b, smp, n] :
         {std::tuple{"i2sb", "", 10L}, std::tuple{"goub", "euler-maruyama", 100L},
          std::tuple{"irsde", "", 100L}, std::tuple{"resshift", "", 15L},
          std::tuple{"bbdm", "", 20L}, std::tuple{"ddpm", "", 10L}}) {
      INFO(b);
      const auto c = find(b, smp, n);
      auto o = options_of(c);
      o.seed = c.seed + 1;
      CHECK(err(c, o) > 100 * tolerance);
    }
  }
  {  // another grid: one step more
    for (const auto& [b, n] :
         {std::pair{"rdbm", 10L}, std::pair{"ddpm", 10L}, std::pair{"rectified-flow", 10L}}) {
      INFO(b);
      auto c = find(b, "", n);
      const auto want = c.values;
      c.steps = n + 1;
      CHECK(scaled_error(run<std_backend>(c, g, options_of(c)), want) > 100 * tolerance);
    }
  }
}

// `test_sampling_loops_golden "[report]"` prints the measured error of every run.
TEST_CASE("report: the error of every golden run", "[.][report]") {
  const golden_runs g;
  double worst = 0;
  for (const auto& c : g.cases) {
    const auto s = library_run(c, g);
    double amax = 0;
    for (size_t i = 0; i < s.size(); ++i) amax = std::max(amax, std::abs(s[i] - c.values[i]));
    const double e = scaled_error(s, c.values);
    worst = std::max(worst, e);
    std::printf("%-60s max abs %.2e  scaled %.2e\n", label(c).c_str(), amax, e);
  }
  std::printf("worst scaled error %.2e (tolerance %.0e)\n", worst, tolerance);
}
