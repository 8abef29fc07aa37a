// Pointwise activations of DiffIR (spec §2.4, §2.8): LeakyReLU(0.1) and PyTorch's default GELU,
// the exact-erf form 0.5·x·(1 + erf(x/√2)) (not the tanh approximation).
// erf is evaluated by a rational approximation in float that the compiler can vectorise
// (the one of Eigen's generic_fast_erf_float): |erf_approx − erf| ≤ 4.7e-7 on all floats (at
// most 4.68e-7, at x = ±3.2697, found by evaluating every float of |x| ≤ 6; beyond, erf_approx is
// ±1 and erf within 2e-17 of it; tests/nn check it against std::erf), so GELU is within
// 1e-6·max(1, |x|) of PyTorch's.
#pragma once

#include <algorithm>
#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/exec.hpp"

namespace diffbridge::nn {

inline constexpr float leaky_slope = 0.1f;

DIFFBRIDGE_HD inline float leaky_relu(float x) noexcept { return x >= 0.0f ? x : x * leaky_slope; }

/// erf(x) for float: x·P(x²)/Q(x²) on [−4, 4], ±1 outside (erf(4) = 1 − 1.5e-8).
/// (DIFFBRIDGE_HD: the device operators of nn/device/ call the same functions.)
DIFFBRIDGE_HD inline float erf_approx(float a) noexcept {
  const float x = a < -4.0f ? -4.0f : (4.0f < a ? 4.0f : a);  // std::clamp(a, -4, 4)
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return x * p / q;
}

/// GELU with erf.
DIFFBRIDGE_HD inline float gelu(float x) noexcept {
  return 0.5f * x * (1.0f + erf_approx(x * 0.70710678118654752f));
}

/// In place: x ← LeakyReLU(x) on a view of backend B.
template <class B>
void leaky_relu_inplace(typename B::template view<float> x) {
  float* p = x.raw();
  const std::size_t n = x.size(), chunk = 16384;
  parallel_for<B>((n + chunk - 1) / chunk, [=](std::size_t t) {
    const std::size_t e = std::min(n, (t + 1) * chunk);
    for (std::size_t i = t * chunk; i < e; ++i) p[i] = leaky_relu(p[i]);
  });
}

/// y ← GELU(x) elementwise (x and y may alias).
template <class B>
void gelu(typename B::template view<const float> x, typename B::template view<float> y) {
  const float* s = x.raw();
  float* d = y.raw();
  const std::size_t n = x.size(), chunk = 16384;
  parallel_for<B>((n + chunk - 1) / chunk, [=](std::size_t t) {
    const std::size_t e = std::min(n, (t + 1) * chunk);
    for (std::size_t i = t * chunk; i < e; ++i) d[i] = gelu(s[i]);
  });
}

}  // namespace diffbridge::nn

// Device paths (constrained overloads for device backends).
#include "diffbridge/nn/device/elementwise.hpp"
