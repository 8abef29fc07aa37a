// libFuzzer target of the safetensors reader (include/diffbridge/io/safetensors.hpp): any byte
// string is written to an in-memory file and opened; the reader must either accept it (and
// then every tensor converts within the file's bounds) or throw diffbridge::invalid_input.
// Any other exception, crash, leak or sanitizer report is a bug.
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude fuzz/fuzz_safetensors.cpp
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "diffbridge/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz_safetensors", MFD_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t done = 0;
  while (done < size) {
    const ::ssize_t w = ::write(fd, data + done, size - done);
    if (w <= 0) break;
    done += std::size_t(w);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  for (bool mmap : {true, false}) {
    try {
      const diffbridge::io::safetensors_file f(path, mmap);
      std::size_t total = 0;
      for (const auto& name : f.names()) {
        const auto info = f.info(name);
        total += f.raw(name).size();
        const auto v = f.to_float(name);
        std::size_t n = 1;
        for (auto d : info.shape) n *= d;
        if (v.size() != n) __builtin_trap();
      }
      if (total > size) __builtin_trap();
    } catch (const diffbridge::invalid_input&) {
    }
  }
  ::close(fd);
  return 0;
}
