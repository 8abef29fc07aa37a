// A preset: one existing bridge in its own time variable and official discretisation,
// mapped onto the generalised bridge. Concrete presets satisfy `bridge_preset`;
// `any_preset` erases the type for run-time selection (the CLI, studies).
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/modulation.hpp"

namespace diffbridge {

/// Where a preset's times live. The clean end is `lo` unless `clean_at_hi` (rectified flow).
struct time_domain {
  bool discrete = true;
  double lo = 0, hi = 0;
  bool clean_at_hi = false;

  bool contains(double t) const noexcept {
    return t >= lo && t <= hi && (!discrete || t == static_cast<double>(static_cast<long>(t)));
  }
  void require(double t, const char* what) const {
    if (!contains(t))
      throw invalid_time(detail::concat(what, " = ", t, ": must be ",
                                        discrete ? "an integer index in [" : "in [", lo, ", ", hi,
                                        "]"));
  }
  /// Validates a step from → to: both inside, `to` strictly closer to the clean end.
  void require_step(double from, double to) const {
    require(from, "from"), require(to, "to");
    const bool ok = clean_at_hi ? to > from : to < from;
    if (!ok)
      throw invalid_time(detail::concat(
          "step from ", from, " to ", to, " goes the wrong way: 'to' must be ",
          clean_at_hi ? "greater" : "smaller", " than 'from' (towards the clean end)"));
  }
};

/// How a preset relates to the generalised bridge (docs/special-cases.md).
struct preset_info {
  std::string name;
  std::string own_parameters;       ///< the original's parameters, as set
  std::string mapping;              ///< θ, g², target, pin, π of the generalised bridge
  std::string relation;             ///< "exact", "limit θ → 0", "marginal only", ...
  std::string sampler;              ///< the official update that `step` reproduces
  double default_eta = 1.0;         ///< η of the official update (0: deterministic, 1: posterior)
  modulation pi = modulation::one;  ///< π of its noise terms (RDBM: its `pi`; rectified flow: 0)
};

template <class P>
concept bridge_preset = requires(const P& p, double t, double eta, long n) {
  { p.info() } -> std::convertible_to<preset_info>;
  { p.domain() } -> std::convertible_to<time_domain>;
  { p.official_times() } -> std::convertible_to<std::vector<double>>;
  { p.coeffs(t) } -> std::convertible_to<marginal_coeffs<double>>;
  { p.step(t, t, eta) } -> std::convertible_to<step_coeffs<double>>;
  { p.default_grid(n) } -> std::convertible_to<std::vector<double>>;
  { p.reference_coeffs(t) } -> std::convertible_to<marginal_coeffs<double>>;
  { p.reference_step(t, t, eta) } -> std::convertible_to<step_coeffs<double>>;
};

class any_preset {
 public:
  template <bridge_preset P>
  explicit any_preset(P p) : self_(std::make_shared<model<P>>(std::move(p))) {}

  preset_info info() const { return self_->info(); }
  time_domain domain() const { return self_->domain(); }
  std::vector<double> official_times() const { return self_->official_times(); }
  marginal_coeffs<double> coeffs(double t) const { return self_->coeffs(t); }
  step_coeffs<double> step(double from, double to, double eta) const {
    return self_->step(from, to, eta);
  }
  std::vector<double> default_grid(long steps) const { return self_->default_grid(steps); }
  /// The official starting state at the grid's first time: x = c_y·y + std·(π ⊙ z)
  /// (c_x0 is 0). Default: the marginal's mean weight and std there; presets override it
  /// where their code starts otherwise (IR-SDE: μ + λz, BBDM/I2SB/DDBM: y, DDPM: z).
  marginal_coeffs<double> prior(double t) const { return self_->prior(t); }
  /// Samplers beyond the preset's own `step`: "euler-maruyama" where the preset has one.
  bool has_sampler(std::string_view sampler) const { return self_->has_sampler(sampler); }
  /// The update of a named sampler: "" or "default" is `step`.
  step_coeffs<double> step(double from, double to, double eta, std::string_view sampler) const {
    if (sampler.empty() || sampler == "default") return step(from, to, eta);
    if (!has_sampler(sampler))
      throw invalid_parameter(
          detail::concat("sampler '", sampler, "' is not available for bridge ", info().name));
    return self_->euler_maruyama(from, to);
  }
  marginal_coeffs<double> reference_coeffs(double t) const { return self_->reference_coeffs(t); }
  step_coeffs<double> reference_step(double from, double to, double eta) const {
    return self_->reference_step(from, to, eta);
  }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual preset_info info() const = 0;
    virtual time_domain domain() const = 0;
    virtual std::vector<double> official_times() const = 0;
    virtual marginal_coeffs<double> coeffs(double) const = 0;
    virtual step_coeffs<double> step(double, double, double) const = 0;
    virtual std::vector<double> default_grid(long) const = 0;
    virtual bool has_sampler(std::string_view) const = 0;
    virtual marginal_coeffs<double> prior(double) const = 0;
    virtual step_coeffs<double> euler_maruyama(double, double) const = 0;
    virtual marginal_coeffs<double> reference_coeffs(double) const = 0;
    virtual step_coeffs<double> reference_step(double, double, double) const = 0;
  };
  template <class P>
  struct model final : concept_t {
    explicit model(P p) : p_(std::move(p)) {}
    preset_info info() const override { return p_.info(); }
    time_domain domain() const override { return p_.domain(); }
    std::vector<double> official_times() const override { return p_.official_times(); }
    marginal_coeffs<double> coeffs(double t) const override { return p_.coeffs(t); }
    step_coeffs<double> step(double f, double t, double e) const override {
      return p_.step(f, t, e);
    }
    std::vector<double> default_grid(long n) const override { return p_.default_grid(n); }
    marginal_coeffs<double> prior(double t) const override {
      if constexpr (requires { p_.prior(t); }) {
        return p_.prior(t);
      } else {
        const auto m = p_.coeffs(t);
        return {0.0, m.c_x0 + m.c_y, m.std};
      }
    }
    static constexpr bool has_em = requires(const P& p) { p.euler_maruyama(1.0, 0.0); };
    bool has_sampler(std::string_view s) const override { return has_em && s == "euler-maruyama"; }
    step_coeffs<double> euler_maruyama(double f, double t) const override {
      if constexpr (has_em)
        return p_.euler_maruyama(f, t);
      else
        throw invalid_parameter("no euler-maruyama sampler");
    }
    marginal_coeffs<double> reference_coeffs(double t) const override {
      return p_.reference_coeffs(t);
    }
    step_coeffs<double> reference_step(double f, double t, double e) const override {
      return p_.reference_step(f, t, e);
    }
    P p_;
  };
  std::shared_ptr<const concept_t> self_;
};

}  // namespace diffbridge
