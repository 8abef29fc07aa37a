// DiffIR networks against the PyTorch reference (tests/golden/diffir, written by
// scripts/golden/diffir_reference.py): the key layout of every variant, Stage-2 pipelines of
// tiny configs of each variant (padding and cropping included), the full-width deblur network
// stage by stage at 16×16, Stage 1, the loader's error reports and its pack of the blocks'
// modulation weights, and the IPR diffusion's schedule.
// Whole networks: max abs error ≤ 1e-4 (fp32).
#include <catch2/catch.hpp>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "models_test_util.hpp"

using namespace diffbridge;
using namespace diffbridge::models::diffir;
using namespace nntest;

using namespace modeltest;

TEST_CASE("models: the key layout of every variant and stage is the PyTorch state_dict's",
          "[models]") {
  for (std::string n : {"deblur_tiny", "sr4_tiny", "sr2_tiny", "sr1_tiny", "inpaint_tiny",
                        "deblur_s1_tiny", "sr2_s1_tiny", "deblur_full16"}) {
    const fixture fx(n);
    const stage s = fx.m["stage"] == 1 ? stage::s1 : stage::s2;
    std::set<std::pair<std::string, std::vector<std::size_t>>> want, got;
    for (const auto& k : fx.m["keys"])
      if (k[0].get<std::string>().rfind("diffusion.", 0) != 0)
        want.insert({k[0].get<std::string>(), k[1].get<std::vector<std::size_t>>()});
    for (const auto& k : network_layout(fx.v, fx.c, s)) got.insert({k.name, k.dims});
    INFO(n);
    CHECK(got == want);
    CHECK(got.size() == network_layout(fx.v, fx.c, s).size());  // no duplicates
  }
  // spec §5.1 key counts of the released configs (588, 615, 289 with duplicates and buffers)
  const auto total = [](variant v) {  // + the 12 buffers and the diffusion.* duplicates
    const layout l = network_layout(v, default_config(v), stage::s2);
    const auto dup = std::count_if(l.begin(), l.end(),
                                   [](const key_spec& k) { return k.name.rfind("G.", 0) != 0; });
    return l.size() + 12 + std::size_t(dup);
  };
  CHECK(total(variant::deblur) == 588);
  CHECK(total(variant::sr4) == 615);
  CHECK(total(variant::inpaint) == 289);
  CHECK(network_layout(variant::deblur, default_config(variant::deblur), stage::s1).size() == 536);
}

TEMPLATE_TEST_CASE("models: Stage-2 pipelines of every variant match PyTorch (tiny configs)",
                   "[models]", NNTEST_BACKENDS) {
  for (std::string n : {"deblur_tiny", "sr4_tiny", "sr2_tiny", "sr1_tiny", "inpaint_tiny"})
    check_stage2<TestType>(n);
}

#if defined(DIFFBRIDGE_TEST_EIGEN) || defined(DIFFBRIDGE_TEST_XTENSOR)
#if defined(DIFFBRIDGE_TEST_EIGEN) && defined(DIFFBRIDGE_TEST_XTENSOR)
#define MODELS_FAST diffbridge::eigen_backend, diffbridge::xtensor_backend
#elif defined(DIFFBRIDGE_TEST_EIGEN)
#define MODELS_FAST diffbridge::eigen_backend
#else
#define MODELS_FAST diffbridge::xtensor_backend
#endif
TEMPLATE_TEST_CASE("models: the full-width deblur S2 matches PyTorch stage by stage at 16x16",
                   "[models]", MODELS_FAST) {
  check_stage2<TestType>("deblur_full16");
}
#endif

TEMPLATE_TEST_CASE("models: Stage 1 matches PyTorch (deblur, SR x2)", "[models]", NNTEST_BACKENDS) {
  for (std::string n : {"deblur_s1_tiny", "sr2_s1_tiny"}) check_stage1<TestType>(n);
}

TEST_CASE("models: the loader reports missing, unexpected and mis-shaped keys by count and name",
          "[models]") {
  using B = std_backend;
  const fixture fx("deblur_tiny");
  auto message = [&](auto edit) -> std::string {
    const temp_file w = write_weights(fx, edit);
    const io::safetensors_file f(w.p);
    try {
      stage2<B> net(f, fx.v, fx.c);
    } catch (const invalid_input& e) {
      return e.what();
    }
    return "";
  };
  const std::string m1 = message([](auto& t) {
    t.erase("G.output.weight");
    t.erase("denoise.resmlp.0.bias");
    t["G.extra.weight"] = {{2}, {1, 2}};
    t["G.patch_embed.proj.weight"].shape = {8, 3, 9};
  });
  CHECK(m1.find("missing 2 (G.output.weight, denoise.resmlp.0.bias)") != std::string::npos);
  CHECK(m1.find("unexpected 1 (G.extra.weight)") != std::string::npos);
  CHECK(m1.find("mis-shaped 1 (G.patch_embed.proj.weight [8,3,9] expected [8,3,3,3])") !=
        std::string::npos);
  CHECK(m1.find('\n') == std::string::npos);
  // many: the count and the first 8 names, in file order; names from the file made printable
  const std::string m4 = message([](auto& t) {
    t["A.x\ny\x1b"] = {{1}, {0.0f}};
    for (int i = 0; i < 20; ++i) t["G.extra." + std::to_string(100 + i)] = {{1}, {0.0f}};
  });
  INFO(m4);
  CHECK(m4.find("unexpected 21 (A.x?y?, G.extra.100, G.extra.101, G.extra.102, G.extra.103, "
                "G.extra.104, G.extra.105, G.extra.106, ... and 13 more)") != std::string::npos);
  CHECK(std::all_of(m4.begin(), m4.end(), [](char c) { return c >= 0x20 && c < 0x7F; }));
  // the duplicates and the buffers are optional; buffers that disagree with the config are errors
  CHECK(message([](auto& t) {
          std::erase_if(t, [](const auto& kv) { return kv.first.rfind("diffusion.", 0) == 0; });
        }) == "");
  const std::string m2 =
      message([](auto& t) { t["diffusion.posterior_mean_coef1"].data[2] += 1e-3f; });
  CHECK(m2.find("diffusion.posterior_mean_coef1[2]") != std::string::npos);
  const std::string m3 =
      message([](auto& t) { t["G.latent.0.attn.qkv.weight"].data[5] = std::nanf(""); });
  CHECK(m3.find("non-finite") != std::string::npos);
  // weights of another model
  const fixture sr("sr4_tiny");
  const temp_file w = write_weights(sr);
  const io::safetensors_file f(w.p);
  CHECK_THROWS_WITH((stage2<B>(f, fx.v, fx.c)),
                    Catch::Contains("not the weights of DiffIR S2 deblur") &&
                        Catch::Contains("missing") && Catch::Contains("unexpected"));
}

TEST_CASE("models: the blocks' modulation weights are loaded into one pack, in layout order",
          "[models]") {
  using B = std_backend;
  const fixture fx("deblur_tiny");
  const temp_file w = write_weights(fx);
  const io::safetensors_file f(w.p);
  const layout l = network_layout(fx.v, fx.c, stage::s2);
  const ipr_ddpm d(fx.c.timesteps, fx.c.linear_start, fx.c.linear_end);
  const weight_set<B> ws = load_weights<B>(f, l, &d, "deblur");
  const nn::cview pack = ws.pack();
  REQUIRE(pack.raw() != nullptr);
  CHECK(pack.dims.c == ipr_width);
  std::size_t rows = 0, kernels = 0;
  for (const auto& k : l) {
    if (!is_ipr_kernel(k.name)) continue;
    const nn::cview v = ws.get(k.name);
    INFO(k.name);
    CHECK(v.raw() == pack.raw() + rows * ipr_width);  // back to back, in layout order
    CHECK(v.dims == models::diffir::to_shape(k.dims));
    const std::vector<float> want = f.to_float(k.name);
    CHECK(std::equal(want.begin(), want.end(), v.raw()));
    rows += k.dims[0], ++kernels;
  }
  CHECK(kernels == 2 * (2 * (fx.c.num_blocks[0] + fx.c.num_blocks[1] + fx.c.num_blocks[2]) +
                        fx.c.num_blocks[3] + fx.c.num_refinement_blocks));
  CHECK(pack.dims.n == rows);
  CHECK(ws.size() == l.size());
}

TEST_CASE("models: the IPR diffusion is the library's DDPM on the DiffIR schedule (spec §6)",
          "[models]") {
  const ipr_ddpm d(4, 0.1, 0.99);
  const double beta[] = {0.1, 0.29428563, 0.59095228, 0.99};
  const double coef1[] = {1.0, 0.76518691, 0.63626975, 0.50592679};
  const double coef2[] = {0.0, 0.2302458, 0.31525564, 0.074212432};
  const auto buf = d.buffers();
  for (long t = 0; t < 4; ++t) {
    const auto s = d.step(t, t - 1);
    CHECK(d.betas()[std::size_t(t)] == Approx(beta[t]).epsilon(1e-7));
    CHECK(s.c_x0 == Approx(coef1[t]).epsilon(1e-7));
    CHECK(s.c_xt == Approx(coef2[t]).epsilon(1e-6).margin(1e-12));
    CHECK(s.c_y == 0.0);
    CHECK(s.c_x0 == Approx(buf.at("posterior_mean_coef1")[std::size_t(t)]).epsilon(1e-12));
    CHECK(s.c_xt ==
          Approx(buf.at("posterior_mean_coef2")[std::size_t(t)]).epsilon(1e-12).margin(1e-15));
  }
  CHECK(buf.at("alphas_cumprod")[3] == Approx(0.0025980377).epsilon(1e-7));
  CHECK(buf.at("posterior_variance")[1] == Approx(0.080657788).epsilon(1e-7));
}

TEST_CASE("models: JSON configs use the official keys and are validated", "[models]") {
  config c = default_config(variant::sr4);
  CHECK(c.dim == 64);
  CHECK(c.layer_norm == norm_type::bias_free);
  apply_json(c, nlohmann::json::parse(
                    R"({"dim": 16, "num_blocks": [1, 1, 1, 1], "LayerNorm_type": "WithBias",
                                          "timesteps": 3, "linear_end": 0.5, "bias": true})"));
  CHECK(c.dim == 16);
  CHECK(c.timesteps == 3);
  CHECK(c.bias);
  CHECK_THROWS_AS(apply_json(c, nlohmann::json::parse(R"({"dims": 16})")), invalid_parameter);
  CHECK_THROWS_AS(apply_json(c, nlohmann::json::parse(R"({"dim": "16"})")), invalid_parameter);
  CHECK_THROWS_AS(apply_json(c, nlohmann::json::parse(R"({"heads": [1, 3, 4, 8]})")),
                  invalid_parameter);
  CHECK_THROWS_AS(apply_json(c, nlohmann::json::parse(R"({"linear_end": 1.5})")),
                  invalid_parameter);
  // a width whose levels (8·dim) or hidden widths would overflow: refused by name, before use
  for (const char* huge : {R"({"dim": 1152921504606846976})", R"({"dim": 9223372036854775806})"})
    CHECK_THROWS_WITH(apply_json(c, nlohmann::json::parse(huge)), Catch::Contains("dim"));
  CHECK_THROWS_AS(parse_variant("sr3"), invalid_parameter);
  // the other keys of an official network_g block (RealSR ×2) and of the inpainting generator
  config sr = default_config(variant::sr2);
  const auto realsr_x2 = nlohmann::json::parse(
      R"({"type": "DiffIRS2", "n_encoder_res": 9, "inp_channels": 3, "out_channels": 3,
          "scale": 2, "dim": 64, "num_blocks": [13, 1, 1, 1], "num_refinement_blocks": 13,
          "heads": [1, 2, 4, 8], "ffn_expansion_factor": 2.2, "bias": false,
          "LayerNorm_type": "BiasFree", "n_denoise_res": 1, "linear_start": 0.1,
          "linear_end": 0.99, "timesteps": 4})");
  apply_json(sr, realsr_x2, variant::sr2);
  CHECK(sr.dim == 64);
  CHECK_THROWS_WITH(apply_json(sr, realsr_x2, variant::sr4),
                    Catch::Contains("scale = 2 does not match the model sr4"));
  config inp = default_config(variant::inpaint);
  apply_json(inp, nlohmann::json::parse(R"({"kind": "DiffIRS2", "dual_pixel_task": false})"));
  CHECK_THROWS_AS(apply_json(inp, nlohmann::json::parse(R"({"kind": "DiffIRS1"})")),
                  invalid_parameter);
  CHECK_THROWS_AS(apply_json(inp, nlohmann::json::parse(R"({"dual_pixel_task": true})")),
                  invalid_parameter);
}

TEST_CASE("models: a level without blocks is refused when the config is validated", "[models]") {
  config c = default_config(variant::deblur);
  c.num_blocks = {0, 0, 0, 0}, c.num_refinement_blocks = 0;
  CHECK_THROWS_WITH(validate(c), Catch::Contains("num_blocks"));
}

TEST_CASE("models: network() on images of two sizes in turn allocates nothing after each's first",
          "[models]") {
  // the workspace knows a model's pass by its input's shape: network() starts with the IPR
  // vector, the same for every size, which made alternating sizes replay the wrong record
  using B = std_backend;
  const fixture fx("deblur_tiny");
  const temp_file w = write_weights(fx);
  const io::safetensors_file f(w.p);
  const stage2<B> net(f, fx.v, fx.c);
  nn::workspace<B> ws;
  const host z = fx.get("z");
  auto run = [&](std::size_t s) {
    const host g = random_host({1, 3, s, s}, 40 + s, 0.0f, 1.0f);
    host out = random_host({1, 3, s, s}, 50 + s);
    net.network(ws, g.view(), z.view(), out.view());
  };
  run(24), run(16);
  const std::size_t n = ws.allocations();
  for (int i = 0; i < 3; ++i) run(24), run(16);
  CHECK(ws.allocations() == n);
}
