// A custom bridge in a few lines: an OU process with constant rate θ = 2 and g² = 0.5,
// reverting to y and softly pinned there (γ⁻¹ = 0.01), with RDBM's residual modulation.
#include <cstdio>
#include <diffbridge/diffbridge.hpp>

int main() {
  using namespace diffbridge;
  const generalised_bridge bridge(
      make_constant_ou_process(2.0, 0.5, 1.0),
      bridge_config<double>{reversion_target::y, pin_kind::soft, 0.01, modulation::residual});
  std::printf("t,c_x0,c_y,std\n");
  for (double t : grid::uniform(1.0, 0.0, 4)) {
    const auto m = bridge.marginal(t);  // x_t = c_x0·x0 + c_y·y + std·(π ⊙ ε)
    std::printf("%.2f,%.6f,%.6f,%.6f\n", t, m.c_x0, m.c_y, m.std);
  }
  const auto s = bridge.step(0.25, 0.5, 0.5);  // implicit step 0.5 → 0.25 with η = 0.5
  std::printf("step 0.5->0.25: c_xt=%.6f c_x0=%.6f c_y=%.6f c_z=%.6f\n", s.c_xt, s.c_x0, s.c_y,
              s.c_z);
  const auto p = bridge.posterior(0.25, 0.5);  // η = 1 is this posterior exactly
  return (s.c_xt > p.k && bridge.marginal(0.0).c_x0 == 1.0) ? 0 : 1;
}
