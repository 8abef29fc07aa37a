// Sums along long rows on a device backend: R rows of N contiguous floats, Σ x or Σ x² per row,
// accumulated in double. One thread per row and chunk would leave a GPU mostly idle and read
// uncoalesced, so the sum runs in two launches that every device system shares:
//   slots   thread (r, s), s < P: Σ over i = s, s + P, s + 2P, … < N (adjacent threads read
//           adjacent addresses), P = min(N, row_sum_slots);
//   lanes   thread (r, g), g < G: Σ of the slots g, g + G, … < P, G = min(P, row_sum_lanes).
// The caller's last functor adds the G lanes of a row (row_lane_total). In double the
// order changes the float result only when the exact sum sits on a rounding tie of float.
#pragma once

#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn::device {

inline constexpr std::size_t row_sum_slots = 1024, row_sum_lanes = 32;

/// part[r·P + s] = Σ_{i ≡ s (mod P), i < N} x_r[i] (or x_r[i]²), in double.
struct row_slots_fn {
  const float* x;
  double* part;
  std::size_t N, P;
  bool square;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t r = it / P, s = it % P;
    const float* row = x + r * N;
    double a0 = 0, a1 = 0;
    std::size_t i = s;
    for (; i + P < N; i += 2 * P) {
      const double u = row[i], v = row[i + P];
      a0 += square ? u * u : u;
      a1 += square ? v * v : v;
    }
    if (i < N) {
      const double u = row[i];
      a0 += square ? u * u : u;
    }
    part[it] = a0 + a1;
  }
};

/// lanes[r·G + g] = Σ_{s ≡ g (mod G), s < P} part[r·P + s].
struct slot_lanes_fn {
  const double* part;
  double* lanes;
  std::size_t P, G;
  DIFFBRIDGE_HD void operator()(std::size_t it) const {
    const std::size_t r = it / G, g = it % G;
    // four independent sums: a GPU thread then has four loads in flight, not one
    double a[4] = {0, 0, 0, 0};
    std::size_t s = g;
    for (; s + 3 * G < P; s += 4 * G)
      for (std::size_t l = 0; l < 4; ++l) a[l] += part[r * P + s + l * G];
    for (; s < P; s += G) a[0] += part[r * P + s];
    lanes[it] = (a[0] + a[1]) + (a[2] + a[3]);
  }
};

/// Σ of the G lanes of row r, in order.
DIFFBRIDGE_HD inline double row_lane_total(const double* lanes, std::size_t G, std::size_t r) {
  double a[4] = {0, 0, 0, 0};
  std::size_t g = 0;
  for (; g + 4 <= G; g += 4)
    for (std::size_t l = 0; l < 4; ++l) a[l] += lanes[r * G + g + l];
  for (; g < G; ++g) a[0] += lanes[r * G + g];
  return (a[0] + a[1]) + (a[2] + a[3]);
}

/// The lanes of R rows of N floats at x (Σ x, or Σ x² when square): a double buffer of R·G
/// values from ws (G = lanes_per_row(N)), to be finished by row_lane_total.
template <class B>
typename workspace<B>::lease row_sum_lanes_of(workspace<B>& ws, const float* x, std::size_t R,
                                              std::size_t N, bool square) {
  const std::size_t P = N < row_sum_slots ? N : row_sum_slots;
  const std::size_t G = P < row_sum_lanes ? P : row_sum_lanes;
  auto part =
      ws.acquire(shape{1, 1, R * P, 2});  // doubles (leases are aligned for any scalar type)
  auto lanes = ws.acquire(shape{1, 1, R * G, 2});
  double* pp = reinterpret_cast<double*>(part.data());
  double* lp = reinterpret_cast<double*>(lanes.data());
  launch<B>(R * P, row_slots_fn{x, pp, N, P, square});
  launch<B>(R * G, slot_lanes_fn{pp, lp, P, G});
  return lanes;
}

/// Values per thread of a partial-sum tree step: loaded at once (one memory round trip, not a
/// chain of dependent loads), then added pairwise.
inline constexpr std::size_t tree_fan = 16;

/// Σ p[i·stride], i < n ≤ tree_fan: the values loaded at once, then added pairwise.
template <class T>
DIFFBRIDGE_HD T pairwise_sum(const T* p, std::size_t stride, std::size_t n) {
  T v[tree_fan];
  for (std::size_t i = 0; i < tree_fan; ++i) v[i] = i < n ? p[i * stride] : T(0);
  for (std::size_t w = tree_fan / 2; w > 0; w /= 2)
    for (std::size_t i = 0; i < w; ++i) v[i] += v[i + w];
  return v[0];
}

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

/// G for rows of length N (see row_sum_lanes_of).
constexpr std::size_t lanes_per_row(std::size_t N) noexcept {
  const std::size_t P = N < row_sum_slots ? N : row_sum_slots;
  return P < row_sum_lanes ? P : row_sum_lanes;
}

}  // namespace diffbridge::nn::device
