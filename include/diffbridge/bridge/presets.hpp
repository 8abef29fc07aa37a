// Every existing bridge by name (docs/special-cases.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diffbridge/bridge/presets/bbdm.hpp"
#include "diffbridge/bridge/presets/dbim.hpp"
#include "diffbridge/bridge/presets/ddbm.hpp"
#include "diffbridge/bridge/presets/ddpm.hpp"
#include "diffbridge/bridge/presets/i2sb.hpp"
#include "diffbridge/bridge/presets/mean_reverting.hpp"
#include "diffbridge/bridge/presets/rdbm.hpp"
#include "diffbridge/bridge/presets/rectified_flow.hpp"
#include "diffbridge/bridge/presets/resshift.hpp"

namespace diffbridge {

inline std::vector<std::string> preset_names() {
  return {"rdbm",    "goub",    "unidb", "irsde",    "bbdm", "i2sb",
          "ddbm-ve", "ddbm-vp", "dbim",  "resshift", "ddpm", "rectified-flow"};
}

/// The preset called `name` with `params` (`--set KEY=VALUE`); unknown names and keys,
/// and values out of range, throw invalid_parameter.
inline any_preset make_preset(std::string_view name, const parameter_set& params = {}) {
  using namespace presets;
  if (name == "rdbm") return any_preset(rdbm(params));
  if (name == "goub") return any_preset(goub(params));
  if (name == "unidb") return any_preset(unidb(params));
  if (name == "irsde") return any_preset(irsde(params));
  if (name == "bbdm") return any_preset(bbdm(params));
  if (name == "i2sb") return any_preset(i2sb(params));
  if (name == "ddbm-ve") return any_preset(ddbm_ve(params));
  if (name == "ddbm-vp") return any_preset(ddbm_vp(params));
  if (name == "dbim") return any_preset(dbim(params));
  if (name == "resshift") return any_preset(resshift(params));
  if (name == "ddpm") return any_preset(ddpm(params));
  if (name == "rectified-flow") return any_preset(rectified_flow(params));
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw invalid_parameter(detail::concat("unknown bridge '", name, "' (known: ", known, ")"));
}

}  // namespace diffbridge
