// The eigen backend against the std reference: every kernel, every π mode, float and double;
// the inline noise bit-exact; with OpenMP, 1 and 2 threads bit-identical.
#include <catch2/catch.hpp>

#include "backend_checks.hpp"
#include "diffbridge/backend/eigen.hpp"

using namespace diffbridge;

static_assert(tensor_backend<eigen_backend>);

TEMPLATE_TEST_CASE("eigen backend matches the std reference", "[backend][eigen]", float, double) {
  dbtest::check_backend<eigen_backend, TestType>();
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("eigen backend is bit-identical with 1 and 2 OpenMP threads",
                   "[backend][eigen][omp]", float, double) {
  dbtest::check_thread_invariance<eigen_backend, TestType>();
}
#endif

// Outputs of ≥ 16 MiB take the streaming-store path (eigen.hpp): the same bits as std, also
// in place (out aliasing x) and from an unaligned offset.
TEMPLATE_TEST_CASE("eigen step with streaming stores matches std bit for bit",
                   "[backend][eigen][stream]", float, double) {
  using T = TestType;
  const std::size_t n = (std::size_t(16) << 20) / sizeof(T) + 7;  // just above the threshold
  std::vector<T> x(n + 1), x0(n + 1), y(n + 1), z(n + 1);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = T(std::sin(0.001 * double(i))), x0[i] = T(std::cos(0.002 * double(i)));
    y[i] = T(0.3) - T(i % 7) / 10, z[i] = T(i % 13) / 6 - 1;
  }
  const step_coeffs<double> c{0.9, 0.07, -0.03, 0.11};
  for (std::size_t off : {std::size_t(0), std::size_t(1)}) {  // off = 1: unaligned output
    const shape s{n, 1, 1, 1};
    auto cv = [&](std::vector<T>& v) { return tensor_view<const T>{v.data() + off, s}; };
    std::vector<T> ref(n + 1), out(n + 1), inplace(x);
    std_backend::step<modulation::residual>(c, cv(x), cv(x0), cv(y), cv(z),
                                            tensor_view<T>{ref.data() + off, s});
    eigen_backend::step<modulation::residual>(c, cv(x), cv(x0), cv(y), cv(z),
                                              tensor_view<T>{out.data() + off, s});
    eigen_backend::step<modulation::residual>(c, cv(inplace), cv(x0), cv(y), cv(z),
                                              tensor_view<T>{inplace.data() + off, s});
    const auto b = long(off), e = long(off + n);  // the tensor's elements only
    CHECK(std::equal(ref.begin() + b, ref.begin() + e, out.begin() + b));
    CHECK(std::equal(ref.begin() + b, ref.begin() + e, inplace.begin() + b));
  }
}
