// The GEMM floor of the DiffIR deblur network on a GPU: cublasSgemm (fp32, what nn::device_gemm
// calls) against the best of cuBLASLt's heuristic algorithms (up to 16, 64 MiB workspace), on
// the network's 1×1-convolution shapes (C_out × C_in × H·W at 256² and 1024²) and its im2col
// 3×3 shapes (K = 9·C_in). Row-major C = A·B is run as column-major Cᵀ = Bᵀ·Aᵀ, as the library
// does. Inputs are a deterministic non-zero pattern; each time is the mean of 20 calls after 3,
// timed with CUDA events.
//   gemm_shapes_cuda     prints: M K N | sgemm µs TFLOP/s | sgemm with β = 1 µs |
//                        Lt best µs TFLOP/s | speed-up (sgemm / Lt, both β = 0)
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <vector>

namespace {

void check(long code, const char* what) {
  if (code != 0) {
    std::fprintf(stderr, "gemm_shapes_cuda: %s failed (code %ld)\n", what, code);
    std::exit(2);
  }
}

__global__ void fill_pattern(float* p, std::size_t n, unsigned seed) {
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (i < n) p[i] = float(((unsigned(i) * 2654435761u) ^ seed) % 1000u) / 1000.0f - 0.5f;
}

}  // namespace

int main(int argc, char**) {
  if (argc > 1) {
    std::fprintf(stderr, "usage: gemm_shapes_cuda   (no arguments)\n");
    return 2;
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "gemm_shapes_cuda: no CUDA device available\n");
    return 2;
  }
  struct gemm_shape {
    int M, K;
    long N;
  };
  std::vector<gemm_shape> shapes;
  for (long N : {65536L, 1048576L})  // full resolution at 256² and 1024²
    for (auto [M, K] : std::vector<std::pair<int, int>>{{144, 48},
                                                        {48, 48},
                                                        {192, 48},
                                                        {48, 96},
                                                        {288, 96},
                                                        {96, 96},
                                                        {384, 96},
                                                        {96, 192},
                                                        {576, 192},
                                                        {768, 192},
                                                        {192, 384}})
      shapes.push_back({M, K, N});
  for (auto [M, K, N] : std::vector<std::tuple<int, int, long>>{{24, 432, 65536},
                                                                {48, 864, 16384},
                                                                {96, 1728, 4096},
                                                                {768, 3456, 1024},
                                                                {384, 1728, 4096},
                                                                {192, 864, 16384},
                                                                {768, 3456, 16384},
                                                                {192, 864, 262144}})
    shapes.push_back({M, K, N});
  std::size_t max_a = 0, max_b = 0, max_c = 0;
  for (const auto& s : shapes) {
    max_a = std::max(max_a, std::size_t(s.M) * s.K);
    max_b = std::max(max_b, std::size_t(s.K) * s.N);
    max_c = std::max(max_c, std::size_t(s.M) * s.N);
  }
  cublasHandle_t h;
  cublasLtHandle_t lt;
  check(cublasCreate(&h), "cublasCreate");
  check(cublasLtCreate(&lt), "cublasLtCreate");
  std::size_t ws_bytes = std::size_t(64) << 20;
  void* ws = nullptr;
  float *A = nullptr, *B = nullptr, *C = nullptr;
  check(cudaMalloc(&ws, ws_bytes), "cudaMalloc");
  check(cudaMalloc(&A, max_a * 4), "cudaMalloc");
  check(cudaMalloc(&B, max_b * 4), "cudaMalloc");
  check(cudaMalloc(&C, max_c * 4), "cudaMalloc");
  fill_pattern<<<unsigned((max_a + 255) / 256), 256>>>(A, max_a, 1);
  fill_pattern<<<unsigned((max_b + 255) / 256), 256>>>(B, max_b, 2);
  check(cudaGetLastError(), "fill");
  cudaEvent_t e0, e1;
  check(cudaEventCreate(&e0), "cudaEventCreate");
  check(cudaEventCreate(&e1), "cudaEventCreate");
  auto mean_us = [&](auto&& call) {
    for (int i = 0; i < 3; ++i) call();
    check(cudaEventRecord(e0), "cudaEventRecord");
    for (int i = 0; i < 20; ++i) call();
    check(cudaEventRecord(e1), "cudaEventRecord");
    check(cudaEventSynchronize(e1), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime");
    return double(ms) * 1000.0 / 20.0;
  };
  std::printf("%5s %5s %8s | %9s %7s | %9s | %9s %7s | %s\n", "M", "K", "N", "sgemm_us", "TFLOP/s",
              "beta1_us", "lt_us", "TFLOP/s", "speed-up");
  const float one = 1.0f, zero = 0.0f;
  for (const auto& s : shapes) {
    const int m = int(s.N), n = s.M, k = s.K;  // column-major Cᵀ (N × M)
    const double t_sgemm = mean_us([&] {
      check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, B, m, A, k, &zero, C, m),
            "cublasSgemm");
    });
    // β = 1 (C += A·B, as the residual-accumulating convolutions and the attention output)
    const double t_acc = mean_us([&] {
      check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, B, m, A, k, &one, C, m),
            "cublasSgemm");
    });
    cublasLtMatmulDesc_t desc;
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatmulPreference_t pref;
    check(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "MatmulDescCreate");
    check(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, m, k, m), "MatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, k, n, k), "MatrixLayoutCreate");
    check(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, m, n, m), "MatrixLayoutCreate");
    check(cublasLtMatmulPreferenceCreate(&pref), "PreferenceCreate");
    check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &ws_bytes, sizeof ws_bytes),
          "PreferenceSetAttribute");
    cublasLtMatmulHeuristicResult_t found[16];
    int count = 0;
    check(cublasLtMatmulAlgoGetHeuristic(lt, desc, la, lb, lc, lc, pref, 16, found, &count),
          "AlgoGetHeuristic");
    double t_lt = 1e30;
    for (int i = 0; i < count; ++i)
      t_lt = std::min(t_lt, mean_us([&] {
                        check(cublasLtMatmul(lt, desc, &one, B, la, A, lb, &zero, C, lc, C, lc,
                                             &found[i].algo, ws, ws_bytes, nullptr),
                              "cublasLtMatmul");
                      }));
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(desc);
    const double flop = 2.0 * s.M * s.K * double(s.N);
    std::printf("%5d %5d %8ld | %9.1f %7.1f | %9.1f | %9.1f %7.1f | %.2f (%d algorithms)\n", s.M,
                s.K, s.N, t_sgemm, flop / t_sgemm / 1e6, t_acc, t_lt, flop / t_lt / 1e6,
                t_sgemm / t_lt, count);
  }
  return 0;
}
