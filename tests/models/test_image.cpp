// io/image.hpp: PNG (8- and 16-bit, grey, RGB, RGBA) and JPEG reading, quantised atomic writing.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stb/stb_image_write.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "diffbridge/io/image.hpp"

extern "C" unsigned char* stbi_zlib_compress(unsigned char* data, int data_len, int* out_len, int quality);

using namespace diffbridge;

namespace {

std::filesystem::path tmp(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("diffbridge_image_" + std::to_string(::getpid()) + "_" + name);
}

std::uint32_t crc32(const unsigned char* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void chunk(std::vector<unsigned char>& out, const char* type, const std::vector<unsigned char>& data) {
  const std::uint32_t n = std::uint32_t(data.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(n >> s));
  std::vector<unsigned char> td(type, type + 4);
  td.insert(td.end(), data.begin(), data.end());
  out.insert(out.end(), td.begin(), td.end());
  const std::uint32_t c = crc32(td.data(), td.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(c >> s));
}

/// A 16-bit greyscale PNG (stb_image_write only writes 8 bits).
void write_grey16(const std::filesystem::path& p, std::size_t w, std::size_t h, const std::vector<std::uint16_t>& v) {
  std::vector<unsigned char> raw;
  for (std::size_t y = 0; y < h; ++y) {
    raw.push_back(0);  // filter: none
    for (std::size_t x = 0; x < w; ++x) raw.push_back(v[y * w + x] >> 8), raw.push_back(v[y * w + x] & 0xFF);
  }
  int zlen = 0;
  unsigned char* z = stbi_zlib_compress(raw.data(), int(raw.size()), &zlen, 8);
  std::vector<unsigned char> f{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  std::vector<unsigned char> ihdr{0, 0, 0, static_cast<unsigned char>(w), 0, 0, 0, static_cast<unsigned char>(h), 16, 0, 0, 0, 0};
  chunk(f, "IHDR", ihdr);
  chunk(f, "IDAT", std::vector<unsigned char>(z, z + zlen));
  std::free(z);
  chunk(f, "IEND", {});
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size()));
}

}  // namespace

TEST_CASE("image: 16-bit greyscale PNG reads as RGB and as a mask", "[image]") {
  const auto p = tmp("g16.png");
  const std::vector<std::uint16_t> v{0, 65535, 32768, 1000, 50000, 12345};
  write_grey16(p, 3, 2, v);
  const io::image im = io::read_image(p);
  REQUIRE(im.channels == 3);
  REQUIRE(im.width == 3);
  REQUIRE(im.height == 2);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < 6; ++i) CHECK(im.data[c * 6 + i] == float(v[i]) / 65535.0f);
  const io::image m = io::read_mask(p);
  REQUIRE(m.channels == 1);
  CHECK(m.data[1] == 1.0f);
  std::filesystem::remove(p);
}

TEST_CASE("image: RGBA is taken when opaque and refused when transparent", "[image]") {
  const auto p = tmp("rgba.png");
  std::vector<unsigned char> px{10, 20, 30, 255, 40, 50, 60, 255};
  REQUIRE(stbi_write_png(p.c_str(), 2, 1, 4, px.data(), 8));
  const io::image im = io::read_image(p);
  CHECK(im.channels == 3);
  CHECK(im.data[0] == 10.0f / 255.0f);
  CHECK(im.data[2 + 1] == 50.0f / 255.0f);
  px[7] = 128;
  REQUIRE(stbi_write_png(p.c_str(), 2, 1, 4, px.data(), 8));
  CHECK_THROWS_WITH(io::read_image(p), Catch::Contains("transparent"));
  std::filesystem::remove(p);
}

TEST_CASE("image: RGB masks are PIL's integer luma", "[image]") {
  const auto p = tmp("mask.png");
  std::vector<unsigned char> px{1, 0, 0, 2, 0, 0, 255, 255, 255, 10, 200, 30};
  REQUIRE(stbi_write_png(p.c_str(), 4, 1, 3, px.data(), 12));
  const io::image m = io::read_mask(p);
  CHECK(m.data[0] == 0.0f);  // (19595 + 32768) >> 16 = 0, as PIL's 'L'
  CHECK(m.data[1] == 1.0f / 255.0f);
  CHECK(m.data[2] == 1.0f);
  CHECK(m.data[3] == float((10 * 19595 + 200 * 38470 + 30 * 7471 + 32768) >> 16) / 255.0f);
  std::filesystem::remove(p);
}

TEST_CASE("image: writing quantises, rounds or truncates, and is atomic", "[image]") {
  const auto p = tmp("out.png");
  io::image im{3, 1, 2, {0.5f, 1.7f, 0.999f, 0.0f, -0.2f, 0.30f}};
  io::write_image(p, im);
  io::image r = io::read_image(p);
  CHECK(r.data[0] == 128.0f / 255.0f);  // 127.5 rounds half to even: 128
  CHECK(r.data[1] == 1.0f);             // clamped
  CHECK(r.data[2] == 255.0f / 255.0f);  // 254.745 rounds to 255
  CHECK(r.data[4] == 0.0f);
  io::write_image(p, im, io::quantisation::truncate);
  r = io::read_image(p);
  CHECK(r.data[0] == 127.0f / 255.0f);
  CHECK(r.data[2] == 254.0f / 255.0f);
  CHECK(r.data[5] == 76.0f / 255.0f);  // 76.5 truncates to 76
  const auto j = tmp("out.jpg");
  io::write_image(j, im);
  CHECK(io::read_image(j).width == 2);
  CHECK_THROWS_AS(io::write_image(tmp("out.bmp"), im), invalid_input);
  im.data[3] = std::nanf("");
  const auto q = tmp("nan.png");
  CHECK_THROWS_AS(io::write_image(q, im), invalid_input);
  CHECK(!std::filesystem::exists(q));
  CHECK(!std::filesystem::exists(q.string() + ".tmp"));
  CHECK_THROWS_AS(io::write_image("/nonexistent-dir/x.png", io::image{1, 1, 1, {0.5f}}), invalid_input);
  std::filesystem::remove(p), std::filesystem::remove(j);
}

TEST_CASE("image: files that are not PNG or JPEG are refused", "[image]") {
  const auto p = tmp("text.png");
  std::ofstream(p) << "not an image";
  CHECK_THROWS_WITH(io::read_image(p), Catch::Contains("not a PNG or JPEG"));
  std::ofstream(p, std::ios::binary).write("\x89PNG\r\n\x1a\n\0\0", 10);
  CHECK_THROWS_AS(io::read_image(p), invalid_input);
  std::filesystem::remove(p);
  CHECK_THROWS_WITH(io::read_image(tmp("missing.png")), Catch::Contains("cannot open"));
}
