// The state_dict layout the networks need (spec §2.5, §2.7, §2.8, §2.9, §3, §5): every key with
// its shape, for a variant, a config and a stage. The loader checks a file against it; the
// models read their weights by these names.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "diffbridge/models/diffir/config.hpp"

namespace diffbridge::models::diffir {

struct key_spec {
  std::string name;
  std::vector<std::size_t> dims;
};
using layout = std::vector<key_spec>;

enum class stage { s1 = 1, s2 = 2 };

namespace detail {

inline void add(layout& l, std::string n, std::vector<std::size_t> d) { l.push_back({std::move(n), std::move(d)}); }

/// conv weight [o, i, k, k] (+ bias [o]).
inline void conv(layout& l, const std::string& p, std::size_t o, std::size_t i, std::size_t k, bool bias) {
  add(l, p + ".weight", {o, i, k, k});
  if (bias) add(l, p + ".bias", {o});
}

/// One transformer block at width C with h heads (spec §2.5 table).
inline void block(layout& l, const std::string& p, std::size_t C, std::size_t h, const config& c) {
  const std::size_t F = c.hidden(C);
  const bool wb = c.layer_norm == norm_type::with_bias;
  add(l, p + "norm1.body.weight", {C});
  if (wb) add(l, p + "norm1.body.bias", {C});
  add(l, p + "attn.temperature", {h, 1, 1});
  add(l, p + "attn.kernel.0.weight", {2 * C, ipr_width});
  conv(l, p + "attn.qkv", 3 * C, C, 1, c.bias);
  conv(l, p + "attn.qkv_dwconv", 3 * C, 1, 3, c.bias);
  conv(l, p + "attn.project_out", C, C, 1, c.bias);
  add(l, p + "norm2.body.weight", {C});
  if (wb) add(l, p + "norm2.body.bias", {C});
  conv(l, p + "ffn.project_in", 2 * F, C, 1, c.bias);
  conv(l, p + "ffn.dwconv", 2 * F, 1, 3, c.bias);
  conv(l, p + "ffn.project_out", C, F, 1, c.bias);
  add(l, p + "ffn.kernel.0.weight", {2 * C, ipr_width});
}

inline void blocks(layout& l, const std::string& p, std::size_t n, std::size_t C, std::size_t h, const config& c) {
  for (std::size_t i = 0; i < n; ++i) block(l, p + "." + std::to_string(i) + ".", C, h, c);
}

}  // namespace detail

/// DIRformer keys under prefix (spec §2.7 and the heads of §3).
inline void dirformer_layout(layout& l, const std::string& p, variant v, const config& c) {
  using namespace detail;
  const std::size_t d = c.dim;
  conv(l, p + "patch_embed.proj", d, g_in_channels(v), 3, false);  // never a bias (official)
  blocks(l, p + "encoder_level1", c.num_blocks[0], d, c.heads[0], c);
  conv(l, p + "down1_2.body.0", d / 2, d, 3, false);
  blocks(l, p + "encoder_level2", c.num_blocks[1], 2 * d, c.heads[1], c);
  conv(l, p + "down2_3.body.0", d, 2 * d, 3, false);
  blocks(l, p + "encoder_level3", c.num_blocks[2], 4 * d, c.heads[2], c);
  conv(l, p + "down3_4.body.0", 2 * d, 4 * d, 3, false);
  blocks(l, p + "latent", c.num_blocks[3], 8 * d, c.heads[3], c);
  conv(l, p + "up4_3.body.0", 16 * d, 8 * d, 3, false);
  conv(l, p + "reduce_chan_level3", 4 * d, 8 * d, 1, c.bias);
  blocks(l, p + "decoder_level3", c.num_blocks[2], 4 * d, c.heads[2], c);
  conv(l, p + "up3_2.body.0", 8 * d, 4 * d, 3, false);
  conv(l, p + "reduce_chan_level2", 2 * d, 4 * d, 1, c.bias);
  blocks(l, p + "decoder_level2", c.num_blocks[1], 2 * d, c.heads[1], c);
  conv(l, p + "up2_1.body.0", 4 * d, 2 * d, 3, false);
  blocks(l, p + "decoder_level1", c.num_blocks[0], 2 * d, c.heads[0], c);
  if (v != variant::inpaint) blocks(l, p + "refinement", c.num_refinement_blocks, 2 * d, c.heads[0], c);
  if (sr_scale(v)) {
    conv(l, p + "tail.0.0", 8 * d, 2 * d, 3, true);
    conv(l, p + "tail.0.2", 8 * d, 2 * d, 3, true);
    conv(l, p + "tail.1", 3, 2 * d, 3, true);
  } else {
    conv(l, p + "output", 3, 2 * d, 3, c.bias);
  }
}

/// CPEN keys (spec §2.8): E.0, E.2..E.(n+1) ResBlocks, E.(n+2), E.(n+4), E.(n+6), mlp.0, mlp.2.
inline void cpen_layout(layout& l, const std::string& p, std::size_t cin, const config& c) {
  using namespace detail;
  const std::size_t n = c.n_encoder_res, f = n_feats;
  conv(l, p + "E.0", f, cin, 3, true);
  for (std::size_t i = 0; i < n; ++i) {
    conv(l, p + "E." + std::to_string(i + 2) + ".body.0", f, f, 3, true);
    conv(l, p + "E." + std::to_string(i + 2) + ".body.2", f, f, 3, true);
  }
  conv(l, p + "E." + std::to_string(n + 2), 2 * f, f, 3, true);
  conv(l, p + "E." + std::to_string(n + 4), 2 * f, 2 * f, 3, true);
  conv(l, p + "E." + std::to_string(n + 6), 4 * f, 2 * f, 3, true);
  add(l, p + "mlp.0.weight", {4 * f, 4 * f});
  add(l, p + "mlp.0.bias", {4 * f});
  add(l, p + "mlp.2.weight", {4 * f, 4 * f});
  add(l, p + "mlp.2.bias", {4 * f});
}

/// Denoise MLP keys (spec §2.9): resmlp.0 (513 → 256), resmlp.(k+1).resmlp.0 (256 → 256).
inline void denoise_layout(layout& l, const std::string& p, const config& c) {
  using namespace detail;
  add(l, p + "resmlp.0.weight", {ipr_width, 2 * ipr_width + 1});
  add(l, p + "resmlp.0.bias", {ipr_width});
  for (std::size_t k = 1; k <= c.n_denoise_res; ++k) {
    add(l, p + "resmlp." + std::to_string(k + 1) + ".resmlp.0.weight", {ipr_width, ipr_width});
    add(l, p + "resmlp." + std::to_string(k + 1) + ".resmlp.0.bias", {ipr_width});
  }
}

/// Every key the network of (variant, config, stage) reads. Stage 2: G.*, condition.*,
/// denoise.*; Stage 1: G.*, E.E.*, E.mlp.* (spec §5.1).
inline layout network_layout(variant v, const config& c, stage s) {
  layout l;
  dirformer_layout(l, "G.", v, c);
  if (s == stage::s2) {
    cpen_layout(l, "condition.", cpen_s2_channels(v), c);
    denoise_layout(l, "denoise.", c);
  } else {
    cpen_layout(l, "E.", cpen_s1_channels(v), c);
  }
  return l;
}

}  // namespace diffbridge::models::diffir
