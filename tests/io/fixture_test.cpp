// Interop: files written by numpy and by the Python safetensors package
// (tests/io/data/make_fixtures.py, committed; Python is not needed to test).
#include <diffbridge/io/npy.hpp>
#include <diffbridge/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace diffbridge;
using Catch::Matchers::Contains;

namespace {
std::string data(const std::string& name) { return std::string(DIFFBRIDGE_IO_DATA_DIR) + "/" + name; }

std::vector<float> expected_a() {
  std::vector<float> v(12);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.5f * static_cast<float>(i) - 1.f;
  return v;
}
}  // namespace

TEST_CASE("fixtures: numpy-written .npy files (format 1.0, 2.0, 3.0, f8)", "[io][npy]") {
  for (const char* name : {"numpy_f4.npy", "numpy_f4_v2.npy", "numpy_f4_v3.npy"}) {
    INFO(name);
    const auto a = io::read_npy_float(data(name), true);
    CHECK(a.shape == std::vector<std::size_t>{1, 3, 2, 2});
    CHECK(a.data == expected_a());
    CHECK_NOTHROW(io::require_nchw(a, name));
  }
  const auto d = io::read_npy_float(data("numpy_f8.npy"));
  CHECK(d.shape == std::vector<std::size_t>{2, 2});
  CHECK(d.data == std::vector<float>{0.1f, -2.5f, 1e30f, 3.f});
}

TEST_CASE("fixtures: numpy-written files with unsupported layouts are rejected", "[io][npy]") {
  CHECK_THROWS_WITH(io::read_npy_float(data("numpy_be.npy")), Contains("numpy_be.npy") && Contains("big-endian"));
  CHECK_THROWS_WITH(io::read_npy_float(data("numpy_fortran.npy")), Contains("fortran_order True"));
  CHECK_THROWS_WITH(io::read_npy_float(data("numpy_i4.npy")), Contains("unsupported dtype '<i4'"));
}

TEST_CASE("fixtures: safetensors written by the reference package", "[io][safetensors]") {
  io::safetensors_file f(data("reference.safetensors"));
  CHECK(f.names() == std::vector<std::string>{"w64", "w32", "w16"});
  CHECK(f.metadata().at("format") == "np");
  CHECK(f.info("w32").shape == std::vector<std::size_t>{3, 4});
  CHECK(f.to_float("w32") == expected_a());
  CHECK(f.info("w16").dtype == io::st_dtype::f16);
  CHECK(f.to_float("w16") == std::vector<float>{1.f, -2.f, 65504.f, 6.103515625e-05f, 5.9604644775390625e-08f});
  CHECK(f.to_float("w64") == std::vector<float>{0.25f, -1e-3f});
}
