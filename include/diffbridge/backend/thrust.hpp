// Thrust backend: device memory of the device system (device_buffer, uninitialised),
// thrust::device_ptr views, and the shared functors of kernels.hpp launched with thrust::for_each_n
// over a counting iterator. The device system is Thrust's THRUST_DEVICE_SYSTEM: CUDA when compiled
// by nvcc (diffbridge::thrust leaves .cu files on CUDA), CPP or OMP for C++ sources (chosen at
// configure time by DIFFBRIDGE_THRUST_DEVICE_SYSTEM). The OMP build runs exactly the functors the
// GPU runs. On CUDA the kernels are launched without a trailing synchronisation (par_nosync) on the
// calling thread's current stream (thrust_backend::stream(), the legacy default stream unless a
// caller sets one, e.g. nn::device_context of nn/device/gemm_thrust.hpp); copy_to_host and
// synchronize() wait for them.
// Everything here lives in an inline namespace named after the device system (thrust_cuda,
// thrust_omp, thrust_cpp, thrust_tbb), so a program that mixes C++ sources (OMP) with .cu sources
// (CUDA) gets distinct types, and distinct mangled names for everything templated on them:
// diffbridge::thrust_backend is diffbridge::thrust_omp::thrust_backend in one translation unit
// and diffbridge::thrust_cuda::thrust_backend in the other (no ODR violation).
#pragma once

#include <thrust/copy.h>
#include <thrust/device_free.h>
#include <thrust/device_malloc.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/kernels.hpp"

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#if !defined(__CUDACC__)
#error "diffbridge/backend/thrust.hpp: the CUDA device system needs nvcc (a .cu source)"
#endif
#include <cuda_runtime_api.h>
#include <thrust/system/cuda/execution_policy.h>
#endif

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#define DIFFBRIDGE_THRUST_NS thrust_cuda
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
#define DIFFBRIDGE_THRUST_NS thrust_omp
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_TBB
#define DIFFBRIDGE_THRUST_NS thrust_tbb
#else
#define DIFFBRIDGE_THRUST_NS thrust_cpp
#endif

namespace diffbridge {
inline namespace DIFFBRIDGE_THRUST_NS {

/// Non-owning view of device memory (host memory for the CPP/OMP systems). T may be const.
template <class T>
struct thrust_view {
  using element_type = T;
  thrust::device_ptr<T> data{};
  shape dims{};

  std::size_t size() const noexcept { return dims.numel(); }
  T* raw() const noexcept { return thrust::raw_pointer_cast(data); }
  /// view<T> -> view<const T> (a template so that view<const T> declares no self-conversion).
  template <class U>
  requires(std::is_same_v<U, const T> && !std::is_const_v<T>) operator thrust_view<U>()
      const noexcept {  // NOLINT: implicit by design
    return {thrust::device_ptr<U>(raw()), dims};
  }
};

/// n values of T in the device system's memory, left uninitialised (empty()'s contents are
/// unspecified): allocating launches no fill (thrust::device_vector value-initialises, a kernel
/// per buffer on a GPU), and compute-sanitizer's initcheck sees a read of never-written memory.
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t n)
      : p_(n ? thrust::device_malloc<T>(n) : thrust::device_ptr<T>()), n_(n) {}
  device_buffer(device_buffer&& o) noexcept
      : p_(std::exchange(o.p_, thrust::device_ptr<T>())), n_(std::exchange(o.n_, 0)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, thrust::device_ptr<T>());
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  device_buffer(const device_buffer&) = delete;  // a tensor is moved, never copied by accident
  device_buffer& operator=(const device_buffer&) = delete;
  ~device_buffer() { reset(); }

  thrust::device_ptr<T> data() noexcept { return p_; }
  thrust::device_ptr<const T> data() const noexcept {
    return thrust::device_ptr<const T>(p_.get());
  }
  std::size_t size() const noexcept { return n_; }

 private:
  // noexcept, and called by the destructor: CUDA's device_free throws when cudaFree fails, which
  // after a sticky device error (reported by the operation that caused it) every call does; an
  // exception leaving here would end the program in std::terminate while that error unwinds.
  void reset() noexcept {
    if (p_.get() != nullptr) {
      try {
        thrust::device_free(p_);
      } catch (...) {  // the memory is lost with the context; the first error is the one to report
      }
    }
    p_ = thrust::device_ptr<T>();
    n_ = 0;
  }
  thrust::device_ptr<T> p_{};
  std::size_t n_ = 0;
};

/// Owning tensor in the device system's memory.
template <class T>
struct thrust_tensor {
  device_buffer<T> data;
  shape dims;
};

/// Thrust backend.
struct thrust_backend {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  static constexpr std::string_view name = "thrust-cuda";
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_OMP
  static constexpr std::string_view name = "thrust-omp";
#elif THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_TBB
  static constexpr std::string_view name = "thrust-tbb";
#else
  static constexpr std::string_view name = "thrust-cpp";
#endif

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  /// The calling thread's stream for every launch (nullptr: the legacy default stream).
  static cudaStream_t& stream() noexcept {
    thread_local cudaStream_t s = nullptr;
    return s;
  }
  /// The execution policy of the launches: no synchronisation after each kernel, on stream().
  static auto policy() noexcept { return thrust::cuda::par_nosync.on(stream()); }
#else
  /// The execution policy of the launches (the host device system).
  static auto policy() noexcept { return thrust::device; }
#endif

  template <class T>
  using tensor = thrust_tensor<T>;
  template <class T>
  using view = thrust_view<T>;
  template <class T>
  using cview = std::type_identity_t<thrust_view<const T>>;

  template <class T>
  static thrust_tensor<T> empty(shape s) {
    return {device_buffer<T>(s.numel()), s};
  }
  template <class T>
  static thrust_view<T> as_view(thrust_tensor<T>& t) noexcept {
    return detail::view_of<thrust_view<T>>(t.data.data(), t.data.size(), t.dims);
  }
  template <class T>
  static thrust_view<const T> as_view(const thrust_tensor<T>& t) noexcept {
    return detail::view_of<thrust_view<const T>>(t.data.data(), t.data.size(), t.dims);
  }
  /// Zero-copy view of caller memory: a device pointer on CUDA, a host pointer on CPP/OMP.
  template <class T>
  static thrust_view<T> wrap(T* p, shape s) noexcept {
    return {thrust::device_pointer_cast(p), s};
  }
  template <class T>
  static thrust_view<T> wrap(thrust::device_ptr<T> p, shape s) noexcept {
    return {p, s};
  }

  template <class T>
  static void copy_from_host(std::span<const std::type_identity_t<T>> src, thrust_view<T> dst) {
    if (src.size() != dst.size()) throw invalid_input("copy_from_host: size mismatch");
    wait_for_stream();  // dst may still be read or written by kernels queued on stream()
    thrust::copy(src.data(), src.data() + src.size(), dst.data);
  }
  template <class T>
  static void copy_to_host(thrust_view<T> src, std::span<std::remove_const_t<T>> dst) {
    if (src.size() != dst.size()) throw invalid_input("copy_to_host: size mismatch");
    wait_for_stream();  // src may still be written by kernels queued on stream()
    thrust::copy(src.data, src.data + static_cast<std::ptrdiff_t>(src.size()), dst.data());
  }

  /// f(i) for i in [0, n) on the device system; f must be a DIFFBRIDGE_HD functor.
  template <class F>
  static void for_each_index(std::size_t n, F f) {
    if (n == 0) return;
    thrust::for_each_n(policy(), thrust::counting_iterator<std::size_t>(0), n, f);
  }

  /// Waits for the launches queued on the calling thread's stream (a no-op but on CUDA; the
  /// copies use Thrust's synchronous default stream, which a non-blocking stream does not
  /// order with).
  static void wait_for_stream() {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    if (stream() == nullptr) return;
    const cudaError_t e = cudaStreamSynchronize(stream());
    if (e != cudaSuccess) throw error(detail::concat("thrust backend: ", cudaGetErrorString(e)));
#endif
  }

  /// Waits for queued kernels; throws diffbridge::error if one failed.
  static void synchronize() {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
    const cudaError_t e = cudaDeviceSynchronize();
    if (e != cudaSuccess) throw error(detail::concat("thrust backend: ", cudaGetErrorString(e)));
#endif
  }

  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y, cview<T> z,
                   thrust_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims, z.dims);
    for_each_index(out.size(), kernels::step_fn<M, T>{kernels::to_scalars<T>(c), x.raw(),
                                                      x0hat.raw(), y.raw(), z.raw(), out.raw()});
  }
  template <modulation M, class T>
  static void step(const step_coeffs<double>& c, cview<T> x, cview<T> x0hat, cview<T> y,
                   const philox_normals& z, thrust_view<T> out) {
    detail::require_same_shape("step", out.dims, x.dims, x0hat.dims, y.dims);
    for_each_index(philox_blocks(out.size()),
                   kernels::step_philox_fn<M, T>{kernels::to_scalars<T>(c), x.raw(), x0hat.raw(),
                                                 y.raw(), z, out.raw(), out.size()});
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y, cview<T> eps,
                       thrust_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims, eps.dims);
    for_each_index(out.size(), kernels::marginal_fn<M, T>{kernels::to_scalars<T>(c), x0.raw(),
                                                          y.raw(), eps.raw(), out.raw()});
  }
  template <modulation M, class T>
  static void marginal(const marginal_coeffs<double>& c, cview<T> x0, cview<T> y,
                       const philox_normals& eps, thrust_view<T> out) {
    detail::require_same_shape("marginal", out.dims, x0.dims, y.dims);
    for_each_index(philox_blocks(out.size()),
                   kernels::marginal_philox_fn<M, T>{kernels::to_scalars<T>(c), x0.raw(), y.raw(),
                                                     eps, out.raw(), out.size()});
  }
};

}  // namespace DIFFBRIDGE_THRUST_NS
}  // namespace diffbridge
