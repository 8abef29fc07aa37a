// DiffIR configurations (spec §4) and the per-variant facts of spec §3 / §7: input adaptors,
// channel counts, padding. A config is overridable from JSON with the official YAML key names.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "diffbridge/core/error.hpp"
#include "diffbridge/nn/resample.hpp"

namespace diffbridge::models::diffir {

enum class variant { deblur, sr1, sr2, sr4, inpaint };
enum class norm_type { with_bias, bias_free };

inline constexpr std::size_t ipr_width = 256;  ///< 4·n_feats, n_feats = 64 (spec §2)
inline constexpr std::size_t n_feats = 64;

inline variant parse_variant(std::string_view s) {
  if (s == "deblur") return variant::deblur;
  if (s == "sr1") return variant::sr1;
  if (s == "sr2") return variant::sr2;
  if (s == "sr4") return variant::sr4;
  if (s == "inpaint") return variant::inpaint;
  throw invalid_parameter(diffbridge::detail::concat("model = ", s, ": must be one of deblur|sr1|sr2|sr4|inpaint"));
}
inline const char* name(variant v) {
  switch (v) {
    case variant::deblur: return "deblur";
    case variant::sr1: return "sr1";
    case variant::sr2: return "sr2";
    case variant::sr4: return "sr4";
    case variant::inpaint: break;
  }
  return "inpaint";
}

/// network_g of the test configs (spec §4), official key names in comments.
struct config {
  std::size_t dim = 48;                                   // dim
  std::array<std::size_t, 4> num_blocks{3, 5, 6, 6};      // num_blocks
  std::size_t num_refinement_blocks = 4;                  // num_refinement_blocks
  std::array<std::size_t, 4> heads{1, 2, 4, 8};           // heads
  double ffn_expansion_factor = 2.0;                      // ffn_expansion_factor
  bool bias = false;                                      // bias
  norm_type layer_norm = norm_type::with_bias;            // LayerNorm_type
  std::size_t n_encoder_res = 5;                          // n_encoder_res
  std::size_t n_denoise_res = 1;                          // n_denoise_res
  long timesteps = 4;                                     // timesteps
  double linear_start = 0.1, linear_end = 0.99;           // linear_start, linear_end

  /// FFN hidden width int(C·factor), Python truncation (spec §2.4).
  std::size_t hidden(std::size_t c) const { return std::size_t(double(c) * ffn_expansion_factor); }
};

inline config default_config(variant v) {
  config c;
  if (v == variant::sr1 || v == variant::sr2 || v == variant::sr4) {
    c.dim = 64, c.num_blocks = {13, 1, 1, 1}, c.num_refinement_blocks = 13;
    c.ffn_expansion_factor = 2.2, c.layer_norm = norm_type::bias_free, c.n_encoder_res = 9;
  } else if (v == variant::inpaint) {
    c.dim = 52, c.num_blocks = {1, 1, 1, 9}, c.num_refinement_blocks = 0;
    c.ffn_expansion_factor = 1.8, c.n_encoder_res = 5;
  }
  return c;
}

/// SR scale s (1, 2, 4), or 0 for the other variants.
inline std::size_t sr_scale(variant v) {
  return v == variant::sr4 ? 4 : v == variant::sr2 ? 2 : v == variant::sr1 ? 1 : 0;
}
/// Output size factor of the pipeline (1 except SR).
inline std::size_t out_scale(variant v) { return sr_scale(v) ? sr_scale(v) : 1; }
/// Image channels the pipeline takes (RGB) and the DIRformer input channels (spec §3).
inline std::size_t g_in_channels(variant v) {
  switch (v) {
    case variant::sr2: return 12;
    case variant::sr1: return 48;
    case variant::inpaint: return 4;
    default: return 3;
  }
}
/// PixelUnshuffle factor applied to the image before G (SR ×2, ×1).
inline std::size_t g_unshuffle(variant v) { return v == variant::sr2 ? 2 : v == variant::sr1 ? 4 : 1; }
/// CPEN input channels: Stage 2 (LQ only) and Stage 1 (LQ and GT), spec §3.
inline std::size_t cpen_s2_channels(variant v) {
  switch (v) {
    case variant::sr4: return 3;
    case variant::sr2: return 12;
    case variant::inpaint: return 64;
    default: return 48;
  }
}
inline std::size_t cpen_s1_channels(variant v) { return cpen_s2_channels(v) + 48; }
/// Test-time padding (spec §7): multiple and mode. Deblur (no padding in the official test,
/// reflect to 8 in its validation) uses reflect to 8 so that any size runs.
inline std::size_t pad_multiple(variant v) { return v == variant::sr2 ? 16 : v == variant::sr1 ? 32 : 8; }
inline nn::pad_mode pad_mode_of(variant v) {
  return v == variant::inpaint ? nn::pad_mode::symmetric : nn::pad_mode::reflect;
}

/// Throws invalid_parameter unless the config describes a buildable network.
inline void validate(const config& c) {
  // bounded first: the level widths dim·2^l and hidden widths C·factor below must not overflow
  require_parameter(c.dim >= 1 && c.dim <= 65536, "dim", c.dim, "in [1, 65536]");
  for (std::size_t l = 0; l < 4; ++l) {
    const std::size_t C = c.dim << l;
    require_parameter(c.heads[l] >= 1 && C % c.heads[l] == 0, "heads", c.heads[l],
                      diffbridge::detail::concat("a divisor of the level width ", C).c_str());
    require_parameter(c.num_blocks[l] >= 1 && c.num_blocks[l] <= 1000, "num_blocks",
                      c.num_blocks[l],
                      "in [1, 1000] (every level has blocks in the released configs)");
  }
  require_parameter(c.dim % 2 == 0, "dim", c.dim, "even (Downsample halves it)");
  require_parameter((2 * c.dim) % c.heads[0] == 0, "heads[0]", c.heads[0], "a divisor of 2·dim (decoder level 1)");
  require_parameter(c.num_refinement_blocks <= 1000, "num_refinement_blocks", c.num_refinement_blocks, "<= 1000");
  require_parameter(c.ffn_expansion_factor > 0 && c.ffn_expansion_factor < 100 && c.hidden(c.dim) >= 1,
                    "ffn_expansion_factor", c.ffn_expansion_factor, "in (0, 100) with int(dim·factor) >= 1");
  require_parameter(c.n_encoder_res <= 1000, "n_encoder_res", c.n_encoder_res, "<= 1000");
  require_parameter(c.n_denoise_res <= 1000, "n_denoise_res", c.n_denoise_res, "<= 1000");
  require_parameter(c.timesteps >= 1 && c.timesteps <= 100000, "timesteps", c.timesteps, "in [1, 100000]");
  require_parameter(c.linear_start > 0 && c.linear_start < 1, "linear_start", c.linear_start, "in (0, 1)");
  require_parameter(c.linear_end > 0 && c.linear_end < 1, "linear_end", c.linear_end, "in (0, 1)");
}

/// Overrides fields of c from a JSON object with the official YAML key names (a `network_g`
/// block of BasicSR, or the inpainting generator's YAML); unknown keys and wrong types are errors
/// (invalid_parameter). `type` / `kind` must name the Stage-2 network, `scale` the variant's (when
/// `model` is given), `dual_pixel_task` must be false (its extra skip conv is not built).
inline void apply_json(config& c, const nlohmann::json& j,
                       std::optional<variant> model = std::nullopt) {
  if (!j.is_object()) throw invalid_parameter("config: expected a JSON object");
  auto uint = [](const nlohmann::json& v, const std::string& k) {
    if (!v.is_number_integer() || v.get<long long>() < 0)
      throw invalid_parameter("config: " + k + " must be a non-negative integer");
    return std::size_t(v.get<long long>());
  };
  auto num = [](const nlohmann::json& v, const std::string& k) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw invalid_parameter("config: " + k + " must be a number");
    return v.get<double>();
  };
  auto four = [&](const nlohmann::json& v, const std::string& k) {
    if (!v.is_array() || v.size() != 4) throw invalid_parameter("config: " + k + " must be an array of 4 integers");
    std::array<std::size_t, 4> a{};
    for (std::size_t i = 0; i < 4; ++i) a[i] = uint(v[i], k);
    return a;
  };
  for (const auto& [k, v] : j.items()) {
    if (k == "dim") c.dim = uint(v, k);
    else if (k == "num_blocks") c.num_blocks = four(v, k);
    else if (k == "num_refinement_blocks") c.num_refinement_blocks = uint(v, k);
    else if (k == "heads") c.heads = four(v, k);
    else if (k == "ffn_expansion_factor") c.ffn_expansion_factor = num(v, k);
    else if (k == "bias") {
      if (!v.is_boolean()) throw invalid_parameter("config: bias must be true or false");
      c.bias = v.get<bool>();
    } else if (k == "LayerNorm_type") {
      if (v == "WithBias") c.layer_norm = norm_type::with_bias;
      else if (v == "BiasFree") c.layer_norm = norm_type::bias_free;
      else throw invalid_parameter("config: LayerNorm_type must be \"WithBias\" or \"BiasFree\"");
    } else if (k == "n_encoder_res") c.n_encoder_res = uint(v, k);
    else if (k == "n_denoise_res") c.n_denoise_res = uint(v, k);
    else if (k == "timesteps") c.timesteps = long(uint(v, k));
    else if (k == "linear_start") c.linear_start = num(v, k);
    else if (k == "linear_end") c.linear_end = num(v, k);
    else if (k == "type" || k == "kind") {
      if (!v.is_string()) throw invalid_parameter("config: " + k + " must be a string");
      if (v.get<std::string>() != "DiffIRS2")
        throw invalid_parameter("config: " + k + " = " + v.get<std::string>() +
                                ": only the Stage-2 network DiffIRS2 is built");
    } else if (k == "scale") {
      const std::size_t s = uint(v, k);
      if (s != 1 && s != 2 && s != 4) throw invalid_parameter("config: scale must be 1, 2 or 4");
      if (model && sr_scale(*model) != s)
        throw invalid_parameter(diffbridge::detail::concat(
            "config: scale = ", s, " does not match the model ", name(*model)));
    } else if (k == "dual_pixel_task") {
      if (!v.is_boolean() || v.get<bool>())
        throw invalid_parameter("config: dual_pixel_task must be false (not supported)");
    } else if (k == "inp_channels" || k == "out_channels") {
      // fixed by the variant (spec §3: inp_channels is overridden per scale); accepted, ignored
    } else {
      throw invalid_parameter("config: unknown key '" + k + "'");
    }
  }
  validate(c);
}

}  // namespace diffbridge::models::diffir
