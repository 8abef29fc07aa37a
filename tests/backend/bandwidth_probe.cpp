// Prints fused-step vs triad bandwidth for the backends compiled in (a stand-in until bench/ and
// the CLI call diffbridge/backend/bandwidth.hpp).
// Usage: bandwidth_probe [-s samples] [-b batch] [log2 n ...]   (defaults: 21 10, sizes 24 26)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "diffbridge/backend/bandwidth.hpp"
#include "diffbridge/backend/std.hpp"
#include "diffbridge/backend/thrust.hpp"
#if !defined(__CUDACC__)
#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/backend/xtensor.hpp"
#endif
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#include <cuda_runtime_api.h>
#endif

int samples = 21, batch = 10;

template <class B>
void report(int log2n) {
  const auto r = diffbridge::measure_bandwidth<B, float>(std::size_t{1} << log2n, samples, batch);
  std::printf("%-12s 2^%-3d %10.1f %10.1f %10.1f %8.3f %9.4f %9.4f %9.4f\n",
              std::string(B::name).c_str(), log2n, r.step_gbs, r.step_philox_gbs, r.triad_gbs,
              r.step_gbs / r.triad_gbs, r.step_ms, r.step_philox_ms, r.triad_ms);
}

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if ((a == "-s" || a == "-b") && k + 1 < argc) {
      (a == "-s" ? samples : batch) = std::atoi(argv[++k]);
    } else {
      sizes.push_back(std::atoi(argv[k]));
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (sizes.empty()) sizes = {24, 26};
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    std::printf("no CUDA device\n");
    return 1;
  }
  std::printf("device: %s, %d SMs\n", prop.name, prop.multiProcessorCount);
#endif
  std::printf(
      "float32, median of %d samples of %d calls; GB/s count each stream once:"
      " step 5 streams, philox step 4, triad 3\n",
      samples, batch);
  std::printf("%-12s %-5s %10s %10s %10s %8s %9s %9s %9s\n", "backend", "n", "step", "step-phx",
              "triad", "step/tri", "step ms", "phx ms", "triad ms");
  for (int s : sizes) {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    report<diffbridge::thrust_backend>(s);
#else
    report<diffbridge::std_backend>(s);
    report<diffbridge::eigen_backend>(s);
    report<diffbridge::xtensor_backend>(s);
    report<diffbridge::thrust_backend>(s);
#endif
  }
}
