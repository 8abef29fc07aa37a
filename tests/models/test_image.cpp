// io/image.hpp: PNG (8- and 16-bit, grey, RGB, RGBA) and JPEG reading, quantised atomic writing,
// one-line errors for undecodable files and the size cap; and restore's check of the image size.
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
  // a JPEG cut short names JPEG, and no reason left by the PNG probe
  std::vector<unsigned char> jpg = small_jpeg();
  const auto j = tmp("bad.jpg");
  put(j, std::vector<unsigned char>(jpg.begin(), jpg.begin() + 30));
  m = read_error(j);
  CHECK(m.find("bad.jpg: not a decodable JPEG (stb: ") != std::string::npos);
  CHECK(m.find("png") == std::string::npos);
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
