// The writers' atomic replacement (io/detail/file.hpp's atomic_writer, used by write_npy,
// write_safetensors, svg::write_atomically and write_image): the temporary is a new file of
// its own, so an unrelated PATH.tmp is never clobbered or removed, and concurrent writers of
// one path never see each other's temporary.
#include <diffbridge/io/npy.hpp>
#include <diffbridge/io/safetensors.hpp>
#include <diffbridge/io/svg.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io_test_util.hpp"

using namespace diffbridge;
using namespace io_test;

namespace {

std::set<std::string> entries(const temp_dir& td) {
  std::set<std::string> r;
  for (const auto& e : std::filesystem::directory_iterator(td.dir))
    r.insert(e.path().filename().string());
  return r;
}

}  // namespace

TEST_CASE("atomic writes: an existing PATH.tmp survives a write of PATH", "[io]") {
  temp_dir td("atomic_tmp");
  const bytes unrelated{'m', 'i', 'n', 'e', '\n'};
  SECTION("npy") {
    write_bytes(td / "out.npy.tmp", unrelated);
    io::write_npy(td / "out.npy", std::vector<std::size_t>{2}, std::vector<float>{1.f, 2.f});
    CHECK(io::read_npy_float(td / "out.npy").data == std::vector<float>{1.f, 2.f});
    CHECK(read_bytes(td / "out.npy.tmp") == unrelated);
    CHECK(entries(td) == std::set<std::string>{"out.npy", "out.npy.tmp"});
  }
  SECTION("safetensors") {
    write_bytes(td / "w.safetensors.tmp", unrelated);
    io::write_safetensors(td / "w.safetensors", {{"x", io::st_tensor{{1}, {3.f}}}});
    CHECK(io::safetensors_file(td / "w.safetensors").to_float("x") == std::vector<float>{3.f});
    CHECK(read_bytes(td / "w.safetensors.tmp") == unrelated);
    CHECK(entries(td) == std::set<std::string>{"w.safetensors", "w.safetensors.tmp"});
  }
  SECTION("svg") {
    write_bytes(td / "p.svg.tmp", unrelated);
    io::svg::write_atomically(td / "p.svg", "<svg/>\n");
    CHECK(read_bytes(td / "p.svg") == bytes{'<', 's', 'v', 'g', '/', '>', '\n'});
    CHECK(read_bytes(td / "p.svg.tmp") == unrelated);
    CHECK(entries(td) == std::set<std::string>{"p.svg", "p.svg.tmp"});
  }
  SECTION("a failed write removes only its own temporary") {
    write_bytes(td / "out.npy.tmp", unrelated);
    std::filesystem::create_directories(td / "out.npy" / "keep");  // rename over it fails
    CHECK_THROWS_AS(
        io::write_npy(td / "out.npy", std::vector<std::size_t>{1}, std::vector<float>{1.f}),
        invalid_input);
    CHECK(read_bytes(td / "out.npy.tmp") == unrelated);
    CHECK(entries(td) == std::set<std::string>{"out.npy", "out.npy.tmp"});
  }
}

TEST_CASE("atomic writes: concurrent writers of one path do not collide", "[io]") {
  temp_dir td("atomic_race");
  const auto p = td / "out.npy";
  constexpr int kWriters = 4, kWrites = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      const std::vector<float> v(4096, float(t));
      for (int i = 0; i < kWrites; ++i) {
        try {
          io::write_npy(p, std::vector<std::size_t>{v.size()}, v);
        } catch (const invalid_input&) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  CHECK(failures == 0);
  const auto a = io::read_npy_float(p);  // whole, and from one writer
  REQUIRE(a.data.size() == 4096);
  CHECK(std::all_of(a.data.begin(), a.data.end(), [&](float x) { return x == a.data[0]; }));
  CHECK(entries(td) == std::set<std::string>{"out.npy"});
}
