// The DiffIR operators and networks on the Thrust backend's CUDA system (nvcc, sm_90): the
// device paths of nn/device/ as CUDA kernels, the GEMMs through cuBLAS (fp32, CUBLAS_DEFAULT_MATH:
// no TF32), all on the stream of one nn::device_context. The same checks as the OMP build:
// per-operator parity against the std oracle on the host (nn_device_checks.hpp, its tolerances)
// and the whole Stage-2 / Stage-1 networks of every variant against the PyTorch fixtures
// (≤ 1e-4 max abs; c and IPR ≤ 1e-5; the second pass allocates nothing). Without a GPU it
// prints one line and returns 77, which ctest reports as skipped (SKIP_RETURN_CODE).
#define CATCH_CONFIG_RUNNER
#include <cuda_runtime_api.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "../nn/nn_device_checks.hpp"
#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#include "models_test_util.hpp"

using namespace diffbridge;
using namespace diffbridge::models::diffir;
using D = diffbridge::thrust_backend;

static_assert(THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA);
static_assert(nn::device_backend<D>);

TEST_CASE("nn cuda: conv2d = std oracle", "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_conv<D>();
}

TEST_CASE("nn cuda: elementwise operators and Linear = std oracle", "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_elementwise<D>();
}

TEST_CASE("nn cuda: one-launch LayerNorm across tiles and channel counts = std oracle",
          "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_layer_norm_tiles<D>();
}

TEST_CASE("nn cuda: data movement is exact", "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_movement<D>();
}

TEST_CASE("nn cuda: channel attention = std oracle", "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_attention<D>();
}

TEST_CASE("nn cuda: transformer block = std oracle; pool reuse", "[nn][gpu]") {
  nn::device_context<D> ctx;
  nndev::check_block<D>();
}

TEST_CASE("nn cuda: shape errors", "[nn][gpu]") { nndev::check_errors<D>(); }

TEST_CASE("models cuda: Stage-2 pipelines of every variant match PyTorch", "[models][gpu]") {
  nn::device_context<D> ctx;
  for (std::string n :
       {"deblur_tiny", "sr4_tiny", "sr2_tiny", "sr1_tiny", "inpaint_tiny", "deblur_full16"}) {
    INFO(n);
    modeltest::check_stage2<D>(n);
  }
}

TEST_CASE("models cuda: Stage 1 matches PyTorch (deblur, SR x2)", "[models][gpu]") {
  nn::device_context<D> ctx;
  for (std::string n : {"deblur_s1_tiny", "sr2_s1_tiny"}) modeltest::check_stage1<D>(n);
}

int main(int argc, char** argv) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    std::printf("no CUDA device (%s): skipping the DiffIR CUDA tests\n",
                e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
