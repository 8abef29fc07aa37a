// Shared plumbing of the presets: the bridge type they map onto and index grids.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "diffbridge/bridge/generalised_bridge.hpp"
#include "diffbridge/bridge/parameters.hpp"
#include "diffbridge/bridge/preset.hpp"
#include "diffbridge/core/error.hpp"

namespace diffbridge::presets {

using bridge_type = generalised_bridge<process<double>>;

/// Every integer index lo..hi.
inline std::vector<double> index_range(long lo, long hi) {
  std::vector<double> v;
  for (long i = lo; i <= hi; ++i) v.push_back(double(i));
  return v;
}

/// S + 1 integer times from `hi` down to `lo`, rounded from a uniform grid (the library's
/// choice where the original always runs every index).
inline std::vector<double> uniform_indices(long hi, long lo, long S) {
  require_parameter(S >= 1 && S <= hi - lo, "steps", S,
                    detail::concat("in [1, ", hi - lo, "]").c_str());
  std::vector<double> g;
  for (long i = 0; i <= S; ++i)
    g.push_back(std::round(double(hi) + double(i) * double(lo - hi) / double(S)));
  return g;
}

/// A scaled λ as the IR-SDE/GOUB code reads it: values ≥ 1 are in 1/255 units.
inline double per_255(double v) { return v >= 1 ? v / 255.0 : v; }

inline std::string fmt(double v) { return detail::concat(v); }

}  // namespace diffbridge::presets
