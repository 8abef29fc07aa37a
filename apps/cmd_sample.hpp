// `diffbridge sample`: any preset's sampler on a backend, with a point-mass denoiser.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/io/npy.hpp"
#include "diffbridge/sampler/sample.hpp"
#ifdef DIFFBRIDGE_HAVE_EIGEN
#include "diffbridge/backend/eigen.hpp"
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
#include "diffbridge/backend/xtensor.hpp"
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
#include "diffbridge/backend/thrust.hpp"
#endif

namespace diffbridge::cli {

/// Backends compiled into this tool, by their --backend name.
inline std::vector<std::string> sample_backends() {
  std::vector<std::string> v{"std"};
#ifdef DIFFBRIDGE_HAVE_EIGEN
  v.push_back("eigen");
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
  v.push_back("xtensor");
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
  v.push_back("thrust");
#endif
  return v;
}

/// Runs the sampler on backend B: uploads y and the point target, samples, downloads.
template <class B>
std::vector<float> run_sample(const any_preset& p, const std::vector<double>& grid,
                              const io::npy_array& y_host, const io::npy_array& target,
                              const sample_options& o) {
  const shape s{y_host.shape[0], y_host.shape[1], y_host.shape[2], y_host.shape[3]};
  auto y = B::template empty<float>(s), x = B::template empty<float>(s),
       x0 = B::template empty<float>(s);
  B::copy_from_host(std::span<const float>(y_host.data), B::as_view(y));
  B::copy_from_host(std::span<const float>(target.data), B::as_view(x0));
  const typename B::template view<const float> x0v = B::as_view(std::as_const(x0));
  // point:FILE — the perfect denoiser of a point-mass target: always answers FILE's image.
  auto point = [&](auto, double, auto, typename B::template view<float> out) {
    B::template marginal<modulation::one>({1.0, 0.0, 0.0}, x0v, x0v, x0v, out);  // out = x0
  };
  sample<B, float>(p, grid, point, B::as_view(std::as_const(y)), B::as_view(x), o);
  std::vector<float> out(s.numel());
  B::copy_to_host(B::as_view(std::as_const(x)), std::span<float>(out));
  return out;
}

inline int cmd_sample(int argc, char** argv) {
  const args a(argc, argv, 2,
               {"--bridge", "--set", "--steps", "--eta", "--seed", "--denoiser", "--input",
                "--output", "--backend", "--pi", "--sampler"},
               {});
  const parameter_set ps = parameters_of(a);
  const auto p = make_preset(a.one("--bridge"), ps);
  const std::string backend = a.one_or("--backend", "std");
  const auto known = sample_backends();
  if (std::find(known.begin(), known.end(), backend) == known.end()) {
    std::string k;
    for (const auto& b : known) k += (k.empty() ? "" : "|") + b;
    throw invalid_parameter("--backend " + backend + ": unknown or not built (available: " + k +
                            ")");
  }
  const long steps = long(to_integer("--steps", a.one("--steps"), 1, 1000000));
  sample_options o;
  if (a.has("--eta")) o.eta = to_number("--eta", a.one("--eta"));  // else the preset's own
  o.seed = std::uint64_t(to_integer("--seed", a.one_or("--seed", "0"), 0, max_seed));
  o.sampler = a.one_or("--sampler", "");
  if (a.has("--pi")) {  // else the preset's own π (RDBM: its pi parameter)
    const auto pi = parse_modulation(a.one("--pi"));
    if (!pi)
      throw invalid_parameter("--pi " + a.one("--pi") + ": must be 0|1|residual|abs_residual");
    o.pi = *pi;
  }
  const std::string den = a.one("--denoiser");
  if (den.rfind("point:", 0) != 0)
    throw invalid_parameter("--denoiser " + den + ": expected point:FILE.npy");
  const std::string out_path = a.one("--output");

  const auto y = io::read_npy_float(a.one("--input"), true);
  io::require_nchw(y, a.one("--input"));
  const auto target = io::read_npy_float(den.substr(6), true);
  io::require_nchw(target, den.substr(6));
  if (target.shape != y.shape)
    throw invalid_input("--denoiser " + den + ": shape differs from --input's");
  const auto grid = p.default_grid(steps);

  std::vector<float> out;
  if (backend == "std") out = run_sample<std_backend>(p, grid, y, target, o);
#ifdef DIFFBRIDGE_HAVE_EIGEN
  if (backend == "eigen") out = run_sample<eigen_backend>(p, grid, y, target, o);
#endif
#ifdef DIFFBRIDGE_HAVE_XTENSOR
  if (backend == "xtensor") out = run_sample<xtensor_backend>(p, grid, y, target, o);
#endif
#ifdef DIFFBRIDGE_HAVE_THRUST
  if (backend == "thrust") out = run_sample<thrust_backend>(p, grid, y, target, o);
#endif
  for (float v : out)
    if (!std::isfinite(v)) throw invalid_input("the sample is not finite (check --set values)");
  io::write_npy(out_path, y.shape, out);
  return 0;
}

}  // namespace diffbridge::cli
