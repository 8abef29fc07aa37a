// safetensors reader/writer: round trips, dtype conversion against known bit
// patterns, and one hand-made malformed file per validation rule.
#include <diffbridge/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "io_test_util.hpp"

using namespace diffbridge;
using namespace io_test;
using Catch::Matchers::Contains;

namespace {

/// 8-byte little-endian length, header text, data region.
bytes make_st(std::string_view header, const bytes& data = {}) {
  bytes b;
  append_le<std::uint64_t>(b, header.size());
  append(b, header);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

bytes zeros(std::size_t n) { return bytes(n, 0); }

/// Writes `b` and expects both the mmap and the in-memory path to throw
/// invalid_input whose message contains the file name and every `what`.
void expect_reject(const temp_dir& td, const bytes& b, std::initializer_list<std::string> what) {
  const auto p = td / "bad.safetensors";
  write_bytes(p, b);
  for (bool use_mmap : {true, false}) {
    try {
      io::safetensors_file f(p, use_mmap);
      FAIL("accepted a malformed file; expected: " << *what.begin());
    } catch (const invalid_input& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("bad.safetensors") != std::string::npos);
      for (const auto& w : what) CHECK(msg.find(w) != std::string::npos);
    }
  }
}

std::uint32_t bits(float f) { return std::bit_cast<std::uint32_t>(f); }

}  // namespace

TEST_CASE("safetensors: write then read round-trips", "[io][safetensors]") {
  temp_dir td("st_rt");
  const auto p = td / "m.safetensors";
  std::map<std::string, io::st_tensor> in;
  in["b.weight"] = {{2, 3}, {1.f, -2.f, 3.5f, 0.f, -0.f, 1e-40f}};
  in["a.bias"] = {{3}, {7.f, 8.f, 9.f}};
  in["empty"] = {{0, 4}, {}};
  in["scalar"] = {{}, {3.25f}};
  io::write_safetensors(p, in, {{"format", "pt"}});
  CHECK_FALSE(std::filesystem::exists(td / "m.safetensors.tmp"));

  for (bool use_mmap : {true, false}) {
    io::safetensors_file f(p, use_mmap);
    CHECK(f.is_mapped() == use_mmap);
    CHECK(f.size() == 4);
    CHECK(f.names() ==
          std::vector<std::string>{"a.bias", "b.weight", "empty", "scalar"});  // offset order
    CHECK(f.metadata() == std::map<std::string, std::string>{{"format", "pt"}});
    CHECK(f.contains("a.bias"));
    CHECK_FALSE(f.contains("c"));
    for (const auto& [name, t] : in) {
      const auto info = f.info(name);
      CHECK(info.dtype == io::st_dtype::f32);
      CHECK(info.shape == t.shape);
      const auto v = f.to_float(name);
      REQUIRE(v.size() == t.data.size());
      for (std::size_t i = 0; i < v.size(); ++i) CHECK(bits(v[i]) == bits(t.data[i]));
    }
    CHECK(f.raw("a.bias").size() == 12);
    REQUIRE_THROWS_AS(f.to_float("missing"), invalid_input);
    CHECK_THROWS_WITH(f.info("missing"), Contains("m.safetensors") &&
                                             Contains("tensor 'missing'") &&
                                             Contains("no such tensor"));
  }
  // The file is movable.
  io::safetensors_file f(p);
  io::safetensors_file g(std::move(f));
  CHECK(g.to_float("a.bias") == std::vector<float>{7.f, 8.f, 9.f});
}

TEST_CASE("safetensors: reference-compatible layouts are accepted", "[io][safetensors]") {
  temp_dir td("st_ok");
  const auto p = td / "ok.safetensors";
  SECTION("empty header, whitespace padding on either side") {
    write_bytes(p, make_st("{}"));
    CHECK(io::safetensors_file(p).size() == 0);
    write_bytes(p, make_st("\t\n{} \r\n "));
    CHECK(io::safetensors_file(p).size() == 0);
  }
  SECTION("entries listed out of offset order, zero-sized tensors") {
    write_bytes(p, make_st(R"({"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("a":{"dtype":"F16","shape":[2],"data_offsets":[4,8]},)"
                           R"("e":{"dtype":"BF16","shape":[2,0],"data_offsets":[8,8]}})",
                           zeros(8)));
    io::safetensors_file f(p);
    CHECK(f.names() == std::vector<std::string>{"z", "a", "e"});
    CHECK(f.info("a").dtype == io::st_dtype::f16);
    CHECK(f.to_float("e").empty());
  }
  SECTION("unknown entry keys and a null __metadata__ are ignored, as by the reference") {
    write_bytes(
        p,
        make_st(
            R"({"__metadata__":null,"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":[1]}})",
            zeros(4)));
    io::safetensors_file f(p);
    CHECK(f.metadata().empty());
    CHECK(f.to_float("t") == std::vector<float>{0.f});
  }
}

TEST_CASE("safetensors: F16, BF16 and F64 convert exactly", "[io][safetensors]") {
  temp_dir td("st_conv");
  const auto p = td / "c.safetensors";
  // F16 bit patterns and their exact float values.
  const std::vector<std::pair<std::uint16_t, float>> f16 = {
      {0x0000, 0.f},
      {0x8000, -0.f},
      {0x3C00, 1.f},
      {0xC000, -2.f},
      {0x3555, 0.333251953125f},
      {0x7BFF, 65504.f},
      {0x0400, 6.103515625e-05f},         // smallest normal
      {0x0001, 5.9604644775390625e-08f},  // smallest subnormal, 2^-24
      {0x03FF, 6.097555160522461e-05f},   // largest subnormal
      {0x8001, -5.9604644775390625e-08f},
      {0x7C00, std::numeric_limits<float>::infinity()},
      {0xFC00, -std::numeric_limits<float>::infinity()}};
  // BF16 bit patterns: upper halves of binary32.
  const std::vector<std::pair<std::uint16_t, float>> bf16 = {
      {0x3F80, 1.f},
      {0xC040, -3.f},
      {0x0001, std::bit_cast<float>(0x00010000u)},  // subnormal
      {0x7F7F, std::bit_cast<float>(0x7F7F0000u)},
      {0x7F80, std::numeric_limits<float>::infinity()},
      {0x8000, -0.f}};
  bytes data;
  for (const auto& [b, _] : f16) append_le<std::uint16_t>(data, b);
  append_le<std::uint16_t>(data, 0x7E00);  // F16 quiet NaN
  for (const auto& [b, _] : bf16) append_le<std::uint16_t>(data, b);
  append_le<std::uint16_t>(data, 0xFFC1);  // BF16 NaN with payload
  const std::size_t nh = f16.size() + 1, nb = bf16.size() + 1;
  for (double d : {0.1, -1e-45, 3.0e38})
    append_le<std::uint64_t>(data, std::bit_cast<std::uint64_t>(d));
  const std::size_t h_end = 2 * nh, b_end = h_end + 2 * nb, d_end = b_end + 24;
  const std::string header =
      R"({"h":{"dtype":"F16","shape":[)" + std::to_string(nh) + R"(],"data_offsets":[0,)" +
      std::to_string(h_end) + R"(]},"b":{"dtype":"BF16","shape":[)" + std::to_string(nb) +
      R"(],"data_offsets":[)" + std::to_string(h_end) + "," + std::to_string(b_end) +
      R"(]},"d":{"dtype":"F64","shape":[3],"data_offsets":[)" + std::to_string(b_end) + "," +
      std::to_string(d_end) + "]}}";
  write_bytes(p, make_st(header, data));
  io::safetensors_file f(p);

  const auto h = f.to_float("h");
  REQUIRE(h.size() == nh);
  for (std::size_t i = 0; i < f16.size(); ++i) {
    INFO("f16 bits 0x" << std::hex << f16[i].first);
    CHECK(bits(h[i]) == bits(f16[i].second));
  }
  CHECK(std::isnan(h.back()));
  CHECK(bits(h.back()) == 0x7FC00000u);

  const auto b = f.to_float("b");
  REQUIRE(b.size() == nb);
  for (std::size_t i = 0; i < bf16.size(); ++i) CHECK(bits(b[i]) == bits(bf16[i].second));
  CHECK(bits(b.back()) == 0xFFC10000u);

  CHECK(f.to_float("d") == std::vector<float>{0.1f, static_cast<float>(-1e-45), 3.0e38f});
  CHECK(f.info("d").dtype == io::st_dtype::f64);
  CHECK(std::string(io::dtype_name(f.info("b").dtype)) == "BF16");

  // A finite F64 beyond the float range is rejected on access, naming the tensor.
  bytes big;
  append_le<std::uint64_t>(big, std::bit_cast<std::uint64_t>(1e39));
  write_bytes(p, make_st(R"({"big":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", big));
  io::safetensors_file g(p);
  CHECK_THROWS_AS(g.to_float("big"), invalid_input);
  CHECK_THROWS_WITH(g.to_float("big"),
                    Contains("tensor 'big'") && Contains("outside the float32 range"));
}

TEST_CASE("safetensors: header framing is validated", "[io][safetensors]") {
  temp_dir td("st_frame");
  expect_reject(td, bytes{}, {"file too small (0 bytes)"});
  expect_reject(td, bytes{1, 0, 0}, {"file too small (3 bytes)"});
  bytes b = make_st("{}");
  b[0] = 0x01;
  b[4] = 0x01;  // 2^32 + 1: above the 100,000,000 limit
  expect_reject(td, b, {"exceeds the limit of 100000000"});
  expect_reject(td, bytes{0, 0xE1, 0xF5, 0x05, 0, 0, 0, 0},
                {"header length 100000000 exceeds the file size"});
  b = make_st("{}");
  b[0] = 3;  // one byte more than the file holds
  expect_reject(td, b, {"header length 3 exceeds the file size"});
  expect_reject(td, bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, {"exceeds the limit"});
}

TEST_CASE("safetensors: header JSON is validated", "[io][safetensors]") {
  temp_dir td("st_json");
  expect_reject(td, make_st("{"), {"not valid JSON"});
  expect_reject(td, make_st("\xff"), {"not valid JSON"});
  expect_reject(td, make_st("{\"a\xff\":1}"), {"not valid JSON"});
  expect_reject(td, make_st(std::string_view("{}\0\0", 4)), {"not valid JSON", "NUL byte"});
  expect_reject(td, make_st(std::string_view("{}\0garbage", 10)), {"NUL byte"});
  expect_reject(td, make_st("[]"), {"not a JSON object"});
  expect_reject(td, make_st("{} {}"), {"not valid JSON"});
  expect_reject(td, make_st(R"({"__metadata__":{"a":1}})"),
                {"__metadata__ value for 'a' is not a string"});
  expect_reject(td, make_st(R"({"__metadata__":["x"]})"), {"__metadata__ is not an object"});
  expect_reject(
      td,
      make_st(
          R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          zeros(8)),
      {"duplicate key 'x'"});
  expect_reject(td,
                make_st(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"y":)" +
                            std::string(200, '[') + std::string(200, ']') + "}}",
                        zeros(4)),
                {"nests too deeply"});
  expect_reject(td,
                make_st(R"({"x":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", zeros(4)),
                {"tensor 'x'", "shape[0] is not a non-negative integer"});
}

TEST_CASE("safetensors: names and reasons from the file appear on one printable line",
          "[io][safetensors]") {
  temp_dir td("st_printable");
  const auto p = td / "bad.safetensors";
  auto message = [&](const bytes& b) {
    write_bytes(p, b);
    try {
      io::safetensors_file f(p);
    } catch (const invalid_input& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  auto printable = [](const std::string& m) {
    return std::all_of(m.begin(), m.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  };
  // a name holding (JSON-escaped) a newline, a terminal escape and a non-ASCII letter
  std::string m = message(make_st(
      R"({"G.x\ny\u001b[2J\u00e9z":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", zeros(1)));
  INFO(m);
  CHECK(m.find("tensor 'G.x?y?[2J??z': unsupported dtype I8") != std::string::npos);
  CHECK(printable(m));
  m = message(make_st(R"({"x":{"dtype":"F\u000a32","shape":[1],"data_offsets":[0,4]}})", zeros(4)));
  CHECK(m.find("unsupported dtype F?32") != std::string::npos);
  CHECK(printable(m));
  m = message(
      make_st("{\"x\":{\"dtype\":\"F\n32\",\"shape\":[1],\"data_offsets\":[0,4]}}", zeros(4)));
  CHECK(m.find("not valid JSON") != std::string::npos);  // a raw newline in a string
  CHECK(printable(m));
  m = message(make_st("{\"a\xff\":1}"));  // nlohmann quotes the bad byte
  CHECK(m.find("not valid JSON") != std::string::npos);
  CHECK(printable(m));
  m = message(make_st(R"({"__metadata__":{"k\u0007":1}})"));
  CHECK(m.find("__metadata__ value for 'k?'") != std::string::npos);
  m = message(
      make_st(R"({"d\u000a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"d\n":1})", zeros(4)));
  CHECK(m.find("duplicate key 'd?'") != std::string::npos);
}

TEST_CASE("safetensors: tensor entries are validated", "[io][safetensors]") {
  temp_dir td("st_entry");
  auto one = [](const std::string& body, std::size_t n = 4) {
    return make_st(R"({"t":)" + body + "}", zeros(n));
  };
  const std::string t = "tensor 't'";
  expect_reject(td, one("[]"), {t, "not an object"});
  expect_reject(td, one(R"({"shape":[1],"data_offsets":[0,4]})"), {t, "missing 'dtype'"});
  expect_reject(td, one(R"({"dtype":"F32","data_offsets":[0,4]})"), {t, "missing 'shape'"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1]})"), {t, "missing 'data_offsets'"});
  expect_reject(td, one(R"({"dtype":7,"shape":[1],"data_offsets":[0,4]})"),
                {t, "dtype is not a string"});
  expect_reject(td, one(R"({"dtype":"I32","shape":[1],"data_offsets":[0,4]})"),
                {t, "unsupported dtype I32"});
  expect_reject(td, one(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})"),
                {t, "unsupported dtype F8_E4M3"});
  expect_reject(td, one(R"({"dtype":"f32","shape":[1],"data_offsets":[0,4]})"),
                {t, "unsupported dtype f32"});
  expect_reject(td, one(R"({"dtype":"F32","shape":4,"data_offsets":[0,4]})"),
                {t, "shape is not an array"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})"),
                {t, "shape[0] is not a non-negative integer"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1.0],"data_offsets":[0,4]})"),
                {t, "shape[0] is not a non-negative integer"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1,"2"],"data_offsets":[0,4]})"),
                {t, "shape[1] is not"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})"),
                {t, "data_offsets is not [begin, end]"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})"),
                {t, "data_offsets is not"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,-4]})"),
                {t, "data_offsets[1] is not"});
  expect_reject(td, one(R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})"), {t, "end < begin"});
  // Byte length = product(shape) * dtype size, with overflow checks (reference test vectors).
  expect_reject(td, one(R"({"dtype":"F32","shape":[2,2],"data_offsets":[0,4]})"),
                {t, "span 4 bytes", "need 16"});
  expect_reject(td, one(R"({"dtype":"F64","shape":[1],"data_offsets":[0,4]})"), {t, "need 8"});
  expect_reject(
      td, one(R"({"dtype":"F32","shape":[2,18446744073709551614],"data_offsets":[0,16]})", 16),
      {t, "element count overflows"});
  expect_reject(td,
                one(R"({"dtype":"F32","shape":[2,9223372036854775807],"data_offsets":[0,16]})", 16),
                {t, "byte size overflows"});
  expect_reject(td,
                one(R"({"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,16]})", 16),
                {t, "shape[0] is not a non-negative integer"});
}

TEST_CASE("safetensors: offsets must tile the data region exactly", "[io][safetensors]") {
  temp_dir td("st_tile");
  const std::string a4 = R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  SECTION("hole before the first tensor") {
    expect_reject(td,
                  make_st(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", zeros(8)),
                  {"tensor 'a'", "hole at byte 0"});
  }
  SECTION("hole between tensors") {
    expect_reject(
        td,
        make_st("{" + a4 + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", zeros(12)),
        {"tensor 'b'", "hole at byte 4"});
  }
  SECTION("overlap") {
    expect_reject(
        td,
        make_st("{" + a4 + R"(,"b":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}})", zeros(6)),
        {"tensor 'b'", "overlap at byte 4"});
    expect_reject(
        td,
        make_st("{" + a4 + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", zeros(4)),
        {"overlap"});
  }
  SECTION("data region not covered exactly") {
    expect_reject(td, make_st("{" + a4 + "}", zeros(5)),
                  {"tensors cover 4 bytes but the data region has 5"});
    // a data region shorter than the tensors need is a truncated file
    const std::size_t end = 8 + ("{" + a4 + "}").size() + 4;  // the file offset where 'a' ends
    expect_reject(
        td, make_st("{" + a4 + "}", zeros(3)),
        {"tensor 'a'", "the file is truncated: the tensor needs bytes up to " +
                           std::to_string(end) + " but the file has " + std::to_string(end - 1)});
    expect_reject(
        td,
        make_st("{" + a4 + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", zeros(5)),
        {"tensor 'b'", "the file is truncated"});
    expect_reject(td, make_st("{}", zeros(1)), {"tensors cover 0 bytes"});
    // Reference test vector: trailing bytes after valid data (polyglot file).
    bytes b = make_st(R"({"test":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", zeros(16));
    append(b, "extra_bogus_data_for_polyglot_file");
    expect_reject(td, b, {"not fully covered"});
  }
}

TEST_CASE("safetensors: missing file and writer input errors", "[io][safetensors]") {
  temp_dir td("st_misc");
  CHECK_THROWS_AS(io::safetensors_file(td / "nope.safetensors"), invalid_input);
  CHECK_THROWS_WITH(io::safetensors_file(td / "nope.safetensors"),
                    Contains("nope.safetensors") && Contains("cannot open"));
  CHECK_THROWS_WITH(io::safetensors_file(td.dir), Contains("not a regular file"));

  const auto p = td / "w.safetensors";
  std::map<std::string, io::st_tensor> bad;
  bad["x"] = {{2, 2}, {1.f}};
  CHECK_THROWS_WITH(io::write_safetensors(p, bad),
                    Contains("tensor 'x'") && Contains("4 elements but 1"));
  CHECK_FALSE(std::filesystem::exists(p));
  CHECK(std::filesystem::is_empty(td.dir));  // no temporary left behind
  bad.clear();
  bad["__metadata__"] = {{1}, {1.f}};
  CHECK_THROWS_AS(io::write_safetensors(p, bad), invalid_input);
}
