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

/// What every bridge-backed preset shares: its generalised bridge in the preset's own time,
/// the domain, the official indices and the description. Presets derive from it and hide the
/// members that differ (nothing is virtual: any_preset binds to the concrete preset), and the
/// `reference_*` members always give the generalised bridge itself.
class bridge_backed {
 public:
  preset_info info() const { return info_; }
  time_domain domain() const { return domain_; }
  std::vector<double> official_times() const {
    return domain_.discrete ? index_range(first_official_, long(domain_.hi))
                            : std::vector<double>{};
  }
  marginal_coeffs<double> coeffs(double t) const {
    domain_.require(t, "t");
    return bridge_->marginal(t);
  }
  step_coeffs<double> step(double from, double to, double eta) const {
    domain_.require_step(from, to);
    return bridge_->step(to, from, eta);
  }
  marginal_coeffs<double> reference_coeffs(double t) const { return bridge_backed::coeffs(t); }
  step_coeffs<double> reference_step(double from, double to, double eta) const {
    return bridge_backed::step(from, to, eta);
  }
  const bridge_type& bridge() const { return *bridge_; }

 protected:
  std::optional<bridge_type> bridge_;
  preset_info info_;
  time_domain domain_;
  long first_official_ = 0;
};

}  // namespace diffbridge::presets
