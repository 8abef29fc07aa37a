// Launching the device operators' functors: every functor of nn/device/ is a DIFFBRIDGE_HD
// struct over a flat index i in [0, n), run by B::for_each_index (thrust::for_each_n over a
// counting iterator: OMP / CPP threads on the host, a CUDA kernel under nvcc), so one source
// serves every device system. Pointers are in B's memory space.
#pragma once

#include <cstddef>

#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/device/gemm.hpp"

namespace diffbridge::nn::device {

/// f(i) for i in [0, n) on the device system of B.
template <class B, class F>
void launch(std::size_t n, const F& f) {
  if (n != 0) B::for_each_index(n, f);
}

/// C (+)= A·op(B) on the device (see device_gemm).
template <class B>
void gemm(const gemm_args& g, const gemm_batch& b = {}) {
  if (g.m == 0 || g.n == 0 || b.count == 0) return;
  device_gemm<B>::run(g, b);
}

}  // namespace diffbridge::nn::device
