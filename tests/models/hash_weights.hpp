// The counter-based weights of the golden fixtures, the C++ twin of diffir_torch.hash_tensor
// (scripts/golden/diffir_torch.py): u_i ∈ [−1, 1) from splitmix64 of (fnv1a32(name) << 32 ^ seed)
// + (i + 1)·γ, mapped per kind of tensor; every step is exact or one IEEE rounding in both
// languages, so the weights are bit-identical. Also writes a manifest's weights as safetensors.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffbridge/io/safetensors.hpp"

namespace hashw {

inline std::uint32_t fnv1a32(const std::string& s) {
  std::uint32_t h = 0x811C9DC5u;
  for (unsigned char c : s) h = (h ^ c) * 0x01000193u;
  return h;
}

inline double uniform_pm1(std::uint64_t key, std::uint64_t i) {
  std::uint64_t z = key + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (double(z >> 40) - 8388608.0) * 0x1p-23;
}

inline std::string canonical(const std::string& n) {
  if (n.rfind("diffusion.model.", 0) == 0) return "denoise." + n.substr(16);
  if (n.rfind("diffusion.condition.", 0) == 0) return "condition." + n.substr(20);
  return n;
}

inline std::vector<float> tensor(const std::string& raw_name, const std::vector<std::size_t>& dims, std::uint64_t seed) {
  const std::string name = canonical(raw_name);
  std::size_t n = 1, fan_in = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) n *= dims[i], fan_in *= i ? dims[i] : 1;
  const std::uint64_t key = (std::uint64_t(fnv1a32(name)) << 32) ^ seed;
  const auto ends = [&](const std::string& s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = uniform_pm1(key, i);
    double x;
    if (ends("temperature")) x = 1.0 + u * 0.5;
    else if (name.find(".body.weight") != std::string::npos && name.find("norm") != std::string::npos) x = 1.0 + u * 0.125;
    else if (ends(".bias")) x = u * 0.125;
    else x = u * std::sqrt(3.0 / double(fan_in));
    v[i] = float(x);
  }
  return v;
}

/// The benchmarks' input in [0, 1) (unit) or z_T in [−1, 1): the generator's "bench.input" /
/// "bench.z" (bench/pytorch_cuda_compare.py draws the same values).
inline std::vector<float> bench_tensor(const std::string& name, std::size_t n, bool unit,
                                       std::uint64_t seed = 300) {
  std::vector<float> v(n);
  const std::uint64_t key = (std::uint64_t(fnv1a32(name)) << 32) ^ seed;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = uniform_pm1(key, i);
    v[i] = float(unit ? (u + 1.0) * 0.5 : u);
  }
  return v;
}

/// The fixture's manifest (tests/golden/diffir/<case>.json).
inline nlohmann::json manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

/// Every manifest key: parameters generated, schedule buffers from the manifest.
inline std::map<std::string, diffbridge::io::st_tensor> weights_of(const nlohmann::json& m) {
  std::map<std::string, diffbridge::io::st_tensor> t;
  const std::uint64_t seed = m["seed"].get<std::uint64_t>();
  for (const auto& k : m["keys"]) {
    const std::string name = k[0].get<std::string>();
    const std::vector<std::size_t> dims = k[1].get<std::vector<std::size_t>>();
    std::vector<float> v;
    if (m["buffers"].contains(name)) v = m["buffers"][name].get<std::vector<float>>();
    else v = tensor(name, dims, seed);
    t[name] = {dims, std::move(v)};
  }
  return t;
}

}  // namespace hashw
