// DiffIR Stage-2 deblur (full config, spec §4) at 256×256 on the CPU backends, against an SGEMM
// floor measured in the same run (docs/performance.md):
//   floor = 121.0 GMAC · 2 / (SGEMM FLOP/s),  ratio = network time / floor.
// Weights are the fixtures' counter-based weights (tests/models/hash_weights.hpp, seed 300),
// the input and z_T come from the same generator, so bench/pytorch_compare.py builds the
// identical network in PyTorch. Environment:
//   DIFFBRIDGE_BENCH_SIZE=N      side of the square input (default 256)
//   DIFFBRIDGE_BENCH_OUT=DIR     write DIR/output_<backend>.npy of the last run
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sys/resource.h>
#include <omp.h>
#include <unistd.h>
#include <utility>

#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/io/npy.hpp"
#include "diffbridge/models/diffir/pipeline.hpp"
#include "diffbridge/nn/gemm_eigen.hpp"
#include "hash_weights.hpp"
#if defined(DIFFBRIDGE_BENCH_XTENSOR)
#include "diffbridge/backend/xtensor.hpp"
#include "diffbridge/nn/gemm_xtensor.hpp"
#endif
#if defined(DIFFBRIDGE_BENCH_THRUST)
#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#endif

using namespace diffbridge;
namespace dfr = diffbridge::models::diffir;

namespace {

constexpr double deblur_gmac_256 = 121.0;  // spec §8, at 256×256 (scales with the pixel count)

/// The attn·v products of the deblur config at N×N, Σ over MDTA blocks of C·(C/heads)·HW: the
/// device path computes the attention output as (W_o·blockdiag(attn))·v and does not do them
/// (6.0 of the 121.0 GMAC at 256²; docs/performance.md).
double attn_v_gmac(std::size_t N) {
  const dfr::config c = dfr::default_config(dfr::variant::deblur);
  double macs = 0;
  auto add = [&](std::size_t C, std::size_t heads, std::size_t side, std::size_t blocks) {
    macs += double(blocks) * double(C) * double(C / heads) * double(side) * double(side);
  };
  for (std::size_t l = 0; l < 4; ++l) add(c.dim << l, c.heads[l], N >> l, c.num_blocks[l]);
  add(4 * c.dim, c.heads[2], N >> 2, c.num_blocks[2]);  // decoder levels 3, 2, 1, refinement
  add(2 * c.dim, c.heads[1], N >> 1, c.num_blocks[1]);
  add(2 * c.dim, c.heads[0], N, c.num_blocks[0]);
  add(2 * c.dim, c.heads[0], N, c.num_refinement_blocks);
  return macs / 1e9;
}
double sgemm_flops = 0;                    // measured by BM_sgemm

std::size_t bench_size() {
  const char* s = std::getenv("DIFFBRIDGE_BENCH_SIZE");
  return s ? std::size_t(std::atol(s)) : 256;
}

/// The full deblur S2 weights (hash seed 300) as a temporary safetensors file.
const std::filesystem::path& weights_file() {
  static const std::filesystem::path p = [] {
    const dfr::config c = dfr::default_config(dfr::variant::deblur);
    std::map<std::string, io::st_tensor> t;
    for (const auto& k : dfr::network_layout(dfr::variant::deblur, c, dfr::stage::s2))
      t[k.name] = {k.dims, hashw::tensor(k.name, k.dims, 300)};
    auto path = std::filesystem::temp_directory_path() / ("diffbridge_bench_" + std::to_string(::getpid()) + ".safetensors");
    io::write_safetensors(path, t);
    std::atexit([] { std::filesystem::remove(std::filesystem::temp_directory_path() /
                                             ("diffbridge_bench_" + std::to_string(::getpid()) + ".safetensors")); });
    return path;
  }();
  return p;
}


/// What a backend needs around a forward pass: nothing on the host backends, a device context
/// on Thrust.
template <class B>
struct backend_scope {};
#if defined(DIFFBRIDGE_BENCH_THRUST)
template <>
struct backend_scope<thrust_backend> {
  nn::device_context<thrust_backend> ctx;
};
#endif

/// The nn view of a backend view (identity on the host backends).
template <class V>
auto nv(V v) {
  return tensor_view<typename V::element_type>{v.raw(), v.dims};
}

template <class B>
void BM_deblur_s2(benchmark::State& state) {
  [[maybe_unused]] const backend_scope<B> scope;  // RAII (empty for host backends)
  const std::size_t N = bench_size();
  const io::safetensors_file f(weights_file());
  const dfr::stage2<B> net(f, dfr::variant::deblur, dfr::default_config(dfr::variant::deblur));
  auto x = B::template empty<float>(shape{1, 3, N, N});
  auto z = B::template empty<float>(shape{1, 256, 1, 1});
  auto out = B::template empty<float>(shape{1, 3, N, N});
  const auto xv = hashw::bench_tensor("bench.input", 3 * N * N, true), zv = hashw::bench_tensor("bench.z", 256, false);
  B::copy_from_host(std::span<const float>(xv), B::as_view(x));
  B::copy_from_host(std::span<const float>(zv), B::as_view(z));
  nn::workspace<B> ws;
  // the warm-up pass fills the pool; the loop's passes replay it and allocate nothing
  net.restore(ws, nv(B::as_view(x)), {}, nv(B::as_view(z)), nv(B::as_view(out)));
  const std::size_t allocs = ws.allocations();
  for (auto _ : state) {
    net.restore(ws, nv(B::as_view(x)), {}, nv(B::as_view(z)), nv(B::as_view(out)));
    benchmark::ClobberMemory();
  }
  double gmac = deblur_gmac_256 * double(N * N) / (256.0 * 256.0);
  if constexpr (nn::device_backend<B>) gmac -= attn_v_gmac(N);
  state.counters["GMAC"] = gmac;
  state.counters["GFLOP/s"] = benchmark::Counter(2e9 * gmac * double(state.iterations()), benchmark::Counter::kIsRate);
  if (sgemm_flops > 0) {
    state.counters["floor_s"] = 2e9 * gmac / sgemm_flops;
    state.counters["ratio_to_floor"] = benchmark::Counter(double(state.iterations()) * 2e9 * gmac / sgemm_flops,
                                                          benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  }
  state.counters["pool_allocs_in_loop"] = double(ws.allocations() - allocs);
  state.counters["pool_MB"] = double(ws.bytes()) / 1e6;
  state.counters["peak_live_MB"] = double(ws.peak_live_bytes()) / 1e6;
  if (const char* d = std::getenv("DIFFBRIDGE_BENCH_OUT")) {
    std::vector<float> o(3 * N * N);
    B::copy_to_host(B::as_view(std::as_const(out)), std::span<float>(o));
    const std::vector<std::size_t> sh{1, 3, N, N};
    io::write_npy(std::filesystem::path(d) / ("output_" + std::string(B::name) + ".npy"), sh, o);
  }
}

/// Eigen SGEMM, n×n×n, on all OpenMP threads (Eigen's own parallel GEMM).
void BM_sgemm(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  c.noalias() = a * b;
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  const double flops = 2.0 * double(n) * double(n) * double(n);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * double(state.iterations()), benchmark::Counter::kIsRate);
}

/// The SGEMM floor: the best rate of an n = 2048 single-precision GEMM on the OpenMP threads,
/// either as one Eigen product (Eigen's own threading) or as one independent product per
/// thread (as the network's tiles run); recorded for the network benchmarks that follow.
void BM_sgemm_floor(benchmark::State& state) {
  const Eigen::Index n = 2048;
  const int T = omp_get_max_threads();
  std::vector<Eigen::MatrixXf> a(std::size_t(T), Eigen::MatrixXf::Random(n, n)), b = a, c = a;
  double best = 1e30;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    c[0].noalias() = a[0] * b[0];
    benchmark::DoNotOptimize(c[0].data());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static, 1)
    for (int i = 0; i < T; ++i) c[std::size_t(i)].noalias() = a[std::size_t(i)] * b[std::size_t(i)];
    benchmark::DoNotOptimize(c[0].data());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / T);
  }
  sgemm_flops = 2.0 * double(n) * double(n) * double(n) / best;
  state.counters["GFLOP/s_best"] = sgemm_flops / 1e9;
  state.counters["floor_s_deblur256"] = 2e9 * deblur_gmac_256 / sgemm_flops;
}

/// One operator of the deblur network at its 256×256 shape: args (op, C, HW side).
///   op 0: conv1x1 C→3C (qkv)   1: conv3x3 C→C/2 (down)   2: LayerNorm+mod   3: dwconv 3C
///   op 4: dwconv+gate 2F→F     5: attention (heads C/48)  6: transformer block (C, 2.0)
void BM_op(benchmark::State& state) {
  using B = eigen_backend;
  const int op = int(state.range(0));
  const std::size_t C = std::size_t(state.range(1)), S = std::size_t(state.range(2)), HW = S * S;
  nn::workspace<B> ws;
  std::vector<float> buf;
  auto make = [&](shape s) {
    auto t = B::template empty<float>(s);
    const auto v = hashw::bench_tensor("op", s.numel(), false);
    B::copy_from_host(std::span<const float>(v), B::as_view(t));
    return t;
  };
  const std::size_t F = 2 * C;
  auto x = make({1, C, S, S}), x3 = make({1, 3 * C, S, S}), x2f = make({1, 2 * F, S, S});
  auto y = make({1, 3 * C, S, S}), w1 = make({3 * C, C, 1, 1}), w3 = make({C / 2, C, 3, 3});
  auto wd = make({3 * C, 1, 3, 3}), wg = make({2 * F, 1, 3, 3}), k = make({1, 2 * C, 1, 1}), t = make({C / 48, 1, 1, 1});
  auto lw = make({C, 1, 1, 1});
  double macs = 0;
  auto cv = [](const auto& a) { return nn::cview(B::as_view(a)); };
  auto fv = [](auto& a) { return nn::fview(B::as_view(a)); };
  for (auto _ : state) {
    switch (op) {
      case 0: nn::conv2d<B>(ws, cv(x), cv(w1), fv(y)), macs = 3.0 * C * C * HW; break;
      case 1: nn::conv2d<B>(ws, cv(x), cv(w3), nn::fview{B::as_view(y).raw(), {1, C / 2, S, S}}), macs = 4.5 * C * C * HW; break;
      case 2: nn::layer_norm<B>(cv(x), cv(lw), cv(lw), nn::fview{B::as_view(y).raw(), {1, C, S, S}},
                                nn::channels(cv(k), 0, C), nn::channels(cv(k), C, C)); break;
      case 3: nn::depthwise_conv3x3<B>(cv(x3), cv(wd), fv(y)), macs = 27.0 * C * HW; break;
      case 4: nn::depthwise_conv3x3_gelu_gate<B>(ws, cv(x2f), cv(wg), nn::fview{B::as_view(y).raw(), {1, F, S, S}}),
              macs = 18.0 * F * HW; break;
      case 5: nn::channel_attention<B>(ws, cv(x3), cv(t), C / 48, nn::fview{B::as_view(y).raw(), {1, C, S, S}}),
              macs = 2.0 * 48 * C * HW; break;
    }
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2 * macs * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GB/s_in"] = benchmark::Counter(4.0 * double(C * HW) * (op == 3 ? 3 : op == 4 ? 4 : 1) *
                                                 double(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

// Real (wall) time throughout: the rate counters (GFLOP/s, ratio_to_floor) divide by the timed
// duration, and with OpenMP the main thread's CPU time is less than the wall time.
BENCHMARK(BM_op)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {48, 96}, {256}})
    ->ArgsProduct({{0, 1, 5}, {192}, {64}})
    ->ArgsProduct({{0, 1, 5}, {384}, {32}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_sgemm_floor)->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(BM_sgemm)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_deblur_s2, eigen_backend)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5.0)
    ->UseRealTime();
#if defined(DIFFBRIDGE_BENCH_THRUST)
BENCHMARK_TEMPLATE(BM_deblur_s2, thrust_backend)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5.0)
    ->UseRealTime();
#endif
#if defined(DIFFBRIDGE_BENCH_XTENSOR)
BENCHMARK_TEMPLATE(BM_deblur_s2, xtensor_backend)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5.0)
    ->UseRealTime();
#endif

BENCHMARK_MAIN();
