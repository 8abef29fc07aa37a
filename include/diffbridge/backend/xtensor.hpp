// xtensor 0.24 backend: xt::xtensor<T, 4> (NCHW) storage, kernels as xt::adapt expressions
// (xsimd batches when XTENSOR_USE_XSIMD is defined, which diffbridge::xtensor does when xsimd is
// found), threaded over chunks with OpenMP when enabled. Views are the host tensor_view.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/kernels.hpp"
#include "diffbridge/backend/std.hpp"

namespace diffbridge {

namespace detail {

/// The chunk [b, e) of a view as a 1-D xtensor adaptor (no copy, no ownership).
template <class T>
auto xt_segment(tensor_view<T> v, std::size_t b, std::size_t e) {
  return xt::adapt(v.data + b, e - b, xt::no_ownership(), std::array<std::size_t, 1>{e - b});
}

/// out = k·x + p·x̂0 + q·y + w·(π ⊙ z): kernels::step_value element by element over the
/// adaptors, as the Eigen backend (an xtensor expression was 1 ulp off the other backends in
/// builds that contract a·b + c into fmas).
template <modulation M, class T, class X, class X0, class Y, class Z, class O>
void xt_step(const kernels::step_scalars<T>& s, const X& x, const X0& x0, const Y& y, const Z& z,
             O&& out) {
  const auto* xp = x.data();
  const auto* x0p = x0.data();
  const auto* yp = y.data();
  auto* op = out.data();
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    T zi = T(0);
    if constexpr (M != modulation::zero) zi = T(z(i));
    op[i] = kernels::step_value<M>(s, T(xp[i]), T(x0p[i]), T(yp[i]), zi);
  }
}

/// out = a·x0 + b·y + c·(π ⊙ ε): kernels::marginal_value element by element (as xt_step).
template <modulation M, class T, class X0, class Y, class E, class O>
void xt_marginal(const kernels::marginal_scalars<T>& s, const X0& x0, const Y& y, const E& eps,
                 O&& out) {
  const auto* x0p = x0.data();
  const auto* yp = y.data();
  auto* op = out.data();
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    T ei = T(0);
    if constexpr (M != modulation::zero) ei = T(eps(i));
    op[i] = kernels::marginal_value<M>(s, T(x0p[i]), T(yp[i]), ei);
  }
}

/// Calls f with the normals of [b, e) as an xtensor expression of scalar T.
template <class T, class F>
void xt_with_noise(const philox_normals& rng, std::size_t b, std::size_t e, F&& f) {
  alignas(64) float buf[host_chunk];
  fill_normals(rng, b, e, buf);
  auto z = xt::adapt(static_cast<const float*>(buf), e - b, xt::no_ownership(),
                     std::array<std::size_t, 1>{e - b});
  if constexpr (std::is_same_v<T, float>) {
    f(z);
  } else {
    f(xt::cast<T>(z));
  }
}

}  // namespace detail

/// xtensor backend.
struct xtensor_backend : detail::host_memory {
  static constexpr std::string_view name = "xtensor";

  template <class T>
  using tensor = xt::xtensor<T, 4>;

  template <class T>
  static xt::xtensor<T, 4> empty(shape s) {
    return xt::xtensor<T, 4>::from_shape({s.n, s.c, s.h, s.w});
  }
  template <class T>
  static tensor_view<T> as_view(xt::xtensor<T, 4>& t) noexcept {
    return detail::view_of<tensor_view<T>>(t.data(), t.storage().size(), dims_of(t));
  }
  template <class T>
  static tensor_view<const T> as_view(const xt::xtensor<T, 4>& t) noexcept {
    return detail::view_of<tensor_view<const T>>(t.data(), t.storage().size(), dims_of(t));
  }
  /// A view as a 4-D xtensor adaptor (zero-copy), for code that wants to keep working in xtensor.
  template <class T>
  static auto adapt(tensor_view<T> v) {
    const shape& d = v.dims;
    return xt::adapt(v.data, v.size(), xt::no_ownership(),
                     std::array<std::size_t, 4>{d.n, d.c, d.h, d.w});
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
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::xt_segment;
      auto o = xt_segment(out, b, e);
      detail::xt_step<M>(s, xt_segment(x, b, e), xt_segment(x0hat, b, e), xt_segment(y, b, e),
                         xt_segment(z, b, e), o);
    });
  }
  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y,
                   const philox_normals& z, tensor_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::xt_segment;
      auto o = xt_segment(out, b, e);
      if constexpr (M == modulation::zero) {
        detail::xt_step<M>(s, xt_segment(x, b, e), xt_segment(x0hat, b, e), xt_segment(y, b, e), 0,
                           o);
      } else {
        detail::xt_with_noise<T>(z, b, e, [&](const auto& zz) {
          detail::xt_step<M>(s, xt_segment(x, b, e), xt_segment(x0hat, b, e), xt_segment(y, b, e),
                             zz, o);
        });
      }
    });
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y, cview<T> eps,
                       tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims, eps.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::xt_segment;
      auto o = xt_segment(out, b, e);
      detail::xt_marginal<M>(s, xt_segment(x0, b, e), xt_segment(y, b, e), xt_segment(eps, b, e),
                             o);
    });
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y,
                       const philox_normals& eps, tensor_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims);
    const auto s = kernels::to_scalars<T>(c);
    detail::parallel_chunks(out.size(), [&](std::size_t b, std::size_t e) {
      using detail::xt_segment;
      auto o = xt_segment(out, b, e);
      if constexpr (M == modulation::zero) {
        detail::xt_marginal<M>(s, xt_segment(x0, b, e), xt_segment(y, b, e), 0, o);
      } else {
        detail::xt_with_noise<T>(eps, b, e, [&](const auto& ee) {
          detail::xt_marginal<M>(s, xt_segment(x0, b, e), xt_segment(y, b, e), ee, o);
        });
      }
    });
  }

 private:
  template <class T>
  static shape dims_of(const xt::xtensor<T, 4>& t) noexcept {
    const auto& s = t.shape();
    return {s[0], s[1], s[2], s[3]};
  }
};

}  // namespace diffbridge
