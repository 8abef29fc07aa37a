// The tensor-backend concept (DESIGN.md, "tensor layer"): owning NCHW tensors of float and
// double, zero-copy views of caller memory, host <-> backend copies, an index-space launch and
// the two fused elementwise kernels of every sampler (kernels.hpp):
//   step      out = c_xt·x + c_x0·x̂0 + c_y·y + c_z·(π(x̂0, y) ⊙ z)
//   marginal  out = c_x0·x0 + c_y·y + std·(π(x0, y) ⊙ ε)
// with the noise from a caller tensor or generated inline from philox_normals{seed, step}.
// Backends are stateless structs with static members; nothing inherits from anything.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/modulation.hpp"
#include "diffbridge/core/philox.hpp"

namespace diffbridge {

/// Extents of an NCHW tensor (row-major, W fastest). A flat vector is {n, 1, 1, 1}.
struct shape {
  std::size_t n = 1, c = 1, h = 1, w = 1;

  constexpr std::size_t numel() const noexcept { return n * c * h * w; }
  friend constexpr bool operator==(const shape&, const shape&) = default;
};

/// Non-owning view: a pointer into a backend's memory space and the extents. T may be const.
/// Host backends (std, eigen, xtensor) share this type, so their tensors interoperate for free.
template <class T>
struct tensor_view {
  using element_type = T;
  T* data = nullptr;
  shape dims{};

  constexpr std::size_t size() const noexcept { return dims.numel(); }
  constexpr T* raw() const noexcept { return data; }
  /// view<T> -> view<const T> (a template so that view<const T> declares no self-conversion).
  template <class U>
  requires(std::is_same_v<U, const T> && !std::is_const_v<T>) constexpr operator tensor_view<U>()
      const noexcept {  // NOLINT: implicit by design
    return {data, dims};
  }
};

namespace detail {
/// The view V of storage at p holding `stored` values, with extents d. A tensor whose storage
/// does not hold d.numel() values (one moved from keeps its extents but not its memory) views
/// as empty, so that copying into it is a size error, not a write through a null pointer.
template <class V, class P>
constexpr V view_of(P p, std::size_t stored, shape d) noexcept {
  return stored == d.numel() ? V{p, d} : V{P{}, shape{0, 0, 0, 0}};
}

/// A do-nothing index functor, used only to check that a backend can launch one.
struct probe_kernel {
  DIFFBRIDGE_HD void operator()(std::size_t) const noexcept {}
};
}  // namespace detail

/// What a backend B offers for the scalar type T.
///   B::tensor<T>          owning NCHW tensor in B's memory space
///   B::view<T>            non-owning view (T may be const): .dims, .size(), .raw() (pointer in
///                         B's memory space, for functors); view<T> converts to view<const T>
///   B::empty<T>(s)        allocate (contents unspecified)
///   B::as_view(t)         view of an owning tensor (const tensor -> view<const T>)
///   B::wrap(p, s)         zero-copy view of caller memory p (a device pointer for CUDA)
///   B::copy_from_host(span<const T>, view<T>), B::copy_to_host(view<const T>, span<T>)
///   B::for_each_index(n, f)   f(i) for i in [0, n): f must be a DIFFBRIDGE_HD functor
///   B::step<M>, B::marginal<M>  with a view<const T> noise or a philox_normals stream
/// Shapes of all operands must match (invalid_input otherwise); the output may alias an input,
/// since every kernel is elementwise (out[i] depends only on the inputs at i).
template <class B, class T>
concept backend_for = std::floating_point<T> &&
    requires(shape s, T* raw, typename B::template tensor<T>& t,
             const typename B::template tensor<T>& ct, typename B::template view<T> v,
             typename B::template view<const T> cv, std::span<const T> host_in,
             std::span<T> host_out, const step_coeffs<double>& sc,
             const marginal_coeffs<double>& mc, philox_normals rng, std::size_t n) {
  { B::template empty<T>(s) } -> std::same_as<typename B::template tensor<T>>;
  { B::as_view(t) } -> std::same_as<typename B::template view<T>>;
  { B::as_view(ct) } -> std::same_as<typename B::template view<const T>>;
  { B::wrap(raw, s) } -> std::same_as<typename B::template view<T>>;
  requires std::same_as<typename B::template view<T>::element_type, T>;
  { v.dims } -> std::convertible_to<shape>;
  { cv.size() } -> std::same_as<std::size_t>;
  { v.raw() } -> std::same_as<T*>;
  { cv.raw() } -> std::same_as<const T*>;
  B::copy_from_host(host_in, v);
  B::copy_to_host(cv, host_out);
  B::for_each_index(n, detail::probe_kernel{});
  B::template step<modulation::one>(sc, cv, cv, cv, cv, v);
  B::template step<modulation::one>(sc, cv, cv, cv, rng, v);
  B::template marginal<modulation::one>(mc, cv, cv, cv, v);
  B::template marginal<modulation::one>(mc, cv, cv, rng, v);
};

/// A backend for both float and double, with a name and a barrier for asynchronous devices.
template <class B>
concept tensor_backend = backend_for<B, float> && backend_for<B, double> && requires {
  { B::name } -> std::convertible_to<std::string_view>;
  B::synchronize();
};

/// Calls f(std::integral_constant<modulation, M>{}) for the run-time value m, so a CLI can pick
/// the compile-time π of the kernels: visit_modulation(m, [&](auto M) { B::template
/// step<M()>(...); }).
template <class F>
constexpr decltype(auto) visit_modulation(modulation m, F&& f) {
  using M = modulation;
  switch (m) {
    case M::zero:
      return std::forward<F>(f)(std::integral_constant<M, M::zero>{});
    case M::one:
      return std::forward<F>(f)(std::integral_constant<M, M::one>{});
    case M::residual:
      return std::forward<F>(f)(std::integral_constant<M, M::residual>{});
    case M::abs_residual:
      break;
  }
  return std::forward<F>(f)(std::integral_constant<M, M::abs_residual>{});
}

/// The const view type of backend B matching the output view type Out.
template <class B, class Out>
using const_view_t = typename B::template view<const typename Out::element_type>;

/// Run-time-π front ends: one fused step / marginal on backend B (noise: view or philox_normals).
template <class B, class Out, class Noise>
void fused_step(modulation m, const step_coeffs<double>& c, const_view_t<B, Out> x,
                const_view_t<B, Out> x0hat, const_view_t<B, Out> y, const Noise& z, Out out) {
  visit_modulation(m,
                   [&](auto M) { B::template step<decltype(M)::value>(c, x, x0hat, y, z, out); });
}

template <class B, class Out, class Noise>
void fused_marginal(modulation m, const marginal_coeffs<double>& c, const_view_t<B, Out> x0,
                    const_view_t<B, Out> y, const Noise& eps, Out out) {
  visit_modulation(m,
                   [&](auto M) { B::template marginal<decltype(M)::value>(c, x0, y, eps, out); });
}

namespace detail {
/// Throws invalid_input unless every operand has the extents of `out`.
template <class... Dims>
void require_same_shape(const char* kernel, const shape& out, const Dims&... in) {
  if (!((in == out) && ...)) {
    throw invalid_input(detail::concat(kernel, ": operand shapes differ from the output's (", out.n,
                                       "x", out.c, "x", out.h, "x", out.w, ")"));
  }
}
}  // namespace detail

}  // namespace diffbridge
