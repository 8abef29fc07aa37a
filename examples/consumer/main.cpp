// Uses the installed headers: RDBM's marginal and one Eq. 19 step.
#include <cstdio>
#include <diffbridge/diffbridge.hpp>

int main() {
  const diffbridge::presets::rdbm rdbm;   // T = 100, λ = 10/255, cosine θ
  const auto m = rdbm.coeffs(89);         // x_89 = c_x0·x0 + c_y·μ + std·(π ⊙ ε)
  const auto s = rdbm.step(99, 89, 0.0);  // Eq. 19 from the pinned end
  std::printf("rdbm t=89: c_x0=%.6f std=%.6f; step 99->89: c_x0=%.6f\n", m.c_x0, m.std, s.c_x0);
  return (m.c_x0 > 0.0279 && m.c_x0 < 0.0280 && s.c_x0 == m.c_x0) ? 0 : 1;
}
