// The error-versus-NFE benchmark of `diffbridge bench-schedules`: every preset and each of
// its samplers, driven by the exact oracle denoiser (oracle.hpp), on P pixels × S samples
// at once; per pixel the 1-D W2 between the S samples and the exact target, and the errors
// of mean and variance, averaged over pixels. So the numbers are the samplers' own
// discretisation error, with no network error, down to the Monte-Carlo floor of S samples.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <valarray>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/core/philox.hpp"
#include "diffbridge/sampler/pf_ode.hpp"
#include "diffbridge/sampler/sample.hpp"
#include "diffbridge/study/degradation.hpp"
#include "diffbridge/study/moments.hpp"
#include "diffbridge/study/oracle.hpp"
#include "diffbridge/study/wasserstein.hpp"

namespace diffbridge::study {

/// One row of DIR/<bridge>.csv: bridge,sampler,nfe,w2,mean_err,var_err.
struct bench_row {
  std::string bridge, sampler;
  long nfe = 0;  ///< denoiser evaluations actually made
  double w2 = 0, mean_err = 0, var_err = 0;
  double seconds = 0;
};

/// A bridge of the benchmark: a preset with its parameters, the π its samplers use, and
/// its samplers: "eta=E" (the preset's `step`), "euler-maruyama", "heun" (PF-ODE, DDBM).
struct bench_case {
  std::string label, preset;
  std::vector<std::string> set;  ///< KEY=VALUE parameters of the preset
  modulation pi = modulation::one;
  std::vector<std::string> samplers;
};

struct bench_config {
  size_t pixels = 32, samples = 4096;
  std::uint64_t seed = 0;
  std::vector<long> nfe = {2, 3, 5, 10, 20, 50, 100};
  double rel_tol = 1e-7;  ///< quadrature tolerance of the residual-π oracle
};

/// Every preset with its own samplers, and RDBM along the paper's ablation axis
/// π ∈ {0, 1, x0 − μ, |x0 − μ|}.
inline std::vector<bench_case> default_bench_cases() {
  const std::vector<std::string> both{"eta=0", "eta=1"};
  const std::vector<std::string> gou{"eta=1", "eta=0", "euler-maruyama"};
  return {
      {"rdbm-pi0", "rdbm", {"pi=0"}, modulation::zero, both},
      {"rdbm-pi1", "rdbm", {"pi=1"}, modulation::one, both},
      {"rdbm-residual", "rdbm", {"pi=residual"}, modulation::residual, both},
      {"rdbm-abs-residual", "rdbm", {"pi=abs_residual"}, modulation::abs_residual, both},
      {"goub", "goub", {}, modulation::one, gou},
      {"unidb", "unidb", {}, modulation::one, gou},
      {"irsde", "irsde", {}, modulation::one, gou},
      {"bbdm", "bbdm", {}, modulation::one, {"eta=1", "eta=0"}},
      {"i2sb", "i2sb", {}, modulation::one, {"eta=1", "eta=0"}},
      {"ddbm-ve", "ddbm-ve", {}, modulation::one, {"heun", "eta=0", "eta=1"}},
      {"ddbm-vp", "ddbm-vp", {}, modulation::one, {"heun", "eta=0", "eta=1"}},
      {"dbim", "dbim", {}, modulation::one, both},
      {"resshift", "resshift", {}, modulation::one, {"eta=1", "eta=0"}},
      {"ddpm", "ddpm", {}, modulation::one, both},
      {"rectified-flow", "rectified-flow", {}, modulation::zero, {"eta=0"}},
  };
}

inline any_preset make_bench_preset(const bench_case& c) {
  parameter_set ps;
  for (const auto& kv : c.set) ps.set(kv);
  return make_preset(c.preset, ps);
}

namespace detail {
/// Uniform in (0, 1) from Philox words: (k + ½)·2⁻³².
inline double philox_uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t i) {
  const auto b = philox_normals{seed, stream}.bits(i / 4);
  return (double(b.v[i % 4]) + 0.5) * 0x1p-32;
}
}  // namespace detail

/// The benchmark's pixels: a two-component prior per pixel (dark and bright modes, weights
/// in [0.3, 0.7], means in [0.15, 0.4] and [0.6, 0.85], sds in [0.03, 0.08]), degraded by
/// A ∈ [0.6, 1] and σ_n ∈ [0.05, 0.15]; y drawn from the model; the target is x0 | y.
inline std::vector<pixel_problem> bench_pixels(size_t P, std::uint64_t seed) {
  std::vector<pixel_problem> px;
  for (size_t p = 0; p < P; ++p) {
    auto u = [&](int k) { return detail::philox_uniform(seed, 1000 + p, std::uint64_t(k)); };
    const double w = 0.3 + 0.4 * u(0);
    const gaussian_mixture prior({{w, 0.15 + 0.25 * u(1), 0.03 + 0.05 * u(2)},
                                  {1 - w, 0.6 + 0.25 * u(3), 0.03 + 0.05 * u(4)}});
    const degradation d{0.6 + 0.4 * u(5), 0.05 + 0.1 * u(6)};
    const double x0 = prior.quantile(u(7));
    const double z = gaussian_mixture::normal(0, 1).quantile(u(8));
    px.push_back(make_pixel(prior, d, d.apply(x0, z)));
  }
  return px;
}

/// Per-pixel exact references for S samples and the metrics of a P × S sample tensor.
class bench_metrics {
 public:
  bench_metrics(const std::vector<pixel_problem>& px, size_t S) : S_(S) {
    for (const auto& p : px) {
      ref_.emplace_back(p.target, S);
      mean_.push_back(p.target.mean()), var_.push_back(p.target.variance());
    }
  }
  /// Averages over pixels of W2, |mean error| and |variance error| (NaN if any sample is not
  /// finite).
  std::array<double, 3> operator()(std::span<const double> x) const {
    double w = 0, me = 0, ve = 0;
    std::vector<double> v(S_);
    for (size_t p = 0; p < ref_.size(); ++p) {
      std::copy_n(x.begin() + std::ptrdiff_t(p * S_), S_, v.begin());
      if (!std::all_of(v.begin(), v.end(), [](double a) { return std::isfinite(a); }))
        return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
                std::numeric_limits<double>::quiet_NaN()};
      const auto m = moments(v);
      std::sort(v.begin(), v.end());
      w += ref_[p].distance_sorted(v);
      me += std::abs(m.mean - mean_[p]), ve += std::abs(m.variance - var_[p]);
    }
    const double n = double(ref_.size());
    return {w / n, me / n, ve / n};
  }
  /// The same metrics for S exact draws per pixel (inverse-CDF of Philox uniforms): the
  /// Monte-Carlo floor, the error sampling noise alone gives with S samples — one draw of it,
  /// so a near-exact sampler can land below it by chance.
  std::array<double, 3> floor(const std::vector<pixel_problem>& px, std::uint64_t seed) const {
    std::vector<double> x;
    for (size_t p = 0; p < px.size(); ++p)
      for (size_t s = 0; s < S_; ++s)
        x.push_back(px[p].target.quantile(detail::philox_uniform(seed, 77, p * S_ + s)));
    return (*this)(x);
  }

 private:
  size_t S_;
  std::vector<w2_reference> ref_;
  std::vector<double> mean_, var_;
};

/// Runs one sampler of one bridge with the oracle, `nfe` denoiser evaluations requested;
/// returns the P × S final samples and sets `nfe_done`. Throws invalid_parameter when the
/// preset's discretisation cannot give that many steps.
inline std::vector<double> run_sampler(const bench_case& c, const std::string& sampler, long nfe,
                                       const oracle& o, size_t S, std::uint64_t seed,
                                       long& nfe_done) {
  const auto p = make_bench_preset(c);
  const size_t P = o.pixels(), n = P * S;
  std::vector<double> y(n);
  for (size_t e = 0; e < n; ++e) y[e] = o.pixel(e / S).y;
  if (sampler == "heun") {  // DDBM's PF-ODE: 2 evaluations per step, 1 on the last
    const long steps = std::max(2L, (nfe + 1) / 2);
    parameter_set ps;
    for (const auto& kv : c.set) ps.set(kv);
    const auto br =
        c.preset == "ddbm-ve" ? presets::ddbm_ve(ps).bridge() : presets::ddbm_vp(ps).bridge();
    const auto g = p.default_grid(steps);
    long calls = 0;
    auto D = [&](const std::valarray<double>& x, double t) {
      const auto m = br.marginal(t);
      std::valarray<double> r(n);
      for (size_t e = 0; e < n; ++e) r[e] = o.x0(m, x[e], e / S);
      ++calls;
      return r;
    };
    const std::valarray<double> yv(y.data(), n);
    const auto prior = p.prior(g.front());  // DDBM: y itself at T − 1e-4
    std::valarray<double> x = prior.c_y * yv;
    x = heun_pf_ode(br, g, x, yv, D);
    nfe_done = calls;
    return {std::begin(x), std::end(x)};
  }
  sample_options so;
  so.pi = c.pi, so.seed = seed;
  if (sampler == "euler-maruyama")
    so.sampler = sampler;
  else if (sampler.rfind("eta=", 0) == 0)
    so.eta = std::stod(sampler.substr(4));
  else
    throw invalid_parameter("unknown sampler '" + sampler + "'");
  const auto g = p.default_grid(nfe);
  auto coeffs = [&p](double t) { return p.coeffs(t); };
  oracle_denoiser<decltype(coeffs)> den(o, coeffs, S);
  std::vector<double> x(n);
  const shape sh{P, 1, 1, S};
  sample<std_backend, double>(p, g, den, tensor_view<const double>{y.data(), sh},
                              tensor_view<double>{x.data(), sh}, so);
  nfe_done = den.calls();
  return x;
}

/// The NFE values to run for a bridge: the configured ones its discretisation allows, and
/// its full discretisation when that is below the largest configured value.
inline std::vector<long> bench_nfe(const bench_case& c, const std::vector<long>& want) {
  const auto p = make_bench_preset(c);
  std::vector<long> out;
  auto ok = [&](long n) {
    try {
      (void)p.default_grid(n);
      return true;
    } catch (const invalid_parameter&) {
      return false;
    }
  };
  for (long n : want)
    if (ok(n)) out.push_back(n);
  const auto d = p.domain();
  if (d.discrete && !want.empty()) {
    long full = long(d.hi - d.lo);
    while (full > 1 && !ok(full)) --full;
    const long top = *std::max_element(want.begin(), want.end());
    if (full < top && std::find(out.begin(), out.end(), full) == out.end()) out.push_back(full);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Runs every sampler × NFE of one bridge; `log` receives one line per row.
inline std::vector<bench_row> run_bench_case(
    const bench_case& c, const bench_config& cfg, const std::vector<pixel_problem>& px,
    const bench_metrics& metrics, const std::function<void(const bench_row&)>& log = {}) {
  const oracle o(px, c.pi, {cfg.rel_tol});
  std::vector<bench_row> rows;
  for (const auto& s : c.samplers) {
    std::vector<long> seen;
    for (long n : bench_nfe(c, cfg.nfe)) {
      long done = 0;
      const auto t0 = std::chrono::steady_clock::now();
      const auto x = run_sampler(c, s, n, o, cfg.samples, cfg.seed, done);
      if (std::find(seen.begin(), seen.end(), done) != seen.end()) continue;
      seen.push_back(done);
      const auto m = metrics(x);
      bench_row r{c.label,
                  s,
                  done,
                  m[0],
                  m[1],
                  m[2],
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
      if (log) log(r);
      rows.push_back(std::move(r));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.sampler != b.sampler ? a.sampler < b.sampler : a.nfe < b.nfe;
  });
  return rows;
}

}  // namespace diffbridge::study
