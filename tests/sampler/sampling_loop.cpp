// The generic sampling loop (sampler/sample.hpp): against a scalar double re-run of the
// same recursion, bit-identical across backends, and exact for a point-mass target.
#include <catch2/catch.hpp>
#include <cmath>
#include <optional>
#include <random>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/sampler/sample.hpp"
#ifdef DIFFBRIDGE_HAVE_EIGEN
#include "diffbridge/backend/eigen.hpp"
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
#include "diffbridge/backend/xtensor.hpp"
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
#include "diffbridge/backend/thrust.hpp"
#endif

using namespace diffbridge;

namespace {

constexpr shape dims{1, 3, 5, 7};

struct fixture {
  std::vector<float> y, target;
  fixture() {
    std::mt19937 g(7);
    std::uniform_real_distribution<float> u(-1, 1);
    for (size_t i = 0; i < dims.numel(); ++i) y.push_back(u(g)), target.push_back(u(g));
  }
};

// A non-trivial denoiser: x̂0 = 0.7·target + 0.3·tanh(x) (depends on the state).
template <class B>
std::vector<float> run(const any_preset& p, const std::vector<double>& grid, const fixture& f,
                       const sample_options& o) {
  auto y = B::template empty<float>(dims), x = B::template empty<float>(dims),
       tg = B::template empty<float>(dims);
  B::copy_from_host(std::span<const float>(f.y), B::as_view(y));
  B::copy_from_host(std::span<const float>(f.target), B::as_view(tg));
  std::vector<float> hx(dims.numel()), ht(f.target);
  auto denoise = [&](typename B::template view<const float> xs, double, auto,
                     typename B::template view<float> out) {
    B::copy_to_host(xs, std::span<float>(hx));
    for (size_t i = 0; i < hx.size(); ++i) ht[i] = 0.7f * f.target[i] + 0.3f * std::tanh(hx[i]);
    B::copy_from_host(std::span<const float>(ht), out);
  };
  sample<B, float>(p, grid, denoise, B::as_view(std::as_const(y)), B::as_view(x), o);
  std::vector<float> r(dims.numel());
  B::copy_to_host(B::as_view(std::as_const(x)), std::span<float>(r));
  return r;
}

// The same recursion per element in double, from the documented noise layout.
std::vector<double> reference(const any_preset& p, const std::vector<double>& grid,
                              const fixture& f, const sample_options& o) {
  std::vector<double> r(dims.numel());
  const modulation pim = o.pi.value_or(p.info().pi);
  auto pi_of = [&](double x0, double y) {
    switch (pim) {
      case modulation::zero:
        return 0.0;
      case modulation::one:
        return 1.0;
      case modulation::residual:
        return x0 - y;
      default:
        return std::abs(x0 - y);
    }
  };
  for (size_t i = 0; i < r.size(); ++i) {
    const double y = f.y[i];
    const auto pr = p.prior(grid[0]);
    double x = pr.c_y * y;
    double x0 = pr.std > 0 && pim != modulation::one
                    ? (pim == modulation::zero ? y : 0.7 * f.target[i] + 0.3 * std::tanh(x))
                    : y;
    x += pr.std * pi_of(x0, y) * philox_normals{o.seed, 0}(i);
    for (size_t k = 0; k + 1 < grid.size(); ++k) {
      x0 = 0.7 * f.target[i] + 0.3 * std::tanh(x);
      const auto c = p.step(grid[k], grid[k + 1], o.eta.value_or(p.info().default_eta), o.sampler);
      x = c.c_xt * x + c.c_x0 * x0 + c.c_y * y +
          c.c_z * pi_of(x0, y) * philox_normals{o.seed, k + 1}(i);
    }
    r[i] = x;
  }
  return r;
}

struct config {
  const char* bridge;
  long steps;
  double eta;
  modulation pi;
  const char* sampler;
};

}  // namespace

TEST_CASE("sampling loop: every preset, against a double re-run and across backends", "[sample]") {
  const fixture f;
  const config configs[] = {{"rdbm", 10, 0.0, modulation::residual, ""},
                            {"rdbm", 10, 0.7, modulation::residual, ""},
                            {"rdbm", 5, 1.0, modulation::abs_residual, ""},
                            {"goub", 20, 1.0, modulation::one, ""},
                            {"goub", 100, 0.0, modulation::one, "euler-maruyama"},
                            {"unidb", 10, 1.0, modulation::one, ""},
                            {"irsde", 10, 1.0, modulation::residual, ""},
                            {"bbdm", 200, 1.0, modulation::one, ""},
                            {"bbdm", 20, 0.0, modulation::one, ""},
                            {"i2sb", 10, 1.0, modulation::one, ""},
                            {"ddbm-ve", 10, 0.5, modulation::one, ""},
                            {"ddbm-vp", 10, 0.5, modulation::one, ""},
                            {"dbim", 10, 0.3, modulation::one, ""},
                            {"resshift", 15, 1.0, modulation::one, ""},
                            {"ddpm", 10, 1.0, modulation::one, ""},
                            {"rectified-flow", 10, 0.0, modulation::zero, ""}};
  for (const auto& c : configs) {
    INFO(c.bridge << " steps " << c.steps << " eta " << c.eta << " sampler '" << c.sampler << "'");
    const auto p = make_preset(c.bridge);
    const auto grid = p.default_grid(c.steps);
    sample_options o;
    o.eta = c.eta, o.pi = c.pi, o.seed = 2026, o.sampler = c.sampler;
    const auto ref = reference(p, grid, f, o);
    const auto s = run<std_backend>(p, grid, f, o);
    double scale = 0;
    for (double v : ref) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < s.size(); ++i)  // fp32 accumulation over the steps: 1e-5 of the scale
      REQUIRE(std::abs(s[i] - ref[i]) <= 1e-5 * std::max(scale, 1.0) * double(grid.size()) / 10);
#ifdef DIFFBRIDGE_HAVE_EIGEN
    CHECK(run<eigen_backend>(p, grid, f, o) == s);
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
    CHECK(run<xtensor_backend>(p, grid, f, o) == s);
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
    CHECK(run<thrust_backend>(p, grid, f, o) == s);
#endif
  }
}

TEST_CASE("sampling loop: pi-eps predictions are converted to x0", "[sample]") {
  const fixture f;
  const auto p = make_preset("ddpm");
  const auto grid = p.default_grid(10);
  // An ε-network that is exact for the point target: πε = (x − c_x0·x0 − c_y·y)/std.
  auto y = std_backend::empty<float>(dims), x = std_backend::empty<float>(dims);
  std_backend::copy_from_host(std::span<const float>(f.y), std_backend::as_view(y));
  auto eps_net = [&](tensor_view<const float> xs, double t, auto, tensor_view<float> out) {
    const auto m = p.coeffs(t);
    for (size_t i = 0; i < out.size(); ++i)
      out.data[i] = float((xs.data[i] - m.c_x0 * f.target[i] - m.c_y * f.y[i]) / m.std);
  };
  sample_options o;
  o.eta = 0, o.predicts = prediction::pi_eps;
  sample<std_backend, float>(p, grid, eps_net, std_backend::as_view(std::as_const(y)),
                             std_backend::as_view(x), o);
  for (size_t i = 0; i < dims.numel(); ++i) CHECK(std::abs(x.data[i] - f.target[i]) < 1e-3);
}

TEST_CASE("sampling loop: π defaults to the preset's own (RDBM's pi parameter)", "[sample]") {
  const fixture f;
  for (const char* pi : {"residual", "abs_residual", "1", "0"}) {
    INFO("rdbm pi=" << pi);
    parameter_set ps;
    ps.set("pi", pi);
    const auto p = make_preset("rdbm", ps);
    REQUIRE(p.info().pi == *parse_modulation(pi));
    const auto grid = p.default_grid(10);
    sample_options own, named;
    own.eta = named.eta = 0.5, own.seed = named.seed = 11;
    named.pi = *parse_modulation(pi);
    CHECK(run<std_backend>(p, grid, f, own) == run<std_backend>(p, grid, f, named));
  }
  CHECK(make_preset("rdbm").info().pi == modulation::residual);  // the paper's default
  CHECK(make_preset("rectified-flow").info().pi == modulation::zero);
  CHECK(make_preset("goub").info().pi == modulation::one);
  // the default differs from π = 1 (it did not before, silently)
  const auto p = make_preset("rdbm");
  sample_options own, one;
  own.eta = one.eta = 0.5, one.pi = modulation::one;
  CHECK(run<std_backend>(p, p.default_grid(10), f, own) !=
        run<std_backend>(p, p.default_grid(10), f, one));
}

TEST_CASE("sampling loop: pi-eps predictions from the pinned end (RDBM, GOUB, DBIM)", "[sample]") {
  // At the pinned end c_x0 = 0: x_t holds nothing of x0. A step that reads x̂0 is skipped (RDBM's
  // noise mode: its first step leaves img = μ); Euler–Maruyama, which does not, runs.
  const fixture f;
  // `pinned`: what the πε network answers where c_x0 = 0 (std = 0 there: any value, NaN too)
  auto exact_runs = [&](const any_preset& p, const std::vector<double>& grid, sample_options o,
                        std::optional<float> pinned = std::nullopt) {
    auto y = std_backend::empty<float>(dims), x = std_backend::empty<float>(dims);
    std_backend::copy_from_host(std::span<const float>(f.y), std_backend::as_view(y));
    // networks exact for the point target: x̂0 = target, πε = (x − c_x0·x0 − c_y·y)/std
    auto net = [&](tensor_view<const float> xs, double t, auto, tensor_view<float> out) {
      const auto m = p.coeffs(t);
      for (size_t i = 0; i < out.size(); ++i)
        out.data[i] = o.predicts == prediction::x0 ? f.target[i]
                      : m.c_x0 == 0
                          ? pinned.value_or(f.target[i])
                          : float((xs.data[i] - m.c_x0 * f.target[i] - m.c_y * f.y[i]) / m.std);
    };
    sample<std_backend, float>(p, grid, net, std_backend::as_view(std::as_const(y)),
                               std_backend::as_view(x), o);
    return std::vector<float>(x.data.begin(), x.data.end());
  };
  {  // RDBM, Eq. 19 (η = 0), π = x0 − μ: from the second step on x̂0 is exact, so is the end
    const auto p = make_preset("rdbm");
    sample_options o;
    o.predicts = prediction::pi_eps;
    const auto x = exact_runs(p, p.default_grid(10), o);
    for (size_t i = 0; i < x.size(); ++i) CHECK(std::abs(x[i] - f.target[i]) < 1e-4);
  }
  for (const char* name : {"goub", "dbim"}) {  // the step from T reads x̂0: skipped, then exact
    INFO(name);
    const auto p = make_preset(name);
    const auto grid = p.default_grid(10);
    sample_options o;
    o.predicts = prediction::pi_eps, o.pi = modulation::one;
    const auto x = exact_runs(p, grid, o);
    // GOUB's grid ends at the clean end (x = x̂0); DBIM's at sigma_min, where std = 3.2e-3 of
    // the off-marginal start's ε̂ is left (its x0-prediction run ends 9e-3 away)
    const double left = std::max(1e-4, p.coeffs(grid.back()).std);
    for (size_t i = 0; i < x.size(); ++i) CHECK(std::abs(x[i] - f.target[i]) < left);
  }
  {  // GOUB's Euler–Maruyama: the step from T does not read x̂0, so both predictions agree
    const auto p = make_preset("goub");
    sample_options o;
    o.sampler = "euler-maruyama", o.seed = 5;
    const auto a = exact_runs(p, p.default_grid(100), o);
    o.predicts = prediction::pi_eps;
    const auto b = exact_runs(p, p.default_grid(100), o);
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::abs(a[i] - b[i]) < 1e-4);
    // the unread πε at T never reaches the state, even when it is NaN
    const auto c = exact_runs(p, p.default_grid(100), o, std::nanf(""));
    CHECK(c == b);
  }
  // A noisy prior with a residual π reads x̂0 at the prior mean: a πε network's answer is
  // converted there too, so both exact networks start from, and make, the same state (it was
  // built from πε − y: the states differed by up to 1.6 after the first step)
  for (const char* name : {"resshift", "irsde", "ddpm"}) {
    INFO(name << ", pi = residual, one step from the prior");
    const auto p = make_preset(name);
    const auto full = p.default_grid(10);
    REQUIRE(p.prior(full[0]).std > 0);
    const std::vector<double> grid{full[0], full[1]};
    sample_options o;
    o.pi = modulation::residual, o.eta = 0.5, o.seed = 3;
    const auto a = exact_runs(p, grid, o);
    o.predicts = prediction::pi_eps;
    const auto b = exact_runs(p, grid, o);
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::abs(a[i] - b[i]) < 1e-4);
  }
}

// A process whose noisy start holds nothing of x0 (c_x0 = 0, std > 0 at t = 1): a residual π there
// needs x̂0, which a πε prediction cannot give.
struct unpinned_noise_start {
  preset_info info() const { return {"test", "", "", "", "", 0.0, modulation::residual}; }
  time_domain domain() const { return {false, 0.0, 1.0}; }
  std::vector<double> official_times() const { return {}; }
  marginal_coeffs<double> coeffs(double t) const { return {1 - t, 0.0, t}; }
  step_coeffs<double> step(double, double, double) const { return {1, 0, 0, 0}; }
  std::vector<double> default_grid(long) const { return {1.0, 0.0}; }
  marginal_coeffs<double> reference_coeffs(double t) const { return coeffs(t); }
  step_coeffs<double> reference_step(double f, double t, double e) const { return step(f, t, e); }
};

TEST_CASE("sampling loop: a residual pi at a start without x0 needs an x0 prediction",
          "[sample][errors]") {
  const any_preset p{unpinned_noise_start{}};
  auto y = std_backend::empty<float>(dims), x = std_backend::empty<float>(dims);
  std_backend::copy_from_host(std::span<const float>(fixture().y), std_backend::as_view(y));
  auto d = [](auto, double, auto, tensor_view<float> out) {
    for (size_t i = 0; i < out.size(); ++i) out.data[i] = 0.5f;
  };
  sample_options o;
  const std::vector<double> grid{1.0, 0.0};
  auto run = [&] {
    sample<std_backend, float>(p, grid, d, std_backend::as_view(std::as_const(y)),
                               std_backend::as_view(x), o);
  };
  o.predicts = prediction::pi_eps;
  CHECK_THROWS_WITH(run(), Catch::Contains("predict x0"));
  o.predicts = prediction::x0;  // the same run predicting x0 goes through
  CHECK_NOTHROW(run());
}

TEST_CASE("sampling loop rejects bad grids and shapes", "[sample][errors]") {
  const auto p = make_preset("rdbm");
  auto y = std_backend::empty<float>(dims), x = std_backend::empty<float>({1, 1, 2, 2});
  auto d = [](auto, double, auto, auto) {};
  const std::vector<double> wrong{9, 19}, ok{99, 9};
  auto run_wrong = [&] {
    sample<std_backend, float>(p, wrong, d, std_backend::as_view(std::as_const(y)),
                               std_backend::as_view(y));
  };
  auto run_shapes = [&] {
    sample<std_backend, float>(p, ok, d, std_backend::as_view(std::as_const(y)),
                               std_backend::as_view(x));
  };
  CHECK_THROWS_AS(run_wrong(), invalid_time);
  CHECK_THROWS_AS(run_shapes(), invalid_input);
}
