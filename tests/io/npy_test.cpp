// .npy reader/writer: round trips, hand-made format 1/2/3 files and one
// malformed file per rejection rule (exception type + message).
#include <diffbridge/io/npy.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "io_test_util.hpp"

using namespace diffbridge;
using namespace io_test;
using Catch::Matchers::Contains;

namespace {

const char* const kDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

/// Magic, version, header length (2 or 4 bytes by version), header text, payload.
bytes make_npy(int major, std::string_view dict, const bytes& payload, int minor = 0) {
  bytes b = {0x93,
             'N',
             'U',
             'M',
             'P',
             'Y',
             static_cast<unsigned char>(major),
             static_cast<unsigned char>(minor)};
  std::string text(dict);
  text += '\n';
  if (major == 1)
    append_le<std::uint16_t>(b, static_cast<std::uint16_t>(text.size()));
  else
    append_le<std::uint32_t>(b, static_cast<std::uint32_t>(text.size()));
  append(b, text);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

bytes f4_payload(std::initializer_list<float> v) {
  bytes b;
  for (float x : v) append_le<std::uint32_t>(b, std::bit_cast<std::uint32_t>(x));
  return b;
}

bytes f8_payload(std::initializer_list<double> v) {
  bytes b;
  for (double x : v) append_le<std::uint64_t>(b, std::bit_cast<std::uint64_t>(x));
  return b;
}

const bytes kSix = f4_payload({0.f, 1.f, 2.f, 3.f, 4.f, 5.f});

/// The names in a directory.
std::set<std::string> entries(const temp_dir& td) {
  std::set<std::string> r;
  for (const auto& e : std::filesystem::directory_iterator(td.dir))
    r.insert(e.path().filename().string());
  return r;
}

/// Writes `b` and expects read_npy_float to throw invalid_input containing `what`.
void expect_reject(const temp_dir& td, const bytes& b, const std::string& what) {
  const auto p = td / "bad.npy";
  write_bytes(p, b);
  REQUIRE_THROWS_AS(io::read_npy_float(p), invalid_input);
  REQUIRE_THROWS_WITH(io::read_npy_float(p), Contains(what) && Contains("bad.npy"));
}

}  // namespace

TEST_CASE("npy: write then read round-trips shape and values", "[io][npy]") {
  temp_dir td("npy_rt");
  const auto p = td / "x.npy";
  SECTION("rank 4") {
    std::vector<float> v(1 * 3 * 4 * 5);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i) - 3.f;
    v[7] = -0.0f;
    v[8] = std::numeric_limits<float>::denorm_min();
    io::write_npy(p, std::vector<std::size_t>{1, 3, 4, 5}, v);
    const auto a = io::read_npy_float(p);
    CHECK(a.shape == std::vector<std::size_t>{1, 3, 4, 5});
    REQUIRE(a.data.size() == v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      CHECK(std::bit_cast<std::uint32_t>(a.data[i]) == std::bit_cast<std::uint32_t>(v[i]));
    const auto d = io::require_nchw(a, p);
    CHECK((d.c == 3 && d.h == 4 && d.w == 5));
  }
  SECTION("scalar, 1-d and empty shapes") {
    io::write_npy(p, std::vector<std::size_t>{}, std::vector<float>{42.f});
    auto a = io::read_npy_float(p);
    CHECK(a.shape.empty());
    CHECK(a.data == std::vector<float>{42.f});
    io::write_npy(p, std::vector<std::size_t>{3}, std::vector<float>{1.f, 2.f, 3.f});
    a = io::read_npy_float(p);
    CHECK(a.shape == std::vector<std::size_t>{3});
    io::write_npy(p, std::vector<std::size_t>{2, 0}, std::vector<float>{});
    a = io::read_npy_float(p);
    CHECK(a.shape == std::vector<std::size_t>{2, 0});
    CHECK(a.data.empty());
  }
  SECTION("file layout is format 1.0 with a 64-byte aligned header") {
    io::write_npy(p, std::vector<std::size_t>{2, 3}, std::vector<float>(6, 1.f));
    const bytes b = read_bytes(p);
    REQUIRE(b.size() > 10);
    CHECK(std::string(b.begin() + 1, b.begin() + 6) == "NUMPY");
    CHECK((b[0] == 0x93 && b[6] == 1 && b[7] == 0));
    const std::size_t hlen = std::size_t{b[8]} | (std::size_t{b[9]} << 8);
    CHECK((10 + hlen) % 64 == 0);
    CHECK(b[10 + hlen - 1] == '\n');
    CHECK(std::string(reinterpret_cast<const char*>(b.data()) + 10, hlen)
              .find("'shape': (2, 3), }") != std::string::npos);
    CHECK(b.size() == 10 + hlen + 24);
    CHECK_FALSE(std::filesystem::exists(td / "x.npy.tmp"));
  }
}

TEST_CASE("npy: hand-made files of every supported version are read", "[io][npy]") {
  temp_dir td("npy_ver");
  const auto p = td / "v.npy";
  for (int major : {1, 2, 3}) {
    write_bytes(p, make_npy(major, kDict, kSix));
    const auto a = io::read_npy_float(p);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.data == std::vector<float>{0.f, 1.f, 2.f, 3.f, 4.f, 5.f});
  }
  // Key order, quoting and spacing are free; trailing comma optional.
  write_bytes(p,
              make_npy(1, "{\"shape\":(6,),\"fortran_order\":False,\"descr\":\"<f4\"}   ", kSix));
  CHECK(io::read_npy_float(p).shape == std::vector<std::size_t>{6});
  write_bytes(
      p, make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f4_payload({7.f})));
  CHECK(io::read_npy_float(p).data == std::vector<float>{7.f});
}

TEST_CASE("npy: '<f8' is narrowed to float; out-of-range values are rejected", "[io][npy]") {
  temp_dir td("npy_f8");
  const auto p = td / "d.npy";
  write_bytes(p, make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                          f8_payload({0.1, -2.5, 1e30})));
  const auto a = io::read_npy_float(p);
  CHECK(a.data == std::vector<float>{0.1f, -2.5f, 1e30f});
  write_bytes(p, make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                          f8_payload({1.0, 1e300})));
  REQUIRE_THROWS_AS(io::read_npy_float(p), invalid_input);
  REQUIRE_THROWS_WITH(io::read_npy_float(p),
                      Contains("outside the float32 range") && Contains("flat index 1"));
  // inf/NaN pass narrowing; check_finite catches them.
  write_bytes(p, make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                          f8_payload({1.0, std::numeric_limits<double>::infinity()})));
  CHECK(std::isinf(io::read_npy_float(p).data[1]));
  REQUIRE_THROWS_WITH(io::read_npy_float(p, true),
                      Contains("non-finite") && Contains("flat index 1"));
}

TEST_CASE("npy: check_finite rejects NaN and Inf", "[io][npy]") {
  temp_dir td("npy_fin");
  const auto p = td / "n.npy";
  io::write_npy(p, std::vector<std::size_t>{3}, std::vector<float>{1.f, std::nanf(""), 2.f});
  CHECK_NOTHROW(io::read_npy_float(p));
  REQUIRE_THROWS_AS(io::read_npy_float(p, true), invalid_input);
  REQUIRE_THROWS_WITH(io::check_finite(io::read_npy_float(p), p),
                      Contains("non-finite") && Contains("flat index 1"));
  io::npy_array ok{{2}, {1.f, 2.f}};
  CHECK_NOTHROW(io::check_finite(ok, p));
  io::npy_array inf{{1}, {-std::numeric_limits<float>::infinity()}};
  CHECK_THROWS_WITH(io::check_finite(inf, p), Contains("flat index 0"));
}

TEST_CASE("npy: require_nchw reports the shape it got", "[io][npy]") {
  io::npy_array a{{3, 4, 4}, std::vector<float>(48)};
  REQUIRE_THROWS_AS(io::require_nchw(a, "img.npy"), invalid_input);
  CHECK_THROWS_WITH(io::require_nchw(a, "img.npy"),
                    Contains("img.npy") && Contains("got shape (3, 4, 4)"));
  a.shape = {2, 3, 2, 4};
  CHECK_THROWS_WITH(io::require_nchw(a, "img.npy"), Contains("N = 1") && Contains("(2, 3, 2, 4)"));
  a.shape = {1, 3, 4, 4};
  CHECK_NOTHROW(io::require_nchw(a, "img.npy"));
  const io::npy_array empty{{1, 3, 0, 4}, {}};
  CHECK_THROWS_WITH(io::require_nchw(empty, "img.npy"), Contains("empty array"));
}

TEST_CASE("npy: malformed files are rejected with a message naming the problem", "[io][npy]") {
  temp_dir td("npy_bad");
  SECTION("magic and version") {
    bytes b = make_npy(1, kDict, kSix);
    b[1] = 'X';
    expect_reject(td, b, "bad magic");
    expect_reject(td, bytes{0x93, 'N', 'U'}, "bad magic");
    expect_reject(td, bytes{}, "bad magic");
    // the right magic and nothing else is a truncated file, not a bad magic
    expect_reject(td, bytes{0x93, 'N', 'U', 'M', 'P', 'Y'},
                  "truncated: the file ends after 6 bytes, before the format version");
    expect_reject(td, bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1},
                  "truncated: the file ends after 7 bytes");
    expect_reject(td, bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0},
                  "truncated header length: the file ends after 8 bytes");
    expect_reject(td, make_npy(4, kDict, kSix), "unsupported .npy format version 4.0");
    expect_reject(td, make_npy(1, kDict, kSix, 1), "version 1.1");
  }
  SECTION("dtypes") {
    expect_reject(td,
                  make_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", kSix),
                  "big-endian");
    expect_reject(td,
                  make_npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", kSix),
                  "big-endian");
    expect_reject(td,
                  make_npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", kSix),
                  "unsupported dtype '<i4'");
    expect_reject(td,
                  make_npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (24,), }", kSix),
                  "unsupported dtype '|u1'");
    expect_reject(td,
                  make_npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (12,), }", kSix),
                  "unsupported dtype '<f2'");
    expect_reject(
        td, make_npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", kSix),
        "structured");
  }
  SECTION("fortran order") {
    expect_reject(td,
                  make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", kSix),
                  "fortran_order True");
    expect_reject(td, make_npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", kSix),
                  "fortran_order is not True or False");
  }
  SECTION("header dict syntax and keys") {
    expect_reject(td, make_npy(1, "{'descr': '<f4', 'shape': (2, 3), }", kSix),
                  "no 'fortran_order' key");
    expect_reject(td, make_npy(1, "{'fortran_order': False, 'shape': (2, 3), }", kSix),
                  "no 'descr' key");
    expect_reject(td, make_npy(1, "{'descr': '<f4', 'fortran_order': False}", kSix),
                  "no 'shape' key");
    expect_reject(
        td, make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", kSix),
        "unexpected header key 'x'");
    expect_reject(
        td,
        make_npy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
                 kSix),
        "duplicate header key 'descr'");
    expect_reject(td,
                  make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", kSix),
                  "header dict is not closed");
    expect_reject(td, make_npy(1, "{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}", kSix),
                  "expected ',' or '}'");
    expect_reject(td,
                  make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", kSix),
                  "unexpected characters after the header dict");
    expect_reject(td, make_npy(1, "['descr', '<f4']", kSix), "does not start with '{'");
    expect_reject(td, make_npy(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", kSix),
                  "header");
    bytes b = make_npy(1, kDict, kSix);
    b[15] = 0xE9;  // inside the text
    expect_reject(td, b, "non-ASCII");
  }
  SECTION("shape syntax") {
    auto dict = [](const std::string& shape) {
      return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    };
    expect_reject(td, make_npy(1, dict("(6)"), kSix), "not a tuple");
    expect_reject(td, make_npy(1, dict("[6]"), kSix), "shape is not a tuple");
    expect_reject(td, make_npy(1, dict("(2, -3)"), kSix), "not a non-negative integer");
    expect_reject(td, make_npy(1, dict("(2, 3.0)"), kSix), "expected ',' or ')'");
    expect_reject(td, make_npy(1, dict("(06,)"), kSix), "leading zero");
    expect_reject(td, make_npy(1, dict("(,)"), kSix), "not a non-negative integer");
    expect_reject(td, make_npy(1, dict("(99999999999999999999,)"), kSix), "shape entry overflows");
  }
  SECTION("shape product overflow") {
    expect_reject(
        td,
        make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                 kSix),
        "overflows");
    // The count fits in 64 bits but count * 8 bytes does not.
    expect_reject(
        td,
        make_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }",
                 kSix),
        "overflows");
    // a zero dimension does not hide the others, in any order
    expect_reject(td,
                  make_npy(1,
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 0, "
                           "1099511627776, 1099511627776), }",
                           bytes{}),
                  "overflows");
  }
  SECTION("header length") {
    bytes b = make_npy(1, kDict, kSix);
    b[8] = 0xFF;  // claims a header far beyond the file
    b[9] = 0x7F;
    expect_reject(td, b, "overflows the file");
    b = make_npy(2, kDict, kSix);
    b[8] = b[9] = b[10] = b[11] = 0xFF;  // 4 GiB header
    expect_reject(td, b, "header length 4294967295 exceeds");
    expect_reject(td, bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0}, "truncated header length");
  }
  SECTION("data size") {
    bytes b = make_npy(1, kDict, kSix);
    b.pop_back();
    expect_reject(td, b, "truncated data");
    expect_reject(td, make_npy(1, kDict, bytes{}), "truncated data");
    b = make_npy(3, kDict, kSix);
    b.push_back(0);
    expect_reject(td, b, "trailing garbage: 1 bytes");
  }
  SECTION("missing file") {
    CHECK_THROWS_AS(io::read_npy_float(td / "nope.npy"), invalid_input);
    CHECK_THROWS_WITH(io::read_npy_float(td / "nope.npy"),
                      Contains("nope.npy") && Contains("cannot open"));
  }
}

TEST_CASE("npy: write_npy is atomic and validates its input", "[io][npy]") {
  temp_dir td("npy_atomic");
  const auto p = td / "out.npy";
  io::write_npy(p, std::vector<std::size_t>{2}, std::vector<float>{1.f, 2.f});
  const bytes before = read_bytes(p);

  SECTION("size mismatch leaves the old file and no temporary") {
    REQUIRE_THROWS_AS(io::write_npy(p, std::vector<std::size_t>{3}, std::vector<float>{1.f}),
                      invalid_input);
    CHECK_THROWS_WITH(io::write_npy(p, std::vector<std::size_t>{3}, std::vector<float>{1.f}),
                      Contains("out.npy") && Contains("3 elements but 1"));
    CHECK(read_bytes(p) == before);
    CHECK(entries(td) == std::set<std::string>{"out.npy"});  // no temporary left behind
  }
  SECTION("failing rename leaves no partial output") {
    const auto q = td / "dir_target";
    std::filesystem::create_directory(q);  // rename(file, non-empty dir) fails
    std::filesystem::create_directory(q / "keep");
    CHECK_THROWS_AS(io::write_npy(q, std::vector<std::size_t>{1}, std::vector<float>{1.f}),
                    invalid_input);
    CHECK(std::filesystem::is_directory(q));
    CHECK(entries(td) == std::set<std::string>{"dir_target", "out.npy"});
  }
  SECTION("an existing PATH.tmp is not the temporary: it survives") {
    const bytes unrelated{'k', 'e', 'e', 'p', '\n'};
    write_bytes(td / "out.npy.tmp", unrelated);
    std::filesystem::create_directory(td / "out.npy.tmp.d");
    io::write_npy(p, std::vector<std::size_t>{1}, std::vector<float>{5.f});
    CHECK(io::read_npy_float(p).data == std::vector<float>{5.f});
    CHECK(read_bytes(td / "out.npy.tmp") == unrelated);
    CHECK(entries(td) == std::set<std::string>{"out.npy", "out.npy.tmp", "out.npy.tmp.d"});
  }
  SECTION("uncreatable temporary") {
    CHECK_THROWS_WITH(io::write_npy(td / "no_dir" / "x.npy", std::vector<std::size_t>{1},
                                    std::vector<float>{5.f}),
                      Contains("x.npy") && Contains("cannot write (creating the temporary"));
    CHECK_FALSE(std::filesystem::exists(td / "no_dir"));
  }
  SECTION("overwrite replaces the file") {
    io::write_npy(p, std::vector<std::size_t>{1, 1}, std::vector<float>{9.f});
    CHECK(io::read_npy_float(p).data == std::vector<float>{9.f});
  }
}
