// Image quality metrics of 8-bit images given as planar float in [0, 1]: each value is first
// quantised as io::write_image stores it, nearbyint(255·clamp(v, 0, 1)) in float, so a float
// result and the PNG written from it score the same, and images read from 8-bit files score
// their exact 8-bit values.
//   PSNR  10·log10(255² / MSE) over all channels and pixels (∞ for equal images)
//   SSIM  Wang, Bovik, Sheikh, Simoncelli 2004, Eq. 13: Gaussian window σ = 1.5 truncated at
//         3.5σ (11×11, normalised), K1 = 0.01, K2 = 0.03, L = 255, population (co)variances,
//         averaged over the pixels whose window lies inside the image, then over channels —
//         the convention of skimage.metrics.structural_similarity(gaussian_weights=True,
//         sigma=1.5, use_sample_covariance=False, data_range=255).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::data {

inline void require_same_image(std::size_t na, std::size_t nb, std::size_t C, std::size_t H,
                               std::size_t W) {
  if (na != C * H * W || nb != na || na == 0)
    throw invalid_input("metrics: the images differ in size or are empty");
}

/// The 8-bit values of a planar float image.
inline std::vector<double> to_8bit(std::span<const float> a) {
  std::vector<double> q(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) throw invalid_input("metrics: the image holds NaN");
    q[i] = static_cast<double>(std::nearbyint(std::clamp(a[i], 0.0f, 1.0f) * 255.0f));
  }
  return q;
}

inline double psnr(std::span<const float> a, std::span<const float> b, std::size_t C, std::size_t H,
                   std::size_t W) {
  require_same_image(a.size(), b.size(), C, H, W);
  const std::vector<double> qa = to_8bit(a), qb = to_8bit(b);
  double s = 0;
  for (std::size_t i = 0; i < qa.size(); ++i) s += (qa[i] - qb[i]) * (qa[i] - qb[i]);
  const double mse = s / double(a.size());
  return mse == 0 ? std::numeric_limits<double>::infinity()
                  : 10.0 * std::log10(255.0 * 255.0 / mse);
}

inline double ssim(std::span<const float> a, std::span<const float> b, std::size_t C, std::size_t H,
                   std::size_t W) {
  require_same_image(a.size(), b.size(), C, H, W);
  constexpr std::size_t r = 5;  // int(3.5·1.5 + 0.5)
  if (H < 2 * r + 1 || W < 2 * r + 1)
    throw invalid_input("ssim: the images must be at least 11x11");
  double g[2 * r + 1], gs = 0;
  for (int k = -int(r); k <= int(r); ++k)
    gs += g[std::size_t(k + int(r))] = std::exp(-double(k * k) / (2 * 1.5 * 1.5));
  for (double& e : g) e /= gs;
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  const std::size_t Ho = H - 2 * r, Wo = W - 2 * r;
  // separable filtering of x, y, x², y², xy: rows first (into t), then columns
  std::vector<double> t(5 * H * Wo);
  double total = 0;
  const std::vector<double> qa = to_8bit(a), qb = to_8bit(b);
  for (std::size_t c = 0; c < C; ++c) {
    const double *pa = qa.data() + c * H * W, *pb = qb.data() + c * H * W;
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < Wo; ++x) {
        double m[5] = {0, 0, 0, 0, 0};
        for (std::size_t k = 0; k <= 2 * r; ++k) {
          const double u = pa[y * W + x + k], v = pb[y * W + x + k];
          m[0] += g[k] * u, m[1] += g[k] * v, m[2] += g[k] * u * u, m[3] += g[k] * v * v,
              m[4] += g[k] * u * v;
        }
        for (std::size_t q = 0; q < 5; ++q) t[(q * H + y) * Wo + x] = m[q];
      }
    double sum = 0;
    for (std::size_t y = 0; y < Ho; ++y)
      for (std::size_t x = 0; x < Wo; ++x) {
        double m[5] = {0, 0, 0, 0, 0};
        for (std::size_t k = 0; k <= 2 * r; ++k)
          for (std::size_t q = 0; q < 5; ++q) m[q] += g[k] * t[(q * H + y + k) * Wo + x];
        const double vx = m[2] - m[0] * m[0], vy = m[3] - m[1] * m[1], cxy = m[4] - m[0] * m[1];
        sum += ((2 * m[0] * m[1] + c1) * (2 * cxy + c2)) /
               ((m[0] * m[0] + m[1] * m[1] + c1) * (vx + vy + c2));
      }
    total += sum / double(Ho * Wo);
  }
  return total / double(C);
}

}  // namespace diffbridge::data
