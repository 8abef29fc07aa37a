// libFuzzer target of the structural checks that io/image.hpp runs before stb_image decodes a
// file (include/diffbridge/io/detail/image_checks.hpp): any byte string goes through the JPEG
// and the PNG check, which must return "" or a one-line problem — never read outside the bytes,
// loop without end, or throw. (stb itself is Debian's library, not built with sanitizers here.)
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude
//   fuzz/fuzz_image_checks.cpp
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "diffbridge/io/detail/image_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // as image.hpp calls them: on a file that starts with the format's signature
  static constexpr unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  const std::span<const unsigned char> b(data, size);
  std::string p;
  if (size >= 2 && data[0] == 0xFF && data[1] == 0xD8) p = diffbridge::io::detail::jpeg_problem(b);
  if (size >= 8 && std::equal(png_sig, png_sig + 8, data))
    p = diffbridge::io::detail::png_chunks_problem(b);
  if (p.find('\n') != std::string::npos) std::abort();  // a problem is one line
  return 0;
}
