// A caching pool of activation buffers on backend B. Operators and models take their
// temporaries from it as leases (RAII). Within a pass (pass(): the models open one per forward
// call) the pool records each request, the buffer that served it and when it was returned; the
// next pass replays those choices while its requests repeat them, so a pass that repeats the
// previous one's requests (same sizes, same order of acquire and release) allocates nothing
// (allocations() stays put, which the tests check). A pass that allocated is laid out afresh at
// its end: its buffers are freed and every request gets a range of one arena, requests on loan
// at the same time disjoint ones (detail/arena_plan.hpp), which needs about the largest total
// ever on loan at once instead of a buffer per request that was ever outstanding. Outside a pass
// a request takes the smallest free buffer that fits. Leases are nn views (tensor_view) on every
// backend; on a device backend their pointers are device pointers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "diffbridge/backend/concept.hpp"
#include "diffbridge/core/host_device.hpp"
#include "diffbridge/nn/detail/arena_plan.hpp"

namespace diffbridge::nn {

namespace detail {
/// p[i] = value (test builds poison every lease; at namespace scope, as nvcc needs a kernel's
/// functor type to be accessible).
struct poison_fn {
  float* p;
  float value;
  DIFFBRIDGE_HD void operator()(std::size_t i) const { p[i] = value; }
};
}  // namespace detail

template <class B>
class workspace {
  static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

  struct slot {
    typename B::template tensor<float> t;  ///< own memory (empty for a range of the arena)
    float* base = nullptr;
    std::size_t capacity = 0, used = 0;  ///< floats available / on loan
    std::size_t offset = none;           ///< floats into the arena, none for own memory
    std::size_t step = none;             ///< the pass's record of the lease on loan
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
      if (s_) s_->owner->give_back(*s_);
      s_ = nullptr;
    }

   private:
    slot* s_ = nullptr;
    view_type v_{};
  };

  /// A pass in progress (RAII): the outermost one rewinds the record; nested ones (a model's
  /// forward inside another's) belong to it.
  class pass_scope {
   public:
    explicit pass_scope(workspace& w) noexcept : w_(&w) {
      if (w_->depth_++ == 0) w_->cursor_ = 0, w_->clock_ = 0, w_->fresh_ = false;
    }
    pass_scope(const pass_scope&) = delete;
    pass_scope& operator=(const pass_scope&) = delete;
    ~pass_scope() {
      if (--w_->depth_ != 0) return;
      w_->trace_.resize(w_->cursor_);  // forget a longer earlier pass
      if (w_->fresh_) w_->plan();
    }

   private:
    workspace* w_;
  };

  workspace() = default;
  workspace(const workspace&) = delete;  // slots point back at their workspace
  workspace& operator=(const workspace&) = delete;

  /// Opens a pass. Requests made while it is open are served as the previous pass's were, as
  /// long as they repeat them: a choice among free buffers depends on the buffers present, which
  /// the first pass itself added, so without the record a second pass could choose differently
  /// and miss. A pass with a request not served so is laid out in one arena when it closes (its
  /// buffers freed: capture a CUDA graph only in a pass that repeats the previous one).
  [[nodiscard]] pass_scope pass() noexcept { return pass_scope(*this); }

  /// A buffer of shape s (contents unspecified). In a pass, the memory that served this request
  /// in the previous pass if the request is the same and that memory is free; otherwise the
  /// smallest free buffer of the pool's own that fits; if none fits, the largest free one is
  /// replaced by one of the requested size, else a buffer is added. A repeated pass allocates
  /// nothing: each request finds its memory free, as it was then (the same leases out).
  lease acquire(shape s) {
    const std::size_t n = s.numel() == 0 ? 1 : s.numel();
    slot* chosen = nullptr;
    if (depth_ > 0 && cursor_ < trace_.size() && trace_[cursor_].n == n &&
        free_for(*trace_[cursor_].s, n))
      chosen = trace_[cursor_].s;
    if (!chosen) {
      chosen = best_fit(n);
      fresh_ = fresh_ || depth_ > 0;
    }
    if (depth_ > 0) {
      const step r{n, chosen, clock_++, none};
      if (cursor_ < trace_.size())
        trace_[cursor_] = r;
      else
        trace_.push_back(r);
      chosen->step = cursor_++;
    }
    chosen->busy = true;
    chosen->used = n;
    if (chosen->offset != none) busy_ranges_.push_back(chosen);
    live_ += n;
    peak_live_ = std::max(peak_live_, live_);
#if defined(DIFFBRIDGE_WORKSPACE_POISON)
    // test builds: every lease starts as NaN, so an operator that reads a temporary before
    // writing it shows in its output, in every pass
    B::for_each_index(n, detail::poison_fn{chosen->base, std::numeric_limits<float>::quiet_NaN()});
#endif
    return lease(chosen, view_type{chosen->base, s});
  }

  /// Number of allocations so far (buffers and arenas) and the pool's total size.
  std::size_t allocations() const noexcept { return allocations_; }
  std::size_t bytes() const noexcept { return bytes_; }
  /// The largest total ever on loan at once (what a perfect allocator would need), in bytes.
  std::size_t peak_live_bytes() const noexcept { return peak_live_ * sizeof(float); }
  /// Frees all memory not on loan, and the record (call it between passes).
  void trim() {
    trace_.clear();
    cursor_ = 0;
    const bool arena_in_use = !busy_ranges_.empty();
    std::erase_if(slots_, [&](const std::unique_ptr<slot>& p) {
      if (p->busy || (p->offset != none && arena_in_use)) return false;
      if (p->offset == none) bytes_ -= p->capacity * sizeof(float);
      return true;
    });
    if (!arena_in_use) bytes_ -= arena_floats_ * sizeof(float), arena_ = {}, arena_floats_ = 0;
  }

 private:
  struct step {
    std::size_t n;                   ///< floats requested
    slot* s;                         ///< the memory that served them
    std::size_t acquired, returned;  ///< on the pass's clock (returned: none while on loan)
  };

  void give_back(slot& s) noexcept {
    s.busy = false;
    live_ -= s.used;
    if (s.offset != none) std::erase(busy_ranges_, &s);
    if (depth_ > 0 && s.step < trace_.size() && trace_[s.step].s == &s)
      trace_[s.step].returned = clock_++;
    s.step = none;
  }

  /// Whether s can serve n floats now: free, large enough and, for a range of the arena, not
  /// overlapping a range on loan (which a pass that departs from the record can leave out).
  bool free_for(const slot& s, std::size_t n) const noexcept {
    if (s.busy || s.capacity < n) return false;
    if (s.offset == none) return true;
    for (const slot* b : busy_ranges_)
      if (b->offset < s.offset + s.capacity && s.offset < b->offset + b->capacity) return false;
    return true;
  }

  /// The smallest free buffer of the pool's own holding n floats, else the largest free one
  /// regrown to n, else a new one. (Ranges of the arena only serve the requests they were laid
  /// out for.)
  slot* best_fit(std::size_t n) {
    slot *best = nullptr, *largest = nullptr;
    for (auto& p : slots_) {
      if (p->busy || p->offset != none) continue;
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
    best->base = B::as_view(best->t).raw();
    best->capacity = n;
    ++allocations_;
    bytes_ += n * sizeof(float);
    return best;
  }

  /// Lays the recorded pass out in one arena (detail::place_in_arena), when nothing is on loan
  /// and the arena is smaller than the pool: all memory is freed, then the arena allocated, and
  /// the record points each request at its range.
  void plan() {
    if (live_ != 0 || trace_.empty()) return;
    std::vector<detail::lifetime> life(trace_.size());
    for (std::size_t i = 0; i < trace_.size(); ++i)
      life[i] = {trace_[i].n, trace_[i].acquired, trace_[i].returned};
    std::size_t total = 0;
    const std::vector<std::size_t> at = detail::place_in_arena(life, arena_align, total);
    if (total * sizeof(float) >= bytes_) return;
    slots_.clear();
    arena_ = {};
    arena_ = B::template empty<float>(shape{total, 1, 1, 1});
    arena_floats_ = total;
    bytes_ = total * sizeof(float);
    ++allocations_;
    float* base = B::as_view(arena_).raw();
    for (std::size_t i = 0; i < trace_.size(); ++i) {
      auto& p = slots_.emplace_back(std::make_unique<slot>());
      p->base = base + at[i], p->capacity = trace_[i].n, p->offset = at[i], p->owner = this;
      trace_[i].s = p.get();
    }
  }

  /// Floats between range starts in the arena: 256 bytes, the alignment of a CUDA allocation.
  static constexpr std::size_t arena_align = 64;

  std::vector<std::unique_ptr<slot>> slots_;
  typename B::template tensor<float> arena_{};
  std::size_t arena_floats_ = 0;
  std::vector<slot*> busy_ranges_;  ///< ranges of the arena on loan
  std::vector<step> trace_;         ///< the record of the current or last pass
  std::size_t cursor_ = 0, depth_ = 0, clock_ = 0;
  bool fresh_ = false;  ///< a request of this pass was not served as recorded
  std::size_t allocations_ = 0, bytes_ = 0, live_ = 0, peak_live_ = 0;
};

}  // namespace diffbridge::nn
