// The IPR diffusion of DiffIR Stage 2 (spec §2.10, §6) is the library's DDPM preset
// (presets::ddpm: the unpinned OU process θ̄_i = −½·log ᾱ_i, λ = 1, target 0, index −1..T−1 with
// ᾱ_{−1} = 1) with DiffIR's schedule, beta_schedule = quad: β = linspace(√ls, √le, T)²
// (latent diffusion's make_beta_schedule('linear'); ddim calls it 'quad'). Sampling runs T
// posterior steps t → t−1 (η = 1: coef1·x̂0 + coef2·z) through the backend's fused step kernel with
// π = 0, i.e. the posterior mean without added noise, x0-parameterised, no clipping.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "diffbridge/bridge/presets/ddpm.hpp"
#include "diffbridge/nn/check.hpp"
#include "diffbridge/nn/tensor_ops.hpp"
#include "diffbridge/nn/workspace.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::models::diffir {

/// The 12 buffer names of ldm/ddpm.py register_schedule (spec §5.1).
inline const std::vector<std::string>& schedule_buffer_names() {
  static const std::vector<std::string> n{"betas",
                                          "alphas_cumprod",
                                          "alphas_cumprod_prev",
                                          "sqrt_alphas_cumprod",
                                          "sqrt_one_minus_alphas_cumprod",
                                          "log_one_minus_alphas_cumprod",
                                          "sqrt_recip_alphas_cumprod",
                                          "sqrt_recipm1_alphas_cumprod",
                                          "posterior_variance",
                                          "posterior_log_variance_clipped",
                                          "posterior_mean_coef1",
                                          "posterior_mean_coef2"};
  return n;
}

class ipr_ddpm {
 public:
  ipr_ddpm(long timesteps, double linear_start, double linear_end)
      : ddpm_(params(timesteps, linear_start, linear_end)), T_(timesteps), beta_(ddpm_.betas()) {}

  long timesteps() const noexcept { return T_; }
  const std::vector<double>& betas() const noexcept { return beta_; }
  const presets::ddpm& preset() const noexcept { return ddpm_; }
  const presets::bridge_type& bridge() const { return ddpm_.bridge(); }

  /// The preset's implicit step from index `from` to `to` < from (η = 1: the DDPM posterior).
  step_coeffs<double> step(long from, long to, double eta = 1.0) const {
    return ddpm_.step(double(from), double(to), eta);
  }

  /// The 12 buffers as ldm/ddpm.py computes them in float64 (spec §6), for checking checkpoints.
  std::map<std::string, std::vector<double>> buffers() const {
    std::map<std::string, std::vector<double>> m;
    double ac = 1;
    for (long t = 0; t < T_; ++t) {
      const double b = beta_[std::size_t(t)], a = 1 - b, prev = ac;
      ac *= a;
      const double pv = b * (1 - prev) / (1 - ac);
      m["betas"].push_back(b);
      m["alphas_cumprod"].push_back(ac);
      m["alphas_cumprod_prev"].push_back(prev);
      m["sqrt_alphas_cumprod"].push_back(std::sqrt(ac));
      m["sqrt_one_minus_alphas_cumprod"].push_back(std::sqrt(1 - ac));
      m["log_one_minus_alphas_cumprod"].push_back(std::log(1 - ac));
      m["sqrt_recip_alphas_cumprod"].push_back(std::sqrt(1 / ac));
      m["sqrt_recipm1_alphas_cumprod"].push_back(std::sqrt(1 / ac - 1));
      m["posterior_variance"].push_back(pv);
      m["posterior_log_variance_clipped"].push_back(std::log(std::max(pv, 1e-20)));
      m["posterior_mean_coef1"].push_back(b * std::sqrt(prev) / (1 - ac));
      m["posterior_mean_coef2"].push_back((1 - prev) * std::sqrt(a) / (1 - ac));
    }
    return m;
  }

 private:
  static parameter_set params(long T, double ls, double le) {
    parameter_set ps;  // %.17g: the doubles round-trip exactly
    ps.set("num_diffusion_timesteps", diffbridge::detail::concat(T));
    ps.set("beta_start", fmt(ls)), ps.set("beta_end", fmt(le));
    ps.set("beta_schedule", "quad");
    return ps;
  }
  static std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
  }

  presets::ddpm ddpm_;
  long T_;
  std::vector<double> beta_;
};

/// z ← IPR: from z = z_T (1, 256, 1, 1), for t = T−1..0: x̂0 = denoise(z, t), then the posterior
/// step t → t−1 on backend B. `denoise(cview z, long t, fview x0)` is the x0 predictor (§6 step 4).
template <class B, class Denoise>
void sample_ipr(nn::workspace<B>& ws, const ipr_ddpm& d, Denoise&& denoise, nn::fview z) {
  auto x0 = ws.acquire(z.dims);
  auto next = ws.acquire(z.dims);
  for (long t = d.timesteps() - 1; t >= 0; --t) {
    denoise(nn::cview(z), t, x0.view());
    const step_coeffs<double> c = d.step(t, t - 1);
    // π = 0: the noise operand is not read; the target is 0, so c_y = 0 and y is a dummy.
    // B's own views of the nn views (identity on the host backends, thrust_view on Thrust)
    const auto zc = B::wrap(static_cast<const float*>(z.raw()), z.dims);
    const auto xc = B::wrap(static_cast<const float*>(x0.data()), z.dims);
    B::template step<modulation::zero, float>(c, zc, xc, zc, zc, B::wrap(next.data(), z.dims));
    nn::copy<B>(next.view(), z);
  }
}

}  // namespace diffbridge::models::diffir
