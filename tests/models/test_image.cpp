// io/image.hpp: PNG (8- and 16-bit, grey, RGB, RGBA) and JPEG reading, quantised atomic writing,
// one-line errors for undecodable files and the size cap, the checks made before stb decodes
// (JPEG Huffman tables, JPEG scan data cut short, PNG chunk lengths, detail/image_checks.hpp);
// and restore's check of the image size.
#include <catch2/catch.hpp>

#include <stb/stb_image_write.h>
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "diffbridge/io/image.hpp"
#include "models_test_util.hpp"

extern "C" unsigned char* stbi_zlib_compress(unsigned char* data, int data_len, int* out_len,
                                             int quality);

using namespace diffbridge;
using namespace modeltest;

namespace {

std::filesystem::path tmp(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("diffbridge_image_" + std::to_string(::getpid()) + "_" + name);
}

std::uint32_t crc32(const unsigned char* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void chunk(std::vector<unsigned char>& out, const char* type,
           const std::vector<unsigned char>& data) {
  const std::uint32_t n = std::uint32_t(data.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(n >> s));
  std::vector<unsigned char> td(type, type + 4);
  td.insert(td.end(), data.begin(), data.end());
  out.insert(out.end(), td.begin(), td.end());
  const std::uint32_t c = crc32(td.data(), td.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(c >> s));
}

/// A 16-bit greyscale PNG (stb_image_write only writes 8 bits).
void write_grey16(const std::filesystem::path& p, std::size_t w, std::size_t h,
                  const std::vector<std::uint16_t>& v) {
  std::vector<unsigned char> raw;
  for (std::size_t y = 0; y < h; ++y) {
    raw.push_back(0);  // filter: none
    for (std::size_t x = 0; x < w; ++x)
      raw.push_back(v[y * w + x] >> 8), raw.push_back(v[y * w + x] & 0xFF);
  }
  int zlen = 0;
  unsigned char* z = stbi_zlib_compress(raw.data(), int(raw.size()), &zlen, 8);
  std::vector<unsigned char> f{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  std::vector<unsigned char> ihdr{
      0, 0, 0, static_cast<unsigned char>(w), 0, 0, 0, static_cast<unsigned char>(h), 16, 0,
      0, 0, 0};
  chunk(f, "IHDR", ihdr);
  chunk(f, "IDAT", std::vector<unsigned char>(z, z + zlen));
  std::free(z);
  chunk(f, "IEND", {});
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size()));
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
  CHECK_THROWS_AS(io::write_image("/nonexistent-dir/x.png", io::image{1, 1, 1, {0.5f}}),
                  invalid_input);
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

namespace {

/// A PNG of the given header (8-bit RGB unless said otherwise) whose chunks after IHDR are
/// `chunks` (type, data); by default one IDAT of w×h black pixels and IEND.
std::vector<unsigned char> png_bytes(
    std::uint32_t w, std::uint32_t h,
    std::vector<std::pair<std::string, std::vector<unsigned char>>> chunks = {},
    unsigned char depth = 8, unsigned char ctype = 2) {
  std::vector<unsigned char> f{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, ihdr;
  for (std::uint32_t v : {w, h})
    for (int s = 24; s >= 0; s -= 8) ihdr.push_back(static_cast<unsigned char>(v >> s));
  ihdr.insert(ihdr.end(), {depth, ctype, 0, 0, 0});
  chunk(f, "IHDR", ihdr);
  if (chunks.empty()) {
    std::vector<unsigned char> raw(std::size_t(h) * (1 + 3 * std::size_t(w)), 0);
    int zlen = 0;
    unsigned char* z = stbi_zlib_compress(raw.data(), int(raw.size()), &zlen, 8);
    chunks.emplace_back("IDAT", std::vector<unsigned char>(z, z + zlen));
    std::free(z);
  }
  chunks.emplace_back("IEND", std::vector<unsigned char>{});
  for (const auto& [type, data] : chunks) chunk(f, type.c_str(), data);
  return f;
}

void put(const std::filesystem::path& p, const std::vector<unsigned char>& b) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

/// The message of read_image(p), "" if it reads.
std::string read_error(const std::filesystem::path& p) {
  try {
    io::read_image(p);
  } catch (const invalid_input& e) {
    return e.what();
  }
  return "";
}

bool one_printable_line(const std::string& m) {
  return std::all_of(m.begin(), m.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

/// An 8x8 grey JPEG encoded in memory (stb_image_write).
inline std::vector<unsigned char> small_jpeg() {
  std::vector<unsigned char> jpg;
  const std::vector<unsigned char> px(8 * 8 * 3, 100);
  auto sink = [](void* ctx, void* d, int n) {
    auto* o = static_cast<std::vector<unsigned char>*>(ctx);
    o->insert(o->end(), static_cast<unsigned char*>(d), static_cast<unsigned char*>(d) + n);
  };
  REQUIRE(stbi_write_jpg_to_func(sink, &jpg, 8, 8, 3, px.data(), 90));
  return jpg;
}

/// A w×h RGB JPEG of busy content (stb_image_write, quality 90: 4:2:0, one baseline scan).
std::vector<unsigned char> busy_jpeg(int w, int h) {
  std::vector<unsigned char> jpg, px(std::size_t(w * h * 3));
  for (std::size_t i = 0; i < px.size(); ++i)
    px[i] = static_cast<unsigned char>((i * 37 + (i / 7) * 91) ^ (i * i >> 5));
  auto sink = [](void* ctx, void* d, int n) {
    auto* o = static_cast<std::vector<unsigned char>*>(ctx);
    o->insert(o->end(), static_cast<unsigned char*>(d), static_cast<unsigned char*>(d) + n);
  };
  REQUIRE(stbi_write_jpg_to_func(sink, &jpg, w, h, 3, px.data(), 90));
  return jpg;
}

/// Where the first JPEG segment with `marker` starts, up to the first scan header, and where it
/// ends (after its length, which counts its own 2 bytes).
std::size_t segment_at(const std::vector<unsigned char>& b, unsigned marker) {
  for (std::size_t i = 2; i + 4 <= b.size(); i += 2 + (std::size_t(b[i + 2]) << 8 | b[i + 3])) {
    REQUIRE(b[i] == 0xFF);
    if (b[i + 1] == marker) return i;
    REQUIRE(b[i + 1] != 0xDA);
  }
  FAIL("no JPEG segment with marker " << marker);
  return 0;
}
std::size_t segment_end(const std::vector<unsigned char>& b, std::size_t at) {
  return at + 2 + (std::size_t(b[at + 2]) << 8 | b[at + 3]);
}

/// b[0, n) followed by `tail`.
std::vector<unsigned char> cut(const std::vector<unsigned char>& b, std::size_t n,
                               std::vector<unsigned char> tail = {}) {
  std::vector<unsigned char> out(b.begin(), b.begin() + std::ptrdiff_t(n));
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

/// A progressive 4:2:0 32x24 JPEG (10 scans, with successive approximation) with a restart
/// marker after every MCU, from libjpeg-turbo 2.1.5's cjpeg (Debian's libjpeg-turbo-progs):
///   python3 -c "from PIL import Image; im = Image.new('RGB', (32, 24)); im.putdata([(x * 11 %
///     256, (y * 16 + x * 3) % 256, (x ^ y) * 17 % 256) for y in range(24) for x in range(32)]);
///     im.save('src.ppm')"
///   cjpeg -quality 60 -sample 2x2 -progressive -restart 1B -outfile prog.jpg src.ppm
const std::vector<unsigned char> progressive_jpeg{
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x0D, 0x09, 0x0A, 0x0B, 0x0A, 0x08, 0x0D,
    0x0B, 0x0A, 0x0B, 0x0E, 0x0E, 0x0D, 0x0F, 0x13, 0x20, 0x15, 0x13, 0x12, 0x12, 0x13, 0x27, 0x1C,
    0x1E, 0x17, 0x20, 0x2E, 0x29, 0x31, 0x30, 0x2E, 0x29, 0x2D, 0x2C, 0x33, 0x3A, 0x4A, 0x3E, 0x33,
    0x36, 0x46, 0x37, 0x2C, 0x2D, 0x40, 0x57, 0x41, 0x46, 0x4C, 0x4E, 0x52, 0x53, 0x52, 0x32, 0x3E,
    0x5A, 0x61, 0x5A, 0x50, 0x60, 0x4A, 0x51, 0x52, 0x4F, 0xFF, 0xDB, 0x00, 0x43, 0x01, 0x0E, 0x0E,
    0x0E, 0x13, 0x11, 0x13, 0x26, 0x15, 0x15, 0x26, 0x4F, 0x35, 0x2D, 0x35, 0x4F, 0x4F, 0x4F, 0x4F,
    0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F,
    0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F,
    0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0x4F, 0xFF, 0xC2,
    0x00, 0x11, 0x08, 0x00, 0x18, 0x00, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01, 0xFF, 0xC4, 0x00, 0x18, 0x00, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x03, 0x04, 0xFF, 0xC4, 0x00, 0x16, 0x01,
    0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x03, 0x00, 0xFF, 0xDD, 0x00, 0x04, 0x00, 0x01, 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00,
    0x02, 0x10, 0x03, 0x10, 0x00, 0x00, 0x01, 0x52, 0xC7, 0x48, 0xA1, 0xFF, 0xD0, 0x9D, 0x1B, 0xD4,
    0xED, 0xFF, 0xD1, 0x54, 0xC0, 0x29, 0x3F, 0xFF, 0xD2, 0x9D, 0x00, 0x07, 0xFF, 0xC4, 0x00, 0x1B,
    0x10, 0x00, 0x03, 0x01, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x03, 0x01, 0x04, 0x11, 0x12, 0x14, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00,
    0x01, 0x05, 0x02, 0x59, 0x9F, 0xFF, 0xD0, 0x59, 0x9F, 0xFF, 0xD1, 0x59, 0x9F, 0xFF, 0xD2, 0x59,
    0x9F, 0xFF, 0xD3, 0xC4, 0xC5, 0xCF, 0xFF, 0xD4, 0xF7, 0x25, 0x3F, 0xFF, 0xD5, 0xCE, 0x42, 0x75,
    0xFF, 0xD6, 0xFA, 0x18, 0xFF, 0xD7, 0x59, 0x9F, 0xFF, 0xD0, 0x59, 0x9F, 0xFF, 0xD1, 0x59, 0x9F,
    0xFF, 0xD2, 0x59, 0x9F, 0xFF, 0xC4, 0x00, 0x1C, 0x11, 0x00, 0x02, 0x02, 0x02, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x04, 0x12, 0x13,
    0x22, 0x31, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01, 0x3F, 0x01, 0xA2, 0xE9, 0x7F, 0x0F,
    0xFF, 0xD0, 0xC9, 0xE4, 0x6D, 0x4F, 0xFF, 0xD1, 0xAD, 0xE4, 0xFF, 0xD2, 0xCC, 0x79, 0xEA, 0x7F,
    0xFF, 0xC4, 0x00, 0x1C, 0x11, 0x00, 0x02, 0x02, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x03, 0x11, 0x12, 0x04, 0x31, 0x51, 0xFF, 0xDA,
    0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3F, 0x01, 0x6B, 0x4D, 0x3D, 0x4F, 0xFF, 0xD0, 0x4D, 0xEB,
    0xCF, 0x93, 0xFF, 0xD1, 0x57, 0x39, 0x22, 0x7F, 0xFF, 0xD2, 0xE3, 0x39, 0x1B, 0xCF, 0xFF, 0xC4,
    0x00, 0x1B, 0x10, 0x01, 0x00, 0x02, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x11, 0x21, 0x22, 0x32, 0x81, 0xFF, 0xDA, 0x00, 0x08, 0x01,
    0x01, 0x00, 0x06, 0x3F, 0x02, 0x7F, 0xFF, 0xD0, 0x7F, 0xFF, 0xD1, 0x7F, 0xFF, 0xD2, 0x7F, 0xFF,
    0xD3, 0xCC, 0xE9, 0xFF, 0xD4, 0xEF, 0x0F, 0xFF, 0xD5, 0xD5, 0x6C, 0xFF, 0xD6, 0xE3, 0x48, 0xF5,
    0xFF, 0xD7, 0x7F, 0xFF, 0xD0, 0x7F, 0xFF, 0xD1, 0x7F, 0xFF, 0xD2, 0x7F, 0xFF, 0xC4, 0x00, 0x1E,
    0x10, 0x00, 0x02, 0x02, 0x02, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x11, 0x41, 0x21, 0x61, 0x31, 0x71, 0x51, 0x81, 0xB1, 0xFF, 0xDA, 0x00, 0x08,
    0x01, 0x01, 0x00, 0x01, 0x3F, 0x21, 0x8A, 0x8F, 0xFF, 0xD0, 0x8A, 0x8F, 0xFF, 0xD1, 0x8A, 0x8F,
    0xFF, 0xD2, 0xD5, 0x83, 0xFF, 0xD3, 0x90, 0x29, 0x3C, 0xB3, 0xFF, 0xD4, 0x4F, 0xC3, 0x67, 0x59,
    0xF8, 0x7F, 0xFF, 0xD5, 0xE5, 0x37, 0x70, 0x8F, 0xFF, 0xD6, 0x53, 0xE0, 0xAF, 0x63, 0xFF, 0xD7,
    0x8A, 0x8F, 0xFF, 0xD0, 0xD5, 0x83, 0xFF, 0xD1, 0x8A, 0x8F, 0xFF, 0xD2, 0x8A, 0x8F, 0xFF, 0xDA,
    0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x77, 0xFF, 0xD0, 0xA7,
    0xFF, 0xD1, 0x0F, 0xFF, 0xD2, 0x7F, 0xFF, 0xC4, 0x00, 0x1C, 0x11, 0x00, 0x02, 0x02, 0x02, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x21, 0x31, 0x11,
    0x71, 0x41, 0x51, 0xC1, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01, 0x3F, 0x10, 0xA2, 0xB7,
    0xA3, 0xFF, 0xD0, 0x5A, 0xB8, 0xBB, 0x7A, 0x3F, 0xFF, 0xD1, 0x8F, 0x27, 0xFF, 0xD2, 0xE7, 0xFB,
    0xF0, 0xFF, 0xC4, 0x00, 0x1D, 0x11, 0x00, 0x02, 0x01, 0x05, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x21, 0x31, 0x81, 0xA1, 0xB1, 0x41, 0xF0,
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3F, 0x10, 0xB5, 0x09, 0x7A, 0xEB, 0x6F, 0x1C,
    0xFF, 0xD0, 0x0B, 0x6A, 0xB0, 0xBA, 0xC1, 0x7F, 0x09, 0xFF, 0xD1, 0x10, 0x2B, 0x09, 0xFF, 0xD2,
    0xA4, 0x3C, 0x4B, 0x73, 0xFF, 0xC4, 0x00, 0x1E, 0x10, 0x01, 0x00, 0x02, 0x02, 0x02, 0x03, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x21, 0x11, 0xF0, 0x31, 0x81,
    0x41, 0xE1, 0xF1, 0x71, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x10, 0xA7, 0xA2,
    0x7F, 0xFF, 0xD0, 0xA7, 0xA2, 0x7F, 0xFF, 0xD1, 0xA7, 0xA2, 0x7F, 0xFF, 0xD2, 0xE1, 0xFA, 0x7A,
    0x9F, 0xFF, 0xD3, 0x64, 0x0B, 0xCA, 0x80, 0x76, 0xCF, 0xFF, 0xD4, 0x32, 0xE1, 0x33, 0x54, 0x9D,
    0x84, 0x9F, 0xFF, 0xD5, 0x2A, 0x55, 0xF0, 0x10, 0x7B, 0x16, 0xBA, 0x9F, 0xFF, 0xD6, 0x39, 0x70,
    0x6B, 0x12, 0xF3, 0xFA, 0x62, 0x7F, 0xFF, 0xD7, 0xA7, 0xA2, 0x7F, 0xFF, 0xD0, 0xE1, 0xFA, 0x7A,
    0x9F, 0xFF, 0xD1, 0xA7, 0xA2, 0x7F, 0xFF, 0xD2, 0xA7, 0xA2, 0x7F, 0xFF, 0xD9};

}  // namespace

TEST_CASE("image: decoding errors name the format and the problem on one line", "[image]") {
  const auto p = tmp("bad.png");
  put(p, png_bytes(8, 8));
  REQUIRE(io::read_image(p).width == 8);
  // stb's reason embeds the unknown (critical) chunk's type, here holding newlines
  put(p, png_bytes(8, 8, {{"\nAB\n", {1, 2, 3}}}));
  std::string m = read_error(p);
  INFO(m);
  CHECK(m.find("bad.png: not a decodable PNG (stb: ?AB? PNG chunk not known)") !=
        std::string::npos);
  CHECK(one_printable_line(m));
  // corrupt deflate data (a block of the reserved type 3): stb sets no reason, and the stale one
  // left by probing the other formats ("no SOI", a JPEG term) must not show
  put(p, png_bytes(8, 8, {{"IDAT", {0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF}}}));
  m = read_error(p);
  CHECK(m.find("bad.png: not a decodable PNG (corrupt compressed image data") != std::string::npos);
  CHECK(m.find("SOI") == std::string::npos);
  put(p, png_bytes(8, 8, {}, 8, 5));  // colour type 5 does not exist
  CHECK(read_error(p) == p.string() + ": not a decodable PNG (stb: bad ctype)");
  // zero width or height: said so, not "unknown image type"
  put(p, png_bytes(0, 8, {{"IDAT", {}}}));
  CHECK(read_error(p) ==
        p.string() + ": the PNG header gives the size 0x8; width and height must be at least 1");
  put(p, png_bytes(5, 0, {{"IDAT", {}}}));
  CHECK(read_error(p).find("the PNG header gives the size 5x0") != std::string::npos);
  // a JPEG that stb refuses names JPEG and stb's reason, no reason left by the PNG probe
  std::vector<unsigned char> jpg = small_jpeg();
  const auto j = tmp("bad.jpg");
  jpg[segment_at(jpg, 0xC0) + 4] = 12;  // SOF0 sample precision 12
  put(j, jpg);
  m = read_error(j);
  CHECK(m == j.string() + ": not a decodable JPEG (stb: only 8-bit)");
  CHECK(m.find("png") == std::string::npos);
  // one cut short in its header segments says so
  put(j, cut(small_jpeg(), 30));
  CHECK(read_error(j) ==
        j.string() + ": truncated: the JPEG ends inside its segment at byte 20 (marker 0xDB)");
  std::filesystem::remove(p), std::filesystem::remove(j);
}

TEST_CASE("image: images over 2^26 pixels are refused from the header, before decoding",
          "[image]") {
  STATIC_REQUIRE(io::max_image_pixels == (std::uint64_t(1) << 26));
  const auto p = tmp("huge.png");
  const std::string limit = " pixels, over the limit of 67108864 pixels (2^26, e.g. 8192x8192)";
  put(p, png_bytes(16384, 16384, {{"IDAT", {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}}}));
  CHECK(read_error(p) == p.string() + ": the PNG is 16384x16384" + limit);
  put(p, png_bytes(100000, 100000, {{"IDAT", {}}}));
  CHECK(read_error(p) == p.string() + ": the PNG is 100000x100000" + limit);
  put(p, png_bytes(0x7FFFFFFF, 1, {{"IDAT", {}}}));
  CHECK(read_error(p) == p.string() + ": the PNG is 2147483647x1" + limit);
  // a small JPEG whose frame header claims 8193x8192 (one row over the cap): stb would
  // allocate the whole frame before finding that the data does not fill it
  std::vector<unsigned char> jpg = small_jpeg();
  std::size_t sof = 2;
  while (sof + 9 < jpg.size() && !(jpg[sof] == 0xFF && jpg[sof + 1] == 0xC0)) ++sof;
  REQUIRE(sof + 9 < jpg.size());
  jpg[sof + 5] = 0x20, jpg[sof + 6] = 0x00;  // height 8192
  jpg[sof + 7] = 0x20, jpg[sof + 8] = 0x01;  // width 8193
  const auto j = tmp("bomb.jpg");
  put(j, jpg);
  CHECK(read_error(j) == j.string() + ": the JPEG is 8193x8192" + limit);
  std::filesystem::remove(p), std::filesystem::remove(j);
}

TEST_CASE("image: a JPEG Huffman table of over 256 codes is refused before stb reads it",
          "[image]") {
  // stb 2.27 writes such a table's code sizes and values past its 256-entry arrays
  const std::vector<unsigned char> jpg = small_jpeg();
  auto after_soi = [&](std::vector<unsigned char> segment) {
    std::vector<unsigned char> b = cut(jpg, 2, segment);
    b.insert(b.end(), jpg.begin() + 2, jpg.end());
    return b;
  };
  std::vector<unsigned char> dht{0xFF, 0xC4, 0x08, 0x0B, 0x13};  // AC table 3: 8 x 255 codes
  dht.insert(dht.end(), 8, 0x00);
  dht.insert(dht.end(), 8, 0xFF);
  dht.insert(dht.end(), 2040, 0x41);
  const auto p = tmp("dht.jpg");
  put(p, after_soi(dht));
  CHECK(read_error(p) ==
        p.string() +
            ": corrupt JPEG: Huffman table 1 of the DHT segment at byte 2 declares "
            "2040 codes, more than the 256 a table holds");
  // a table whose values run past its segment (4 codes of 2 bits, 2 values)
  put(p, after_soi(
             {0xFF, 0xC4, 0x00, 0x15, 0x00, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2}));
  CHECK(read_error(p) ==
        p.string() +
            ": corrupt JPEG: the 4 values of Huffman table 1 of the DHT segment at "
            "byte 2 run past the end of its segment");
  std::vector<unsigned char> bad_class{0xFF, 0xC4, 0x00, 0x13, 0x20};
  bad_class.insert(bad_class.end(), 16, 0x00);
  put(p, after_soi(bad_class));
  CHECK(read_error(p) ==
        p.string() +
            ": corrupt JPEG: Huffman table 1 of the DHT segment at byte 2 has class "
            "2 and id 0 (at most 1 and 3)");
  put(p, cut(jpg, 2, {0xFF, 0xC4, 0x01, 0x00, 0x00, 1, 2, 3}));  // 256 bytes long, in 10
  CHECK(read_error(p) ==
        p.string() + ": truncated: the JPEG ends inside its segment at byte 2 (marker 0xC4)");
  put(p, jpg);
  CHECK(read_error(p).empty());
  std::filesystem::remove(p);
}

TEST_CASE("image: a JPEG whose scan data is cut short is refused, with or without its EOI",
          "[image]") {
  // stb 2.27 decodes the missing data as zero bits (grey) when an EOI follows the cut
  const std::vector<unsigned char> jpg = busy_jpeg(40, 24);
  const auto p = tmp("cut.jpg");
  put(p, jpg);
  const io::image whole = io::read_image(p);
  REQUIRE(whole.width == 40);
  const std::size_t data = segment_end(jpg, segment_at(jpg, 0xDA)), eoi = jpg.size() - 2;
  REQUIRE(eoi > data + 100);
  for (std::size_t n = data; n < eoi; ++n)
    for (bool with_eoi : {false, true}) {
      put(p, cut(jpg, n,
                 with_eoi ? std::vector<unsigned char>{0xFF, 0xD9} : std::vector<unsigned char>{}));
      INFO("cut at " << n << " of " << jpg.size() << (with_eoi ? ", then EOI" : ""));
      CHECK(read_error(p).find(p.string() + ": truncated: ") == 0);
    }
  put(p, cut(jpg, (data + eoi) / 2, {0xFF, 0xD9}));  // 3x2 MCUs of 16x16
  CHECK_THROWS_WITH(io::read_image(p),
                    Catch::StartsWith(p.string() + ": truncated: JPEG scan 1 ends inside MCU ") &&
                        Catch::EndsWith(" of its 6"));
  // APPn and COM segments, fill bytes before a marker and bytes after the EOI change nothing
  std::vector<unsigned char> extra = cut(jpg, 2, {0xFF, 0xFE, 0x00, 0x04, 'h', 'i'});
  extra.insert(extra.end(), {0xFF, 0xE1, 0x00, 0x0A, 'E', 'x', 'i', 'f', 0, 0, 0xFF, 0xD9, 0xFF});
  extra.insert(extra.end(), jpg.begin() + 2, jpg.end());
  extra.insert(extra.end(), {'m', 'o', 'r', 'e', 0xFF, 0xD8, 0xFF, 0xD9});
  put(p, extra);
  CHECK(io::read_image(p).data == whole.data);
  std::filesystem::remove(p);
}

TEST_CASE("image: a JPEG frame larger than its scan data can code is refused before decoding",
          "[image]") {
  // 8192x8192 (not over max_image_pixels) and an empty scan, 609 bytes: stb 2.27 would allocate
  // the frame and decode zero bits into it
  std::vector<unsigned char> jpg = small_jpeg();
  const std::size_t sof = segment_at(jpg, 0xC0), data = segment_end(jpg, segment_at(jpg, 0xDA));
  jpg[sof + 5] = 0x20, jpg[sof + 6] = 0x00, jpg[sof + 7] = 0x20, jpg[sof + 8] = 0x00;
  const auto j = tmp("empty.jpg");
  put(j, cut(jpg, data, {0xFF, 0xD9}));
  CHECK(std::filesystem::file_size(j) == 609);
  CHECK(read_error(j) == j.string() +
                             ": truncated: the JPEG has 2 bytes after its first scan header, fewer "
                             "than the 131072 that 8192x8192 pixels need (a bit per 8x8 block)");
  // 32x32 with the data of 8x8: enough bytes for a bit a block, not enough codes
  jpg[sof + 5] = 0x00, jpg[sof + 6] = 0x20, jpg[sof + 7] = 0x00, jpg[sof + 8] = 0x20;
  put(j, jpg);
  CHECK(read_error(j) == j.string() + ": truncated: JPEG scan 1 ends inside MCU 2 of its 4");
  // bytes before the SOF, which stb skips, do not hide its size from the size check
  jpg[sof + 5] = 0x40, jpg[sof + 6] = 0x00, jpg[sof + 7] = 0x40, jpg[sof + 8] = 0x00;
  std::vector<unsigned char> padded = cut(jpg, sof, {0x00, 0x00});
  padded.insert(padded.end(), jpg.begin() + std::ptrdiff_t(sof), jpg.end());
  put(j, padded);
  CHECK(read_error(j) == j.string() +
                             ": the JPEG is 16384x16384 pixels, over the limit of 67108864 pixels "
                             "(2^26, e.g. 8192x8192)");
  std::filesystem::remove(j);
}

TEST_CASE("image: progressive JPEGs with restart markers load, and cut short are refused",
          "[image]") {
  const std::vector<unsigned char>& jpg = progressive_jpeg;
  const auto p = tmp("prog.jpg");
  put(p, jpg);
  const io::image im = io::read_image(p);
  CHECK(im.width == 32);
  CHECK(im.height == 24);
  double err = 0;  // mean error against the source: PIL's decoding is 0.076 off, a grey fill 0.25
  for (std::size_t y = 0; y < 24; ++y)
    for (std::size_t x = 0; x < 32; ++x) {
      const std::size_t rgb[3] = {x * 11 % 256, (y * 16 + x * 3) % 256, (x ^ y) * 17 % 256};
      for (std::size_t c = 0; c < 3; ++c)
        err += std::abs(im.data[(c * 24 + y) * 32 + x] - double(rgb[c]) / 255.0);
    }
  CHECK(err / (3 * 24 * 32) < 0.08);
  // a marker (not RSTn) at b[i]: a cut there, then EOI, is a shorter progression, not refused
  auto marker_at = [&](std::size_t i) {
    return jpg[i] == 0xFF && jpg[i + 1] != 0x00 && (jpg[i + 1] < 0xD0 || jpg[i + 1] > 0xD7);
  };
  const std::size_t data = segment_end(jpg, segment_at(jpg, 0xDA)), eoi = jpg.size() - 2;
  std::size_t refused = 0;
  for (std::size_t n = data; n < eoi; ++n)
    for (bool with_eoi : {false, true}) {
      if (with_eoi && (marker_at(n) || marker_at(n - 1))) continue;
      put(p, cut(jpg, n,
                 with_eoi ? std::vector<unsigned char>{0xFF, 0xD9} : std::vector<unsigned char>{}));
      INFO("cut at " << n << " of " << jpg.size() << (with_eoi ? ", then EOI" : ""));
      // a cut inside a scan header leaves it to stb, which refuses the EOI's bytes as Se, Ah/Al
      const std::string m = read_error(p);
      CHECK((m.find(p.string() + ": truncated: ") == 0 ||
             m == p.string() + ": not a decodable JPEG (stb: bad SOS)"));
      refused += !m.empty();
    }
  CHECK(refused > 1000);
  // the first scan (DC, 2x2 MCUs) cut at its first restart marker
  std::size_t rst = data;
  while (!(jpg[rst] == 0xFF && jpg[rst + 1] == 0xD0)) ++rst;
  put(p, cut(jpg, rst, {0xFF, 0xD9}));
  CHECK(read_error(p) == p.string() +
                             ": truncated: JPEG scan 1 ends after 1 of its 4 MCUs, where a restart "
                             "marker is due");
  std::filesystem::remove(p);
}

TEST_CASE("image: a PNG chunk longer than the file, or no IEND, is refused before stb allocates",
          "[image]") {
  // 43 bytes: an 2x2 RGB IHDR, then an IDAT declaring 0x7ffff000 bytes (stb 2.27 allocates them)
  const std::vector<unsigned char> bomb{
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd,
      0xd4, 0x9a, 0x73, 0x7f, 0xff, 0xf0, 0x00, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c};
  const auto p = tmp("chunks.png");
  put(p, bomb);
  CHECK(read_error(p) == p.string() +
                             ": truncated or corrupt PNG: its IDAT chunk at byte 33 declares "
                             "2147479552 bytes of data, but only 2 bytes (data and CRC) remain in "
                             "the file");
  std::vector<unsigned char> png = png_bytes(8, 8);
  put(p, cut(png, png.size() - 12));
  CHECK(read_error(p) ==
        p.string() + ": truncated: the PNG ends after its IDAT chunk, with no IEND");
  put(p, cut(png, png.size() - 13));  // the IDAT's CRC one byte short
  CHECK(read_error(p).find(": truncated or corrupt PNG: its IDAT chunk at byte 33 declares ") !=
        std::string::npos);
  put(p, cut(png, png.size(), {'j', 'u', 'n', 'k'}));  // bytes after IEND are not read
  CHECK(io::read_image(p).width == 8);
  std::filesystem::remove(p);
}

TEST_CASE("image: writing never touches an existing PATH.tmp", "[image]") {
  const auto p = tmp("keep.png");
  const std::filesystem::path t = p.string() + ".tmp";
  std::ofstream(t) << "not mine";
  io::write_image(p, io::image{1, 1, 1, {0.5f}});
  CHECK(io::read_image(p).width == 1);
  std::ifstream in(t);
  std::string s;
  std::getline(in, s);
  CHECK(s == "not mine");
  std::filesystem::remove(p), std::filesystem::remove(t);
}

TEST_CASE("models: restore names the image size and the model's minimum", "[image][models]") {
  using B = std_backend;
  // the smallest side that each variant's test-time padding accepts (reflect: pad < side)
  CHECK(models::diffir::detail::min_side(variant::deblur) == 5);
  CHECK(models::diffir::detail::min_side(variant::sr4) == 5);
  CHECK(models::diffir::detail::min_side(variant::sr2) == 9);
  CHECK(models::diffir::detail::min_side(variant::sr1) == 17);
  CHECK(models::diffir::detail::min_side(variant::inpaint) == 4);  // symmetric: pad <= side
  for (variant v : {variant::deblur, variant::sr4, variant::sr2, variant::sr1, variant::inpaint})
    for (std::size_t n = 1; n <= 40; ++n) {  // exactly the sizes nn::pad_bottom_right takes
      const std::size_t m = pad_multiple(v), N = nn::round_up(n, m);
      std::vector<float> x(n * n), y(N * N);
      bool ok = true;
      try {
        nn::pad_bottom_right<B>(nn::cview{x.data(), shape{1, 1, n, n}},
                                nn::fview{y.data(), shape{1, 1, N, N}}, pad_mode_of(v));
      } catch (const invalid_input&) {
        ok = false;
      }
      INFO(name(v) << " " << n);
      CHECK(ok == (n >= models::diffir::detail::min_side(v)));
    }
  const fixture fx("deblur_tiny");
  const temp_file w = write_weights(fx);
  const io::safetensors_file f(w.p);
  const stage2<B> net(f, fx.v, fx.c);
  nn::workspace<B> ws;
  const dev<B> z(fx.get("z"));
  auto restore = [&](std::size_t h, std::size_t wd) {
    dev<B> x(host{std::vector<float>(3 * h * wd, 0.5f), shape{1, 3, h, wd}});
    dev<B> out(shape{1, 3, h, wd});
    net.restore(ws, x.cview(), nn::cview{}, z.cview(), out.view());
    return out.values();
  };
  CHECK_THROWS_WITH(restore(1, 1),
                    "restore: the image is 1x1; this model (deblur, padded to a multiple of 8) "
                    "needs at least 5x5");
  CHECK_THROWS_WITH(restore(64, 4),
                    Catch::Contains("the image is 4x64;") && Catch::Contains("at least 5x5"));
  const auto out = restore(5, 5);
  CHECK(std::all_of(out.begin(), out.end(), [](float v) { return std::isfinite(v); }));
}
