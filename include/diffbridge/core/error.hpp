// Typed exceptions of the library. Every message names the offending parameter
// and, where one exists, the allowed range, so a CLI can print it as one line.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace diffbridge {

/// Base of every exception thrown by diffbridge.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parameter outside its allowed range (θ ≤ 0, λ ≤ 0, T = 0, unknown key, ...).
class invalid_parameter : public error {
 public:
  using error::error;
};

/// A time outside the domain of a bridge, or a time grid that is not valid.
class invalid_time : public error {
 public:
  using error::error;
};

/// Malformed or inconsistent input data (files, shapes, NaN, ...).
class invalid_input : public error {
 public:
  using error::error;
};

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  os.precision(17);
  (os << ... << args);
  return os.str();
}
}  // namespace detail

/// Throws invalid_parameter unless `ok`; the message is "NAME = VALUE: must be RANGE".
template <class T>
void require_parameter(bool ok, const char* name, const T& value, const char* range) {
  if (!ok) throw invalid_parameter(detail::concat(name, " = ", value, ": must be ", range));
}

}  // namespace diffbridge
