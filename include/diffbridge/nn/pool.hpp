// AdaptiveAvgPool2d(1): the global mean over space of every channel (spec §2.8, E.(n+8)).
#pragma once

#include <cstddef>

#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/exec.hpp"
#include "diffbridge/nn/workspace.hpp"

namespace diffbridge::nn {

/// y (N, C, 1, 1) = mean of x (N, C, H, W) over H·W (accumulated in double).
template <class B>
void global_avg_pool(cview x, fview y) {
  require_shape("global_avg_pool", "output", y.dims, shape{x.dims.n, x.dims.c, 1, 1});
  const std::size_t HW = x.dims.h * x.dims.w;
  require(HW > 0, "global_avg_pool", "empty input");
  const float* xp = x.raw();
  float* yp = y.raw();
  parallel_for<B>(x.dims.n * x.dims.c, [=](std::size_t p) {
    double s = 0;
    for (std::size_t i = 0; i < HW; ++i) s += static_cast<double>(xp[p * HW + i]);
    yp[p] = float(s / double(HW));
  });
}

/// The same with a workspace (device backends take their temporaries from it).
template <class B>
void global_avg_pool(workspace<B>&, cview x, fview y) {
  global_avg_pool<B>(x, y);
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/norm.hpp"
