// The oracle study in a few lines: separate a sampler's discretisation error from network
// error by driving it with the exact denoiser E[x0 | x_t, y]. 8 pixels with bimodal priors,
// degraded by y = 0.8·x0 + N(0, 0.1²); GOUB's posterior sampler (η = 1) at 5, 20 and 100
// NFE; W2 between 2000 samples per pixel and the exact target x0 | y, against the
// Monte-Carlo floor of 2000 exact draws.
#include <cstdio>
#include <diffbridge/study/schedule_benchmark.hpp>

int main() {
  using namespace diffbridge;
  using namespace diffbridge::study;
  std::vector<pixel_problem> pixels;
  for (int p = 0; p < 8; ++p) {
    const gaussian_mixture prior({{0.5, 0.2 + 0.02 * p, 0.05}, {0.5, 0.75, 0.08}});
    pixels.push_back(make_pixel(prior, degradation{0.8, 0.1}, 0.25 + 0.05 * p));
  }
  const size_t S = 2000;
  const oracle exact(pixels, modulation::one);  // π = 1: closed form
  const bench_metrics metrics(pixels, S);       // W2, mean and variance errors per pixel
  const bench_case goub{"goub", "goub", {}, modulation::one, {"eta=1"}};

  std::printf("%5s %10s %10s %10s\n", "NFE", "W2", "mean_err", "var_err");
  double w2_5 = 0, w2_100 = 0;
  for (long nfe : {5L, 20L, 100L}) {
    long done = 0;
    const auto x = run_sampler(goub, "eta=1", nfe, exact, S, /*seed=*/1, done);
    const auto m = metrics(x);
    std::printf("%5ld %10.4f %10.4f %10.5f\n", done, m[0], m[1], m[2]);
    if (nfe == 5) w2_5 = m[0];
    if (nfe == 100) w2_100 = m[0];
  }
  const auto floor = metrics.floor(pixels, 2);
  std::printf("floor %10.4f %10.4f %10.5f  (%zu exact draws per pixel)\n", floor[0], floor[1],
              floor[2], S);
  // more steps, closer to the target; at 100 NFE within 2x of the Monte-Carlo floor
  return w2_100 < w2_5 && w2_100 < 2 * floor[0] ? 0 : 1;
}
