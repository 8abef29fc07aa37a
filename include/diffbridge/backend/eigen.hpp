// Eigen 3.4 backend: Eigen::Array storage, kernels as Map<ArrayX> expressions (SIMD packets),
// threaded over chunks with OpenMP when the including target enables it. Views are the host
// tensor_view, so std / eigen / xtensor tensors interoperate without copies. The inline noise
// is the shared philox_normals stream, generated chunk by chunk into an L1-sized buffer.
#pragma once

#if defined(__SSE2__)
#include <immintrin.h>
#endif
#include <cstdint>
#include <type_traits>

#include <Eigen/Core>
#include <cstddef>
#include <string_view>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/kernels.hpp"
#include "diffbridge/backend/std.hpp"

namespace diffbridge {

/// Owning Eigen tensor: a column array of numel values plus the NCHW extents.
template <class T>
struct eigen_tensor {
  Eigen::Array<T, Eigen::Dynamic, 1> data;
  shape dims;
};

namespace detail {

template <class T>
using eigen_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using eigen_cmap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

/// out = k·x + p·x̂0 + q·y + w·(π ⊙ z): kernels::step_value element by element over the Eigen
/// maps. (An Eigen expression of the same association was 1 ulp off the other backends in
/// builds that contract a·b + c into fmas, -march=native: the compiler fused its packet
/// products and sums elsewhere than in the scalar formula.)
template <modulation M, class T, class X, class X0, class Y, class Z, class O>
void eigen_step(const kernels::step_scalars<T>& s, const X& x, const X0& x0, const Y& y, const Z& z,
                O&& out) {
  for (Eigen::Index i = 0, n = out.size(); i < n; ++i) {
    T zi = T(0);
    if constexpr (M != modulation::zero) zi = T(z(i));
    out(i) = kernels::step_value<M>(s, T(x(i)), T(x0(i)), T(y(i)), zi);
  }
}

/// out = a·x0 + b·y + c·(π ⊙ ε): kernels::marginal_value element by element (as eigen_step).
template <modulation M, class T, class X0, class Y, class E, class O>
void eigen_marginal(const kernels::marginal_scalars<T>& s, const X0& x0, const Y& y, const E& eps,
                    O&& out) {
  for (Eigen::Index i = 0, n = out.size(); i < n; ++i) {
    T ei = T(0);
    if constexpr (M != modulation::zero) ei = T(eps(i));
    out(i) = kernels::marginal_value<M>(s, T(x0(i)), T(y(i)), ei);
  }
}

/// Copies n values to dst with non-temporal (streaming) stores where the ISA has them, so a
/// large output is written without first being read into the cache (write-allocate): the
/// fused step then moves 5 array-passes instead of 6. Values are copied bit for bit.
template <class T>
void stream_copy(T* dst, const T* src, std::size_t n) noexcept {
#if defined(__SSE2__)
  std::size_t i = 0;
  for (; i < n && reinterpret_cast<std::uintptr_t>(dst + i) % 16 != 0; ++i) dst[i] = src[i];
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
  } else if constexpr (std::is_same_v<T, double>) {
    for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
  }
  for (; i < n; ++i) dst[i] = src[i];
  _mm_sfence();
#else
  std::copy(src, src + n, dst);
#endif
}

/// Outputs this large (bytes) are streamed: well beyond the last-level cache of current CPUs.
inline constexpr std::size_t stream_threshold_bytes = std::size_t(16) << 20;

/// The chunk [b, e) of a view as an Eigen map.
template <class T>
eigen_cmap<T> segment(tensor_view<const T> v, std::size_t b, std::size_t e) {
  return eigen_cmap<T>(v.data + b, static_cast<Eigen::Index>(e - b));
}
template <class T>
eigen_map<T> segment(tensor_view<T> v, std::size_t b, std::size_t e) {
  return eigen_map<T>(v.data + b, static_cast<Eigen::Index>(e - b));
}

/// The normals of [b, e) as an Eigen expression of scalar T (buf holds host_chunk floats).
template <class T>
auto eigen_noise(const philox_normals& rng, std::size_t b, std::size_t e, float* buf) {
  fill_normals(rng, b, e, buf);
  return eigen_cmap<float>(buf, static_cast<Eigen::Index>(e - b)).template cast<T>();
}

}  // namespace detail

/// Eigen backend.
struct eigen_backend : detail::host_memory {
  static constexpr std::string_view name = "eigen";

  template <class T>
  using tensor = eigen_tensor<T>;

  template <class T>
  static eigen_tensor<T> empty(shape s) {
    return {Eigen::Array<T, Eigen::Dynamic, 1>(static_cast<Eigen::Index>(s.numel())), s};
  }
  template <class T>
  static tensor_view<T> as_view(eigen_tensor<T>& t) noexcept {
    return detail::view_of<tensor_view<T>>(t.data.data(), std::size_t(t.data.size()), t.dims);
  }
  template <class T>
  static tensor_view<const T> as_view(const eigen_tensor<T>& t) noexcept {
    return detail::view_of<tensor_view<const T>>(t.data.data(), std::size_t(t.data.size()), t.dims);
  }
  /// A view as an Eigen::Map (zero-copy), for code that wants to keep working in Eigen.
  template <class T>
  static auto map(tensor_view<T> v) {
    return detail::segment(v, 0, v.size());
  }

  template <class F>
  static void for_each_index(std::size_t n, F f) {
    detail::parallel_chunks(n, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) f(i);
    });
  }

  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y, cview<T> z,
                   tensor_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims, z.dims);
    const auto s = kernels::to_scalars<T>(c);
    const bool stream = out.size() * sizeof(T) >= detail::stream_threshold_bytes;
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::segment;
      if (!stream) {
        detail::eigen_step<M>(s, segment(x, b, e), segment(x0hat, b, e), segment(y, b, e),
                              segment(z, b, e), segment(out, b, e));
        return;
      }
      // Evaluate into an L1-resident buffer, then stream it out (same bits).
      alignas(64) T buf[detail::host_chunk];
      detail::eigen_step<M>(s, segment(x, b, e), segment(x0hat, b, e), segment(y, b, e),
                            segment(z, b, e), detail::eigen_map<T>(buf, Eigen::Index(e - b)));
      detail::stream_copy(out.data + b, buf, e - b);
    });
  }
  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y,
                   const philox_normals& z, tensor_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::segment;
      alignas(64) float buf[detail::host_chunk];
      if constexpr (M == modulation::zero) {
        detail::eigen_step<M>(s, segment(x, b, e), segment(x0hat, b, e), segment(y, b, e), 0,
                              segment(out, b, e));
      } else {
        detail::eigen_step<M>(s, segment(x, b, e), segment(x0hat, b, e), segment(y, b, e),
                              detail::eigen_noise<T>(z, b, e, buf), segment(out, b, e));
      }
    });
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y, cview<T> eps,
                       tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims, eps.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::segment;
      detail::eigen_marginal<M>(s, segment(x0, b, e), segment(y, b, e), segment(eps, b, e),
                                segment(out, b, e));
    });
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y,
                       const philox_normals& eps, tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::segment;
      alignas(64) float buf[detail::host_chunk];
      if constexpr (M == modulation::zero) {
        detail::eigen_marginal<M>(s, segment(x0, b, e), segment(y, b, e), 0, segment(out, b, e));
      } else {
        detail::eigen_marginal<M>(s, segment(x0, b, e), segment(y, b, e),
                                  detail::eigen_noise<T>(eps, b, e, buf), segment(out, b, e));
      }
    });
  }
};

}  // namespace diffbridge
