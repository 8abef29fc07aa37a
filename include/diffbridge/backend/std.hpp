// The reference backend: std::vector storage and plain sequential loops over the shared functors
// of kernels.hpp. Every other backend is tested against this one. Also holds the host-memory
// pieces (views, copies, chunked OpenMP loops) that the Eigen and xtensor backends reuse.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/kernels.hpp"

namespace diffbridge {

/// Owning host tensor: contiguous NCHW values.
template <class T>
struct host_tensor {
  std::vector<T> data;
  shape dims;
};

namespace detail {

/// Views, copies and the barrier shared by the host-memory backends.
struct host_memory {
  template <class T>
  using view = tensor_view<T>;
  template <class T>
  using cview = std::type_identity_t<tensor_view<const T>>;

  template <class T>
  static tensor_view<T> wrap(T* p, shape s) noexcept {
    return {p, s};
  }
  template <class T>
  static void copy_from_host(std::span<const std::type_identity_t<T>> src, tensor_view<T> dst) {
    if (src.size() != dst.size()) throw invalid_input("copy_from_host: size mismatch");
    std::copy(src.begin(), src.end(), dst.data);
  }
  template <class T>
  static void copy_to_host(tensor_view<T> src, std::span<std::remove_const_t<T>> dst) {
    if (src.size() != dst.size()) throw invalid_input("copy_to_host: size mismatch");
    std::copy(src.data, src.data + src.size(), dst.begin());
  }
  static void synchronize() noexcept {}
};

/// Elements per chunk of the threaded host loops: a multiple of 4 (Philox blocks never straddle
/// chunks) small enough that a chunk of generated noise stays in L1/L2.
inline constexpr std::size_t host_chunk = 4096;

/// f(begin, end) over [0, n) in chunks of host_chunk, threaded with OpenMP when enabled. Each
/// element's value depends only on its index, so the result is independent of the thread count.
template <class F>
void parallel_chunks(std::size_t n, F&& f) {
  const std::ptrdiff_t chunks = static_cast<std::ptrdiff_t>((n + host_chunk - 1) / host_chunk);
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (chunks > 1)
#endif
  for (std::ptrdiff_t k = 0; k < chunks; ++k) {
    const std::size_t b = static_cast<std::size_t>(k) * host_chunk;
    f(b, std::min(n, b + host_chunk));
  }
}

/// Fills buf[0, e − b) with the normals of elements [b, e); b is a multiple of 4.
inline void fill_normals(const philox_normals& rng, std::size_t b, std::size_t e, float* buf) {
  for (std::size_t i = b; i < e; i += 4) {
    const normal4 z = rng.block(i / 4);
    for (std::size_t l = 0; l < 4 && i + l < e; ++l) buf[i - b + l] = z.v[l];
  }
}

}  // namespace detail

/// Reference backend (sequential loops).
struct std_backend : detail::host_memory {
  static constexpr std::string_view name = "std";

  template <class T>
  using tensor = host_tensor<T>;

  template <class T>
  static host_tensor<T> empty(shape s) {
    return {std::vector<T>(s.numel()), s};
  }
  template <class T>
  static tensor_view<T> as_view(host_tensor<T>& t) noexcept {
    return detail::view_of<tensor_view<T>>(t.data.data(), t.data.size(), t.dims);
  }
  template <class T>
  static tensor_view<const T> as_view(const host_tensor<T>& t) noexcept {
    return detail::view_of<tensor_view<const T>>(t.data.data(), t.data.size(), t.dims);
  }

  template <class F>
  static void for_each_index(std::size_t n, F f) {
    for (std::size_t i = 0; i < n; ++i) f(i);
  }

  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y, cview<T> z,
                   tensor_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims, z.dims);
    for_each_index(out.size(), kernels::step_fn<M, T>{kernels::to_scalars<T>(c), x.data, x0hat.data,
                                                      y.data, z.data, out.data});
  }
  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y,
                   const philox_normals& z, tensor_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims);
    for_each_index(philox_blocks(out.size()),
                   kernels::step_philox_fn<M, T>{kernels::to_scalars<T>(c), x.data, x0hat.data,
                                                 y.data, z, out.data, out.size()});
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y, cview<T> eps,
                       tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims, eps.dims);
    for_each_index(out.size(), kernels::marginal_fn<M, T>{kernels::to_scalars<T>(c), x0.data,
                                                          y.data, eps.data, out.data});
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y,
                       const philox_normals& eps, tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims);
    for_each_index(philox_blocks(out.size()),
                   kernels::marginal_philox_fn<M, T>{kernels::to_scalars<T>(c), x0.data, y.data,
                                                     eps, out.data, out.size()});
  }
};

}  // namespace diffbridge
