// A caching pool of activation buffers on backend B. Operators and models take their
// temporaries from it as leases (RAII); a returned buffer is reused by the next request it
// fits (smallest fit first). Repeating a forward pass at the same size therefore repeats the
// same requests, all served from the pool: after the first pass the hot loop allocates nothing
// (allocations() stays put, which the tests check). Leases are nn views (tensor_view) on every
// backend; on a device backend their pointers are device pointers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "diffbridge/backend/concept.hpp"

namespace diffbridge::nn {

template <class B>
class workspace {
  struct slot {
    typename B::template tensor<float> t;
    std::size_t capacity = 0, used = 0;  ///< floats allocated / on loan
    bool busy = false;
    workspace* owner = nullptr;
  };

 public:
  /// The network operators' view (nn::fview): a raw pointer into B's memory space (a device
  /// pointer for CUDA) and the extents, for every backend.
  using view_type = tensor_view<float>;

  /// A buffer on loan: view() has the requested shape; returned to the pool on destruction.
  class lease {
   public:
    lease() = default;
    lease(slot* s, view_type v) : s_(s), v_(v) {}
    lease(lease&& o) noexcept : s_(std::exchange(o.s_, nullptr)), v_(o.v_) {}
    lease& operator=(lease&& o) noexcept {
      if (this != &o) {
        release();
        s_ = std::exchange(o.s_, nullptr);
        v_ = o.v_;
      }
      return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { release(); }

    view_type view() const noexcept { return v_; }
    float* data() const noexcept { return v_.raw(); }
    const shape& dims() const noexcept { return v_.dims; }
    operator view_type() const noexcept { return v_; }  // NOLINT: a lease is used as its view
    void release() noexcept {
      if (s_) s_->busy = false, s_->owner->live_ -= s_->used;
      s_ = nullptr;
    }

   private:
    slot* s_ = nullptr;
    view_type v_{};
  };

  workspace() = default;
  workspace(const workspace&) = delete;  // slots point back at their workspace
  workspace& operator=(const workspace&) = delete;

  /// A buffer of shape s (contents unspecified). Takes the smallest free buffer that fits; if
  /// none fits, the largest free buffer is replaced by one of the requested size (so the pool
  /// keeps about as many buffers as are ever on loan at once), else a buffer is added.
  lease acquire(shape s) {
    const std::size_t n = s.numel() == 0 ? 1 : s.numel();
    slot *best = nullptr, *largest = nullptr;
    for (auto& p : slots_) {
      if (p->busy) continue;
      if (p->capacity >= n && (!best || p->capacity < best->capacity)) best = p.get();
      if (!largest || p->capacity > largest->capacity) largest = p.get();
    }
    if (!best) {
      if (largest) {
        bytes_ -= largest->capacity * sizeof(float);
        largest->t = typename B::template tensor<float>{};  // free before allocating
        best = largest;
      } else {
        slots_.push_back(std::make_unique<slot>());
        best = slots_.back().get();
        best->owner = this;
      }
      best->t = B::template empty<float>(shape{n, 1, 1, 1});
      best->capacity = n;
      ++allocations_;
      bytes_ += n * sizeof(float);
    }
    best->busy = true;
    best->used = n;
    live_ += n;
    peak_live_ = std::max(peak_live_, live_);
    return lease(best, view_type{B::as_view(best->t).raw(), s});
  }

  /// Number of buffers allocated so far and their total size.
  std::size_t allocations() const noexcept { return allocations_; }
  std::size_t bytes() const noexcept { return bytes_; }
  /// The largest total ever on loan at once (what a perfect allocator would need), in bytes.
  std::size_t peak_live_bytes() const noexcept { return peak_live_ * sizeof(float); }
  /// Frees every buffer not on loan.
  void trim() {
    std::erase_if(slots_, [&](const std::unique_ptr<slot>& p) {
      if (p->busy) return false;
      bytes_ -= p->capacity * sizeof(float);
      return true;
    });
  }

 private:
  std::vector<std::unique_ptr<slot>> slots_;
  std::size_t allocations_ = 0, bytes_ = 0, live_ = 0, peak_live_ = 0;
};

}  // namespace diffbridge::nn
