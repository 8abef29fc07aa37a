// Checks shared by every backend's test (C++ and CUDA builds): each kernel of backend B against
// the std reference on random data, all four π modes, with the output poisoned with NaN first.
//   values: |out − ref| ≤ tol·(|k·x| + |p·x̂0| + |q·y| + |w·π·z|) elementwise,
//           tol = 1e-6 (float), 1e-14 (double): a few ulp of the terms' magnitude sum;
//   noise:  bit-exact (memcmp) against the std backend and philox_normals itself.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "diffbridge/backend/std.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace dbtest {

using namespace diffbridge;

template <class T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-14;
}

/// Uniform values in [−2, 2) from Philox words (independent of the noise under test: other key).
template <class T>
std::vector<T> random_data(std::size_t n, std::uint64_t seed) {
  std::vector<T> h(n);
  for (std::size_t i = 0; i < n; ++i) {
    const philox_block b = philox4x32<10>({{static_cast<std::uint32_t>(i), 0, 0, 0}}, 0xDB5EEDu,
                                          static_cast<std::uint32_t>(seed));
    const std::uint64_t u = (std::uint64_t{b.v[0]} << 32) | b.v[1];
    h[i] = static_cast<T>(static_cast<double>(u >> 11) * 0x1p-51 - 2.0);
  }
  return h;
}

template <class B, class T>
typename B::template tensor<T> upload(const std::vector<T>& h, shape s) {
  auto t = B::template empty<T>(s);
  B::copy_from_host(std::span<const T>(h), B::as_view(t));
  return t;
}

template <class B, class V>
std::vector<std::remove_const_t<typename V::element_type>> download(V v) {
  std::vector<std::remove_const_t<typename V::element_type>> h(v.size());
  B::synchronize();
  B::copy_to_host(v, std::span(h));
  return h;
}

template <class T>
std::vector<T> nan_vector(std::size_t n) {
  return std::vector<T>(n, std::numeric_limits<T>::quiet_NaN());
}

/// Elementwise |out − ref| ≤ tol·scale; reports the first violation.
template <class T>
void require_close(const std::vector<T>& out, const std::vector<T>& ref,
                   const std::vector<double>& scale, double tol) {
  REQUIRE(out.size() == ref.size());
  std::size_t bad = 0, first = 0;
  double worst = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double err = std::fabs(static_cast<double>(out[i]) - static_cast<double>(ref[i]));
    const bool ok = std::isfinite(static_cast<double>(out[i])) && err <= tol * scale[i];
    if (!ok && bad++ == 0) first = i;
    if (scale[i] > 0) worst = std::max(worst, err / scale[i]);
  }
  INFO("violations " << bad << ", first at " << first << " (out " << out[first] << ", ref "
                     << ref[first] << "), worst relative error " << worst);
  REQUIRE(bad == 0);
}

template <class T>
void require_bit_equal(const std::vector<T>& a, const std::vector<T>& b) {
  REQUIRE(a.size() == b.size());
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0 && bad++ == 0) first = i;
  }
  INFO(std::hexfloat << "hex: " << (a.empty() ? T(0) : a[first]) << " vs "
                     << (b.empty() ? T(0) : b[first]) << std::defaultfloat);
  INFO("bit mismatches " << bad << ", first at " << first << ": " << (a.empty() ? T(0) : a[first])
                         << " vs " << (b.empty() ? T(0) : b[first]));
  REQUIRE(bad == 0);
}

template <class F>
void for_each_mode(F&& f) {
  f(std::integral_constant<modulation, modulation::zero>{});
  f(std::integral_constant<modulation, modulation::one>{});
  f(std::integral_constant<modulation, modulation::residual>{});
  f(std::integral_constant<modulation, modulation::abs_residual>{});
}

inline const shape check_shapes[] = {{1, 1, 1, 1}, {1, 1, 1, 7}, {2, 3, 17, 19}, {1, 3, 64, 67}};
inline constexpr step_coeffs<double> step_c{0.93, 0.31, -0.27, 0.45};
inline constexpr marginal_coeffs<double> marginal_c{0.7, -0.4, 0.25};

/// Step and marginal, caller noise and Philox noise, every π mode, against std_backend.
template <class B, class T>
void check_fused_kernels(shape s, std::uint64_t seed) {
  const std::size_t n = s.numel();
  const auto hx = random_data<T>(n, seed), hx0 = random_data<T>(n, seed + 1);
  const auto hy = random_data<T>(n, seed + 2), hz = random_data<T>(n, seed + 3);
  const auto x = upload<B>(hx, s), x0 = upload<B>(hx0, s), y = upload<B>(hy, s),
             z = upload<B>(hz, s);
  auto out = B::template empty<T>(s);
  const auto rx = upload<std_backend>(hx, s), rx0 = upload<std_backend>(hx0, s),
             ry = upload<std_backend>(hy, s), rz = upload<std_backend>(hz, s);
  auto ref = std_backend::empty<T>(s);
  const philox_normals rng{seed, 17};
  const auto ks = kernels::to_scalars<T>(step_c);
  const auto ms = kernels::to_scalars<T>(marginal_c);

  for_each_mode([&](auto mode) {
    constexpr modulation M = decltype(mode)::value;
    INFO("backend " << B::name << ", shape " << s.n << "x" << s.c << "x" << s.h << "x" << s.w
                    << ", pi " << to_string(M));
    auto scales = [&](bool step, bool philox) {
      std::vector<double> sc(n);
      for (std::size_t i = 0; i < n; ++i) {
        const double zi = philox ? static_cast<double>(static_cast<T>(rng(i))) : hz[i];
        const double pi = modulation_value<M>(static_cast<double>(hx0[i]), double(hy[i]));
        sc[i] =
            step ? std::fabs(ks.k * hx[i]) + std::fabs(ks.p * hx0[i]) + std::fabs(ks.q * hy[i]) +
                       std::fabs(ks.w * pi * zi)
                 : std::fabs(ms.a * hx0[i]) + std::fabs(ms.b * hy[i]) + std::fabs(ms.c * pi * zi);
      }
      return sc;
    };
    auto run = [&](auto&& kernel, auto&& reference, bool step, bool philox) {
      B::copy_from_host(std::span<const T>(nan_vector<T>(n)), B::as_view(out));
      kernel();
      reference();
      require_close(download<B>(B::as_view(std::as_const(out))), ref.data, scales(step, philox),
                    tolerance<T>());
    };
    const auto cv = [](const auto& t) { return B::as_view(t); };
    const auto rv = [](const auto& t) { return std_backend::as_view(t); };
    run([&] { B::template step<M>(step_c, cv(x), cv(x0), cv(y), cv(z), B::as_view(out)); },
        [&] {
          std_backend::step<M>(step_c, rv(rx), rv(rx0), rv(ry), rv(rz), std_backend::as_view(ref));
        },
        true, false);
    run([&] { B::template step<M>(step_c, cv(x), cv(x0), cv(y), rng, B::as_view(out)); },
        [&] {
          std_backend::step<M>(step_c, rv(rx), rv(rx0), rv(ry), rng, std_backend::as_view(ref));
        },
        true, true);
    run([&] { B::template marginal<M>(marginal_c, cv(x0), cv(y), cv(z), B::as_view(out)); },
        [&] {
          std_backend::marginal<M>(marginal_c, rv(rx0), rv(ry), rv(rz), std_backend::as_view(ref));
        },
        false, false);
    run([&] { B::template marginal<M>(marginal_c, cv(x0), cv(y), rng, B::as_view(out)); },
        [&] {
          std_backend::marginal<M>(marginal_c, rv(rx0), rv(ry), rng, std_backend::as_view(ref));
        },
        false, true);
    // Run-time π front end: same result as the compile-time call.
    B::copy_from_host(std::span<const T>(nan_vector<T>(n)), B::as_view(out));
    fused_step<B>(M, step_c, cv(x), cv(x0), cv(y), rng, B::as_view(out));
    std_backend::step<M>(step_c, rv(rx), rv(rx0), rv(ry), rng, std_backend::as_view(ref));
    require_close(download<B>(B::as_view(std::as_const(out))), ref.data, scales(true, true),
                  tolerance<T>());
  });
}

/// The inline noise itself (marginal with a = b = 0, c = 1, π = 1, x0 = y = 0 gives out = ε):
/// bit-exact against std_backend and against philox_normals, also through an offset view.
template <class B, class T>
void check_noise_bits(std::size_t n, std::uint64_t seed, std::uint64_t step) {
  const shape s{1, 1, 1, n};
  const std::vector<T> zeros(n, T(0));
  const auto x0 = upload<B>(zeros, s);
  const philox_normals rng{seed, step};
  std::vector<T> expect(n);
  for (std::size_t i = 0; i < n; ++i) expect[i] = static_cast<T>(rng(i));

  // Output through a view at offset 1 of a larger allocation: indices are relative to the view.
  auto big = B::template empty<T>(shape{1, 1, 1, n + 1});
  B::copy_from_host(std::span<const T>(nan_vector<T>(n + 1)), B::as_view(big));
  const auto out = B::wrap(B::as_view(big).raw() + 1, s);
  B::template marginal<modulation::one>({0.0, 0.0, 1.0}, B::as_view(x0), B::as_view(x0), rng, out);
  const auto got = download<B>(out);
  require_bit_equal(got, expect);

  auto ref = std_backend::empty<T>(s);
  const auto rz = upload<std_backend>(zeros, s);
  std_backend::marginal<modulation::one>({0.0, 0.0, 1.0}, std_backend::as_view(rz),
                                         std_backend::as_view(rz), rng, std_backend::as_view(ref));
  require_bit_equal(got, ref.data);
  const auto all = download<B>(B::as_view(std::as_const(big)));
  REQUIRE(std::isnan(static_cast<double>(all[0])));  // nothing written before the view
}

/// STREAM-triad functor through for_each_index against a host loop.
template <class T>
struct axpy_fn {
  T s;
  T* a;
  const T* b;
  const T* c;
  DIFFBRIDGE_HD void operator()(std::size_t i) const noexcept { a[i] = b[i] + s * c[i]; }
};

template <class B, class T>
void check_for_each_index(std::size_t n) {
  const shape s{1, 1, 1, n};
  const auto hb = random_data<T>(n, 5), hc = random_data<T>(n, 6);
  const auto b = upload<B>(hb, s), c = upload<B>(hc, s);
  auto a = upload<B>(nan_vector<T>(n), s);
  B::for_each_index(
      n, axpy_fn<T>{T(0.75), B::as_view(a).raw(), B::as_view(b).raw(), B::as_view(c).raw()});
  const auto got = download<B>(B::as_view(std::as_const(a)));
  std::vector<T> ref(n);
  std::vector<double> scale(n);
  for (std::size_t i = 0; i < n; ++i) {
    ref[i] = hb[i] + T(0.75) * hc[i];
    scale[i] = std::fabs(double(hb[i])) + std::fabs(0.75 * hc[i]);
  }
  require_close(got, ref, scale, tolerance<T>());
}

/// Mismatched shapes and sizes are rejected with invalid_input.
template <class B, class T>
void check_errors() {
  const auto a = upload<B>(random_data<T>(6, 1), shape{1, 1, 2, 3});
  auto b = B::template empty<T>(shape{1, 1, 3, 2});
  const auto av = B::as_view(a);
  REQUIRE_THROWS_AS(B::template step<modulation::one>(step_c, av, av, av, av, B::as_view(b)),
                    invalid_input);
  REQUIRE_THROWS_AS(
      B::template marginal<modulation::one>(marginal_c, av, av, philox_normals{}, B::as_view(b)),
      invalid_input);
  std::vector<T> wrong(5);
  REQUIRE_THROWS_AS(B::copy_to_host(av, std::span(wrong)), invalid_input);
  REQUIRE_THROWS_AS(B::copy_from_host(std::span<const T>(wrong), B::as_view(b)), invalid_input);
  // a moved-from tensor keeps its extents but not its memory: it views as empty, so a copy into
  // it is a size error (it was a write through a null pointer)
  auto c = upload<B>(random_data<T>(6, 2), shape{1, 1, 2, 3});
  const auto moved = std::move(c);
  REQUIRE(B::as_view(moved).size() == 6);
  REQUIRE(B::as_view(c).size() == 0);  // NOLINT(bugprone-use-after-move): the point of the check
  std::vector<T> six(6);
  REQUIRE_THROWS_AS(B::copy_from_host(std::span<const T>(six), B::as_view(c)), invalid_input);
}

/// The output may alias an input (every kernel is elementwise): step in place on x.
template <class B, class T>
void check_in_place(shape s) {
  const std::size_t n = s.numel();
  const auto hx = random_data<T>(n, 21), hx0 = random_data<T>(n, 22), hy = random_data<T>(n, 23);
  auto x = upload<B>(hx, s);
  const auto x0 = upload<B>(hx0, s), y = upload<B>(hy, s);
  const philox_normals rng{5, 6};
  B::template step<modulation::residual>(step_c, B::as_view(std::as_const(x)), B::as_view(x0),
                                         B::as_view(y), rng, B::as_view(x));
  const auto rx = upload<std_backend>(hx, s), rx0 = upload<std_backend>(hx0, s),
             ry = upload<std_backend>(hy, s);
  auto ref = std_backend::empty<T>(s);
  std_backend::step<modulation::residual>(step_c, std_backend::as_view(rx),
                                          std_backend::as_view(rx0), std_backend::as_view(ry), rng,
                                          std_backend::as_view(ref));
  const auto ks = kernels::to_scalars<T>(step_c);
  std::vector<double> scale(n);
  for (std::size_t i = 0; i < n; ++i) {
    scale[i] = std::fabs(ks.k * hx[i]) + std::fabs(ks.p * hx0[i]) + std::fabs(ks.q * hy[i]) +
               std::fabs(ks.w * (double(hx0[i]) - hy[i]) * rng(i));
  }
  require_close(download<B>(B::as_view(std::as_const(x))), ref.data, scale, tolerance<T>());
}

/// Runs every check for backend B and scalar T.
template <class B, class T>
void check_backend() {
  static_assert(tensor_backend<B>);
  std::uint64_t seed = 100;
  for (const shape& s : check_shapes) check_fused_kernels<B, T>(s, seed++);
  for (std::size_t n : {1u, 3u, 4u, 5u, 4099u}) check_noise_bits<B, T>(n, 0x5EEDull << 33, 3);
  check_noise_bits<B, T>(1000, 7, 0xFFFFFFFFull + 2);  // step and seed above 32 bits
  check_for_each_index<B, T>(5000);
  check_in_place<B, T>(check_shapes[3]);
  check_errors<B, T>();
}

#if defined(_OPENMP)
/// Records which OpenMP thread ran each index.
struct thread_id_fn {
  int* out;
  void operator()(std::size_t i) const noexcept { out[i] = omp_get_thread_num(); }
};

/// Outputs with 1 and 2 OpenMP threads are bit-identical, and 2 threads really run.
template <class B, class T>
void check_thread_invariance() {
  const shape s{1, 3, 61, 67};  // 12261 elements: several chunks and a ragged tail
  const std::size_t n = s.numel();
  const auto x = upload<B>(random_data<T>(n, 1), s), x0 = upload<B>(random_data<T>(n, 2), s);
  const auto y = upload<B>(random_data<T>(n, 3), s), z = upload<B>(random_data<T>(n, 4), s);
  auto run = [&] {
    auto out = B::template empty<T>(s);
    std::vector<T> all;
    const auto cv = [](const auto& t) { return B::as_view(t); };
    B::template step<modulation::residual>(step_c, cv(x), cv(x0), cv(y), cv(z), B::as_view(out));
    auto h = download<B>(B::as_view(std::as_const(out)));
    all.insert(all.end(), h.begin(), h.end());
    B::template step<modulation::abs_residual>(step_c, cv(x), cv(x0), cv(y), philox_normals{3, 9},
                                               B::as_view(out));
    h = download<B>(B::as_view(std::as_const(out)));
    all.insert(all.end(), h.begin(), h.end());
    B::template marginal<modulation::one>(marginal_c, cv(x0), cv(y), philox_normals{4, 1},
                                          B::as_view(out));
    h = download<B>(B::as_view(std::as_const(out)));
    all.insert(all.end(), h.begin(), h.end());
    return all;
  };
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  REQUIRE(omp_get_max_threads() == 1);
  const std::vector<T> one = run();
  omp_set_num_threads(2);
  const std::vector<T> two = run();
  std::vector<int> ids(n, -1);
  B::for_each_index(n, thread_id_fn{ids.data()});
  omp_set_num_threads(saved);
  require_bit_equal(one, two);
  REQUIRE(*std::min_element(ids.begin(), ids.end()) == 0);
  REQUIRE(*std::max_element(ids.begin(), ids.end()) == 1);
}
#endif

}  // namespace dbtest
