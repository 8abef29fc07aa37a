// The Thrust backend on CUDA (nvcc, sm_90) against the std reference on the host: the same
// checks as the OMP build (every kernel, π mode and scalar type; the noise bit-exact), plus the
// device Philox against cuRAND's independent Philox4_32_10 and the device ln / cos / sin against
// the host's for all 2^24 inputs each. Without a GPU it prints one line and
// returns 77, which ctest reports as skipped (SKIP_RETURN_CODE).
#define CATCH_CONFIG_RUNNER
#include <cuda_runtime_api.h>
#include <curand_kernel.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <vector>

#include "backend_checks.hpp"
#include "diffbridge/backend/bandwidth.hpp"
#include "diffbridge/backend/thrust.hpp"

using namespace diffbridge;

static_assert(THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA);
static_assert(tensor_backend<thrust_backend>);

TEMPLATE_TEST_CASE("thrust CUDA backend matches the std reference", "[backend][gpu]", float,
                   double) {
  REQUIRE(thrust_backend::name == "thrust-cuda");
  dbtest::check_backend<thrust_backend, TestType>();
}

TEST_CASE("device normals equal the host's bit for bit on 2^22 elements", "[backend][gpu]") {
  dbtest::check_noise_bits<thrust_backend, float>(std::size_t{1} << 22, 0xC0FFEE, 12);
  dbtest::check_noise_bits<thrust_backend, double>(std::size_t{1} << 22, 1, 0);
}

// cuRAND: curand_init(seed, subsequence = step, offset = 4j) sets key = seed, counter =
// (j, step) — the layout of philox_normals — and curand4 returns that block.
__global__ void compare_with_curand(std::uint64_t seed, std::uint64_t step, std::size_t blocks,
                                    unsigned* mismatches) {
  const std::size_t j = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x;
  if (j >= blocks) return;
  curandStatePhilox4_32_10_t st;
  curand_init(seed, step, 4 * j, &st);
  const uint4 r = curand4(&st);
  const philox_block b = philox_normals{seed, step}.bits(j);
  if (r.x != b.v[0] || r.y != b.v[1] || r.z != b.v[2] || r.w != b.v[3]) atomicAdd(mismatches, 1u);
}

TEST_CASE("device Philox equals cuRAND's Philox4_32_10", "[backend][gpu]") {
  unsigned* d = nullptr;
  REQUIRE(cudaMalloc(&d, sizeof(unsigned)) == cudaSuccess);
  REQUIRE(cudaMemset(d, 0, sizeof(unsigned)) == cudaSuccess);
  const std::size_t blocks = std::size_t{1} << 20;
  compare_with_curand<<<(blocks + 255) / 256, 256>>>(0x0123456789ABCDEFull, 0x100000007ull, blocks,
                                                     d);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  unsigned h = 1;
  REQUIRE(cudaMemcpy(&h, d, sizeof(unsigned), cudaMemcpyDeviceToHost) == cudaSuccess);
  cudaFree(d);
  REQUIRE(h == 0u);
}

// Every input of the two transcendental pieces (2^24 each) on the device against the host.
__global__ void eval_log(float* out) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < (1u << 24)) out[i] = detail::minus_two_log_u(i + 1);
}
__global__ void eval_cos_sin(float* c, float* s) {
  const std::uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= (1u << 24)) return;
  const detail::cos_sin t = detail::cos_sin_2pi(k);
  c[k] = t.c;
  s[k] = t.s;
}

std::vector<float> fetch(const float* d, std::size_t n) {
  std::vector<float> h(n);
  REQUIRE(cudaMemcpy(h.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
  return h;
}

TEST_CASE("device -2 ln u1 and cos/sin equal the host's for every input", "[backend][gpu]") {
  constexpr std::size_t n = std::size_t{1} << 24;
  float* d = nullptr;
  REQUIRE(cudaMalloc(&d, 3 * n * sizeof(float)) == cudaSuccess);
  eval_log<<<n / 256, 256>>>(d);
  REQUIRE(cudaGetLastError() == cudaSuccess);  // a launch error (no sm image) is not a mismatch
  eval_cos_sin<<<n / 256, 256>>>(d + n, d + 2 * n);
  REQUIRE(cudaGetLastError() == cudaSuccess);
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  const std::vector<float> lg = fetch(d, n), c = fetch(d + n, n), s = fetch(d + 2 * n, n);
  cudaFree(d);
  std::vector<float> host_lg(n), host_c(n), host_s(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    host_lg[i] = detail::minus_two_log_u(i + 1);
    const detail::cos_sin t = detail::cos_sin_2pi(i);
    host_c[i] = t.c;
    host_s[i] = t.s;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (lg[i] != host_lg[i]) {
      std::printf("log mismatch m=%zu device %.9g host %.9g\n", i + 1, lg[i], host_lg[i]);
      break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (c[i] != host_c[i] || s[i] != host_s[i]) {
      std::printf("cos/sin mismatch k=%zu device %.9g %.9g host %.9g %.9g\n", i, c[i], s[i],
                  host_c[i], host_s[i]);
      break;
    }
  }
  dbtest::require_bit_equal(lg, host_lg);
  dbtest::require_bit_equal(c, host_c);
  dbtest::require_bit_equal(s, host_s);
}

TEST_CASE("the bandwidth probe runs on the GPU", "[backend][gpu][bandwidth]") {
  const bandwidth_report r = measure_bandwidth<thrust_backend, float>(1 << 20, 3, 2);
  for (double g : {r.step_gbs, r.step_philox_gbs, r.triad_gbs}) {
    REQUIRE(std::isfinite(g));
    REQUIRE(g > 0);
  }
}

int main(int argc, char** argv) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    std::printf("SKIP: no CUDA GPU available (%s); GPU backend tests not run\n",
                e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
