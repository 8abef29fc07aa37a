// `diffbridge bench-schedules`: the error-versus-NFE benchmark of every bridge and sampler
// with the exact oracle denoiser (include/diffbridge/study/schedule_benchmark.hpp). Writes
// DIR/<bridge>.csv (bridge,sampler,nfe,w2,mean_err,var_err), DIR/<bridge>.svg (w2 against
// NFE) and DIR/overview.svg, all after the computation, each through a temporary + rename.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "diffbridge/io/svg.hpp"
#include "diffbridge/study/schedule_benchmark.hpp"

namespace diffbridge::cli {

namespace bench_detail {

inline long positive_integer(const args& a, const std::string& key, long def, long lo, long hi) {
  if (!a.has(key)) return def;
  return long(to_integer(key, a.one(key), lo, hi));
}

inline std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

inline io::svg::panel w2_panel(const std::string& title, const std::vector<study::bench_row>& rows,
                               double floor_w2) {
  auto p = io::svg::make_panel(title, io::svg::logarithmic("NFE (denoiser evaluations)"),
                               io::svg::logarithmic("W2 to the exact target (mean over pixels)"));
  std::map<std::string, io::svg::series> by;
  for (const auto& r : rows) {
    auto& s = by[r.sampler];
    s.label = r.sampler, s.markers = true;
    s.x.push_back(double(r.nfe)), s.y.push_back(r.w2);
  }
  for (auto& [k, s] : by) p.lines.push_back(std::move(s));
  double lo = 1e300, hi = 0;
  for (const auto& r : rows) lo = std::min(lo, double(r.nfe)), hi = std::max(hi, double(r.nfe));
  if (hi > 0)
    p.lines.push_back(io::svg::colored(
        io::svg::dashed(io::svg::line("Monte-Carlo floor", {lo, hi}, {floor_w2, floor_w2})),
        "#555555"));
  return p;
}

}  // namespace bench_detail

inline int cmd_bench_schedules(int argc, char** argv) {
  using namespace study;
  namespace fs = std::filesystem;
  const args a(argc, argv, 2, {"--out", "--pixels", "--samples", "--seed", "--bridges", "--nfe"},
               {"--quick"});
  const bool quick = a.flag("--quick");
  const fs::path out = a.one("--out");
  bench_config cfg;
  cfg.pixels = size_t(bench_detail::positive_integer(a, "--pixels", quick ? 16 : 32, 1, 100000));
  cfg.samples =
      size_t(bench_detail::positive_integer(a, "--samples", quick ? 512 : 2048, 2, 10000000));
  cfg.seed = std::uint64_t(bench_detail::positive_integer(a, "--seed", 0, 0, 1L << 52));
  if (cfg.pixels * cfg.samples > (std::size_t(1) << 26))  // each of its arrays: 512 MiB
    throw invalid_parameter("--pixels x --samples = " + std::to_string(cfg.pixels * cfg.samples) +
                            ": must be at most 2^26 (67108864)");
  if (a.has("--nfe")) {
    cfg.nfe.clear();
    for (double v : to_numbers("--nfe", a.one("--nfe"))) {
      if (v != std::floor(v) || v < 1 || v > 100000)
        throw invalid_parameter("--nfe: " + a.one("--nfe") + ": integers in [1, 100000]");
      cfg.nfe.push_back(long(v));
    }
  }
  auto cases = default_bench_cases();
  if (a.has("--bridges")) {
    std::vector<bench_case> chosen;
    std::string list = a.one("--bridges") + ",", known;
    for (const auto& c : cases) known += (known.empty() ? "" : ", ") + c.label;
    for (size_t b = 0, e; (e = list.find(',', b)) != std::string::npos; b = e + 1) {
      const std::string name = list.substr(b, e - b);
      auto it = std::find_if(cases.begin(), cases.end(),
                             [&](const bench_case& c) { return c.label == name; });
      if (it == cases.end())
        throw invalid_parameter("--bridges: unknown bridge '" + name + "' (known: " + known + ")");
      chosen.push_back(*it);
    }
    cases = chosen;
  }
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw invalid_input("--out " + out.string() + ": exists and is not a directory");
  const fs::path parent = fs::absolute(out, ec).parent_path();
  if (!fs::exists(out, ec) && !fs::is_directory(parent, ec))
    throw invalid_input("--out " + out.string() + ": its parent directory does not exist");
  // a name that cannot be written is found now, not after the computation with half the files out
  std::vector<fs::path> files{out / "overview.svg"};
  for (const auto& c : cases)
    files.push_back(out / (c.label + ".csv")), files.push_back(out / (c.label + ".svg"));
  for (const auto& f : files)
    if (fs::is_directory(f, ec))
      throw invalid_input(f.string() + ": is a directory; cannot write the result there");

  const auto t0 = std::chrono::steady_clock::now();
  const auto px = bench_pixels(cfg.pixels, cfg.seed);
  const bench_metrics metrics(px, cfg.samples);
  const auto floor = metrics.floor(px, cfg.seed + 1);
  std::fprintf(stderr, "bench-schedules: %zu pixels x %zu samples; Monte-Carlo floor w2 = %.4g\n",
               cfg.pixels, cfg.samples, floor[0]);
  std::vector<std::vector<bench_row>> all;
  for (const auto& c : cases) {
    const auto tc = std::chrono::steady_clock::now();
    all.push_back(run_bench_case(c, cfg, px, metrics));
    std::fprintf(stderr, "  %-18s %3zu runs  %6.1f s\n", c.label.c_str(), all.back().size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - tc).count());
  }

  // Everything is computed: write the files (each through a temporary).
  fs::create_directories(out, ec);
  if (ec) throw invalid_input("--out " + out.string() + ": cannot create the directory");
  io::svg::figure overview;
  overview.title = "Best sampler of each bridge with the exact denoiser";
  overview.panel_width = 760, overview.panel_height = 520, overview.legend_width = 230;
  auto best = io::svg::make_panel("W2 to the exact target against NFE",
                                  io::svg::logarithmic("NFE (denoiser evaluations)"),
                                  io::svg::logarithmic("W2 (mean over pixels)"));
  std::printf("%-18s %-15s %5s %10s %10s %10s\n", "bridge", "best@10NFE", "nfe", "w2", "mean_err",
              "var_err");
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& rows = all[i];
    std::string csv = "bridge,sampler,nfe,w2,mean_err,var_err\n";
    for (const auto& r : rows)
      csv += r.bridge + "," + r.sampler + "," + std::to_string(r.nfe) + "," +
             bench_detail::csv_number(r.w2) + "," + bench_detail::csv_number(r.mean_err) + "," +
             bench_detail::csv_number(r.var_err) + "\n";
    io::svg::write_atomically(out / (cases[i].label + ".csv"), csv);
    io::svg::figure f;
    f.panels.push_back(bench_detail::w2_panel(cases[i].label + ": W2 against NFE", rows, floor[0]));
    io::svg::write(f, out / (cases[i].label + ".svg"));
    // the sampler closest to the target with a budget of 10 evaluations: each sampler's
    // row with the most evaluations ≤ 10, the smallest W2 among them
    const bench_row* pick = nullptr;
    for (const auto& r : rows) {
      if (r.nfe > 10 || !std::isfinite(r.w2)) continue;
      bool last = true;  // r is its sampler's largest NFE within budget
      for (const auto& q : rows)
        if (q.sampler == r.sampler && q.nfe > r.nfe && q.nfe <= 10) last = false;
      if (last && (!pick || r.w2 < pick->w2)) pick = &r;
    }
    if (!pick) continue;
    std::printf("%-18s %-15s %5ld %10.4g %10.4g %10.4g\n", pick->bridge.c_str(),
                pick->sampler.c_str(), pick->nfe, pick->w2, pick->mean_err, pick->var_err);
    auto s =
        io::svg::with_markers(io::svg::line(cases[i].label + " (" + pick->sampler + ")", {}, {}));
    s.dashed = best.lines.size() >= 10;  // the palette has ten colours
    for (const auto& r : rows)
      if (r.sampler == pick->sampler) s.x.push_back(double(r.nfe)), s.y.push_back(r.w2);
    best.lines.push_back(std::move(s));
  }
  best.lines.push_back(io::svg::colored(
      io::svg::dashed(io::svg::line("Monte-Carlo floor", {1, 100}, {floor[0], floor[0]})),
      "#555555"));
  overview.panels.push_back(std::move(best));
  io::svg::write(overview, out / "overview.svg");
  std::printf(
      "Monte-Carlo floor (%zu exact samples per pixel): w2 %.4g, mean_err %.4g, var_err "
      "%.4g; %.1f s\n",
      cfg.samples, floor[0], floor[1], floor[2],
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

}  // namespace diffbridge::cli
