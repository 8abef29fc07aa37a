// The two fused elementwise kernels of the tensor layer, written once as DIFFBRIDGE_HD functors
// over an index so that the std reference, Thrust's CPP/OMP systems and CUDA run the same source
// (DESIGN.md, "the one idea"):
//   step      x_s  = k·x_t + p·x̂0 + q·y + w·(π(x̂0, y) ⊙ z)     (step_coeffs: c_xt, c_x0, c_y, c_z)
//   marginal  x_t  = a·x0  + b·y + c·(π(x0, y) ⊙ ε)           (marginal_coeffs: c_x0, c_y, std)
// π is the compile-time modulation M (RDBM Eq. 9); for M = zero the noise is neither read nor
// generated. The coefficients arrive in double and are rounded once to the tensor's scalar type.
// The *_fn functors take a caller noise array and run over elements i in [0, n); the
// *_philox_fn functors generate the noise inline and run over Philox blocks j in
// [0, philox_blocks(n)), writing elements 4j..4j+3 (one Philox call gives four normals).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/modulation.hpp"
#include "diffbridge/core/philox.hpp"

namespace diffbridge::kernels {

/// Four consecutive values, aligned for wide accesses (CUDA: 128-bit loads and stores).
template <class T>
struct alignas(4 * sizeof(T)) quad {
  T v[4];
};

/// Whether every pointer is aligned to a quad, so blocks of four can use wide accesses.
template <class T, class... P>
DIFFBRIDGE_HD inline bool quad_aligned(const P*... p) noexcept {
  return ((reinterpret_cast<std::uintptr_t>(p) % alignof(quad<T>) == 0) && ...);
}

/// Coefficients rounded to the tensor's scalar type.
template <class T>
struct step_scalars {
  T k, p, q, w;
};
template <class T>
struct marginal_scalars {
  T a, b, c;
};

template <class T>
constexpr step_scalars<T> to_scalars(const step_coeffs<double>& c) noexcept {
  return {static_cast<T>(c.c_xt), static_cast<T>(c.c_x0), static_cast<T>(c.c_y),
          static_cast<T>(c.c_z)};
}
template <class T>
constexpr marginal_scalars<T> to_scalars(const marginal_coeffs<double>& c) noexcept {
  return {static_cast<T>(c.c_x0), static_cast<T>(c.c_y), static_cast<T>(c.std)};
}

/// a·b and a + b, never contracted into an fma on the device (CUDA's _rn intrinsics, as the
/// Philox normals): a device run gives the bits of a host build without FMA contraction. On the
/// host every backend evaluates these same functions, so the backends of one build agree bit for
/// bit whatever the compiler contracts (docs/backends.md).
template <class T>
DIFFBRIDGE_HD inline T mul(T a, T b) noexcept {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fmul_rn(a, b);
  else
    return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
template <class T>
DIFFBRIDGE_HD inline T add(T a, T b) noexcept {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fadd_rn(a, b);
  else
    return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

/// One element of the step, evaluated as ((k·x + p·x̂0) + q·y) + w·(π·z).
template <modulation M, class T>
DIFFBRIDGE_HD inline T step_value(const step_scalars<T>& s, T x, T x0, T y, T z) noexcept {
  const T det = add(add(mul(s.k, x), mul(s.p, x0)), mul(s.q, y));
  if constexpr (M == modulation::zero) {
    return det;
  } else {
    return add(det, mul(s.w, mul(modulation_value<M>(x0, y), z)));
  }
}

/// One element of the marginal, evaluated as (a·x0 + b·y) + c·(π·ε).
template <modulation M, class T>
DIFFBRIDGE_HD inline T marginal_value(const marginal_scalars<T>& s, T x0, T y, T eps) noexcept {
  const T det = add(mul(s.a, x0), mul(s.b, y));
  if constexpr (M == modulation::zero) {
    return det;
  } else {
    return add(det, mul(s.c, mul(modulation_value<M>(x0, y), eps)));
  }
}

/// Step with caller noise: out[i] = step_value(x[i], x0hat[i], y[i], z[i]).
template <modulation M, class T>
struct step_fn {
  static_assert(!std::is_const_v<T>, "the output view must be mutable");
  step_scalars<T> s;
  const T* x;
  const T* x0hat;
  const T* y;
  const T* z;
  T* out;

  DIFFBRIDGE_HD void operator()(std::size_t i) const noexcept {
    if constexpr (M == modulation::zero) {
      out[i] = step_value<M>(s, x[i], x0hat[i], y[i], T(0));
    } else {
      out[i] = step_value<M>(s, x[i], x0hat[i], y[i], z[i]);
    }
  }
};

/// Marginal with caller noise: out[i] = marginal_value(x0[i], y[i], eps[i]).
template <modulation M, class T>
struct marginal_fn {
  static_assert(!std::is_const_v<T>, "the output view must be mutable");
  marginal_scalars<T> s;
  const T* x0;
  const T* y;
  const T* eps;
  T* out;

  DIFFBRIDGE_HD void operator()(std::size_t i) const noexcept {
    if constexpr (M == modulation::zero) {
      out[i] = marginal_value<M>(s, x0[i], y[i], T(0));
    } else {
      out[i] = marginal_value<M>(s, x0[i], y[i], eps[i]);
    }
  }
};

/// Step with z_i = philox_normals{seed, step}(i); runs over blocks j, elements 4j..4j+3.
template <modulation M, class T>
struct step_philox_fn {
  static_assert(!std::is_const_v<T>, "the output view must be mutable");
  step_scalars<T> s;
  const T* x;
  const T* x0hat;
  const T* y;
  philox_normals rng;
  T* out;
  std::size_t n;
  bool wide = quad_aligned<T>(x, x0hat, y, out);  ///< set by the aggregate's default

  DIFFBRIDGE_HD void operator()(std::size_t j) const noexcept {
    normal4 z{};
    if constexpr (M != modulation::zero) z = rng.block(j);
    const std::size_t i0 = 4 * j;
#if defined(__CUDA_ARCH__) && !defined(DIFFBRIDGE_KERNELS_SCALAR_IO)
    if (wide && i0 + 4 <= n) {  // same arithmetic, one wide access per stream
      const auto xv = *reinterpret_cast<const quad<T>*>(x + i0);
      const auto x0v = *reinterpret_cast<const quad<T>*>(x0hat + i0);
      const auto yv = *reinterpret_cast<const quad<T>*>(y + i0);
      quad<T> o;
#pragma unroll
      for (int l = 0; l < 4; ++l) o.v[l] = step_value<M>(s, xv.v[l], x0v.v[l], yv.v[l], T(z.v[l]));
      *reinterpret_cast<quad<T>*>(out + i0) = o;
      return;
    }
#endif
    if (i0 + 4 <= n) {
      for (std::size_t l = 0; l < 4; ++l) {
        out[i0 + l] = step_value<M>(s, x[i0 + l], x0hat[i0 + l], y[i0 + l], T(z.v[l]));
      }
    } else {
      for (std::size_t l = 0; i0 + l < n; ++l) {
        out[i0 + l] = step_value<M>(s, x[i0 + l], x0hat[i0 + l], y[i0 + l], T(z.v[l]));
      }
    }
  }
};

/// Marginal with eps_i = philox_normals{seed, step}(i); runs over blocks j, elements 4j..4j+3.
template <modulation M, class T>
struct marginal_philox_fn {
  static_assert(!std::is_const_v<T>, "the output view must be mutable");
  marginal_scalars<T> s;
  const T* x0;
  const T* y;
  philox_normals rng;
  T* out;
  std::size_t n;
  bool wide = quad_aligned<T>(x0, y, out);  ///< set by the aggregate's default

  DIFFBRIDGE_HD void operator()(std::size_t j) const noexcept {
    normal4 z{};
    if constexpr (M != modulation::zero) z = rng.block(j);
    const std::size_t i0 = 4 * j;
#if defined(__CUDA_ARCH__) && !defined(DIFFBRIDGE_KERNELS_SCALAR_IO)
    if (wide && i0 + 4 <= n) {  // same arithmetic, one wide access per stream
      const auto x0v = *reinterpret_cast<const quad<T>*>(x0 + i0);
      const auto yv = *reinterpret_cast<const quad<T>*>(y + i0);
      quad<T> o;
#pragma unroll
      for (int l = 0; l < 4; ++l) o.v[l] = marginal_value<M>(s, x0v.v[l], yv.v[l], T(z.v[l]));
      *reinterpret_cast<quad<T>*>(out + i0) = o;
      return;
    }
#endif
    if (i0 + 4 <= n) {
      for (std::size_t l = 0; l < 4; ++l) {
        out[i0 + l] = marginal_value<M>(s, x0[i0 + l], y[i0 + l], T(z.v[l]));
      }
    } else {
      for (std::size_t l = 0; i0 + l < n; ++l) {
        out[i0 + l] = marginal_value<M>(s, x0[i0 + l], y[i0 + l], T(z.v[l]));
      }
    }
  }
};

}  // namespace diffbridge::kernels
