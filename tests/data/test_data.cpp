// data/degradation.hpp and data/metrics.hpp against their NumPy twins (tests/golden/data, written
// by scripts/golden/make_data_golden.py from scripts/degrade.py).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "diffbridge/data/degradation.hpp"
#include "diffbridge/data/metrics.hpp"
#include "diffbridge/io/image.hpp"
#include "diffbridge/io/npy.hpp"

namespace dd = diffbridge::data;
namespace io = diffbridge::io;

namespace {
const std::string dir = std::string(DIFFBRIDGE_GOLDEN_DIR) + "/data/";

io::image crop() { return io::read_image(dir + "crop.png"); }

double golden(const std::string& key) {
  std::ifstream in(dir + "metrics.json");
  return nlohmann::json::parse(in).at(key).get<double>();
}
}  // namespace

TEST_CASE("degradations equal scripts/degrade.py", "[data]") {
  const io::image x = crop();
  REQUIRE(x.channels == 3);
  for (const char* kind : {"blur", "noise", "default"}) {
    const auto v = dd::degrade(x.data, 3, x.height, x.width, dd::parse_degradation(kind), 7);
    const io::npy_array want = io::read_npy_float(dir + "degraded_" + kind + ".npy");
    REQUIRE(want.data.size() == v.size());
    double worst = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
      worst = std::max(worst, std::fabs(double(float(v[i])) - double(want.data[i])));
    INFO(kind << ": max |C++ - NumPy| = " << worst);
    if (std::string(kind) == "blur") {
      // the same double operations in the same order: bit-identical
      CHECK(worst == 0);
    } else {
      // the normals agree to 5 float32 ulp (|z| <= 5.77: 5 ulp = 2.4e-6), times sigma = 0.098,
      // plus one float32 rounding of the stored value (6e-8)
      CHECK(worst <= 3e-7);
    }
  }
}

TEST_CASE("the quantised PNG matches the NumPy quantisation", "[data]") {
  const io::image x = crop();
  const auto v = dd::degrade(x.data, 3, x.height, x.width, dd::degradation::default_kind, 7);
  const io::image want = io::read_image(dir + "degraded_default.png");
  REQUIRE(want.data.size() == v.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float q = std::nearbyint(std::clamp(float(v[i]), 0.0f, 1.0f) * 255.0f);
    const float w = std::nearbyint(want.data[i] * 255.0f);
    CHECK(std::fabs(q - w) <= 1);  // a 3e-7 difference can cross a rounding boundary...
    differ += q != w;
  }
  CHECK(differ <= 2);  // ...at about 1e-4 of the pixels
}

TEST_CASE("noise is the Philox stream at the CHW index; kinds compose", "[data]") {
  const io::image x = crop();
  const auto b = dd::degrade(x.data, 3, x.height, x.width, dd::degradation::blur, 7);
  const auto d = dd::degrade(x.data, 3, x.height, x.width, dd::degradation::default_kind, 7);
  const diffbridge::philox_normals z{7, 0};
  for (std::size_t i : {std::size_t(0), std::size_t(1001), b.size() - 1}) {
    const double want = std::clamp(b[i] + dd::degradation_sigma * double(z(i)), 0.0, 1.0);
    CHECK(d[i] == want);
  }
  const auto other = dd::degrade(x.data, 3, x.height, x.width, dd::degradation::default_kind, 8);
  CHECK(other != d);
}

TEST_CASE("PSNR and SSIM equal the NumPy reference", "[data]") {
  const io::image a = crop(), b = io::read_image(dir + "degraded_default.png");
  const double p = dd::psnr(a.data, b.data, 3, a.height, a.width);
  const double s = dd::ssim(a.data, b.data, 3, a.height, a.width);
  CHECK(p == Approx(golden("psnr_crop_vs_degraded_default")).epsilon(1e-10));
  CHECK(s == Approx(golden("ssim_crop_vs_degraded_default")).epsilon(1e-10));
  CHECK(dd::psnr(a.data, a.data, 3, a.height, a.width) == std::numeric_limits<double>::infinity());
  CHECK(dd::ssim(a.data, a.data, 3, a.height, a.width) == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("bad input to degrade and the metrics is a typed error", "[data]") {
  std::vector<float> two(3 * 2 * 5, 0.5f), small(3 * 10 * 10, 0.5f);
  CHECK_THROWS_AS(dd::degrade(two, 3, 2, 5, dd::degradation::blur, 0), diffbridge::invalid_input);
  CHECK_THROWS_WITH(dd::degrade(two, 3, 3, 5, dd::degradation::blur, 0),
                    "degrade: 30 values do not make a 3x3x5 image");
  CHECK_THROWS_AS(dd::degrade(two, 0, 2, 5, dd::degradation::blur, 0), diffbridge::invalid_input);
  CHECK_THROWS_AS(dd::parse_degradation("gauss"), diffbridge::invalid_parameter);
  CHECK_THROWS_AS(dd::ssim(small, small, 3, 10, 10), diffbridge::invalid_input);
  CHECK_THROWS_AS(dd::psnr(small, two, 3, 10, 10), diffbridge::invalid_input);
}
