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
