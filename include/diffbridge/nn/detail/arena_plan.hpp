// Offline placement of buffers with known lifetimes in one arena (the workspace's plan of a
// recorded pass): buffers whose lifetimes overlap get disjoint address ranges, and the arena is
// kept small by placing the largest buffers first, each in the smallest gap that holds it among
// the buffers already placed that it meets in time ("greedy by size", as TensorFlow Lite's
// memory planner). Lifetimes are half-open intervals [begin, end) on a clock of events.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

namespace diffbridge::nn::detail {

struct lifetime {
  std::size_t size;        ///< units of memory
  std::size_t begin, end;  ///< on loan during [begin, end)
};

/// Offsets for the buffers v (a multiple of align each) and the arena's size (`total`).
inline std::vector<std::size_t> place_in_arena(const std::vector<lifetime>& v, std::size_t align,
                                               std::size_t& total) {
  const auto rounded = [&](std::size_t i) { return (v[i].size + align - 1) / align * align; };
  std::vector<std::size_t> order(v.size()), offset(v.size(), 0), placed, meets;
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rounded(a) > rounded(b); });
  total = 0;
  for (const std::size_t i : order) {
    const std::size_t size = rounded(i);
    meets.clear();
    for (const std::size_t j : placed)
      if (v[j].begin < v[i].end && v[i].begin < v[j].end) meets.push_back(j);
    std::sort(meets.begin(), meets.end(),
              [&](std::size_t a, std::size_t b) { return offset[a] < offset[b]; });
    // the smallest gap between the buffers met that holds `size`, else above them all
    std::size_t at = std::numeric_limits<std::size_t>::max(), best_gap = at, top = 0;
    for (const std::size_t j : meets) {
      if (offset[j] >= top + size && offset[j] - top < best_gap)
        best_gap = offset[j] - top, at = top;
      top = std::max(top, offset[j] + rounded(j));
    }
    offset[i] = best_gap != std::numeric_limits<std::size_t>::max() ? at : top;
    total = std::max(total, offset[i] + size);
    placed.push_back(i);
  }
  return offset;
}

}  // namespace diffbridge::nn::detail
