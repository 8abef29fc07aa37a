// BBDM (Li et al. 2023, xuekt98/BBDM BrownianBridgeModel.py): a Brownian bridge (θ = 0)
// in the variable m_t: V(t0, t) = 2s·m_t, V(t, T) = 2s·(1 − m_t), pinned at m = 1, so
// x_t = (1 − m_t)x0 + m_t y + sqrt(2s(m_t − m_t²))ε. Index 0..999, index −1 is m = 0.
// Official step (`p_sample`): the mean uses the η = 1 posterior variance σ² while the
// noise is η·σ — for η ≠ 1 it is not the implicit family (its "η quirk").
#pragma once

#include "diffbridge/bridge/presets/common.hpp"
#include "diffbridge/sampler/implicit_step.hpp"
#include "diffbridge/sampler/torch_ranges.hpp"
#include "diffbridge/schedule/schedules.hpp"

namespace diffbridge::presets {

class bbdm : public bridge_backed {
 public:
  explicit bbdm(const parameter_set& params = {}) {
    parameter_reader ps(params);
    T_ = ps.integer("num_timesteps", 1000, 2, 1000000, "an integer in [2, 1000000]");
    const auto mt = ps.choice("mt_type", "linear", {"linear", "sin"});
    s_ = ps.number("max_var", 1.0, 1e-300, 1e300, "> 0");
    ps.require_all_used("bbdm");
    std::vector<double> m;
    if (mt == "linear") {
      m = schedule::linspace<double>(0.001, 0.999, T_);
    } else {  // 'sin' is exponential: 1.0075^{linspace(0,T,T)}/1.0075^T, last = 0.999
      const auto x = schedule::linspace<double>(0, double(T_), T_);
      for (double v : x) m.push_back(std::pow(1.0075, v) / std::pow(1.0075, double(T_)));
      m.back() = 0.999;
    }
    std::vector<double> S{0.0}, E{2 * s_}, g2{2 * s_ * m[0]};
    for (size_t i = 0; i < m.size(); ++i) {
      S.push_back(2 * s_ * m[i]);
      E.push_back(2 * s_ * (1 - m[i]));
      g2.push_back(2 * s_ * (m[i] - (i ? m[i - 1] : 0.0)));
    }
    curve<double> Ec(-1, E), gc(-1, g2);
    bridge_.emplace(make_brownian_process<double>(
                        curve<double>(-1, S), [Ec](double t) { return Ec(t); },
                        [gc](double t) { return gc(t); }),
                    bridge_config<double>{reversion_target::y, pin_kind::hard, 0, modulation::one});
    domain_ = {true, -1.0, double(T_ - 1)};
    info_ = {"bbdm", "num_timesteps=" + fmt(double(T_)) + " mt_type=" + mt + " max_var=" + fmt(s_),
             "theta=0, V(0,t)=2*max_var*m_t, m=y, pin=hard at m=1, pi=1",
             "exact (theta -> 0 limit of the OU bridge, time variable m_t)",
             "official p_sample with eta (mean uses the eta=1 variance: its eta quirk)"};
  }

  step_coeffs<double> step(double from, double to, double eta) const {
    domain().require_step(from, to);
    // any η ≥ 0, as the code: only the noise scales with it (η > 1: more noise than the posterior)
    require_parameter(eta >= 0 && std::isfinite(eta), "eta", eta, ">= 0 and finite");
    if (to == -1) return {0, 1, 0, 0};  // the official loop returns x̂0 at index 0
    const auto post = bridge_->posterior(to, from);
    const auto s = bridge_->step(to, from, 1.0);  // k and the mean from σ² at η = 1
    return {s.c_xt, s.c_x0, s.c_y, eta * std::sqrt(post.var)};
  }
  /// The official 'linear' skip grid: torch.arange(T−1, 1, −(T−1)/(S−2)).long() ++ [1, 0],
  /// then −1 (x̂0). S = sample_step = 200 by default, up to T + 1 (every index). Torch's float32
  /// arange (sampler/torch_ranges.hpp), truncated: at T = 1000, S = 155 its entry 119, exactly
  /// 999 − 119·999/153 = 222, is 221.99998 (a vector lane: float32 base + j·step) and gives 221;
  /// at the default S = 200 float32 gives 222 and 111 where double gives 221 and 110. Where the
  /// arange itself ends at 1 (S > T/2 + 1), the code steps 1 → 1 once more, a no-op (η's σ² is 0
  /// there and the mean is x_t): that step is left out, one evaluation fewer, the same sample.
  std::vector<double> default_grid(long steps) const {
    require_parameter(steps >= 3 && steps <= T_ + 1, "steps", steps, "in [3, num_timesteps + 1]");
    std::vector<double> g;
    for (float v : grid::torch_arange(double(T_ - 1), 1.0, -(double(T_ - 1) / double(steps - 2))))
      g.push_back(std::trunc(double(v)));
    if (g.empty() || g.back() != 1) g.push_back(1);
    g.push_back(0), g.push_back(-1);
    return g;
  }
  /// The official sampler starts from y exactly, without noise.
  marginal_coeffs<double> prior(double t) const {
    domain().require(t, "t");
    return {0.0, 1.0, 0.0};
  }

 private:
  long T_ = 1000;
  double s_ = 1;
};

}  // namespace diffbridge::presets
