// Per-operator parity of a device backend D (thrust_backend: OMP / CPP here, CUDA in the .cu
// test) against the std oracle, on random inputs with odd sizes and every option. Shared by
// test_nn_thrust.cpp and test_nn_models_thrust_cuda.cu. Tolerances:
//   0 (bit-exact)  data movement (shuffles, padding, crop, upsampling, copies, concat) and the
//                  pointwise operators written with the host's expressions (depthwise 3×3 and
//                  its GELU gate, modulation, LeakyReLU, GELU, the mean) — these are allowed
//                  2 ulp (relative 2.4e-7) on the host systems, and under nvcc (FMA contraction,
//                  CUDA's libm) 1e-6 of the tensor's scale (check_pointwise);
//   1e-6 relative  LayerNorm + modulation (statistics in double on the device, float on the
//                  oracle);
//   1e-5 relative  GEMM-based operators (conv 1×1 / 3×3, Linear, attention): fp32 products
//                  summed in another order than the oracle's double accumulation;
//   2e-5 relative  the multi-stage modules (MDTA / GDFN cores, the transformer block).
// "relative" is max|a − b| / max(1, max|b|).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/conv2d.hpp"
#include "diffbridge/nn/depthwise.hpp"
#include "diffbridge/nn/device/conv.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/linear.hpp"
#include "diffbridge/nn/modulation.hpp"
#include "diffbridge/nn/pool.hpp"
#include "diffbridge/nn/resample.hpp"
#include "diffbridge/nn/shuffle.hpp"
#include "diffbridge/nn/tensor_ops.hpp"
#include "diffbridge/nn/transformer.hpp"
#include "nn_test_util.hpp"

namespace nndev {

using namespace diffbridge;
using namespace nntest;

/// max|a − b| / max(1, max|b|).
inline double rel_err(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 1;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  return max_abs_diff(a, b) / scale;
}

/// Largest |a − b| / max(|a|, |b|) over elements that differ (0 when all are equal).
inline double max_ulp_rel(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    const double d = std::fabs(double(a[i]) - double(b[i]));
    const double s = std::max(std::fabs(double(a[i])), std::fabs(double(b[i])));
    m = std::max(m, std::isfinite(d) ? d / s : INFINITY);
  }
  return m;
}
inline constexpr double two_ulp = 2.4e-7;

/// The pointwise operators written with the host's expressions: on the host systems within 2 ulp
/// of each value. Under nvcc, a·b + c contracted into an FMA and CUDA's erff / expf (≤ 2 ulp off
/// glibc's) move a result by a few ulp of its largest term; where terms cancel that is many ulp
/// of the result itself (seen: a sign flip at 1e-8), so there the bound is on the tensor's scale:
/// rel_err ≤ 1e-6 (8 ulp of max(1, max|b|)).
inline void check_pointwise(const std::vector<float>& got, const std::vector<float>& want) {
#if defined(__CUDACC__)
  CHECK(rel_err(got, want) <= 1e-6);
#else
  CHECK(max_ulp_rel(got, want) <= two_ulp);
#endif
}

/// f(backend tag) on D and on std; returns both outputs.
template <class D, class F>
auto both(F&& f) {
  return std::pair{f(D{}), f(std_backend{})};
}

template <class D>
void check_conv() {
  for (std::size_t k : {1u, 3u})
    for (shape xs :
         {shape{1, 13, 37, 45}, shape{1, 3, 9, 1}, shape{2, 5, 1, 70}, shape{1, 7, 6, 5}})
      for (bool bias : {false, true})
        for (bool acc : {false, true})
          for (auto act : {nn::activation::none, nn::activation::leaky_relu}) {
            const host x = random_host(xs, 11 + k), w = random_host({21, xs.c, k, k}, 12),
                       b = random_host({21, 1, 1, 1}, 13),
                       r = random_host({xs.n, 21, xs.h, xs.w}, 14);
            const auto [got, want] = both<D>([&](auto be) {
              using BB = decltype(be);
              nn::workspace<BB> ws;
              dev<BB> xd(x), wd(w), bd(b), y(r);
              nn::conv2d<BB>(ws, xd.cview(), wd.cview(), y.view(),
                             {bias ? bd.cview() : nn::cview{}, acc, act});
              return y.values();
            });
            INFO("k=" << k << " x=" << nn::shape_str(xs) << " bias=" << bias
                      << " accumulate=" << acc << " leaky=" << (act == nn::activation::leaky_relu));
            CHECK(rel_err(got, want) <= 1e-5);
          }
  // the im2col split into row slabs (forced small): the same values as one slab
  const std::size_t saved = nn::device::im2col_max_floats;
  const host x = random_host({1, 6, 23, 17}, 15), w = random_host({9, 6, 3, 3}, 16);
  std::vector<float> one, slabs;
  for (std::size_t cap : {saved, std::size_t(54 * 17 * 4)}) {  // 4 rows per slab
    nn::device::im2col_max_floats = cap;
    nn::workspace<D> ws;
    dev<D> xd(x), wd(w), y(shape{1, 9, 23, 17});
    nn::conv2d<D>(ws, xd.cview(), wd.cview(), y.view());
    (cap == saved ? one : slabs) = y.values();
  }
  nn::device::im2col_max_floats = saved;
  CHECK(rel_err(slabs, one) <= 1e-6);
  const auto want = [&] {
    nn::workspace<std_backend> ws;
    dev<std_backend> xd(x), wd(w), y(shape{1, 9, 23, 17});
    nn::conv2d<std_backend>(ws, xd.cview(), wd.cview(), y.view());
    return y.values();
  }();
  CHECK(rel_err(slabs, want) <= 1e-5);
}

/// LayerNorm WithBias / BiasFree, with and without the modulation (k: 2C values), against the
/// std oracle. The device statistics are double sums, the oracle's float two-pass sums: agreement
/// to ~C·u of the scale (seen 2e-7 on OMP at C = 19), bound 1e-6 relative.
template <class D>
void check_layer_norm_case(const host& x, const host& w, const host& b, const host& k) {
  const std::size_t C = x.s.c;
  for (bool with_bias : {false, true})
    for (bool mod : {false, true}) {
      const auto [got, want] = both<D>([&](auto be) {
        using BB = decltype(be);
        dev<BB> xd(x), wd(w), bd(b), kd(k), y(x.s);
        nn::layer_norm<BB>(xd.cview(), wd.cview(), with_bias ? bd.cview() : nn::cview{}, y.view(),
                           mod ? nn::channels(kd.cview(), 0, C) : nn::cview{},
                           mod ? nn::channels(kd.cview(), C, C) : nn::cview{});
        return y.values();
      });
      INFO("layer_norm x=" << nn::shape_str(x.s) << " bias=" << with_bias << " modulation=" << mod);
      CHECK(rel_err(got, want) <= 1e-6);
    }
}

template <class D>
void check_elementwise() {
  for (shape xs :
       {shape{1, 10, 33, 129}, shape{2, 4, 1, 1}, shape{1, 6, 7, 1}, shape{1, 2, 1, 9}}) {
    for (bool bias : {false, true}) {
      const host x = random_host(xs, 21, -2, 2), w = random_host({xs.c, 1, 3, 3}, 22),
                 b = random_host({xs.c, 1, 1, 1}, 23);
      const auto [got, want] = both<D>([&](auto be) {
        using BB = decltype(be);
        nn::workspace<BB> ws;
        dev<BB> xd(x), wd(w), bd(b), y(x.s), g(shape{xs.n, xs.c / 2, xs.h, xs.w});
        const nn::cview bv = bias ? bd.cview() : nn::cview{};
        nn::depthwise_conv3x3<BB>(xd.cview(), wd.cview(), y.view(), bv);
        nn::depthwise_conv3x3_gelu_gate<BB>(ws, xd.cview(), wd.cview(), g.view(), bv);
        auto v = y.values(), gv = g.values();
        v.insert(v.end(), gv.begin(), gv.end());
        return v;
      });
      INFO("depthwise x=" << nn::shape_str(xs) << " bias=" << bias);
      check_pointwise(got, want);
    }
  }
  // LayerNorm WithBias / BiasFree, with and without the modulation; modulate; LReLU; GELU; mean
  const host x = random_host({1, 19, 13, 11}, 41, -3, 5), w = random_host({19, 1, 1, 1}, 42),
             b = random_host({19, 1, 1, 1}, 43), k = random_host({1, 38, 1, 1}, 44);
  check_layer_norm_case<D>(x, w, b, k);
  const auto [got, want] = both<D>([&](auto be) {
    using BB = decltype(be);
    dev<BB> xd(x), kd(k), m(x.s), l(x), g(x.s), p(shape{1, 19, 1, 1});
    nn::modulate<BB>(xd.cview(), kd.cview(), m.view());
    nn::leaky_relu_inplace<BB>(l.view());
    nn::gelu<BB>(xd.cview(), g.view());
    nn::global_avg_pool<BB>(xd.cview(), p.view());
    std::vector<float> v;
    for (const auto* t : {&m, &l, &g, &p}) {
      auto tv = t->values();
      v.insert(v.end(), tv.begin(), tv.end());
    }
    return v;
  });
  check_pointwise(got, want);
  // Linear with / without bias and LeakyReLU, batch 1 and 3
  for (std::size_t n : {1u, 3u})
    for (bool bias : {false, true})
      for (bool leaky : {false, true}) {
        const host lx = random_host({n, 513, 1, 1}, 51), lw = random_host({37, 513, 1, 1}, 52),
                   lb = random_host({37, 1, 1, 1}, 53);
        const auto [lg, lwant] = both<D>([&](auto be) {
          using BB = decltype(be);
          dev<BB> xd(lx), wd(lw), bd(lb), y(shape{n, 37, 1, 1});
          nn::linear<BB>(xd.cview(), wd.cview(), bias ? bd.cview() : nn::cview{}, y.view(), leaky);
          return y.values();
        });
        INFO("linear n=" << n << " bias=" << bias << " leaky=" << leaky);
        CHECK(rel_err(lg, lwant) <= 1e-5);
      }
}

/// LayerNorm + modulation on shapes around the CUDA kernel's limits (tiles of 128 / 64 / 32
/// pixels for C ≤ 128 / 256 / 512, partial tiles, N > 1; C = 520 takes the three-launch form):
/// against the std oracle, 1e-6 relative (as check_elementwise's LayerNorm).
template <class D>
void check_layer_norm_tiles() {
  for (shape xs :
       {shape{1, 1, 5, 7}, shape{1, 48, 37, 41}, shape{2, 96, 16, 20}, shape{1, 128, 9, 128},
        shape{1, 131, 5, 13}, shape{1, 256, 3, 70}, shape{2, 384, 7, 9}, shape{1, 512, 2, 33},
        shape{1, 520, 3, 5}, shape{1, 3, 1, 1}}) {
    check_layer_norm_case<D>(random_host(xs, 51, -3, 5), random_host({xs.c, 1, 1, 1}, 52),
                             random_host({xs.c, 1, 1, 1}, 53),
                             random_host({1, 2 * xs.c, 1, 1}, 54));
  }
}

template <class D>
void check_movement() {
  const host x = random_host({2, 3, 12, 20}, 61);
  const auto [got, want] = both<D>([&](auto be) {
    using BB = decltype(be);
    dev<BB> xd(x), u2(shape{2, 12, 6, 10}), u4(shape{2, 48, 3, 5}), s2(shape{2, 3, 12, 20}),
        s4(shape{2, 3, 12, 20}), pr(shape{2, 3, 19, 27}), ps(shape{2, 3, 24, 33}),
        cr(shape{2, 3, 5, 7}), n3(shape{2, 3, 36, 60}), n2(shape{2, 3, 24, 40}),
        cat(shape{2, 6, 12, 20}), cp(shape{2, 3, 12, 20}), ad(x);
    nn::pixel_unshuffle<BB>(xd.cview(), 2, u2.view());
    nn::pixel_unshuffle<BB>(xd.cview(), 4, u4.view());
    nn::pixel_shuffle<BB>(u2.cview(), 2, s2.view());
    nn::pixel_shuffle<BB>(u4.cview(), 4, s4.view());
    nn::pad_bottom_right<BB>(xd.cview(), pr.view(), nn::pad_mode::reflect);
    nn::pad_bottom_right<BB>(xd.cview(), ps.view(), nn::pad_mode::symmetric);
    nn::crop<BB>(xd.cview(), cr.view());
    nn::upsample_nearest<BB>(xd.cview(), 3, n3.view());
    nn::upsample_nearest<BB>(cr.cview(), 1, cr.view(), true);  // doubles the crop in place
    nn::upsample_nearest<BB>(xd.cview(), 2, n2.view());
    nn::upsample_nearest<BB>(xd.cview(), 2, n2.view(), true);
    nn::concat_channels<BB>(xd.cview(), s2.cview(), cat.view());
    nn::copy<BB>(xd.cview(), cp.view());
    nn::add_inplace<BB>(xd.cview(), ad.view());
    std::vector<float> v;
    for (const auto* t : {&u2, &u4, &s2, &s4, &pr, &ps, &cr, &n3, &n2, &cat, &cp, &ad}) {
      auto tv = t->values();
      v.insert(v.end(), tv.begin(), tv.end());
    }
    return v;
  });
  CHECK(max_abs_diff(got, want) == 0);
}

template <class D>
void check_attention() {
  // q·kᵀ in chunks of 512 columns (10 chunks here) and of 64 (78 chunks, summed in groups first)
  const std::size_t saved_chunk = nn::device::qk_chunk;
  for (std::size_t chunk : {std::size_t(0), std::size_t(64)})
    for (std::size_t heads : {1u, 4u}) {
      nn::device::qk_chunk = chunk;
      INFO("qk_chunk=" << chunk);
      const host qkv = random_host({1, 24, 70, 71}, 31),
                 t = random_host({heads, 1, 1, 1}, 32, 0.5f, 2.0f),
                 pw = random_host({8, 8, 1, 1}, 33), pb = random_host({8, 1, 1, 1}, 34),
                 r = random_host({1, 8, 70, 71}, 35);
      const auto [got, want] = both<D>([&](auto be) {
        using BB = decltype(be);
        nn::workspace<BB> ws;
        dev<BB> q(qkv), td(t), o(shape{1, 8, 70, 71}), pwd(pw), pbd(pb), acc(r),
            maps(shape{heads, 1, 8 / heads, 8 / heads});
        nn::channel_attention<BB>(ws, q.cview(), td.cview(), heads, o.view());
        nn::attention_maps<BB>(ws, q.cview(), td.cview(), heads, maps.view());
        nn::attention_apply<BB>(ws, q.cview(), maps.cview(), heads, acc.view(), pwd.cview(),
                                pbd.cview(), true);
        auto v = o.values(), a = acc.values(), m = maps.values();
        v.insert(v.end(), a.begin(), a.end());
        v.insert(v.end(), m.begin(), m.end());
        return v;
      });
      INFO("heads=" << heads);
      CHECK(rel_err(got, want) <= 1e-5);
      // the block's fused path: the depthwise conv that makes q, k, v also sums q² and k² (partial
      // sums per strip of rows, reduced by a tree) — against dwconv, then the maps, on the oracle
      const host w = random_host({24, 1, 3, 3}, 36), wb = random_host({24, 1, 1, 1}, 37);
      const auto [fgot, fwant] = both<D>([&](auto be) {
        using BB = decltype(be);
        nn::workspace<BB> ws;
        dev<BB> a(qkv), td(t), wd(w), bd(wb), b(qkv.s), maps(shape{heads, 1, 8 / heads, 8 / heads});
        if constexpr (std::is_same_v<BB, std_backend>) {
          nn::depthwise_conv3x3<BB>(a.cview(), wd.cview(), b.view(), bd.cview());
          nn::attention_maps<BB>(ws, b.cview(), td.cview(), heads, maps.view());
        } else {
          nn::qkv_dwconv_attention_maps<BB>(ws, a.cview(), wd.cview(), bd.cview(), b.view(),
                                            td.cview(), heads, maps.view());
        }
        return std::pair{b.values(), maps.values()};
      });
      check_pointwise(fgot.first, fwant.first);
      CHECK(rel_err(fgot.second, fwant.second) <= 1e-5);
    }
  nn::device::qk_chunk = saved_chunk;
  // head widths at the CUDA q·kᵀ kernel's limit (d = 48, a chunk of 128 pixels with a tail) and
  // past it (d = 64: the GEMM path), one and two heads
  for (const auto& ch :
       {std::pair{std::size_t(48), std::size_t(1)}, std::pair{std::size_t(96), std::size_t(2)},
        std::pair{std::size_t(128), std::size_t(2)}}) {
    const std::size_t C = ch.first, heads = ch.second;  // a lambda captures them (clang 14)
    const host qkv = random_host({1, 3 * C, 33, 37}, 38),
               t = random_host({heads, 1, 1, 1}, 39, 0.5f, 2.0f);
    const auto [got, want] = both<D>([&](auto be) {
      using BB = decltype(be);
      nn::workspace<BB> ws;
      dev<BB> q(qkv), td(t), maps(shape{heads, 1, C / heads, C / heads});
      nn::attention_maps<BB>(ws, q.cview(), td.cview(), heads, maps.view());
      return maps.values();
    });
    INFO("maps C=" << C << " heads=" << heads);
    CHECK(rel_err(got, want) <= 1e-5);
  }
}

/// Random block weights (C = 16, F = 35, 2 heads, every bias present when `bias`).
struct block_fixture {
  std::vector<host> keep;
  nn::block_weights w;
  nn::cview make(shape s, std::uint64_t seed, float lo = -0.5f, float hi = 0.5f) {
    keep.push_back(random_host(s, seed, lo, hi));
    return keep.back().view();
  }
  explicit block_fixture(bool bias, std::size_t C = 16, std::size_t F = 35) {
    keep.reserve(32);
    auto opt = [&](shape s, std::uint64_t seed) { return bias ? make(s, seed) : nn::cview{}; };
    w.norm1_w = make({C, 1, 1, 1}, 1, 0.5f, 1.5f), w.norm1_b = opt({C, 1, 1, 1}, 2);
    w.norm2_w = make({C, 1, 1, 1}, 3, 0.5f, 1.5f), w.norm2_b = opt({C, 1, 1, 1}, 4);
    w.attn.heads = 2, w.attn.temperature = make({2, 1, 1, 1}, 5, 0.5f, 2.0f);
    w.attn.kernel = make({2 * C, 256, 1, 1}, 6, -0.06f, 0.06f);
    w.attn.qkv = make({3 * C, C, 1, 1}, 7), w.attn.qkv_bias = opt({3 * C, 1, 1, 1}, 8);
    w.attn.qkv_dw = make({3 * C, 1, 3, 3}, 9), w.attn.qkv_dw_bias = opt({3 * C, 1, 1, 1}, 10);
    w.attn.proj = make({C, C, 1, 1}, 11), w.attn.proj_bias = opt({C, 1, 1, 1}, 12);
    w.ffn.kernel = make({2 * C, 256, 1, 1}, 13, -0.06f, 0.06f);
    w.ffn.project_in = make({2 * F, C, 1, 1}, 14),
    w.ffn.project_in_bias = opt({2 * F, 1, 1, 1}, 15);
    w.ffn.dwconv = make({2 * F, 1, 3, 3}, 16), w.ffn.dwconv_bias = opt({2 * F, 1, 1, 1}, 17);
    w.ffn.project_out = make({C, F, 1, 1}, 18), w.ffn.project_out_bias = opt({C, 1, 1, 1}, 19);
  }
};

/// Weights of `f` copied to backend BB (views into `store`).
template <class BB>
nn::block_weights to_backend(const block_fixture& f, std::vector<dev<BB>>& store) {
  store.reserve(64);
  auto up = [&](nn::cview v) -> nn::cview {
    if (!v.raw()) return {};
    store.emplace_back(host{std::vector<float>(v.raw(), v.raw() + v.size()), v.dims});
    return store.back().cview();
  };
  nn::block_weights w = f.w;
  w.norm1_w = up(f.w.norm1_w), w.norm1_b = up(f.w.norm1_b), w.norm2_w = up(f.w.norm2_w);
  w.norm2_b = up(f.w.norm2_b);
  auto& a = w.attn;
  a.temperature = up(a.temperature), a.kernel = up(a.kernel), a.qkv = up(a.qkv);
  a.qkv_bias = up(a.qkv_bias), a.qkv_dw = up(a.qkv_dw), a.qkv_dw_bias = up(a.qkv_dw_bias);
  a.proj = up(a.proj), a.proj_bias = up(a.proj_bias);
  auto& g = w.ffn;
  g.kernel = up(g.kernel), g.project_in = up(g.project_in),
  g.project_in_bias = up(g.project_in_bias);
  g.dwconv = up(g.dwconv), g.dwconv_bias = up(g.dwconv_bias), g.project_out = up(g.project_out);
  g.project_out_bias = up(g.project_out_bias);
  return w;
}

template <class D>
void check_block() {
  const host z = random_host({1, 256, 1, 1}, 20);
  for (bool bias : {false, true}) {
    const block_fixture fx(bias);
    for (shape s : {shape{1, 16, 37, 41}, shape{1, 16, 1, 7}, shape{1, 16, 9, 1}}) {
      const host x = random_host(s, 21, -2, 2);
      const auto [got, want] = both<D>([&](auto be) {
        using BB = decltype(be);
        std::vector<dev<BB>> store;
        const nn::block_weights w = to_backend<BB>(fx, store);
        nn::workspace<BB> ws;
        dev<BB> blk(x), zd(z), md(shape{1, 16, s.h, s.w}), gd(shape{1, 16, s.h, s.w});
        nn::transformer_block<BB>(ws, blk.view(), zd.cview(), w);
        nn::mdta<BB>(ws, blk.cview(), zd.cview(), w.attn, md.view());
        nn::gdfn<BB>(ws, blk.cview(), zd.cview(), w.ffn, gd.view());
        auto v = blk.values(), m = md.values(), g = gd.values();
        v.insert(v.end(), m.begin(), m.end());
        v.insert(v.end(), g.begin(), g.end());
        return v;
      });
      INFO("block bias=" << bias << " x=" << nn::shape_str(s));
      CHECK(rel_err(got, want) <= 2e-5);
    }
  }
  // a second pass at the same size takes everything from the pool
  const block_fixture fx(true);
  std::vector<dev<D>> store;
  const nn::block_weights w = to_backend<D>(fx, store);
  nn::workspace<D> ws;
  const host x = random_host({1, 16, 24, 19}, 22, -2, 2);
  dev<D> a(x), b(x), zd(z);
  {
    const auto pass = ws.pass();
    nn::transformer_block<D>(ws, a.view(), zd.cview(), w);
  }
  const std::size_t n = ws.allocations(), bytes = ws.bytes();
  {
    const auto pass = ws.pass();
    nn::transformer_block<D>(ws, b.view(), zd.cview(), w);
  }
  CHECK(ws.allocations() == n);
  CHECK(ws.bytes() == bytes);
  CHECK(max_abs_diff(a.values(), b.values()) == 0);  // and the same result
}

template <class D>
void check_errors() {
  nn::workspace<D> ws;
  dev<D> x(random_host({1, 4, 5, 5}, 1)), w(random_host({6, 3, 3, 3}, 2)),
      y(random_host({1, 6, 5, 5}, 3));
  CHECK_THROWS_AS(nn::conv2d<D>(ws, x.cview(), w.cview(), y.view()), invalid_input);
  dev<D> w5(random_host({6, 4, 5, 5}, 2));
  CHECK_THROWS_AS(nn::conv2d<D>(ws, x.cview(), w5.cview(), y.view()), invalid_input);
  dev<D> u(random_host({1, 3, 5, 5}, 4));
  CHECK_THROWS_AS(nn::pixel_unshuffle<D>(x.cview(), 2, u.view()), invalid_input);
  dev<D> q(random_host({1, 9, 4, 4}, 5)), t(random_host({2, 1, 1, 1}, 6)),
      o(random_host({1, 3, 4, 4}, 7));
  CHECK_THROWS_AS(nn::channel_attention<D>(ws, q.cview(), t.cview(), 2, o.view()), invalid_input);
  dev<D> p(random_host({1, 4, 9, 9}, 8));
  CHECK_THROWS_AS(nn::pad_bottom_right<D>(u.cview(), p.view(), nn::pad_mode::reflect),
                  invalid_input);
  CHECK_THROWS_AS(nn::layer_norm<D>(x.cview(), t.cview(), {}, x.view()), invalid_input);
  // no heads, or a bias or accumulation without project_out (device and host); the fused
  // depthwise + maps with a weight of the wrong channel count, or in place
  const host q3 = random_host({1, 6, 4, 4}, 9), m1 = random_host({1, 1, 2, 2}, 10),
             o2 = random_host({1, 2, 4, 4}, 11), b2 = random_host({2, 1, 1, 1}, 12);
  auto apply_errors = [&](auto be) {
    using BB = decltype(be);
    nn::workspace<BB> wsb;
    dev<BB> qd(q3), md(m1), od(o2), bd(b2);
    CHECK_THROWS_AS(
        nn::attention_apply<BB>(wsb, qd.cview(), md.cview(), 1, od.view(), {}, bd.cview()),
        invalid_input);
    CHECK_THROWS_AS(
        nn::attention_apply<BB>(wsb, qd.cview(), md.cview(), 1, od.view(), {}, {}, true),
        invalid_input);
    CHECK_THROWS_AS(nn::attention_apply<BB>(wsb, qd.cview(), md.cview(), 0, od.view()),
                    invalid_input);  // no heads
  };
  apply_errors(D{});
  apply_errors(std_backend{});
  dev<D> qd(q3), qo(q3), md(m1), t1(random_host({1, 1, 1, 1}, 13)),
      w5c(random_host({5, 1, 3, 3}, 14));
  CHECK_THROWS_AS(nn::qkv_dwconv_attention_maps<D>(ws, qd.cview(), w5c.cview(), {}, qo.view(),
                                                   t1.cview(), 1, md.view()),
                  invalid_input);
  dev<D> w6c(random_host({6, 1, 3, 3}, 15));  // in place: the output overlaps the input
  CHECK_THROWS_AS(nn::qkv_dwconv_attention_maps<D>(ws, qd.cview(), w6c.cview(), {}, qd.view(),
                                                   t1.cview(), 1, md.view()),
                  invalid_input);
  CHECK_NOTHROW(nn::qkv_dwconv_attention_maps<D>(ws, qd.cview(), w6c.cview(), {}, qo.view(),
                                                 t1.cview(), 1, md.view()));
  // empty tensors and in-place calls, as on the host
  dev<D> e(shape{1, 4, 4, 0}), ey(shape{1, 6, 4, 0}), w1(random_host({6, 4, 1, 1}, 16)),
      x4(random_host({1, 4, 4, 4}, 17)), dw4(random_host({4, 1, 3, 3}, 18)),
      sq(random_host({4, 4, 1, 1}, 19));
  CHECK_THROWS_WITH(nn::conv2d<D>(ws, e.cview(), w1.cview(), ey.view()), Catch::Contains("empty"));
  CHECK_THROWS_WITH(nn::depthwise_conv3x3<D>(e.cview(), dw4.cview(), e.view()),
                    Catch::Contains("empty"));
  CHECK_THROWS_WITH(nn::conv2d<D>(ws, x4.cview(), sq.cview(), x4.view()),
                    Catch::Contains("overlaps"));
  CHECK_THROWS_WITH(nn::depthwise_conv3x3<D>(x4.cview(), dw4.cview(), x4.view()),
                    Catch::Contains("overlaps"));
  // a block's weights of the wrong shape: the same error on the device and the host (a 3x3
  // project_out ran as a 3x3 convolution here and as a 1x1 on the host; a (2C, C) qkv read past
  // its end on std)
  auto block_shape_errors = [&](auto be) {
    using BB = decltype(be);
    nn::workspace<BB> wsb;
    const std::size_t C = 4, F = 6;
    dev<BB> norm(random_host({C, 1, 1, 1}, 20)), temp(random_host({1, 1, 1, 1}, 21, 0.5f, 1.5f)),
        qkv(random_host({3 * C, C, 1, 1}, 22)), qkv2(random_host({2 * C, C, 1, 1}, 22)),
        qkv3(random_host({3 * C, C, 3, 3}, 22)), qdw(random_host({3 * C, 1, 3, 3}, 23)),
        proj(random_host({C, C, 1, 1}, 24)), pin(random_host({2 * F, C, 1, 1}, 25)),
        fdw(random_host({2 * F, 1, 3, 3}, 26)), pout(random_host({C, F, 1, 1}, 27)),
        pout3(random_host({C, F, 3, 3}, 27)), mod(random_host({1, 2 * C, 1, 1}, 28)),
        xb(random_host({1, C, 5, 6}, 29));
    nn::block_weights bw;
    bw.norm1_w = bw.norm2_w = norm.cview();
    bw.attn.heads = 1, bw.attn.temperature = temp.cview(), bw.attn.qkv = qkv.cview();
    bw.attn.qkv_dw = qdw.cview(), bw.attn.proj = proj.cview();
    bw.ffn.project_in = pin.cview(), bw.ffn.dwconv = fdw.cview(), bw.ffn.project_out = pout.cview();
    const nn::block_modulation m{mod.cview(), mod.cview()};
    CHECK_NOTHROW(nn::transformer_block<BB>(wsb, xb.view(), bw, m));
    for (const nn::cview q : {qkv2.cview(), qkv3.cview()}) {
      auto bad = bw;
      bad.attn.qkv = q;
      CHECK_THROWS_WITH(nn::transformer_block<BB>(wsb, xb.view(), bad, m),
                        Catch::Contains("qkv weight"));
    }
    auto bad = bw;
    bad.ffn.project_out = pout3.cview();
    CHECK_THROWS_WITH(nn::transformer_block<BB>(wsb, xb.view(), bad, m),
                      Catch::Contains("project_out weight"));
  };
  block_shape_errors(D{});
  block_shape_errors(std_backend{});
}

}  // namespace nndev
