// Noise modulation π of the generalised bridge (RDBM, paper Eq. 9):
// the noise term of every marginal and step is c·(π ⊙ ε).
#pragma once

#include <cmath>
#include <optional>
#include <string_view>

#include "diffbridge/core/host_device.hpp"

namespace diffbridge {

enum class modulation {
  zero,          ///< π = 0: deterministic path (flow matching / rectified flow)
  one,           ///< π = 1: global noise (every existing bridge)
  residual,      ///< π = x0 − μ: RDBM's signed residual
  abs_residual,  ///< π = |x0 − μ|: the paper's ablation
};

/// π evaluated per element from x0 (or its estimate x̂0) and μ (= y).
template <modulation M, class Real>
DIFFBRIDGE_HD constexpr Real modulation_value(Real x0, Real mu) noexcept {
  if constexpr (M == modulation::zero) {
    return Real(0);
  } else if constexpr (M == modulation::one) {
    return Real(1);
  } else if constexpr (M == modulation::residual) {
    return x0 - mu;
  } else {
    return x0 > mu ? x0 - mu : mu - x0;
  }
}

constexpr std::string_view to_string(modulation m) noexcept {
  switch (m) {
    case modulation::zero:
      return "0";
    case modulation::one:
      return "1";
    case modulation::residual:
      return "residual";
    case modulation::abs_residual:
      return "abs_residual";
  }
  return "?";
}

/// Parses "0", "1", "residual" (or "x0-mu"), "abs_residual" (or "|x0-mu|").
inline std::optional<modulation> parse_modulation(std::string_view s) noexcept {
  if (s == "0" || s == "zero") return modulation::zero;
  if (s == "1" || s == "one") return modulation::one;
  if (s == "residual" || s == "x0-mu") return modulation::residual;
  if (s == "abs_residual" || s == "|x0-mu|") return modulation::abs_residual;
  return std::nullopt;
}

}  // namespace diffbridge
