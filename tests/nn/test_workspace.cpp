// The activation pool (nn/workspace.hpp): leases never alias, and a pass that repeats the
// previous pass's requests allocates nothing — also where the best-fit choice alone would miss.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <span>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/nn/workspace.hpp"

using namespace diffbridge;
using ws_t = nn::workspace<std_backend>;

namespace {

/// One event of a request sequence: acquire `n` floats as lease `id`, or release lease `id`.
struct event {
  bool acquire;
  int id;
  std::size_t n;
};

/// Runs the events on ws; every lease is filled with its id and checked on release, so two
/// leases sharing memory fail the check.
void run(ws_t& ws, const std::vector<event>& ev) {
  std::map<int, ws_t::lease> held;
  for (const event& e : ev) {
    if (e.acquire) {
      auto l = ws.acquire(shape{e.n, 1, 1, 1});
      REQUIRE(l.dims().numel() == e.n);
      for (std::size_t i = 0; i < e.n; ++i) l.data()[i] = float(e.id);
      held.emplace(e.id, std::move(l));
    } else {
      auto it = held.find(e.id);
      REQUIRE(it != held.end());
      for (std::size_t i = 0; i < e.n; ++i) REQUIRE(it->second.data()[i] == float(e.id));
      held.erase(it);
    }
  }
}

/// The smallest sequence (found by search) on which best fit alone misses in a second pass:
/// pass 1 gives buffers {9, 8}; pass 2's first request (7) then takes the 8, the 8 takes the
/// 9, and the 9 finds nothing free that fits.
std::vector<event> misleading_sequence() {
  return {{true, 0, 7}, {true, 1, 8}, {false, 0, 7}, {true, 2, 9}, {false, 2, 9}, {false, 1, 8}};
}

}  // namespace

TEST_CASE("workspace: best fit alone may allocate in a repeated pass; a pass() replays",
          "[nn][workspace]") {
  const auto ev = misleading_sequence();
  {
    ws_t ws;  // no pass: the documented fallback (best fit, else regrow the largest free)
    run(ws, ev);
    const std::size_t n = ws.allocations();
    run(ws, ev);
    CHECK(ws.allocations() > n);
  }
  ws_t ws;
  {
    const auto p = ws.pass();
    run(ws, ev);
  }
  const std::size_t n = ws.allocations(), bytes = ws.bytes();
  CHECK(n == 3);  // 7, 8, then the 7's buffer regrown to 9
  for (int k = 0; k < 4; ++k) {
    const auto p = ws.pass();
    run(ws, ev);
  }
  CHECK(ws.allocations() == n);
  CHECK(ws.bytes() == bytes);
  CHECK(ws.peak_live_bytes() == (8 + 9) * sizeof(float));
}

TEST_CASE("workspace: random repeated passes allocate nothing after the first", "[nn][workspace]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    // a random nesting of acquires and releases, with sizes spread over two decades
    std::vector<event> ev;
    std::vector<std::pair<int, std::size_t>> live;
    std::uniform_int_distribution<std::size_t> size(1, 200);
    const int k = 2 + int(rng() % 12);
    for (int id = 0; id < k || !live.empty();) {
      if (id < k && (live.empty() || rng() % 2)) {
        const std::size_t n = size(rng);
        ev.push_back({true, id, n});
        live.emplace_back(id++, n);
      } else {
        const std::size_t i = rng() % live.size();
        ev.push_back({false, live[i].first, live[i].second});
        live.erase(live.begin() + std::ptrdiff_t(i));
      }
    }
    ws_t ws;
    {
      const auto p = ws.pass();
      run(ws, ev);
    }
    const std::size_t n = ws.allocations();
    for (int r = 0; r < 3; ++r) {
      const auto p = ws.pass();
      {
        const auto nested = ws.pass();  // nested passes belong to the outer one
        run(ws, ev);
      }
    }
    INFO("trial " << trial);
    CHECK(ws.allocations() == n);
    // a different pass falls back to best fit and is recorded: its repeat allocates nothing
    std::vector<event> other = ev;
    for (auto& e : other) e.n += e.id % 3 == 0 ? 50 : 0;
    {
      const auto p = ws.pass();
      run(ws, other);
    }
    const std::size_t m = ws.allocations();
    {
      const auto p = ws.pass();
      run(ws, other);
    }
    CHECK(ws.allocations() == m);
  }
}

TEST_CASE("workspace: trim frees what is not on loan and forgets the record", "[nn][workspace]") {
  ws_t ws;
  auto held = ws.acquire(shape{10, 1, 1, 1});
  {
    const auto p = ws.pass();
    run(ws, misleading_sequence());
  }
  CHECK(ws.bytes() == (10 + 9 + 8) * sizeof(float));
  ws.trim();
  CHECK(ws.bytes() == 10 * sizeof(float));
  for (float& v : std::span<float>(held.data(), 10)) v = 1.0f;  // still ours
  const std::size_t n = ws.allocations();
  {
    const auto p = ws.pass();
    run(ws, misleading_sequence());
  }
  CHECK(ws.allocations() == n + 3);
  auto empty = ws.acquire(shape{0, 1, 1, 1});  // an empty request is served (one float)
  CHECK(empty.dims().numel() == 0);
  CHECK(empty.data() != nullptr);
}

#if defined(DIFFBRIDGE_WORKSPACE_POISON)
TEST_CASE("workspace: test builds hand out new buffers holding NaN", "[nn][workspace]") {
  ws_t ws;
  auto l = ws.acquire(shape{1, 2, 3, 4});
  for (std::size_t i = 0; i < 24; ++i) CHECK(std::isnan(l.data()[i]));
}
#endif
