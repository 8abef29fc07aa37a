// `diffbridge bench-kernel --backend B --elements N [--threads T]`: the fused sampler step's
// memory bandwidth against a STREAM triad on arrays of the same size, in one process
// (backend/bandwidth.hpp). gbps counts the five streams x, x̂0, y, z, out once each.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "cli_args.hpp"
#include "cmd_sample.hpp"
#include "diffbridge/backend/bandwidth.hpp"
#ifdef DIFFBRIDGE_HAVE_OPENMP
#include <omp.h>
#endif

namespace diffbridge::cli {

inline int cmd_bench_kernel(int argc, char** argv) {
  const args a(argc, argv, 2, {"--backend", "--elements", "--threads", "--samples"}, {});
  const std::string backend = a.one("--backend");
  // 2^28 elements: five float arrays of 1 GiB each
  const auto N = std::size_t(to_integer("--elements", a.one("--elements"), 1, 1LL << 28));
  const int S = int(to_integer("--samples", a.one_or("--samples", "21"), 1, 100000));
  if (a.has("--threads")) {
    const auto t = to_integer("--threads", a.one("--threads"), 1, 1024);
#ifdef DIFFBRIDGE_HAVE_OPENMP
    omp_set_num_threads(int(t));
#else
    if (t != 1) throw invalid_parameter("--threads: this build has no OpenMP");
#endif
  }
  bandwidth_report r;
  if (backend == "std") {
    r = measure_bandwidth<std_backend, float>(N, S, 10, false);
#ifdef DIFFBRIDGE_HAVE_EIGEN
  } else if (backend == "eigen") {
    r = measure_bandwidth<eigen_backend, float>(N, S, 10, false);
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
  } else if (backend == "xtensor") {
    r = measure_bandwidth<xtensor_backend, float>(N, S, 10, false);
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
  } else if (backend == "thrust") {
    r = measure_bandwidth<thrust_backend, float>(N, S, 10, false);
#endif
  } else {
    std::string k;
    for (const auto& b : sample_backends()) k += (k.empty() ? "" : "|") + b;
    throw invalid_parameter("--backend " + backend + ": unknown or not built (available: " + k +
                            ")");
  }
  std::printf("backend=%s gbps=%.2f triad_gbps=%.2f ratio=%.3f\n", backend.c_str(), r.step_gbs,
              r.triad_gbs, r.step_gbs / r.triad_gbs);
  return 0;
}

}  // namespace diffbridge::cli
