// Network operators on every backend: against the PyTorch fixtures (tests/golden/diffir/
// ops.safetensors, scripts/golden/diffir_reference.py) and against the std oracle on larger
// random cases that cross the tiling boundaries. Tolerance: 1e-5 max abs for single operators on
// O(1) data (fp32 summation-order differences are ~1e-6), 2e-5 for the multi-stage MDTA / GDFN /
// block modules.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "diffbridge/nn/activation.hpp"
#include "diffbridge/nn/conv2d.hpp"
#include "diffbridge/nn/depthwise.hpp"
#include "diffbridge/nn/layer_norm.hpp"
#include "diffbridge/nn/linear.hpp"
#include "diffbridge/nn/modulation.hpp"
#include "diffbridge/nn/pool.hpp"
#include "diffbridge/nn/resample.hpp"
#include "diffbridge/nn/shuffle.hpp"
#include "diffbridge/nn/tensor_ops.hpp"
#include "diffbridge/nn/transformer.hpp"
#include "nn_test_util.hpp"

using namespace diffbridge;
using namespace nntest;

namespace {

const io::safetensors_file& ops() {
  static const io::safetensors_file f(std::string(DIFFBRIDGE_GOLDEN_DIR) + "/diffir/ops.safetensors");
  return f;
}

template <class B>
void check_against(const dev<B>& got, const std::string& ref, double tol = 1e-5) {
  const host want = load(ops(), ref);
  INFO("reference " << ref);
  REQUIRE(got.cview().dims == want.s);
  CHECK(max_abs_diff(got.values(), want.v) <= tol);
}

/// Fixture weights of a module saved under `prefix.` (mdta / gdfn / block).
struct module_weights {
  std::vector<host> keep;
  nn::cview get(const std::string& name) {
    keep.push_back(load(ops(), name));
    return keep.back().view();
  }
  module_weights() { keep.reserve(64); }
};

nn::mdta_weights mdta_from(module_weights& m, const std::string& p) {
  nn::mdta_weights w;
  w.heads = 2;
  w.temperature = m.get(p + "temperature");
  w.kernel = m.get(p + "kernel.0.weight");
  w.qkv = m.get(p + "qkv.weight");
  w.qkv_dw = m.get(p + "qkv_dwconv.weight");
  w.proj = m.get(p + "project_out.weight");
  return w;
}
nn::gdfn_weights gdfn_from(module_weights& m, const std::string& p) {
  nn::gdfn_weights w;
  w.kernel = m.get(p + "kernel.0.weight");
  w.project_in = m.get(p + "project_in.weight");
  w.dwconv = m.get(p + "dwconv.weight");
  w.project_out = m.get(p + "project_out.weight");
  return w;
}

}  // namespace

TEMPLATE_TEST_CASE("nn: conv2d 3x3 and 1x1, with and without bias, match PyTorch", "[nn]", NNTEST_BACKENDS) {
  using B = TestType;
  nn::workspace<B> ws;
  for (std::string c : {"conv3_b", "conv3", "conv1_b", "conv1"}) {
    dev<B> x(load(ops(), c + ".x")), w(load(ops(), c + ".w"));
    const bool bias = ops().contains(c + ".b");
    dev<B> b(bias ? load(ops(), c + ".b") : host{{0.0f}, {1, 1, 1, 1}});
    dev<B> y(shape{1, 6, 7, 9});
    nn::conv2d<B>(ws, x.cview(), w.cview(), y.view(), {bias ? b.cview() : nn::cview{}});
    check_against(y, c + ".y");
  }
}

TEMPLATE_TEST_CASE("nn: depthwise 3x3 and LeakyReLU, GELU match PyTorch", "[nn]", NNTEST_BACKENDS) {
  using B = TestType;
  dev<B> x(load(ops(), "dw.x")), w(load(ops(), "dw.w")), y(shape{1, 6, 7, 9});
  nn::depthwise_conv3x3<B>(x.cview(), w.cview(), y.view());
  check_against(y, "dw.y");
  dev<B> l(load(ops(), "lrelu.x"));
  nn::leaky_relu_inplace<B>(l.view());
  check_against(l, "lrelu.y");
  dev<B> g(load(ops(), "gelu.x"));
  nn::gelu<B>(g.cview(), g.view());
  check_against(g, "gelu.y");
}

TEMPLATE_TEST_CASE("nn: LayerNorm WithBias / BiasFree and the IPR modulation match PyTorch", "[nn]", NNTEST_BACKENDS) {
  using B = TestType;
  dev<B> x(load(ops(), "ln_wb.x")), y(shape{1, 7, 5, 6});
  dev<B> w(load(ops(), "ln_wb.w")), b(load(ops(), "ln_wb.b")), wf(load(ops(), "ln_bf.w"));
  nn::layer_norm<B>(x.cview(), w.cview(), b.cview(), y.view());
  check_against(y, "ln_wb.y");
  nn::layer_norm<B>(x.cview(), wf.cview(), {}, y.view());
  check_against(y, "ln_bf.y");
  dev<B> z(load(ops(), "mod.z")), km(load(ops(), "mod.k")), k(shape{1, 14, 1, 1});
  nn::ipr_kernel<B>(km.cview(), z.cview(), k.view());
  nn::modulate<B>(x.cview(), k.cview(), y.view());
  check_against(y, "mod.y");
  // fused LayerNorm + modulation == LayerNorm then modulation
  dev<B> f(shape{1, 7, 5, 6}), u(shape{1, 7, 5, 6});
  nn::layer_norm<B>(x.cview(), w.cview(), b.cview(), f.view(), nn::channels(k.cview(), 0, 7),
                    nn::channels(k.cview(), 7, 7));
  nn::layer_norm<B>(x.cview(), w.cview(), b.cview(), u.view());
  nn::modulate<B>(u.cview(), k.cview(), u.view());
  CHECK(max_abs_diff(f.values(), u.values()) <= 1e-6);
}

TEMPLATE_TEST_CASE("nn: MDTA, GDFN and the transformer block match PyTorch", "[nn]", NNTEST_BACKENDS) {
  using B = TestType;
  nn::workspace<B> ws;
  module_weights m;
  dev<B> z(load(ops(), "mdta.z"));
  {
    dev<B> x(load(ops(), "mdta.x")), y(shape{1, 8, 6, 5});
    nn::mdta<B>(ws, x.cview(), z.cview(), mdta_from(m, "mdta."), y.view());
    check_against(y, "mdta.y", 2e-5);
  }
  {
    dev<B> x(load(ops(), "gdfn.x")), y(shape{1, 8, 6, 5});
    nn::gdfn<B>(ws, x.cview(), z.cview(), gdfn_from(m, "gdfn."), y.view());
    check_against(y, "gdfn.y", 2e-5);
  }
  {
    nn::block_weights w;
    w.norm1_w = m.get("block.norm1.body.weight");
    w.norm1_b = m.get("block.norm1.body.bias");
    w.norm2_w = m.get("block.norm2.body.weight");
    w.norm2_b = m.get("block.norm2.body.bias");
    w.attn = mdta_from(m, "block.attn.");
    w.ffn = gdfn_from(m, "block.ffn.");
    dev<B> x(load(ops(), "block.x"));
    {
      const auto pass = ws.pass();
      nn::transformer_block<B>(ws, x.view(), z.cview(), w);
    }
    check_against(x, "block.y", 2e-5);
    // a second pass at the same size allocates nothing
    const auto n = ws.allocations();
    dev<B> x2(load(ops(), "block.x"));
    {
      const auto pass = ws.pass();
      nn::transformer_block<B>(ws, x2.view(), z.cview(), w);
    }
    CHECK(ws.allocations() == n);
    check_against(x2, "block.y", 2e-5);
  }
}

TEMPLATE_TEST_CASE("nn: shuffles, pool, Linear, padding, nearest upsampling match PyTorch", "[nn]", NNTEST_BACKENDS) {
  using B = TestType;
  dev<B> xp(load(ops(), "ps.x")), ps(shape{1, 2, 8, 12});
  nn::pixel_shuffle<B>(xp.cview(), 2, ps.view());
  check_against(ps, "ps.y", 0);
  dev<B> xu(load(ops(), "pu2.x")), pu2(shape{1, 12, 4, 6}), pu4(shape{1, 48, 2, 3});
  nn::pixel_unshuffle<B>(xu.cview(), 2, pu2.view());
  nn::pixel_unshuffle<B>(xu.cview(), 4, pu4.view());
  check_against(pu2, "pu2.y", 0);
  check_against(pu4, "pu4.y", 0);
  dev<B> back(shape{1, 3, 8, 12});
  nn::pixel_shuffle<B>(pu4.cview(), 4, back.view());
  CHECK(max_abs_diff(back.values(), load(ops(), "pu2.x").v) == 0);
  dev<B> pool(shape{1, 3, 1, 1});
  nn::global_avg_pool<B>(xu.cview(), pool.view());
  check_against(pool, "pool.y", 1e-6);
  dev<B> lx(load(ops(), "linear.x")), lw(load(ops(), "linear.w")), lb(load(ops(), "linear.b"));
  dev<B> ly(shape{1, 17, 1, 1});
  nn::linear<B>(lx.cview(), lw.cview(), lb.cview(), ly.view());
  check_against(ly, "linear.y");
  nn::linear<B>(lx.cview(), lw.cview(), {}, ly.view());
  check_against(ly, "linear_nb.y");
  dev<B> xs(load(ops(), "pad_reflect.x")), pr(shape{1, 2, 8, 8}), psym(shape{1, 2, 8, 8});
  nn::pad_bottom_right<B>(xs.cview(), pr.view(), nn::pad_mode::reflect);
  nn::pad_bottom_right<B>(xs.cview(), psym.view(), nn::pad_mode::symmetric);
  check_against(pr, "pad_reflect.y", 0);
  check_against(psym, "pad_symmetric.y", 0);
  dev<B> crop(shape{1, 2, 5, 7});
  nn::crop<B>(pr.cview(), crop.view());
  CHECK(max_abs_diff(crop.values(), load(ops(), "pad_reflect.x").v) == 0);
  dev<B> n2(shape{1, 2, 10, 14}), n4(shape{1, 2, 20, 28});
  nn::upsample_nearest<B>(xs.cview(), 2, n2.view());
  nn::upsample_nearest<B>(xs.cview(), 4, n4.view());
  check_against(n2, "nearest2.y", 0);
  check_against(n4, "nearest4.y", 0);
  dev<B> cat(shape{1, 6, 8, 12}), res(load(ops(), "pu2.x"));
  nn::concat_channels<B>(xu.cview(), res.cview(), cat.view());
  nn::add_inplace<B>(xu.cview(), res.view());
  std::vector<float> c = cat.values(), x = load(ops(), "pu2.x").v, r = res.values();
  CHECK(std::equal(x.begin(), x.end(), c.begin()));
  CHECK(std::equal(x.begin(), x.end(), c.begin() + long(x.size())));
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(r[i] == x[i] + x[i]);
}

TEST_CASE("nn: the erf approximation of GELU is within 4.7e-7 of std::erf", "[nn]") {
  // 4.68e-7 at most over every float (an exhaustive scan of |x| ≤ 6, activation.hpp); here a
  // grid of 5e-5 and the worst float itself
  double worst = 0;
  for (int i = -200000; i <= 200000; ++i) {
    const float x = float(i) * 5e-5f;
    worst = std::max(worst, std::fabs(double(nn::erf_approx(x)) - std::erf(double(x))));
  }
  for (const float x : {3.26966763f, -3.26966763f})
    worst = std::max(worst, std::fabs(double(nn::erf_approx(x)) - std::erf(double(x))));
  CHECK(worst <= 4.7e-7);
  CHECK(nn::erf_approx(1e30f) == 1.0f);
  CHECK(nn::erf_approx(-1e30f) == -1.0f);
}

TEST_CASE("nn: operators reject mismatched shapes with invalid_input", "[nn]") {
  using B = std_backend;
  nn::workspace<B> ws;
  host x = random_host({1, 4, 5, 5}, 1), w = random_host({6, 3, 3, 3}, 2), y = random_host({1, 6, 5, 5}, 3);
  CHECK_THROWS_AS(nn::conv2d<B>(ws, x.view(), w.view(), y.view()), invalid_input);
  host w5 = random_host({6, 4, 5, 5}, 2);
  CHECK_THROWS_AS(nn::conv2d<B>(ws, x.view(), w5.view(), y.view()), invalid_input);
  host u = random_host({1, 3, 5, 5}, 4);
  CHECK_THROWS_AS(nn::pixel_unshuffle<B>(x.view(), 2, u.view()), invalid_input);
  host q = random_host({1, 9, 4, 4}, 5), t = random_host({2, 1, 1, 1}, 6), o = random_host({1, 3, 4, 4}, 7);
  CHECK_THROWS_AS(nn::channel_attention<B>(ws, q.view(), t.view(), 2, o.view()), invalid_input);
  host p = random_host({1, 4, 9, 9}, 8);
  CHECK_THROWS_AS(nn::pad_bottom_right<B>(u.view(), p.view(), nn::pad_mode::reflect), invalid_input);
}

TEST_CASE("nn: empty tensors and in-place calls are invalid_input", "[nn]") {
  using B = std_backend;
  nn::workspace<B> ws;
  host e{{}, shape{1, 4, 4, 0}}, ey{{}, shape{1, 6, 4, 0}},
      w1 = random_host({6, 4, 1, 1}, 1), w0{{}, shape{0, 4, 1, 1}}, y0{{}, shape{1, 0, 4, 4}},
      x = random_host({1, 4, 4, 4}, 2), dw = random_host({4, 1, 3, 3}, 3),
      dw8 = random_host({8, 1, 3, 3}, 4), x8 = random_host({1, 8, 4, 4}, 5);
  // empty input or output (divided by zero, wrote out of bounds)
  CHECK_THROWS_WITH(nn::conv2d<B>(ws, e.view(), w1.view(), ey.view()), Catch::Contains("empty"));
  CHECK_THROWS_WITH(nn::conv2d<B>(ws, x.view(), w0.view(), y0.view()), Catch::Contains("empty"));
  CHECK_THROWS_WITH(nn::depthwise_conv3x3<B>(e.view(), dw.view(), e.view()),
                    Catch::Contains("empty"));
  host ge{{}, shape{1, 8, 4, 0}}, go{{}, shape{1, 4, 4, 0}};
  CHECK_THROWS_WITH(nn::depthwise_conv3x3_gelu_gate<B>(ws, ge.view(), dw8.view(), go.view()),
                    Catch::Contains("empty"));
  // in place (silently wrong: the operators read rows they have already overwritten)
  host sq = random_host({4, 4, 1, 1}, 6);
  CHECK_THROWS_WITH(nn::conv2d<B>(ws, x.view(), sq.view(), x.view()), Catch::Contains("overlaps"));
  CHECK_THROWS_WITH(nn::depthwise_conv3x3<B>(x.view(), dw.view(), x.view()),
                    Catch::Contains("overlaps"));
  CHECK_THROWS_WITH(nn::depthwise_conv3x3_gelu_gate<B>(
                        ws, x8.view(), dw8.view(), nn::fview{x8.v.data() + 16, shape{1, 4, 4, 4}}),
                    Catch::Contains("overlaps"));
  // (mis-shaped block weights: tests/nn/nn_device_checks.hpp, on std and the device alike)
}

TEST_CASE("nn: the std oracle's LayerNorm is as accurate as the data allows when |mean| >> std",
          "[nn]") {
  // statistics in double: with mean 100 and std 1 over 96 channels the float sums lost 4.6e-5,
  // the inherent error (x itself in float) is ~6e-6
  using B = std_backend;
  const std::size_t C = 96, P = 50;
  host x = random_host({1, C, 1, P}, 21, 98.3f, 101.7f),
       w = random_host({C, 1, 1, 1}, 22, 0.5f, 1.5f), b = random_host({C, 1, 1, 1}, 23),
       y = random_host({1, C, 1, P}, 24);
  nn::layer_norm<B>(x.view(), w.view(), b.view(), y.view());
  double worst = 0;
  for (std::size_t p = 0; p < P; ++p) {
    long double mu = 0, var = 0;
    for (std::size_t c = 0; c < C; ++c) mu += x.v[c * P + p];
    mu /= C;
    for (std::size_t c = 0; c < C; ++c) var += (x.v[c * P + p] - mu) * (x.v[c * P + p] - mu);
    const long double r = 1 / std::sqrt(var / C + 1e-5L);
    for (std::size_t c = 0; c < C; ++c)
      worst = std::max(
          worst, double(std::fabs(y.v[c * P + p] - ((x.v[c * P + p] - mu) * r * w.v[c] + b.v[c]))));
  }
  CHECK(worst < 1e-5);
}

#if defined(_OPENMP)
TEST_CASE("nn: the std backend runs inside the caller's own OpenMP threads", "[nn]") {
  // its scratch is sized for one thread: indexing it by the caller's omp_get_thread_num() wrote
  // past its end (ASan: heap-buffer-overflow); one workspace per thread, results as serial
  using B = std_backend;
  const host x = random_host({1, 5, 9, 11}, 31), w = random_host({7, 5, 3, 3}, 32);
  host serial = random_host({1, 7, 9, 11}, 33);
  {
    nn::workspace<B> ws;
    nn::conv2d<B>(ws, x.view(), w.view(), serial.view());
  }
  std::vector<host> out(4, random_host({1, 7, 9, 11}, 34));
#pragma omp parallel for num_threads(4)
  for (int t = 0; t < 4; ++t) {
    nn::workspace<B> ws;
    nn::conv2d<B>(ws, x.view(), w.view(), out[std::size_t(t)].view());
  }
  for (const auto& o : out) CHECK(o.v == serial.v);
}
#endif

// ---- the optimised backends against the std oracle, on sizes that cross every tile boundary ----

#if defined(DIFFBRIDGE_TEST_EIGEN) || defined(DIFFBRIDGE_TEST_XTENSOR)
#if defined(DIFFBRIDGE_TEST_EIGEN) && defined(DIFFBRIDGE_TEST_XTENSOR)
#define NNTEST_FAST diffbridge::eigen_backend, diffbridge::xtensor_backend
#elif defined(DIFFBRIDGE_TEST_EIGEN)
#define NNTEST_FAST diffbridge::eigen_backend
#else
#define NNTEST_FAST diffbridge::xtensor_backend
#endif

namespace {
/// Runs f<B>() on backend B and on std, returns the max abs difference of the outputs.
template <class B, class F>
double vs_oracle(F&& f) {
  const std::vector<float> a = f(B{}), b = f(std_backend{});
  return max_abs_diff(a, b);
}
}  // namespace

TEMPLATE_TEST_CASE("nn: conv2d and depthwise match the std oracle across tiles", "[nn][oracle]", NNTEST_FAST) {
  using B = TestType;
  for (std::size_t k : {1u, 3u}) {
    for (shape xs : {shape{1, 13, 37, 45}, shape{1, 3, 9, 1}, shape{2, 5, 1, 70}}) {
      const host x = random_host(xs, 11 + k), w = random_host({21, xs.c, k, k}, 12),
                 b = random_host({21, 1, 1, 1}, 13), r = random_host({xs.n, 21, xs.h, xs.w}, 14);
      for (bool acc : {false, true}) {
        const double d = vs_oracle<B>([&](auto be) {
          using BB = decltype(be);
          nn::workspace<BB> ws;
          dev<BB> xd(x), wd(w), bd(b), y(r);
          nn::conv2d<BB>(ws, xd.cview(), wd.cview(), y.view(), {bd.cview(), acc, nn::activation::leaky_relu});
          return y.values();
        });
        INFO("k=" << k << " x=" << nn::shape_str(xs) << " accumulate=" << acc);
        CHECK(d <= 2e-5);
      }
    }
  }
  const host x = random_host({1, 10, 33, 129}, 21), w = random_host({10, 1, 3, 3}, 22);
  CHECK(vs_oracle<B>([&](auto be) {
          using BB = decltype(be);
          nn::workspace<BB> ws;
          dev<BB> xd(x), wd(w), y(x.s), g(shape{1, 5, 33, 129});
          nn::depthwise_conv3x3<BB>(xd.cview(), wd.cview(), y.view());
          nn::depthwise_conv3x3_gelu_gate<BB>(ws, xd.cview(), wd.cview(), g.view());
          auto v = y.values(), gv = g.values();
          v.insert(v.end(), gv.begin(), gv.end());
          return v;
        }) <= 1e-6);
}

TEMPLATE_TEST_CASE("nn: attention and LayerNorm match the std oracle across chunks", "[nn][oracle]", NNTEST_FAST) {
  using B = TestType;
  const host qkv = random_host({1, 24, 70, 71}, 31), t = random_host({4, 1, 1, 1}, 32, 0.5f, 2.0f);
  CHECK(vs_oracle<B>([&](auto be) {
          using BB = decltype(be);
          nn::workspace<BB> ws;
          dev<BB> q(qkv), td(t), o(shape{1, 8, 70, 71});
          nn::channel_attention<BB>(ws, q.cview(), td.cview(), 4, o.view());
          return o.values();
        }) <= 1e-5);
  const host x = random_host({1, 19, 13, 11}, 41, -3, 5), w = random_host({19, 1, 1, 1}, 42),
             b = random_host({19, 1, 1, 1}, 43), k = random_host({1, 38, 1, 1}, 44);
  CHECK(vs_oracle<B>([&](auto be) {
          using BB = decltype(be);
          dev<BB> xd(x), wd(w), bd(b), kd(k), y(x.s);
          nn::layer_norm<BB>(xd.cview(), wd.cview(), bd.cview(), y.view(), nn::channels(kd.cview(), 0, 19),
                             nn::channels(kd.cview(), 19, 19));
          return y.values();
        }) <= 1e-6);
}
#endif

// ---- the fused line-buffer block against the unfused chain, across bands, ring wrap-around and
// thread ranges (W = 300: one row per band; W = 40: 12 rows per band; H = 37 split over threads) ----

TEMPLATE_TEST_CASE("nn: the fused transformer block equals the unfused chain", "[nn][fused]", NNTEST_BACKENDS) {
  using B = TestType;
  const std::size_t C = 16, F = 35;  // int(16 · 2.2)
  std::vector<host> keep;
  auto make = [&](shape s, std::uint64_t seed, float lo = -0.5f, float hi = 0.5f) {
    keep.push_back(random_host(s, seed, lo, hi));
    return keep.back().view();
  };
  keep.reserve(32);
  nn::block_weights w;
  w.norm1_w = make({C, 1, 1, 1}, 1, 0.5f, 1.5f), w.norm1_b = make({C, 1, 1, 1}, 2);
  w.norm2_w = make({C, 1, 1, 1}, 3, 0.5f, 1.5f), w.norm2_b = make({C, 1, 1, 1}, 4);
  w.attn.heads = 2, w.attn.temperature = make({2, 1, 1, 1}, 5, 0.5f, 2.0f), w.attn.kernel = make({2 * C, 256, 1, 1}, 6, -0.06f, 0.06f);
  w.attn.qkv = make({3 * C, C, 1, 1}, 7), w.attn.qkv_bias = make({3 * C, 1, 1, 1}, 8);
  w.attn.qkv_dw = make({3 * C, 1, 3, 3}, 9), w.attn.qkv_dw_bias = make({3 * C, 1, 1, 1}, 10);
  w.attn.proj = make({C, C, 1, 1}, 11), w.attn.proj_bias = make({C, 1, 1, 1}, 12);
  w.ffn.kernel = make({2 * C, 256, 1, 1}, 13, -0.06f, 0.06f), w.ffn.project_in = make({2 * F, C, 1, 1}, 14);
  w.ffn.project_in_bias = make({2 * F, 1, 1, 1}, 15), w.ffn.dwconv = make({2 * F, 1, 3, 3}, 16);
  w.ffn.dwconv_bias = make({2 * F, 1, 1, 1}, 17), w.ffn.project_out = make({C, F, 1, 1}, 18);
  w.ffn.project_out_bias = make({C, 1, 1, 1}, 19);
  const host z = random_host({1, 256, 1, 1}, 20);
  for (shape s : {shape{1, C, 37, 300}, shape{1, C, 37, 40}, shape{1, C, 1, 7}}) {
    const host x = random_host(s, 21, -2, 2);
    nn::workspace<B> ws;
    dev<B> fused(x), ref(x), t(s), zd(z), out(s), ka(shape{1, 2 * C, 1, 1}), kf(shape{1, 2 * C, 1, 1});
    nn::transformer_block<B>(ws, fused.view(), zd.cview(), w);
    // unfused: LN → modulate → MDTA core, residual; LN → modulate → GDFN core, residual
    nn::ipr_kernel<B>(w.attn.kernel, zd.cview(), ka.view());
    nn::ipr_kernel<B>(w.ffn.kernel, zd.cview(), kf.view());
    nn::layer_norm<B>(ref.cview(), w.norm1_w, w.norm1_b, t.view());
    nn::modulate<B>(t.cview(), ka.cview(), t.view());
    nn::mdta_core<B>(ws, t.cview(), w.attn, ref.view(), true);
    nn::layer_norm<B>(ref.cview(), w.norm2_w, w.norm2_b, t.view());
    nn::modulate<B>(t.cview(), kf.cview(), t.view());
    nn::gdfn_core<B>(ws, t.cview(), w.ffn, ref.view(), true);
    INFO("x " << nn::shape_str(s));
    CHECK(max_abs_diff(fused.values(), ref.values()) <= 2e-5);
  }
}
