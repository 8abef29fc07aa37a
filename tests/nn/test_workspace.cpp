// The activation pool (nn/workspace.hpp): leases never alias, a pass that repeats the previous
// pass's requests allocates nothing — also where the best-fit choice alone would miss — and a
// recorded pass is laid out in one arena (nn/detail/arena_plan.hpp) that is never larger than
// the buffers it replaces.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "diffbridge/backend/std.hpp"
#include "diffbridge/nn/detail/arena_plan.hpp"
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

/// A random nesting of acquires and releases of up to max_leases leases with sizes in
/// [1, max_size]; the first request has size `first` when given (it names the kind of a pass).
std::vector<event> random_events(std::mt19937& rng, int max_leases, std::size_t max_size,
                                 std::size_t first = 0) {
  std::vector<event> ev;
  std::vector<std::pair<int, std::size_t>> live;
  const int k = 2 + int(rng() % std::uint32_t(max_leases - 1));
  for (int id = 0; id < k || !live.empty();) {
    if (id < k && (live.empty() || rng() % 2)) {
      const std::size_t n = id == 0 && first ? first : 1 + rng() % max_size;
      ev.push_back({true, id, n});
      live.emplace_back(id++, n);
    } else {
      const std::size_t i = rng() % live.size();
      ev.push_back({false, live[i].first, live[i].second});
      live.erase(live.begin() + std::ptrdiff_t(i));
    }
  }
  return ev;
}

/// A U-Net's lifetimes at width n: skips e1..e3 kept across the levels, temporaries t1..t3 and
/// the decoder's d3..d1; the most on loan at once is 16n.
std::vector<event> unet_events(std::size_t n) {
  return {{true, 0, 4 * n},  {true, 1, 8 * n},  {false, 1, 8 * n}, {true, 2, 2 * n},
          {true, 3, 4 * n},  {false, 3, 4 * n}, {true, 4, n},      {true, 5, 2 * n},
          {false, 5, 2 * n}, {true, 6, 2 * n},  {false, 4, n},     {true, 7, 4 * n},
          {false, 2, 2 * n}, {false, 6, 2 * n}, {true, 8, 8 * n},  {false, 0, 4 * n},
          {false, 7, 4 * n}, {false, 8, 8 * n}};
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
    const std::vector<event> ev = random_events(rng, 13, 200);
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

TEST_CASE("arena plan: buffers on loan together never share memory", "[nn][workspace]") {
  using diffbridge::nn::detail::lifetime;
  std::size_t total = 0;
  // a chain (each returned before the next): one range, the largest
  auto at = nn::detail::place_in_arena({{100, 0, 1}, {300, 1, 2}, {200, 2, 3}}, 1, total);
  CHECK(total == 300);
  CHECK(at == std::vector<std::size_t>{0, 0, 0});
  // all at once: the sum, rounded to the alignment
  at = nn::detail::place_in_arena({{100, 0, 9}, {300, 1, 9}, {200, 2, 9}}, 64, total);
  CHECK(total == 128 + 320 + 256);
  // a small buffer fits the gap a large one leaves between two others
  at = nn::detail::place_in_arena({{50, 0, 4}, {100, 0, 2}, {40, 3, 5}, {200, 1, 6}}, 1, total);
  CHECK(total == 350);
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<lifetime> v(1 + rng() % 60);
    for (auto& l : v) {
      l.size = 1 + rng() % 1000;
      l.begin = rng() % 100;
      l.end = l.begin + 1 + rng() % 30;
    }
    const std::size_t align = trial % 2 ? 64 : 1;
    at = nn::detail::place_in_arena(v, align, total);
    std::size_t peak = 0;  // the most on loan at once: no layout is smaller
    for (std::size_t t = 0; t < 130; ++t) {
      std::size_t sum = 0;
      for (const auto& l : v)
        if (l.begin <= t && t < l.end) sum += l.size;
      peak = std::max(peak, sum);
    }
    INFO("trial " << trial);
    CHECK(total >= peak);
    for (std::size_t i = 0; i < v.size(); ++i) {
      CHECK(at[i] % align == 0);
      CHECK(at[i] + v[i].size <= total);
      for (std::size_t j = 0; j < i; ++j) {
        const bool together = v[i].begin < v[j].end && v[j].begin < v[i].end;
        const bool shared = at[i] < at[j] + v[j].size && at[j] < at[i] + v[i].size;
        if (together) CHECK_FALSE(shared);
      }
    }
  }
}

TEST_CASE("workspace: a recorded pass is laid out in one arena", "[nn][workspace]") {
  // a U-Net's lifetimes: skips e1..e3 kept across the levels, temporaries t1..t3 and the
  // decoder's d3..d1; best fit keeps 9216 floats, the most on loan at once is 8192
  const std::size_t n = 512;
  const std::vector<event> ev = unet_events(n);
  ws_t dynamic;
  run(dynamic, ev);
  run(dynamic, ev);
  ws_t ws;
  {
    const auto p = ws.pass();
    run(ws, ev);
  }
  INFO("best fit " << dynamic.bytes() << " B, arena " << ws.bytes() << " B, peak "
                   << ws.peak_live_bytes() << " B");
  CHECK(ws.bytes() < dynamic.bytes());
  CHECK(dynamic.bytes() == 9216 * sizeof(float));
  CHECK(ws.bytes() == 8192 * sizeof(float));  // here greedy by size reaches the bound
  CHECK(ws.peak_live_bytes() == 8192 * sizeof(float));
  const std::size_t allocs = ws.allocations();
  for (int k = 0; k < 3; ++k) {
    const auto p = ws.pass();
    run(ws, ev);
  }
  CHECK(ws.allocations() == allocs);
  // a lease kept across the pass's end: nothing is laid out, the buffers stay
  ws_t kept;
  ws_t::lease held;
  {
    const auto p = kept.pass();
    held = kept.acquire(shape{8, 1, 1, 1});
    run(kept, ev);
  }
  CHECK(kept.bytes() > kept.peak_live_bytes());
  held.release();
  // trim frees the arena
  ws.trim();
  CHECK(ws.bytes() == 0);
}

TEST_CASE("workspace: passes of two kinds alternate without allocating, each in its arena",
          "[nn][workspace]") {
  // kinds are known by the first request's shape: here a U-Net pass at two sizes

  const auto small = unet_events(256), large = unet_events(1024);
  ws_t ws;
  for (const auto* ev : {&small, &large}) {
    const auto p = ws.pass();
    run(ws, *ev);
  }
  CHECK(ws.bytes() == (16 * 256 + 16 * 1024) * sizeof(float));  // the two arenas, each its peak
  const std::size_t n = ws.allocations();
  for (int k = 0; k < 6; ++k) {
    const auto p = ws.pass();
    run(ws, k % 2 ? large : small);
  }
  CHECK(ws.allocations() == n);
  // more kinds than are kept: the least recently used gives way, the pool stays bounded
  ws_t two(2);
  for (std::size_t size : {256u, 512u, 1024u, 256u, 512u}) {
    const auto p = two.pass();
    run(two, unet_events(size));
  }
  CHECK(two.bytes() == (16 * 256 + 16 * 512) * sizeof(float));  // 1024's arena gave way
}

TEST_CASE("workspace: random passes, kinds, held leases and trims never alias", "[nn][workspace]") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 100; ++trial) {
    ws_t ws(1 + rng() % 3);
    std::vector<std::vector<event>> kinds;
    for (int i = 0; i < 4; ++i) kinds.push_back(random_events(rng, 11, 300, 100 + std::size_t(i)));
    std::vector<ws_t::lease> held;
    std::vector<float> held_value;
    for (int pass = 0; pass < 30; ++pass) {
      const auto& ev = kinds[rng() % kinds.size()];
      const std::size_t what = rng() % 10;
      if (what == 0) ws.trim();
      if (what == 1) {  // a lease kept across passes, checked below
        held.push_back(ws.acquire(shape{1 + rng() % 200, 1, 1, 1}));
        held_value.push_back(float(1000 + pass));
        for (std::size_t i = 0; i < held.back().dims().numel(); ++i)
          held.back().data()[i] = held_value.back();
      }
      if (what == 2 && !held.empty()) held.pop_back(), held_value.pop_back();
      {
        const auto p = ws.pass();
        if (what == 3) ws.trim();  // a trim inside a pass
        run(ws, ev);
      }
      for (std::size_t h = 0; h < held.size(); ++h)
        for (std::size_t i = 0; i < held[h].dims().numel(); ++i)
          REQUIRE(held[h].data()[i] == held_value[h]);
    }
  }
}

namespace {
/// The std backend whose allocations above `limit` floats fail (std::bad_alloc).
struct failing_backend : std_backend {
  static inline std::size_t limit = std::numeric_limits<std::size_t>::max();
  template <class T>
  static std_backend::tensor<T> empty(shape s) {
    if (s.numel() > limit) throw std::bad_alloc();
    return std_backend::empty<T>(s);
  }
};
}  // namespace

TEST_CASE("workspace: a failed allocation leaves the pool usable", "[nn][workspace]") {
  using fws = nn::workspace<failing_backend>;
  failing_backend::limit = std::numeric_limits<std::size_t>::max();
  {
    // a buffer regrown when the allocation fails: freed, then empty (no stale pointer)
    fws ws;
    ws.acquire(shape{10, 1, 1, 1}).release();
    failing_backend::limit = 500;
    CHECK_THROWS_AS(ws.acquire(shape{1000, 1, 1, 1}), std::bad_alloc);
    CHECK(ws.bytes() == 0);
    failing_backend::limit = std::numeric_limits<std::size_t>::max();
    auto l = ws.acquire(shape{5, 1, 1, 1});
    for (std::size_t i = 0; i < 5; ++i) l.data()[i] = 1.0f;
    CHECK(ws.bytes() == 5 * sizeof(float));
  }
  {
    // the arena fails at the end of the pass (buffers ≤ 4096 floats pass, the 8192 arena not):
    // no termination, the pass is recorded anew next time; laid out once memory allows
    const std::size_t n = 512;
    const std::vector<event> ev = unet_events(n);
    fws ws;
    failing_backend::limit = 5000;
    for (int k = 0; k < 2; ++k) {
      const auto p = ws.pass();
      nn::workspace<failing_backend>* w = &ws;
      std::map<int, fws::lease> held;
      for (const event& e : ev) {
        if (e.acquire)
          held.emplace(e.id, w->acquire(shape{e.n, 1, 1, 1}));
        else
          held.erase(e.id);
      }
    }
    CHECK(ws.bytes() == 0);  // the buffers were freed for the arena that could not be had
    failing_backend::limit = std::numeric_limits<std::size_t>::max();
    {
      const auto p = ws.pass();
      std::map<int, fws::lease> held;
      for (const event& e : ev) {
        if (e.acquire)
          held.emplace(e.id, ws.acquire(shape{e.n, 1, 1, 1}));
        else
          held.erase(e.id);
      }
    }
    CHECK(ws.bytes() == 16 * n * sizeof(float));
  }
  {
    // a pass left by an exception is not laid out
    fws ws;
    try {
      const auto p = ws.pass();
      auto a = ws.acquire(shape{100, 1, 1, 1});
      throw std::runtime_error("inside the pass");
    } catch (const std::runtime_error&) {
    }
    CHECK(ws.bytes() == 100 * sizeof(float));
  }
}

TEST_CASE("workspace: laying out one kind keeps the buffers another kind replays",
          "[nn][workspace]") {
  // kind A is too small to be worth an arena and keeps its own buffer; kind B, laid out, changes
  // from round to round (so it is laid out again each time)
  const std::vector<event> a{{true, 0, 100}, {false, 0, 100}};
  ws_t ws;
  for (std::size_t round = 0; round < 4; ++round) {
    const std::size_t before = ws.allocations();
    {
      const auto p = ws.pass();
      run(ws, a);
    }
    if (round > 0) CHECK(ws.allocations() == before);  // A repeated: nothing allocated
    const std::size_t second = 64 + 7 * round;
    const std::vector<event> b{{true, 0, 128},     {true, 1, second}, {false, 0, 128},
                               {false, 1, second}, {true, 2, 192},    {false, 2, 192}};
    const auto p = ws.pass();
    run(ws, b);
  }
}
