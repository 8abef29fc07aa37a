// Minimal argument handling of the `diffbridge` tool: `--key value` options, repeated
// `--set`, and strict number parsing. Errors are diffbridge::invalid_parameter.
#pragma once

#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "diffbridge/bridge/parameters.hpp"
#include "diffbridge/core/error.hpp"

namespace diffbridge::cli {

class args {
 public:
  /// Parses argv[first..]; `flags` are options without a value.
  args(int argc, char** argv, int first, const std::vector<std::string>& valued,
       const std::vector<std::string>& flags) {
    for (int i = first; i < argc; ++i) {
      const std::string a = argv[i];
      if (contains(flags, a)) {
        if (contains(flags_, a)) throw invalid_parameter(a + " given more than once");
        flags_.push_back(a);
      } else if (contains(valued, a)) {
        if (i + 1 >= argc) throw invalid_parameter(a + ": missing value");
        values_[a].push_back(argv[++i]);
      } else {
        throw invalid_parameter("unknown option '" + a + "'");
      }
    }
  }
  bool flag(const std::string& f) const { return contains(flags_, f); }
  bool has(const std::string& k) const { return values_.count(k) != 0; }
  const std::vector<std::string>& all(const std::string& k) const {
    static const std::vector<std::string> none;
    auto it = values_.find(k);
    return it == values_.end() ? none : it->second;
  }
  std::string one(const std::string& k) const {
    const auto& v = all(k);
    if (v.empty()) throw invalid_parameter(k + " is required");
    if (v.size() > 1) throw invalid_parameter(k + " given more than once");
    return v.front();
  }
  std::string one_or(const std::string& k, const std::string& def) const {
    return has(k) ? one(k) : def;
  }

 private:
  static bool contains(const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
      if (x == s) return true;
    return false;
  }
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> flags_;
};

inline double to_number(const std::string& what, const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    throw invalid_parameter(what + " = '" + s + "': not a finite number");
  return v;
}

/// An integer in [lo, hi] (a whole finite number; 1e3 is accepted), or an invalid_parameter
/// quoting the text as given: "--steps 1e300: must be an integer in [1, 1000000]".
inline long long to_integer(const std::string& what, const std::string& s, long long lo,
                            long long hi) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v != std::floor(v) ||
      v < double(lo) || v > double(hi))
    throw invalid_parameter(what + " " + s + ": must be an integer in [" + std::to_string(lo) +
                            ", " + std::to_string(hi) + "]");
  return static_cast<long long>(v);
}

/// Largest seed the tool takes: 2^53, the largest integer every parser here reads exactly.
inline constexpr long long max_seed = 9007199254740992LL;

/// The `--set KEY=VALUE` options as a parameter_set; a key given twice is an error (as any
/// other option given twice).
inline parameter_set parameters_of(const args& a) {
  parameter_set ps;
  for (const auto& kv : a.all("--set")) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos && ps.has(kv.substr(0, eq)))
      throw invalid_parameter("--set " + kv.substr(0, eq) + " given more than once");
    ps.set(kv);
  }
  return ps;
}

/// Commands that take no options: anything after the command is an error.
inline void no_arguments(int argc, char** argv, int first) {
  if (argc > first)
    throw invalid_parameter(std::string("unexpected argument '") + argv[first] + "'");
}

inline std::vector<double> to_numbers(const std::string& what, const std::string& csv) {
  std::vector<double> r;
  size_t b = 0;
  while (true) {
    const size_t e = csv.find(',', b);
    r.push_back(to_number(what, csv.substr(b, e == std::string::npos ? std::string::npos : e - b)));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return r;
}

}  // namespace diffbridge::cli
