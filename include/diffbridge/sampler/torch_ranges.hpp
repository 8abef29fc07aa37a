// torch.linspace and torch.arange in float32 on the CPU, value for value, for the originals whose
// sampling grids are built with them (RDBM, BBDM, DBIM): their float32 values are not the exact
// ones, and a grid truncated or rounded to integer indices can differ by one where the exact
// value is an integer or a half (RDBM T = 100, S = 85: 78 where exact arithmetic gives 79).
// Emulated is torch's CPU kernel as dispatched for AVX2, its usual choice on x86-64 (ATen
// RangeFactoriesKernel: a contiguous output is filled by pairs of 8-wide vectors while 16 elements
// remain, the tail element-wise). Torch's plain and AVX-512 builds of the kernel round some
// elements differently. Checked against torch 1.13 (tests/golden/torch_grids.csv,
// scripts/golden/make_torch_grids.py).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::grid {

namespace torch_cpu {
inline constexpr long vector_width = 8;  ///< floats per AVX2 vector
/// a·b rounded on its own: a volatile store, so that a compiler contracting a·b + c into an fma
/// (GNU dialects, -ffp-contract=fast) cannot fuse it with the add after it
template <class T>
T rounded_product(T a, T b) {
  volatile T r = a * b;
  return T(r);
}
}  // namespace torch_cpu

/// torch.linspace(start, end, n) (float32): step = (end − start)/(n − 1) in float; element i is
/// fma(step, i, start) in the first half (i < ⌊n/2⌋), fma(−step, n − 1 − i, end) in the second
/// (the contraction of torch's GCC build); in the vector part, lane j of the vector at i is
/// (element i) + j·step, the product rounded, then added.
inline std::vector<float> torch_linspace(float start, float end, long n) {
  require_parameter(n >= 2 && n <= (1L << 24), "steps", n, "in [2, 2^24]");
  constexpr long width = torch_cpu::vector_width;
  const long half = n / 2;
  const float step = (end - start) / float(n - 1);
  const auto at = [&](long i) {
    return i < half ? std::fma(step, float(i), start) : std::fma(-step, float(n - 1 - i), end);
  };
  std::vector<float> v(static_cast<std::size_t>(n));
  long i = 0;
  for (; i + 2 * width <= n; i += 2 * width)
    for (long b = i; b < i + 2 * width; b += width) {
      const float base = at(b);
      for (long j = 0; j < width; ++j)
        v[std::size_t(b + j)] = base + torch_cpu::rounded_product(float(j), step);
    }
  for (; i < n; ++i) v[std::size_t(i)] = at(i);
  return v;
}

/// torch.arange(start, end, step) (float32): ⌈(end − start)/step⌉ elements; start and step in
/// double; element k = float32(start + k·step) in double; in the vector part, lane j of the
/// vector at k is float32(b + j·step) in double, b the vector's first element as a float32.
inline std::vector<float> torch_arange(double start, double end, double step) {
  require_parameter(step != 0 && std::isfinite(step), "step", step, "finite and != 0");
  const double count = std::ceil((end - start) / step);
  require_parameter(count >= 0 && count <= double(1L << 24), "arange size", count, "in [0, 2^24]");
  constexpr long width = torch_cpu::vector_width;
  const long n = long(count);
  std::vector<float> v(static_cast<std::size_t>(n));
  const auto at = [&](long k) {
    return static_cast<float>(start + torch_cpu::rounded_product(double(k), step));
  };
  long k = 0;
  for (; k + 2 * width <= n; k += 2 * width)
    for (long b = k; b < k + 2 * width; b += width) {
      const double base = static_cast<double>(at(b));
      for (long j = 0; j < width; ++j)
        v[std::size_t(b + j)] =
            static_cast<float>(base + torch_cpu::rounded_product(double(j), step));
    }
  for (; k < n; ++k) v[std::size_t(k)] = at(k);
  return v;
}

}  // namespace diffbridge::grid
