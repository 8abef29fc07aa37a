// The xtensor backend against the std reference: every kernel, every π mode, float and double;
// the inline noise bit-exact; with OpenMP, 1 and 2 threads bit-identical.
#include <catch2/catch.hpp>

#include "backend_checks.hpp"
#include "diffbridge/backend/xtensor.hpp"

using namespace diffbridge;

static_assert(tensor_backend<xtensor_backend>);

TEMPLATE_TEST_CASE("xtensor backend matches the std reference", "[backend][xtensor]", float,
                   double) {
  dbtest::check_backend<xtensor_backend, TestType>();
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("xtensor backend is bit-identical with 1 and 2 OpenMP threads",
                   "[backend][xtensor][omp]", float, double) {
  dbtest::check_thread_invariance<xtensor_backend, TestType>();
}
#endif
