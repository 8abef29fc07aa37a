// Device paths of the elementwise operators (tensor_ops.hpp, activation.hpp, modulation.hpp,
// linear.hpp) and the epilogues the GEMM-based operators share: copies, residual adds, fills,
// bias + LeakyReLU, GELU, the IPR modulation. Every value is the host operator's expression, so
// the results equal the host backends' bit for bit (the GEMM aside).
#pragma once

#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/device/launch.hpp"

namespace diffbridge::nn::device {

struct copy_fn {
  const float* s;
  float* d;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { d[i] = s[i]; }
};

struct add_fn {  // d += s
  const float* s;
  float* d;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { d[i] += s[i]; }
};

struct fill_fn {
  float v;
  float* d;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { d[i] = v; }
};

struct leaky_fn {
  float* p;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { p[i] = leaky_relu(p[i]); }
};

struct gelu_fn {
  const float* s;
  float* d;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { d[i] = gelu(s[i]); }
};

/// Row r of the m×n block at c (leading dimension ldc) set to b[r]: i = r·n + j.
struct fill_rows_fn {
  const float* b;
  float* c;
  std::size_t ldc, n;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { c[(i / n) * ldc + i % n] = b[i / n]; }
};

/// c[r][j] += b[r] (when b), then LeakyReLU (when leaky), on the m×n block at c.
struct bias_act_fn {
  const float* b;
  float* c;
  std::size_t ldc, n;
  bool leaky;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    float& v = c[(i / n) * ldc + i % n];
    if (b) v += b[i / n];
    if (leaky) v = leaky_relu(v);
  }
};

/// Linear's epilogue: y[i] = act(y[i] + bias[i % out]) (0 without a bias, as the host adds).
struct linear_epilogue_fn {
  const float* b;
  float* y;
  std::size_t out;
  bool leaky;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const float v = y[i] + (b ? b[i % out] : 0.0f);
    y[i] = leaky ? leaky_relu(v) : v;
  }
};

/// y[c·HW + i] = x[c·HW + i]·k[c] + k[C + c].
struct modulate_fn {
  const float* x;
  const float* k;
  float* y;
  std::size_t C, HW;
  DIFFBRIDGE_HD void operator()(std::size_t i) const {
    const std::size_t c = i / HW;
    y[i] = x[i] * k[c] + k[C + c];
  }
};

/// Bias before an overwriting GEMM: rows of the m×n block at c set to b (see conv2d.hpp).
template <class B>
void fill_bias(float* c, std::size_t ldc, std::size_t m, std::size_t n, const float* b) {
  launch<B>(m * n, fill_rows_fn{b, c, ldc, n});
}

/// Bias (when b) and LeakyReLU (when leaky) on the m×n block at c.
template <class B>
void add_bias_act(float* c, std::size_t ldc, std::size_t m, std::size_t n, const float* b,
                  bool leaky) {
  if (b || leaky) launch<B>(m * n, bias_act_fn{b, c, ldc, n, leaky});
}

}  // namespace diffbridge::nn::device

namespace diffbridge::nn {

/// y = x on a device backend.
template <class B>
requires device_backend<B>
void copy(cview x, fview y) {
  require(x.size() == y.size(), "copy",
          "sizes differ: " + shape_str(x.dims) + " vs " + shape_str(y.dims));
  device::launch<B>(x.size(), device::copy_fn{x.raw(), y.raw()});
}

/// y += x on a device backend.
template <class B>
requires device_backend<B>
void add_inplace(cview x, fview y) {
  require_shape("add", "operand", x.dims, y.dims);
  device::launch<B>(x.size(), device::add_fn{x.raw(), y.raw()});
}

/// x ← LeakyReLU(x) on a device backend.
template <class B>
requires device_backend<B>
void leaky_relu_inplace(fview x) { device::launch<B>(x.size(), device::leaky_fn{x.raw()}); }

/// y ← GELU(x) on a device backend (may alias).
template <class B>
requires device_backend<B>
void gelu(cview x, fview y) {
  require(x.size() == y.size(), "gelu", "sizes differ");
  device::launch<B>(x.size(), device::gelu_fn{x.raw(), y.raw()});
}

/// y = x·k1 + k2 on a device backend (see modulation.hpp).
template <class B>
requires device_backend<B>
void modulate(cview x, cview k, fview y) {
  const std::size_t C = x.dims.c, HW = x.dims.h * x.dims.w;
  require(x.dims.n == 1 && k.size() == 2 * C, "modulate",
          "needs (1, C, H, W) and 2C modulation values");
  require_shape("modulate", "output", y.dims, x.dims);
  device::launch<B>(C * HW, device::modulate_fn{x.raw(), k.raw(), y.raw(), C, HW});
}

/// y = x·wᵀ + bias (then LeakyReLU) on a device backend (see linear.hpp).
template <class B>
requires device_backend<B>
void linear(cview x, cview w, cview bias, fview y, bool leaky = false) {
  const std::size_t N = x.dims.n, in = x.dims.c * x.dims.h * x.dims.w, out = w.dims.n;
  require(w.size() == out * in, "linear",
          "weight " + shape_str(w.dims) + " does not take input " + shape_str(x.dims));
  require(y.size() == N * out, "linear",
          "output " + shape_str(y.dims) + " is not (N, " + std::to_string(out) + ")");
  require(bias.raw() == nullptr || bias.size() == out, "linear",
          "bias size differs from the output size");
  gemm_args g;
  g.m = N, g.n = out, g.k = in, g.a = x.raw(), g.lda = in, g.b = w.raw(), g.ldb = in;
  g.c = y.raw(), g.ldc = out, g.trans_b = true;
  device::gemm<B>(g);
  // without bias and activation the epilogue would only turn −0 into +0: not launched (the IPR
  // kernels of every block, 2 launches per block)
  if (bias.raw() || leaky)
    device::launch<B>(N * out, device::linear_epilogue_fn{bias.raw(), y.raw(), out, leaky});
}

}  // namespace diffbridge::nn
