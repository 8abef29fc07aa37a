// A caching pool of activation buffers on backend B. Operators and models take their
// temporaries from it as leases (RAII). Within a pass (pass(): the models open one per forward
// call) the pool records each request, the memory that served it and when it came back. A pass
// is known by its first request's shape, or by the key given to pass(key) (the models give
// their input's shape): the next pass that starts alike replays the record
// while its requests repeat it, so a pass that repeats an earlier one (same sizes, same order of
// acquire and release, nothing else on loan) allocates nothing — allocations() stays put, which
// the tests check — also when passes of a few kinds alternate (images of two sizes). A pass that
// allocated is laid out when it ends: its buffers are freed and each of its requests gets a
// range of one arena, requests on loan at the same time disjoint ranges
// (detail/arena_plan.hpp), which needs about the most ever on loan at once rather than a buffer
// per request outstanding. The records of the kinds_kept most recent kinds of pass are kept,
// each with its arena. Outside a pass a request takes the smallest free buffer that fits.
// Leases are nn views (tensor_view) on every backend; on a device backend their pointers are
// device pointers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
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
  struct record;

  struct slot {
    typename B::template tensor<float> t;  ///< own memory (empty for a range of an arena)
    float* base = nullptr;
    std::size_t capacity = 0, used = 0;  ///< floats available / on loan
    std::size_t offset = 0;              ///< floats into the arena of `in`
    record* in = nullptr;                ///< the record whose arena holds this range, if any
    std::size_t step = none;             ///< the current pass's entry for the lease on loan
    bool busy = false;
    workspace* owner = nullptr;
  };

  struct step {
    std::size_t n;                   ///< floats requested
    slot* s;                         ///< the memory that served them
    std::size_t acquired, returned;  ///< on the pass's clock (returned: none while on loan)
  };

  /// What passes of one kind (their first request's shape) requested, and their arena.
  struct record {
    shape first;         ///< the pass's key, or its first request's shape
    bool keyed = false;  ///< first is a key given to pass()
    std::vector<step> steps;
    typename B::template tensor<float> arena{};
    std::size_t arena_floats = 0, on_loan = 0, last_pass = 0;
    std::vector<std::unique_ptr<slot>> ranges;
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

  /// A pass in progress (RAII); nested ones (a model's forward inside another's) belong to the
  /// outermost.
  class pass_scope {
   public:
    pass_scope(workspace& w, const shape* key) noexcept
        : w_(&w), unwinding_(std::uncaught_exceptions()) {
      if (w_->depth_++ == 0)
        w_->cur_ = nullptr, w_->cursor_ = 0, w_->clock_ = 0, w_->fresh_ = false,
        w_->recording_ = true, ++w_->passes_, w_->keyed_ = key != nullptr,
        w_->key_ = key ? *key : shape{};
    }
    pass_scope(const pass_scope&) = delete;
    pass_scope& operator=(const pass_scope&) = delete;
    ~pass_scope() {
      if (--w_->depth_ == 0) w_->end_pass(std::uncaught_exceptions() > unwinding_);
    }

   private:
    workspace* w_;
    int unwinding_;  ///< exceptions in flight when the pass opened
  };

  /// kinds_kept: how many kinds of pass keep their record and arena (the least recently used
  /// gives way).
  explicit workspace(std::size_t kinds_kept = 4) : kinds_kept_(kinds_kept < 1 ? 1 : kinds_kept) {}
  workspace(const workspace&) = delete;  // slots point back at their workspace
  workspace& operator=(const workspace&) = delete;

  /// Opens a pass. Its requests are served as the last pass of its kind had them while they
  /// repeat it: a choice among free buffers depends on the buffers present, which the first
  /// pass itself added, so without the record a second pass could choose differently and miss.
  /// A pass with a request not served so is laid out in an arena when it closes (its buffers
  /// freed: capture a CUDA graph only in a pass that repeats an earlier one).
  [[nodiscard]] pass_scope pass() noexcept { return pass_scope(*this, nullptr); }

  /// A pass known by `key` (the models give their input's shape) rather than by its first
  /// request's shape: passes whose first request is the same for every input size (the IPR
  /// vector) still keep a record per size, so alternating sizes allocate nothing.
  [[nodiscard]] pass_scope pass(const shape& key) noexcept { return pass_scope(*this, &key); }

  /// A buffer of shape s (contents unspecified). In a pass, the memory that served this request
  /// in the last pass of its kind if the request is the same and that memory is free; otherwise
  /// the smallest free buffer of the pool's own that fits; if none fits, the largest free one is
  /// replaced by one of the requested size, else a buffer is added. A repeated pass allocates
  /// nothing: each request finds its memory free, as it was then (the same leases out).
  lease acquire(shape s) {
    const std::size_t n = s.numel() == 0 ? 1 : s.numel();
    if (depth_ > 0 && cursor_ == 0 && recording_)
      cur_ = nullptr, cur_ = keyed_ ? record_for(key_, true) : record_for(s, false);
    slot* chosen = nullptr;
    if (cur_ && cursor_ < cur_->steps.size() && cur_->steps[cursor_].n == n &&
        free_for(*cur_->steps[cursor_].s, n))
      chosen = cur_->steps[cursor_].s;
    if (!chosen) chosen = best_fit(n), fresh_ = true;
#if defined(DIFFBRIDGE_WORKSPACE_POISON)
    // test builds: every lease starts as NaN, so an operator that reads a temporary before
    // writing it shows in its output, in every pass
    B::for_each_index(n, detail::poison_fn{chosen->base, std::numeric_limits<float>::quiet_NaN()});
#endif
    if (depth_ > 0 && cur_) {  // (an entry past a failed acquire is overwritten by the next one)
      const step r{n, chosen, clock_, none};
      if (cursor_ < cur_->steps.size())
        cur_->steps[cursor_] = r;
      else
        cur_->steps.push_back(r);
    }
    if (chosen->in) busy_ranges_.push_back(chosen);
    // nothing below throws
    if (depth_ > 0) {
      if (cur_) chosen->step = cursor_;
      ++cursor_, ++clock_;
    }
    if (chosen->in) ++chosen->in->on_loan;
    chosen->busy = true;
    chosen->used = n;
    live_ += n;
    peak_live_ = std::max(peak_live_, live_);
    return lease(chosen, view_type{chosen->base, s});
  }

  /// Number of allocations so far (buffers and arenas) and the pool's total size.
  std::size_t allocations() const noexcept { return allocations_; }
  std::size_t bytes() const noexcept { return bytes_; }
  /// The largest total ever on loan at once (what a perfect allocator would need), in bytes.
  std::size_t peak_live_bytes() const noexcept { return peak_live_ * sizeof(float); }
  /// Frees all memory not on loan and the records of passes (call it between passes).
  void trim() {
    cur_ = nullptr, recording_ = false;  // a pass in progress is no longer recorded
    std::erase_if(records_, [&](const std::unique_ptr<record>& r) {
      if (r->on_loan != 0) return false;
      bytes_ -= r->arena_floats * sizeof(float);
      return true;
    });
    free_own();
  }

 private:
  void give_back(slot& s) noexcept {
    s.busy = false;
    live_ -= s.used;
    if (s.in) std::erase(busy_ranges_, &s), --s.in->on_loan;
    if (depth_ > 0) {
      if (cur_ && s.step < cur_->steps.size() && cur_->steps[s.step].s == &s)
        cur_->steps[s.step].returned = clock_;
      ++clock_;
    }
    s.step = none;
  }

  /// The record of passes starting with a request of shape s: the one kept, else a new one (the
  /// least recently used record with nothing on loan gives way when kinds_kept are kept), else
  /// none (the pass is not recorded).
  record* record_for(shape s, bool keyed) {
    for (auto& r : records_)
      if (r->first == s && r->keyed == keyed) return r->last_pass = passes_, r.get();
    if (records_.size() >= kinds_kept_) {
      auto victim = records_.end();
      for (auto it = records_.begin(); it != records_.end(); ++it)
        if ((*it)->on_loan == 0 &&
            (victim == records_.end() || (*it)->last_pass < (*victim)->last_pass))
          victim = it;
      if (victim == records_.end()) return nullptr;
      bytes_ -= (*victim)->arena_floats * sizeof(float);
      records_.erase(victim);
    }
    auto& r = records_.emplace_back(std::make_unique<record>());
    r->first = s, r->keyed = keyed, r->last_pass = passes_;
    return r.get();
  }

  /// Whether s can serve n floats now: free, large enough and, for a range of an arena, not
  /// overlapping a range of that arena on loan (a pass that departs from its record can leave
  /// one out).
  bool free_for(const slot& s, std::size_t n) const noexcept {
    if (s.busy || s.capacity < n) return false;
    if (!s.in) return true;
    for (const slot* b : busy_ranges_)
      if (b->in == s.in && b->offset < s.offset + s.capacity && s.offset < b->offset + b->capacity)
        return false;
    return true;
  }

  /// The smallest free buffer of the pool's own holding n floats, else the largest free one
  /// regrown to n, else a new one. (Ranges of an arena only serve the requests they were laid
  /// out for.)
  slot* best_fit(std::size_t n) {
    slot *best = nullptr, *largest = nullptr;
    for (auto& p : own_) {
      if (p->busy) continue;
      if (p->capacity >= n && (!best || p->capacity < best->capacity)) best = p.get();
      if (!largest || p->capacity > largest->capacity) largest = p.get();
    }
    if (best) return best;
    if (largest) {  // freed before allocating; left empty (capacity 0) if that throws
      bytes_ -= largest->capacity * sizeof(float);
      largest->t = typename B::template tensor<float>{};
      largest->capacity = 0, largest->base = nullptr;
      best = largest;
    } else {
      best = own_.emplace_back(std::make_unique<slot>()).get();
      best->owner = this;
    }
    best->t = B::template empty<float>(shape{n, 1, 1, 1});
    best->base = B::as_view(best->t).raw();
    best->capacity = n;
    ++allocations_;
    bytes_ += n * sizeof(float);
    return best;
  }

  /// Frees the pool's own buffers not on loan — except, when `spare` is given, those a record
  /// other than it points at (its kind's next pass replays them) — and returns their floats
  /// (only counts them when count_only); records that pointed at a freed buffer forget their
  /// steps.
  std::size_t free_own(const record* spare = nullptr, bool count_only = false) {
    const auto used_by = [](const record& r, const slot* p) {
      return std::any_of(r.steps.begin(), r.steps.end(), [&](const step& e) { return e.s == p; });
    };
    std::size_t freed = 0;
    std::erase_if(own_, [&](const std::unique_ptr<slot>& p) {
      if (p->busy) return false;
      if (spare)
        for (const auto& r : records_)
          if (r.get() != spare && used_by(*r, p.get())) return false;
      freed += p->capacity;
      if (count_only) return false;
      bytes_ -= p->capacity * sizeof(float);
      for (auto& r : records_)
        if (used_by(*r, p.get())) r->steps.clear();
      return true;
    });
    return freed;
  }

  /// The end of the outermost pass: its record is cut to its length and, if a request was not
  /// served from it, laid out in an arena — unless something is still on loan, the pass ended by
  /// an exception, or the arena would not make the pool smaller.
  void end_pass(bool unwinding) noexcept {
    record* r = std::exchange(cur_, nullptr);
    if (!r || cursor_ == 0) return;  // no request served: the record stays as it was
    r->steps.resize(std::min(r->steps.size(), cursor_));
    if (!fresh_ || unwinding || live_ != 0 || r->steps.empty()) return;
    try {
      lay_out(*r);
    } catch (...) {  // out of memory for the arena: r is left empty, the pass is recorded anew
    }
  }

  /// Frees r's old arena and the own buffers no other record uses, allocates r's new arena and
  /// points each step of r at its range. Exception-safe: if the allocation throws, r is an empty
  /// record.
  void lay_out(record& r) {
    std::vector<detail::lifetime> life(r.steps.size());
    for (std::size_t i = 0; i < r.steps.size(); ++i)
      life[i] = {r.steps[i].n, r.steps[i].acquired, r.steps[i].returned};
    std::size_t total = 0;
    const std::vector<std::size_t> at = detail::place_in_arena(life, arena_align, total);
    if (total >= free_own(&r, true) + r.arena_floats) return;  // the pool would not shrink
    std::vector<step> steps = std::move(r.steps);              // r.steps is empty from here
    free_own(&r);
    r.ranges.clear();
    r.arena = {};
    bytes_ -= r.arena_floats * sizeof(float);
    r.arena_floats = 0;
    r.arena = B::template empty<float>(shape{total, 1, 1, 1});
    r.arena_floats = total;
    bytes_ += total * sizeof(float);
    ++allocations_;
    float* base = B::as_view(r.arena).raw();
    r.ranges.reserve(steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto& p = r.ranges.emplace_back(std::make_unique<slot>());
      p->base = base + at[i], p->capacity = steps[i].n, p->offset = at[i], p->in = &r,
      p->owner = this;
      steps[i].s = p.get();
    }
    r.steps = std::move(steps);
  }

  /// Floats between range starts in an arena: 256 bytes, the alignment of a CUDA allocation.
  static constexpr std::size_t arena_align = 64;

  std::size_t kinds_kept_;
  std::vector<std::unique_ptr<slot>> own_;
  std::vector<std::unique_ptr<record>> records_;
  std::vector<slot*> busy_ranges_;  ///< ranges of arenas on loan
  record* cur_ = nullptr;           ///< the record of the pass in progress
  std::size_t cursor_ = 0, depth_ = 0, clock_ = 0, passes_ = 0;
  bool fresh_ = false;      ///< a request of this pass was not served from its record
  bool recording_ = false;  ///< the pass is recorded (until a trim())
  bool keyed_ = false;      ///< the pass in progress is known by key_, not its first request
  shape key_{};
  std::size_t allocations_ = 0, bytes_ = 0, live_ = 0, peak_live_ = 0;
};

}  // namespace diffbridge::nn
