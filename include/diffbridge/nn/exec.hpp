// Execution policy of the network operators: how an operator runs `n` independent work items
// on backend B. The std backend (the oracle) runs them in order; the other host backends run
// them on OpenMP threads, one item at a time per thread (items are coarse: a tile of pixels, a
// channel, a row block), so the threads share the work even when n is small; any other backend
// gets B::for_each_index. Work items never share output elements, so results do not depend on
// the thread count. The region is opened even for one item: a GEMM inside a parallel region
// runs on its calling thread (Eigen does not nest), so all threading stays with the operators;
// Eigen's own threading of small products costs more than it gains here.
#pragma once

#include <cstddef>
#include <type_traits>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/backend/std.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace diffbridge::nn {

/// A backend whose memory is host memory (std, eigen, xtensor).
template <class B>
inline constexpr bool is_host_backend = std::is_base_of_v<diffbridge::detail::host_memory, B>;

/// The network operators' requirement on a backend: float tensors in host memory. (The GEMM is a
/// separate customisation point, nn::gemm<B>, see gemm.hpp.)
template <class B>
concept host_backend = backend_for<B, float> && is_host_backend<B>;

/// f(i) for i in [0, n).
template <class B, class F>
void parallel_for(std::size_t n, F&& f) {
  if constexpr (std::is_same_v<B, std_backend>) {
    for (std::size_t i = 0; i < n; ++i) f(i);
  } else if constexpr (is_host_backend<B>) {
    const auto m = static_cast<std::ptrdiff_t>(n);
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (std::ptrdiff_t i = 0; i < m; ++i) f(static_cast<std::size_t>(i));
  } else {
    B::for_each_index(n, f);
  }
}

/// Threads the host backends use (1 for std and without OpenMP).
template <class B>
int max_threads() {
#if defined(_OPENMP)
  if constexpr (!std::is_same_v<B, std_backend> && is_host_backend<B>) return omp_get_max_threads();
#endif
  return 1;
}

/// Index of the calling thread inside parallel_for<B>, in [0, max_threads<B>()) (0 outside).
/// The std backend opens no region: its items run on the caller's thread, which may be a thread
/// of the caller's own OpenMP team, so its index is 0, not omp_get_thread_num().
template <class B>
int thread_index() {
#if defined(_OPENMP)
  if constexpr (!std::is_same_v<B, std_backend> && is_host_backend<B>) return omp_get_thread_num();
#endif
  return 0;
}

}  // namespace diffbridge::nn
