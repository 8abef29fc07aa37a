// A plain SVG line-plot writer, no plotting dependency: a figure is a grid of panels, each
// with linear or log axes, "nice" ticks (1-2-5 steps; decades on log axes), grid lines, a
// title, axis labels, lines (solid or dashed, optional markers) and a legend. Points that
// are not finite, or not positive on a log axis, break a line instead of being drawn.
// Files are written to a temporary in the same directory and renamed: never a partial file.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "diffbridge/core/error.hpp"
#include "diffbridge/io/detail/file.hpp"

namespace diffbridge::io::svg {

struct series {
  std::string label;
  std::vector<double> x, y;
  bool dashed = false;
  bool markers = false;
  std::string color;  ///< empty: the next palette colour of the panel
};

/// A line and its style: dashed(with_markers(line("label", x, y))).
inline series line(std::string label, std::vector<double> x, std::vector<double> y) {
  series s;
  s.label = std::move(label), s.x = std::move(x), s.y = std::move(y);
  return s;
}
inline series dashed(series s) { return s.dashed = true, s; }
inline series with_markers(series s) { return s.markers = true, s; }
inline series colored(series s, std::string c) { return s.color = std::move(c), s; }

struct axis {
  std::string label;
  bool log = false;
  double lo = std::numeric_limits<double>::quiet_NaN();  ///< NaN: from the data
  double hi = std::numeric_limits<double>::quiet_NaN();
};

struct panel {
  std::string title;
  axis x, y;
  std::vector<series> lines;
  std::string note;  ///< a line of text in the plot area (e.g. "no finite values")
};

inline panel make_panel(std::string title, axis x, axis y, std::vector<series> lines = {}) {
  panel p;
  p.title = std::move(title), p.x = std::move(x), p.y = std::move(y), p.lines = std::move(lines);
  return p;
}
inline axis linear(std::string label) { return axis{std::move(label), false}; }
inline axis logarithmic(std::string label) { return axis{std::move(label), true}; }

struct figure {
  std::string title;
  std::vector<panel> panels;
  int columns = 1;
  double panel_width = 440, panel_height = 290;
  double legend_width = 160;  ///< 0: no legend column
};

namespace detail {

inline const char* palette(size_t i) {
  static const char* c[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return c[i % 10];
}

inline std::string escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += ch;
    }
  }
  return o;
}

inline std::string num(double v, int digits = 4) {
  if (std::abs(v) < 1e-300) v = 0;  // no "-0"
  char b[32];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

/// Tick positions and labels of an axis spanning [lo, hi] (log10 values for a log axis).
struct ticks {
  std::vector<double> at;
  std::vector<std::string> label;
  std::vector<double> minor;
};

inline ticks make_ticks(double lo, double hi, bool log) {
  ticks t;
  if (log) {
    const double span = hi - lo;
    const int step = std::max(1, int(std::ceil(span / 6)));
    for (int k = int(std::ceil(lo - 1e-9)); k <= int(std::floor(hi + 1e-9)); ++k) {
      if (k % step) continue;
      t.at.push_back(k);
      t.label.push_back(k >= -2 && k <= 3 ? num(std::pow(10.0, k)) : "1e" + std::to_string(k));
    }
    for (int k = int(std::floor(lo)); k <= int(std::ceil(hi)); ++k)
      for (int m = 2; m <= 9; ++m) {
        const double v = k + std::log10(double(m));
        if (v > lo && v < hi) {
          if (span < 1.5 && (m == 2 || m == 5)) {
            t.at.push_back(v), t.label.push_back(num(std::pow(10.0, v), 3));
          } else if (span < 8) {
            t.minor.push_back(v);
          }
        }
      }
    return t;
  }
  const double raw = (hi - lo) / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag, step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) {
    t.at.push_back(v), t.label.push_back(num(std::abs(v) < 1e-12 * step ? 0.0 : v));
  }
  return t;
}

/// Data range of an axis over every line (log: of positive values, in log10).
inline std::pair<double, double> range(const panel& p, bool is_x) {
  const axis& ax = is_x ? p.x : p.y;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : p.lines)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      const double v = is_x ? s.x[i] : s.y[i], o = is_x ? s.y[i] : s.x[i];
      const axis& oa = is_x ? p.y : p.x;
      if (!std::isfinite(v) || !std::isfinite(o) || (ax.log && v <= 0) || (oa.log && o <= 0))
        continue;
      const double w = ax.log ? std::log10(v) : v;
      lo = std::min(lo, w), hi = std::max(hi, w);
    }
  if (std::isfinite(ax.lo)) lo = ax.log ? std::log10(ax.lo) : ax.lo;
  if (std::isfinite(ax.hi)) hi = ax.log ? std::log10(ax.hi) : ax.hi;
  if (!(lo <= hi)) return {0, 1};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double d = ax.log ? 0.5 : std::max(std::abs(hi) * 0.1, 1e-3);
    return {lo - d, hi + d};
  }
  if (!std::isfinite(ax.lo) && !std::isfinite(ax.hi) && !ax.log) {
    const double pad = 0.04 * (hi - lo);
    return {lo - pad, hi + pad};
  }
  return {lo, hi};
}

inline void render_panel(std::ostringstream& o, const panel& p, double X, double Y, double W,
                         double H, double legend_w, int id) {
  const double ml = 62, mr = 12 + legend_w, mt = 26, mb = 42;
  const double px = X + ml, py = Y + mt, pw = W - ml - mr, ph = H - mt - mb;
  // plain locals, not structured bindings: clang < 16 cannot capture those in a lambda
  const std::pair<double, double> xr = range(p, true), yr = range(p, false);
  const double x0 = xr.first, x1 = xr.second, y0 = yr.first, y1 = yr.second;
  auto sx = [&](double v) { return px + (v - x0) / (x1 - x0) * pw; };
  auto sy = [&](double v) { return py + ph - (v - y0) / (y1 - y0) * ph; };
  o << "<g>\n<text x=\"" << num(px + pw / 2, 7) << "\" y=\"" << num(Y + 17, 7)
    << "\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" << escape(p.title)
    << "</text>\n";
  o << "<clipPath id=\"c" << id << "\"><rect x=\"" << num(px, 7) << "\" y=\"" << num(py, 7)
    << "\" width=\"" << num(pw, 7) << "\" height=\"" << num(ph, 7) << "\"/></clipPath>\n";
  const auto tx = make_ticks(x0, x1, p.x.log), ty = make_ticks(y0, y1, p.y.log);
  for (double v : tx.minor)
    o << "<line x1=\"" << num(sx(v), 7) << "\" y1=\"" << num(py, 7) << "\" x2=\"" << num(sx(v), 7)
      << "\" y2=\"" << num(py + ph, 7) << "\" stroke=\"#f2f2f2\"/>\n";
  for (double v : ty.minor)
    o << "<line x1=\"" << num(px, 7) << "\" y1=\"" << num(sy(v), 7) << "\" x2=\"" << num(px + pw, 7)
      << "\" y2=\"" << num(sy(v), 7) << "\" stroke=\"#f2f2f2\"/>\n";
  for (size_t i = 0; i < tx.at.size(); ++i) {
    const double x = sx(tx.at[i]);
    o << "<line x1=\"" << num(x, 7) << "\" y1=\"" << num(py, 7) << "\" x2=\"" << num(x, 7)
      << "\" y2=\"" << num(py + ph + 4, 7) << "\" stroke=\"#dddddd\"/>\n<text x=\"" << num(x, 7)
      << "\" y=\"" << num(py + ph + 16, 7) << "\" text-anchor=\"middle\" font-size=\"11\">"
      << escape(tx.label[i]) << "</text>\n";
  }
  for (size_t i = 0; i < ty.at.size(); ++i) {
    const double y = sy(ty.at[i]);
    o << "<line x1=\"" << num(px - 4, 7) << "\" y1=\"" << num(y, 7) << "\" x2=\"" << num(px + pw, 7)
      << "\" y2=\"" << num(y, 7) << "\" stroke=\"#dddddd\"/>\n<text x=\"" << num(px - 7, 7)
      << "\" y=\"" << num(y + 4, 7) << "\" text-anchor=\"end\" font-size=\"11\">"
      << escape(ty.label[i]) << "</text>\n";
  }
  o << "<rect x=\"" << num(px, 7) << "\" y=\"" << num(py, 7) << "\" width=\"" << num(pw, 7)
    << "\" height=\"" << num(ph, 7) << "\" fill=\"none\" stroke=\"#333333\"/>\n";
  o << "<text x=\"" << num(px + pw / 2, 7) << "\" y=\"" << num(Y + H - 8, 7)
    << "\" text-anchor=\"middle\" font-size=\"12\">" << escape(p.x.label) << "</text>\n";
  o << "<text transform=\"translate(" << num(X + 14, 7) << "," << num(py + ph / 2, 7)
    << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" << escape(p.y.label)
    << "</text>\n";
  bool any = false;
  int row = 0;  // legend rows: labelled lines only
  for (size_t k = 0; k < p.lines.size(); ++k) {
    const auto& s = p.lines[k];
    const std::string col = s.color.empty() ? palette(k) : s.color;
    std::string d, marks;
    bool pen = false;
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      const double a = s.x[i], b = s.y[i];
      if (!std::isfinite(a) || !std::isfinite(b) || (p.x.log && a <= 0) || (p.y.log && b <= 0)) {
        pen = false;
        continue;
      }
      const double X1 = sx(p.x.log ? std::log10(a) : a), Y1 = sy(p.y.log ? std::log10(b) : b);
      d += (pen ? " L" : " M") + num(X1, 7) + " " + num(Y1, 7);
      pen = any = true;
      if (s.markers)
        marks += "<circle cx=\"" + num(X1, 7) + "\" cy=\"" + num(Y1, 7) + "\" r=\"2.6\" fill=\"" +
                 col + "\"/>";
    }
    o << "<g clip-path=\"url(#c" << id << ")\">";
    if (!d.empty())
      o << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << col << "\" stroke-width=\"1.7\""
        << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>";
    o << marks << "</g>\n";
    if (legend_w > 0 && !s.label.empty()) {
      const double ly = py + 8 + 16 * double(row++), lx = px + pw + 12;
      o << "<line x1=\"" << num(lx, 7) << "\" y1=\"" << num(ly, 7) << "\" x2=\"" << num(lx + 22, 7)
        << "\" y2=\"" << num(ly, 7) << "\" stroke=\"" << col << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << "/><text x=\"" << num(lx + 27, 7)
        << "\" y=\"" << num(ly + 4, 7) << "\" font-size=\"11\">" << escape(s.label) << "</text>\n";
    }
  }
  const std::string note = !p.note.empty() ? p.note : any ? "" : "no finite values to draw";
  if (!note.empty())
    o << "<text x=\"" << num(px + pw / 2, 7) << "\" y=\"" << num(py + ph / 2, 7)
      << "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#555555\">" << escape(note)
      << "</text>\n";
  o << "</g>\n";
}

}  // namespace detail

/// The SVG document of a figure.
inline std::string render(const figure& f) {
  require_parameter(f.columns >= 1, "columns", f.columns, ">= 1");
  require_parameter(f.panel_width > 150 && f.panel_height > 100, "panel size", f.panel_width,
                    "> 150 x 100");
  const size_t cols = size_t(f.columns), rows = (f.panels.size() + cols - 1) / cols;
  const double top = f.title.empty() ? 0 : 30;
  const double W = double(cols) * f.panel_width, H = top + double(rows) * f.panel_height;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
    << "width=\"" << detail::num(W, 7) << "\" height=\"" << detail::num(H, 7) << "\" viewBox=\"0 0 "
    << detail::num(W, 7) << " " << detail::num(H, 7)
    << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!f.title.empty())
    o << "<text x=\"" << detail::num(W / 2, 7)
      << "\" y=\"21\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
      << detail::escape(f.title) << "</text>\n";
  for (size_t i = 0; i < f.panels.size(); ++i)
    detail::render_panel(o, f.panels[i], double(i % cols) * f.panel_width,
                         top + double(i / cols) * f.panel_height, f.panel_width, f.panel_height,
                         f.legend_width, int(i));
  o << "</svg>\n";
  return o.str();
}

/// Writes `content` to `path` through a unique temporary in the same directory (never an
/// existing file) and a rename, so a failure never leaves a partial file. Throws invalid_input
/// naming the path.
inline void write_atomically(const std::filesystem::path& path, const std::string& content) {
  if (path.empty() || path.filename().empty())
    throw invalid_input("output path '" + path.string() + "' names no file");
  diffbridge::io::detail::atomic_writer out(path);
  out.write(content.data(), content.size());
  out.commit();
}

inline void write(const figure& f, const std::filesystem::path& path) {
  write_atomically(path, render(f));
}

}  // namespace diffbridge::io::svg
