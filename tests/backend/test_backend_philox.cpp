// Philox4x32-10 and the library's normals (core/philox.hpp): known answers, the exact fma, the
// accuracy of ln / cos / sin (exhaustive), the documented key/counter/Box–Muller layout, and the
// statistics of the normals.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "diffbridge/core/philox.hpp"

using namespace diffbridge;

namespace {

// Known-answer vectors verbatim from Random123, tests/kat_vectors lines 24-29
// (https://github.com/DEShawResearch/random123, commit 9545ff6413f258be2f04c1d319d99aaef7521150).
// Columns: rounds, CTR (4 words), KEY (2 words), EXPECTED (4 words).
struct kat {
  int rounds;
  philox_block ctr;
  std::uint32_t key[2];
  philox_block expect;
};
constexpr kat kats[] = {
    {7, {{0, 0, 0, 0}}, {0, 0}, {{0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48}}},
    {7,
     {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
     {0xffffffff, 0xffffffff},
     {{0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662}}},
    {7,
     {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
     {0xa4093822, 0x299f31d0},
     {{0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a}}},
    {10, {{0, 0, 0, 0}}, {0, 0}, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
    {10,
     {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
     {0xffffffff, 0xffffffff},
     {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
    {10,
     {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
     {0xa4093822, 0x299f31d0},
     {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
};

bool same(const philox_block& a, const philox_block& b) { return std::equal(a.v, a.v + 4, b.v); }

// Evaluated at compile time: the generator is constexpr.
static_assert(philox4x32<10>({{0, 0, 0, 0}}, 0, 0).v[0] == 0x6627e8d5u);
static_assert(philox4x32<10>({{0, 0, 0, 0}}, 0, 0).v[3] == 0x9b00dbd8u);

/// ulp of a float at the magnitude of x.
double ulp_at(double x) {
  const float f = std::fabs(static_cast<float>(x));
  return static_cast<double>(std::nextafter(f, INFINITY)) - f;
}

/// (cos, sin)(2π k 2^-24) in double with the exact integer quadrant reduction.
void reference_cos_sin(std::uint32_t k, double& c, double& s) {
  const double phi = std::numbers::pi / 2 * ((k & 0x3FFFFFu) * 0x1p-22);
  const double c0 = std::cos(phi), s0 = std::sin(phi);
  switch (k >> 22) {
    case 0:
      c = c0, s = s0;
      break;
    case 1:
      c = -s0, s = c0;
      break;
    case 2:
      c = -c0, s = -s0;
      break;
    default:
      c = s0, s = -c0;
      break;
  }
}

/// Error of a float result against a double reference, in ulp of the reference (0 must be 0).
double ulp_error(float got, double ref) {
  if (ref == 0.0) return got == 0.0f ? 0.0 : 1e30;
  return std::fabs(static_cast<double>(got) - ref) / ulp_at(ref);
}

/// n normals of stream (seed, step).
std::vector<double> normals(std::uint64_t seed, std::uint64_t step, std::size_t n) {
  const philox_normals g{seed, step};
  std::vector<double> z(n);
  for (std::size_t j = 0; 4 * j < n; ++j) {
    const normal4 b = g.block(j);
    for (std::size_t l = 0; l < 4 && 4 * j + l < n; ++l) z[4 * j + l] = b.v[l];
  }
  return z;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  const double n = static_cast<double>(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    sa += a[i], sb += b[i], sab += a[i] * b[i], saa += a[i] * a[i], sbb += b[i] * b[i];
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  return cov / std::sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
}

}  // namespace

TEST_CASE("philox4x32 matches the Random123 known-answer vectors", "[philox]") {
  for (const kat& k : kats) {
    const philox_block got = k.rounds == 7 ? philox4x32<7>(k.ctr, k.key[0], k.key[1])
                                           : philox4x32<10>(k.ctr, k.key[0], k.key[1]);
    INFO("rounds " << k.rounds << ", ctr[0] " << std::hex << k.ctr.v[0]);
    REQUIRE(same(got, k.expect));
  }
}

TEST_CASE("philox_normals uses key = seed, counter = (block, step)", "[philox]") {
  const std::uint64_t seed = 0x0123456789ABCDEFull, step = 0xFEDCBA9876543210ull;
  const std::uint64_t j = 0x00000005DEADBEEFull;
  const philox_block expect = philox4x32<10>({{0xDEADBEEFu, 0x00000005u, 0x76543210u, 0xFEDCBA98u}},
                                             0x89ABCDEFu, 0x01234567u);
  REQUIRE(same(philox_normals{seed, step}.bits(j), expect));
}

TEST_CASE("the emulated fma is correctly rounded", "[philox]") {
  // A genuine double-rounding case: a·b + c = 1 + 2^-23 + 2^-24 − 2^-70 lies just below the
  // midpoint of two floats; rounding through double first lands on the midpoint, then on the
  // even neighbour 1 + 2^-22. The correctly rounded result is 1 + 2^-23.
  const float a = 1.0f + 0x1p-23f, b = 0x1p-24f - 0x1p-47f, c = 1.0f + 0x1p-23f;
  const float naive =
      static_cast<float>(static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c));
  REQUIRE(naive == 1.0f + 0x1p-22f);
  REQUIRE(detail::fma_emulated(a, b, c) == 1.0f + 0x1p-23f);
  REQUIRE(std::fma(a, b, c) == 1.0f + 0x1p-23f);
  REQUIRE(detail::ffma(a, b, c) == 1.0f + 0x1p-23f);

  // Random operands across exponents and signs against libm's fmaf (exact by C99).
  std::size_t bad = 0;
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    const philox_block w = philox4x32<10>({{i, 0, 0, 0}}, 0xFAu, 0xC0u);
    const auto f = [](std::uint32_t u, int spread) {
      const float m = static_cast<float>(u >> 8) * 0x1p-24f + 0.5f;  // [0.5, 1.5)
      return std::ldexp((u & 1) ? -m : m, static_cast<int>(u % spread) - spread / 2);
    };
    const float x = f(w.v[0], 40), y = f(w.v[1], 40);
    float z = f(w.v[2], 80);
    if ((w.v[3] & 7) == 0) z = -x * y;  // cancellation
    if (detail::fma_emulated(x, y, z) != std::fma(x, y, z)) ++bad;
  }
  REQUIRE(bad == 0);
}

TEST_CASE("-2 ln u1 is within 3 ulp for every u1", "[philox][exhaustive]") {
  double worst = 0;
  for (std::uint32_t m = 1; m <= (1u << 24); ++m) {
    const double ref = -2.0 * std::log(m * 0x1p-24);
    worst = std::max(worst, ulp_error(detail::minus_two_log_u(m), ref));
  }
  INFO("worst " << worst << " ulp");
  REQUIRE(worst <= 3.0);
}

TEST_CASE("cos and sin of 2 pi u2 are within 2 ulp for every u2", "[philox][exhaustive]") {
  double worst = 0;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    const detail::cos_sin t = detail::cos_sin_2pi(k);
    double c, s;
    reference_cos_sin(k, c, s);
    worst = std::max({worst, ulp_error(t.c, c), ulp_error(t.s, s)});
  }
  INFO("worst " << worst << " ulp");
  REQUIRE(worst <= 2.0);
}

TEST_CASE("normals follow the documented Box-Muller layout within 5 ulp", "[philox]") {
  const philox_normals g{12345, 6};
  double worst = 0;
  for (std::uint64_t j = 0; j < (1u << 18); ++j) {
    const philox_block x = g.bits(j);
    const normal4 z = g.block(j);
    for (int p = 0; p < 2; ++p) {
      // Pair p uses words (2p, 2p+1): u1 from the first, u2 from the second; cos then sin.
      const double r = std::sqrt(-2.0 * std::log(((x.v[2 * p] >> 8) + 1) * 0x1p-24));
      double c, s;
      reference_cos_sin(x.v[2 * p + 1] >> 8, c, s);
      worst = std::max({worst, ulp_error(z.v[2 * p], r * c), ulp_error(z.v[2 * p + 1], r * s)});
    }
    for (int l = 0; l < 4; ++l) REQUIRE(g(4 * j + l) == z.v[l]);
  }
  INFO("worst " << worst << " ulp");
  REQUIRE(worst <= 5.0);
}

TEST_CASE("exact zeros of the normals are +0", "[philox]") {
  // seed 1, step 0, element 710032: u2 word 0x4000006b, so 2π u2 = π/2 and cos is exactly 0.
  const philox_normals g{1, 0};
  REQUIRE(g.bits(710032 / 4).v[1] == 0x4000006bu);
  const float z = g(710032);
  REQUIRE(z == 0.0f);
  REQUIRE_FALSE(std::signbit(z));
}

TEST_CASE("the normals are standard normal", "[philox][statistics]") {
  constexpr std::size_t n = std::size_t{1} << 20;
  const double sn = std::sqrt(static_cast<double>(n));
  std::vector<double> z = normals(2024, 1, n);

  double m1 = 0, m2 = 0, m4 = 0, zmax = 0;
  for (double v : z) m1 += v, zmax = std::max(zmax, std::fabs(v));
  m1 /= n;
  for (double v : z) m2 += (v - m1) * (v - m1), m4 += std::pow(v - m1, 4);
  m2 /= n;
  m4 /= n;
  // Five standard errors: mean 1/√n, variance √(2/n), kurtosis √(24/n).
  CHECK(std::fabs(m1) < 5 / sn);
  CHECK(std::fabs(m2 - 1) < 5 * std::sqrt(2.0) / sn);
  CHECK(std::fabs(m4 / (m2 * m2) - 3) < 5 * std::sqrt(24.0) / sn);
  CHECK(zmax <= std::sqrt(48 * std::numbers::ln2) + 1e-6);  // |z| ≤ √(−2 ln 2^-24)

  // Kolmogorov–Smirnov against Φ: reject at α = 0.001, D > K/√n with K = √(−ln(α/2)/2) = 1.9495.
  std::sort(z.begin(), z.end());
  double d = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-z[i] / std::numbers::sqrt2);
    d = std::max({d, cdf - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - cdf});
  }
  INFO("KS D = " << d << ", critical " << 1.9495 / sn);
  CHECK(d < 1.9495 / sn);
}

TEST_CASE("streams of neighbouring elements, steps and seeds are uncorrelated",
          "[philox][statistics]") {
  constexpr std::size_t n = std::size_t{1} << 20;
  const double bound = 5 / std::sqrt(static_cast<double>(n));
  const std::vector<double> a = normals(2024, 1, n + 1);
  const std::vector<double> lag0(a.begin(), a.end() - 1), lag1(a.begin() + 1, a.end());
  CHECK(std::fabs(correlation(lag0, lag1)) < bound);  // includes the (cos, sin) pairs of one r
  const std::vector<double> next_step = normals(2024, 2, n), next_seed = normals(2025, 1, n);
  CHECK(std::fabs(correlation(lag0, next_step)) < bound);
  CHECK(std::fabs(correlation(lag0, next_seed)) < bound);
}
