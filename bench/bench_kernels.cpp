// The fused sampler step against the same update written as separate tensor expressions,
// per backend (target: fused ≥ 3× faster). Bytes processed count the fused step's five
// streams (x, x̂0, y, z, out) for every variant, so the GB/s columns compare directly.
//   build/release/bench/bench_kernels --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>

#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/backend/std.hpp"
#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/backend/xtensor.hpp"

using namespace diffbridge;

namespace {

constexpr step_coeffs<double> coeffs{0.9, 0.05, 0.05, 0.1};

struct arrays {
  std::size_t n;
  std::vector<float> x, x0, y, z, out;
  explicit arrays(std::size_t n_)
      : n(n_), x(n, 0.5f), x0(n, 0.25f), y(n, -0.1f), z(n, 1.0f), out(n, 0.0f) {}
};

void set_bytes(benchmark::State& st, std::size_t n) {
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(5 * n * sizeof(float)));
}

template <class B>
void BM_fused_step(benchmark::State& st) {
  const std::size_t n = std::size_t(st.range(0));
  const shape s{n, 1, 1, 1};
  // Real data in every array: untouched allocations would read the kernel's shared zero page.
  const arrays a(n);
  auto make = [&](const std::vector<float>& h) {
    auto t = B::template empty<float>(s);
    B::copy_from_host(std::span<const float>(h), B::as_view(t));
    return t;
  };
  auto x = make(a.x), x0 = make(a.x0), y = make(a.y), z = make(a.z), out = make(a.out);
  for (auto _ : st) {
    B::template step<modulation::residual>(
        coeffs, B::as_view(std::as_const(x)), B::as_view(std::as_const(x0)),
        B::as_view(std::as_const(y)), B::as_view(std::as_const(z)), B::as_view(out));
    B::synchronize();
  }
  set_bytes(st, n);
}

// out = k·x + p·x̂0 + q·y + w·((x̂0 − y) ⊙ z), one statement (pass) per term, as a user
// would write it with separate Eigen expressions.
void BM_separate_eigen(benchmark::State& st) {
  arrays a(std::size_t(st.range(0)));
  using A = Eigen::Map<Eigen::ArrayXf>;
  A x(a.x.data(), long(a.n)), x0(a.x0.data(), long(a.n)), y(a.y.data(), long(a.n)),
      z(a.z.data(), long(a.n)), out(a.out.data(), long(a.n));
  Eigen::ArrayXf pz = Eigen::ArrayXf::Zero(long(a.n));  // touched before the timed loop
  const float k = float(coeffs.c_xt), p = float(coeffs.c_x0), q = float(coeffs.c_y),
              w = float(coeffs.c_z);
  for (auto _ : st) {
    out = k * x;
    out += p * x0;
    out += q * y;
    pz = x0 - y;
    pz *= z;
    out += w * pz;
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(st, a.n);
}

void BM_separate_xtensor(benchmark::State& st) {
  arrays a(std::size_t(st.range(0)));
  auto ad = [&](std::vector<float>& v) {
    return xt::adapt(v.data(), a.n, xt::no_ownership(), std::vector<std::size_t>{a.n});
  };
  auto x = ad(a.x), x0 = ad(a.x0), y = ad(a.y), z = ad(a.z), out = ad(a.out);
  std::vector<float> pzv(a.n);
  auto pz = ad(pzv);
  const float k = float(coeffs.c_xt), p = float(coeffs.c_x0), q = float(coeffs.c_y),
              w = float(coeffs.c_z);
  for (auto _ : st) {
    out = k * x;
    out += p * x0;
    out += q * y;
    pz = x0 - y;
    pz *= z;
    out += w * pz;
    benchmark::DoNotOptimize(a.out.data());
  }
  set_bytes(st, a.n);
}

constexpr int64_t N = int64_t(1) << 24;

}  // namespace

BENCHMARK(BM_fused_step<std_backend>)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_fused_step<eigen_backend>)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_separate_eigen)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_fused_step<xtensor_backend>)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_separate_xtensor)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_fused_step<thrust_backend>)->Arg(N)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
