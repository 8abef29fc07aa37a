// Text from a file made safe for a one-line error message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace diffbridge::io::detail {

/// `s` with every byte outside printable ASCII (0x20–0x7E) replaced by '?', cut to `max`
/// bytes (then ending in "..."): names and reasons taken from a file can then neither break a
/// message over lines nor carry terminal escapes.
inline std::string printable(std::string_view s, std::size_t max = 200) {
  std::string out;
  const std::size_t n = s.size() > max ? max : s.size();
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? char(c) : '?');
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace diffbridge::io::detail
