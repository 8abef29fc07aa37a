// The std reference backend against the formulas evaluated in long double, plus the generic
// checks (which compare std with itself: they exercise views, offsets, errors), the run-time π
// front end and the bandwidth probe.
#include <catch2/catch.hpp>

#include "backend_checks.hpp"
#include "diffbridge/backend/bandwidth.hpp"
#include "diffbridge/backend/std.hpp"

using namespace diffbridge;
using dbtest::random_data;

static_assert(tensor_backend<std_backend>);

TEMPLATE_TEST_CASE("std backend evaluates the step and marginal formulas", "[backend][std]", float,
                   double) {
  using T = TestType;
  const shape s{1, 3, 11, 13};
  const std::size_t n = s.numel();
  const auto hx = random_data<T>(n, 1), hx0 = random_data<T>(n, 2), hy = random_data<T>(n, 3),
             hz = random_data<T>(n, 4);
  const auto x = dbtest::upload<std_backend>(hx, s), x0 = dbtest::upload<std_backend>(hx0, s),
             y = dbtest::upload<std_backend>(hy, s), z = dbtest::upload<std_backend>(hz, s);
  auto out = std_backend::empty<T>(s);
  const auto v = [](const auto& t) { return std_backend::as_view(t); };
  const step_coeffs<double> sc = dbtest::step_c;
  const marginal_coeffs<double> mc = dbtest::marginal_c;
  // The coefficients are applied after rounding to T (kernels.hpp).
  const long double k = T(sc.c_xt), p = T(sc.c_x0), q = T(sc.c_y), w = T(sc.c_z);
  const long double a = T(mc.c_x0), b = T(mc.c_y), c = T(mc.std);

  dbtest::for_each_mode([&](auto mode) {
    constexpr modulation M = decltype(mode)::value;
    INFO("pi " << to_string(M));
    const auto pi = [&](std::size_t i) {
      return modulation_value<M>(static_cast<long double>(hx0[i]), static_cast<long double>(hy[i]));
    };
    std_backend::step<M>(sc, v(x), v(x0), v(y), v(z), std_backend::as_view(out));
    std::vector<T> ref(n);
    std::vector<double> scale(n);
    for (std::size_t i = 0; i < n; ++i) {
      const long double terms[] = {k * hx[i], p * hx0[i], q * hy[i], w * pi(i) * hz[i]};
      ref[i] = static_cast<T>(terms[0] + terms[1] + terms[2] + terms[3]);
      scale[i] = double(std::fabs(terms[0]) + std::fabs(terms[1]) + std::fabs(terms[2]) +
                        std::fabs(terms[3]));
    }
    dbtest::require_close(out.data, ref, scale, dbtest::tolerance<T>());

    const philox_normals rng{9, 4};
    std_backend::marginal<M>(mc, v(x0), v(y), rng, std_backend::as_view(out));
    for (std::size_t i = 0; i < n; ++i) {
      const long double eps = static_cast<T>(rng(i));
      const long double terms[] = {a * hx0[i], b * hy[i], c * pi(i) * eps};
      ref[i] = static_cast<T>(terms[0] + terms[1] + terms[2]);
      scale[i] = double(std::fabs(terms[0]) + std::fabs(terms[1]) + std::fabs(terms[2]));
    }
    dbtest::require_close(out.data, ref, scale, dbtest::tolerance<T>());
  });
}

TEMPLATE_TEST_CASE("std backend passes the generic backend checks", "[backend][std]", float,
                   double) {
  dbtest::check_backend<std_backend, TestType>();
}

TEST_CASE("visit_modulation maps each run-time value to its compile-time constant", "[backend]") {
  for (modulation m :
       {modulation::zero, modulation::one, modulation::residual, modulation::abs_residual}) {
    REQUIRE(visit_modulation(m, [](auto M) { return decltype(M)::value; }) == m);
  }
}

TEST_CASE("the bandwidth probe reports finite positive rates", "[backend][bandwidth]") {
  const bandwidth_report r = measure_bandwidth<std_backend, float>(1 << 16, 3, 2);
  REQUIRE(r.n == (1u << 16));
  REQUIRE(r.scalar_bytes == 4);
  for (double g : {r.step_gbs, r.step_philox_gbs, r.triad_gbs}) {
    REQUIRE(std::isfinite(g));
    REQUIRE(g > 0);
  }
  REQUIRE_THROWS_AS(measure_bandwidth<std_backend>(0), invalid_parameter);
}
