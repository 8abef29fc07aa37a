// `diffbridge list | coeffs | step | study`: the preset layer on the command line.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_args.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "golden_file.hpp"

namespace diffbridge::cli {

inline int cmd_list(int argc, char** argv) {
  no_arguments(argc, argv, 2);
  for (const auto& n : preset_names()) std::printf("%s\n", n.c_str());
  return 0;
}

inline any_preset preset_from(const args& a) {
  return make_preset(a.one("--bridge"), parameters_of(a));
}

/// Coefficients that overflowed (parameters at the edge of their range) are an error, not output.
inline void require_finite(double t, std::initializer_list<double> values) {
  for (double v : values)
    if (!std::isfinite(v))
      throw invalid_parameter("t = " + detail::concat(t) +
                              ": a coefficient is not finite (the parameters overflow double)");
}

inline int cmd_coeffs(int argc, char** argv) {
  const args a(argc, argv, 2, {"--bridge", "--set", "--at"}, {});
  const auto p = preset_from(a);
  std::vector<double> times;
  if (a.has("--at")) {
    times = to_numbers("--at", a.one("--at"));
  } else {
    times = p.official_times();
    if (times.empty())
      throw invalid_parameter("bridge " + a.one("--bridge") +
                              " has continuous time: give the times with --at T1,T2,...");
  }
  std::vector<marginal_coeffs<double>> rows;  // compute all first: no partial output
  for (double t : times) {
    rows.push_back(p.coeffs(t));
    require_finite(t, {rows.back().c_x0, rows.back().c_y, rows.back().std});
  }
  std::printf("t,c_x0,c_y,std\n");
  for (size_t i = 0; i < times.size(); ++i)
    std::printf("%.17g,%.17g,%.17g,%.17g\n", times[i], rows[i].c_x0, rows[i].c_y, rows[i].std);
  return 0;
}

inline int cmd_step(int argc, char** argv) {
  const args a(argc, argv, 2, {"--bridge", "--set", "--from", "--to", "--eta", "--sampler"}, {});
  const auto p = preset_from(a);
  const double from = to_number("--from", a.one("--from"));
  const double to = to_number("--to", a.one("--to"));
  const double eta = a.has("--eta") ? to_number("--eta", a.one("--eta")) : p.info().default_eta;
  const auto s = p.step(from, to, eta, a.one_or("--sampler", ""));
  require_finite(from, {s.c_xt, s.c_x0, s.c_y, s.c_z});
  std::printf("c_xt,c_x0,c_y,c_z\n%.17g,%.17g,%.17g,%.17g\n", s.c_xt, s.c_x0, s.c_y, s.c_z);
  return 0;
}

/// Default number of steps of each preset's official sampler (for the study table).
inline long study_steps(const std::string& n) {
  if (n == "goub" || n == "unidb" || n == "irsde") return 100;
  if (n == "bbdm") return 200;
  if (n == "ddbm-ve" || n == "ddbm-vp") return 40;
  if (n == "resshift") return 15;
  return 10;
}

inline double max_diff(const marginal_coeffs<double>& a, const marginal_coeffs<double>& b) {
  return std::max({std::abs(a.c_x0 - b.c_x0), std::abs(a.c_y - b.c_y), std::abs(a.std - b.std)});
}
inline double max_diff(const step_coeffs<double>& a, const step_coeffs<double>& b) {
  return std::max({std::abs(a.c_xt - b.c_xt), std::abs(a.c_x0 - b.c_x0), std::abs(a.c_y - b.c_y),
                   std::abs(a.c_z - b.c_z)});
}

/// What a step does to the exact marginal at t with a perfect x̂0: the marginal it
/// produces at s, as (coefficient of x0, coefficient of y, std).
inline marginal_coeffs<double> pushed_marginal(const step_coeffs<double>& s,
                                               const marginal_coeffs<double>& mt) {
  return {s.c_xt * mt.c_x0 + s.c_x0, s.c_xt * mt.c_y + s.c_y, std::hypot(s.c_xt * mt.std, s.c_z)};
}

/// Largest relative error of a preset against every golden table of that bridge.
inline double golden_error(const std::filesystem::path& dir, const std::string& name, int* files) {
  double worst = 0;
  for (const char* suffix : {".coeffs.csv", ".step.csv"}) {
    const std::size_t width = std::string(suffix) == ".coeffs.csv" ? 4 : 7;
    for (const auto& g : golden::read_all(dir, suffix)) {
      if (g.bridge != name) continue;
      ++*files;
      if (g.columns.size() != width)
        throw invalid_input(detail::concat("golden file ", g.path.string(), ": ", g.columns.size(),
                                           " columns, a *", suffix, " has ", width));
      try {
        parameter_set ps;
        for (const auto& kv : g.sets) ps.set(kv);
        const auto p = make_preset(name, ps);
        for (const auto& r : g.rows) {
          if (width == 4) {
            const auto c = p.coeffs(r[0]);
            worst = std::max({worst, golden::relative_error(c.c_x0, r[1]),
                              golden::relative_error(c.c_y, r[2]),
                              golden::relative_error(c.std, r[3])});
          } else {
            const auto s = p.step(r[0], r[1], r[2], g.sampler);
            worst = std::max(
                {worst, golden::relative_error(s.c_xt, r[3]), golden::relative_error(s.c_x0, r[4]),
                 golden::relative_error(s.c_y, r[5]), golden::relative_error(s.c_z, r[6])});
          }
        }
      } catch (const error& e) {  // name the file
        throw invalid_input(detail::concat("golden file ", g.path.string(), ": ", e.what()));
      }
    }
  }
  return worst;
}

inline int cmd_study(int argc, char** argv) {
  const args a(argc, argv, 2, {"--golden"}, {});
  const bool golden = a.has("--golden");
  std::string table;  // printed when every row is computed: no partial output
  auto line = [&table](auto... v) {
    char b[512];
    std::snprintf(b, sizeof b, "%-15s %-10s %-10s %-10s %-10s %-10s %s\n", v...);
    table += b;
  };
  line("bridge", "d_coeffs", "d_coef(1)", "d_push(0)", "d_push(1)", golden ? "vs_golden" : "",
       "relation");
  for (const auto& name : preset_names()) {
    const auto p = make_preset(name);
    const auto grid = p.default_grid(study_steps(name));
    double dc = 0, d0 = 0, d1 = 0, dk = 0;
    for (double t : grid) dc = std::max(dc, max_diff(p.coeffs(t), p.reference_coeffs(t)));
    for (double t : p.official_times())
      dc = std::max(dc, max_diff(p.coeffs(t), p.reference_coeffs(t)));
    const bool deterministic_only = name == "rectified-flow";
    for (size_t i = 0; i + 1 < grid.size(); ++i) {
      const auto mt = p.coeffs(grid[i]), rt = p.reference_coeffs(grid[i]);
      auto dev = [&](double eta) {
        return max_diff(pushed_marginal(p.step(grid[i], grid[i + 1], eta), mt),
                        pushed_marginal(p.reference_step(grid[i], grid[i + 1], eta), rt));
      };
      d0 = std::max(d0, dev(0.0));
      if (!deterministic_only) {
        d1 = std::max(d1, dev(1.0));
        dk = std::max(dk, max_diff(p.step(grid[i], grid[i + 1], 1.0),
                                   p.reference_step(grid[i], grid[i + 1], 1.0)));
      }
    }
    std::string g;
    if (golden) {
      int files = 0;
      const double e = golden_error(a.one("--golden"), name, &files);
      char buf[64];
      std::snprintf(buf, sizeof buf, files ? "%.2e" : "-", e);
      g = buf;
    }
    auto num = [](double v, bool dash) {
      char b[32];
      std::snprintf(b, sizeof b, "%.2e", v);
      return std::string(dash ? "-" : b);
    };
    line(name.c_str(), num(dc, false).c_str(), num(dk, deterministic_only).c_str(),
         num(d0, false).c_str(), num(d1, deterministic_only).c_str(), g.c_str(),
         p.info().relation.c_str());
  }
  std::fputs(table.c_str(), stdout);
  return 0;
}

}  // namespace diffbridge::cli
