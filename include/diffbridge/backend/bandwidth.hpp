// Memory-bandwidth probe for a backend: the fused sampler step (π = x0 − μ, caller noise; five
// streams x, x̂0, y, z, out), the same step with inline Philox noise (four streams) and a STREAM
// triad a = b + s·c (three streams), all on arrays of n elements in the same process. GB/s count
// each stream once (bytes read + bytes written, 1 GB = 1e9 B), as STREAM does; the ratio
// step/triad says how close the fused kernel is to the machine's streaming rate.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/kernels.hpp"
#include "diffbridge/core/error.hpp"

namespace diffbridge {

struct bandwidth_report {
  std::size_t n = 0;             ///< elements per array
  std::size_t scalar_bytes = 0;  ///< sizeof(T)
  double step_gbs = 0;           ///< fused step, caller noise, 5 streams
  double step_philox_gbs = 0;    ///< fused step, inline Philox noise, 4 streams
  double triad_gbs = 0;          ///< a = b + s·c, 3 streams
  double step_ms = 0, step_philox_ms = 0, triad_ms = 0;  ///< median time per call
};

namespace kernels {
/// STREAM triad a[i] = b[i] + s·c[i].
template <class T>
struct triad_fn {
  T s;
  T* a;
  const T* b;
  const T* c;
  DIFFBRIDGE_HD void operator()(std::size_t i) const noexcept { a[i] = b[i] + s * c[i]; }
};
}  // namespace kernels

namespace detail {
/// Deterministic, non-zero test data in [−1, 1) (splitmix64), cheap enough for 2^26 elements.
template <class T>
std::vector<T> bandwidth_data(std::size_t n, std::uint64_t seed) {
  std::vector<T> h(n);
  std::uint64_t s = seed;
  for (auto& v : h) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    v = static_cast<T>(static_cast<double>(z >> 11) * 0x1p-52 - 1.0);
  }
  return h;
}
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}
}  // namespace detail

/// Times the three kernels on backend B with n elements of type T: `samples` timings of `batch`
/// back-to-back calls each (interleaved, after two warm-up calls), medians reported.
/// `with_philox = false` skips the inline-noise step (slow on CPUs without FMA, see philox.hpp).
template <tensor_backend B, class T = float>
bandwidth_report measure_bandwidth(std::size_t n, int samples = 21, int batch = 10,
                                   bool with_philox = true) {
  require_parameter(n > 0, "n", n, "> 0");
  require_parameter(samples > 0, "samples", samples, "> 0");
  require_parameter(batch > 0, "batch", batch, "> 0");
  const shape s{n, 1, 1, 1};
  auto make = [&](std::uint64_t seed) {
    auto t = B::template empty<T>(s);
    const std::vector<T> h = detail::bandwidth_data<T>(n, seed);
    B::copy_from_host(std::span<const T>(h), B::as_view(t));
    return t;
  };
  auto x = make(1), x0 = make(2), y = make(3), z = make(4), out = make(5);
  auto a = make(6), b = make(7), c = make(8);
  const step_coeffs<double> coeffs{0.9, 0.05, 0.05, 0.1};
  std::uint64_t philox_step = 0;

  auto step = [&] {
    B::template step<modulation::residual>(
        coeffs, B::as_view(std::as_const(x)), B::as_view(std::as_const(x0)),
        B::as_view(std::as_const(y)), B::as_view(std::as_const(z)), B::as_view(out));
  };
  auto step_philox = [&] {
    B::template step<modulation::residual>(
        coeffs, B::as_view(std::as_const(x)), B::as_view(std::as_const(x0)),
        B::as_view(std::as_const(y)), philox_normals{42, philox_step++}, B::as_view(out));
  };
  auto triad = [&] {
    B::for_each_index(
        n, kernels::triad_fn<T>{T(0.5), B::as_view(a).raw(), B::as_view(std::as_const(b)).raw(),
                                B::as_view(std::as_const(c)).raw()});
  };
  auto seconds_per_call = [&](auto&& op) {
    B::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < batch; ++k) op();
    B::synchronize();
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    return dt.count() / batch;
  };
  for (int w = 0; w < 2; ++w) {
    step();
    if (with_philox) step_philox();
    triad();
  }
  std::vector<double> ts, tp, tt;
  for (int k = 0; k < samples; ++k) {
    ts.push_back(seconds_per_call(step));
    if (with_philox) tp.push_back(seconds_per_call(step_philox));
    tt.push_back(seconds_per_call(triad));
  }
  if (!with_philox) tp.push_back(0);
  bandwidth_report r;
  r.n = n;
  r.scalar_bytes = sizeof(T);
  r.step_ms = 1e3 * detail::median(ts);
  r.step_philox_ms = 1e3 * detail::median(tp);
  r.triad_ms = 1e3 * detail::median(tt);
  const double bytes = static_cast<double>(n) * sizeof(T);
  r.step_gbs = 5 * bytes / (r.step_ms * 1e6);
  r.step_philox_gbs = with_philox ? 4 * bytes / (r.step_philox_ms * 1e6) : 0.0;
  r.triad_gbs = 3 * bytes / (r.triad_ms * 1e6);
  return r;
}

}  // namespace diffbridge
