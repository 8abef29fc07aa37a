// Reader of the golden CSV files in tests/golden (written by scripts/golden/make_golden.py):
//   # bridge=NAME / # set=KEY=VALUE ... / # source=..., a header line, then numeric rows.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "diffbridge/core/error.hpp"

namespace diffbridge::golden {

struct table {
  std::string bridge;
  std::vector<std::string> sets;  // KEY=VALUE
  std::string sampler;            // empty: the preset's own step
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  std::filesystem::path path;
};

inline table read(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw invalid_input("cannot open golden file " + p.string());
  table t;
  t.path = p;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# bridge=", 0) == 0) {
      t.bridge = line.substr(9);
    } else if (line.rfind("# sampler=", 0) == 0) {
      t.sampler = line.substr(10);
    } else if (line.rfind("# set=", 0) == 0) {
      t.sets.push_back(line.substr(6));
    } else if (line[0] == '#') {
      continue;
    } else if (t.columns.empty()) {
      std::stringstream ss(line);
      std::string c;
      while (std::getline(ss, c, ',')) t.columns.push_back(c);
    } else {
      std::vector<double> row;
      std::stringstream ss(line);
      std::string c;
      while (std::getline(ss, c, ',')) {
        double v = 0;
        const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
        if (ec != std::errc() || end != c.data() + c.size() || !std::isfinite(v))
          throw invalid_input("golden file " + p.string() + ": '" + c + "' is not a finite number");
        row.push_back(v);
      }
      if (row.size() != t.columns.size())
        throw invalid_input("golden file " + p.string() + ": row with wrong column count");
      t.rows.push_back(std::move(row));
    }
  }
  if (t.bridge.empty() || t.columns.empty())
    throw invalid_input("golden file " + p.string() + ": missing '# bridge=' or header");
  return t;
}

/// All golden tables in `dir` whose file name ends with `suffix` (".coeffs.csv", ".step.csv").
inline std::vector<table> read_all(const std::filesystem::path& dir, const std::string& suffix) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto n = e.path().filename().string();
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<table> r;
  for (const auto& f : files) r.push_back(read(f));
  return r;
}

/// Agreement metric of the golden tests: |a − b| / max(|b|, floor). The floor (1e-6)
/// keeps coefficients that are zero up to rounding (cancellations of O(1) terms in both
/// implementations) from being compared relatively; 1e-9 relative therefore means an
/// absolute 1e-15 for those.
inline double relative_error(double a, double b, double floor = 1e-6) {
  const double s = std::max(std::abs(b), floor);
  return std::abs(a - b) / s;
}

}  // namespace diffbridge::golden
