// Helpers of the network tests: fixture tensors from safetensors, backend tensors, random data,
// max-abs comparison.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/io/safetensors.hpp"
#include "diffbridge/nn/check.hpp"

#if defined(DIFFBRIDGE_TEST_EIGEN)
#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/nn/gemm_eigen.hpp"
#endif
#if defined(DIFFBRIDGE_TEST_XTENSOR)
#include "diffbridge/backend/xtensor.hpp"
#include "diffbridge/nn/gemm_xtensor.hpp"
#endif

namespace nntest {

using namespace diffbridge;

/// A host tensor: values and NCHW extents (shapes of rank < 4 padded with trailing 1s).
struct host {
  std::vector<float> v;
  shape s;
  nn::cview view() const { return {v.data(), s}; }
  nn::fview view() { return {v.data(), s}; }
};

inline shape to_shape(const std::vector<std::size_t>& d) {
  std::size_t e[4] = {1, 1, 1, 1};
  REQUIRE(d.size() <= 4);
  for (std::size_t i = 0; i < d.size(); ++i) e[i] = d[i];
  return {e[0], e[1], e[2], e[3]};
}

inline host load(const io::safetensors_file& f, const std::string& name) {
  INFO("fixture tensor " << name);
  REQUIRE(f.contains(name));
  return {f.to_float(name), to_shape(f.info(name).shape)};
}

/// A tensor of backend B holding h.
template <class B>
struct dev {
  typename B::template tensor<float> t;
  explicit dev(const host& h) : t(B::template empty<float>(h.s)) {
    B::copy_from_host(std::span<const float>(h.v), B::as_view(t));
  }
  explicit dev(shape s, float fill = std::nanf("")) : t(B::template empty<float>(s)) {
    std::vector<float> v(s.numel(), fill);
    B::copy_from_host(std::span<const float>(v), B::as_view(t));
  }
  // nn views: raw pointers in B's memory space (device pointers on a device backend)
  nn::fview view() {
    const auto v = B::as_view(t);
    return {v.raw(), v.dims};
  }
  nn::cview cview() const {
    const auto v = B::as_view(t);
    return {v.raw(), v.dims};
  }
  std::vector<float> values() const {
    std::vector<float> v(cview().size());
    B::copy_to_host(B::as_view(t), std::span<float>(v));
    return v;
  }
};

/// Uniform values in [lo, hi) from a 64-bit LCG (deterministic, platform independent).
inline host random_host(shape s, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  host h{std::vector<float>(s.numel()), s};
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& v : h.v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v = lo + (hi - lo) * float(double(x >> 40) / double(1ULL << 24));
  }
  return h;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;
  }
  return m;
}

}  // namespace nntest

#define NNTEST_BACKENDS_STD diffbridge::std_backend
#if defined(DIFFBRIDGE_TEST_EIGEN) && defined(DIFFBRIDGE_TEST_XTENSOR)
#define NNTEST_BACKENDS diffbridge::std_backend, diffbridge::eigen_backend, diffbridge::xtensor_backend
#elif defined(DIFFBRIDGE_TEST_EIGEN)
#define NNTEST_BACKENDS diffbridge::std_backend, diffbridge::eigen_backend
#elif defined(DIFFBRIDGE_TEST_XTENSOR)
#define NNTEST_BACKENDS diffbridge::std_backend, diffbridge::xtensor_backend
#else
#define NNTEST_BACKENDS diffbridge::std_backend
#endif
