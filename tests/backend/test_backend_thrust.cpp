// The thrust backend against the std reference: every kernel, every π mode, float and double;
// the inline noise bit-exact; with OpenMP, 1 and 2 threads bit-identical.
#include <catch2/catch.hpp>

#include "backend_checks.hpp"
#include "diffbridge/backend/thrust.hpp"

using namespace diffbridge;

static_assert(tensor_backend<thrust_backend>);
static_assert(THRUST_DEVICE_SYSTEM != THRUST_DEVICE_SYSTEM_CUDA,
              "the CUDA variant is the .cu test");

TEST_CASE("thrust backend runs on the configured device system", "[backend][thrust]") {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  REQUIRE(thrust_backend::name == "thrust-omp");
#else
  REQUIRE(thrust_backend::name == "thrust-cpp");
#endif
}

TEMPLATE_TEST_CASE("thrust backend matches the std reference", "[backend][thrust]", float, double) {
  dbtest::check_backend<thrust_backend, TestType>();
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("thrust backend is bit-identical with 1 and 2 OpenMP threads",
                   "[backend][thrust][omp]", float, double) {
  dbtest::check_thread_invariance<thrust_backend, TestType>();
}
#endif
