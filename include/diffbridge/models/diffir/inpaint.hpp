// The inpainting pipeline's elementwise steps (pipeline.hpp, spec §3.3, §7), one functor each
// for every backend (a loop on the host backends, a launch on a device backend):
//   input  k = mask > 0; mask ← k; g = cat[img·(1 − k), k]
//   blend  out = mask·pred + (1 − mask)·img
#pragma once

#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/device/launch.hpp"
#include "diffbridge/nn/exec.hpp"

namespace diffbridge::models::diffir::detail {

/// f(i) for i in [0, n) on B: one loop on a host backend (a step this light is not worth
/// threads), a launch on a device backend.
template <class B, class F>
void elementwise(std::size_t n, const F& f) {
  if constexpr (nn::is_host_backend<B>) {
    for (std::size_t i = 0; i < n; ++i) f(i);
  } else {
    nn::device::launch<B>(n, f);
  }
}

/// Pixel i of n: binarises mask[i] and writes the 4 channels of g.
struct inpaint_input_fn {
  const float* img;
  float* mask;
  float* g;
  std::size_t n;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const float k = mask[i] > 0.0f ? 1.0f : 0.0f;
    mask[i] = k;
    for (std::size_t c = 0; c < 3; ++c) g[c * n + i] = img[c * n + i] * (1.0f - k);
    g[3 * n + i] = k;
  }
};

/// Element i of the 3·n prediction: pred ← mask·pred + (1 − mask)·img.
struct inpaint_blend_fn {
  const float* img;
  const float* mask;
  float* pred;
  std::size_t n;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const float m = mask[i % n];
    pred[i] = m * pred[i] + (1.0f - m) * img[i];
  }
};

/// g (1, 4, H, W) = cat[img·(1 − k), k] with the mask binarised in place (n = H·W).
template <class B>
void inpaint_input(const float* img, float* mask, float* g, std::size_t n) {
  elementwise<B>(n, inpaint_input_fn{img, mask, g, n});
}

/// pred (1, 3, H, W) ← mask·pred + (1 − mask)·img.
template <class B>
void inpaint_blend(const float* img, const float* mask, float* pred, std::size_t n) {
  elementwise<B>(3 * n, inpaint_blend_fn{img, mask, pred, n});
}

}  // namespace diffbridge::models::diffir::detail
