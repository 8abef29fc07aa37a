// The SVG writer: a well-formed document, escaped text, log ticks, broken lines at values a
// log axis cannot show, and atomic writes (no partial file, no temporary left behind).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "diffbridge/io/svg.hpp"

using namespace diffbridge;
namespace svg = diffbridge::io::svg;

namespace {
size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("svg: a well-formed figure with escaped labels and log ticks", "[study][svg]") {
  svg::figure f;
  f.title = "a <b> & \"c\"";
  f.columns = 2;
  auto p = svg::make_panel("W2 vs NFE", svg::logarithmic("NFE"), svg::logarithmic("W2"));
  p.lines.push_back(svg::with_markers(svg::line("eta=1", {2, 10, 100}, {0.1, 0.01, 1e-3})));
  // a NaN breaks the line; a non-positive value is not drawn on a log axis
  p.lines.push_back(
      svg::dashed(svg::line("broken", {2, 5, 10, 20, 50, 70}, {0.2, 0.1, NAN, 0.05, 0.03, -1})));
  f.panels.push_back(p);
  f.panels.push_back(svg::make_panel("linear", svg::linear("t"), svg::linear("a"),
                                     {svg::line("a", {0, 1, 2}, {1, 0.5, 0})}));
  const std::string s = svg::render(f);
  CHECK(s.rfind("<?xml", 0) == 0);
  CHECK(count(s, "<svg") == 1);
  CHECK(count(s, "</svg>") == 1);
  CHECK(count(s, "<g") == count(s, "</g>"));
  CHECK(count(s, "<text") == count(s, "</text>"));
  CHECK(s.find("a &lt;b&gt; &amp; &quot;c&quot;") != std::string::npos);
  CHECK(s.find("<b>") == std::string::npos);
  for (const char* tick : {">1e-3<", ">0.01<", ">0.1<", ">10<", ">100<"}) {
    INFO(tick);
    CHECK(s.find(tick) != std::string::npos);
  }
  // the broken series: two runs "M . L ." (2, 5) and (20, 50)
  const auto at = s.find("stroke-dasharray=\"6 4\"/>");
  REQUIRE(at != std::string::npos);
  const auto d = s.rfind("<path d=\"", at);
  const std::string path = s.substr(d, at - d);
  CHECK(count(path, " M") == 2);
  CHECK(count(path, " L") == 2);
  CHECK(s.find("stroke-dasharray") != std::string::npos);
  CHECK(count(s, "<circle") == 3);
  // nothing drawable: a note instead of an empty plot
  svg::figure e;
  e.panels.push_back(svg::make_panel("empty", svg::linear("x"), svg::logarithmic("y"),
                                     {svg::line("zero", {1, 2}, {0, 0})}));
  CHECK(svg::render(e).find("no finite values to draw") != std::string::npos);
  CHECK_THROWS_AS(svg::render(svg::figure{"", {}, 0}), invalid_parameter);
}

TEST_CASE("svg: writes through a temporary and a rename", "[study][svg]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "diffbridge_svg_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  svg::figure f;
  f.panels.push_back(
      svg::make_panel("p", svg::linear("x"), svg::linear("y"), {svg::line("l", {0, 1}, {0, 1})}));
  svg::write(f, dir / "ok.svg");
  std::ifstream in(dir / "ok.svg");
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == svg::render(f));
  CHECK(!fs::exists(dir / "ok.svg.tmp"));
  CHECK_THROWS_AS(svg::write(f, dir / "missing" / "x.svg"), invalid_input);
  CHECK(!fs::exists(dir / "missing"));
  CHECK_THROWS_AS(svg::write(f, dir / ""), invalid_input);
  fs::remove_all(dir);
}
