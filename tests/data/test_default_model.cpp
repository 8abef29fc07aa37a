// The shipped default model (models/default, docs/default-model.md) through the library, against
// its PyTorch original: scripts/default_model/evaluate.py ran the trained PyTorch network on the
// golden degraded crop with z_T = the Philox normals of seed 0 and stored the output.
// Whole network in fp32: max abs error ≤ 1e-4.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/io/image.hpp"
#include "diffbridge/io/npy.hpp"
#include "diffbridge/models/diffir/pipeline.hpp"
#include "diffbridge/nn/gemm_eigen.hpp"

using namespace diffbridge;
namespace dfr = diffbridge::models::diffir;

TEST_CASE("the default model reproduces its PyTorch original", "[data][models]") {
  const std::string model = std::string(DIFFBRIDGE_SOURCE_DIR) + "/models/default/";
  const std::string data = std::string(DIFFBRIDGE_GOLDEN_DIR) + "/data/";
  dfr::config c = dfr::default_config(dfr::variant::deblur);
  std::ifstream cf(model + "config.json");
  REQUIRE(cf);
  dfr::apply_json(c, nlohmann::json::parse(cf));
  const io::safetensors_file f(model + "diffir_s2.safetensors");
  const dfr::stage2<eigen_backend> net(f, dfr::variant::deblur, c);

  const io::image in = io::read_image(data + "degraded_default.png");
  const io::npy_array want = io::read_npy_float(data + "default_model_out.npy");
  const shape s{1, 3, in.height, in.width};
  REQUIRE(want.data.size() == s.numel());
  std::vector<float> z(dfr::ipr_width);
  const philox_normals rng{0, 0};
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = rng(i);
  auto x = eigen_backend::empty<float>(s),
       zt = eigen_backend::empty<float>(shape{1, dfr::ipr_width, 1, 1});
  auto out = eigen_backend::empty<float>(s);
  eigen_backend::copy_from_host<float>(in.data, eigen_backend::as_view(x));
  eigen_backend::copy_from_host<float>(z, eigen_backend::as_view(zt));
  nn::workspace<eigen_backend> ws;
  net.restore(ws, eigen_backend::as_view(x), nn::cview{}, eigen_backend::as_view(zt),
              eigen_backend::as_view(out));
  std::vector<float> got(s.numel());
  eigen_backend::copy_to_host(nn::cview(eigen_backend::as_view(out)), std::span<float>(got));
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::fabs(double(got[i]) - want.data[i]));
  INFO("max |C++ - PyTorch| = " << worst);
  CHECK(worst <= 1e-4);
}
