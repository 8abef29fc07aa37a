// `diffbridge plot`: SVG plots of a preset's schedule and of sample paths.
//   plot --bridge NAME [--set K=V]... [--pi P] --out F.svg   a(t), b(t), c(t), SNR, RNR
//   plot --all --out F.svg                                   every preset on one page
//   plot --trajectories --bridge NAME [--set ...] [--steps N] [--eta E] [--sampler S]
//        [--paths K] [--seed S] [--pi P] [--y Y] --out F.svg  paths of one pixel (oracle;
//        prior ½N(0.25, 0.05²) + ½N(0.75, 0.05²), y = x0 + N(0, 0.1²), y = 0.4 by default)
// With x_t = a·x0 + b·y + c·(π ⊙ ε): SNR = a²/c², and the residual-to-noise ratio of RDBM
// (docs/spec/rdbm.md) RNR = a²(x0 − μ)²/(π²c²): a²/c² for π = x0 − μ, a²δ²/c² at residual δ for
// π = 1. The file is written through a temporary and a rename (no partial output).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "diffbridge/backend/std.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/io/svg.hpp"
#include "diffbridge/sampler/sample.hpp"
#include "diffbridge/study/oracle.hpp"

namespace diffbridge::cli {

namespace plot_detail {

/// The times at which a preset's schedule is drawn: every index (up to 1,001 of them, else
/// 1,001 indices spread evenly, both ends included), or 401 points.
inline std::vector<double> plot_times(const any_preset& p) {
  const auto d = p.domain();
  std::vector<double> t;
  if (d.discrete && d.hi - d.lo <= 1000) {
    for (double v = d.lo; v <= d.hi; v += 1) t.push_back(v);
  } else if (d.discrete) {
    for (int i = 0; i <= 1000; ++i) t.push_back(std::round(d.lo + (d.hi - d.lo) * i / 1000.0));
  } else {
    for (int i = 0; i <= 400; ++i) t.push_back(d.lo + (d.hi - d.lo) * i / 400.0);
  }
  return t;
}

/// π of a preset's own noise: RDBM's `pi` parameter (default x0 − μ), 0 for rectified flow.

inline std::vector<io::svg::panel> schedule_panels(const std::string& name, const any_preset& p,
                                                   modulation pi, bool compact) {
  const auto t = plot_times(p);
  using io::svg::line;
  auto a = line("a(t): x0", {}, {}), b = line("b(t): y", {}, {}), c = line("c(t): noise", {}, {});
  auto snr = line("SNR a^2/c^2", {}, {}), r1 = line("RNR, residual 0.05", {}, {});
  auto r2 = io::svg::dashed(line("RNR, residual 0.2", {}, {}));
  for (double v : t) {
    const auto m = p.coeffs(v);
    a.x.push_back(v), b.x.push_back(v), c.x.push_back(v);
    a.y.push_back(m.c_x0), b.y.push_back(m.c_y), c.y.push_back(m.std);
    const double s = m.c_x0 * m.c_x0 / (m.std * m.std);
    snr.x.push_back(v), snr.y.push_back(m.std > 0 ? s : NAN);
    r1.x.push_back(v), r2.x.push_back(v);
    r1.y.push_back(m.std > 0 ? s * 0.05 * 0.05 : NAN), r2.y.push_back(m.std > 0 ? s * 0.04 : NAN);
  }
  const std::string tl = p.domain().discrete ? "t (index)" : "t";
  using io::svg::linear, io::svg::logarithmic, io::svg::make_panel;
  auto coeffs =
      make_panel(name + ": marginal coefficients", linear(tl), linear("coefficient"), {a, b, c});
  auto sn = make_panel(name + ": SNR", linear(tl), logarithmic("a^2 / c^2"), {snr});
  if (compact) {
    sn.lines.front().label.clear();  // one curve: the title says it
    return {coeffs, sn};
  }
  auto rnr = make_panel(name + ": residual-to-noise ratio", linear(tl), logarithmic("RNR"));
  if (pi == modulation::zero) {
    rnr.note = "pi = 0: no noise, the ratio is infinite";
  } else if (pi == modulation::one) {
    rnr.lines = {r1, r2};
  } else {
    snr.label = "a^2/c^2, any pixel";
    rnr.lines = {snr};
  }
  rnr.title += pi == modulation::one    ? " (pi = 1)"
               : pi == modulation::zero ? ""
                                        : " (pi = x0 - mu)";
  return {coeffs, sn, rnr};
}

inline io::svg::figure trajectories(const args& a, const std::string& name, const any_preset& p,
                                    modulation pi) {
  std::vector<double> grid;
  if (a.has("--steps")) {
    grid = p.default_grid(long(to_integer("--steps", a.one("--steps"), 1, 100000)));
  } else {  // 20 steps, or the whole discretisation when it has fewer
    try {
      grid = p.default_grid(20);
    } catch (const invalid_parameter&) {
      grid = p.default_grid(long(p.domain().hi - p.domain().lo));
    }
  }
  const auto K = size_t(a.has("--paths") ? to_integer("--paths", a.one("--paths"), 1, 200) : 8);
  const double y = a.has("--y") ? to_number("--y", a.one("--y")) : 0.4;
  sample_options o;
  o.pi = pi;
  if (a.has("--eta")) o.eta = to_number("--eta", a.one("--eta"));  // else the preset's own
  o.sampler = a.one_or("--sampler", "");
  o.seed = std::uint64_t(to_integer("--seed", a.one_or("--seed", "0"), 0, max_seed));
  // one pixel: a bimodal prior, y = x0 + N(0, 0.1²)
  const study::gaussian_mixture prior({{0.5, 0.25, 0.05}, {0.5, 0.75, 0.05}});
  const study::oracle orc({study::make_pixel(prior, {1.0, 0.1}, y)}, pi);
  std::vector<std::vector<double>> path(K);
  std::vector<double> times;
  auto coeffs = [&p](double t) { return p.coeffs(t); };
  study::oracle_denoiser<decltype(coeffs)> den(orc, coeffs, K);
  auto record = [&](auto x, double t, auto yv, auto out) {  // the state at each evaluation
    if (!times.empty() && times.back() == t)
      times.pop_back();  // the π-residual prior asks twice at grid[0]: keep the last
    else
      for (auto& q : path) q.push_back(0);
    times.push_back(t);
    for (size_t k = 0; k < K; ++k) path[k].back() = x.raw()[k];
    den(x, t, yv, out);
  };
  std::vector<double> yt(K, y), xt(K);
  const shape sh{1, 1, 1, K};
  sample<std_backend, double>(p, grid, record, tensor_view<const double>{yt.data(), sh},
                              tensor_view<double>{xt.data(), sh}, o);
  times.push_back(grid.back());
  for (size_t k = 0; k < K; ++k) path[k].push_back(xt[k]);

  using namespace io::svg;
  auto pl = make_panel(name + ": sample paths of one pixel (" + std::to_string(grid.size() - 1) +
                           " steps, oracle denoiser)",
                       linear(p.domain().discrete ? "t (index)" : "t"), linear("x_t"));
  for (size_t k = 0; k < K; ++k)
    pl.lines.push_back(
        colored(with_markers(line(k == 0 ? "sample paths" : "", times, path[k])), "#1f77b4"));
  const auto& tg = orc.pixel(0).target;
  const double lo = std::min(times.front(), times.back()),
               hi = std::max(times.front(), times.back());
  auto level = [&](const char* label, double v, const char* col) {
    pl.lines.push_back(colored(dashed(line(label, {lo, hi}, {v, v})), col));
  };
  const double m = tg.mean(), sd = std::sqrt(tg.variance());
  level("y (degraded)", y, "#d62728");
  level("target mean", m, "#2ca02c");
  level("target mean +- 2 sd", m + 2 * sd, "#98df8a");
  level("", m - 2 * sd, "#98df8a");
  io::svg::figure f;
  f.panel_width = 760, f.panel_height = 440, f.legend_width = 170;
  f.panels.push_back(std::move(pl));
  return f;
}

}  // namespace plot_detail

inline int cmd_plot(int argc, char** argv) {
  using namespace plot_detail;
  const args a(argc, argv, 2,
               {"--bridge", "--set", "--out", "--pi", "--steps", "--eta", "--sampler", "--paths",
                "--seed", "--y"},
               {"--all", "--trajectories"});
  const std::string out = a.one("--out");
  if (a.flag("--all") && (a.has("--bridge") || a.flag("--trajectories")))
    throw invalid_parameter("--all draws every preset: it takes no --bridge or --trajectories");
  auto pick_pi = [&](const any_preset& p) {
    if (!a.has("--pi")) return p.info().pi;
    const auto m = parse_modulation(a.one("--pi"));
    if (!m)
      throw invalid_parameter("--pi " + a.one("--pi") + ": must be 0|1|residual|abs_residual");
    return *m;
  };
  io::svg::figure f;
  if (a.flag("--all")) {
    f.title = "Every preset: marginal coefficients x_t = a x0 + b y + c (pi * eps), and a^2/c^2";
    f.columns = 4, f.panel_width = 380, f.panel_height = 260, f.legend_width = 95;
    for (const auto& n : preset_names())
      for (auto& pn : schedule_panels(n, make_preset(n), make_preset(n).info().pi, true))
        f.panels.push_back(std::move(pn));
  } else {
    const parameter_set ps = parameters_of(a);
    const std::string name = a.one("--bridge");
    const auto p = make_preset(name, ps);
    const modulation pi = pick_pi(p);
    if (a.flag("--trajectories")) {
      f = trajectories(a, name, p, pi);
    } else {
      for (const char* k : {"--steps", "--eta", "--sampler", "--paths", "--seed", "--y"})
        if (a.has(k)) throw invalid_parameter(std::string(k) + " needs --trajectories");
      f.columns = 3, f.panel_width = 420, f.panel_height = 300, f.legend_width = 130;
      f.panels = schedule_panels(name, p, pi, false);
    }
  }
  io::svg::write(f, out);
  return 0;
}

}  // namespace diffbridge::cli
