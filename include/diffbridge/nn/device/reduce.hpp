// Sums along long rows on a device backend: R rows of P values, Σ per row accumulated in double,
// by a tree of steps each adding tree_fan values per thread. One thread per row would leave a GPU
// mostly idle and wait on its loads one by one; in a step thread q of a row adds the values
// q, q + Q, q + 2Q, … (Q = ⌈P / tree_fan⌉), so adjacent threads read adjacent addresses and each
// thread issues all its loads at once. Rows of floats enter through row_sums_of (Σ x or Σ x²);
// partial sums already in double (the depthwise threads' Σ q², Σ k²) through tree_reduce_rows.
// Both leave G ≤ tree_fan values per row, which the caller's last functor adds (row_lane_total).
// In double the order changes the float result only when the exact sum sits on a rounding tie.
#pragma once

#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

/// Σ of the G partial sums of row r, in order.
DIFFBRIDGE_HD inline double row_lane_total(const double* lanes, std::size_t G, std::size_t r) {
  double a[4] = {0, 0, 0, 0};
  std::size_t g = 0;
  for (; g + 4 <= G; g += 4)
    for (std::size_t l = 0; l < 4; ++l) a[l] += lanes[r * G + g + l];
  for (; g < G; ++g) a[0] += lanes[r * G + g];
  return (a[0] + a[1]) + (a[2] + a[3]);
}

/// Values per thread of a partial-sum tree step: loaded at once (one memory round trip, not a
/// chain of dependent loads), then added pairwise.
inline constexpr std::size_t tree_fan = 16;

/// Σ load(i), i < n ≤ tree_fan: the values loaded at once, then added pairwise.
template <class T, class Load>
DIFFBRIDGE_HD T pairwise_sum_of(const Load& load, std::size_t n) {
  T v[tree_fan];
  for (std::size_t i = 0; i < tree_fan; ++i) v[i] = i < n ? load(i) : T(0);
  for (std::size_t w = tree_fan / 2; w > 0; w /= 2)
    for (std::size_t i = 0; i < w; ++i) v[i] += v[i + w];
  return v[0];
}

/// Σ p[i·stride], i < n ≤ tree_fan, pairwise.
template <class T>
DIFFBRIDGE_HD T pairwise_sum(const T* p, std::size_t stride, std::size_t n) {
  return pairwise_sum_of<T>([=](std::size_t i) { return p[i * stride]; }, n);
}

/// The first step over rows of floats: out[r·Q + q] = Σ x[r·N + q + i·Q] (squared when square),
/// i < tree_fan (those < N), in double; Q = ⌈N / tree_fan⌉.
struct row_first_step_fn {
  const float* x;
  double* out;
  std::size_t N, Q;
  bool square;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t r = it / Q, q = it - r * Q, stride = Q;
    const float* p = x + r * N + q;
    const bool sq = square;
    out[it] = pairwise_sum_of<double>(
        [=](std::size_t i) {
          const double u = static_cast<double>(p[i * stride]);
          return sq ? u * u : u;
        },
        (N - q + Q - 1) / Q);  // the i with q + i·Q < N
  }
};

/// out[r·Q + q] = Σ in[r·P + q + i·Q], i < tree_fan (those < P), pairwise; Q = ⌈P / tree_fan⌉.
/// Thread q's values are Q apart, so adjacent threads read adjacent addresses.
struct tree_step_fn {
  const double* in;
  double* out;
  std::size_t P, Q;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t r = it / Q, q = it - r * Q;
    out[it] = pairwise_sum(in + r * P + q, Q, (P - q + Q - 1) / Q);  // the i with q + i·Q < P
  }
};

/// R rows of P partial sums (double, at x) reduced by tree steps to G ≤ tree_fan values per row:
/// a buffer of R·G doubles from ws, to be finished by row_lane_total(…, G, r).
template <class B>
typename workspace<B>::lease tree_reduce_rows(workspace<B>& ws, const double* x, std::size_t R,
                                              std::size_t P, std::size_t& G) {
  typename workspace<B>::lease cur;
  const double* in = x;
  do {
    const std::size_t Q = (P + tree_fan - 1) / tree_fan;
    auto next = ws.acquire(shape{1, 1, R * Q, 2});  // doubles
    double* out = reinterpret_cast<double*>(next.data());
    launch<B>(R * Q, tree_step_fn{in, out, P, Q});
    cur = std::move(next), in = out, P = Q;
  } while (P > tree_fan);
  G = P;
  return cur;
}

/// Σ x (or Σ x² when square) of R rows of N floats at x, reduced to G ≤ tree_fan partial sums
/// per row: a buffer of R·G doubles from ws, to be finished by row_lane_total(…, G, r).
template <class B>
typename workspace<B>::lease row_sums_of(workspace<B>& ws, const float* x, std::size_t R,
                                         std::size_t N, bool square, std::size_t& G) {
  const std::size_t Q = (N + tree_fan - 1) / tree_fan;
  auto first = ws.acquire(shape{1, 1, R * Q, 2});  // doubles (leases are aligned for any scalar)
  double* fp = reinterpret_cast<double*>(first.data());
  launch<B>(R * Q, row_first_step_fn{x, fp, N, Q, square});
  if (Q <= tree_fan) {
    G = Q;
    return first;
  }
  return tree_reduce_rows<B>(ws, fp, R, Q, G);
}

}  // namespace diffbridge::nn::device
