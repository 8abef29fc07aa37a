// PNG / JPEG images as planar float in [0, 1] (stb_image and stb_image_write from Debian's
// libstb-dev: link with -lstb, pkg-config stb). 8- and 16-bit PNGs are read; greyscale becomes
// RGB for images; an alpha channel is dropped when fully opaque and refused otherwise. Masks are
// read as PIL's 'L' (ITU-R 601 luma of RGB); images over max_image_pixels (2^26) are refused
// from their header. Files that stb 2.27 would misread (a JPEG Huffman table of over 256 codes,
// JPEG scan data cut short, a PNG chunk longer than the file) are refused before it reads them
// (detail/image_checks.hpp). Writing quantises (round or truncate, spec §7) and goes through a
// unique temporary in the same directory + rename, so a failed write leaves no file. Errors:
// invalid_input, one line naming the file.
#pragma once

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/io/detail/file.hpp"
#include "diffbridge/io/detail/image_checks.hpp"
#include "diffbridge/io/detail/text.hpp"

namespace diffbridge::io {

/// Planar (CHW) float image.
struct image {
  std::size_t channels = 0, height = 0, width = 0;
  std::vector<float> data;
};

enum class image_format { png, jpeg };
enum class quantisation { round, truncate };

/// The format implied by the file name (.png, .jpg, .jpeg, any case); invalid_input otherwise.
inline image_format format_from_name(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (e == ".png") return image_format::png;
  if (e == ".jpg" || e == ".jpeg") return image_format::jpeg;
  throw invalid_input(p.string() + ": unsupported image extension '" + e +
                      "' (use .png, .jpg or .jpeg)");
}

/// The largest image read: 2^26 pixels (e.g. 8192x8192). Checked against the file's header
/// before decoding, so that a small file claiming a huge size cannot make the decoder allocate
/// gigabytes: a decode then takes at most 512 MiB (16-bit RGBA) plus 768 MiB for the result.
inline constexpr std::uint64_t max_image_pixels = std::uint64_t(1) << 26;

namespace detail {

struct stbi_deleter {
  void operator()(void* p) const noexcept { stbi_image_free(p); }
};

/// Decoded pixels: interleaved, `comp` channels of 8 or 16 bits.
struct decoded {
  std::size_t w = 0, h = 0, comp = 0;
  bool sixteen = false;
  std::unique_ptr<void, stbi_deleter> px;
  float at(std::size_t i) const {
    return sixteen ? float(static_cast<const std::uint16_t*>(px.get())[i]) / 65535.0f
                   : float(static_cast<const std::uint8_t*>(px.get())[i]) / 255.0f;
  }
  bool opaque() const {
    if (comp != 2 && comp != 4) return true;
    const float one = 1.0f;
    for (std::size_t i = comp - 1; i < w * h * comp; i += comp)
      if (at(i) != one) return false;
    return true;
  }
};

/// Width and height from the file's header, as far as they can be found without decoding
/// (PNG: the IHDR chunk; JPEG: the first SOFn segment); found = false otherwise.
struct header_size {
  bool found = false;
  std::uint64_t w = 0, h = 0;
};

inline header_size png_size(std::span<const unsigned char> b) {
  // chunks: length (4, big-endian), type (4), data, CRC (4); IHDR data starts with W, H
  for (std::uint64_t at = 8; at + 8 <= b.size();) {
    const std::uint64_t len = load_be(b.data() + at, 4);
    const std::string_view type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (type == "IHDR") {
      if (at + 16 > b.size()) break;
      return {true, load_be(b.data() + at + 8, 4), load_be(b.data() + at + 12, 4)};
    }
    if (type != "CgBI") break;  // IHDR comes first (after Apple's CgBI)
    at += 12 + len;             // len < 2^32: no overflow
  }
  return {};
}

inline header_size jpeg_size(std::span<const unsigned char> b) {
  // markers FF xx; SOF0..SOF15 (not DHT C4, JPG C8, DAC CC) hold P (1), H (2), W (2). Bytes
  // before a marker are skipped, as stb does before the SOF (and jpeg_problem): the size checked
  // is the one that they read.
  for (std::size_t i = 2; i < b.size();) {
    while (i < b.size() && b[i] != 0xFF) ++i;
    while (i < b.size() && b[i] == 0xFF) ++i;
    if (i >= b.size()) break;
    const unsigned m = b[i++];
    if (m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (m == 0xD9 || m == 0xDA || i + 2 > b.size()) break;             // EOI, SOS: no SOF before
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (i + 7 > b.size()) break;
      return {true, load_be(b.data() + i + 5, 2), load_be(b.data() + i + 3, 2)};
    }
    i += std::size_t(load_be(b.data() + i, 2));
  }
  return {};
}

/// stb's failure reason, one printable line, or "" when it is not this decode's: the
/// reason is a global that only failures set, so it is first set to a sentinel ("unknown image
/// type", never a PNG or JPEG decoder's) and a JPEG decode passes the PNG test ("bad png sig").
inline void reset_stb_reason() {
  const unsigned char zero = 0;
  int w = 0, h = 0, c = 0;
  (void)stbi_info_from_memory(&zero, 1, &w, &h, &c);
}
inline std::string stb_reason(bool png) {
  const char* r = stbi_failure_reason();
  if (!r || std::strcmp(r, "unknown image type") == 0 ||
      (!png && std::strcmp(r, "bad png sig") == 0))
    return "";
  return printable(r);
}

inline decoded decode(const std::filesystem::path& path) {
  const std::string file = path.string();
  const mapped_file f(path);
  const auto b = f.bytes();
  static constexpr unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  const bool png = b.size() >= 8 && std::memcmp(b.data(), png_sig, 8) == 0;
  const bool jpg = b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
  if (!png && !jpg) throw invalid_input(file + ": not a PNG or JPEG file");
  const std::string kind = png ? "PNG" : "JPEG";
  if (b.size() > std::size_t(INT32_MAX))
    throw invalid_input(file + ": file too large (over 2 GiB)");
  auto check_size = [&](std::uint64_t w, std::uint64_t h) {
    const std::string wxh = std::to_string(w) + "x" + std::to_string(h);
    if (w == 0 || h == 0)
      throw invalid_input(file + ": the " + kind + " header gives the size " + wxh +
                          "; width and height must be at least 1");
    if (w > max_image_pixels || h > max_image_pixels || w * h > max_image_pixels)
      throw invalid_input(file + ": the " + kind + " is " + wxh + " pixels, over the limit of " +
                          std::to_string(max_image_pixels) + " pixels (2^26, e.g. 8192x8192)");
  };
  if (const header_size s = png ? png_size(b) : jpeg_size(b); s.found) check_size(s.w, s.h);
  // before stb_image, whose header probe (stbi_info) already reads a JPEG's Huffman tables
  if (const std::string p = png ? png_chunks_problem(b) : jpeg_problem(b); !p.empty())
    throw invalid_input(file + ": " + p);
  const int len = int(b.size());
  int w = 0, h = 0, comp = 0;
  // stbi_info tries every format, so its own failure reason says nothing: a header that it
  // cannot read is reported by the decoder below, which fails on it before allocating.
  if (stbi_info_from_memory(b.data(), len, &w, &h, &comp))
    check_size(std::uint64_t(w), std::uint64_t(h));
  decoded d;
  d.sixteen = stbi_is_16_bit_from_memory(b.data(), len) != 0;
  reset_stb_reason();
  void* p = d.sixteen
                ? static_cast<void*>(stbi_load_16_from_memory(b.data(), len, &w, &h, &comp, 0))
                : static_cast<void*>(stbi_load_from_memory(b.data(), len, &w, &h, &comp, 0));
  if (!p) {
    const std::string r = stb_reason(png);
    // stb's PNG decoder fails silently only on a deflate block of the reserved type 3
    const std::string none =
        png ? "corrupt compressed image data; stb gave no reason" : "stb gave no reason";
    throw invalid_input(file + ": not a decodable " + kind + " (" +
                        (r.empty() ? none : "stb: " + r) + ")");
  }
  d.px.reset(p);
  check_size(std::uint64_t(w), std::uint64_t(h));
  d.w = std::size_t(w), d.h = std::size_t(h), d.comp = std::size_t(comp);
  if (!d.opaque())
    throw invalid_input(
        file + ": has transparent pixels (an alpha channel); flatten it onto a background first");
  return d;
}

}  // namespace detail

/// An RGB image in [0, 1] (3 planes). Greyscale is replicated; an opaque alpha is dropped.
inline image read_image(const std::filesystem::path& path) {
  const detail::decoded d = detail::decode(path);
  image im{3, d.h, d.w, std::vector<float>(3 * d.h * d.w)};
  const std::size_t n = d.h * d.w, colour = d.comp >= 3 ? 3 : 1;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < 3; ++c)
      im.data[c * n + i] = d.at(i * d.comp + (colour == 3 ? c : 0));
  return im;
}

/// A one-plane mask in [0, 1]: greyscale as is; RGB as PIL's convert('L'), for 8 bits its integer
/// luma (R·19595 + G·38470 + B·7471 + 2^15) >> 16 (so a near-black colour can be 0, as there),
/// for 16 bits (R·299 + G·587 + B·114)/1000.
inline image read_mask(const std::filesystem::path& path) {
  const detail::decoded d = detail::decode(path);
  image im{1, d.h, d.w, std::vector<float>(d.h * d.w)};
  const auto* px8 = static_cast<const std::uint8_t*>(d.px.get());
  for (std::size_t i = 0; i < d.h * d.w; ++i) {
    const std::size_t k = i * d.comp;
    if (d.comp < 3) {
      im.data[i] = d.at(k);
    } else if (!d.sixteen) {
      const std::uint32_t l =
          (px8[k] * 19595u + px8[k + 1] * 38470u + px8[k + 2] * 7471u + 0x8000u) >> 16;
      im.data[i] = float(l) / 255.0f;
    } else {
      im.data[i] = (d.at(k) * 299.0f + d.at(k + 1) * 587.0f + d.at(k + 2) * 114.0f) / 1000.0f;
    }
  }
  return im;
}

/// Writes a 1- or 3-plane image in [0, 1] as 8-bit PNG or JPEG (quality 95), by extension.
/// Values are clamped to [0, 1], scaled by 255 and rounded (BasicSR tensor2img) or truncated
/// (the inpainting trainer). NaN is an error.
inline void write_image(const std::filesystem::path& path, const image& im,
                        quantisation q = quantisation::round) {
  const std::string file = path.string();
  const image_format fmt = format_from_name(path);
  if ((im.channels != 1 && im.channels != 3) ||
      im.data.size() != im.channels * im.height * im.width || im.width == 0 || im.height == 0 ||
      im.width > 65535 || im.height > 65535)
    throw invalid_input(file + ": cannot write an image of " + std::to_string(im.channels) +
                        " channels, " + std::to_string(im.width) + "x" + std::to_string(im.height));
  const std::size_t n = im.height * im.width, C = im.channels;
  std::vector<unsigned char> px(n * C);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < C; ++c) {
      const float v = im.data[c * n + i];
      if (std::isnan(v)) throw invalid_input(file + ": the image to write holds NaN");
      const float s = std::clamp(v, 0.0f, 1.0f) * 255.0f;
      px[i * C + c] =
          static_cast<unsigned char>(q == quantisation::round ? std::nearbyint(s) : std::trunc(s));
    }
  std::vector<unsigned char> out;
  auto sink = [](void* ctx, void* data, int size) {
    auto* o = static_cast<std::vector<unsigned char>*>(ctx);
    o->insert(o->end(), static_cast<unsigned char*>(data),
              static_cast<unsigned char*>(data) + size);
  };
  const int w = int(im.width), h = int(im.height), comp = int(C);
  const int ok = fmt == image_format::png
                     ? stbi_write_png_to_func(sink, &out, w, h, comp, px.data(), w * comp)
                     : stbi_write_jpg_to_func(sink, &out, w, h, comp, px.data(), 95);
  if (!ok || out.empty()) throw invalid_input(file + ": encoding failed");
  detail::atomic_writer wr(path);
  wr.write(out.data(), out.size());
  wr.commit();
}

}  // namespace diffbridge::io
