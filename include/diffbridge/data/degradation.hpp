// Synthetic degradations of `diffbridge degrade` and of the default model's training data
// (docs/default-model.md). Planar float images (C, H, W) in [0, 1]; computed in double:
//   blur   13-tap disk of radius 2 (offsets dy² + dx² ≤ 4), reflect borders (x[−1] = x[1]),
//          summed in row-major offset order, divided by 13
//   noise  + σ·z, σ = 25/255, z = philox_normals{seed, step 0} at the flat CHW index
//   then   clamped to [0, 1]
// kinds: noise, blur, default (= blur then noise). scripts/degrade.py is the NumPy twin; the
// two agree to float32 rounding (their normals agree to 5 ulp, core/philox.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/core/philox.hpp"

namespace diffbridge::data {

enum class degradation { default_kind, noise, blur };

inline constexpr double degradation_sigma = 25.0 / 255.0;

inline degradation parse_degradation(std::string_view s) {
  if (s == "default") return degradation::default_kind;
  if (s == "noise") return degradation::noise;
  if (s == "blur") return degradation::blur;
  throw invalid_parameter(detail::concat("--kind = '", s, "': must be one of default|noise|blur"));
}

namespace detail {

/// The disk's offsets in row-major order.
inline constexpr std::array<std::array<int, 2>, 13> disk_offsets{{{-2, 0},
                                                                  {-1, -1},
                                                                  {-1, 0},
                                                                  {-1, 1},
                                                                  {0, -2},
                                                                  {0, -1},
                                                                  {0, 0},
                                                                  {0, 1},
                                                                  {0, 2},
                                                                  {1, -1},
                                                                  {1, 0},
                                                                  {1, 1},
                                                                  {2, 0}}};

/// Reflect index (x[−1] = x[1], x[n] = x[n − 2]) for offsets of at most 2 and n ≥ 3.
inline std::size_t reflect(long i, long n) {
  if (i < 0) i = -i;
  if (i >= n) i = 2 * (n - 1) - i;
  return std::size_t(i);
}

}  // namespace detail

/// The degraded image of x (C, H, W) before quantisation, in double. H, W ≥ 3.
inline std::vector<double> degrade(std::span<const float> x, std::size_t C, std::size_t H,
                                   std::size_t W, degradation kind, std::uint64_t seed) {
  if (C == 0) throw invalid_input("degrade: the image has no channels");
  if (x.size() != C * H * W)
    throw invalid_input(diffbridge::detail::concat("degrade: ", x.size(), " values do not make a ",
                                                   C, "x", H, "x", W, " image"));
  if (H < 3 || W < 3)
    throw invalid_input(
        diffbridge::detail::concat("degrade: the image must be at least 3x3, got ", W, "x", H));
  std::vector<double> v(x.begin(), x.end());
  if (kind != degradation::noise) {
    std::vector<double> b(v.size());
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t y = 0; y < H; ++y)
        for (std::size_t i = 0; i < W; ++i) {
          double acc = 0;
          for (const auto& [dy, dx] : detail::disk_offsets)
            acc += v[(c * H + detail::reflect(long(y) + dy, long(H))) * W +
                     detail::reflect(long(i) + dx, long(W))];
          b[(c * H + y) * W + i] = acc / 13.0;
        }
    v.swap(b);
  }
  if (kind != degradation::blur) {
    const philox_normals z{seed, 0};
    for (std::size_t j = 0; j < v.size(); j += 4) {
      const normal4 q = z.block(j / 4);
      for (std::size_t k = 0; k < 4 && j + k < v.size(); ++k)
        v[j + k] += degradation_sigma * double(q.v[k]);
    }
  }
  for (double& e : v) e = std::clamp(e, 0.0, 1.0);
  return v;
}

}  // namespace diffbridge::data
