// Helpers for the io tests: a private temporary directory and raw byte files.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace io_test {

using bytes = std::vector<unsigned char>;

/// A fresh directory under the system temp dir, removed on destruction.
struct temp_dir {
  std::filesystem::path dir;
  explicit temp_dir(const std::string& tag) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("diffbridge_io_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return dir / name; }
};

inline void append(bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

template <class U>
void append_le(bytes& b, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

inline void write_bytes(const std::filesystem::path& p, const bytes& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline bytes read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace io_test
