// `--set KEY=VALUE` parameters of a preset, parsed strictly: a number must be a whole
// finite number, an unknown key is an error naming the known ones.
#pragma once

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge {

class parameter_set {
 public:
  parameter_set() = default;

  /// Adds "KEY=VALUE"; a later value for the same key replaces the earlier one.
  void set(std::string_view key_value) {
    const auto eq = key_value.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw invalid_parameter(detail::concat("--set ", key_value, ": expected KEY=VALUE"));
    kv_[std::string(key_value.substr(0, eq))] = std::string(key_value.substr(eq + 1));
  }
  void set(std::string key, std::string value) { kv_[std::move(key)] = std::move(value); }
  bool has(const std::string& key) const { return kv_.count(key) != 0; }

  const std::map<std::string, std::string>& values() const noexcept { return kv_; }

 private:
  friend class parameter_reader;
  static double parse(const std::string& key, const std::string& s) {
    double v = 0;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || !std::isfinite(v))
      throw invalid_parameter(detail::concat(key, " = '", s, "': not a finite number"));
    return v;
  }
  std::map<std::string, std::string> kv_;
};

/// One preset's reading of a parameter_set, made for one construction: the values it asks
/// for, parsed and range-checked, and the keys it asked for, so that require_all_used names a
/// key the preset does not know. (The set itself stays plain data: one set can configure
/// several presets, each checking only against its own keys, from any thread.)
class parameter_reader {
 public:
  explicit parameter_reader(const parameter_set& ps) : kv_(ps.values()) {}

  bool has(const std::string& key) const { return kv_.count(key) != 0; }

  /// A number in [lo, hi] (inclusive), `def` when absent.
  double number(const std::string& key, double def, double lo, double hi, const char* range) {
    known_.insert(key);
    const auto it = kv_.find(key);
    if (it == kv_.end()) return def;
    const double v = parameter_set::parse(key, it->second);
    require_parameter(v >= lo && v <= hi, key.c_str(), it->second, range);
    return v;
  }

  /// An integer in [lo, hi].
  long integer(const std::string& key, long def, long lo, long hi, const char* range) {
    const double v = number(key, double(def), double(lo), double(hi), range);
    if (v != std::floor(v)) require_parameter(false, key.c_str(), kv_.at(key), range);
    return long(v);
  }

  /// One of `choices`.
  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& choices) {
    known_.insert(key);
    const auto it = kv_.find(key);
    if (it == kv_.end()) return def;
    for (const auto& c : choices)
      if (c == it->second) return c;
    std::string allowed;
    for (const auto& c : choices) allowed += (allowed.empty() ? "" : "|") + c;
    throw invalid_parameter(detail::concat(key, " = ", it->second, ": must be one of ", allowed));
  }

  /// Throws if a key was given that this reader never asked for.
  void require_all_used(std::string_view bridge) const {
    for (const auto& [k, v] : kv_) {
      if (known_.count(k)) continue;
      std::string names;
      for (const auto& n : known_) names += (names.empty() ? "" : ", ") + n;
      throw invalid_parameter(detail::concat("unknown parameter '", k, "' for bridge ", bridge,
                                             " (known: ", names, ")"));
    }
  }

 private:
  const std::map<std::string, std::string>& kv_;
  std::set<std::string> known_;
};

}  // namespace diffbridge
