// Linear layers on feature vectors (spec §2.2 kernel, §2.8 mlp, §2.9 denoise):
// y = x·Wᵀ + b with PyTorch's weight layout [out, in]. Vectors are (N, features, 1, 1).
#pragma once

#include <cstddef>

#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/elementwise.hpp"  // the device overloads
#include "diffbridge/nn/gemm.hpp"

namespace diffbridge::nn {

/// y = x·wᵀ + bias, then LeakyReLU when `leaky`. x (N, in, 1, 1); w (out, in, 1, 1); y (N, out, 1, 1).
template <class B>
void linear(cview x, cview w, cview bias, fview y, bool leaky = false) {
  const std::size_t N = x.dims.n, in = x.dims.c * x.dims.h * x.dims.w, out = w.dims.n;
  require(w.size() == out * in, "linear", "weight " + shape_str(w.dims) + " does not take input " + shape_str(x.dims));
  require(y.size() == N * out, "linear", "output " + shape_str(y.dims) + " is not (N, " + std::to_string(out) + ")");
  require(bias.raw() == nullptr || bias.size() == out, "linear", "bias size differs from the output size");
  gemm_args g;
  g.m = N, g.n = out, g.k = in, g.a = x.raw(), g.lda = in, g.b = w.raw(), g.ldb = in;
  g.c = y.raw(), g.ldc = out, g.trans_b = true;
  gemm<B>::run(g);
  for (std::size_t i = 0; i < N * out; ++i) {
    float v = y.raw()[i] + (bias.raw() ? bias.raw()[i % out] : 0.0f);
    y.raw()[i] = leaky ? leaky_relu(v) : v;
  }
}

}  // namespace diffbridge::nn
