// Memory-mapped safetensors reader, validating as strictly as the reference
// implementation (huggingface/safetensors, src/tensor.rs), plus a small F32
// writer. Every error is diffbridge::invalid_input, "PATH: [tensor 'NAME': ]what", one line:
// names and strings from the file appear with non-printable bytes as '?'.
#pragma once

#include <diffbridge/core/error.hpp>
#include <diffbridge/io/detail/bytes.hpp>
#include <diffbridge/io/detail/file.hpp>
#include <diffbridge/io/detail/text.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace diffbridge::io {

/// Element types this reader converts to float.
enum class st_dtype { f32, f16, bf16, f64 };

/// The name used in safetensors headers ("F32", ...).
inline const char* dtype_name(st_dtype d) noexcept {
  switch (d) {
    case st_dtype::f32:
      return "F32";
    case st_dtype::f16:
      return "F16";
    case st_dtype::bf16:
      return "BF16";
    case st_dtype::f64:
      return "F64";
  }
  return "?";
}

/// Bytes per element.
inline std::size_t dtype_size(st_dtype d) noexcept {
  switch (d) {
    case st_dtype::f16:
    case st_dtype::bf16:
      return 2;
    case st_dtype::f32:
      return 4;
    case st_dtype::f64:
      return 8;
  }
  return 0;
}

/// Header description of one tensor.
struct tensor_info {
  st_dtype dtype = st_dtype::f32;
  std::vector<std::size_t> shape;
};

/// A float32 tensor to be written by write_safetensors.
struct st_tensor {
  std::vector<std::size_t> shape;
  std::vector<float> data;
};

/// Largest accepted header, as in the reference implementation.
inline constexpr std::uint64_t safetensors_max_header = 100'000'000;

/// A validated, read-only safetensors file (mmap'ed; read into memory if
/// mapping fails). Movable, not copyable.
class safetensors_file {
 public:
  /// Opens and validates `path`; `use_mmap = false` forces the in-memory path.
  explicit safetensors_file(const std::filesystem::path& path, bool use_mmap = true)
      : file_(path.string()), map_(path, use_mmap) {
    parse();
  }

  /// Tensor names, ordered by data offset.
  const std::vector<std::string>& names() const noexcept { return names_; }
  bool contains(std::string_view name) const {
    return entries_.find(std::string(name)) != entries_.end();
  }
  std::size_t size() const noexcept { return names_.size(); }

  tensor_info info(std::string_view name) const { return get(name).info; }

  /// The optional "__metadata__" map (empty when absent).
  const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }

  /// The tensor's raw little-endian bytes inside the file.
  std::span<const unsigned char> raw(std::string_view name) const {
    const entry& e = get(name);
    return map_.bytes().subspan(data_start_ + e.begin, e.end - e.begin);
  }

  /// The tensor converted to float (F64 values outside the float range are rejected).
  std::vector<float> to_float(std::string_view name) const {
    const entry& e = get(name);
    const unsigned char* p = map_.bytes().data() + data_start_ + e.begin;
    const std::size_t n = (e.end - e.begin) / dtype_size(e.info.dtype);
    std::vector<float> out(n);
    switch (e.info.dtype) {
      case st_dtype::f32:
        for (std::size_t i = 0; i < n; ++i)
          out[i] = std::bit_cast<float>(detail::load_le<std::uint32_t>(p + 4 * i));
        break;
      case st_dtype::f16:
        for (std::size_t i = 0; i < n; ++i)
          out[i] = detail::half_to_float(detail::load_le<std::uint16_t>(p + 2 * i));
        break;
      case st_dtype::bf16:
        for (std::size_t i = 0; i < n; ++i)
          out[i] = detail::bf16_to_float(detail::load_le<std::uint16_t>(p + 2 * i));
        break;
      case st_dtype::f64:
        for (std::size_t i = 0; i < n; ++i) {
          const double d = std::bit_cast<double>(detail::load_le<std::uint64_t>(p + 8 * i));
          if (!detail::narrow_to_float(d, out[i])) {
            fail(std::string(name), "F64 value " + std::to_string(d) + " at flat index " +
                                        std::to_string(i) + " is outside the float32 range");
          }
        }
        break;
    }
    return out;
  }

  bool is_mapped() const noexcept { return map_.is_mapped(); }
  const std::string& path() const noexcept { return file_; }

 private:
  struct entry {
    tensor_info info;
    std::uint64_t begin = 0, end = 0;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(file_ + ": " + what);
  }
  [[noreturn]] void fail(const std::string& tensor, const std::string& what) const {
    throw invalid_input(file_ + ": tensor '" + detail::printable(tensor) + "': " + what);
  }

  const entry& get(std::string_view name) const {
    const auto it = entries_.find(std::string(name));
    if (it == entries_.end()) fail(std::string(name), "no such tensor");
    return it->second;
  }

  static nlohmann::json parse_json(std::string_view text, const std::string& file);
  entry parse_entry(const std::string& name, const nlohmann::json& v) const;
  void parse();

  std::string file_;
  detail::mapped_file map_;
  std::uint64_t data_start_ = 0;
  std::unordered_map<std::string, entry> entries_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> metadata_;
};

// Parses the header JSON, rejecting duplicate keys (which nlohmann would
// silently overwrite) and nesting deeper than serde_json accepts.
inline nlohmann::json safetensors_file::parse_json(std::string_view text, const std::string& file) {
  using nlohmann::json;
  std::vector<std::set<std::string>> keys;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (depth > 128)
      throw invalid_input(file + ": header JSON nests too deeply");  // serde_json's limit
    if (ev == json::parse_event_t::object_start) keys.emplace_back();
    if (ev == json::parse_event_t::object_end) keys.pop_back();
    if (ev == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second) {
      throw invalid_input(file + ": duplicate key '" +
                          detail::printable(parsed.get<std::string>()) + "' in header");
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if at end of input; serde_json rejects it.
  if (text.find('\0') != std::string_view::npos) {
    throw invalid_input(file + ": header is not valid JSON: it contains a NUL byte");
  }
  try {
    return json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    throw invalid_input(file + ": header is not valid JSON: " + detail::printable(e.what(), 400));
  }
}

inline safetensors_file::entry safetensors_file::parse_entry(const std::string& name,
                                                             const nlohmann::json& v) const {
  // Unknown keys are ignored, as by the reference implementation.
  if (!v.is_object()) fail(name, "header entry is not an object");
  auto field = [&](const char* key) -> const nlohmann::json& {
    const auto it = v.find(key);
    if (it == v.end()) fail(name, std::string("missing '") + key + "'");
    return *it;
  };
  auto index = [&](const nlohmann::json& x, const std::string& what) -> std::uint64_t {
    if (!x.is_number_unsigned()) fail(name, what + " is not a non-negative integer");
    return x.get<std::uint64_t>();
  };

  entry e;
  const auto& dt = field("dtype");
  if (!dt.is_string()) fail(name, "dtype is not a string");
  const auto& d = dt.get_ref<const std::string&>();
  if (d == "F32")
    e.info.dtype = st_dtype::f32;
  else if (d == "F16")
    e.info.dtype = st_dtype::f16;
  else if (d == "BF16")
    e.info.dtype = st_dtype::bf16;
  else if (d == "F64")
    e.info.dtype = st_dtype::f64;
  else
    fail(name, "unsupported dtype " + detail::printable(d) + " (only F32, F16, BF16, F64)");

  const auto& sh = field("shape");
  if (!sh.is_array()) fail(name, "shape is not an array");
  std::uint64_t count = 1, bytes = 0;
  for (std::size_t i = 0; i < sh.size(); ++i) {
    const std::uint64_t dim = index(sh[i], "shape[" + std::to_string(i) + "]");
    e.info.shape.push_back(static_cast<std::size_t>(dim));
    if (!detail::checked_mul(count, dim, count))
      fail(name, "element count overflows (shape too large)");
  }
  if (!detail::checked_mul(count, dtype_size(e.info.dtype), bytes)) {
    fail(name, "byte size overflows (shape too large for dtype " + d + ")");
  }

  const auto& off = field("data_offsets");
  if (!off.is_array() || off.size() != 2) fail(name, "data_offsets is not [begin, end]");
  e.begin = index(off[0], "data_offsets[0]");
  e.end = index(off[1], "data_offsets[1]");
  if (e.end < e.begin) fail(name, "data_offsets end < begin");
  if (e.end - e.begin != bytes) {
    fail(name, "data_offsets span " + std::to_string(e.end - e.begin) +
                   " bytes but shape and dtype " + d + " need " + std::to_string(bytes));
  }
  return e;
}

inline void safetensors_file::parse() {
  const auto bytes = map_.bytes();
  const std::uint64_t size = bytes.size();
  if (size < 8)
    fail("file too small (" + std::to_string(size) + " bytes) for the 8-byte header length");
  const std::uint64_t n = detail::load_le<std::uint64_t>(bytes.data());
  if (n > safetensors_max_header) {
    fail("header length " + std::to_string(n) + " exceeds the limit of 100000000 bytes");
  }
  if (8 + n > size) {
    fail("header length " + std::to_string(n) + " exceeds the file size (" + std::to_string(size) +
         " bytes)");
  }
  data_start_ = 8 + n;
  const nlohmann::json header =
      parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data() + 8), n), file_);
  if (!header.is_object()) fail("header is not a JSON object");

  std::vector<std::pair<std::string, entry>> sorted;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      if (v.is_null()) continue;  // Option<HashMap> in the reference: null = absent
      if (!v.is_object()) fail("__metadata__ is not an object");
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string())
          fail("__metadata__ value for '" + detail::printable(k) + "' is not a string");
        metadata_.emplace(k, s.get<std::string>());
      }
      continue;
    }
    sorted.emplace_back(name, parse_entry(name, v));
  }
  // Sorted by (begin, end) (ties by name), tensors must tile [0, data size) without holes or
  // overlap.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.begin != b.second.begin ? a.second.begin < b.second.begin
                                            : a.second.end < b.second.end;
  });
  std::uint64_t pos = 0;
  for (const auto& [name, e] : sorted) {
    if (e.begin != pos) {
      fail(name, "invalid data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     "]: " + (e.begin > pos ? "hole" : "overlap") + " at byte " +
                     std::to_string(pos) + " of the data region");
    }
    pos = e.end;
  }
  if (pos > size - data_start_) {  // the last tensor (by offset) ends past the file
    fail(sorted.back().first, "the file is truncated: the tensor needs bytes up to " +
                                  std::to_string(data_start_ + pos) + " but the file has " +
                                  std::to_string(size));
  }
  if (pos < size - data_start_) {
    fail("tensors cover " + std::to_string(pos) + " bytes but the data region has " +
         std::to_string(size - data_start_) + " (file not fully covered)");
  }
  names_.reserve(sorted.size());
  for (auto& [name, e] : sorted) {
    names_.push_back(name);
    entries_.emplace(name, std::move(e));
  }
}

/// Writes `tensors` as an F32 safetensors file (data in name order), atomically
/// via a unique temporary (PATH.tmp.PID.N) + rename.
inline void write_safetensors(const std::filesystem::path& path,
                              const std::map<std::string, st_tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
  const std::string file = path.string();
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t pos = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__")
      throw invalid_input(file + ": '__metadata__' is not a valid tensor name");
    std::uint64_t count = 1;
    for (std::size_t d : t.shape) {
      if (!detail::checked_mul(count, d, count))
        throw invalid_input(file + ": tensor '" + name + "': shape overflows");
    }
    if (count != t.data.size()) {
      throw invalid_input(file + ": tensor '" + name + "': shape holds " + std::to_string(count) +
                          " elements but " + std::to_string(t.data.size()) + " were given");
    }
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {pos, pos + 4 * count}}};
    pos += 4 * count;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // align the data region to 8 bytes

  std::vector<unsigned char> buf(8 + text.size());
  detail::store_le<std::uint64_t>(buf.data(), text.size());
  std::copy(text.begin(), text.end(), buf.begin() + 8);
  detail::atomic_writer out(path);
  out.write(buf.data(), buf.size());
  for (const auto& [name, t] : tensors) {
    buf.resize(4 * t.data.size());
    for (std::size_t i = 0; i < t.data.size(); ++i) {
      detail::store_le<std::uint32_t>(buf.data() + 4 * i, std::bit_cast<std::uint32_t>(t.data[i]));
    }
    out.write(buf.data(), buf.size());
  }
  out.commit();
}

}  // namespace diffbridge::io
