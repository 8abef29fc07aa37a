// The network operators on the Thrust backend's host device system (OMP, or CPP), i.e. the
// device paths of nn/device/ that a CUDA build runs as kernels, against the std oracle
// (nn_device_checks.hpp states the tolerances) and the PyTorch fixtures of the block.
#include <catch2/catch.hpp>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#include "nn_device_checks.hpp"

using namespace diffbridge;
using D = diffbridge::thrust_backend;

static_assert(nn::device_backend<D>);
static_assert(!nn::device_backend<std_backend>);

TEST_CASE("nn thrust: conv2d 1x1 / 3x3 (bias, accumulate, LeakyReLU, row slabs) = std oracle",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_conv<D>();
}

TEST_CASE("nn thrust: depthwise, GELU gate, LayerNorm, modulation, activations, mean, Linear",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_elementwise<D>();
}

TEST_CASE("nn thrust: LayerNorm + modulation across tiles and channel counts = std oracle",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_layer_norm_tiles<D>();
}

TEST_CASE("nn thrust: shuffles, padding, crop, upsampling, concat, copy, add are exact",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_movement<D>();
}

TEST_CASE("nn thrust: channel attention (1 and 4 heads, > 4096 pixels) = std oracle",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_attention<D>();
}

TEST_CASE("nn thrust: transformer block, MDTA, GDFN = std oracle; a second pass allocates nothing",
          "[nn][thrust]") {
  nn::device_context<D> ctx;
  nndev::check_block<D>();
}

TEST_CASE("nn thrust: operators reject mismatched shapes with invalid_input", "[nn][thrust]") {
  nndev::check_errors<D>();
}

TEST_CASE("nn thrust: the transformer block matches PyTorch (ops.safetensors)", "[nn][thrust]") {
  const io::safetensors_file f(std::string(DIFFBRIDGE_GOLDEN_DIR) + "/diffir/ops.safetensors");
  std::vector<nntest::dev<D>> keep;
  keep.reserve(32);
  auto get = [&](const std::string& n) {
    keep.emplace_back(nntest::load(f, n));
    return keep.back().cview();
  };
  nn::block_weights w;
  w.norm1_w = get("block.norm1.body.weight"), w.norm1_b = get("block.norm1.body.bias");
  w.norm2_w = get("block.norm2.body.weight"), w.norm2_b = get("block.norm2.body.bias");
  w.attn.heads = 2, w.attn.temperature = get("block.attn.temperature");
  w.attn.kernel = get("block.attn.kernel.0.weight"), w.attn.qkv = get("block.attn.qkv.weight");
  w.attn.qkv_dw = get("block.attn.qkv_dwconv.weight");
  w.attn.proj = get("block.attn.project_out.weight");
  w.ffn.kernel = get("block.ffn.kernel.0.weight"),
  w.ffn.project_in = get("block.ffn.project_in.weight");
  w.ffn.dwconv = get("block.ffn.dwconv.weight"),
  w.ffn.project_out = get("block.ffn.project_out.weight");
  nn::device_context<D> ctx;
  nn::workspace<D> ws;
  nntest::dev<D> x(nntest::load(f, "block.x")), z(nntest::load(f, "mdta.z"));
  nn::transformer_block<D>(ws, x.view(), z.cview(), w);
  CHECK(nntest::max_abs_diff(x.values(), nntest::load(f, "block.y").v) <= 2e-5);
}
