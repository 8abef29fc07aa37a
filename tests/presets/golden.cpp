// Every preset against the golden data of tests/golden, made by scripts/golden/make_golden.py
// from independent float64 ports of each original's official code. Tolerance: 1e-9
// relative (golden::relative_error: floor 1e-6, so exact zeros compare at 1e-15 absolute).
#include <catch2/catch.hpp>

#include <algorithm>

#include "diffbridge/bridge/presets.hpp"
#include "golden_file.hpp"

using namespace diffbridge;

namespace {
any_preset preset_of(const golden::table& g) {
  parameter_set ps;
  for (const auto& kv : g.sets) ps.set(kv);
  return make_preset(g.bridge, ps);
}
constexpr double tol = 1e-9;
}  // namespace

TEST_CASE("marginal coefficients equal the originals", "[golden]") {
  const auto tables = golden::read_all(DIFFBRIDGE_GOLDEN_DIR, ".coeffs.csv");
  REQUIRE(tables.size() >= 20);
  for (const auto& g : tables) {
    INFO(g.path.filename().string());
    const auto p = preset_of(g);
    REQUIRE(g.rows.size() > 0);
    for (const auto& r : g.rows) {
      INFO("t = " << r[0]);
      const auto c = p.coeffs(r[0]);
      CHECK(golden::relative_error(c.c_x0, r[1]) <= tol);
      CHECK(golden::relative_error(c.c_y, r[2]) <= tol);
      CHECK(golden::relative_error(c.std, r[3]) <= tol);
    }
  }
}

TEST_CASE("sampler steps equal the originals", "[golden]") {
  const auto tables = golden::read_all(DIFFBRIDGE_GOLDEN_DIR, ".step.csv");
  REQUIRE(tables.size() >= 15);
  for (const auto& g : tables) {
    INFO(g.path.filename().string());
    const auto p = preset_of(g);
    for (const auto& r : g.rows) {
      INFO("from " << r[0] << " to " << r[1] << " eta " << r[2]);
      const auto s = p.step(r[0], r[1], r[2], g.sampler);
      CHECK(golden::relative_error(s.c_xt, r[3]) <= tol);
      CHECK(golden::relative_error(s.c_x0, r[4]) <= tol);
      CHECK(golden::relative_error(s.c_y, r[5]) <= tol);
      CHECK(golden::relative_error(s.c_z, r[6]) <= tol);
    }
  }
}

TEST_CASE("BBDM's default grid is the official skip grid of the golden table", "[golden][grid]") {
  // bbdm.step.csv walks the official 200-entry grid (torch float32 arange, .long()) at each η:
  // its first 200 rows are the pairs (steps[i], steps[i + 1]), the last one from 0 to x̂0.
  const auto tables = golden::read_all(DIFFBRIDGE_GOLDEN_DIR, ".step.csv");
  const auto it = std::find_if(tables.begin(), tables.end(), [](const golden::table& g) {
    return g.path.filename() == "bbdm.step.csv";
  });
  REQUIRE(it != tables.end());
  REQUIRE(it->rows.size() >= 200);
  std::vector<double> official;
  for (std::size_t i = 0; i < 200; ++i) {
    if (i > 0) REQUIRE(it->rows[i][0] == it->rows[i - 1][1]);  // a chain
    official.push_back(it->rows[i][0]);
  }
  official.push_back(it->rows[199][1]);
  const auto g = presets::bbdm().default_grid(200);
  CHECK(g == official);  // includes 222 and 111, where double arithmetic gives 221 and 110
}
