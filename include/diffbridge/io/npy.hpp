// NumPy .npy reader (format 1.0, 2.0, 3.0; dtypes '<f4' and '<f8', C order)
// and atomic writer (format 1.0, '<f4'). Every malformed file is rejected with
// diffbridge::invalid_input, "PATH: what is wrong".
#pragma once

#include <diffbridge/core/error.hpp>
#include <diffbridge/io/detail/bytes.hpp>
#include <diffbridge/io/detail/file.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace diffbridge::io {

/// A float32 array in C (row-major) order.
struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<float> data;
};

/// The parsed header of a .npy file.
struct npy_header {
  int major = 0;      ///< format version 1, 2 or 3
  std::string descr;  ///< '<f4' or '<f8'
  std::vector<std::size_t> shape;
  std::size_t item_size = 0;    ///< 4 or 8
  std::size_t count = 0;        ///< product of shape (1 for shape ())
  std::size_t data_offset = 0;  ///< bytes before the array data
};

namespace detail {

inline constexpr unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
inline constexpr std::size_t npy_max_header = std::size_t{1} << 20;  // sane cap, 1 MiB

[[noreturn]] inline void npy_fail(const std::string& file, const std::string& what) {
  throw invalid_input(file + ": " + what);
}

inline std::string shape_text(std::span<const std::size_t> shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

/// Strict parser of the header's Python dict literal, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }
class npy_dict_parser {
 public:
  npy_dict_parser(std::string_view text, std::string file) : s_(text), file_(std::move(file)) {}

  void parse(npy_header& h) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    ws();
    expect('{', "header does not start with '{'");
    for (;;) {
      ws();
      if (i_ >= s_.size()) fail("header dict is not closed");
      if (peek() == '}') break;
      const std::string key = str("dictionary key");
      ws();
      expect(':', "expected ':' after key '" + key + "'");
      ws();
      if (key == "descr") {
        dup(seen_descr, key);
        if (peek() != '\'' && peek() != '"')
          fail("descr is not a string (structured dtypes are not supported)");
        h.descr = str("descr");
      } else if (key == "fortran_order") {
        dup(seen_order, key);
        const std::string v = ident();
        if (v == "True") fail("fortran_order True is not supported (only C order)");
        if (v != "False") fail("fortran_order is not True or False");
      } else if (key == "shape") {
        dup(seen_shape, key);
        h.shape = tuple();
      } else {
        fail("unexpected header key '" + key + "'");
      }
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' in header dict");
    }
    ++i_;  // '}'
    ws();
    if (i_ != s_.size()) fail("unexpected characters after the header dict");
    if (!seen_descr) fail("header has no 'descr' key");
    if (!seen_order) fail("header has no 'fortran_order' key");
    if (!seen_shape) fail("header has no 'shape' key");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(file_ + ": " + what);
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c || i_ >= s_.size()) fail(what);
    ++i_;
  }
  void dup(bool& seen, const std::string& key) {
    if (seen) fail("duplicate header key '" + key + "'");
    seen = true;
  }
  std::string str(const char* what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail(std::string("expected a quoted string for ") + what);
    const std::size_t b = ++i_;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' || s_[i_] == '\n') fail(std::string("unsupported character in ") + what);
      ++i_;
    }
    if (i_ >= s_.size()) fail(std::string("unterminated string in ") + what);
    return std::string(s_.substr(b, i_++ - b));
  }
  std::string ident() {
    const std::size_t b = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z')))
      ++i_;
    return std::string(s_.substr(b, i_ - b));
  }
  std::size_t integer() {
    if (peek() < '0' || peek() > '9') fail("shape entry is not a non-negative integer");
    if (peek() == '0' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
      fail("shape entry has a leading zero");
    }
    std::uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (!checked_mul(v, 10, v) || !checked_add(v, static_cast<std::uint64_t>(peek() - '0'), v)) {
        fail("shape entry overflows");
      }
      ++i_;
    }
    static_assert(sizeof(std::size_t) >= sizeof(std::uint64_t), "64-bit size_t assumed");
    return static_cast<std::size_t>(v);
  }
  std::vector<std::size_t> tuple() {
    expect('(', "shape is not a tuple");
    std::vector<std::size_t> dims;
    bool trailing_comma = false;
    for (;;) {
      ws();
      if (peek() == ')') break;
      dims.push_back(integer());
      ws();
      trailing_comma = false;
      if (peek() == ',') {
        ++i_;
        trailing_comma = true;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in shape");
    }
    ++i_;
    // Python: "(3)" is the int 3, not a tuple; "(,)" is a syntax error.
    if (dims.size() == 1 && !trailing_comma) fail("shape (n) is not a tuple; write (n,)");
    if (dims.empty() && trailing_comma) fail("shape is not a valid tuple");
    return dims;
  }

  std::string_view s_;
  std::string file_;
  std::size_t i_ = 0;
};

}  // namespace detail

/// Parses and validates the header of a .npy file held in `prefix` (at least
/// the magic, version and header bytes). `file_size` is the whole file's size.
inline npy_header parse_npy_header(std::span<const unsigned char> prefix, std::uint64_t file_size,
                                   const std::string& file) {
  auto fail = [&file](const std::string& what) { detail::npy_fail(file, what); };
  if (prefix.size() < 6 || std::memcmp(prefix.data(), detail::npy_magic, 6) != 0) {
    fail("not a .npy file (bad magic)");
  }
  if (prefix.size() < 8) {
    fail("truncated: the file ends after " + std::to_string(file_size) +
         " bytes, before the format version");
  }
  npy_header h;
  h.major = prefix[6];
  const int minor = prefix[7];
  if ((h.major != 1 && h.major != 2 && h.major != 3) || minor != 0) {
    fail("unsupported .npy format version " + std::to_string(h.major) + "." +
         std::to_string(minor));
  }
  const std::size_t len_bytes = h.major == 1 ? 2 : 4;
  if (prefix.size() < 8 + len_bytes) {
    fail("truncated header length: the file ends after " + std::to_string(file_size) + " bytes");
  }
  const std::uint64_t hlen = h.major == 1 ? detail::load_le<std::uint16_t>(prefix.data() + 8)
                                          : detail::load_le<std::uint32_t>(prefix.data() + 8);
  const std::uint64_t start = 8 + len_bytes;
  if (hlen > detail::npy_max_header)
    fail("header length " + std::to_string(hlen) + " exceeds 1 MiB");
  if (start + hlen > file_size) {
    fail("header length " + std::to_string(hlen) + " overflows the file (" +
         std::to_string(file_size) + " bytes)");
  }
  if (prefix.size() < start + hlen) fail("truncated header");
  const auto* text = reinterpret_cast<const char*>(prefix.data() + start);
  for (std::uint64_t i = 0; i < hlen; ++i) {
    if (static_cast<unsigned char>(text[i]) >= 0x80) fail("non-ASCII byte in header");
  }
  detail::npy_dict_parser(std::string_view(text, hlen), file).parse(h);

  if (h.descr == "<f4") {
    h.item_size = 4;
  } else if (h.descr == "<f8") {
    h.item_size = 8;
  } else if (h.descr == ">f4" || h.descr == ">f8") {
    fail("big-endian dtype '" + h.descr + "' is not supported");
  } else {
    fail("unsupported dtype '" + h.descr + "' (only '<f4' and '<f8')");
  }
  // every dimension counts, in any order: (0, 2^40, 2^40) overflows as (2^40, 2^40, 0) does
  std::uint64_t count = 1, nonzero = 1, bytes = 0;
  for (std::size_t d : h.shape) {
    if (!detail::checked_mul(nonzero, d == 0 ? 1 : d, nonzero))
      fail("shape " + detail::shape_text(h.shape) + " overflows");
    count *= d;
  }
  if (!detail::checked_mul(count, h.item_size, bytes)) {
    fail("shape " + detail::shape_text(h.shape) + " overflows");
  }
  h.count = static_cast<std::size_t>(count);
  h.data_offset = static_cast<std::size_t>(start + hlen);
  const std::uint64_t have = file_size - h.data_offset;
  if (have < bytes) {
    fail("truncated data: shape " + detail::shape_text(h.shape) + " needs " +
         std::to_string(bytes) + " bytes, file has " + std::to_string(have));
  }
  if (have > bytes)
    fail("trailing garbage: " + std::to_string(have - bytes) + " bytes after the data");
  return h;
}

/// Throws invalid_input naming the first NaN/Inf element.
inline void check_finite(const npy_array& arr, const std::filesystem::path& path) {
  for (std::size_t i = 0; i < arr.data.size(); ++i) {
    if (!std::isfinite(arr.data[i])) {
      throw invalid_input(path.string() + ": non-finite value (" + std::to_string(arr.data[i]) +
                          ") at flat index " + std::to_string(i));
    }
  }
}

/// Reads a .npy file as float32 ('<f8' is narrowed; a finite value outside the
/// float range is rejected). With `require_finite`, NaN/Inf are rejected too.
inline npy_array read_npy_float(const std::filesystem::path& path, bool require_finite = false) {
  const std::string file = path.string();
  detail::fd_guard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw invalid_input(file + ": cannot open: " + detail::errno_text(errno));
  struct ::stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw invalid_input(file + ": not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);

  // Magic + version + length first, then exactly the declared header (if it fits).
  std::vector<unsigned char> prefix(static_cast<std::size_t>(std::min<std::uint64_t>(size, 12)));
  auto pread_fully = [&](std::size_t from) {
    for (std::size_t off = from; off < prefix.size();) {
      const ::ssize_t r =
          ::pread(fd.get(), prefix.data() + off, prefix.size() - off, static_cast<off_t>(off));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) throw invalid_input(file + ": read failed");
      off += static_cast<std::size_t>(r);
    }
  };
  pread_fully(0);
  if (prefix.size() == 12 && prefix[6] >= 1 && prefix[6] <= 3) {
    const std::uint64_t start = prefix[6] == 1 ? 10 : 12;
    const std::uint64_t hlen = prefix[6] == 1 ? detail::load_le<std::uint16_t>(prefix.data() + 8)
                                              : detail::load_le<std::uint32_t>(prefix.data() + 8);
    if (hlen <= detail::npy_max_header && start + hlen <= size && start + hlen > 12) {
      prefix.resize(static_cast<std::size_t>(start + hlen));
      pread_fully(12);
    }
  }
  const npy_header h = parse_npy_header(prefix, size, file);
  if (::lseek(fd.get(), static_cast<off_t>(h.data_offset), SEEK_SET) < 0)
    throw invalid_input(file + ": seek failed");

  npy_array arr;
  arr.shape = h.shape;
  arr.data.resize(h.count);
  std::vector<unsigned char> chunk(std::size_t{1} << 16);
  const std::size_t per_chunk = chunk.size() / h.item_size;
  for (std::size_t done = 0; done < h.count;) {
    const std::size_t n = std::min(per_chunk, h.count - done);
    if (!detail::read_fully(fd.get(), chunk.data(), n * h.item_size)) {
      throw invalid_input(file + ": read failed (file changed while reading?)");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char* p = chunk.data() + i * h.item_size;
      if (h.item_size == 4) {
        arr.data[done + i] = std::bit_cast<float>(detail::load_le<std::uint32_t>(p));
      } else {
        const double d = std::bit_cast<double>(detail::load_le<std::uint64_t>(p));
        if (!detail::narrow_to_float(d, arr.data[done + i])) {
          throw invalid_input(file + ": '<f8' value " + diffbridge::detail::concat(d) +
                              " at flat index " + std::to_string(done + i) +
                              " is outside the float32 range");
        }
      }
    }
    done += n;
  }
  if (require_finite) check_finite(arr, path);
  return arr;
}

/// Dimensions of an NCHW array with N = 1.
struct nchw_dims {
  std::size_t c = 0, h = 0, w = 0;
};

/// Checks that `arr` is rank 4 with N = 1; reports the shape it got otherwise.
inline nchw_dims require_nchw(const npy_array& arr, const std::filesystem::path& path) {
  if (arr.shape.size() != 4 || arr.shape[0] != 1) {
    throw invalid_input(path.string() + ": expected an NCHW array with N = 1, got shape " +
                        detail::shape_text(arr.shape));
  }
  if (arr.shape[1] == 0 || arr.shape[2] == 0 || arr.shape[3] == 0)
    throw invalid_input(path.string() + ": empty array, shape " + detail::shape_text(arr.shape) +
                        " (C, H and W must be at least 1)");
  return {arr.shape[1], arr.shape[2], arr.shape[3]};
}

/// Writes `data` (C order) as a format-1.0 '<f4' .npy file, atomically:
/// a unique temporary PATH.tmp.PID.N is written and renamed over PATH, so a failure leaves no
/// partial PATH and no existing file but PATH is touched.
inline void write_npy(const std::filesystem::path& path, std::span<const std::size_t> shape,
                      std::span<const float> data) {
  const std::string file = path.string();
  std::uint64_t count = 1;
  for (std::size_t d : shape) {
    if (!detail::checked_mul(count, d, count))
      throw invalid_input(file + ": shape " + detail::shape_text(shape) + " overflows");
  }
  if (count != data.size()) {
    throw invalid_input(file + ": shape " + detail::shape_text(shape) + " holds " +
                        std::to_string(count) + " elements but " + std::to_string(data.size()) +
                        " were given");
  }
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + detail::shape_text(shape) + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary; end with '\n'.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  if (dict.size() > 0xFFFF) throw invalid_input(file + ": header too long for .npy format 1.0");

  std::vector<unsigned char> head(10);
  std::memcpy(head.data(), detail::npy_magic, 6);
  head[6] = 1;
  head[7] = 0;
  detail::store_le<std::uint16_t>(head.data() + 8, static_cast<std::uint16_t>(dict.size()));
  head.insert(head.end(), dict.begin(), dict.end());

  detail::atomic_writer out(path);
  out.write(head.data(), head.size());
  if constexpr (std::endian::native == std::endian::little) {
    out.write(data.data(), data.size() * sizeof(float));
  } else {
    std::vector<unsigned char> buf(4 * 4096);
    for (std::size_t i = 0; i < data.size(); i += 4096) {
      const std::size_t n = std::min<std::size_t>(4096, data.size() - i);
      for (std::size_t k = 0; k < n; ++k) {
        detail::store_le<std::uint32_t>(buf.data() + 4 * k,
                                        std::bit_cast<std::uint32_t>(data[i + k]));
      }
      out.write(buf.data(), 4 * n);
    }
  }
  out.commit();
}

/// Convenience overload for an npy_array.
inline void write_npy(const std::filesystem::path& path, const npy_array& arr) {
  write_npy(path, arr.shape, arr.data);
}

}  // namespace diffbridge::io
