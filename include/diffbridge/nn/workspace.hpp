// A caching pool of activation buffers on backend B. Operators and models take their
// temporaries from it as leases (RAII); a returned buffer is reused by a later request it fits
// (smallest fit first). Within a pass (pass(): the models open one per forward call) the pool
// records which buffer served each request, and the next pass replays those choices while its
// requests repeat them: a pass that repeats the previous one's requests (same sizes, same order
// of acquire and release) allocates nothing (allocations() stays put, which the tests check).
// Leases are nn views (tensor_view) on every backend; on a device backend their pointers are
// device pointers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/core/host_device.hpp"

namespace diffbridge::nn {

namespace detail {
/// p[i] = value (test builds poison new pool buffers; at namespace scope, as nvcc needs a
/// kernel's functor type to be accessible).
struct poison_fn {
  float* p;
  float value;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { p[i] = value; }
};
}  // namespace detail

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

  /// A pass in progress (RAII): the outermost one rewinds the record of choices; nested ones
  /// (a model's forward inside another's) belong to it.
  class pass_scope {
   public:
    explicit pass_scope(workspace& w) noexcept : w_(&w) {
      if (w_->depth_++ == 0) w_->cursor_ = 0;
    }
    pass_scope(const pass_scope&) = delete;
    pass_scope& operator=(const pass_scope&) = delete;
    ~pass_scope() {
      if (--w_->depth_ == 0) w_->trace_.resize(w_->cursor_);  // forget a longer earlier pass
    }

   private:
    workspace* w_;
  };

  workspace() = default;
  workspace(const workspace&) = delete;  // slots point back at their workspace
  workspace& operator=(const workspace&) = delete;

  /// Opens a pass: requests made while it is open are served as the previous pass's were, as
  /// long as they repeat them. Why: a best-fit choice depends on the buffers present, which the
  /// first pass itself added, so without the record a second pass may choose differently and
  /// then miss (a later request finding its buffer taken by a smaller one).
  [[nodiscard]] pass_scope pass() noexcept { return pass_scope(*this); }

  /// A buffer of shape s (contents unspecified). In a pass, the buffer that served this request
  /// in the previous pass if the request is the same and that buffer is free. Otherwise the
  /// smallest free buffer that fits; if none fits, the largest free buffer is replaced by one of
  /// the requested size (so the pool keeps about as many buffers as are ever on loan at once),
  /// else a buffer is added. A replayed pass allocates nothing: each of its requests finds the
  /// buffer it had, free as it was then (the same leases out) and at least as large (buffers only
  /// grow).
  lease acquire(shape s) {
    const std::size_t n = s.numel() == 0 ? 1 : s.numel();
    slot* chosen = nullptr;
    if (depth_ > 0 && cursor_ < trace_.size()) {
      const step& r = trace_[cursor_];
      if (r.n == n && !r.s->busy && r.s->capacity >= n) chosen = r.s;
    }
    if (!chosen) chosen = best_fit(n);
    if (depth_ > 0) {
      if (cursor_ < trace_.size())
        trace_[cursor_] = {n, chosen};
      else
        trace_.push_back({n, chosen});
      ++cursor_;
    }
    chosen->busy = true;
    chosen->used = n;
    live_ += n;
    peak_live_ = std::max(peak_live_, live_);
    return lease(chosen, view_type{B::as_view(chosen->t).raw(), s});
  }

  /// Number of buffers allocated so far and their total size.
  std::size_t allocations() const noexcept { return allocations_; }
  std::size_t bytes() const noexcept { return bytes_; }
  /// The largest total ever on loan at once (what a perfect allocator would need), in bytes.
  std::size_t peak_live_bytes() const noexcept { return peak_live_ * sizeof(float); }
  /// Frees every buffer not on loan (and the record of choices; call it between passes).
  void trim() {
    trace_.clear();
    cursor_ = 0;
    std::erase_if(slots_, [&](const std::unique_ptr<slot>& p) {
      if (p->busy) return false;
      bytes_ -= p->capacity * sizeof(float);
      return true;
    });
  }

 private:
  struct step {
    std::size_t n;  ///< floats requested
    slot* s;        ///< the buffer that served them
  };

  /// The smallest free buffer holding n floats, else the largest free one regrown to n, else a
  /// new one.
  slot* best_fit(std::size_t n) {
    slot *best = nullptr, *largest = nullptr;
    for (auto& p : slots_) {
      if (p->busy) continue;
      if (p->capacity >= n && (!best || p->capacity < best->capacity)) best = p.get();
      if (!largest || p->capacity > largest->capacity) largest = p.get();
    }
    if (best) return best;
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
#if defined(DIFFBRIDGE_WORKSPACE_POISON)
    // test builds: a new buffer holds NaN, so an operator reading a temporary before writing it
    // shows in its output (zeros from the allocator would hide it in the first pass)
    B::for_each_index(
        n, detail::poison_fn{B::as_view(best->t).raw(), std::numeric_limits<float>::quiet_NaN()});
#endif
    best->capacity = n;
    ++allocations_;
    bytes_ += n * sizeof(float);
    return best;
  }

  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<step> trace_;  ///< the choices of the current or last pass
  std::size_t cursor_ = 0, depth_ = 0;
  std::size_t allocations_ = 0, bytes_ = 0, live_ = 0, peak_live_ = 0;
};

}  // namespace diffbridge::nn
