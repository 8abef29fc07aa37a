// Google Benchmark of the bridge layer: schedule construction of every preset,
// the coefficients of one sampler step, and a full 10-step sampling loop's overhead per
// tensor backend (the denoiser is a copy, so the time is the loop: coefficients, noise,
// fused steps). Run: ./scripts/bench, or build-bench/bench/bench_bridge.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/sampler/sample.hpp"
#ifdef DIFFBRIDGE_BENCH_EIGEN
#include "diffbridge/backend/eigen.hpp"
#endif
#ifdef DIFFBRIDGE_BENCH_XTENSOR
#include "diffbridge/backend/xtensor.hpp"
#endif
#ifdef DIFFBRIDGE_BENCH_THRUST
#include "diffbridge/backend/thrust.hpp"
#endif

using namespace diffbridge;

namespace {

void schedule_construction(benchmark::State& st, const std::string& name) {
  for (auto _ : st) benchmark::DoNotOptimize(make_preset(name));
}

// coeffs(t) and step(from, to, η) along the preset's 10-step grid: time per step
void coefficients_per_step(benchmark::State& st, const std::string& name) {
  const auto p = make_preset(name);
  const auto g = p.default_grid(10);
  const double eta = name == "rectified-flow" ? 0.0 : 1.0;
  for (auto _ : st)
    for (size_t i = 0; i + 1 < g.size(); ++i) {
      benchmark::DoNotOptimize(p.coeffs(g[i]));
      benchmark::DoNotOptimize(p.step(g[i], g[i + 1], eta));
    }
  st.SetItemsProcessed(std::int64_t(st.iterations()) * std::int64_t(g.size() - 1));
}

// 10 GOUB posterior steps on n float elements; the "denoiser" copies a fixed target.
template <class B>
void sampling_loop(benchmark::State& st) {
  const size_t n = size_t(st.range(0));
  const shape s{1, 1, 1, n};
  const auto p = make_preset("goub");
  const auto g = p.default_grid(10);
  std::vector<float> host(n, 0.5f);
  auto y = B::template empty<float>(s), x = B::template empty<float>(s),
       target = B::template empty<float>(s);
  B::copy_from_host(std::span<const float>(host), B::as_view(y));
  B::copy_from_host(std::span<const float>(host), B::as_view(target));
  const typename B::template view<const float> tv = B::as_view(std::as_const(target));
  auto copy = [&](auto, double, auto, typename B::template view<float> out) {
    B::template marginal<modulation::one>({1.0, 0.0, 0.0}, tv, tv, tv, out);
  };
  sample_options o;
  o.eta = 1, o.seed = 1;
  for (auto _ : st) {
    sample<B, float>(p, g, copy, B::as_view(std::as_const(y)), B::as_view(x), o);
    B::synchronize();
  }
  st.SetItemsProcessed(std::int64_t(st.iterations()) * std::int64_t(n) * 10);
  st.SetBytesProcessed(std::int64_t(st.iterations()) * std::int64_t(n) * 10 * 4 * 4);
}

const int registered = [] {
  for (const auto& n : preset_names()) {
    benchmark::RegisterBenchmark(("schedule_construction/" + n).c_str(), schedule_construction, n);
    benchmark::RegisterBenchmark(("coefficients_per_step/" + n).c_str(), coefficients_per_step, n);
  }
  auto sizes = [](benchmark::internal::Benchmark* b) {
    b->Arg(64 * 64)->Arg(256 * 256)->Arg(1024 * 1024)->UseRealTime();
  };
  sizes(benchmark::RegisterBenchmark("sampling_loop_10_steps/std", sampling_loop<std_backend>));
#ifdef DIFFBRIDGE_BENCH_EIGEN
  sizes(benchmark::RegisterBenchmark("sampling_loop_10_steps/eigen", sampling_loop<eigen_backend>));
#endif
#ifdef DIFFBRIDGE_BENCH_XTENSOR
  sizes(benchmark::RegisterBenchmark("sampling_loop_10_steps/xtensor",
                                     sampling_loop<xtensor_backend>));
#endif
#ifdef DIFFBRIDGE_BENCH_THRUST
  sizes(
      benchmark::RegisterBenchmark("sampling_loop_10_steps/thrust", sampling_loop<thrust_backend>));
#endif
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
