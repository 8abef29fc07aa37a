// Loading a DiffIR checkpoint (safetensors, spec §5) strictly against the layout of the network:
// every key the network reads must be present with its shape; every other key is an error,
// except the duplicated `diffusion.model.*` / `diffusion.condition.*` copies (ignored) and the
// 12 schedule buffers `diffusion.<name>` (checked, when present, against the schedule recomputed
// from the config). All problems are reported together in one line: the count of each kind and
// its first 8 names.
#pragma once

#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "diffbridge/io/detail/text.hpp"
#include "diffbridge/io/safetensors.hpp"
#include "diffbridge/models/diffir/config.hpp"
#include "diffbridge/models/diffir/ipr_diffusion.hpp"
#include "diffbridge/models/diffir/layout.hpp"
#include "diffbridge/nn/check.hpp"

namespace diffbridge::models::diffir {

/// NCHW extents of a key's dims (rank < 4 padded with trailing 1s).
inline shape to_shape(const std::vector<std::size_t>& d) {
  std::size_t e[4] = {1, 1, 1, 1};
  for (std::size_t i = 0; i < d.size() && i < 4; ++i) e[i] = d[i];
  return {e[0], e[1], e[2], e[3]};
}

inline std::string dims_str(const std::vector<std::size_t>& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(d[i]);
  }
  return s + "]";
}

/// Whether key `name` is a block's IPR modulation weight (`….kernel.0.weight`, [2C, 256]).
inline bool is_ipr_kernel(const std::string& name) {
  static const std::string tail = ".kernel.0.weight";
  return name.size() > tail.size() &&
         name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

/// The network's tensors on backend B, by key name. The blocks' IPR modulation weights are
/// stored back to back in one tensor, the pack ([Σ 2C, 256], in the order put), so that one
/// product with the IPR computes the modulation of every block (dirformer::forward).
template <class B>
class weight_set {
 public:
  void put(const std::string& name, std::span<const float> values, shape s) {
    auto t = B::template empty<float>(s);
    B::copy_from_host(values, B::as_view(t));
    t_.insert_or_assign(name, std::move(t));
    packed_.erase(name);
  }
  /// Replaces the pack: the tensors `names` (shapes `dims`) whose values follow each other in
  /// `values`, rows of `cols` (invalid_input unless names and shapes pair up and fill `values`
  /// with whole rows).
  void put_pack(const std::vector<std::string>& names, const std::vector<shape>& dims,
                std::span<const float> values, std::size_t cols) {
    std::size_t total = 0;
    for (const shape& d : dims) total += d.numel();
    if (names.size() != dims.size() || total != values.size() || cols == 0 || total % cols != 0)
      throw invalid_input("weights: the pack's names, shapes and values do not match");
    auto t = B::template empty<float>(shape{total / cols, cols, 1, 1});
    B::copy_from_host(values, B::as_view(t));
    pack_ = std::move(t);
    packed_.clear();
    std::size_t at = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      t_.erase(names[i]);
      packed_.insert_or_assign(names[i], std::pair{at, dims[i]});
      at += dims[i].numel();
    }
  }
  bool contains(const std::string& name) const {
    return t_.count(name) != 0 || packed_.count(name) != 0;
  }
  /// The tensor `name` (invalid_input if absent: a layout/model mismatch inside the library).
  nn::cview get(const std::string& name) const {
    if (const auto p = packed_.find(name); p != packed_.end())
      return nn::cview{B::as_view(pack_).raw() + p->second.first, p->second.second};
    const auto it = t_.find(name);
    if (it == t_.end()) throw invalid_input("weights: no tensor '" + name + "'");
    const auto v = B::as_view(it->second);
    return nn::cview{v.raw(), v.dims};  // a pointer in B's memory space
  }
  /// `name` if present, else an empty view (optional biases).
  nn::cview optional(const std::string& name) const {
    return contains(name) ? get(name) : nn::cview{};
  }
  /// The pack as one [rows, cols] matrix (empty when nothing was packed).
  nn::cview pack() const {
    if (packed_.empty()) return {};
    const auto v = B::as_view(pack_);
    return nn::cview{v.raw(), v.dims};
  }
  std::size_t size() const noexcept { return t_.size() + packed_.size(); }

 private:
  std::map<std::string, typename B::template tensor<float>> t_;
  typename B::template tensor<float> pack_{};
  std::map<std::string, std::pair<std::size_t, shape>> packed_;  ///< offset in pack_, shape
};

/// What a file holds compared with a layout.
struct layout_diff {
  std::vector<std::string> missing, unexpected,
      misshaped;                      ///< misshaped: "NAME [got] expected [want]"
  std::vector<std::string> schedule;  ///< buffers whose values disagree
  bool ok() const {
    return missing.empty() && unexpected.empty() && misshaped.empty() && schedule.empty();
  }
};

namespace detail {

inline bool is_duplicate(const std::string& n) {
  return n.rfind("diffusion.model.", 0) == 0 || n.rfind("diffusion.condition.", 0) == 0;
}

/// The first `max` of v, made printable (names come from the file), joined by ", ", then
/// "... and N more": a message stays one short line however many keys are wrong.
inline std::string join(const std::vector<std::string>& v, std::size_t max = 8) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) {
    if (i) s += ", ";
    s += io::detail::printable(v[i]);
  }
  if (v.size() > max) s += diffbridge::detail::concat(", ... and ", v.size() - max, " more");
  return s;
}

}  // namespace detail

/// Compares the file's keys with the layout (and, for Stage 2, its schedule buffers with d).
inline layout_diff compare(const io::safetensors_file& f, const layout& l, const ipr_ddpm* d) {
  layout_diff r;
  std::set<std::string> wanted;
  for (const auto& k : l) {
    wanted.insert(k.name);
    if (!f.contains(k.name)) {
      r.missing.push_back(k.name);
    } else if (const auto got = f.info(k.name).shape; got != k.dims) {
      r.misshaped.push_back(k.name + " " + dims_str(got) + " expected " + dims_str(k.dims));
    }
  }
  std::map<std::string, std::vector<double>> buf;
  if (d) buf = d->buffers();
  for (const auto& n : f.names()) {
    if (wanted.count(n)) continue;
    if (d && detail::is_duplicate(n)) continue;
    const std::string b = n.rfind("diffusion.", 0) == 0 ? n.substr(10) : "";
    if (d && buf.count(b)) {
      const auto& want = buf[b];
      const auto got_dims = f.info(n).shape;
      if (got_dims != std::vector<std::size_t>{want.size()}) {
        r.misshaped.push_back(n + " " + dims_str(got_dims) + " expected " +
                              dims_str({want.size()}));
        continue;
      }
      const auto got = f.to_float(n);
      // the buffers are float64 values rounded to the file's dtype: a few units of its rounding
      const auto dt = f.info(n).dtype;
      const double rel = dt == io::st_dtype::f16 ? 1e-3 : dt == io::st_dtype::bf16 ? 8e-3 : 4e-7;
      for (std::size_t i = 0; i < want.size(); ++i) {
        if (!(std::fabs(double(got[i]) - want[i]) <= rel * std::fabs(want[i]) + 1e-30)) {
          r.schedule.push_back(
              diffbridge::detail::concat(n, "[", i, "] = ", got[i], " (recomputed ", want[i], ")"));
          break;
        }
      }
      continue;
    }
    r.unexpected.push_back(n);
  }
  return r;
}

/// Loads the tensors of layout l from f onto backend B; throws invalid_input giving, in one
/// line, the number of missing, unexpected and mis-shaped keys (and disagreeing schedule
/// buffers) and the first 8 names of each.
template <class B>
weight_set<B> load_weights(const io::safetensors_file& f, const layout& l, const ipr_ddpm* d,
                           const std::string& what) {
  const layout_diff r = compare(f, l, d);
  if (!r.ok()) {
    std::string msg = f.path() + ": not the weights of " + what + ":";
    if (!r.missing.empty())
      msg += diffbridge::detail::concat(" missing ", r.missing.size(), " (",
                                        detail::join(r.missing), ");");
    if (!r.unexpected.empty())
      msg += diffbridge::detail::concat(" unexpected ", r.unexpected.size(), " (",
                                        detail::join(r.unexpected), ");");
    if (!r.misshaped.empty())
      msg += diffbridge::detail::concat(" mis-shaped ", r.misshaped.size(), " (",
                                        detail::join(r.misshaped), ");");
    if (!r.schedule.empty())
      msg += " schedule buffers differ from the config's timesteps/linear_start/linear_end (" +
             detail::join(r.schedule) + ");";
    msg.pop_back();
    throw invalid_input(msg);
  }
  weight_set<B> w;
  std::vector<std::string> packed;
  std::vector<shape> packed_dims;
  std::vector<float> pack;
  for (const auto& k : l) {
    const std::vector<float> v = f.to_float(k.name);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        throw invalid_input(diffbridge::detail::concat(f.path(), ": tensor '", k.name,
                                                       "' holds a non-finite value at ", i));
    if (is_ipr_kernel(k.name) && k.dims.size() == 2 && k.dims[1] == ipr_width) {
      packed.push_back(k.name), packed_dims.push_back(to_shape(k.dims));
      pack.insert(pack.end(), v.begin(), v.end());
    } else {
      w.put(k.name, v, to_shape(k.dims));
    }
  }
  if (!packed.empty()) w.put_pack(packed, packed_dims, pack, ipr_width);
  return w;
}

}  // namespace diffbridge::models::diffir
