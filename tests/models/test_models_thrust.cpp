// The DiffIR networks on the Thrust backend's host device system (OMP here): every operator
// through its device path (nn/device/), the GEMM through nn::device_gemm (Eigen on this system),
// against the PyTorch fixtures of tests/golden/diffir — the same fixtures and checks as
// test_models.cpp: max abs ≤ 1e-4 on the whole network and every traced stage, ≤ 1e-5 on c and
// the IPR; the second pass at the same size allocates nothing from the device pool.
#include <catch2/catch.hpp>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#include "models_test_util.hpp"

using namespace diffbridge;
using namespace diffbridge::models::diffir;
using namespace modeltest;
using D = diffbridge::thrust_backend;

TEST_CASE("models thrust: Stage-2 pipelines of every variant match PyTorch (tiny configs)",
          "[models][thrust]") {
  nn::device_context<D> ctx;
  for (std::string n : {"deblur_tiny", "sr4_tiny", "sr2_tiny", "sr1_tiny", "inpaint_tiny"}) {
    INFO(n);
    check_stage2<D>(n);
  }
}

TEST_CASE("models thrust: the full-width deblur S2 matches PyTorch stage by stage at 16x16",
          "[models][thrust]") {
  nn::device_context<D> ctx;
  check_stage2<D>("deblur_full16");
}

TEST_CASE("models thrust: Stage 1 matches PyTorch (deblur, SR x2)", "[models][thrust]") {
  nn::device_context<D> ctx;
  for (std::string n : {"deblur_s1_tiny", "sr2_s1_tiny"}) check_stage1<D>(n);
}
