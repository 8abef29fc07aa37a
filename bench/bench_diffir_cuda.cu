// DiffIR Stage-2 deblur (full config, spec §4) on the Thrust backend's CUDA system (cuBLAS fp32,
// CUBLAS_DEFAULT_MATH unless --tf32), timed with CUDA events on the device context's stream after
// warm-up passes; median and min of --reps runs; device memory: the workspace pool and the peak
// of (total − free) reported by cudaMemGetInfo around the passes. Not a test; CI does not run it.
// Weights, input and z_T are the counter-based ones of bench_diffir.cpp (hash seed 300), so
// bench/pytorch_cuda_compare.py builds the identical network in PyTorch.
// With --graph the pass is also captured once into a CUDA graph (the pool allocates nothing in a
// second pass, so the captured pass is replayable) and the replays are timed the same way:
// graph_median_ms shows what the ≈ 1,160 kernel launches of a pass cost on their own.
//   bench_diffir_cuda [--sizes 256,1024] [--reps 10] [--warmup 2] [--tf32] [--graph]
//                     [--qk-chunk N] [--out DIR]      (N: columns per q·kᵀ partial product)
// prints per size: size=N median_ms=... min_ms=... pool_MiB=... peak_live_MiB=...
// device_used_MiB=... [graph_median_ms=... graph_min_ms=...] (--out DIR writes
// DIR/output_cuda_N.npy, from a graph replay with --graph)
#include <cuda_runtime_api.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/io/npy.hpp"
#include "diffbridge/models/diffir/pipeline.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#include "hash_weights.hpp"

using namespace diffbridge;
namespace dfr = diffbridge::models::diffir;
using B = diffbridge::thrust_backend;

namespace {

double used_mib() {
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) return -1;
  return double(total - free) / 1048576.0;
}

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw error(std::string(what) + ": " + cudaGetErrorString(e));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{256, 1024};
  int reps = 10, warmup = 2;
  bool tf32 = false, graph = false;
  std::string out_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_diffir_cuda: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    // a positive integer, or a one-line error and exit code 2
    auto count = [&](const std::string& t, unsigned long lo, unsigned long hi) {
      char* end = nullptr;
      const unsigned long v = t.empty() ? 0 : std::strtoul(t.c_str(), &end, 10);
      if (t.empty() || *end != '\0' || v < lo || v > hi) {
        std::fprintf(stderr, "bench_diffir_cuda: %s expects integers in [%lu, %lu], got '%s'\n",
                     a.c_str(), lo, hi, t.c_str());
        std::exit(2);
      }
      return v;
    };
    if (a == "--sizes") {
      sizes.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) sizes.push_back(count(t, 8, 8192));
      if (sizes.empty()) count("", 8, 8192);
    } else if (a == "--reps") {
      reps = int(count(next(), 1, 100000));
    } else if (a == "--warmup") {
      warmup = int(count(next(), 1, 100000));
    } else if (a == "--tf32") {
      tf32 = true;
    } else if (a == "--graph") {
      graph = true;
    } else if (a == "--qk-chunk") {
      diffbridge::nn::device::qk_chunk = count(next(), 16, 1u << 24);
    } else if (a == "--out") {
      out_dir = next();
    } else {
      std::fprintf(stderr,
                   "usage: bench_diffir_cuda [--sizes 256,1024] [--reps N] [--warmup N] [--tf32] "
                   "[--graph] [--qk-chunk N] [--out DIR]\n");
      return 2;
    }
  }
  if (!out_dir.empty() && !std::filesystem::is_directory(out_dir)) {
    std::fprintf(stderr, "bench_diffir_cuda: --out %s is not a directory\n", out_dir.c_str());
    return 2;
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "bench_diffir_cuda: no CUDA device available\n");
    return 2;
  }
  try {
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device=%s tf32=%d reps=%d warmup=%d\n", prop.name, int(tf32), reps, warmup);
    const dfr::config c = dfr::default_config(dfr::variant::deblur);
    std::map<std::string, io::st_tensor> t;
    for (const auto& k : dfr::network_layout(dfr::variant::deblur, c, dfr::stage::s2))
      t[k.name] = {k.dims, hashw::tensor(k.name, k.dims, 300)};
    const auto path = std::filesystem::temp_directory_path() /
                      ("diffbridge_bench_cuda_" + std::to_string(::getpid()) + ".safetensors");
    io::write_safetensors(path, t);
    const io::safetensors_file f(path);
    nn::device_context<B> ctx(nn::device_context<B>::options{tf32});
    const dfr::stage2<B> net(f, dfr::variant::deblur, c);
    std::filesystem::remove(path);
    const double base_mib = used_mib();
    for (const std::size_t N : sizes) {
      auto x = B::empty<float>(shape{1, 3, N, N});
      auto z = B::empty<float>(shape{1, 256, 1, 1});
      auto out = B::empty<float>(shape{1, 3, N, N});
      const auto xv = hashw::bench_tensor("bench.input", 3 * N * N, true),
                 zv = hashw::bench_tensor("bench.z", 256, false);
      B::copy_from_host(std::span<const float>(xv), B::as_view(x));
      B::copy_from_host(std::span<const float>(zv), B::as_view(z));
      auto nv = [](auto v) {
        return tensor_view<typename decltype(v)::element_type>{v.raw(), v.dims};
      };
      nn::workspace<B> ws;
      double peak_mib = 0;
      for (int w = 0; w < warmup; ++w) {
        net.restore(ws, nv(B::as_view(x)), {}, nv(B::as_view(z)), nv(B::as_view(out)));
        ctx.synchronize();
        peak_mib = std::max(peak_mib, used_mib());
      }
      const std::size_t allocs = ws.allocations();
      cudaEvent_t e0, e1;
      check(cudaEventCreate(&e0), "cudaEventCreate");
      check(cudaEventCreate(&e1), "cudaEventCreate");
      // median and min of `reps` timings of run() on the context's stream
      auto time_runs = [&](auto&& run) {
        std::vector<float> ms;
        for (int r = 0; r < reps; ++r) {
          check(cudaEventRecord(e0, ctx.stream()), "cudaEventRecord");
          run();
          check(cudaEventRecord(e1, ctx.stream()), "cudaEventRecord");
          check(cudaEventSynchronize(e1), "cudaEventSynchronize");
          float m = 0;
          check(cudaEventElapsedTime(&m, e0, e1), "cudaEventElapsedTime");
          ms.push_back(m);
          peak_mib = std::max(peak_mib, used_mib());
        }
        std::sort(ms.begin(), ms.end());
        return std::pair{ms[ms.size() / 2], ms.front()};
      };
      const auto pass = [&] {
        net.restore(ws, nv(B::as_view(x)), {}, nv(B::as_view(z)), nv(B::as_view(out)));
      };
      const auto [med, best] = time_runs(pass);
      std::printf(
          "size=%zu median_ms=%.3f min_ms=%.3f pool_MiB=%.1f peak_live_MiB=%.1f "
          "device_used_MiB=%.1f pool_allocs_in_loop=%zu",
          N, med, best, double(ws.bytes()) / 1048576.0, double(ws.peak_live_bytes()) / 1048576.0,
          peak_mib - base_mib, ws.allocations() - allocs);
      if (graph) {
        try {
          // graph and executable destroyed on every path, a failed capture or launch included
          cudaGraph_t g = nullptr;
          cudaGraphExec_t ge = nullptr;
          struct graph_guard {
            cudaGraph_t& g;
            cudaGraphExec_t& ge;
            ~graph_guard() {
              if (ge) cudaGraphExecDestroy(ge);
              if (g) cudaGraphDestroy(g);
            }
          } guard{g, ge};
          check(cudaStreamBeginCapture(ctx.stream(), cudaStreamCaptureModeThreadLocal),
                "cudaStreamBeginCapture");
          try {
            pass();
          } catch (...) {
            cudaStreamEndCapture(ctx.stream(), &g);  // leave the capture state
            cudaGetLastError();
            throw;
          }
          check(cudaStreamEndCapture(ctx.stream(), &g), "cudaStreamEndCapture");
          check(cudaGraphInstantiate(&ge, g, 0), "cudaGraphInstantiate");
          std::size_t nodes = 0;
          check(cudaGraphGetNodes(g, nullptr, &nodes), "cudaGraphGetNodes");
          const auto replay = [&] { check(cudaGraphLaunch(ge, ctx.stream()), "cudaGraphLaunch"); };
          replay();
          ctx.synchronize();
          const auto [gmed, gbest] = time_runs(replay);
          std::printf(" graph_median_ms=%.3f graph_min_ms=%.3f graph_nodes=%zu", gmed, gbest,
                      nodes);
        } catch (const std::exception& e) {
          std::printf(" graph=failed");
          std::fprintf(stderr, "bench_diffir_cuda: graph capture failed: %s\n", e.what());
        }
      }
      std::printf("\n");
      cudaEventDestroy(e0);
      cudaEventDestroy(e1);
      if (!out_dir.empty()) {
        std::vector<float> o(3 * N * N);
        B::copy_to_host(B::as_view(std::as_const(out)), std::span<float>(o));
        const std::vector<std::size_t> sh{1, 3, N, N};
        io::write_npy(
            std::filesystem::path(out_dir) / ("output_cuda_" + std::to_string(N) + ".npy"), sh, o);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_diffir_cuda: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
