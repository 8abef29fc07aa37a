// The generic sampling loop: any preset's sampler, any denoiser, any tensor backend.
// Every update is one fused kernel (backend/kernels.hpp); the noise of step i is
// Philox(seed, i) over the element index (core/philox.hpp), and every backend evaluates the
// same scalar step (kernels::step_value), so a run is bit-identical across the backends and
// thread counts of a build (docs/backends.md: host builds that contract fmas vs CUDA):
//   step 0:      x = c_y·y + std·(π ⊙ z₀)                       the preset's prior
//   step i ≥ 1:  x ← c_xt·x + c_x0·x̂0 + c_y·y + c_z·(π(x̂0, y) ⊙ z_i)   grid[i−1] → grid[i]
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/bridge/preset.hpp"

namespace diffbridge {

/// What the denoiser returns: x̂0, or the modulated noise πε (RDBM's N̂), converted to x̂0
/// through the marginal at t: x̂0 = (x_t − c_y·y − std·πε)/c_x0.
enum class prediction { x0, pi_eps };

struct sample_options {
  /// η of the implicit family (the preset's `step`); unset: the preset's own, that of its
  /// official sampler (preset_info::default_eta: 1 for the posterior samplers of I2SB, BBDM,
  /// ResShift, IR-SDE, GOUB, UniDB; 0 for RDBM's Eq. 19, DDIM, DBIM, rectified flow)
  std::optional<double> eta;
  /// π of the noise terms; unset: the preset's own (preset_info::pi — RDBM's `pi` parameter,
  /// 0 for rectified flow, else 1)
  std::optional<modulation> pi;
  std::uint64_t seed = 0;
  std::string sampler;  ///< "" = the preset's own update; "euler-maruyama" where available
  prediction predicts = prediction::x0;
};

/// Runs the preset's sampler along `grid` (from the noisy end to the clean end).
/// `denoise(x, t, y, out)` writes its prediction for state x at time t into `out`
/// (all backend views of y's shape). The final sample is left in `x`.
template <class B, class T, class Denoiser>
void sample(const any_preset& p, std::span<const double> grid, Denoiser&& denoise,
            typename B::template view<const T> y, typename B::template view<T> x,
            const sample_options& o = {}) {
  if (grid.size() < 2) throw invalid_time("the sampling grid needs at least two times");
  for (size_t i = 0; i + 1 < grid.size(); ++i) p.domain().require_step(grid[i], grid[i + 1]);
  if (!(x.dims == y.dims)) throw invalid_input("sample: x and y shapes differ");
  const double eta = o.eta.value_or(p.info().default_eta);
  auto x0_store = B::template empty<T>(y.dims);
  const auto x0h = B::as_view(x0_store);
  const typename B::template view<const T> cx = x, cx0 = x0h;

  // x̂0 from a πε prediction at time t (in place in x0h): through the marginal at t; at the
  // pinned end (c_x0 = 0) x_t holds nothing of x0 and the caller decides
  const auto pi_eps_to_x0 = [&](double t) {
    const auto m = p.coeffs(t);
    const step_coeffs<double> to_x0{1 / m.c_x0, 0.0, -m.c_y / m.c_x0, -m.std / m.c_x0};
    B::template step<modulation::one>(to_x0, cx, cx0, y, cx0, x0h);
  };

  visit_modulation(o.pi.value_or(p.info().pi), [&](auto M) {
    constexpr modulation pi = decltype(M)::value;
    constexpr bool pi_reads_x0 = pi == modulation::residual || pi == modulation::abs_residual;
    const auto prior = p.prior(grid[0]);
    // π of the prior's noise needs x0 (residual modes only): the denoiser's estimate at the
    // prior mean. Otherwise x0 is not read (its coefficient in the prior is 0), so pass y.
    const bool needs_x0 = prior.std > 0 && pi_reads_x0;
    if (needs_x0) {
      B::template marginal<modulation::one>({0.0, prior.c_y, 0.0}, y, y, philox_normals{o.seed, 0},
                                            x);
      denoise(cx, grid[0], y, x0h);
      if (o.predicts == prediction::pi_eps) {
        if (p.coeffs(grid[0]).c_x0 == 0)
          throw invalid_input(
              "sample: a residual pi at a noisy prior needs x0, which a pi-eps prediction at the "
              "pinned end does not give; predict x0");
        pi_eps_to_x0(grid[0]);
      }
    }
    const auto x0_for_pi = needs_x0 ? cx0 : y;
    B::template marginal<pi>(prior, x0_for_pi, y, philox_normals{o.seed, 0}, x);

    for (size_t i = 0; i + 1 < grid.size(); ++i) {
      denoise(cx, grid[i], y, x0h);
      const auto c = p.step(grid[i], grid[i + 1], eta, o.sampler);
      if (o.predicts == prediction::pi_eps) {
        if (p.coeffs(grid[i]).c_x0 == 0) {
          // x_t holds nothing of x0 (the pinned end): πε gives no x̂0. A step that reads x̂0
          // (in its x̂0 term or through π̂) is skipped, as RDBM's noise mode does (its first step
          // leaves img = μ); one that does not (Euler–Maruyama) runs with x̂0 := y, unread —
          // written from y alone, so that a NaN the network returns there cannot reach x
          if (c.c_x0 != 0 || pi_reads_x0) continue;
          B::template marginal<modulation::zero>({0.0, 1.0, 0.0}, y, y, philox_normals{o.seed, 0},
                                                 x0h);
        } else {
          pi_eps_to_x0(grid[i]);
        }
      }
      B::template step<pi>(c, cx, cx0, y, philox_normals{o.seed, i + 1}, x);
    }
  });
  B::synchronize();
}

}  // namespace diffbridge
